"""Industry catalogue: criterion ids, validated relocating-industry profiles and their loader."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transfer._yaml import read_yaml
from transfer.columns import FLAG, NAME_EN, NAME_ZH, SOURCE, SOURCE_YEAR
from transfer.errors import LayerError
from transfer.names import did_you_mean, unknown_name

__all__ = [
    "CRITERIA",
    "CRITERION_IDS",
    "DEFAULT_INDUSTRIES_PATH",
    "INDUSTRY_ID",
    "Criterion",
    "IndustryCatalogue",
    "IndustryProfile",
    "load_industries",
    "load_relatedness",
    "weight_column",
]

# column of IndustryCatalogue.to_frame() holding the profile id (not in transfer.columns yet)
INDUSTRY_ID = "industry_id"

DEFAULT_INDUSTRIES_PATH = Path(__file__).resolve().parent.parent / "geodata" / "industries.yaml"


class Criterion(NamedTuple):
    """One site criterion: id, direction ("max" = higher is better), labels and unit."""

    id: str
    direction: Literal["max", "min"]
    label_zh: str
    label_en: str
    unit: str


# The one place criterion ids live; the scoring engine imports this tuple.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("bonded_zone", "max", "综合保税区/保税港区", "bonded zone (B-type centre counts less)", "index"),
    Criterion("sea_cost", "min", "至出海口综合运费", "generalised freight cost to cheapest sea gateway", "CNY/TEU"),
    Criterion("origin_cost", "min", "至转出地综合运费", "cost back to the industry's origin clusters", "CNY/TEU"),
    Criterion(
        "crex_time",
        "min",
        "至中欧班列集结中心时间",
        "time to nearest China-Europe Railway Express centre",
        "h",
    ),
    Criterion("air_time", "min", "至货运机场时间", "time to nearest cargo airport", "h"),
    Criterion("market_access", "max", "国内市场可达性", "population-weighted domestic market access", "index"),
    Criterion("labour_pool", "max", "劳动力规模(15-64岁常住人口)", "labour pool (working-age residents)", "persons"),
    Criterion(
        "labour_reserve",
        "max",
        "劳动力储备(户籍人口外出)",
        "labour reserve (registered residents living elsewhere)",
        "persons",
    ),
    Criterion(
        "labour_quality", "max", "劳动力素质(平均受教育年限)", "labour quality (mean years of schooling)", "years"
    ),
    Criterion(
        "industrial_base", "max", "产业基础(制造业就业占比)", "industrial base (manufacturing share of jobs)", "share"
    ),
    Criterion(
        "cluster_fit",
        "max",
        "产业集群契合度",
        "cluster fit (same or related named cluster in the prefecture)",
        "index",
    ),
    Criterion("wage", "min", "平均工资", "average wage", "CNY/year"),
    Criterion("min_wage", "min", "最低工资标准", "minimum wage (prefecture tier)", "CNY/month"),
    Criterion("policy_support", "max", "承接地政策支持", "key receiving site / park / demo zone", "index"),
    Criterion("dev_zones", "max", "国家级开发区", "national economic / high-tech development zones", "count"),
    Criterion(
        "eco_pressure",
        "min",
        "重点生态功能区占比",
        "share in national key ecological function zones",
        "share",
    ),
)
CRITERION_IDS: tuple[str, ...] = tuple(c.id for c in CRITERIA)

LabourIntensity = Literal["high", "medium", "low"]
ValueDensity = Literal["low", "medium", "high"]
FreightMode = Literal["sea", "rail_europe", "air", "domestic"]
EnvClass = Literal["light", "moderate", "heavy", "two_high"]


def weight_column(criterion_id: str) -> str:
    """Name of the weight column for a criterion in ``IndustryCatalogue.to_frame()``."""
    return f"weight_{criterion_id}"


class IndustryProfile(BaseModel):
    """One relocating industry: criterion weights, hard needs and descriptive attributes."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    weights: dict[str, float]
    rationale: str = Field(min_length=1)
    source: str = Field(min_length=1)
    source_year: int | None = Field(ge=1949, le=2100)
    needs_bonded_zone: bool
    max_crex_time_h: float | None = Field(default=None, gt=0)
    max_sea_cost_cny_teu: float | None = Field(default=None, gt=0)
    two_high_one_resource: bool
    env_class: EnvClass
    labour_intensity: LabourIntensity
    freight: tuple[FreightMode, ...] = Field(min_length=1)
    value_density: ValueDensity
    main_origins: tuple[int, ...]
    origins_source: str = ""
    typical_jobs_per_firm: int | None = Field(gt=0)
    typical_land_ha_per_firm: float | None = Field(gt=0)
    flag: str = ""

    @field_validator("freight", mode="before")
    @classmethod
    def _freight_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("freight")
    @classmethod
    def _freight_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"freight modes repeat in {list(value)}; list each mode once, the main one first")
        return value

    @field_validator("weights")
    @classmethod
    def _weights_valid(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            if key not in CRITERION_IDS:
                hint = did_you_mean(key, CRITERION_IDS, cutoff=0.5)
                raise ValueError(f"unknown criterion {key!r}{hint}; valid criteria: {', '.join(CRITERION_IDS)}")
            if weight < 0:
                raise ValueError(f"weight of '{key}' is {weight}; weights must be >= 0")
        if not any(w > 0 for w in value.values()):
            raise ValueError("all weights are zero; give at least one criterion a positive weight")
        return value

    @field_validator("main_origins")
    @classmethod
    def _adcodes(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for code in value:
            if not 100000 <= code <= 999999:
                raise ValueError(f"origin adcode {code} is not a 6-digit administrative code")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> IndustryProfile:
        if self.two_high_one_resource != (self.env_class == "two_high"):
            raise ValueError(
                "two_high_one_resource and env_class disagree; use env_class 'two_high' exactly when "
                "two_high_one_resource is true"
            )
        unsourced = self.typical_jobs_per_firm is None or self.typical_land_ha_per_firm is None
        if unsourced and not self.flag:
            raise ValueError(
                "typical_jobs_per_firm or typical_land_ha_per_firm is empty but 'flag' says nothing; "
                "write why it is empty (e.g. 'unsourced: ...') in 'flag'"
            )
        if self.main_origins and not self.origins_source:
            raise ValueError("main_origins are given without 'origins_source'; name the public source")
        if not self.main_origins and not self.flag:
            raise ValueError("main_origins is empty but 'flag' says nothing; write why in 'flag'")
        return self

    def normalised_weights(self) -> dict[str, float]:
        """Weights over all criteria (absent ones 0), scaled to sum to 1."""
        total = sum(self.weights.values())
        return {cid: self.weights.get(cid, 0.0) / total for cid in CRITERION_IDS}


class IndustryCatalogue(BaseModel):
    """An ordered, read-only set of industry profiles loaded from one file."""

    model_config = ConfigDict(frozen=True)

    profiles: tuple[IndustryProfile, ...]
    path: Path | None = None
    # relatedness between two industries (0..1) for the cluster-fit criterion, keyed by the sorted id pair
    relatedness: dict[tuple[str, str], float] = {}

    def related(self, a: str, b: str) -> float:
        """Relatedness of two industries: 1 for the same id, the table's value for a listed pair, else 0."""
        if a == b:
            return 1.0
        key = (a, b) if a < b else (b, a)
        return float(self.relatedness.get(key, 0.0))

    @property
    def ids(self) -> tuple[str, ...]:
        """Profile ids in file order."""
        return tuple(p.id for p in self.profiles)

    def __iter__(self) -> Iterator[IndustryProfile]:  # type: ignore[override]
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, industry_id: object) -> bool:
        return industry_id in self.ids

    def get(self, industry_id: str) -> IndustryProfile:
        """Return the profile with this id.

        Raises
        ------
        UnknownNameError
            If no profile has this id; the closest ids are suggested.
        """
        for profile in self.profiles:
            if profile.id == industry_id:
                return profile
        raise unknown_name(
            "industry",
            industry_id,
            self.ids,
            where=str(self.path) if self.path else "industry catalogue",
            fix=f"use one of {', '.join(self.ids)}",
            n=3,
            cutoff=0.5,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per industry: attributes, hard needs and one raw-weight column per criterion."""
        rows = []
        for p in self.profiles:
            row: dict[str, Any] = {
                INDUSTRY_ID: p.id,
                NAME_ZH: p.name_zh,
                NAME_EN: p.name_en,
                "labour_intensity": p.labour_intensity,
                "freight": list(p.freight),
                "main_freight": p.freight[0],
                "value_density": p.value_density,
                "env_class": p.env_class,
                "two_high_one_resource": p.two_high_one_resource,
                "needs_bonded_zone": p.needs_bonded_zone,
                "max_crex_time_h": p.max_crex_time_h,
                "max_sea_cost_cny_teu": p.max_sea_cost_cny_teu,
                "main_origins": list(p.main_origins),
                "typical_jobs_per_firm": p.typical_jobs_per_firm,
                "typical_land_ha_per_firm": p.typical_land_ha_per_firm,
                "rationale": p.rationale,
                SOURCE: p.source,
                SOURCE_YEAR: p.source_year,
                FLAG: p.flag,
            }
            for cid in CRITERION_IDS:
                row[weight_column(cid)] = float(p.weights.get(cid, 0.0))
            rows.append(row)
        frame = pd.DataFrame(rows)
        frame["typical_jobs_per_firm"] = frame["typical_jobs_per_firm"].astype("Int64")
        frame["typical_land_ha_per_firm"] = frame["typical_land_ha_per_firm"].astype("Float64")
        frame[SOURCE_YEAR] = frame[SOURCE_YEAR].astype("Int64")
        return frame


_TOP_KEYS = {"version", "note", "industries"}


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise LayerError(
            "industry file not found",
            where=str(path),
            fix="pass an existing YAML file, or omit the path to use the default catalogue",
        )
    return read_yaml(path, error=LayerError)[0]


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    loc = [str(part) for part in error.get("loc", ())]
    field = ".".join(loc) if loc else "(profile)"
    kind = error.get("type", "")
    msg = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "missing":
        msg = "required field is missing"
    elif kind == "extra_forbidden":
        key = loc[-1] if loc else ""
        msg = f"unknown key {key!r}{did_you_mean(key, IndustryProfile.model_fields, cutoff=0.5)}"
    return field, msg


def load_industries(path: Path | None = None) -> IndustryCatalogue:
    """Load and validate an industry catalogue.

    Parameters
    ----------
    path
        YAML file with a top-level ``industries`` list; the embedded ``geodata/industries.yaml`` when None.

    Returns
    -------
    IndustryCatalogue
        The validated profiles in file order.

    Raises
    ------
    LayerError
        If the file is missing or not valid YAML, or a profile fails validation; the message names the file,
        the industry id and the field.
    """
    path = Path(path) if path is not None else DEFAULT_INDUSTRIES_PATH
    data = _read_yaml(path)
    if not isinstance(data, dict) or "industries" not in data:
        raise LayerError(
            "industry file has no top-level 'industries' list",
            where=str(path),
            fix="start the file with 'industries:' followed by a list of profiles",
        )
    extra = sorted(set(data) - _TOP_KEYS)
    if extra:
        raise LayerError(f"unknown top-level key(s) {extra}", where=str(path), fix=f"use only {sorted(_TOP_KEYS)}")
    raw_list = data["industries"]
    if not isinstance(raw_list, list) or not raw_list:
        raise LayerError(
            "'industries' is not a non-empty list",
            where=str(path),
            fix="write each profile as a list item starting with '- id: ...'",
        )
    profiles: list[IndustryProfile] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_list):
        if not isinstance(raw, dict):
            raise LayerError(
                f"entry {index} is not a mapping",
                where=f"{path}, industries[{index}]",
                fix="write each profile as key: value pairs",
            )
        label = f"industry '{raw.get('id', f'#{index}')}'"
        try:
            profile = IndustryProfile.model_validate(raw)
        except ValidationError as exc:
            field, msg = _describe(exc.errors()[0])
            more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
            raise LayerError(
                f"{label}, field '{field}': {msg}{more}",
                where=f"{path}, {label}",
                fix=f"correct field '{field}' of {label}",
            ) from None
        if profile.id in seen:
            raise LayerError(
                f"duplicate industry id '{profile.id}' (entries {seen[profile.id]} and {index})",
                where=f"{path}, industry '{profile.id}', field 'id'",
                fix="give every profile a unique id",
            )
        seen[profile.id] = index
        profiles.append(profile)
    rel_path = path.parent / RELATEDNESS_FILE
    relatedness = load_relatedness(rel_path, ids=tuple(seen)) if rel_path.exists() else {}
    return IndustryCatalogue(profiles=tuple(profiles), path=path, relatedness=relatedness)


RELATEDNESS_FILE = "industry_relatedness.yaml"


def load_relatedness(path: Path, *, ids: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """Read an industry relatedness file (``related: 0.5`` and ``pairs: [[a, b, reason], ...]``), validated.

    Each pair names two catalogue ids and a reason; an optional fourth item overrides the default value.
    """
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("pairs"), list):
        raise LayerError(
            "relatedness file needs a 'pairs' list", where=str(path), fix="see geodata/industry_relatedness.yaml"
        )
    default = data.get("related", 0.5)
    if not isinstance(default, (int, float)) or not 0 < float(default) <= 1:
        raise LayerError(f"'related' = {default!r} is not in (0, 1]", where=str(path), fix="use a number such as 0.5")
    out: dict[tuple[str, str], float] = {}
    for i, item in enumerate(data["pairs"]):
        where = f"{path}, pairs[{i}]"
        if not isinstance(item, list) or len(item) not in (3, 4) or not all(isinstance(x, str) for x in item[:3]):
            raise LayerError(
                "a pair is [industry_a, industry_b, reason] (and optionally a value)",
                where=where,
                fix='write e.g. [footwear, leather_tanning, "leather uppers"]',
            )
        a, b = item[0], item[1]
        for name in (a, b):
            if name not in ids:
                fix = f"use one of {', '.join(ids)}"
                raise unknown_name("industry", name, ids, where=where, fix=fix, error=LayerError, cutoff=0.5)
        if a == b or not item[2].strip():
            raise LayerError(
                "a pair joins two different industries and gives a reason",
                where=where,
                fix="name two ids and say why they are related",
            )
        value = item[3] if len(item) == 4 else default
        if not isinstance(value, (int, float)) or not 0 < float(value) <= 1:
            raise LayerError(f"value {value!r} is not in (0, 1]", where=where, fix="use a number such as 0.5")
        out[(a, b) if a < b else (b, a)] = float(value)
    return out
