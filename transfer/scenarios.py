"""Workshop scenarios: validated YAML (weights, constraints, overrides, demand, matching) with ``extends``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from transfer._yaml import line_of, load_yaml, read_yaml
from transfer.errors import ScenarioError, TransferError
from transfer.names import did_you_mean, province_names

__all__ = [
    "Constraints",
    "Demand",
    "DemandItem",
    "MatchingOptions",
    "Overrides",
    "PairingOption",
    "Scenario",
    "load_scenario",
    "parse_scenario",
    "province_key",
    "scenario_yaml",
]

_MAX_EXTENDS_DEPTH = 10
# list-valued keys under `overrides` that a child scenario appends to its parent's (all other lists replace)
_APPEND_KEYS = {"sites", "add", "remove", "add_edges", "remove_edges", "add_hubs", "remove_hubs"}


class _KeyedValueError(ValueError):
    """A validator error that knows the key path below its field (so the message can point at its line)."""

    def __init__(self, message: str, *, loc: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.loc = loc


class _Strict(BaseModel):
    # inf and nan are refused in every float of a scenario (`scale: .inf` would overflow the matcher)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# upper bounds that no real scenario reaches and that keep every integer inside int64 in the matcher
MAX_JOBS = 50_000_000  # all manufacturing jobs of the coastal provinces are of this order
Jobs = Annotated[int, Field(ge=0, le=MAX_JOBS)]
Share = Annotated[float, Field(ge=0, le=1)]


class DemandItem(_Strict):
    """Jobs of one industry that relocate (an assumption of the scenario, not data)."""

    industry: str
    jobs: Jobs
    origins: tuple[int, ...] = ()


class Demand(_Strict):
    """What relocates: industries with jobs, and/or a firms file (CSV/XLSX, path relative to the scenario)."""

    industries: tuple[DemandItem, ...] = ()
    firms: str | None = None
    scale: float = Field(default=1.0, ge=0, le=100)


class MatchingOptions(_Strict):
    """Options of the capacitated min-cost-flow match."""

    top_k: int | None = Field(default=30, ge=1)
    min_score: float | None = Field(default=None, ge=0, le=1)
    unmatched_penalty: float | None = Field(default=None, gt=0, le=1e6)
    max_share_per_site: float | None = Field(default=None, gt=0, le=1)
    capacity_share_of_labour_pool: float = Field(default=0.02, gt=0, le=1)
    capacity_jobs: dict[int, Jobs] = Field(default_factory=dict)
    province_cap_jobs: dict[str | int, Jobs] = Field(default_factory=dict)  # province name or adcode
    # a firm goes wholly to one site; industry demand is placed in blocks of block_jobs (None: split freely)
    indivisible: bool = True
    block_jobs: int | None = Field(default=500, ge=50, le=MAX_JOBS)
    engine: Literal["auto", "networkx", "ortools"] = "auto"


class Constraints(_Strict):
    """Hard rules and scoring options (see transfer.scoring.ScoringOptions)."""

    missing: Literal["neutral", "exclude"] = "neutral"
    winsor: float = Field(default=0.05, ge=0, lt=0.5)
    size_transform: Literal["log", "none"] = "log"
    eco_restricted_share: float = Field(default=1 / 3, ge=0, le=1)
    eco_unknown_blocks_two_high: bool = False
    exclude_provinces: tuple[str | int, ...] = ()  # province names or adcodes


class PairingOption(_Strict):
    """Favour the sites officially paired with one origin (对口协作, 共建园区; see transfer.pairings).

    ``bonus`` adds ``bonus`` to every industry's score at a paired site (``province_share`` of it where the site is
    paired only through a province-level pairing); ``constraint`` makes the unpaired sites
    ineligible, so no demand or firm of the run goes there. The run takes that origin's view: every score and
    match of the run is affected, whatever origin a firm names.
    """

    origin: str | int  # origin name (东莞), English name (Dongguan) or adcode (441900)
    mode: Literal["bonus", "constraint"] = "bonus"
    bonus: float = Field(default=0.05, gt=0, le=0.5)
    include_province: bool = True  # the origin province's pairings (广东—贵州 for 东莞) count too
    # the share of the bonus a site gets when it is paired only through a province-level pairing (广东—贵州 names all
    # of 贵州 for 东莞; 东莞—铜仁 is 东莞's own pair): a modelling choice, 0.5 by default
    province_share: float = Field(default=0.5, ge=0, le=1)
    include_unconfirmed: bool = True  # an older assignment not re-checked after 2021 still counts


class SiteEdit(_Strict):
    """Set attributes of one site (e.g. gn_population, n_counties)."""

    adcode: int
    set: dict[str, float | int | str | bool | None]


class BondedZoneAdd(_Strict):
    name_zh: str
    zone_type: Literal["综合保税区", "保税港区", "出口加工区", "保税物流园区", "保税物流中心B"] = "综合保税区"
    city_adcode: int
    name_en: str = ""
    approval_year: int | None = Field(default=None, ge=1949, le=2100)
    source: str = "scenario assumption"


class BondedZoneEdits(_Strict):
    add: tuple[BondedZoneAdd, ...] = ()
    remove: tuple[str, ...] = ()


class EdgeAdd(_Strict):
    from_: str | int = Field(alias="from")
    to: str | int
    mode: Literal["rail", "road"] = "rail"
    distance_km: float = Field(gt=0, le=10_000)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HubAdd(_Strict):
    hub_id: str
    hub_type: Literal["sea_gateway", "river_port", "cargo_airport", "crex_centre", "dry_port"]
    name_zh: str
    name_en: str = ""
    city_adcode: int | None = None
    lon: float | None = Field(default=None, ge=73, le=135.5)
    lat: float | None = Field(default=None, ge=17.5, le=54)


class NetworkEdits(_Strict):
    add_edges: tuple[EdgeAdd, ...] = ()
    remove_edges: tuple[str | tuple[str | int, str | int], ...] = ()
    add_hubs: tuple[HubAdd, ...] = ()
    remove_hubs: tuple[str, ...] = ()
    params: dict[str, Any] = Field(default_factory=dict)


class WageEdits(_Strict):
    """Wage changes: relative change per province (0.2 = +20 %) or an absolute CNY/year value."""

    # keys: province name or adcode; a change of -0.5 halves the wage, +1 doubles it
    province_change: dict[str | int, Annotated[float, Field(gt=-1, le=10)]] = Field(default_factory=dict)
    province_set_cny_year: dict[str | int, Annotated[float, Field(gt=0, le=10_000_000)]] = Field(default_factory=dict)


class Overrides(_Strict):
    sites: tuple[SiteEdit, ...] = ()
    bonded_zones: BondedZoneEdits = BondedZoneEdits()
    network: NetworkEdits = NetworkEdits()
    wages: WageEdits = WageEdits()
    labour_scale: dict[int, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    eco_key_counties: dict[int, Annotated[int, Field(ge=0, le=500)]] = Field(default_factory=dict)


class Scenario(_Strict):
    """A workshop scenario. Applying it never changes the base layers."""

    name: str = Field(min_length=1)
    description: str = ""
    # what a user reads: a title per language (zh, en) and a Chinese description; neither is inherited by `extends`
    title: dict[str, str] = Field(default_factory=dict)
    description_zh: str = ""
    extends: str | None = None
    weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    constraints: Constraints = Constraints()
    overrides: Overrides = Overrides()
    demand: Demand = Demand()
    matching: MatchingOptions = MatchingOptions()
    pairing: PairingOption | None = None
    source_path: str | None = Field(default=None, exclude=True)
    chain: tuple[str, ...] = Field(default=(), exclude=True)

    @field_validator("title")
    @classmethod
    def _title(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(value) - {"zh", "en"})
        if bad:
            raise ValueError(f"title languages must be zh and/or en, not {', '.join(bad)}")
        return value

    def label(self, lang: str) -> str:
        """The scenario's title in ``lang`` (its name when it has none)."""
        return self.title.get(lang) or self.title.get("en" if lang == "zh" else "zh") or self.name

    def about(self, lang: str) -> str:
        """Its description in ``lang`` (the English one when there is no Chinese one)."""
        return self.description_zh if lang == "zh" and self.description_zh else self.description

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        from transfer.industries import CRITERION_IDS

        for key, ws in value.items():
            for crit, w in ws.items():
                if crit not in CRITERION_IDS:
                    hint = did_you_mean(crit, CRITERION_IDS)
                    raise _KeyedValueError(f"unknown criterion {crit!r} under {key!r}{hint}", loc=(key, crit))
                if w < 0:
                    raise _KeyedValueError(f"weight '{crit}' under '{key}' is negative", loc=(key, crit))
        return value


