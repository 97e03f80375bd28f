"""The site table: one row per site with raw criterion values and the provenance of each column."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.i18n import t
from transfer.layers import Layers

__all__ = [
    "ACCESS_COLUMNS",
    "BONDED_WEIGHTS",
    "ECO_LEVELS",
    "QUALITY_LEVELS",
    "SiteTable",
    "build_site_table",
    "criteria_coverage",
    "criteria_frame",
    "origin_cost_column",
]

# bonded-zone index: a comprehensive bonded zone or bonded port zone counts 1, older forms less (modelling choice)
BONDED_WEIGHTS = {
    "综合保税区": 1.0,
    "保税港区": 1.0,
    "出口加工区": 0.6,
    "保税物流园区": 0.4,
    "保税物流中心B": 0.3,
}
BONDED_INDEX_CAP = 2.0
FULL_BONDED_TYPES = ("综合保税区", "保税港区")

# data-quality flag of each raw value (SiteTable.quality)
MEASURED = "measured"
DERIVED = "derived"
PARTIAL = "partial list"
UNKNOWN = "unknown"
QUALITY_LEVELS = (MEASURED, DERIVED, PARTIAL, UNKNOWN)

# ecological restriction level from the share of a prefecture's counties in national key ecological function zones
ECO_LEVELS = ((0.0, "none"), (1e-9, "low"), (1 / 3, "medium"), (2 / 3, "high"))
ECO_RESTRICTED_SHARE = 1 / 3  # share above which a site counts as an ecologically restricted area (default rule)

# accessibility columns the network module provides (network.accessibility)
ACCESS_COLUMNS = {
    "sea_cost": "cost_to_sea_cny_teu",
    "crex_time": "time_to_crex_h",
    "air_time": "time_to_airport_h",
    "market_access": "market_access",
}


def origin_cost_column(origin_adcode: int) -> str:
    """Accessibility column with the cost from a site to one origin cluster."""
    return f"cost_to_origin_{int(origin_adcode)}"


@dataclass(frozen=True)
class SiteTable:
    """Site attributes and raw criterion values (``values``), with provenance per criterion.

    ``values`` has one row per site (index: adcode) and one column per site-level criterion (the industry-specific
    ``origin_cost`` is computed from ``origin_costs`` during scoring). NaN means unknown, never zero.
    """

    sites: pd.DataFrame  # identity and descriptive columns, index adcode
    values: pd.DataFrame  # raw criterion values, index adcode
    origin_costs: pd.DataFrame  # cost CNY/TEU from each site (rows) to each origin adcode (columns)
    provenance: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)  # per value: measured/derived/partial list/unknown
    clusters: pd.DataFrame = field(default_factory=pd.DataFrame)  # named clusters per site (rows) and industry id


def _bonded(layers: Layers, index: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series]:
    bz = layers.bonded_zones
    if len(bz) == 0:
        zero = pd.Series(0.0, index=index)
        return zero, pd.Series(False, index=index), pd.Series("", index=index)
    w = bz["zone_type"].map(BONDED_WEIGHTS).fillna(0.0)
    idx = w.groupby(bz[C.CITY_ADCODE]).sum().clip(upper=BONDED_INDEX_CAP).reindex(index).fillna(0.0)
    full = bz[bz["zone_type"].isin(FULL_BONDED_TYPES)].groupby(C.CITY_ADCODE).size().reindex(index).fillna(0) > 0
    names = bz.groupby(C.CITY_ADCODE)[C.NAME_ZH].agg(lambda s: "、".join(s)).reindex(index).fillna("")
    return idx.astype(float), full.astype(bool), names


def _designations(layers: Layers, index: pd.Index) -> tuple[pd.Series, pd.Series, pd.Series]:
    d = layers.designations
    if len(d) == 0:
        return pd.Series(0.0, index=index), pd.Series(False, index=index), pd.Series("", index=index)
    policy_types = ("key_receiving_site", "processing_trade_park", "transfer_demo_zone")
    pol = d[d["designation"].isin(policy_types)]
    support = pol.groupby(C.ADCODE)["designation"].nunique().reindex(index).fillna(0).astype(float)
    listed = pd.Series(index.isin(pol[C.ADCODE].astype(int)), index=index)
    labels = pol.groupby(C.ADCODE)["designation"].agg(lambda s: ", ".join(sorted(set(s)))).reindex(index).fillna("")
    return support, listed, labels


def _dev_zones(layers: Layers, index: pd.Index) -> tuple[pd.Series, pd.Series, str]:
    """National ETDZ + HTZ per prefecture. With the complete national list, a prefecture without one has 0."""
    dz = layers.dev_zones
    if len(dz) == 0:
        return pd.Series(np.nan, index=index), pd.Series("", index=index), UNKNOWN
    counts = dz.groupby("prefecture_adcode").size().reindex(index).fillna(0).astype(float)
    names = dz.groupby("prefecture_adcode")[C.NAME_ZH].agg(lambda s: "、".join(s)).reindex(index).fillna("")
    return counts, names, MEASURED


def _eco(layers: Layers, s: pd.DataFrame, n_units: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Count and share of a prefecture's county-level units in national key ecological function zones.

    The county list (``key_eco_counties``) gives the count; a province whose list is complete for both batches
    (``key_eco_coverage``) makes 0 a real value, elsewhere a prefecture without listed counties is unknown and a
    prefecture with some is a lower bound (quality "partial list"). ``eco_restrictions`` rows (per-prefecture
    counts, e.g. from a scenario or a user's file) override the county list.
    """
    index = s.index
    counties = layers.key_eco_counties
    count = pd.Series(np.nan, index=index)
    quality = pd.Series(UNKNOWN, index=index)
    if len(counties):
        listed = counties.drop_duplicates("county_adcode").groupby("prefecture_adcode").size()
        count = listed.reindex(index).astype(float)
        cov = layers.key_eco_coverage
        complete: set[int] = set()
        if len(cov):
            ok = cov[cov["complete"].astype(str).str.lower().isin(("true", "1", "yes"))]
            per = ok.groupby("province_adcode")["batch"].nunique()
            complete = {int(p) for p, n in per.items() if n >= 2}
        in_complete = s[C.PROVINCE_ADCODE].astype(int).isin(complete)
        count = count.where(count.notna() | ~in_complete, 0.0)
        quality = pd.Series(np.where(in_complete, MEASURED, np.where(count.notna(), PARTIAL, UNKNOWN)), index=index)
    eco = layers.eco_restrictions
    if len(eco):
        over = pd.to_numeric(eco.set_index(C.ADCODE)["n_key_eco_counties"], errors="coerce").reindex(index)
        count = over.where(over.notna(), count)
        quality = quality.where(over.isna(), MEASURED)
    share = (count / n_units.where(n_units > 0)).clip(upper=1.0)
    quality = quality.where(share.notna(), UNKNOWN)
    return count, share, quality


