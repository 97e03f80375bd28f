"""The matching problem and its results: solve_matching on arrays, match_tables and match_candidates on
labelled tables, demand blocks and binding limits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from transfer.errors import LayerError, ScenarioError
from transfer.matching.cpsat import CPSAT_MAX_ARCS, solve_indivisible_cpsat
from transfer.matching.engines import FlowNetwork, solve_network
from transfer.matching.repair import repair_indivisible
from transfer.matching.validate import (
    aligned,
    aligned_mask,
    as_counts,
    as_groups,
    candidate_arcs,
    check_options,
    group_codes,
    unique_ids,
)

# Cost of sending one job along a candidate arc = round((1 - score) * COST_SCALE): an integer
# in 0 .. COST_SCALE, so scores are resolved to 1e-4 and the flow solvers work on exact integers.
COST_SCALE = 10_000
# engine="auto" uses networkx below this many candidate arcs and OR-Tools from it on.
AUTO_ORTOOLS_MIN_ARCS = 2_000

# output columns of the table adapter
DEMAND_ID = "demand_id"
SITE_ID = "site_id"
JOBS = "jobs"
SCORE = "score"
CAPACITY = "capacity"
UTILISATION = "utilisation"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_MAX_TOTAL_COST = 2**62


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Optimal assignment of jobs from demand nodes to sites, as flat arrays.

    Attributes
    ----------
    demand_idx, site_idx, jobs, score
        One entry per (demand, site) pair that receives jobs: positions in the input, the
        number of jobs and the pair's score.
    unmatched
        Jobs left unmatched per demand node (length ``n_demand``).
    objective
        Minimised total cost in integer cost units: sum of ``jobs * round((1 - score) *
        COST_SCALE)`` plus ``unmatched_penalty`` per unmatched job.
    unmatched_penalty
        Cost units charged per unmatched job.
    engine, status
        Solver used (``"networkx"`` or ``"ortools"``) and its final status: ``"OPTIMAL"``, or
        ``"HEURISTIC"`` when ``indivisible=True`` repaired split firms and the result may not
        be optimal (its gap to ``lower_bound`` is then ``objective - lower_bound``), ``"FEASIBLE"``
        when CP-SAT stopped at its time limit with a feasible but unproven assignment.
    method
        How it was solved: ``"min-cost flow"`` (exact for splittable demand and unit demands),
        ``"cp-sat"`` (exact indivisible assignment, up to ``CPSAT_MAX_ARCS`` candidate arcs) or
        ``"min-cost flow + first-fit repair"`` (the heuristic for larger indivisible instances).
    solve_time_s, total_time_s
        Time in the solver, and from the call to the returned result.
    n_arcs
        Candidate arcs handed to the solver (after eligibility, ``min_score`` and ``top_k``).
    n_demand, n_site
        Problem size.
    lower_bound
        For ``indivisible=True``: the objective of the splittable optimum, a lower bound on the
        best indivisible objective; ``None`` otherwise (the objective is then optimal).
    """

    demand_idx: IntArray
    site_idx: IntArray
    jobs: IntArray
    score: FloatArray
    unmatched: IntArray
    objective: int
    unmatched_penalty: int
    engine: str
    status: str
    solve_time_s: float
    total_time_s: float
    n_arcs: int
    n_demand: int
    n_site: int
    lower_bound: int | None = None
    method: str = "min-cost flow"  # "min-cost flow", "cp-sat" (exact GAP) or "min-cost flow + first-fit repair"

    @property
    def matched_jobs(self) -> int:
        """Total jobs assigned to sites."""
        return int(self.jobs.sum())

    @property
    def unmatched_jobs(self) -> int:
        """Total jobs left unmatched."""
        return int(self.unmatched.sum())

    @property
    def assignment_cost(self) -> int:
        """Objective without the unmatched penalties, in cost units."""
        return self.objective - self.unmatched_penalty * self.unmatched_jobs

    def site_jobs(self) -> IntArray:
        """Jobs assigned to each site (length ``n_site``)."""
        return np.bincount(self.site_idx, weights=self.jobs, minlength=self.n_site).astype(np.int64)

    def demand_jobs(self) -> IntArray:
        """Jobs matched for each demand node (length ``n_demand``)."""
        return np.bincount(self.demand_idx, weights=self.jobs, minlength=self.n_demand).astype(np.int64)

    def flows_frame(
        self, *, demand_ids: npt.ArrayLike | None = None, site_ids: npt.ArrayLike | None = None
    ) -> pd.DataFrame:
        """Flows as a table with columns demand_id, site_id, jobs, score.

        Parameters
        ----------
        demand_ids, site_ids
            Labels for the demand and site positions; positions are used when omitted.
        """
        d_labels = np.arange(self.n_demand) if demand_ids is None else np.asarray(demand_ids)
        s_labels = np.arange(self.n_site) if site_ids is None else np.asarray(site_ids)
        order = np.lexsort((self.site_idx, -self.jobs, self.demand_idx))
        return pd.DataFrame(
            {
                DEMAND_ID: d_labels[self.demand_idx[order]],
                SITE_ID: s_labels[self.site_idx[order]],
                JOBS: self.jobs[order],
                SCORE: self.score[order],
            }
        )

    def unmatched_frame(self, *, demand_ids: npt.ArrayLike | None = None) -> pd.DataFrame:
        """Demand nodes with unmatched jobs, as a table with columns demand_id, jobs."""
        d_labels = np.arange(self.n_demand) if demand_ids is None else np.asarray(demand_ids)
        left = np.flatnonzero(self.unmatched > 0)
        return pd.DataFrame({DEMAND_ID: d_labels[left], JOBS: self.unmatched[left]})


