"""One run of the tool: base data + scenario -> site table -> scores -> match, without mutating the base."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer._paths import default_data_dir
from transfer._validate import LayerSchema, coerce_numeric, range_problem, read_any
from transfer.errors import LayerError, NetworkError, ScenarioError
from transfer.i18n import Note
from transfer.industries import IndustryCatalogue, load_industries
from transfer.layers import SCHEMAS, Layers, load_default
from transfer.matching import Assignment, aggregate_blocks, binding_constraints, match_tables, split_into_blocks
from transfer.names import city_names, did_you_mean, unknown_name
from transfer.scenarios import Scenario, province_key
from transfer.scoring import ScoreResult, ScoringOptions, normalise, score
from transfer.sitetable import SiteTable, build_site_table

__all__ = [
    "Base",
    "RunResult",
    "apply_scenario",
    "base_with_layers",
    "firm_scores",
    "get_network",
    "load_base",
    "load_firms",
    "run",
    "scoring_options",
    "sites_for_access",
]

FIRM_COLUMNS = ("name", "industry", "origin", "jobs")
FIRM_OPTIONAL = ("land_ha", "needs_bonded_zone")
MAX_FIRMS = 200_000
# the largest single manufacturing campuses employ a few hundred thousand; a park of 100 000 ha would be a city
FIRMS_SCHEMA = LayerSchema(
    "firms",
    required=FIRM_COLUMNS,
    integer=("jobs",),
    numeric=("land_ha",),
    ranges={"jobs": (0, 1_000_000), "land_ha": (0, 100_000)},
)
_YES = ("1", "1.0", "true", "yes", "y", "是", "x")
_NO = ("", "0", "0.0", "false", "no", "n", "否")


@dataclass(frozen=True)
class Base:
    """Base data loaded once and shared read-only between runs (and app sessions)."""

    layers: Layers
    catalogue: IndustryCatalogue
    network: Any | None = None  # transfer.network.LogisticsNetwork
    access: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """Everything one scenario run produced."""

    scenario: Scenario
    layers: Layers
    table: SiteTable
    access: pd.DataFrame | None
    scores: ScoreResult
    demand: pd.DataFrame  # demand_id, industry, origin, jobs, kind ("industry" or "firm")
    capacity: pd.Series  # jobs per site adcode
    assignment: Assignment | None
    demand_scores: pd.DataFrame | None = None  # demand_id x site (firms use their own origin)
    notes: tuple[str, ...] = field(default_factory=tuple)  # in English (the CLI and logs)
    network: Any | None = None  # the scenario's network when it edits one (else None: use get_network(base))
    note_items: tuple[Note, ...] = ()  # the same notes as codes and values, rendered in the page language


def sites_for_access(layers: Layers) -> pd.DataFrame:
    """Site attributes as :func:`transfer.network.accessibility` wants them (``population`` for market access)."""
    s = pd.DataFrame(layers.sites.drop(columns="geometry"))
    pop = pd.to_numeric(s.get("gn_population"), errors="coerce")
    if len(layers.census) and "population_2020" in layers.census:
        census = pd.to_numeric(layers.census.set_index(C.ADCODE)["population_2020"], errors="coerce")
        pop = s[C.ADCODE].map(census).where(lambda v: v.notna(), pop)
    s["population"] = pop
    return s


ACCESS_CACHE = "network/access.csv"
ACCESS_META = "network/access.meta.json"


def _input_digest(root: Path) -> str:
    """SHA-256 over every file the base accessibility depends on (network files, hubs, transport parameters,
    waterway, sites, origins, cities and the census populations used for market access)."""
    h = hashlib.sha256()
    files = sorted(
        [
            *root.glob("network/*.csv"),
            *root.glob("curated/hubs*.csv"),
            *root.glob("curated/waterway*.csv"),
            *root.glob("curated/*.yaml"),
            root / "sites.geojson",
            root / "origins.geojson",
            root / "cities.csv",
            root / "census.csv",
        ]
    )
    for f in files:
        if f.name == Path(ACCESS_CACHE).name or not f.exists():
            continue
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def write_access_cache(root: Path, access: pd.DataFrame) -> Path:
    """Store the base accessibility with a digest of its inputs (read back by :func:`load_base`)."""
    path = root / ACCESS_CACHE
    access.to_csv(path.with_suffix(".tmp"), index_label=C.ADCODE, lineterminator="\n")
    path.with_suffix(".tmp").replace(path)
    (root / ACCESS_META).write_text(json.dumps({"inputs_sha256": _input_digest(root)}) + "\n")
    return path


def _read_access_cache(root: Path) -> pd.DataFrame | None:
    meta = root / ACCESS_META
    path = root / ACCESS_CACHE
    if not (meta.exists() and path.exists()):
        return None
    try:
        if json.loads(meta.read_text())["inputs_sha256"] != _input_digest(root):
            return None
    except (ValueError, KeyError):
        return None
    df = pd.read_csv(path, index_col=C.ADCODE, keep_default_na=False, na_values=[""])
    for col in df.columns:
        if df[col].dtype == object or col == "reason" or col.startswith("nearest_"):
            df[col] = df[col].astype(object).where(df[col].notna(), "")
    return df


NETWORKS_KEPT_ON_DISK = 2  # about 50 MB each for the embedded data


@functools.lru_cache(maxsize=4)
def _network_cached(data_dir: str) -> Any:
    """The network of a data folder, assembled once per process, and kept in the disk cache
    (:mod:`transfer.basecache`, under the folder's digest: every file, this package's code, the library versions), so
    a new process reads it in about 0.05 s instead of assembling it again (about 2.4 s)."""
    from transfer import network as nw
    from transfer.basecache import cached_for_data

    return cached_for_data(
        "network", data_dir, lambda: nw.load_network(Path(data_dir)), nw.LogisticsNetwork, keep=NETWORKS_KEPT_ON_DISK
    )


def get_network(base: Base) -> Any:
    """The base logistics network, loaded on first use and shared read-only (raises NetworkError if absent)."""
    if base.network is not None:
        return base.network
    root = base.layers.data_dir or default_data_dir()
    try:
        return _network_cached(str(root))
    except (ImportError, FileNotFoundError) as exc:
        raise NetworkError(
            f"the logistics network is not available ({exc})",
            where=str(root / "network"),
            fix="run `python -m transfer.geodata build`",
        ) from None


def load_base(data_dir: str | Path | None = None, *, with_network: bool = True, lazy_network: bool = True) -> Base:
    """Load layers, industry catalogue and base accessibility (and the network, unless it can be loaded lazily).

    The base accessibility is read from ``network/access.csv`` when its recorded input digest matches the data
    (written by the geodata build), else computed; the network itself is then loaded on first use
    (:func:`get_network`), which keeps a cold start short.
    """
    layers = load_default(data_dir)
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    catalogue = load_industries(root / "industries.yaml")
    notes: list[str] = []
    net = None
    access = None
    if with_network:
        access = _read_access_cache(root) if lazy_network else None
        if access is None:
            try:
                from transfer import network as nw

                net = nw.load_network(root)
                access = nw.accessibility(net, sites_for_access(layers), layers.origins, None)
            except (ImportError, FileNotFoundError) as exc:
                notes.append(f"logistics network not available ({exc}); accessibility criteria are unknown")
            except NetworkError as exc:
                notes.append(f"logistics network not available: {exc}")
    return Base(layers=layers, catalogue=catalogue, network=net, access=access, notes=tuple(notes))


def _set_census(
    census: pd.DataFrame, cidx: dict[int, int], adcode: int, col: str, val: object, *, where: str | None = None
) -> pd.DataFrame:
    """A census frame with one value set (the site must have a census row)."""
    if adcode not in cidx:
        raise ScenarioError(
            f"site {adcode} has no census row, so {col!r} cannot be set", where=where, fix="set a site-layer column"
        )
    out = census.copy()
    if out[col].dtype.kind in "iu" or str(out[col].dtype) == "Int64":
        out[col] = out[col].astype("Float64")
    out.loc[out.index[cidx[adcode]], col] = val
    return out


def _check_site_value(col: str, val: Any, *, where: str) -> None:
    """A value a scenario sets on a site must fit the column (a number in its range where the layer has numbers)."""
    schema = SCHEMAS["sites"]
    if col not in (*schema.numeric, *schema.integer) or val is None:
        return
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        raise ScenarioError(f"{col!r} must be a number, not {val!r}", where=where, fix=f"write a number for {col!r}")
    low, high = schema.range_of(col)
    if not math.isfinite(val):
        raise ScenarioError(f"{col!r} must be a finite number", where=where, fix=f"write a number for {col!r}")
    if not low <= val <= high:
        raise ScenarioError(
            f"{col!r}: {range_problem(val, low, high)}", where=where, fix=f"give {col!r} a value in its range"
        )


def _edit_layers(layers: Layers, scn: Scenario) -> Layers:
    """A copy of the layers with the scenario's data overrides applied (the input is never modified)."""
    o = scn.overrides
    sites = layers.sites.copy()
    census = layers.census.copy()
    if o.sites or o.labour_scale:
        idx = {int(a): i for i, a in enumerate(sites[C.ADCODE])}
        cidx = {int(a): i for i, a in enumerate(census[C.ADCODE])} if len(census) else {}
        for edit in o.sites:
            if edit.adcode not in idx:
                raise ScenarioError(
                    f"overrides.sites names unknown adcode {edit.adcode}",
                    where=scn.source_path,
                    fix="use the adcode of a site (`transfer sites`)",
                )
            for col, val in edit.set.items():
                if col in ("geometry", C.ADCODE):
                    raise ScenarioError(f"cannot set {col!r} of a site", where=scn.source_path, fix="edit the layer")
                if col in census.columns and col not in (C.NAME_ZH, "census_name_zh", "flag"):
                    census = _set_census(census, cidx, edit.adcode, col, val, where=scn.source_path)
                    continue
                if col not in sites.columns:
                    hint = did_you_mean(col, [*sites.columns, *census.columns])
                    raise ScenarioError(
                        f"overrides.sites sets unknown attribute {col!r}{hint}",
                        where=scn.source_path,
                        fix="use a column of the site layer or of the census table (e.g. working_age_2020)",
                    )
                _check_site_value(col, val, where=f"{scn.source_path or 'scenario'}, overrides.sites {edit.adcode}")
                sites.loc[sites.index[idx[edit.adcode]], col] = val
        for code, factor in o.labour_scale.items():
            if int(code) not in idx:
                raise ScenarioError(
                    f"overrides.labour_scale names unknown adcode {code}",
                    where=scn.source_path,
                    fix="use a site adcode",
                )
            pos = sites.index[idx[int(code)]]
            sites.loc[pos, "gn_population"] = float(sites.loc[pos, "gn_population"]) * float(factor)
            for col in ("working_age_2020", "population_2020"):
                if int(code) in cidx and col in census.columns:
                    cur = census.at[census.index[cidx[int(code)]], col]
                    if pd.notna(cur):
                        census = _set_census(census, cidx, int(code), col, round(float(cur) * float(factor)))
    bz = layers.bonded_zones.copy()
    if o.bonded_zones.remove:
        unknown = [n for n in o.bonded_zones.remove if n not in set(bz[C.NAME_ZH])]
        if unknown:
            hint = did_you_mean(unknown[0], bz[C.NAME_ZH])
            raise ScenarioError(
                f"overrides.bonded_zones.remove names unknown zone {unknown[0]!r}{hint}",
                where=scn.source_path,
                fix="use the exact name_zh of a listed zone",
            )
        bz = bz[~bz[C.NAME_ZH].isin(o.bonded_zones.remove)]
    if o.bonded_zones.add:
        pts = layers.city_points()
        rows = []
        for z in o.bonded_zones.add:
            if z.city_adcode not in pts.index:
                raise ScenarioError(
                    f"new bonded zone {z.name_zh!r} names unknown city adcode {z.city_adcode}",
                    where=scn.source_path,
                    fix="use a city adcode (`transfer sites`)",
                )
            rows.append(
                {
                    C.NAME_ZH: z.name_zh,
                    C.NAME_EN: z.name_en,
                    "zone_type": z.zone_type,
                    C.CITY_ADCODE: z.city_adcode,
                    C.APPROVAL_YEAR: z.approval_year,
                    C.SOURCE: z.source,
                    C.FLAG: "scenario",
                    C.LON: pts.at[z.city_adcode, C.LON],
                    C.LAT: pts.at[z.city_adcode, C.LAT],
                }
            )
        import geopandas as gpd

        new = gpd.GeoDataFrame(
            rows, geometry=gpd.points_from_xy([r[C.LON] for r in rows], [r[C.LAT] for r in rows]), crs=C.WGS84
        )
        bz = pd.concat([bz, new], ignore_index=True)
    econ = layers.province_economy.copy()
    w = o.wages
    if w.province_change or w.province_set_cny_year:
        econ_idx = econ.set_index("province_zh")
        for prov, change in w.province_change.items():
            name = province_key(prov)
            if name not in econ_idx.index:
                raise ScenarioError(f"no economy row for {name}", where=scn.source_path, fix="check the province")
            econ.loc[econ["province_zh"] == name, "avg_wage_cny_year"] *= 1.0 + float(change)
        for prov, val in w.province_set_cny_year.items():
            name = province_key(prov)
            econ.loc[econ["province_zh"] == name, "avg_wage_cny_year"] = float(val)
    eco = layers.eco_restrictions.copy()
    if o.eco_key_counties:
        known = set(sites[C.ADCODE].astype(int))
        for code, n in o.eco_key_counties.items():
            if int(code) not in known:
                raise ScenarioError(
                    f"overrides.eco_key_counties names unknown adcode {code}", where=scn.source_path, fix="use a site"
                )
            if (eco[C.ADCODE] == int(code)).any():
                eco.loc[eco[C.ADCODE] == int(code), "n_key_eco_counties"] = int(n)
            else:
                eco = pd.concat(
                    [eco, pd.DataFrame([{C.ADCODE: int(code), "n_key_eco_counties": int(n), C.SOURCE: "scenario"}])],
                    ignore_index=True,
                )
    return dataclasses.replace(
        layers, sites=sites, census=census, bonded_zones=bz, province_economy=econ, eco_restrictions=eco
    )