def _labour_reserve(census: pd.DataFrame) -> pd.Series:
    """Workers a new plant could draw on locally: registered residents living elsewhere in 2010 (returnees; net
    in-migration counts 0) plus residents still employed in farming in 2020 (就地就近转移就业). Unknown when either
    part is unknown."""
    away = _num(census, "registered_away_2010").clip(lower=0.0)
    return away + _num(census, "agri_workers_2020")


def _census(layers: Layers, index: pd.Index) -> pd.DataFrame:
    c = layers.census
    if len(c) == 0:
        return pd.DataFrame(index=index)
    return c.set_index(C.ADCODE).reindex(index)


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").astype(float)


def build_site_table(layers: Layers, access: pd.DataFrame | None = None) -> SiteTable:
    """Assemble the site table from layers and (optionally) network accessibility.

    Parameters
    ----------
    layers
        Loaded layers (:func:`transfer.layers.load_default` or a scenario's modified copy).
    access
        :func:`transfer.network.accessibility` output indexed by site adcode; without it the logistics criteria are
        unknown (NaN) for every site and a note says so.
    """
    s = pd.DataFrame(layers.sites.drop(columns="geometry")).set_index(C.ADCODE)
    index = s.index
    notes: list[str] = []
    bonded_idx, has_full, zone_names = _bonded(layers, index)
    support, support_listed, labels = _designations(layers, index)
    dev, dev_names, dev_quality = _dev_zones(layers, index)
    census = _census(layers, index)

    econ = layers.province_economy.set_index("province_adcode") if len(layers.province_economy) else None
    if econ is not None and "avg_wage_cny_year" in econ:
        wage = s[C.PROVINCE_ADCODE].map(econ["avg_wage_cny_year"]).astype(float)
    else:
        wage = pd.Series(np.nan, index=index)
    mw = layers.min_wage
    min_wage = (
        pd.to_numeric(mw.set_index(C.ADCODE)["min_wage_cny_month"], errors="coerce").reindex(index).astype(float)
        if len(mw) and "min_wage_cny_month" in mw
        else pd.Series(np.nan, index=index)
    )

    # county-level units per prefecture: the 2020 census count where known, else the boundary package's count
    n_units = _num(census, "n_county_units_2020")
    if "n_counties" in s:
        n_units = n_units.where(n_units.notna(), pd.to_numeric(s["n_counties"], errors="coerce"))
    n_eco, eco_share, eco_quality = _eco(layers, s, n_units)

    labour = _num(census, "working_age_2020")
    if labour.isna().any() and len(layers.census):
        missing = ", ".join(str(s.at[a, C.NAME_ZH]) for a in labour.index[labour.isna()][:10])
        notes.append(f"no census working-age population for {int(labour.isna().sum())} sites ({missing})")

    values = pd.DataFrame(
        {
            "bonded_zone": bonded_idx,
            "labour_pool": labour,
            "labour_reserve": _labour_reserve(census),
            "labour_quality": _num(census, "schooling_years_2020"),
            "industrial_base": _num(census, "mfg_share_employed_2020"),
            "wage": wage,
            "min_wage": min_wage,
            "policy_support": support,
            "dev_zones": dev,
            "eco_pressure": eco_share,
        },
        index=index,
    )
    quality = pd.DataFrame(index=index)
    quality["bonded_zone"] = np.where(bonded_idx > 0, MEASURED, PARTIAL)
    for crit, q in (
        ("labour_pool", MEASURED),
        ("labour_reserve", DERIVED),
        ("labour_quality", MEASURED),
        ("industrial_base", DERIVED),
        ("wage", MEASURED),
        ("min_wage", MEASURED),
    ):
        quality[crit] = np.where(values[crit].notna(), q, UNKNOWN)
    quality["policy_support"] = np.where(support_listed, MEASURED, PARTIAL)
    quality["dev_zones"] = np.where(dev.notna(), dev_quality, UNKNOWN)
    quality["eco_pressure"] = eco_quality

    cl = layers.industry_clusters
    if len(cl):
        clusters = pd.crosstab(cl[C.ADCODE].astype(int), cl["industry_id"].astype(str)).reindex(index).fillna(0)
        clusters = clusters.astype(int)
        cluster_names = cl.groupby(C.ADCODE)["cluster_name"].agg(lambda s: "、".join(s)).reindex(index).fillna("")
        cluster_inds = cl.groupby(C.ADCODE)["industry_id"].agg(lambda s: ", ".join(sorted(set(s)))).reindex(index)
    else:
        clusters = pd.DataFrame(index=index)
        cluster_names = pd.Series("", index=index)
        cluster_inds = pd.Series("", index=index)

    origin_costs = pd.DataFrame(index=index)
    if access is not None and len(access):
        acc = access.reindex(index)
        for crit, col in ACCESS_COLUMNS.items():
            values[crit] = pd.to_numeric(acc[col], errors="coerce") if col in acc else np.nan
        ocols = [c for c in acc.columns if c.startswith("cost_to_origin_")]
        origin_costs = acc[ocols].apply(pd.to_numeric, errors="coerce")
        origin_costs.columns = [int(c.rsplit("_", 1)[1]) for c in ocols]
        unreachable = (
            int(acc[list(ACCESS_COLUMNS.values())].isna().any(axis=1).sum())
            if set(ACCESS_COLUMNS.values()) <= set(acc.columns)
            else len(acc)
        )
        if unreachable:
            notes.append(f"{unreachable} sites lack some accessibility value (unreachable or not snapped)")
    else:
        for crit in ACCESS_COLUMNS:
            values[crit] = np.nan
        notes.append(
            "logistics accessibility not computed: sea_cost, origin_cost, crex_time, air_time, market_access "
            "are unknown for every site"
        )
    for crit in ACCESS_COLUMNS:
        quality[crit] = np.where(values[crit].notna(), DERIVED, UNKNOWN)

    sites = s.copy()
    sites["bonded_zones"] = zone_names
    sites["has_full_bonded_zone"] = has_full
    sites["designations"] = labels
    sites["dev_zone_names"] = dev_names
    sites["n_key_eco_counties"] = n_eco
    sites["n_county_units"] = n_units
    sites["eco_share"] = eco_share
    sites["eco_level"] = eco_share.map(_eco_level)
    sites["clusters"] = cluster_names
    sites["cluster_industries"] = cluster_inds.fillna("")
    sites["wage_cny_year"] = wage
    sites["min_wage_cny_month"] = min_wage
    for col in (
        "population_2020",
        "rural_population_2020",
        "urbanisation_rate_2020",
        "agri_share_employed_2020",
        "production_worker_share_2020",
        "in_migrants_other_province_2020",
        "registered_away_share_2010",
        "population_change_2010_2020",
    ):
        sites[col] = _num(census, col)
    sites["census_flag"] = census["flag"].fillna("") if "flag" in census else ""
    zone_weights = ", ".join(f"{t('zone.' + k, 'en').lower()} {v}" for k, v in BONDED_WEIGHTS.items())
    provenance = {
        "bonded_zone": "curated/bonded_zones.csv: index = sum of zone weights per city "
        f"({zone_weights}), capped at {BONDED_INDEX_CAP}",
        "labour_pool": "census.csv: working-age (15-64) resident population, 2020 census (the seventh national "
        "population census, prefecture rows of the 2020 county-level tabulation)",
        "labour_reserve": "census.csv: registered (户籍) minus resident population, 2010 census on 2020 boundaries "
        "(registered residents living elsewhere; 0 where negative) + residents employed in farming, 2020 census "
        "(long-form share scaled to residents aged 15+); a modelling choice adding two years' counts",
        "labour_quality": "census.csv: mean years of schooling, 2020 census",
        "industrial_base": "census.csv: share of the employed working in manufacturing, 2020 census long form",
        "wage": "curated/province_economy.csv: provincial average wage of urban non-private units, 2021 (province-level"
        " value applied to every site of the province)",
        "min_wage": "curated/min_wage.csv: monthly minimum wage of the prefecture's tier in its province's current "
        "notice (urban districts' tier)",
        "cluster_fit": "curated/industry_clusters.csv + industry_relatedness.yaml: 1 for a named cluster of the "
        "industry in the prefecture, the relatedness (0.5) for a related one, else 0 (partial list)",
        "policy_support": "curated/designations.csv: number of distinct designations (key receiving site, national "
        "processing-trade park, national transfer demonstration zone); partial list",
        "dev_zones": "curated/dev_zones.csv: national ETDZ + HTZ in the prefecture (complete national list)",
        "eco_pressure": "curated/key_eco_counties.csv: share of the prefecture's county-level units in national key "
        "ecological function zones (2010 plan + 2016 addition); complete where the province's list is",
        "sea_cost": "network accessibility: least generalised cost to a sea gateway (CNY/TEU)",
        "origin_cost": "network accessibility: mean least cost to the industry's main origin clusters (CNY/TEU)",
        "crex_time": "network accessibility: hours to the nearest China-Europe Railway Express centre",
        "air_time": "network accessibility: hours to the nearest cargo airport",
        "market_access": "network accessibility: population-weighted gravity index",
    }
    return SiteTable(
        sites=sites,
        values=values,
        origin_costs=origin_costs,
        provenance=provenance,
        notes=tuple(notes),
        quality=quality,
        clusters=clusters,
    )