# --- YAML with line numbers ---------------------------------------------------------------------------------


def _safe_load(text: str, where: str) -> tuple[Any, yaml.Node | None]:
    """The parsed data (safe tags only, bounded, no duplicate keys) and the node tree (for line numbers)."""
    data, node = load_yaml(text, where=where, error=ScenarioError)
    return ({} if data is None else data), node


_line_of = line_of


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names (aliases) allowed at the parent of ``loc`` in the schema, for did-you-mean hints."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        nxt = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            return []
        current = nxt
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items() if n not in ("source_path", "chain")]
    return []


def _validation_error(
    exc: ValidationError,
    model: type[BaseModel],
    node: yaml.Node | None,
    where: str,
    *,
    error: type[TransferError],
    fix: str,
) -> TransferError:
    """The first pydantic error of a YAML document as one message: the key path, its line and, for an unknown key
    (reported first: a misspelt key is also reported as the missing one it was meant to be), the closest valid one."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyedValueError):
        loc = (*loc, *cause.loc)
    key = ".".join(str(p) for p in loc) or "(top level)"
    line = _line_of(node, loc)
    at = f"{where}, line {line}" if line else where
    params: dict[str, object] = {"file": where, "rows": [line] if line else [], "key": key}
    if err["type"] == "extra_forbidden":
        options = _valid_keys(model, loc)
        close = did_you_mean(loc[-1], options, cutoff=0.5)
        return error(
            f"unknown key {key!r}{close}",
            where=at,
            fix=f"valid keys here: {', '.join(options)}" if options else "remove the key",
            code="scenario.unknown_key" if options else "scenario.unknown_key_any",
            params=params | {"hint": close, "options": ", ".join(options)},
        )
    msg = err["msg"].removeprefix("Value error, ")
    return error(f"key {key!r}: {msg}", where=at, fix=fix, code="scenario.bad_value", params=params | {"msg": msg})


def _raise_validation(exc: ValidationError, node: yaml.Node | None, where: str) -> None:
    fix = "correct the value; see scenarios/README.md"
    raise _validation_error(exc, Scenario, node, where, error=ScenarioError, fix=fix) from None


# what a scenario that extends another does not take from it: where it came from, and its own title
_NOT_INHERITED = {"source_path", "chain", "title", "description_zh"}


def _merge(parent: dict[str, Any], child: dict[str, Any], *, under_overrides: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    for k, v in child.items():
        inside = under_overrides or k == "overrides"
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, under_overrides=inside)
        elif isinstance(v, list) and isinstance(out.get(k), (list, tuple)) and under_overrides and k in _APPEND_KEYS:
            # the parent arrives as a model dump, where list fields are tuples
            out[k] = [*out[k], *copy.deepcopy(v)]
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    if not path.exists():
        raise ScenarioError(f"scenario file {path} does not exist", where=str(path), fix="check the path")
    data, node = read_yaml(path, error=ScenarioError)
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping of keys", where=str(path), fix="start with `name: ...`")
    return data, node


def parse_scenario(text: str, *, where: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate scenario YAML text (``extends`` is resolved relative to ``base_dir``)."""
    data, node = _safe_load(text, where)
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping of keys", where=where, fix="start with `name: ...`")
    chain: tuple[str, ...] = ()
    if data.get("extends"):
        parent_path = (base_dir or Path.cwd()) / str(data["extends"])
        parent = load_scenario(parent_path)
        merged = _merge(parent.model_dump(by_alias=True, exclude=_NOT_INHERITED), data)
        chain = (*parent.chain, str(parent_path))
        # validate the child's own keys with its own line numbers first
        _validate(data | {"name": data.get("name", parent.name)}, node, where)
        data = merged
        node = None
    scn = _validate(data, node, where)
    return scn.model_copy(update={"source_path": where, "chain": chain})