def edits_network(scn: Scenario) -> bool:
    """Whether a scenario changes the logistics network (so accessibility must be recomputed)."""
    n = scn.overrides.network
    return bool(n.add_edges or n.remove_edges or n.add_hubs or n.remove_hubs or n.params)


def hub_changes(net_places: pd.DataFrame, hubs: pd.DataFrame) -> tuple[list[str], list[dict[str, Any]]]:
    """The hubs to remove from and to add to a network so that its hubs are those of the ``hubs`` layer.

    A hub whose type, city or coordinates changed is removed and added again; an unchanged hub stays.
    """
    cols = [C.HUB_TYPE, C.CITY_ADCODE, C.LON, C.LAT]

    def key(row: Any) -> tuple[Any, ...]:
        return tuple(
            None if pd.isna(row.get(c)) else (round(float(row[c]), 5) if c in (C.LON, C.LAT) else str(row[c]))
            for c in cols
        )

    in_net = {str(r["place_id"]): key(r) for _, r in net_places[net_places["kind"] == "hub"].iterrows()}
    wanted = {str(r[C.HUB_ID]): r for _, r in hubs.iterrows()}
    remove = [h for h, k in in_net.items() if h not in wanted or key(wanted[h]) != k]
    add = []
    for h, r in wanted.items():
        if h in in_net and h not in remove:
            continue
        rec: dict[str, Any] = {"hub_id": h, "hub_type": str(r[C.HUB_TYPE]), "name_zh": str(r[C.NAME_ZH])}
        rec["name_en"] = "" if pd.isna(r.get(C.NAME_EN)) else str(r.get(C.NAME_EN))
        for c in (C.CITY_ADCODE, C.LON, C.LAT):
            val = r.get(c)
            if val is not None and not pd.isna(val):
                rec[c] = int(val) if c == C.CITY_ADCODE else float(val)
        add.append(rec)
    return remove, add


