"""The logistics network and its queries: load or assemble it, accessibility per site, routes, what-if changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from transfer import columns as C
from transfer._paths import default_data_dir
from transfer._yaml import read_yaml
from transfer.errors import NetworkError, UnknownNameError
from transfer.names import place_names
from transfer.network.graph import Assembled, NetworkInputs, assemble
from transfer.network.params import check_override, merge_params, read_params
from transfer.network.paths import (
    ENGINES,
    along_tree,
    arc_matrix,
    limited_times,
    nearest_tree,
    path_to,
    sorted_arc_keys,
    to_networkx,
)
from transfer.network.snap import SNAP_FLAG_KM, place_table

COST_TO_SEA = "cost_to_sea_cny_teu"
TIME_TO_SEA = "time_to_sea_h"
NEAREST_SEA = "nearest_sea_gateway"
COST_TO_ORIGIN = "cost_to_origin_{adcode}"  # one column per origin cluster, CNY per TEU
TIME_TO_ORIGIN = "time_to_origin_{adcode}"
COST_TO_CREX = "cost_to_crex_cny_teu"
TIME_TO_CREX = "time_to_crex_h"
NEAREST_CREX = "nearest_crex"
TIME_TO_AIRPORT = "time_to_airport_h"  # road hours to the nearest cargo airport
NEAREST_AIRPORT = "nearest_airport"
MARKET_ACCESS = "market_access"  # sum_j population_j * exp(-t_ij / tau_h), road hours, j != i, t_ij <= max_h
REACHABLE = "reachable"
UNREACHABLE_REASON = "reason"
SNAP_KM = "snap_km"
ACCESS_COLUMNS = (
    COST_TO_SEA,
    TIME_TO_SEA,
    NEAREST_SEA,
    COST_TO_CREX,
    TIME_TO_CREX,
    NEAREST_CREX,
    TIME_TO_AIRPORT,
    NEAREST_AIRPORT,
    MARKET_ACCESS,
    REACHABLE,
    UNREACHABLE_REASON,
    SNAP_KM,
)
LEG_COLUMNS = ("mode", "from", "to", "km", "hours", "cost_cny_teu")


@dataclass(frozen=True)
class LogisticsNetwork:
    """An assembled multimodal network (build: load_network, network_from_tables; change: with_changes)."""

    inputs: NetworkInputs
    graph_data: Assembled = field(repr=False)

    @property
    def arcs(self) -> pd.DataFrame:
        """One row per directed arc: u, v, mode, distance_km, time_h, cost_cny_teu, gen_cost."""
        return self.graph_data.arcs

    @property
    def n_nodes(self) -> int:
        return len(self.graph_data.node_lon)

    @property
    def places(self) -> pd.DataFrame:
        return self.inputs.places

    @property
    def param_gaps(self) -> tuple[str, ...]:
        """Modes left out and parameters counted as zero because no sourced value exists."""
        return self.graph_data.gaps

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The network as a networkx DiGraph (built on first use)."""
        return to_networkx(self.arcs, self.n_nodes)

    @cached_property
    def _reverse_cost(self) -> sparse.csr_matrix:
        return arc_matrix(self.arcs, self.n_nodes, "gen_cost", reverse=True)

    @cached_property
    def _forward_cost(self) -> sparse.csr_matrix:
        return arc_matrix(self.arcs, self.n_nodes, "gen_cost")

    @cached_property
    def _road_time(self) -> sparse.csr_matrix:
        return arc_matrix(self.arcs, self.n_nodes, "time_h", modes=("road",))

    @cached_property
    def _time_keys(self) -> tuple[np.ndarray, np.ndarray]:
        return sorted_arc_keys(self.arcs, self.n_nodes, "time_h")

    @cached_property
    def _edge_wkt(self) -> np.ndarray:
        return self.inputs.edges["wkt"].fillna("").to_numpy(dtype=object)

    @cached_property
    def _arc_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Arc keys u*n+v in ascending order and the arc row of each (a route looks its arcs up here)."""
        keys = self.arcs["u"].to_numpy(dtype=np.int64) * self.n_nodes + self.arcs["v"].to_numpy(dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    @cached_property
    def _trees(self) -> dict[int, np.ndarray]:
        """Least-cost predecessor trees of the last few route sources (a site's routes share their source)."""
        return {}


ROUTE_TREES_KEPT = 8


def _tree_from(net: LogisticsNetwork, node: int) -> np.ndarray:
    """Predecessors of the least-cost tree from ``node`` (kept for the next route from the same node)."""
    trees = net._trees
    pred = trees.pop(node, None)
    if pred is None:
        _, pred = dijkstra(net._forward_cost, directed=True, indices=node, return_predecessors=True)
    trees[node] = pred  # the newest last
    while len(trees) > ROUTE_TREES_KEPT:
        trees.pop(next(iter(trees)), None)
    return pred


def _arc_rows(net: LogisticsNetwork, seq: list[int]) -> pd.DataFrame:
    """The arcs along a node sequence, in order (every arc u -> v is one row of ``net.arcs``)."""
    keys, order = net._arc_order
    wanted = np.asarray(seq[:-1], dtype=np.int64) * net.n_nodes + np.asarray(seq[1:], dtype=np.int64)
    return net.arcs.iloc[order[np.searchsorted(keys, wanted)]].reset_index(drop=True)


@dataclass(frozen=True)
class Route:
    """A least-cost route: legs (mode, from, to, km, hours, cost_cny_teu), totals and a line (EPSG:4326)."""

    origin: str
    target: str
    legs: pd.DataFrame
    distance_km: float
    time_h: float
    cost_cny_teu: float
    geometry: shapely.LineString


def network_from_tables(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    places: pd.DataFrame,
    params: Mapping[str, Any],
    waterways: pd.DataFrame | None = None,
    corridors: Iterable[Mapping[str, Any]] = (),
    city_points: pd.DataFrame | None = None,
) -> LogisticsNetwork:
    """Assemble a network from tables (nodes: node_id, mode, lon, lat; edges: mode, u, v, distance_km).

    ``city_points`` (adcode, lon, lat) locates other cities (parameter trips, corridor stops).
    """
    edges = edges.reset_index(drop=True)
    if "wkt" not in edges.columns:
        edges = edges.assign(wkt="")
    inp = NetworkInputs(
        nodes=nodes.reset_index(drop=True),
        edges=edges,
        places=places.reset_index(drop=True),
        params=dict(params),
        waterways=waterways if waterways is not None else pd.DataFrame(),
        corridors=tuple(corridors),
        city_points=city_points if city_points is not None else pd.DataFrame(),
    )
    return LogisticsNetwork(inputs=inp, graph_data=assemble(inp))


def _read_waterways(curated: Path) -> pd.DataFrame:
    frames = []
    for p in sorted(curated.glob("waterway_*.csv")):
        w = pd.read_csv(p)
        if not {"port_zh", C.CITY_ADCODE, "river_km_from_wusong"} <= set(w.columns) and "river_km" not in w.columns:
            raise NetworkError(
                "waterway file lacks port_zh, city_adcode or a river_km column",
                where=str(p),
                fix="use columns seq, port_zh, port_en, city_adcode, river_km_from_wusong",
            )
        km_col = "river_km" if "river_km" in w.columns else next(c for c in w.columns if c.startswith("river_km"))
        frames.append(
            pd.DataFrame(
                {
                    "waterway": p.stem,
                    "port_zh": w["port_zh"],
                    C.CITY_ADCODE: w[C.CITY_ADCODE],
                    "river_km": pd.to_numeric(w[km_col], errors="coerce"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _checked_merge(base: Mapping[str, Any], params: Mapping[str, Any] | None) -> dict[str, Any]:
    check_override(base, params, where="params")
    return merge_params(base, params)


def load_network(data_dir: Path | None = None, *, params: Mapping[str, Any] | None = None) -> LogisticsNetwork:
    """Load the built network from ``<data_dir>/network`` plus hubs, waterways, corridors and parameters.

    Parameters
    ----------
    data_dir
        The geodata folder (default: the embedded one).
    params
        Overrides merged into curated/transport_params.yaml (same nesting; a bare number replaces a value).
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    net_dir, curated = root / "network", root / "curated"
    for name in ("nodes.csv", "edges.csv", "places.csv"):
        if not (net_dir / name).exists():
            raise NetworkError(
                f"network file {name} not found",
                where=str(net_dir),
                fix="build it with the geodata build script (python -m transfer.geodata build)",
            )
    nodes = pd.read_csv(net_dir / "nodes.csv")
    edges = pd.read_csv(net_dir / "edges.csv", dtype={"wkt": str}, keep_default_na=False)
    built = pd.read_csv(net_dir / "places.csv", dtype={"place_id": str, C.CITY_ADCODE: str})
    cities = built[built["kind"].isin(["site", "origin"])]
    hub_path = curated / "hubs.csv"
    hubs = (
        pd.read_csv(hub_path)
        if hub_path.exists()
        else built[built["kind"] == "hub"].rename(columns={"place_id": C.HUB_ID})
    )
    sites = cities[cities["kind"] == "site"].assign(adcode=lambda d: d["place_id"].astype(int))
    origins = cities[cities["kind"] == "origin"].assign(adcode=lambda d: d["place_id"].astype(int))
    places = place_table(sites, origins, hubs, drop_unplaced=True)
    base = read_params(curated / "transport_params.yaml")
    corridors: list[Mapping[str, Any]] = []
    if (curated / "corridors.yaml").exists():
        corridors = read_yaml(curated / "corridors.yaml", error=NetworkError)[0] or []
    cities_csv = root / "cities.csv"
    city_points = pd.read_csv(cities_csv, usecols=[C.ADCODE, C.NAME_ZH, C.LON, C.LAT]) if cities_csv.exists() else None
    return network_from_tables(
        nodes,
        edges,
        places=places,
        city_points=city_points,
        params=_checked_merge(base, params),
        waterways=_read_waterways(curated),
        corridors=corridors,
    )


def _snap_to_road(net: LogisticsNetwork, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return net.graph_data.snappers["road"](df[C.LON].to_numpy(float), df[C.LAT].to_numpy(float))


def _hub_targets(net: LogisticsNetwork, hubs: pd.DataFrame | None, hub_type: str) -> tuple[list[int], dict[int, str]]:
    ids = net.places.loc[(net.places["kind"] == "hub") & (net.places[C.HUB_TYPE] == hub_type), "place_id"]
    if hubs is not None and C.HUB_ID in hubs.columns:
        wanted = set(hubs.loc[hubs[C.HUB_TYPE] == hub_type, C.HUB_ID].astype(str))
        unknown = wanted - set(ids.astype(str))
        if unknown:
            raise NetworkError(
                f"hub(s) not in the network: {sorted(unknown)[:5]}",
                where="accessibility(hubs=...)",
                fix="add them with with_changes(net, add_hubs=...)",
            )
        ids = ids[ids.astype(str).isin(wanted)]
    yards = [net.graph_data.yard_of[str(h)] for h in ids]
    return yards, {y: str(h) for y, h in zip(yards, ids, strict=True)}


def accessibility(
    net: LogisticsNetwork,
    sites: pd.DataFrame,
    origins: pd.DataFrame | None = None,
    hubs: pd.DataFrame | None = None,
    *,
    engine: str = "scipy",
) -> pd.DataFrame:
    """Accessibility columns per site (index: adcode); see the module constants for names and units.

    Parameters
    ----------
    net
        The network.
    sites
        Sites with adcode, lon, lat and optionally population (persons) for the market-access index.
    origins
        Origin clusters with adcode, lon, lat (one cost and time column pair each); default: the network's.
    hubs
        Hub table limiting the targets (hub_id, hub_type); default: all hubs of the network.
    engine
        "scipy" (sparse.csgraph, default) or "networkx" (baseline, same results, slower).
    """
    if engine not in ENGINES:
        raise NetworkError(f"unknown engine '{engine}'", where="accessibility(engine=...)", fix=f"use one of {ENGINES}")
    gd, n = net.graph_data, net.n_nodes
    road = gd.rates["road"]
    s_node, s_km = _snap_to_road(net, sites)
    acc_cost = s_km * road["cost_cny_teu_km"]
    acc_time = s_km / road["speed_kmh"]
    rev: Any = net._reverse_cost if engine == "scipy" else net.graph.reverse(copy=False)
    out = pd.DataFrame(index=pd.Index(sites[C.ADCODE].astype("int64").to_numpy(), name=C.ADCODE))
    out[SNAP_KM] = s_km.round(3)
    reasons: list[list[str]] = [[f"snapped {k:.1f} km from the road network"] if k > SNAP_FLAG_KM else [] for k in s_km]

    def fill(
        targets: list[int],
        names: dict[int, str],
        cost_col: str | None,
        time_col: str,
        name_col: str | None,
        what: str,
        extra_cost: float = 0.0,
        extra_time: float = 0.0,
    ) -> None:
        if not targets:
            out[time_col] = np.nan
            for r in reasons:
                r.append(f"no {what} in the network")
            return
        dist, pred, src = nearest_tree(rev, targets, engine=engine)
        t_along = along_tree(pred, net._time_keys, n)
        d = dist[s_node]
        ok = np.isfinite(d)
        if cost_col:
            out[cost_col] = np.where(ok, d + acc_cost + extra_cost, np.nan).round(1)
        out[time_col] = np.where(ok, t_along[s_node] + acc_time + extra_time, np.nan).round(2)
        if name_col:
            out[name_col] = [names.get(int(s)) if k else None for s, k in zip(src[s_node], ok, strict=True)]
        for i in np.flatnonzero(~ok):
            reasons[i].append(f"no path to any {what}")

    for hub_type, cost_col, time_col, name_col, what in (
        ("sea_gateway", COST_TO_SEA, TIME_TO_SEA, NEAREST_SEA, "sea gateway"),
        ("crex_centre", COST_TO_CREX, TIME_TO_CREX, NEAREST_CREX, "CR Express centre"),
    ):
        fill(*_hub_targets(net, hubs, hub_type), cost_col, time_col, name_col, what)
    org = (
        origins
        if origins is not None
        else net.places[net.places["kind"] == "origin"].assign(adcode=lambda d: d["place_id"].astype(int))
    )
    if len(org):
        o_node, o_km = _snap_to_road(net, org)
        for code, node, km in zip(org[C.ADCODE].astype(int), o_node, o_km, strict=True):
            fill(
                [int(node)],
                {},
                COST_TO_ORIGIN.format(adcode=code),
                TIME_TO_ORIGIN.format(adcode=code),
                None,
                f"origin {code}",
                km * road["cost_cny_teu_km"],
                km / road["speed_kmh"],
            )
    yards, names = _hub_targets(net, hubs, "cargo_airport")
    if yards:
        g: Any = (
            net._road_time.T.tocsr()
            if engine == "scipy"
            else nx.DiGraph(
                (v, u, {"weight": t})
                for u, v, t in net.arcs.loc[net.arcs["mode"] == "road", ["u", "v", "time_h"]].itertuples(
                    index=False, name=None
                )
            )
        )
        if engine == "networkx":
            g.add_nodes_from(range(n))
        dist, _, src = nearest_tree(g, yards, engine=engine)
        d = dist[s_node]
        out[TIME_TO_AIRPORT] = np.where(np.isfinite(d), d + acc_time, np.nan).round(2)
        out[NEAREST_AIRPORT] = [
            names.get(int(s)) if np.isfinite(x) else None for s, x in zip(src[s_node], d, strict=True)
        ]
    else:
        out[TIME_TO_AIRPORT], out[NEAREST_AIRPORT] = np.nan, None
    out[MARKET_ACCESS] = _market_access(net, sites, s_node, acc_time, engine=engine)
    cost_cols = [c for c in out.columns if c.startswith("cost_to_")]
    out[REACHABLE] = out[cost_cols].notna().all(axis=1).to_numpy() if cost_cols else True
    out[UNREACHABLE_REASON] = ["; ".join(r) for r in reasons]
    return out


def _market_access(
    net: LogisticsNetwork, sites: pd.DataFrame, s_node: np.ndarray, acc_time: np.ndarray, *, engine: str
) -> np.ndarray:
    """sum_j P_j exp(-t_ij / tau_h) over other sites j, road hours t_ij <= max_h; NaN without population."""
    if C.POPULATION not in sites.columns:
        return np.full(len(sites), np.nan)
    ma = net.inputs.params.get("market_access") or {}
    tau = float((ma.get("tau_h") or {}).get("value") or 0)
    max_h = float((ma.get("max_h") or {}).get("value") or 0)
    if tau <= 0 or max_h <= 0:
        raise NetworkError(
            "market_access tau_h and max_h must be positive",
            where="transport_params market_access",
            fix="set tau_h and max_h (hours)",
        )
    pop = pd.to_numeric(sites[C.POPULATION], errors="coerce").fillna(0).to_numpy(float)
    uniq, inv = np.unique(s_node, return_inverse=True)
    g: Any = (
        net._road_time
        if engine == "scipy"
        else nx.DiGraph(
            (u, v, {"weight": t})
            for u, v, t in net.arcs.loc[net.arcs["mode"] == "road", ["u", "v", "time_h"]].itertuples(
                index=False, name=None
            )
        )
    )
    tt = limited_times(g, uniq, uniq, engine=engine, limit=max_h)[inv][:, inv]
    tt = tt + acc_time[:, None] + acc_time[None, :]
    np.fill_diagonal(tt, np.inf)
    w = np.where(tt <= max_h, np.exp(-tt / tau), 0.0)
    return (w @ pop).round(0)


def resolve_place(
    name_or_code: str | int,
    sites: pd.DataFrame | None,
    origins: pd.DataFrame | None,
    hubs: pd.DataFrame | None,
    *,
    where: str = "place name",
) -> tuple[str, str]:
    """Resolve an adcode, hub_id, Chinese name (with or without 市/地区/自治州) or English name to (kind, place_id).

    Raises
    ------
    UnknownNameError
        When no site, origin or hub goes by the name (the closest names are suggested), or several do.
    """
    names = place_names(place_table(sites, origins, hubs, drop_unplaced=True))
    return names.resolve(name_or_code, where=where, fix="use a Chinese or English name, a 6-digit adcode or a hub_id")


def _endpoint(net: LogisticsNetwork, pid: str) -> tuple[int, float, str]:
    """Graph node, first/last-mile road km and display name of a place id."""
    row = net.places[net.places["place_id"].astype(str) == str(pid)]
    if not len(row):
        kinds = {k: net.places[net.places["kind"] == k] for k in ("site", "origin", "hub")}
        sites_, origins_ = (
            kinds[k].assign(adcode=lambda d: pd.to_numeric(d["place_id"], errors="coerce")) for k in ("site", "origin")
        )
        # a name (南宁, Nanning) or a code the places table holds under another form: resolve it to a place id
        _, resolved = resolve_place(pid, sites_, origins_, kinds["hub"].rename(columns={"place_id": C.HUB_ID}))
        row = net.places[net.places["place_id"].astype(str) == str(resolved)]
        if not len(row):
            raise UnknownNameError(
                f"'{pid}' is not a place of the network", where="place name", fix="use a site, origin or hub"
            )
    r = row.sort_values("kind", key=lambda s: s.map({"site": 0, "origin": 1, "hub": 2})).iloc[0]
    name = str(r[C.NAME_ZH] or r["place_id"])
    if r["kind"] == "hub":
        return net.graph_data.yard_of[str(r["place_id"])], 0.0, name
    node, km = _snap_to_road(net, row.iloc[[0]])
    return int(node[0]), float(km[0]), name


def route(net: LogisticsNetwork, origin_id: str | int, target_id: str | int) -> Route:
    """The least-cost route between two places (site or origin adcode, or hub_id) as legs and a line."""
    (a, a_km, a_name), (b, b_km, b_name) = _endpoint(net, str(origin_id)), _endpoint(net, str(target_id))
    seq = path_to(_tree_from(net, a), a, b)
    if not seq:
        raise NetworkError(
            f"no route from {a_name} to {b_name}",
            where=f"route {origin_id} -> {target_id}",
            fix="check the modes left out (net.param_gaps) or add a link with with_changes",
        )
    gd = net.graph_data
    arcs = _arc_rows(net, seq)
    road = gd.rates["road"]
    rows = [("road", a_name, a_name, a_km, a_km / road["speed_kmh"], a_km * road["cost_cny_teu_km"])] if a_km else []
    lines: list[np.ndarray] = []
    name = _label_names(net)
    for arc in arcs.itertuples(index=False):
        here = name(str(gd.node_label[arc.u] or gd.node_label[arc.v] or ""))
        rows.append(
            (arc.mode, here, name(str(gd.node_label[arc.v] or "")), arc.distance_km, arc.time_h, arc.cost_cny_teu)
        )
        lines.append(_arc_coords(net, arc))
    if b_km:
        rows.append(("road", b_name, b_name, b_km, b_km / road["speed_kmh"], b_km * road["cost_cny_teu_km"]))
    legs = _merge_legs(pd.DataFrame(rows, columns=list(LEG_COLUMNS)), a_name, b_name)
    coords = np.vstack(lines) if lines else np.array([[gd.node_lon[a], gd.node_lat[a]]] * 2)
    return Route(
        origin=str(origin_id),
        target=str(target_id),
        legs=legs,
        distance_km=float(legs["km"].sum()),
        time_h=float(legs["hours"].sum()),
        cost_cny_teu=float(legs["cost_cny_teu"].sum()),
        geometry=shapely.LineString(coords if len(coords) > 1 else np.vstack([coords, coords])),
    )


def _arc_coords(net: LogisticsNetwork, arc: Any) -> np.ndarray:
    gd = net.graph_data
    if arc.geom is not None:
        return np.asarray(shapely.get_coordinates(arc.geom))
    row = int(arc.edge_row)
    straight = np.array([[gd.node_lon[arc.u], gd.node_lat[arc.u]], [gd.node_lon[arc.v], gd.node_lat[arc.v]]])
    if row == -1:
        return straight
    fwd = row >= 0
    wkt = net._edge_wkt[row if fwd else -row - 2]
    if not wkt:
        return straight
    xy = shapely.get_coordinates(shapely.from_wkt(wkt))
    return xy if fwd else xy[::-1]


def _label_names(net: LogisticsNetwork) -> Callable[[str], str]:
    """Display name of a graph node label: a hub's name for a hub id, the city's name for a corridor stop
    (``corridor_id:adcode``), else the label itself."""
    places = net.places
    by_id = {str(p): str(n) for p, n in zip(places["place_id"], places[C.NAME_ZH], strict=True) if n}
    cities: dict[str, str] = {}
    cp = net.inputs.city_points
    if cp is not None and len(cp) and C.NAME_ZH in cp and C.ADCODE in cp:
        cities = {str(int(a)): str(n) for a, n in zip(cp[C.ADCODE], cp[C.NAME_ZH], strict=True)}

    def name(label: str) -> str:
        if label in by_id:
            return by_id[label]
        if ":" in label:
            code = label.rsplit(":", 1)[1]
            return by_id.get(code) or cities.get(code) or label
        return label

    return name


def _merge_legs(raw: pd.DataFrame, a_name: str, b_name: str) -> pd.DataFrame:
    """Merge consecutive arcs of one mode into legs named by the hub yards where modes change."""
    legs: list[dict[str, Any]] = []
    for r in raw.itertuples(index=False):
        if legs and legs[-1]["mode"] == r.mode:
            leg = legs[-1]
            leg["km"] += r.km
            leg["hours"] += r.hours
            leg["cost_cny_teu"] += r.cost_cny_teu
            leg["to"] = r.to or leg["to"]
        else:
            legs.append(
                {
                    "mode": r.mode,
                    "from": "",
                    "to": r.to,
                    "km": r.km,
                    "hours": r.hours,
                    "cost_cny_teu": r.cost_cny_teu,
                }
            )
    # a leg that ends at an unnamed graph node ends where the next leg is headed (e.g. rail, then a short link
    # into the port)
    for i in range(len(legs) - 2, -1, -1):
        if not legs[i]["to"] and legs[i]["mode"] != "transfer":
            nxt = next((leg["to"] for leg in legs[i + 1 :] if leg["to"]), "")
            legs[i]["to"] = nxt
    for i, leg in enumerate(legs):
        leg["from"] = legs[i - 1]["to"] if i else a_name
        if leg["mode"] == "transfer":  # a change of mode happens at one place: where the leg before it ends
            leg["to"] = leg["from"]
        if i == len(legs) - 1:
            leg["to"] = b_name
    out = pd.DataFrame(legs, columns=list(LEG_COLUMNS))
    return out.round({"km": 1, "hours": 2, "cost_cny_teu": 1})


def with_changes(
    net: LogisticsNetwork,
    *,
    add_edges: Iterable[Mapping[str, Any]] = (),
    remove_edges: Iterable[Any] = (),
    add_hubs: Iterable[Mapping[str, Any]] = (),
    remove_hubs: Iterable[str] = (),
    params: Mapping[str, Any] | None = None,
) -> LogisticsNetwork:
    """A new network with links, corridors or hubs added/removed and parameters overridden (net unchanged).

    add_edges: dicts {from, to, mode ('road' or 'rail'), distance_km} between place ids. remove_edges:
    corridor ids,
    (from, to) pairs of earlier added edges, or (u, v) pairs of base node ids. add_hubs: dicts with
    hub_id, hub_type,
    name_zh, name_en, city_adcode and/or lon, lat. remove_hubs: hub ids.
    """
    inp = net.inputs
    places, edges, corridors = inp.places, inp.edges, list(inp.corridors)
    extra = (
        inp.extra_edges.copy() if len(inp.extra_edges) else pd.DataFrame(columns=["from_", "to", "mode", "distance_km"])
    )
    for h in remove_hubs:
        if str(h) not in set(places.loc[places["kind"] == "hub", "place_id"].astype(str)):
            raise NetworkError(
                f"cannot remove unknown hub '{h}'",
                where="with_changes(remove_hubs=...)",
                fix="use a hub_id of the network",
            )
        places = places[~((places["kind"] == "hub") & (places["place_id"].astype(str) == str(h)))]
    if add_hubs:
        new = place_table(
            places[places["kind"] == "site"].assign(adcode=lambda d: d["place_id"].astype(int)),
            places[places["kind"] == "origin"].assign(adcode=lambda d: d["place_id"].astype(int)),
            pd.DataFrame([dict(h) for h in add_hubs]),
        )
        places = pd.concat([places, new[new["kind"] == "hub"]], ignore_index=True)
    for e in add_edges:
        if e.get("distance_km") is None:
            raise NetworkError(
                "an added edge needs distance_km",
                where=f"add_edges {dict(e)}",
                fix="give the route length of the new link in km",
            )
        extra = pd.concat(
            [
                extra,
                pd.DataFrame(
                    [
                        {
                            "from_": str(e["from"]),
                            "to": str(e["to"]),
                            "mode": e.get("mode", "rail"),
                            "distance_km": float(e["distance_km"]),
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    for r in remove_edges:
        if isinstance(r, str):
            if r not in {str(c.get("id")) for c in corridors}:
                raise NetworkError(
                    f"cannot remove unknown corridor '{r}'",
                    where="with_changes(remove_edges=...)",
                    fix="use a corridor id from corridors.yaml",
                )
            corridors = [c for c in corridors if str(c.get("id")) != r]
            continue
        a, b = (str(x) for x in list(r)[:2])
        hit = (extra["from_"] == a) & (extra["to"] == b) if len(extra) else pd.Series(dtype=bool)
        if len(extra) and hit.any():
            extra = extra[~hit]
            continue
        if a.isdigit() and b.isdigit():
            ua, ub = min(int(a), int(b)), max(int(a), int(b))
            keep = ~((edges[["u", "v"]].min(axis=1) == ua) & (edges[["u", "v"]].max(axis=1) == ub))
            if not (~keep).any():
                raise NetworkError(
                    f"no edge between nodes {a} and {b}",
                    where="with_changes(remove_edges=...)",
                    fix="use node ids of one edge, an added edge or a corridor id",
                )
            edges = edges[keep].reset_index(drop=True)
            continue
        raise NetworkError(
            f"cannot remove unknown edge {r!r}",
            where="with_changes(remove_edges=...)",
            fix="use a corridor id, an added (from, to) pair or a (u, v) node pair",
        )
    if params:
        check_override(inp.params, params, where="overrides.network.params")
    new_params = merge_params(inp.params, params) if params else inp.params
    new_inp = replace(
        inp,
        places=places.reset_index(drop=True),
        edges=edges,
        corridors=tuple(corridors),
        extra_edges=extra.reset_index(drop=True),
        params=new_params,
    )
    return LogisticsNetwork(inputs=new_inp, graph_data=assemble(new_inp))