def _validate(data: dict[str, Any], node: yaml.Node | None, where: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        _raise_validation(exc, node, where)
        raise AssertionError("unreachable") from None


def load_scenario(path: str | Path, *, _depth: int = 0) -> Scenario:
    """Load and validate a scenario file, resolving ``extends`` (relative to the file) recursively."""
    path = Path(path).resolve()
    if _depth > _MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            "`extends` chain is too deep or circular", where=str(path), fix="check which scenario extends which"
        )
    data, node = _read(path)
    chain: tuple[str, ...] = ()
    if data.get("extends"):
        parent_path = (path.parent / str(data["extends"])).resolve()
        if parent_path == path:
            raise ScenarioError("a scenario cannot extend itself", where=str(path), fix="name another file")
        if not parent_path.exists():
            line = _line_of(node, ("extends",))
            siblings = sorted(p.name for p in path.parent.glob("*.yaml"))
            hint = did_you_mean(Path(str(data["extends"])).name, siblings, cutoff=0.75)
            raise ScenarioError(
                f"`extends` names {data['extends']!r}, which does not exist{hint}",
                where=f"{path}, line {line}",
                fix="give a path relative to this file",
            )
        _validate(data | {"name": data.get("name") or "x", "extends": None}, node, str(path))
        parent = load_scenario(parent_path, _depth=_depth + 1)
        data = _merge(parent.model_dump(by_alias=True, exclude=_NOT_INHERITED), data)
        chain = (*parent.chain, str(parent_path))
        node = None
    scn = _validate(data, node, str(path))
    return scn.model_copy(update={"source_path": str(path), "chain": chain})


def scenario_yaml(scn: Scenario) -> str:
    """The scenario as YAML text (resolved: inherited values included, ``extends`` dropped)."""
    data = scn.model_dump(by_alias=True, exclude={"source_path", "chain"}, exclude_defaults=True)
    data.pop("extends", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def province_key(value: str | int) -> str:
    """Normalise a province given by adcode or name (Chinese, also short as 湖南, or English) to its Chinese name."""
    return province_names().resolve(value, where="province", fix="use the Chinese name or adcode", error=ScenarioError)