def base_with_layers(base: Base, layers: Layers, *, recompute_access: bool) -> Base:
    """A new Base with replaced layers.

    A replaced hubs layer replaces the network's hubs too (routes and accessibility use the new hubs);
    accessibility is recomputed when sites, origins or hubs changed.
    """
    access = base.access
    network = base.network
    hubs_changed = not layers.hubs.equals(base.layers.hubs)
    if hubs_changed and (access is not None or network is not None):
        from transfer import network as nw

        net = get_network(base)
        remove, add = hub_changes(net.inputs.places, layers.hubs)
        network = nw.with_changes(net, remove_hubs=remove, add_hubs=add) if (remove or add) else net
    if (recompute_access or hubs_changed) and access is not None:
        from transfer import network as nw

        net = network if network is not None else get_network(base)
        access = nw.accessibility(net, sites_for_access(layers), layers.origins, None)
    return dataclasses.replace(base, layers=layers, access=access, network=network)


def scoring_options(scn: Scenario) -> ScoringOptions:
    """The scoring options that a scenario's constraints stand for."""
    c = scn.constraints
    return ScoringOptions(
        missing=c.missing,
        winsor=c.winsor,
        size_transform=c.size_transform,
        eco_restricted_share=c.eco_restricted_share,
        eco_unknown_blocks_two_high=c.eco_unknown_blocks_two_high,
        exclude_provinces=tuple(province_key(p) for p in c.exclude_provinces),
    )


