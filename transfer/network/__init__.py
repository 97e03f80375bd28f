"""Multimodal freight network (road, rail, Yangtze waterway, corridors): per-site accessibility, routes, what-ifs.

Model: road and rail graphs from OpenStreetMap (scgraph-data, ODbL); the Yangtze as a chain of river ports
(curated/waterway_yangtze.csv: river km from Wusong, published or derived from published segments; ports
without a distance are left out) joined by arcs of mode "waterway" whose rate and speed are calibrated on a
published Chongqing-Shanghai comparison (transport_params.yaml); rail-type corridors as scheduled trains between
their cities. Every arc carries distance_km, time_h and a money cost in CNY per TEU (one loaded 20-foot
container); a mode is boarded only at a hub yard (or corridor city), where its fixed charge (e.g. the rail
tariff's per-container part, a river port's handling charge) and dwell time apply: a river port's yard (or the
Shanghai sea gateway's, for Wusong) is its road/rail <-> waterway mode-change point. Sites and origins join the
road graph at their nearest node (first/last mile by road over the snap distance). Least generalised cost =
cost_cny_teu + value_of_time_cny_teu_h * time_h; times are reported along the least-cost route.
"""

from __future__ import annotations

from transfer.network.core import (
    ACCESS_COLUMNS,
    COST_TO_CREX,
    COST_TO_ORIGIN,
    COST_TO_SEA,
    MARKET_ACCESS,
    NEAREST_AIRPORT,
    NEAREST_CREX,
    NEAREST_SEA,
    REACHABLE,
    SNAP_KM,
    TIME_TO_AIRPORT,
    TIME_TO_CREX,
    TIME_TO_ORIGIN,
    TIME_TO_SEA,
    UNREACHABLE_REASON,
    LogisticsNetwork,
    Route,
    accessibility,
    load_network,
    network_from_tables,
    resolve_place,
    route,
    with_changes,
)

__all__ = [
    "ACCESS_COLUMNS",
    "COST_TO_CREX",
    "COST_TO_ORIGIN",
    "COST_TO_SEA",
    "MARKET_ACCESS",
    "NEAREST_AIRPORT",
    "NEAREST_CREX",
    "NEAREST_SEA",
    "REACHABLE",
    "SNAP_KM",
    "TIME_TO_AIRPORT",
    "TIME_TO_CREX",
    "TIME_TO_ORIGIN",
    "TIME_TO_SEA",
    "UNREACHABLE_REASON",
    "LogisticsNetwork",
    "Route",
    "accessibility",
    "load_network",
    "network_from_tables",
    "resolve_place",
    "route",
    "with_changes",
]