@dataclass(frozen=True, eq=False)
class Assignment:
    """Tables of a matching: assignment, unmatched demand and per-site load, plus the raw result.

    Attributes
    ----------
    assignment
        Columns demand_id, site_id, jobs, score; one row per pair that receives jobs.
    unmatched
        Columns demand_id, jobs; one row per demand node with jobs left unmatched.
    site_load
        Columns site_id, jobs, capacity, utilisation (jobs / capacity; NaN where capacity is 0).
    result
        The numeric result the tables were built from.
    """

    assignment: pd.DataFrame
    unmatched: pd.DataFrame
    site_load: pd.DataFrame
    result: MatchResult
    binding: pd.DataFrame | None = None  # constraints that bind: kind, id, limit_jobs, used_jobs

    @property
    def method(self) -> str:
        """How the match was solved (see :attr:`MatchResult.method`) and its status."""
        return f"{self.result.method} ({self.result.status})"


def solve_matching(
    score: npt.ArrayLike | sparse.sparray | sparse.spmatrix,
    demand: npt.ArrayLike,
    capacity: npt.ArrayLike,
    *,
    eligible: npt.ArrayLike | None = None,
    top_k: int | None = None,
    min_score: float | None = None,
    unmatched_penalty: float | None = None,
    site_group: npt.ArrayLike | None = None,
    group_capacity: npt.ArrayLike | None = None,
    max_share_per_site: float | None = None,
    indivisible: bool = False,
    engine: str = "auto",
    parent: npt.ArrayLike | None = None,
) -> MatchResult:
    """Assign demand jobs to capacitated sites at least total cost, by min-cost flow.

    The network: one source node per demand node (supply = its jobs), one node per site with an
    arc to the sink (or to its group node) of capacity = the site's capacity, one node per site
    group with an arc to the sink of capacity = the group's capacity, one arc per candidate
    (demand, site) pair at cost ``round((1 - score) * COST_SCALE)`` per job, and one unmatched arc
    per demand node straight to the sink at ``unmatched_penalty`` per job, so the problem is
    always feasible and leftover demand is reported.

    Parameters
    ----------
    score
        Suitability in [0, 1], higher is better, shape (n_demand, n_site). Either a dense array
        (every eligible pair is a candidate) or a scipy sparse matrix whose stored entries are the
        candidate pairs (for large firm lists; a stored 0 is a candidate with score 0).
    demand
        Jobs per demand node (an industry or a firm), non-negative integers.
    capacity
        Jobs each site can absorb, non-negative integers.
    eligible
        Boolean mask (dense score only): ineligible pairs get no arc, whatever their score
        (their score may be NaN).
    top_k
        Keep only the k best-scoring candidate arcs of each demand node (ties: lower site index).
    min_score
        Drop candidate arcs scoring below this.
    unmatched_penalty
        Cost of leaving one job unmatched, in score units (1.0 = as bad as a site scoring 0).
        ``None`` (default) makes it large enough that the number of matched jobs is maximised
        first and the cost second: ``min(n_demand, n_site) * max_arc_cost + 1`` cost units.
    site_group, group_capacity
        Group code per site (e.g. its province; -1 = in no capped group) and the capacity in
        jobs of each group code 0 .. n_groups - 1. Both or neither.
    max_share_per_site
        In (0, 1]: no site gets more than ``floor(share * demand)`` jobs of one demand node, so
        an industry is spread over several sites.
    indivisible
        Each demand node (a firm) goes wholly to one site or stays wholly unmatched. Solved
        exactly when every demand is 1 (capacities counted in firms). Otherwise this is a
        generalised assignment problem, which min-cost flow cannot solve exactly: the splittable
        optimum is computed, firms it places whole keep their site, and the rest are placed
        first-fit decreasing on their cheapest site with room (see ``MatchResult.lower_bound``
        for the bound on the gap).
    engine
        ``"networkx"``, ``"ortools"`` or ``"auto"`` (OR-Tools from ``AUTO_ORTOOLS_MIN_ARCS``
        candidate arcs on).
    parent
        Optional parent code (0 .. n_parent - 1) per demand node, for demand split into indivisible blocks (the
        blocks of one industry share a parent): with ``indivisible=True``, ``max_share_per_site`` then caps the jobs
        of a parent on one site (``floor(share * parent's jobs)``) instead of being refused.

    Returns
    -------
    MatchResult
        Flows, unmatched jobs, objective and solver details.

    Raises
    ------
    LayerError
        If an input array has the wrong shape, negative or fractional counts, or NaN or
        out-of-range scores on eligible pairs.
    ScenarioError
        If an option is out of range.
    InfeasibleError
        If the solver does not report an optimal solution.
    """
    started = time.perf_counter()
    demand_arr = as_counts(demand, "demand")
    capacity_arr = as_counts(capacity, "capacity")
    n_demand, n_site = demand_arr.shape[0], capacity_arr.shape[0]
    group_arr, group_cap_arr = as_groups(site_group, group_capacity, n_site)
    check_options(top_k, min_score, unmatched_penalty, max_share_per_site, engine)
    parent_arr = None if parent is None else np.asarray(parent, dtype=np.int64)
    if parent_arr is not None and parent_arr.shape != demand_arr.shape:
        raise LayerError(
            f"parent has {parent_arr.shape[0]} entries for {n_demand} demand nodes",
            where="solve_matching(parent)",
            fix="give one parent code per demand node",
        )
    if indivisible and max_share_per_site is not None and max_share_per_site < 1 and parent_arr is None:
        raise ScenarioError(
            "indivisible=True cannot be combined with max_share_per_site < 1",
            where="solve_matching(max_share_per_site)",
            fix="drop max_share_per_site, or set indivisible=False to spread demand over sites",
        )

    rows, cols, scores = candidate_arcs(score, eligible, n_demand, n_site)
    if min_score is not None:
        keep = scores >= min_score
        rows, cols, scores = rows[keep], cols[keep], scores[keep]
    if top_k is not None:
        rows, cols, scores = _top_k(rows, cols, scores, top_k)

    costs = np.rint((1.0 - scores) * COST_SCALE).astype(np.int64)
    arc_caps = demand_arr[rows]  # the site's own capacity sits on its arc to the sink
    parent_cap = None
    if max_share_per_site is not None and parent_arr is not None and indivisible:
        parent_jobs = np.bincount(parent_arr, weights=demand_arr).astype(np.int64)
        parent_cap = np.floor(parent_jobs * max_share_per_site + 1e-9).astype(np.int64)
        arc_caps = np.minimum(arc_caps, parent_cap[parent_arr][rows])
    elif max_share_per_site is not None:
        share_cap = np.floor(demand_arr * max_share_per_site + 1e-9).astype(np.int64)
        arc_caps = np.minimum(arc_caps, share_cap[rows])
    penalty = _penalty_units(unmatched_penalty, costs, n_demand, n_site)
    if penalty * int(demand_arr.sum()) >= _MAX_TOTAL_COST:
        raise ScenarioError(
            "the total cost could overflow 64-bit integers",
            where="solve_matching(unmatched_penalty)",
            fix="pass a smaller unmatched_penalty (e.g. 2.0) or count demand in larger units",
        )

    network = _build_network(rows, cols, costs, arc_caps, penalty, demand_arr, capacity_arr, group_arr, group_cap_arr)
    chosen = engine if engine != "auto" else _auto_engine(rows.shape[0])
    solution = solve_network(network, engine=chosen)

    n_arcs = rows.shape[0]
    flows = solution.flows[:n_arcs]
    objective = solution.objective
    lower_bound = None
    method = "min-cost flow"
    status = solution.status
    unit_demand = bool((demand_arr <= 1).all())
    if indivisible and unit_demand:
        lower_bound = objective  # unit demands: the flow optimum is already integral per firm
    if indivisible and not unit_demand:
        lower_bound = objective
        flows = repair_indivisible(
            rows, cols, costs, arc_caps, flows, demand_arr, capacity_arr, group_arr, group_cap_arr
        )
        method = "min-cost flow + first-fit repair"
        if parent_cap is None and _repair_is_optimal(flows, costs, rows, demand_arr, penalty, lower_bound):
            pass  # the repaired assignment meets the splittable bound: optimal, no search needed
        elif n_arcs <= CPSAT_MAX_ARCS:
            exact, cp_status = solve_indivisible_cpsat(
                rows, cols, costs, demand_arr, capacity_arr, group_arr, group_cap_arr, penalty,
                parent=parent_arr, parent_site_cap=parent_cap, hint=flows,
            )  # fmt: skip
            if cp_status != "FAILED":
                flows, method, status = exact, "cp-sat", cp_status
    matched = np.bincount(rows, weights=flows, minlength=n_demand).astype(np.int64)
    unmatched = demand_arr - matched
    if indivisible and not unit_demand:
        objective = int((costs * flows).sum()) + penalty * int(unmatched.sum())
        if method != "cp-sat" and objective != lower_bound:  # the repair may have lost optimality: say so
            status = "HEURISTIC"
    positive = flows > 0
    return MatchResult(
        demand_idx=rows[positive],
        site_idx=cols[positive],
        jobs=flows[positive],
        score=scores[positive],
        unmatched=unmatched,
        objective=objective,
        unmatched_penalty=penalty,
        engine=chosen,
        status=status,
        solve_time_s=solution.solve_time_s,
        total_time_s=time.perf_counter() - started,
        n_arcs=n_arcs,
        n_demand=n_demand,
        n_site=n_site,
        lower_bound=lower_bound,
        method=method,
    )