def apply_scenario(base: Base, scn: Scenario) -> tuple[Layers, Any | None, pd.DataFrame | None]:
    """Layers, network and accessibility as the scenario sees them; the base is never modified."""
    layers = _edit_layers(base.layers, scn)
    net = base.network
    access = base.access
    n = scn.overrides.network
    network_edited = edits_network(scn)
    if network_edited or scn.overrides.labour_scale or scn.overrides.sites:
        net = get_network(base) if base.access is not None or base.network is not None else None
    if network_edited:
        if net is None:
            raise ScenarioError(
                "the scenario edits the logistics network, but no network is loaded",
                where=scn.source_path,
                fix="build it with `python -m transfer.geodata build` or drop overrides.network",
            )
        from transfer import network as nw
        from transfer.network.params import check_override

        check_override(net.inputs.params, n.params, where=f"{scn.source_path or 'scenario'}, overrides.network.params")
        net = nw.with_changes(
            net,
            add_edges=[e.model_dump(by_alias=True) for e in n.add_edges],
            remove_edges=list(n.remove_edges),
            add_hubs=[h.model_dump() for h in n.add_hubs],
            remove_hubs=list(n.remove_hubs),
            params=n.params or None,
        )
    if net is not None and (network_edited or scn.overrides.labour_scale or scn.overrides.sites):
        from transfer import network as nw

        access = nw.accessibility(net, sites_for_access(layers), layers.origins, None)
    return layers, net, access


