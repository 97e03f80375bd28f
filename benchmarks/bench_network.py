"""Timing table: graph load, then all-site accessibility with networkx Dijkstra vs scipy.sparse.csgraph.

Run: python benchmarks/bench_network.py [geodata-dir]. Prints seconds per step, the ratio and whether both
engines give identical columns (costs and times to 0.01, same nearest hubs), then the least-cost route
Chongqing -> Shanghai by road only, by road + rail and on the whole network (with the Yangtze waterway).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from transfer import network as N


def _sites(net: N.LogisticsNetwork, data_dir: Path | None) -> pd.DataFrame:
    sites = net.places[net.places["kind"] == "site"].assign(adcode=lambda d: d["place_id"].astype(int))
    pop_file = (data_dir or Path(__file__).resolve().parents[1] / "geodata") / "curated/prefecture_population.csv"
    if pop_file.exists():
        pop = pd.read_csv(pop_file)[["adcode", "population_2020"]].rename(columns={"population_2020": "population"})
        sites = sites.merge(pop, on="adcode", how="left")
    return sites


def _without(net: N.LogisticsNetwork, *modes: str) -> N.LogisticsNetwork:
    gone = {"value": None, "trip": None}
    return N.with_changes(net, params={"modes": {m: {"speed_kmh": gone} for m in modes}})


def _by_mode(net: N.LogisticsNetwork, a: str = "500000", b: str = "310000") -> None:
    print(f"route {a} -> {b}{'':<14}{'CNY/TEU':>10}{'hours':>10}  legs")
    for name, n in (
        ("road only", _without(net, "rail", "waterway")),
        ("road + rail", _without(net, "waterway")),
        ("whole network", net),
    ):
        r = N.route(n, a, b)
        legs = " > ".join(f"{m} {km:.0f} km" for m, km in r.legs[["mode", "km"]].itertuples(index=False) if km)
        print(f"{name:<34}{r.cost_cny_teu:>10.0f}{r.time_h:>10.1f}  {legs}")
    w = net.graph_data.rates.get("waterway")
    if w:
        print(
            f"waterway calibration: rail trip {w['calib_ref_km']:.0f} km, {w['calib_ref_cost']:.0f} CNY/TEU; "
            f"barge {w['calib_km']:.0f} river km, {w['calib_cost']:.0f} CNY/TEU -> "
            f"{w['cost_cny_teu_km']:.4f} CNY/TEU-km at {w['speed_kmh']:.2f} km/h"
        )


def main(argv: list[str]) -> int:
    data_dir = Path(argv[0]) if argv else None
    t0 = time.perf_counter()
    net = N.load_network(data_dir)
    t_load = time.perf_counter() - t0
    sites = _sites(net, data_dir)
    t0 = time.perf_counter()
    N.accessibility(net, sites)  # first call builds the sparse matrices
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    a = N.accessibility(net, sites, engine="scipy")
    t_scipy = time.perf_counter() - t0
    t0 = time.perf_counter()
    _ = net.graph
    t_nxbuild = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = N.accessibility(net, sites, engine="networkx")
    t_nx = time.perf_counter() - t0
    num = [c for c in a.columns if a[c].dtype.kind == "f"]
    same_num = np.allclose(a[num].to_numpy(float), b[num].to_numpy(float), atol=0.01, equal_nan=True)
    same_txt = all(a[c].astype(str).equals(b[c].astype(str)) for c in a.columns if c not in num)
    arcs = net.arcs["mode"].value_counts().to_dict()
    print(f"graph: {net.n_nodes} nodes, {len(net.arcs)} directed arcs {arcs}; {len(sites)} sites")
    print(f"{'step':<44}{'seconds':>10}")
    for name, sec in (
        ("load_network", t_load),
        ("accessibility scipy (first call)", t_cold),
        ("accessibility scipy (warm)", t_scipy),
        ("networkx DiGraph build", t_nxbuild),
        ("accessibility networkx Dijkstra (warm)", t_nx),
    ):
        print(f"{name:<44}{sec:>10.2f}")
    print(f"{'ratio networkx / scipy (warm)':<44}{t_nx / t_scipy:>10.1f}")
    print(f"identical results: numeric {same_num}, hub names {same_txt}")
    _by_mode(net)
    return 0 if same_num and same_txt else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
