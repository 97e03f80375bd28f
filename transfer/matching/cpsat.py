"""Exact indivisible matching (a generalised assignment problem) with OR-Tools CP-SAT.

Each demand node (a firm, or a block of an industry's jobs) goes wholly to one candidate site or stays unmatched;
site and group capacities hold; optionally the blocks of one parent (an industry) may not put more than a share cap
of its jobs on one site. The objective is the same integer cost as the min-cost flow: jobs x arc cost, plus the
unmatched penalty per unmatched job.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["CPSAT_MAX_ARCS", "CPSAT_RELATIVE_GAP", "CPSAT_TIME_LIMIT_S", "solve_indivisible_cpsat"]

IntArray = npt.NDArray[np.int64]

# instances up to this many candidate arcs are solved exactly by CP-SAT; larger ones use the flow + repair heuristic
CPSAT_MAX_ARCS = 60_000
CPSAT_TIME_LIMIT_S = 10.0
# stop when the assignment is proven within this relative gap of the best bound (reported with the result)
CPSAT_RELATIVE_GAP = 1e-3


def solve_indivisible_cpsat(
    rows: IntArray,
    cols: IntArray,
    costs: IntArray,
    demand: IntArray,
    capacity: IntArray,
    site_group: IntArray,
    group_capacity: IntArray,
    penalty: int,
    *,
    parent: IntArray | None = None,
    parent_site_cap: IntArray | None = None,
    time_limit_s: float = CPSAT_TIME_LIMIT_S,
    hint: IntArray | None = None,
) -> tuple[IntArray, str]:
    """Solve the indivisible assignment exactly (or to the time limit).

    Parameters
    ----------
    rows, cols, costs
        Demand index, site index and unit cost of each candidate arc.
    demand, capacity
        Jobs per demand node and per site.
    site_group, group_capacity
        Group code per site (-1 = none) and capacity per group code.
    penalty
        Cost units per unmatched job.
    parent, parent_site_cap
        Optional parent code per demand node and, per parent, the most jobs it may put on one site.
    hint
        Optional flow per arc (a feasible solution) to start the search from.

    Returns
    -------
    (flows, status)
        Flow per arc (0 or the demand's jobs) and "OPTIMAL" or "FEASIBLE" (time limit reached).
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n_arcs = rows.shape[0]
    x = [model.new_bool_var(f"x{a}") for a in range(n_arcs)]
    jobs = demand[rows]
    for d in np.unique(rows):
        model.add_at_most_one([x[a] for a in np.flatnonzero(rows == d)])
    order = np.argsort(cols, kind="stable")
    bounds = np.searchsorted(cols[order], np.arange(capacity.shape[0] + 1))
    for s in range(capacity.shape[0]):
        arcs = order[bounds[s] : bounds[s + 1]]
        if arcs.size and int(jobs[arcs].sum()) > int(capacity[s]):
            model.add(sum(int(jobs[a]) * x[a] for a in arcs) <= int(capacity[s]))
    if group_capacity.shape[0]:
        g = site_group[cols]
        for code in range(group_capacity.shape[0]):
            arcs = np.flatnonzero(g == code)
            if arcs.size and int(jobs[arcs].sum()) > int(group_capacity[code]):
                model.add(sum(int(jobs[a]) * x[a] for a in arcs) <= int(group_capacity[code]))
    if parent is not None and parent_site_cap is not None:
        par = parent[rows]
        for p in np.unique(par):
            cap = int(parent_site_cap[p])
            mine = np.flatnonzero(par == p)
            for s in np.unique(cols[mine]):
                arcs = mine[cols[mine] == s]
                if int(jobs[arcs].sum()) > cap:
                    model.add(sum(int(jobs[a]) * x[a] for a in arcs) <= cap)
    # minimise sum(jobs * cost * x) + penalty * unmatched jobs  ==  const + sum(jobs * (cost - penalty) * x)
    model.minimize(sum(int(jobs[a]) * (int(costs[a]) - int(penalty)) * x[a] for a in range(n_arcs)))
    if hint is not None:
        for a in range(n_arcs):
            model.add_hint(x[a], bool(hint[a] > 0))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = 1  # one worker: the same input gives the same assignment (reproducible runs)
    solver.parameters.random_seed = 0
    solver.parameters.relative_gap_limit = CPSAT_RELATIVE_GAP
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.zeros(n_arcs, dtype=np.int64), "FAILED"
    flows = np.array([int(jobs[a]) if solver.value(x[a]) else 0 for a in range(n_arcs)], dtype=np.int64)
    return flows, "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