def load_firms(
    path: str | Path, catalogue: IndustryCatalogue, layers: Layers, *, sheet: str | None = None
) -> pd.DataFrame:
    """Read and validate a firms file (CSV UTF-8/GBK or XLSX).

    Columns: name, industry, origin, jobs[, land_ha, needs_bonded_zone].

    ``origin`` may be an origin adcode or its Chinese or English name. ``sheet`` chooses the sheet of a workbook
    (default: the first; ``file.xlsx#sheet`` works too).
    """
    path = Path(path)
    df, offset = read_any(path, sheet=sheet)
    df = df.rename(columns={c: str(c).strip().lower() for c in df.columns})
    missing = [c for c in FIRM_COLUMNS if c not in df.columns]
    if missing:
        hints = ", ".join(f"{m!r}{did_you_mean(m, df.columns)}" for m in missing)
        raise LayerError(
            f"missing required column(s): {hints}",
            where=path.name,
            fix=f"a firms file needs {', '.join(FIRM_COLUMNS)}; download the template",
        )
    if len(df) == 0:
        raise LayerError("the firms file has no rows", where=path.name, fix="add at least one firm")
    if len(df) > MAX_FIRMS:
        raise LayerError(f"too many firms ({len(df)})", where=path.name, fix=f"split the file (max {MAX_FIRMS})")
    out = pd.DataFrame({"name": df["name"].astype(str).str.strip()})
    if out["name"].eq("").any() or df["name"].isna().any():
        rows = np.flatnonzero((out["name"].eq("") | df["name"].isna()).to_numpy()) + offset
        raise LayerError(
            "firm name is empty", where=f"{path.name}, row {rows[0]}, field 'name'", fix="give every firm a name"
        )
    dup = out["name"].duplicated(keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy()) + offset
        raise LayerError(
            f"duplicate firm name {out['name'][dup].iloc[0]!r}",
            where=f"{path.name}, rows {', '.join(map(str, rows[:5]))}, field 'name'",
            fix="make names unique (e.g. add the city)",
        )
    ind = df["industry"].astype(str).str.strip()
    for i, v in enumerate(ind):
        if v not in catalogue.ids:
            raise unknown_name(
                "industry",
                v,
                catalogue.ids,
                where=f"{path.name}, row {i + offset}, field 'industry'",
                fix=f"use one of {', '.join(catalogue.ids)}",
                error=LayerError,
            )
    out["industry"] = ind
    origins = city_names(layers.origins, what="origin", n=1, cutoff=0.6)
    out["origin"] = [
        origins.resolve(
            v,
            where=f"{path.name}, row {i + offset}, field 'origin'",
            fix="use an origin cluster's adcode or name (苏州 东莞 深圳 ...)",
            error=LayerError,
        )
        for i, v in enumerate(df["origin"].astype(str))
    ]
    numbers = coerce_numeric(df, FIRMS_SCHEMA, where=path.name, offset=offset)
    empty_jobs = numbers["jobs"].isna()
    if empty_jobs.any():
        r = int(np.flatnonzero(empty_jobs.to_numpy())[0]) + offset
        raise LayerError(
            "jobs is empty", where=f"{path.name}, row {r}, field 'jobs'", fix="write the number of jobs (no units)"
        )
    out["jobs"] = numbers["jobs"].astype(np.int64).to_numpy()
    if "land_ha" in df:
        out["land_ha"] = numbers["land_ha"].astype(float).to_numpy()
    if "needs_bonded_zone" in df:
        flag = df["needs_bonded_zone"].astype("string").str.strip().str.lower().fillna("")
        unknown = ~flag.isin([*_YES, *_NO])
        if unknown.any():
            r = int(np.flatnonzero(unknown.to_numpy())[0])
            raise LayerError(
                f"needs_bonded_zone must be yes or no, got {df['needs_bonded_zone'].iloc[r]!r}",
                where=f"{path.name}, row {r + offset}, field 'needs_bonded_zone'",
                fix="write yes/no, 1/0, true/false or 是/否 (empty means no)",
            )
        out["needs_bonded_zone"] = flag.isin(_YES).to_numpy()
    return out