def match_tables(
    scores: pd.DataFrame,
    demand: pd.Series,
    capacity: pd.Series,
    *,
    eligible: pd.DataFrame | None = None,
    site_group: pd.Series | None = None,
    group_capacity: pd.Series | None = None,
    top_k: int | None = None,
    min_score: float | None = None,
    unmatched_penalty: float | None = None,
    max_share_per_site: float | None = None,
    indivisible: bool = False,
    engine: str = "auto",
    parent: pd.Series | None = None,
) -> Assignment:
    """Match demand to sites from labelled tables and return labelled tables.

    Parameters
    ----------
    scores
        Suitability in [0, 1]; index = demand ids (industries or firms), columns = site ids.
    demand
        Jobs per demand id (same ids as ``scores.index``, any order).
    capacity
        Jobs per site id (same ids as ``scores.columns``, any order).
    eligible
        Boolean table with the same ids as ``scores``; False pairs are never used.
    site_group
        Group label per site id (e.g. province); NaN = in no capped group.
    group_capacity
        Jobs per group label; groups without an entry are not capped.
    top_k, min_score, unmatched_penalty, max_share_per_site, indivisible, engine
        As for :func:`solve_matching`.
    parent
        Optional parent label per demand id (the industry a block of jobs belongs to), see
        :func:`solve_matching`.

    Returns
    -------
    Assignment
        Assignment, unmatched and site-load tables.

    Raises
    ------
    LayerError
        If ids are duplicated or do not match between the tables, or values are invalid.
    """
    if not isinstance(scores, pd.DataFrame):
        raise LayerError(
            "scores must be a pandas DataFrame",
            where="match_tables(scores)",
            fix="pass a DataFrame with demand ids as index and site ids as columns",
        )
    demand_ids = unique_ids(scores.index, "scores.index")
    site_ids = unique_ids(scores.columns, "scores.columns")
    demand_arr = aligned(demand, demand_ids, "demand", "scores.index")
    capacity_arr = aligned(capacity, site_ids, "capacity", "scores.columns")
    eligible_arr = None
    if eligible is not None:
        eligible_arr = aligned_mask(eligible, demand_ids, site_ids)
    group_arr, group_cap_arr = group_codes(site_group, group_capacity, site_ids)
    result = solve_matching(
        scores.to_numpy(dtype=np.float64),
        demand_arr,
        capacity_arr,
        eligible=eligible_arr,
        site_group=group_arr,
        group_capacity=group_cap_arr,
        top_k=top_k,
        min_score=min_score,
        unmatched_penalty=unmatched_penalty,
        max_share_per_site=max_share_per_site,
        indivisible=indivisible,
        engine=engine,
        parent=None if parent is None else pd.factorize(parent.reindex(demand_ids))[0],
    )
    return _tables(result, demand_ids, site_ids, capacity_arr)


