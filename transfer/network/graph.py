"""Assemble the multimodal arc table (road, rail, waterway, corridors, hub transfers) from its inputs."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from transfer import columns as C
from transfer.errors import NetworkError
from transfer.network.params import MODES, REQUIRED_MODES, entry_value, mode_gaps
from transfer.network.snap import Snapper, snap_points

__all__ = ["EPS_COST", "RAIL_CORRIDOR_MODES", "Assembled", "NetworkInputs", "assemble", "river_km_between"]

RAIL_CORRIDOR_MODES = ("rail", "rail_sea", "crex")
EPS_COST = 1e-6  # added to every arc so zero-cost arcs stay arcs in the sparse matrix
ARC_COLUMNS = ["u", "v", "mode", "distance_km", "time_h", "cost_cny_teu", "edge_row", "geom", "label"]


@dataclass(frozen=True)
class NetworkInputs:
    """Everything the multimodal graph is assembled from (a scenario changes these, never the result)."""

    nodes: pd.DataFrame  # node_id, mode (road/rail), lon, lat
    edges: pd.DataFrame  # mode, u, v, distance_km, wkt
    places: pd.DataFrame  # place table (kind, place_id, names, hub_type, city_adcode, lon, lat)
    params: Mapping[str, Any]
    waterways: pd.DataFrame = field(default_factory=pd.DataFrame)  # waterway, seq, port_zh, city_adcode, river_km
    corridors: tuple[Mapping[str, Any], ...] = ()
    extra_edges: pd.DataFrame = field(default_factory=pd.DataFrame)  # from, to, mode, distance_km
    city_points: pd.DataFrame = field(default_factory=pd.DataFrame)  # adcode, lon, lat of other cities


@dataclass(frozen=True)
class Assembled:
    """The assembled graph: node arrays, arc table, hub yards and resolved parameters."""

    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    node_layer: NDArray[np.object_]
    node_label: NDArray[np.object_]
    arcs: pd.DataFrame
    yard_of: dict[str, int]
    road_nodes: NDArray[np.int64]
    snappers: dict[str, Snapper]
    rates: dict[str, dict[str, float]]
    gaps: tuple[str, ...]


def _mode_csr(nodes: pd.DataFrame, edges: pd.DataFrame, mode: str) -> sparse.csr_matrix:
    e = edges[edges["mode"] == mode]
    n = len(nodes)
    w = e["distance_km"].to_numpy(dtype=float) + 1e-9
    m = sparse.coo_matrix((np.r_[w, w], (np.r_[e["u"], e["v"]], np.r_[e["v"], e["u"]])), shape=(n, n))
    return m.tocsr()


def _city_points(places: pd.DataFrame, extra: pd.DataFrame | None = None) -> dict[str, tuple[float, float]]:
    """Point per city adcode: sites and origins first, then other cities (for trips and corridor stops)."""
    out: dict[str, tuple[float, float]] = {}
    if extra is not None and len(extra):
        out.update(
            {
                str(int(a)): (float(x), float(y))
                for a, x, y in zip(extra[C.ADCODE], extra[C.LON], extra[C.LAT], strict=True)
            }
        )
    cities = places[places["kind"].isin(["site", "origin"])]
    return out | {str(p): (x, y) for p, x, y in zip(cities["place_id"], cities[C.LON], cities[C.LAT], strict=True)}


def _layer_dist_km(
    csr: sparse.csr_matrix, nodes: pd.DataFrame, mode: str, a: tuple[float, float], b: tuple[float, float]
) -> float:
    sub = nodes[nodes["mode"] == mode]
    idx, _ = snap_points(np.array([a[0], b[0]]), np.array([a[1], b[1]]), sub[C.LON].to_numpy(), sub[C.LAT].to_numpy())
    ids = sub["node_id"].to_numpy()[idx]
    d = dijkstra(csr, directed=False, indices=int(ids[0]))
    return float(d[int(ids[1])])


def river_km_between(waterways: pd.DataFrame, a: str, b: str) -> float | None:
    """Sailing km between two cities on one waterway file (difference of their river km), None if not both on it."""
    if not len(waterways):
        return None
    ww = waterways[pd.to_numeric(waterways["river_km"], errors="coerce").notna()]
    codes = pd.to_numeric(ww[C.CITY_ADCODE], errors="coerce").astype("Int64").astype(str)
    for _, grp in ww.groupby("waterway", sort=False):
        ka = grp.loc[codes.loc[grp.index] == str(a), "river_km"]
        kb = grp.loc[codes.loc[grp.index] == str(b), "river_km"]
        if len(ka) and len(kb):
            return abs(float(ka.iloc[0]) - float(kb.iloc[0]))
    return None


def _resolve_rates(
    inp: NetworkInputs, csrs: dict[str, sparse.csr_matrix]
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per enabled mode: cost_km, fixed, speed, enter_time_h; plus the gaps (modes left out, zeros).

    A ``trip`` entry derives a per-km figure on the network itself: the trip distance is measured on the
    mode's graph (road, rail) or, for the waterway, as the difference of the two ports' river km. A cost trip
    with ``relative_to`` and ``cost_ratio`` sets this mode's trip total to cost_ratio times what the reference
    mode (already resolved) charges for the same city pair on its own graph (fixed charge + per-km rate times
    its distance); this mode's fixed charge is taken off before dividing by the distance.
    """
    rates: dict[str, dict[str, float]] = {}
    gaps: list[str] = []
    pts = _city_points(inp.places, inp.city_points)
    for mode in MODES:
        missing = mode_gaps(inp.params, mode)
        if missing:
            if mode in REQUIRED_MODES:
                raise NetworkError(
                    f"required transport parameter(s) missing: {', '.join(missing)}",
                    where="geodata/curated/transport_params.yaml",
                    fix="fill the value with its public source, or pass params= with the value",
                )
            gaps.append(f"{mode} left out: {', '.join(missing)} empty")
            continue
        spec = inp.params["modes"][mode]
        r: dict[str, float] = {
            "fixed": entry_value(spec.get("fixed_cost_cny_teu"), f"modes.{mode}.fixed_cost_cny_teu") or 0.0,
            "enter_time_h": entry_value(spec.get("enter_time_h"), f"modes.{mode}.enter_time_h") or 0.0,
        }
        for key in ("cost_cny_teu_km", "speed_kmh"):
            e = spec[key]
            where = f"transport_params modes.{mode}.{key}"
            val = entry_value(e, where)
            if val is None:
                trip = e["trip"]
                fa, fb = str(trip.get("from_adcode")), str(trip.get("to_adcode"))
                tmode = trip.get("mode", mode)
                km: float | None
                if tmode == "waterway":
                    km = river_km_between(inp.waterways, fa, fb)
                    if km is None:
                        gaps.append(f"{mode} left out: {key} trip ports {fa}, {fb} have no river km")
                        break
                else:
                    a, b = pts.get(fa), pts.get(fb)
                    if a is None or b is None or tmode not in csrs:
                        if mode in REQUIRED_MODES:
                            raise NetworkError(
                                f"cannot derive {key} from the trip {trip}: city or mode not in the network",
                                where=where,
                                fix="give a value, or a trip between two loaded sites/origins",
                            )
                        gaps.append(f"{mode} left out: {key} trip endpoints not in the network")
                        break
                    km = _layer_dist_km(csrs[tmode], inp.nodes, tmode, a, b)
                if key == "cost_cny_teu_km" and trip.get("relative_to"):
                    ref_mode = str(trip["relative_to"])
                    ratio = entry_value(trip.get("cost_ratio"), f"{where}.trip.cost_ratio")
                    ref = rates.get(ref_mode)
                    a, b = pts.get(fa), pts.get(fb)
                    if ref is None or ref_mode not in csrs or a is None or b is None or ratio is None:
                        gaps.append(f"{mode} left out: {key} is calibrated on {ref_mode}, which is not available")
                        break
                    ref_km = _layer_dist_km(csrs[ref_mode], inp.nodes, ref_mode, a, b)
                    ref_total = ref["fixed"] + ref["cost_cny_teu_km"] * ref_km
                    total = ratio * ref_total
                    r.update(calib_ref_km=ref_km, calib_ref_cost=ref_total, calib_km=float(km), calib_cost=total)
                    total -= r["fixed"]
                else:
                    total = trip.get("total_cny_teu") if key == "cost_cny_teu_km" else trip.get("total_h")
                if total is None or not np.isfinite(km) or km <= 0 or float(total) <= 0:
                    raise NetworkError(
                        f"cannot derive {key}: trip total missing or endpoints disconnected",
                        where=where,
                        fix="check the trip entry",
                    )
                val = float(total) / km if key == "cost_cny_teu_km" else km / float(total)
            if key == "speed_kmh" and val <= 0:
                raise NetworkError("speed must be positive", where=where, fix="give a speed above 0 km/h")
            r[key] = float(val)
        else:
            rates[mode] = r
    return rates, gaps


