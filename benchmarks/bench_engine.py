"""Engine timings on the default data: layer load, site table, scoring, matching, robustness.

Prints one table; each row shows our time and, where there is one, the baseline it is compared with in the same run
(a plain per-pair Python loop for scoring, networkx for matching). Run: ``python benchmarks/bench_engine.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from transfer.industries import load_industries
from transfer.layers import load_default
from transfer.matching import match_tables
from transfer.pipeline import load_base, run
from transfer.scenarios import load_scenario
from transfer.scoring import DIRECTION, normalise, robustness, score
from transfer.sitetable import build_site_table


def _time(fn: Callable[[], object], *, repeat: int = 5) -> tuple[float, object]:
    times = []
    out: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _loop_scores(table, catalogue) -> pd.DataFrame:
    """Baseline: the same weighted sum, one (industry, site, criterion) at a time in Python."""
    norm = {c: normalise(table.values[c], DIRECTION[c]) for c in table.values.columns}
    rows = {}
    for p in catalogue:
        w = p.normalised_weights()
        vals = {}
        for site in table.values.index:
            total = 0.0
            for c, wc in w.items():
                v = norm[c][site] if c in norm else np.nan
                total += wc * (0.5 if not np.isfinite(v) else v)
            vals[site] = total
        rows[p.id] = vals
    return pd.DataFrame(rows).T


def main() -> None:
    rows: list[tuple[str, float, str, float | None]] = []
    t_load, layers = _time(load_default, repeat=3)
    rows.append(("load_default (all layers)", t_load, "", None))
    catalogue = load_industries()
    t_base, base = _time(load_base, repeat=3)
    t_full, _ = _time(lambda: load_base(lazy_network=False), repeat=1)
    rows.append(("load_base (layers + cached accessibility)", t_base, "network+access", t_full))
    t_tab, table = _time(lambda: build_site_table(layers, base.access))
    rows.append(("build_site_table", t_tab, "", None))
    t_score, res = _time(lambda: score(table, catalogue))
    t_loop, _loop = _time(lambda: _loop_scores(table, catalogue), repeat=2)
    no_origin = [c for c in res.criteria if c != "origin_cost"]
    assert len(no_origin) > 0
    rows.append((f"score {len(res.industries)} industries x {len(res.site_ids)} sites", t_score, "python loop", t_loop))
    demand = pd.Series({i: 10_000 for i in res.industries})
    cap = (table.values["labour_pool"].fillna(0) * 0.02).round().astype(int)
    t_m_or, _ = _time(lambda: match_tables(res.scores, demand, cap, eligible=res.eligible, top_k=30, engine="ortools"))
    t_m_nx, _ = _time(
        lambda: match_tables(res.scores, demand, cap, eligible=res.eligible, top_k=30, engine="networkx"), repeat=3
    )
    rows.append(("match (min-cost flow, OR-Tools)", t_m_or, "networkx", t_m_nx))
    t_total, _ = _time(
        lambda: (score(table, catalogue), match_tables(res.scores, demand, cap, eligible=res.eligible, top_k=30))
    )
    rows.append(("score + match (default data, budget 0.3 s)", t_total, "", None))
    t_rb, _ = _time(lambda: robustness(res, "electronics_assembly", n_draws=200))
    rows.append(("robustness (200 Dirichlet draws)", t_rb, "", None))
    scn = load_scenario("scenarios/baseline.yaml")
    t_run, _ = _time(lambda: run(base, scn), repeat=2)
    rows.append(("run(baseline scenario) incl. network edit + accessibility", t_run, "", None))
    print(f"{'step':58s} {'ours (s)':>10s} {'baseline':>14s} {'base (s)':>10s} {'ratio':>8s}")
    for name, t, bname, bt in rows:
        ratio = f"{bt / t:7.1f}x" if bt else ""
        print(f"{name:58s} {t:10.4f} {bname:>14s} {(f'{bt:.4f}' if bt else ''):>10s} {ratio:>8s}")


if __name__ == "__main__":
    main()
