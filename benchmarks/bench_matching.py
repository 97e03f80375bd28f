"""Matching benchmark: transfer.matching against raw OR-Tools and networkx on seeded random instances.

Run ``python benchmarks/bench_matching.py`` (a few minutes on 2 cores) or with ``--quick``.

Cases
-----
(a) ~300 sites x 15 industries, dense scores, 80 % of pairs eligible, province caps.
(b) 100,000 firms x 3,000 sites with 50 candidate sites per firm (5,000,000 arcs), sparse scores.
    Our end-to-end time (validation, costs, network, solve, result arrays) against raw OR-Tools
    SimpleMinCostFlow given ready-made int arrays for the same network (only add arcs, set
    supplies, solve and read flows are timed). networkx cannot finish this size in reasonable
    time, so it is timed on 500 / 1,000 / 2,000 firms over the same 3,000 sites, a power law
    time = a * arcs**b is fitted on log-log scale and extrapolated to 5,000,000 arcs; a linear
    extrapolation (b = 1, optimistic for networkx) is printed as well.

Case (b) alternates raw and ours ``--repeats`` times and keeps the fastest run of each.
Each heavy measurement runs in a fresh child process so its peak resident memory
(``resource.getrusage(...).ru_maxrss``) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transfer.matching import COST_SCALE, solve_matching

SEED = 20240601
N_SITE = 3_000
ARCS_PER_FIRM = 50


def firm_instance(n_firm: int, *, seed: int = SEED) -> dict[str, Any]:
    """Seeded firm instance: ``ARCS_PER_FIRM`` distinct candidate sites per firm, sparse scores.

    Scores mix a site quality shared by all firms (so good sites are contested) with firm-level
    noise; total site capacity is 95 % of total jobs, so capacities bind and some jobs stay
    unmatched.
    """
    rng = np.random.default_rng(seed)
    start = rng.integers(0, N_SITE, n_firm)
    gaps = rng.integers(1, N_SITE // ARCS_PER_FIRM + 1, (n_firm, ARCS_PER_FIRM))
    cols = (start[:, None] + np.cumsum(gaps, axis=1)) % N_SITE  # distinct: the span is < N_SITE
    cols.sort(axis=1)
    quality = rng.random(N_SITE)
    score = 0.6 * quality[cols] + 0.4 * rng.random((n_firm, ARCS_PER_FIRM))
    jobs = rng.integers(20, 400, n_firm)
    weight = rng.integers(1, 1000, N_SITE)
    capacity = (weight * (0.95 * jobs.sum() / weight.sum())).astype(np.int64)
    indptr = np.arange(0, n_firm * ARCS_PER_FIRM + 1, ARCS_PER_FIRM)
    matrix = sparse.csr_array((score.ravel(), cols.ravel(), indptr), shape=(n_firm, N_SITE))
    return {"score": matrix, "demand": jobs, "capacity": capacity}


def industry_instance(*, seed: int = SEED) -> dict[str, Any]:
    """Seeded default-size instance: 300 sites x 15 industries, 30 provinces with caps."""
    rng = np.random.default_rng(seed)
    n_industry, n_site, n_province = 15, 300, 30
    demand = rng.integers(5_000, 60_000, n_industry)
    capacity = rng.integers(500, 4_000, n_site)
    province = rng.integers(0, n_province, n_site)
    province_jobs = np.bincount(province, weights=capacity, minlength=n_province)
    return {
        "score": rng.random((n_industry, n_site)),
        "demand": demand,
        "capacity": capacity,
        "eligible": rng.random((n_industry, n_site)) < 0.8,
        "site_group": province,
        "group_capacity": (0.7 * province_jobs).astype(np.int64),
    }


def raw_ortools(inst: dict[str, Any]) -> dict[str, Any]:
    """Solve the firm instance with SimpleMinCostFlow directly; arrays are built before timing."""
    from ortools.graph.python import min_cost_flow

    matrix, jobs, capacity = inst["score"], inst["demand"], inst["capacity"]
    n_firm, n_site = matrix.shape
    rows = np.repeat(np.arange(n_firm), np.diff(matrix.indptr))
    costs = np.rint((1.0 - matrix.data) * COST_SCALE).astype(np.int64)
    penalty = min(n_firm, n_site) * int(costs.max()) + 1  # same rule as solve_matching's default
    sink = n_firm + n_site
    tails = np.concatenate([rows, np.arange(n_firm), n_firm + np.arange(n_site)]).astype(np.int32)
    heads = np.concatenate([n_firm + matrix.indices, np.full(n_firm, sink), np.full(n_site, sink)]).astype(np.int32)
    caps = np.concatenate([jobs[rows], jobs, capacity]).astype(np.int64)
    unit_costs = np.concatenate([costs, np.full(n_firm, penalty), np.zeros(n_site, np.int64)])
    supplies = np.concatenate([jobs, np.zeros(n_site, np.int64), [-jobs.sum()]]).astype(np.int64)
    nodes = np.arange(sink + 1, dtype=np.int32)

    started = time.perf_counter()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, unit_costs)
    smcf.set_nodes_supplies(nodes, supplies)
    status = smcf.solve()
    flows = smcf.flows(np.arange(rows.shape[0], dtype=np.int32))
    elapsed = time.perf_counter() - started
    assert status == smcf.OPTIMAL, status
    return {"time_s": elapsed, "objective": int(smcf.optimal_cost()), "matched": int(flows.sum())}


def ours(inst: dict[str, Any], engine: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = solve_matching(inst["score"], inst["demand"], inst["capacity"], engine=engine)
    elapsed = time.perf_counter() - started
    return {
        "time_s": elapsed,
        "solver_s": result.solve_time_s,
        "objective": result.objective,
        "matched": result.matched_jobs,
        "arcs": result.n_arcs,
    }


def child(spec: dict[str, Any]) -> None:
    """Run one measurement (in a fresh process) and print it as JSON."""
    inst = firm_instance(spec["n_firm"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = raw_ortools(inst) if spec["method"] == "raw" else ours(inst, spec["method"])
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["instance_rss_mb"] = rss_before / 1024
    print(json.dumps(out))


def run_child(method: str, n_firm: int) -> dict[str, Any]:
    spec = json.dumps({"method": method, "n_firm": n_firm})
    proc = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_industries(repeats: int) -> list[list[str]]:
    inst = industry_instance()
    rows = []
    base = None
    for engine in ("auto", "ortools", "networkx"):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = solve_matching(**inst, engine=engine)
            times.append(time.perf_counter() - started)
        base = base if base is not None else result.objective
        same = "yes" if result.objective == base else "NO"
        label = f"ours engine={engine}" + (f" ({result.engine})" if engine == "auto" else "")
        rows.append(["(a)", label, f"15 x 300, {result.n_arcs} arcs", f"{np.median(times):.4f}", "", "", same])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller instances (under a minute)")
    parser.add_argument("--repeats", type=int, default=0, help="runs of case (b) per method (default 2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return

    n_big = 20_000 if args.quick else 100_000
    nx_sizes = [250, 500, 1_000] if args.quick else [500, 1_000, 2_000]
    table = bench_industries(repeats=5 if args.quick else 20)

    # alternate raw and ours, keep the fastest of each: the machine is shared, timings are noisy
    raw_runs, our_runs = [], []
    for _ in range(args.repeats if args.repeats else 2):
        raw_runs.append(run_child("raw", n_big))
        our_runs.append(run_child("ortools", n_big))
    raw = min(raw_runs, key=lambda run: run["time_s"])
    mine = min(our_runs, key=lambda run: run["time_s"])
    arcs = mine["arcs"]
    size = f"{n_big:,} x {N_SITE:,}, {arcs:,} arcs"
    same = "yes" if mine["objective"] == raw["objective"] else "NO"
    table.append(
        [
            "(b)",
            f"raw OR-Tools SimpleMinCostFlow (best of {len(raw_runs)})",
            size,
            f"{raw['time_s']:.2f}",
            "1.00",
            f"{raw['peak_rss_mb']:.0f}",
            "reference",
        ]
    )
    table.append(
        [
            "(b)",
            f"ours end-to-end, ortools (best of {len(our_runs)})",
            size,
            f"{mine['time_s']:.2f}",
            f"{mine['time_s'] / raw['time_s']:.2f}",
            f"{mine['peak_rss_mb']:.0f}",
            same,
        ]
    )

    nx_points = []
    for n_firm in nx_sizes:
        nx_run = run_child("networkx", n_firm)
        ot_run = run_child("ortools", n_firm)
        nx_points.append((nx_run["arcs"], nx_run["time_s"]))
        small = f"{n_firm:,} x {N_SITE:,}, {nx_run['arcs']:,} arcs"
        same = "yes" if nx_run["objective"] == ot_run["objective"] else "NO"
        table.append(
            [
                "(b')",
                "ours engine=ortools",
                small,
                f"{ot_run['time_s']:.3f}",
                "",
                f"{ot_run['peak_rss_mb']:.0f}",
                "",
            ]
        )
        table.append(
            [
                "(b')",
                "ours engine=networkx",
                small,
                f"{nx_run['time_s']:.2f}",
                f"x{nx_run['time_s'] / ot_run['time_s']:.0f} slower",
                f"{nx_run['peak_rss_mb']:.0f}",
                same,
            ]
        )

    log_arcs = np.log([a for a, _ in nx_points])
    log_time = np.log([t for _, t in nx_points])
    slope, intercept = np.polyfit(log_arcs, log_time, 1)
    fitted_s = float(np.exp(intercept) * arcs**slope)
    linear_s = nx_points[-1][1] * arcs / nx_points[-1][0]
    table.append(
        [
            "(b)",
            f"networkx, power-law fit b={slope:.2f} (extrapolated)",
            size,
            f"{fitted_s:,.0f}",
            f"x{fitted_s / mine['time_s']:,.0f} slower than ours",
            "",
            "",
        ]
    )
    table.append(
        [
            "(b)",
            "networkx, linear in arcs (extrapolated, optimistic)",
            size,
            f"{linear_s:,.0f}",
            f"x{linear_s / mine['time_s']:,.0f} slower than ours",
            "",
            "",
        ]
    )

    header = [
        "case",
        "method",
        "size (demand x sites, arcs)",
        "time_s",
        "ratio",
        "peak_rss_mb",
        "same optimum",
    ]
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    for line in [header, ["-" * w for w in widths], *table]:
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))
    print(
        f"\n(b) ours / raw OR-Tools = {mine['time_s'] / raw['time_s']:.2f} (target <= 1.5); "
        f"ours outside the solver (validation, network, results): {mine['time_s'] - mine['solver_s']:.2f} s; "
        f"peak RSS of ours {mine['peak_rss_mb']:.0f} MB "
        f"(instance alone {mine['instance_rss_mb']:.0f} MB; target < 4096 MB)."
    )
    print(
        "networkx times for (b) are extrapolated from the (b') runs; a networkx DiGraph of "
        f"{arcs:,} arcs was not built."
    )


if __name__ == "__main__":
    main()