def match_candidates(
    candidates: pd.DataFrame,
    demand: pd.Series,
    capacity: pd.Series,
    *,
    site_group: pd.Series | None = None,
    group_capacity: pd.Series | None = None,
    top_k: int | None = None,
    min_score: float | None = None,
    unmatched_penalty: float | None = None,
    max_share_per_site: float | None = None,
    indivisible: bool = False,
    engine: str = "auto",
) -> Assignment:
    """Match demand to sites from a long table of candidate pairs (for large firm lists).

    Parameters
    ----------
    candidates
        Columns demand_id, site_id, score: one row per candidate pair; pairs not listed are
        not used. Each pair at most once.
    demand
        Jobs per demand id; its index defines the demand ids.
    capacity
        Jobs per site id; its index defines the site ids.
    site_group, group_capacity
        As for :func:`match_tables`.
    top_k, min_score, unmatched_penalty, max_share_per_site, indivisible, engine
        As for :func:`solve_matching`.

    Returns
    -------
    Assignment
        Assignment, unmatched and site-load tables.
    """
    missing = [c for c in (DEMAND_ID, SITE_ID, SCORE) if c not in candidates.columns]
    if missing:
        raise LayerError(
            f"candidate table lacks columns {missing}",
            where="match_candidates(candidates)",
            fix=f"provide columns {DEMAND_ID}, {SITE_ID}, {SCORE}",
        )
    demand_ids = unique_ids(demand.index, "demand.index")
    site_ids = unique_ids(capacity.index, "capacity.index")
    rows = pd.Index(demand_ids).get_indexer(candidates[DEMAND_ID])
    cols = pd.Index(site_ids).get_indexer(candidates[SITE_ID])
    for codes, column, known in ((rows, DEMAND_ID, "demand.index"), (cols, SITE_ID, "capacity.index")):
        if (codes < 0).any():
            bad = candidates[column].to_numpy()[codes < 0][:5].tolist()
            raise LayerError(
                f"candidate {column}s {bad} are not in {known}",
                where=f"match_candidates(candidates.{column})",
                fix=f"add them to {known} or drop those candidate rows",
            )
    values = candidates[SCORE].to_numpy(dtype=np.float64)
    pairs = rows.astype(np.int64) * len(site_ids) + cols
    if np.unique(pairs).shape[0] != pairs.shape[0]:
        raise LayerError(
            "a (demand_id, site_id) pair appears more than once",
            where="match_candidates(candidates)",
            fix="keep one row per pair (e.g. drop_duplicates on the two id columns)",
        )
    matrix = sparse.coo_array((values, (rows, cols)), shape=(len(demand_ids), len(site_ids)))
    group_arr, group_cap_arr = group_codes(site_group, group_capacity, site_ids)
    result = solve_matching(
        matrix.tocsr(),
        as_counts(demand.to_numpy(), "demand"),
        as_counts(capacity.to_numpy(), "capacity"),
        site_group=group_arr,
        group_capacity=group_cap_arr,
        top_k=top_k,
        min_score=min_score,
        unmatched_penalty=unmatched_penalty,
        max_share_per_site=max_share_per_site,
        indivisible=indivisible,
        engine=engine,
    )
    return _tables(result, demand_ids, site_ids, as_counts(capacity.to_numpy(), "capacity"))