FIRM_ORIGIN_EXTRA = 0.15  # modelling choice: extra weight of the cost back to a firm's own origin (see firm_scores)


def firm_scores(result: ScoreResult, table: SiteTable, firms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-firm scores (firm x site): the industry's score with origin_cost taken to the firm's own origin, weighted
    :data:`FIRM_ORIGIN_EXTRA` more than in the industry profile (a firm's own supplier and head-office ties).

    Returns the score and eligibility tables (index: firm name).
    """
    k_origin = result.criteria.index("origin_cost")
    oc = table.origin_costs
    norm_by_origin = {int(o): normalise(oc[o], "min", winsor=result.options.winsor).to_numpy() for o in oc.columns}
    rows = np.zeros((len(firms), len(result.site_ids)))
    elig = np.zeros((len(firms), len(result.site_ids)), dtype=bool)
    has_full = table.sites["has_full_bonded_zone"].reindex(list(result.site_ids)).to_numpy(dtype=bool)
    for f, (_, firm) in enumerate(firms.iterrows()):
        i = result.industries.index(firm["industry"])
        base = result.contributions[i].sum(axis=1)
        w = result.weights[i, k_origin]
        own = norm_by_origin.get(int(firm["origin"]))
        if own is not None:
            # a single firm keeps its headquarters and suppliers at its own origin: the cost back there weighs
            # FIRM_ORIGIN_EXTRA more than in the industry's profile (weights renormalised to sum 1)
            own_filled = np.where(np.isfinite(own), own, 0.5)
            rows[f] = (base - result.contributions[i, :, k_origin] + (w + FIRM_ORIGIN_EXTRA) * own_filled) / (
                1.0 + FIRM_ORIGIN_EXTRA
            )
        else:
            rows[f] = base
        if result.bonus is not None:  # the run's pairing bonus, as in the industry's score
            rows[f] += result.bonus
        elig[f] = result.eligible.iloc[i].to_numpy()
        if bool(firm.get("needs_bonded_zone", False)):
            elig[f] &= has_full
    names = pd.Index(firms["name"], name="firm")
    cols = pd.Index(result.site_ids)
    return pd.DataFrame(rows, index=names, columns=cols), pd.DataFrame(elig, index=names, columns=cols)


MAX_BLOCKS = 20_000


def _blocks(
    jobs: pd.Series, kinds: pd.Series, block: int | None, indivisible: bool, *, where: str | None
) -> tuple[list[str], list[int], pd.Series] | None:
    """Indivisible pieces of the demand: industry demand in blocks of ``block`` jobs, each firm whole (or in blocks
    when firms are divisible). None when demand is matched freely (``block_jobs: null``)."""
    if block is None:
        return None
    ids: list[str] = []
    sizes: list[int] = []
    parents: list[str] = []
    for did, n in jobs.items():
        whole = kinds.get(did) == "firm" and indivisible
        pieces = [int(n)] if whole and n > 0 else split_into_blocks(int(n), block)
        for k, size in enumerate(pieces):
            ids.append(f"{did}#{k + 1}" if len(pieces) > 1 else str(did))
            sizes.append(size)
            parents.append(str(did))
    if len(ids) > MAX_BLOCKS:
        raise ScenarioError(
            f"the demand makes {len(ids):,} blocks of {block} jobs (more than {MAX_BLOCKS:,})",
            where=where,
            fix="raise matching.block_jobs, or set it to null to split the demand freely",
        )
    if len(set(ids)) != len(ids):
        raise ScenarioError("two demand blocks share an id", where=where, fix="rename firms that end in '#<number>'")
    return ids, sizes, pd.Series(parents, index=ids)


def _capacity(table: SiteTable, scn: Scenario) -> pd.Series:
    pool = table.values["labour_pool"]
    cap = (pool * scn.matching.capacity_share_of_labour_pool).round()
    cap = cap.fillna(0).astype(int)
    for code, jobs in scn.matching.capacity_jobs.items():
        if int(code) not in cap.index:
            raise ScenarioError(
                f"matching.capacity_jobs names unknown site {code}", where=scn.source_path, fix="use a site adcode"
            )
        cap.loc[int(code)] = int(jobs)
    cap.index.name = C.ADCODE
    return cap


_LABELS = {"name", "title", "description", "description_zh", "weights"}


def _same_but_weights(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios differ at most in their weights and labels."""
    return a.model_dump(exclude=_LABELS) == b.model_dump(exclude=_LABELS) and a.source_path == b.source_path


def run(
    base: Base,
    scn: Scenario | None = None,
    *,
    firms: pd.DataFrame | None = None,
    match: bool = True,
    reuse: RunResult | None = None,
) -> RunResult:
    """Apply a scenario, score every industry at every site and (optionally) match demand to capacities.

    ``reuse`` is a run of a scenario that differs from ``scn`` in its weights only (e.g. the same scenario before
    the workshop sliders moved): its layers, network, accessibility and site table are taken as they are, and only
    scoring and matching run again (about 0.1 s instead of 1 s). A run of any other scenario is not reused.
    """
    scn = scn or Scenario(name="default")
    if reuse is not None and _same_but_weights(reuse.scenario, scn):
        layers, net, access, table = reuse.layers, reuse.network, reuse.access, reuse.table
    else:
        layers, net, access = apply_scenario(base, scn)
        table = build_site_table(layers, access)
    opts = scoring_options(scn)
    if scn.pairing is not None:
        from transfer.pairings import pairing_plan

        plan = pairing_plan(
            scn.pairing,
            origins=layers.origins,
            sites=table.sites.reset_index(),
            data_dir=layers.data_dir,
            where=scn.source_path,
        )
        opts = dataclasses.replace(opts, pairing=plan)
    for key in scn.weights:
        if key != "*" and key not in base.catalogue.ids:
            raise ScenarioError(
                f"weights name unknown industry {key!r}{did_you_mean(key, base.catalogue.ids)}",
                where=scn.source_path,
                fix="use '*' or an industry id",
            )
    result = score(table, base.catalogue, weights=scn.weights, options=opts)
    notes = list(base.notes) + list(result.notes)
    note_items = [Note("text", {"text": n}) for n in base.notes] + list(result.note_items)

    def note(code: str, **params: Any) -> None:
        note_items.append(Note(code, params))
        notes.append(note_items[-1].render("en", labels=False))

    demand_rows = []
    origin_codes = {int(a) for a in layers.origins[C.ADCODE]}
    for item in scn.demand.industries:
        unknown = [o for o in item.origins if o not in origin_codes]
        if unknown:
            raise ScenarioError(
                f"demand for {item.industry!r} names unknown origin adcode(s) {', '.join(map(str, unknown))}",
                where=f"{scn.source_path or 'scenario'}, demand.industries",
                fix="use the adcode of an origin cluster, e.g. 441900 for 东莞 (the origins layer lists them)",
            )
        if item.industry not in base.catalogue.ids:
            raise ScenarioError(
                f"demand names unknown industry {item.industry!r}{did_you_mean(item.industry, base.catalogue.ids)}",
                where=scn.source_path,
                fix="use an id from `transfer industries`",
            )
        demand_rows.append(
            {
                "demand_id": item.industry,
                "industry": item.industry,
                "origin": ",".join(map(str, item.origins)),
                "jobs": round(item.jobs * scn.demand.scale),
                "kind": "industry",
            }
        )
    if firms is None and scn.demand.firms:
        base_dir = Path(scn.source_path).parent if scn.source_path else Path.cwd()
        firms = load_firms(base_dir / scn.demand.firms, base.catalogue, layers)
    demand_scores = None
    frames: list[pd.DataFrame] = []
    eligs: list[pd.DataFrame] = []
    if demand_rows:
        ids = [r["demand_id"] for r in demand_rows]
        frames.append(result.scores.loc[ids])
        eligs.append(result.eligible.loc[ids])
    if firms is not None and len(firms):
        fs, fe = firm_scores(result, table, firms)
        frames.append(fs)
        eligs.append(fe)
        for _, f in firms.iterrows():
            demand_rows.append(
                {
                    "demand_id": f["name"],
                    "industry": f["industry"],
                    "origin": str(f["origin"]),
                    "jobs": round(int(f["jobs"]) * scn.demand.scale),
                    "kind": "firm",
                }
            )
    demand = pd.DataFrame(demand_rows, columns=["demand_id", "industry", "origin", "jobs", "kind"])
    capacity = _capacity(table, scn)
    assignment = None
    if frames:
        demand_scores = pd.concat(frames)
        demand_scores.index = pd.Index([str(i) for i in demand_scores.index], name="demand_id")
        eligible = pd.concat(eligs)
        eligible.index = demand_scores.index
        if demand_scores.index.duplicated().any():
            dup = demand_scores.index[demand_scores.index.duplicated()][0]
            raise ScenarioError(
                f"demand id {dup!r} appears twice (an industry and a firm share a name?)",
                where=scn.source_path,
                fix="rename the firm",
            )
    if match and demand_scores is not None:
        m = scn.matching
        group = table.sites[C.PROVINCE]
        group_cap = None
        if m.province_cap_jobs:
            group_cap = pd.Series({province_key(k): v for k, v in m.province_cap_jobs.items()}, dtype=float)
        jobs = demand.set_index("demand_id")["jobs"]
        kinds = demand.set_index("demand_id")["kind"]
        blocks = _blocks(jobs, kinds, m.block_jobs, m.indivisible, where=scn.source_path)
        site_group = group if group_cap is not None else None
        match_with = functools.partial(
            match_tables,
            site_group=site_group,
            group_capacity=group_cap,
            top_k=m.top_k,
            min_score=m.min_score,
            unmatched_penalty=m.unmatched_penalty,
            max_share_per_site=m.max_share_per_site,
            engine=m.engine,
        )
        if blocks is None:  # legacy: split freely (firms too unless indivisible)
            assignment = match_with(demand_scores, jobs, capacity, eligible=eligible, indivisible=m.indivisible)
        else:
            piece_ids, piece_jobs, parent = blocks
            of_piece = pd.Series(parent.to_numpy(), index=piece_ids)
            raw = match_with(
                demand_scores.loc[parent.to_numpy()].set_axis(piece_ids, axis=0),
                pd.Series(piece_jobs, index=piece_ids),
                capacity,
                eligible=eligible.loc[parent.to_numpy()].set_axis(piece_ids, axis=0),
                indivisible=True,
                parent=of_piece,
            )
            assignment = aggregate_blocks(raw, of_piece)
        binding = binding_constraints(
            assignment,
            jobs,
            max_share_per_site=m.max_share_per_site,
            site_group=site_group,
            group_capacity=group_cap,
            slack_jobs=(m.block_jobs or 1) - 1 if blocks is not None else 0,
        )
        assignment = dataclasses.replace(assignment, binding=binding)
        note("solved_by", method=assignment.method)
        if len(binding):
            note("binding", limits={str(k): int(n) for k, n in binding["kind"].value_counts().items()})
        unmatched = int(assignment.unmatched["jobs"].sum()) if len(assignment.unmatched) else 0
        if unmatched:
            note("unmatched", jobs=unmatched)
    return RunResult(
        scenario=scn,
        layers=layers,
        table=table,
        access=access,
        scores=result,
        demand=demand,
        capacity=capacity,
        assignment=assignment,
        demand_scores=demand_scores,
        notes=tuple(notes),
        note_items=tuple(note_items),
        network=net if edits_network(scn) else None,
    )
