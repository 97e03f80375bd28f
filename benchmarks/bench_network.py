"""Timing table: graph load, then all-site accessibility with networkx Dijkstra vs scipy.sparse.csgraph.

Run: python benchmarks/bench_network.py [geodata-dir]. Prints seconds per step, the ratio and whether both
engines
give identical columns (costs and times to 0.01, same nearest hubs).
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
    return 0 if same_num and same_txt else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