def _repair_is_optimal(
    flows: IntArray, costs: IntArray, rows: IntArray, demand: IntArray, penalty: int, lower_bound: int
) -> bool:
    matched = np.bincount(rows, weights=flows, minlength=demand.shape[0]).astype(np.int64)
    return int((costs * flows).sum()) + penalty * int((demand - matched).sum()) == lower_bound


def _top_k(rows: IntArray, cols: IntArray, scores: FloatArray, top_k: int) -> tuple[IntArray, IntArray, FloatArray]:
    if rows.shape[0] == 0 or np.bincount(rows).max() <= top_k:
        return rows, cols, scores
    order = np.lexsort((cols, -scores, rows))
    sorted_rows = rows[order]
    rank = np.arange(order.shape[0]) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep = np.sort(order[rank < top_k])
    return rows[keep], cols[keep], scores[keep]


def _penalty_units(unmatched_penalty: float | None, costs: IntArray, n_demand: int, n_site: int) -> int:
    if unmatched_penalty is not None:
        return round(unmatched_penalty * COST_SCALE)
    # Any augmenting cycle through the unmatched arc uses at most min(n_demand, n_site) candidate
    # arcs forward, so with this penalty leaving a job unmatched never pays when it can be placed.
    max_cost = int(costs.max()) if costs.size else 0
    return min(n_demand, n_site) * max_cost + 1