def criteria_frame(table: SiteTable) -> pd.DataFrame:
    """One row per site: identity, every criterion's raw value in its own unit (column = criterion id) and its
    data-quality flag (column ``<criterion>_quality``: measured, derived, partial list or unknown)."""
    cols = [C.NAME_ZH, C.NAME_EN, C.PROVINCE, C.REGION]
    ident = table.sites[cols + (["cluster_industries"] if "cluster_industries" in table.sites else [])].copy()
    parts = [ident]
    for crit in table.values.columns:
        parts.append(table.values[[crit]])
        q = table.quality[crit] if crit in table.quality else pd.Series(UNKNOWN, index=table.values.index)
        parts.append(q.rename(f"{crit}_quality").to_frame())
    out = pd.concat(parts, axis=1)
    out.index.name = C.ADCODE
    return out.reset_index()


def criteria_coverage(table: SiteTable) -> pd.DataFrame:
    """Per criterion: how many sites have a value of each quality, the share known, and the source."""
    rows = []
    n = len(table.values)
    for crit in table.values.columns:
        q = table.quality[crit] if crit in table.quality else pd.Series(UNKNOWN, index=table.values.index)
        counts = q.value_counts()
        known = int(table.values[crit].notna().sum())
        rows.append(
            {
                "criterion": crit,
                "sites": n,
                "known": known,
                "known_share": round(known / n, 3) if n else 0.0,
                **{level: int(counts.get(level, 0)) for level in QUALITY_LEVELS},
                "source": table.provenance.get(crit, ""),
            }
        )
    # the two industry-specific criteria: cost back to the origins (network) and cluster fit (cluster list)
    oc = table.origin_costs
    known_oc = int(oc.notna().all(axis=1).sum()) if oc.shape[1] else 0
    rows.append(
        {
            "criterion": "origin_cost",
            "sites": n,
            "known": known_oc,
            "known_share": round(known_oc / n, 3) if n else 0.0,
            **{level: 0 for level in QUALITY_LEVELS},
            DERIVED: known_oc,
            UNKNOWN: n - known_oc,
            "source": table.provenance.get("origin_cost", ""),
        }
    )
    cl = table.clusters
    with_cluster = int((cl.sum(axis=1) > 0).sum()) if cl.shape[1] else 0
    known_cl = n if cl.shape[1] else 0
    rows.append(
        {
            "criterion": "cluster_fit",
            "sites": n,
            "known": known_cl,
            "known_share": round(known_cl / n, 3) if n else 0.0,
            **{level: 0 for level in QUALITY_LEVELS},
            MEASURED: with_cluster,
            PARTIAL: known_cl - with_cluster,
            UNKNOWN: n - known_cl,
            "source": table.provenance.get("cluster_fit", ""),
        }
    )
    return pd.DataFrame(rows)


def _eco_level(share: float) -> str:
    if share is None or not np.isfinite(share):
        return "unknown"
    level = "none"
    for threshold, name in ECO_LEVELS:
        if share >= threshold:
            level = name
    return level