def _arcs(
    u: Any,
    v: Any,
    mode: str,
    km: Any,
    rate: Mapping[str, float],
    *,
    fixed: float = 0.0,
    extra_h: float = 0.0,
    edge_row: Any = -1,
    geom: Any = None,
    label: str = "",
) -> pd.DataFrame:
    km_a = np.asarray(km, dtype=float)
    return pd.DataFrame(
        {
            "u": np.asarray(u, dtype=np.int64),
            "v": np.asarray(v, dtype=np.int64),
            "mode": mode,
            "distance_km": km_a,
            "time_h": km_a / rate["speed_kmh"] + extra_h,
            "cost_cny_teu": km_a * rate["cost_cny_teu_km"] + fixed,
            "edge_row": edge_row,
            "geom": geom,
            "label": label,
        }
    )


def _port_hubs(city_hubs: pd.DataFrame, port_zh: str) -> pd.DataFrame:
    """The hub(s) of a waterway port among its city's waterway hubs.

    By name (上海(吴淞口) -> 上海港(外高桥), 重庆 -> 重庆港 and not 万州港), else the city's only such hub.
    """
    stem = port_zh.split("(")[0].split("（")[0].strip()
    named = city_hubs[city_hubs[C.NAME_ZH].astype(str).str.startswith(stem)] if stem else city_hubs.iloc[:0]
    if len(named):
        return named
    return city_hubs if len(city_hubs) == 1 else city_hubs.iloc[:0]