def _auto_engine(n_arcs: int) -> str:
    return "ortools" if n_arcs >= AUTO_ORTOOLS_MIN_ARCS else "networkx"


def _build_network(
    rows: IntArray,
    cols: IntArray,
    costs: IntArray,
    arc_caps: IntArray,
    penalty: int,
    demand: IntArray,
    capacity: IntArray,
    site_group: IntArray,
    group_capacity: IntArray,
) -> FlowNetwork:
    """Nodes: demand 0..D-1, sites D..D+S-1, groups D+S..D+S+G-1, sink last."""
    n_demand, n_site, n_group = demand.shape[0], capacity.shape[0], group_capacity.shape[0]
    site0, group0 = n_demand, n_demand + n_site
    sink = group0 + n_group
    demand_nodes = np.arange(n_demand, dtype=np.int64)
    site_nodes = site0 + np.arange(n_site, dtype=np.int64)
    site_heads = np.where(site_group >= 0, group0 + site_group, sink)
    tails = np.concatenate([rows, demand_nodes, site_nodes, group0 + np.arange(n_group, dtype=np.int64)])
    heads = np.concatenate(
        [
            site0 + cols,
            np.full(n_demand, sink, dtype=np.int64),
            site_heads,
            np.full(n_group, sink, dtype=np.int64),
        ]
    )
    capacities = np.concatenate([arc_caps, demand, capacity, group_capacity])
    arc_costs = np.concatenate(
        [costs, np.full(n_demand, penalty, dtype=np.int64), np.zeros(n_site + n_group, dtype=np.int64)]
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_demand] = demand
    supplies[sink] = -int(demand.sum())
    return FlowNetwork(supplies, tails, heads, capacities.astype(np.int64), arc_costs)


# --- table output ------------------------------------------------------------------------------