def assemble(inp: NetworkInputs) -> Assembled:
    """Build the multimodal arc table; see the module docstring of transfer.network for the model."""
    nodes, edges, places, params = inp.nodes, inp.edges, inp.places, inp.params
    n_base = len(nodes)
    if not np.array_equal(nodes["node_id"].to_numpy(), np.arange(n_base)):
        raise NetworkError(
            "node ids are not 0..n-1 in file order",
            where="network/nodes.csv",
            fix="rebuild geodata/network with the geodata build script",
        )
    csrs = {m: _mode_csr(nodes, edges, m) for m in ("road", "rail") if (nodes["mode"] == m).any()}
    rates, gaps = _resolve_rates(inp, csrs)
    base_lon = nodes[C.LON].to_numpy(dtype=float)
    base_lat = nodes[C.LAT].to_numpy(dtype=float)
    lon = list(base_lon)
    lat = list(base_lat)
    layer = list(nodes["mode"].to_numpy())
    label: list[Any] = [""] * n_base
    parts: list[pd.DataFrame] = []

    def add_node(x: float, y: float, lay: str, lab: str) -> int:
        lon.append(x)
        lat.append(y)
        layer.append(lay)
        label.append(lab)
        return len(lon) - 1

    for mode in ("road", "rail"):
        if mode not in rates or mode not in csrs:
            continue
        e = edges[edges["mode"] == mode]
        rows = e.index.to_numpy()
        parts.append(_arcs(e["u"], e["v"], mode, e["distance_km"], rates[mode], edge_row=rows))
        parts.append(_arcs(e["v"], e["u"], mode, e["distance_km"], rates[mode], edge_row=-rows - 2))
    road = rates["road"]
    mode_nodes = {m: nodes.loc[nodes["mode"] == m, "node_id"].to_numpy() for m in ("road", "rail")}

    snappers = {m: Snapper(ids, base_lon[ids], base_lat[ids]) for m, ids in mode_nodes.items() if len(ids)}

    def snap(mode: str, x: float, y: float) -> tuple[int, float]:
        node, km = snappers[mode](np.array([x]), np.array([y]))
        return int(node[0]), float(km[0])

    hub_modes = (params.get("hub_modes") or {}).get("value") or {}

    def yard(x: float, y: float, name: str, modes: list[str]) -> int:
        yd = add_node(x, y, "yard", name)
        rn, rkm = snap("road", x, y)
        parts.append(_arcs([yd, rn], [rn, yd], "road", [rkm, rkm], road, label=name))
        if "rail" in modes and "rail" in rates and len(mode_nodes["rail"]):
            tn, tkm = snap("rail", x, y)
            rr = rates["rail"]
            dray_c, dray_h = tkm * road["cost_cny_teu_km"], tkm / road["speed_kmh"]
            parts.append(
                pd.DataFrame(
                    {
                        "u": [yd, tn],
                        "v": [tn, yd],
                        "mode": "transfer",
                        "distance_km": [tkm, tkm],
                        "time_h": [dray_h + rr["enter_time_h"], dray_h],
                        "cost_cny_teu": [dray_c + rr["fixed"], dray_c],
                        "edge_row": -1,
                        "geom": None,
                        "label": name,
                    }
                )
            )
        return yd

    yard_of: dict[str, int] = {}
    hubs = places[places["kind"] == "hub"]
    for h in hubs.itertuples(index=False):
        modes = list(hub_modes.get(h.hub_type, ["road"]))
        yard_of[str(h.place_id)] = yard(float(getattr(h, C.LON)), float(getattr(h, C.LAT)), str(h.place_id), modes)
    pts = _city_points(places, inp.city_points)

    # waterways: consecutive ports with published or derived river distances; a port is boarded from the yard
    # of its river port (or sea gateway) hub, where the waterway's fixed charge and dwell apply
    ww = inp.waterways
    if len(ww) and "waterway" in rates:
        ww = ww[pd.to_numeric(ww["river_km"], errors="coerce").notna()]
        if len(ww) < 2:
            gaps.append("waterway left out: no river distances in the waterway files")
        water_types = [t for t, ms in hub_modes.items() if "waterway" in ms]
        hub_city = pd.to_numeric(hubs[C.CITY_ADCODE], errors="coerce").astype("Int64").astype(str)
        rw = rates["waterway"]
        for wname, grp in ww.groupby("waterway", sort=False):
            grp = grp.assign(river_km=grp["river_km"].astype(float)).sort_values("river_km")
            port_nodes = []
            for p in grp.itertuples(index=False):
                city = str(int(p.city_adcode))
                hub_here = _port_hubs(hubs[(hub_city == city) & hubs[C.HUB_TYPE].isin(water_types)], str(p.port_zh))
                if not len(hub_here):
                    gaps.append(f"{wname}: port {p.port_zh} ({city}) has no river port or sea gateway hub, left out")
                    continue
                h0 = hub_here.iloc[0]
                wn = add_node(float(h0[C.LON]), float(h0[C.LAT]), "waterway", str(p.port_zh))
                port_nodes.append((wn, float(p.river_km)))
                for hid in hub_here["place_id"].astype(str):
                    parts.append(
                        pd.DataFrame(
                            {
                                "u": [yard_of[hid], wn],
                                "v": [wn, yard_of[hid]],
                                "mode": "transfer",
                                "distance_km": 0.0,
                                "time_h": [rw["enter_time_h"], 0.0],
                                "cost_cny_teu": [rw["fixed"], 0.0],
                                "edge_row": -1,
                                "geom": None,
                                "label": hid,
                            }
                        )
                    )
            for (a, ka), (b, kb) in itertools.pairwise(port_nodes):
                g = shapely.LineString([(lon[a], lat[a]), (lon[b], lat[b])])
                parts.append(
                    _arcs(
                        [a, b],
                        [b, a],
                        "waterway",
                        [kb - ka] * 2,
                        rw,
                        geom=[g, g.reverse()],
                        label=str(wname),
                    )
                )
    elif len(ww):
        gaps.append("waterway left out: waterway rates unsourced")

    # rail-type corridors: scheduled trains between consecutive corridor cities
    factors = params.get("corridor_rate_factor") or {}
    for cor in inp.corridors:
        cmode = str(cor.get("mode", ""))
        if cmode not in RAIL_CORRIDOR_MODES:
            continue
        cid = str(cor.get("id"))
        if "rail" not in rates:
            gaps.append(f"corridor {cid} left out: rail parameters missing")
            continue
        fac = entry_value(factors.get(cmode), f"corridor_rate_factor.{cmode}")
        rr = dict(rates["rail"])
        rr["cost_cny_teu_km"] *= 1.0 if fac is None else fac
        stops = []
        for c in cor.get("cities") or []:
            xy = pts.get(str(c))
            if xy is None:
                gaps.append(f"corridor {cid}: city {c} is not a loaded site or origin, skipped")
                continue
            here = hubs[
                (hubs[C.CITY_ADCODE].astype(str) == str(c))
                & hubs[C.HUB_TYPE].isin([t for t, ms in hub_modes.items() if "rail" in ms])
            ]
            yd = yard_of[str(here.iloc[0]["place_id"])] if len(here) else yard(xy[0], xy[1], f"{cid}:{c}", ["road"])
            tn, _ = snap("rail", lon[yd], lat[yd])
            cn = add_node(lon[tn], lat[tn], "corridor", f"{cid}:{c}")
            parts.append(
                pd.DataFrame(
                    {
                        "u": [yd, cn],
                        "v": [cn, yd],
                        "mode": "transfer",
                        "distance_km": 0.0,
                        "time_h": [rr["enter_time_h"], 0.0],
                        "cost_cny_teu": [rr["fixed"], 0.0],
                        "edge_row": -1,
                        "geom": None,
                        "label": f"{cid}:{c}",
                    }
                )
            )
            stops.append((cn, tn))
        for (ca, ta), (cb, tb) in itertools.pairwise(stops):
            d, pred = dijkstra(csrs["rail"], directed=False, indices=ta, return_predecessors=True)
            if not np.isfinite(d[tb]):
                gaps.append(f"corridor {cid}: no rail path between two stops, leg skipped")
                continue
            seq = [tb]
            while seq[-1] != ta:
                seq.append(int(pred[seq[-1]]))
            seq = seq[::-1]
            g = shapely.LineString(np.column_stack([base_lon[seq], base_lat[seq]]))
            parts.append(_arcs([ca, cb], [cb, ca], "corridor", [d[tb]] * 2, rr, geom=[g, g.reverse()], label=cid))

    # scenario edges between places (road/rail layers)
    for e in inp.extra_edges.itertuples(index=False) if len(inp.extra_edges) else []:
        mode = str(e.mode)
        if mode not in ("road", "rail") or mode not in rates:
            raise NetworkError(
                f"added edge mode '{mode}' is not available",
                where=f"add_edges {e.from_}->{e.to}",
                fix="use mode 'road' or 'rail' (with its parameters filled)",
            )
        ends = []
        for pid in (str(e.from_), str(e.to)):
            row = places[places["place_id"].astype(str) == pid]
            if not len(row):
                raise NetworkError(
                    f"added edge names an unknown place '{pid}'",
                    where="add_edges",
                    fix="use a site or origin adcode or a hub_id",
                )
            r0 = row.iloc[0]
            if mode == "rail" and str(r0["kind"]) != "hub":
                # freight gets on a train only at a hub with rail (mode changes happen at hubs): without one in the
                # city an added rail link could never be used, so say so instead of silently doing nothing
                city = str(r0.get("city_adcode", pid))
                in_city = places[(places["kind"] == "hub") & (places["city_adcode"].astype(str) == city)]
                rail_types = [t for t, ms in hub_modes.items() if "rail" in ms]
                if not in_city["hub_type"].isin(rail_types).any():
                    raise NetworkError(
                        f"added rail link {e.from_}->{e.to}: {pid} has no rail freight hub, "
                        "so trains cannot load there",
                        where="add_edges",
                        fix="add a hub in that city too (add_hubs, e.g. hub_type dry_port) or use mode 'road'",
                    )
            ends.append(snap(mode, float(r0[C.LON]), float(r0[C.LAT]))[0])
        g = shapely.LineString([(lon[ends[0]], lat[ends[0]]), (lon[ends[1]], lat[ends[1]])])
        parts.append(
            _arcs(
                ends,
                ends[::-1],
                mode,
                [float(e.distance_km)] * 2,
                rates[mode],
                geom=[g, g.reverse()],
                label=f"added:{e.from_}-{e.to}",
            )
        )

    arcs = pd.concat(parts, ignore_index=True)[ARC_COLUMNS]
    vot = entry_value(params.get("value_of_time_cny_teu_h"), "value_of_time_cny_teu_h") or 0.0
    arcs["gen_cost"] = arcs["cost_cny_teu"] + vot * arcs["time_h"] + EPS_COST
    arcs = arcs.sort_values("gen_cost", kind="stable").drop_duplicates(["u", "v"]).reset_index(drop=True)
    for key, note in (("enter_time_h", "rail terminal dwell counted as 0 h"),):
        e = (params.get("modes", {}).get("rail") or {}).get(key)
        if "rail" in rates and entry_value(e, key) is None:
            gaps.append(note)
    return Assembled(
        node_lon=np.asarray(lon),
        node_lat=np.asarray(lat),
        node_layer=np.asarray(layer, dtype=object),
        node_label=np.asarray(label, dtype=object),
        arcs=arcs,
        yard_of=yard_of,
        road_nodes=mode_nodes["road"],
        snappers=snappers,
        rates=rates,
        gaps=tuple(gaps),
    )