def _tables(result: MatchResult, demand_ids: pd.Index, site_ids: pd.Index, capacity: IntArray) -> Assignment:
    load = result.site_jobs()
    utilisation = np.divide(load, capacity, out=np.full(load.shape, np.nan), where=capacity > 0)
    site_load = pd.DataFrame({SITE_ID: site_ids.to_numpy(), JOBS: load, CAPACITY: capacity, UTILISATION: utilisation})
    return Assignment(
        assignment=result.flows_frame(demand_ids=demand_ids.to_numpy(), site_ids=site_ids.to_numpy()),
        unmatched=result.unmatched_frame(demand_ids=demand_ids.to_numpy()),
        site_load=site_load,
        result=result,
    )


def split_into_blocks(jobs: int, block: int) -> list[int]:
    """Blocks of ``block`` jobs; the remainder is its own block unless smaller than half a block, when it joins the
    last one (so no block is smaller than ``block / 2`` unless the whole demand is)."""
    if jobs <= 0:
        return []
    if block <= 0:
        raise ScenarioError(f"block size {block} must be positive", where="matching.block_jobs", fix="use e.g. 500")
    n, rest = divmod(int(jobs), int(block))
    sizes = [int(block)] * n
    if rest:
        if sizes and rest < block / 2:
            sizes[-1] += rest
        else:
            sizes.append(rest)
    return sizes


def aggregate_blocks(assignment: Assignment, parent: pd.Series) -> Assignment:
    """Sum an assignment of blocks back to their parents (``parent``: block id -> parent demand id)."""
    a = assignment.assignment.copy()
    a[DEMAND_ID] = a[DEMAND_ID].map(parent)
    agg = a.groupby([DEMAND_ID, SITE_ID], sort=False, as_index=False).agg({JOBS: "sum", SCORE: "first"})
    u = assignment.unmatched.copy()
    u[DEMAND_ID] = u[DEMAND_ID].map(parent)
    u = u.groupby(DEMAND_ID, sort=False, as_index=False)[JOBS].sum()
    u = u[u[JOBS] > 0].reset_index(drop=True)
    return Assignment(
        assignment=agg.reset_index(drop=True),
        unmatched=u,
        site_load=assignment.site_load,
        result=assignment.result,
        binding=assignment.binding,
    )


def binding_constraints(
    assignment: Assignment,
    demand: pd.Series,
    *,
    max_share_per_site: float | None = None,
    site_group: pd.Series | None = None,
    group_capacity: pd.Series | None = None,
    slack_jobs: int = 0,
) -> pd.DataFrame:
    """The limits that bind in a (parent-level) assignment: full sites, share caps and group caps.

    A limit binds when the jobs placed are within ``slack_jobs`` of it (e.g. the block size: no further block fits)
    and some demand that could have used it is left unmatched or placed at a worse site.
    """
    rows = []
    load = assignment.site_load
    for sid, used, cap in zip(load[SITE_ID], load[JOBS], load[CAPACITY], strict=True):
        if cap > 0 and used > 0 and cap - used <= slack_jobs:
            rows.append({"kind": "site_capacity", "id": sid, "limit_jobs": int(cap), "used_jobs": int(used)})
    a = assignment.assignment
    if max_share_per_site is not None and len(a):
        for (did, sid), used in a.groupby([DEMAND_ID, SITE_ID])[JOBS].sum().items():
            cap = int(np.floor(float(demand.get(did, 0)) * max_share_per_site + 1e-9))
            if cap > 0 and cap - int(used) <= slack_jobs:
                rows.append(
                    {"kind": "max_share_per_site", "id": f"{did} @ {sid}", "limit_jobs": cap, "used_jobs": int(used)}
                )
    if site_group is not None and group_capacity is not None and len(a):
        by_group = a.assign(g=a[SITE_ID].map(site_group)).groupby("g")[JOBS].sum()
        for g, cap in group_capacity.items():
            used = int(by_group.get(g, 0))
            if used > 0 and int(cap) - used <= slack_jobs:
                rows.append({"kind": "group_capacity", "id": g, "limit_jobs": int(cap), "used_jobs": used})
    return pd.DataFrame(rows, columns=["kind", "id", "limit_jobs", "used_jobs"])
