"""Tests for transfer.matching: hand-checked fixture, engine equivalence, edge cases, validation."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from transfer.errors import LayerError, ScenarioError
from transfer.matching import (
    COST_SCALE,
    DEMAND_ID,
    JOBS,
    SITE_ID,
    UTILISATION,
    match_candidates,
    match_tables,
    solve_matching,
)

ENGINES = ("networkx", "ortools")

# 3 industries x 4 sites. Cost per job = 1 - score.
#        s1    s2    s3    s4
#   A   0.90  0.80  0.30  0.10     A: best s1, then s2 (regret 0.10 per job)
#   B   0.85  0.20  0.70  0.40     B: best s1, then s3 (regret 0.15 per job)
#   C   0.10  0.20  0.30  0.95     C: best s4 (only 30 places), then s3
# Demand A 100, B 80, C 50 = 230 jobs; capacity s1 120, s2 100, s3 100, s4 30 = 350 jobs.
# s1 cannot take A and B (180 > 120); s2 and s3 have room. B loses more by moving, so B keeps
# s1 (80), A fills the rest of s1 (40) and sends 60 to its second choice s2. C fills s4 (30) and
# sends its last 20 to s3.
# Cost: B 80*0.15 + A (40*0.10 + 60*0.20) + C (30*0.05 + 20*0.70) = 12 + 16 + 15.5 = 43.5.
SCORES = pd.DataFrame(
    [[0.90, 0.80, 0.30, 0.10], [0.85, 0.20, 0.70, 0.40], [0.10, 0.20, 0.30, 0.95]],
    index=pd.Index(["A", "B", "C"], name="industry"),
    columns=["s1", "s2", "s3", "s4"],
)
DEMAND = pd.Series({"A": 100, "B": 80, "C": 50})
CAPACITY = pd.Series({"s1": 120, "s2": 100, "s3": 100, "s4": 30})


def _flows(assignment: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(d, s): int(j) for d, s, j in assignment[[DEMAND_ID, SITE_ID, JOBS]].itertuples(index=False)}


@pytest.mark.parametrize("engine", ENGINES)
def test_capacity_forces_second_choice(engine: str) -> None:
    out = match_tables(SCORES, DEMAND, CAPACITY, engine=engine)
    assert _flows(out.assignment) == {
        ("A", "s2"): 60,
        ("A", "s1"): 40,
        ("B", "s1"): 80,
        ("C", "s4"): 30,
        ("C", "s3"): 20,
    }
    assert out.unmatched.empty
    assert out.result.objective == round(43.5 * COST_SCALE)
    assert out.result.assignment_cost == out.result.objective
    assert out.result.engine == engine
    assert out.result.status == "OPTIMAL"
    load = out.site_load.set_index(SITE_ID)
    assert load[JOBS].to_dict() == {"s1": 120, "s2": 60, "s3": 20, "s4": 30}
    assert load.loc["s3", UTILISATION] == pytest.approx(0.2)


@pytest.mark.parametrize("engine", ENGINES)
def test_unmatched_demand_is_reported(engine: str) -> None:
    # C may only go to s4 (30 places): 20 of its 50 jobs are left over; A and B are unchanged.
    eligible = pd.DataFrame(True, index=SCORES.index, columns=SCORES.columns)
    eligible.loc["C", ["s1", "s2", "s3"]] = False
    out = match_tables(SCORES, DEMAND, CAPACITY, eligible=eligible, engine=engine)
    assert out.unmatched.to_dict("records") == [{DEMAND_ID: "C", JOBS: 20}]
    assert _flows(out.assignment) == {("A", "s2"): 60, ("A", "s1"): 40, ("B", "s1"): 80, ("C", "s4"): 30}
    assert out.result.unmatched_jobs == 20
    penalty = out.result.unmatched_penalty
    assert out.result.objective == round(29.5 * COST_SCALE) + 20 * penalty


@pytest.mark.parametrize("engine", ENGINES)
def test_ineligible_pair_never_used(engine: str) -> None:
    eligible = pd.DataFrame(True, index=SCORES.index, columns=SCORES.columns)
    eligible.loc["B", "s1"] = False
    out = match_tables(SCORES, DEMAND, CAPACITY, eligible=eligible, engine=engine)
    assert ("B", "s1") not in _flows(out.assignment)
    assert out.unmatched.empty
    # with B off s1, A takes all 100 there and B its second choice s3
    assert _flows(out.assignment) == {("A", "s1"): 100, ("B", "s3"): 80, ("C", "s4"): 30, ("C", "s3"): 20}


@pytest.mark.parametrize("engine", ENGINES)
def test_nan_score_on_ineligible_pair_is_fine(engine: str) -> None:
    scores = SCORES.copy()
    scores.loc["B", "s1"] = np.nan
    eligible = scores.notna()
    out = match_tables(scores, DEMAND, CAPACITY, eligible=eligible, engine=engine)
    assert ("B", "s1") not in _flows(out.assignment)


@pytest.mark.parametrize("engine", ENGINES)
def test_top_k_one(engine: str) -> None:
    # Only the best site per industry: A s1, B s1, C s4. s1 (120) goes to A first (cheaper per
    # job, same number matched), B gets the other 20; C gets 30 at s4.
    out = match_tables(SCORES, DEMAND, CAPACITY, top_k=1, engine=engine)
    assert _flows(out.assignment) == {("A", "s1"): 100, ("B", "s1"): 20, ("C", "s4"): 30}
    assert out.unmatched.set_index(DEMAND_ID)[JOBS].to_dict() == {"B": 60, "C": 20}
    assert out.result.n_arcs == 3
    assert out.result.assignment_cost == round(14.5 * COST_SCALE)


@pytest.mark.parametrize("engine", ENGINES)
def test_min_score_drops_weak_pairs(engine: str) -> None:
    out = match_tables(SCORES, DEMAND, CAPACITY, min_score=0.75, engine=engine)
    # arcs left: A s1, A s2, B s1, C s4 -> C's last 20 have nowhere to go
    assert out.result.n_arcs == 4
    assert set(_flows(out.assignment)) <= {("A", "s1"), ("A", "s2"), ("B", "s1"), ("C", "s4")}
    assert out.unmatched.to_dict("records") == [{DEMAND_ID: "C", JOBS: 20}]


@pytest.mark.parametrize("engine", ENGINES)
def test_province_cap(engine: str) -> None:
    # s1 and s2 lie in province P1, capped at 150 (they held 180); s3, s4 in P2, uncapped.
    # 30 jobs must leave P1. Cheapest is a chain: B sends 30 from s1 to s3 (+0.15 each) and A
    # moves 30 from s2 into the freed s1 places (-0.10 each): +0.05 * 30 = +1.5, cost 45.0.
    # (A moving 30 straight from s2 to s3 would cost +0.50 each.)
    site_group = pd.Series({"s1": "P1", "s2": "P1", "s3": "P2", "s4": "P2"})
    group_capacity = pd.Series({"P1": 150})
    out = match_tables(SCORES, DEMAND, CAPACITY, site_group=site_group, group_capacity=group_capacity, engine=engine)
    load = out.site_load.set_index(SITE_ID)[JOBS]
    assert load["s1"] + load["s2"] == 150
    assert out.unmatched.empty
    assert _flows(out.assignment) == {
        ("A", "s1"): 70,
        ("A", "s2"): 30,
        ("B", "s1"): 50,
        ("B", "s3"): 30,
        ("C", "s4"): 30,
        ("C", "s3"): 20,
    }
    assert out.result.objective == round(45.0 * COST_SCALE)


@pytest.mark.parametrize("engine", ENGINES)
def test_max_share_per_site_spreads_demand(engine: str) -> None:
    out = match_tables(SCORES, DEMAND, CAPACITY, max_share_per_site=0.5, engine=engine)
    flows = out.assignment
    share = flows[JOBS] / flows[DEMAND_ID].map(DEMAND)
    assert (share <= 0.5).all()
    assert out.unmatched.empty


def test_finite_penalty_leaves_poor_matches_unmatched() -> None:
    # a penalty of 0.5 (in score units) is cheaper than any pair scoring below 0.5
    out = match_tables(SCORES, DEMAND, CAPACITY, unmatched_penalty=0.5)
    assert (out.assignment["score"] >= 0.5).all()
    assert out.result.unmatched_penalty == COST_SCALE // 2
    # C's last 20 would go to s3 at 0.3; now they are left unmatched
    assert out.unmatched.to_dict("records") == [{DEMAND_ID: "C", JOBS: 20}]


# --- indivisible firms -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_indivisible_unit_demand_is_exact(engine: str) -> None:
    # firms counted as 1 unit each, capacity in firms: min-cost flow is already integral.
    score = np.array([[0.9, 0.5], [0.8, 0.6], [0.7, 0.1]])
    result = solve_matching(score, [1, 1, 1], [1, 2], indivisible=True, engine=engine)
    # s0 holds one firm: firm 2 loses most by moving (0.6) -> firm 2 at s0, firms 0 and 1 at s1
    assert sorted(zip(result.demand_idx.tolist(), result.site_idx.tolist(), strict=True)) == [
        (0, 1),
        (1, 1),
        (2, 0),
    ]
    assert result.objective == result.lower_bound
    assert result.status == "OPTIMAL"


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_indivisible_repair_keeps_firms_whole(seed: int, grouped: bool) -> None:
    rng = np.random.default_rng(seed)
    n_firm, n_site = 40, 6
    score = rng.random((n_firm, n_site))
    jobs = rng.integers(10, 200, n_firm)
    capacity = rng.integers(200, 600, n_site)
    site_group = np.array([0, 0, 1, 1, -1, -1])
    group_capacity = np.array([500, 400])
    groups = {"site_group": site_group, "group_capacity": group_capacity} if grouped else {}
    result = solve_matching(score, jobs, capacity, indivisible=True, engine="ortools", **groups)
    firms, counts = np.unique(result.demand_idx, return_counts=True)
    assert (counts == 1).all()
    assert (result.jobs == jobs[result.demand_idx]).all()
    assert (result.unmatched[firms] == 0).all()
    assert (result.site_jobs() <= capacity).all()
    if grouped:
        load = result.site_jobs()
        assert load[:2].sum() <= 500
        assert load[2:4].sum() <= 400
    assert result.lower_bound is not None
    assert result.objective >= result.lower_bound
    assert result.matched_jobs + result.unmatched_jobs == jobs.sum()


def test_indivisible_split_firm_goes_whole_to_its_best_site_with_room() -> None:
    # Splittable optimum: firm 0 (60 jobs) fills s0 (cap 100) and firm 1 (50 jobs) takes the
    # remaining 40 there plus 10 at s1. Repair: firm 1 no longer fits at s0, so it goes wholly
    # to s1 (cap 60), its next-best site.
    score = np.array([[0.9, 0.2], [0.8, 0.5]])
    result = solve_matching(score, [60, 50], [100, 60], indivisible=True, engine="networkx")
    pairs = {int(d): (int(s), int(j)) for d, s, j in zip(*result.flows_frame().to_numpy().T[:3], strict=True)}
    assert pairs == {0: (0, 60), 1: (1, 50)}
    assert result.lower_bound == 60 * 1000 + 40 * 2000 + 10 * 5000
    assert result.objective == 60 * 1000 + 50 * 5000
    # small enough for the exact solver, which proves the repaired assignment optimal
    assert result.status == "OPTIMAL" and result.method == "cp-sat"


def test_indivisible_beyond_the_exact_size_uses_the_stated_heuristic(monkeypatch) -> None:
    import transfer.matching.core as M

    monkeypatch.setattr(M, "CPSAT_MAX_ARCS", 0)  # where solve_matching reads it
    score = np.array([[0.9, 0.2], [0.8, 0.5]])
    result = M.solve_matching(score, [60, 50], [100, 60], indivisible=True, engine="networkx")
    assert result.status == "HEURISTIC" and result.method == "min-cost flow + first-fit repair"
    assert result.objective == 60 * 1000 + 50 * 5000


def test_indivisible_finds_the_packing_that_fits_everyone() -> None:
    # first-fit decreasing puts the 60-job firm on s0 (its best) and leaves no room for the two 50-job firms,
    # which both prefer s0 only slightly; the optimum sends the 60-job firm to s1 and both 50s to s0
    score = np.array([[0.90, 0.89], [0.90, 0.10], [0.90, 0.10]])
    result = solve_matching(score, [60, 50, 50], [100, 60], indivisible=True, engine="networkx")
    placed = {int(d): int(s) for d, s in zip(result.demand_idx, result.site_idx, strict=True)}
    assert placed == {0: 1, 1: 0, 2: 0} and result.unmatched.sum() == 0
    assert result.status == "OPTIMAL"  # proven: by the exact solver, or the repair meeting the splittable bound


def test_blocks_keep_a_parent_under_its_share_cap() -> None:
    from transfer.matching import split_into_blocks

    assert split_into_blocks(1200, 500) == [500, 700]  # a remainder under half a block joins the last one
    assert split_into_blocks(1300, 500) == [500, 500, 300]
    assert split_into_blocks(40, 500) == [40]
    # four blocks of one industry (parent 0), share cap 0.5: at most 1,000 of its 2,000 jobs on one site
    result = solve_matching(
        np.tile([0.9, 0.5, 0.4], (4, 1)),
        [500, 500, 500, 500],
        [5000, 5000, 5000],
        indivisible=True,
        max_share_per_site=0.5,
        parent=[0, 0, 0, 0],
        engine="networkx",
    )
    per_site = np.bincount(result.site_idx, weights=result.jobs, minlength=3)
    assert per_site.tolist() == [1000, 1000, 0] and result.method == "cp-sat"


def test_indivisible_with_share_cap_is_refused() -> None:
    with pytest.raises(ScenarioError, match="indivisible=True cannot be combined"):
        solve_matching(np.ones((1, 2)), [5], [5, 5], indivisible=True, max_share_per_site=0.5)


# --- engine equivalence on random instances --------------------------------------------------


def _random_instance(seed: int, n_demand: int, n_site: int) -> dict:
    rng = np.random.default_rng(seed)
    n_group = 3
    return {
        "score": rng.random((n_demand, n_site)).round(3),
        "demand": rng.integers(0, 120, n_demand),
        "capacity": rng.integers(0, 100, n_site),  # total capacity ~ demand: often binding
        "eligible": rng.random((n_demand, n_site)) < 0.6,
        "site_group": rng.integers(-1, n_group, n_site),
        "group_capacity": rng.integers(50, 400, n_group),
    }


def _check_feasible(inst: dict, result, *, grouped: bool) -> None:
    assert (result.jobs > 0).all()
    assert inst["eligible"][result.demand_idx, result.site_idx].all()
    assert (result.demand_jobs() + result.unmatched == inst["demand"]).all()
    assert (result.site_jobs() <= inst["capacity"]).all()
    if grouped:
        codes = inst["site_group"][result.site_idx]
        in_group = codes >= 0
        group_load = np.bincount(codes[in_group], weights=result.jobs[in_group], minlength=3)
        assert (group_load <= inst["group_capacity"]).all()


def _max_matchable(inst: dict, *, grouped: bool) -> int:
    """Maximum number of jobs that can be placed, by an independent max-flow."""
    graph = nx.DiGraph()
    for i, d in enumerate(inst["demand"]):
        graph.add_edge("src", ("d", i), capacity=int(d))
    for i, j in zip(*np.nonzero(inst["eligible"]), strict=True):
        graph.add_edge(("d", int(i)), ("s", int(j)), capacity=int(inst["demand"][i]))
    for j, c in enumerate(inst["capacity"]):
        g = int(inst["site_group"][j]) if grouped else -1
        graph.add_edge(("s", j), ("g", g) if g >= 0 else "sink", capacity=int(c))
    if grouped:
        for g, c in enumerate(inst["group_capacity"]):
            graph.add_edge(("g", g), "sink", capacity=int(c))
    return int(nx.maximum_flow_value(graph, "src", "sink"))


@pytest.mark.parametrize("size", [(4, 3), (15, 8), (40, 25), (120, 30)])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "options",
    [{}, {"top_k": 3}, {"grouped": True}, {"max_share_per_site": 0.4}, {"unmatched_penalty": 0.7}],
    ids=["plain", "top_k", "province_cap", "share", "penalty"],
)
def test_engines_agree(size: tuple[int, int], seed: int, options: dict) -> None:
    inst = _random_instance(seed, *size)
    opts = dict(options)
    grouped = opts.pop("grouped", False)
    kwargs = {"eligible": inst["eligible"], **opts}
    if grouped:
        kwargs.update(site_group=inst["site_group"], group_capacity=inst["group_capacity"])
    nx_result = solve_matching(inst["score"], inst["demand"], inst["capacity"], engine="networkx", **kwargs)
    ot_result = solve_matching(inst["score"], inst["demand"], inst["capacity"], engine="ortools", **kwargs)
    assert nx_result.objective == ot_result.objective
    assert nx_result.unmatched_jobs == ot_result.unmatched_jobs
    for result in (nx_result, ot_result):
        _check_feasible(inst, result, grouped=grouped)
    if not opts:  # default penalty: as many jobs as possible are placed
        assert ot_result.matched_jobs == _max_matchable(inst, grouped=grouped)


def test_sparse_and_dense_scores_agree() -> None:
    inst = _random_instance(7, 30, 12)
    masked = np.where(inst["eligible"], inst["score"], 0.0)
    rows, cols = np.nonzero(inst["eligible"])
    csr = sparse.csr_array((masked[rows, cols], (rows, cols)), shape=masked.shape)
    dense = solve_matching(inst["score"], inst["demand"], inst["capacity"], eligible=inst["eligible"])
    sparse_result = solve_matching(csr, inst["demand"], inst["capacity"])
    assert dense.objective == sparse_result.objective
    assert dense.n_arcs == sparse_result.n_arcs == rows.shape[0]


def test_match_candidates_long_table() -> None:
    long = SCORES.stack().rename("score").rename_axis([DEMAND_ID, SITE_ID]).reset_index()
    out = match_candidates(long, DEMAND, CAPACITY)
    wide = match_tables(SCORES, DEMAND, CAPACITY)
    assert out.result.objective == wide.result.objective
    assert _flows(out.assignment) == _flows(wide.assignment)


def test_auto_engine_picks_by_size() -> None:
    small = solve_matching(np.full((2, 2), 0.5), [1, 1], [1, 1])
    assert small.engine == "networkx"
    big = solve_matching(np.full((50, 50), 0.5), np.ones(50, int), np.ones(50, int))
    assert big.engine == "ortools"


# --- edge cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_demand(engine: str) -> None:
    result = solve_matching(np.full((2, 3), 0.5), [0, 0], [5, 5, 5], engine=engine)
    assert result.matched_jobs == result.unmatched_jobs == result.objective == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_capacity_leaves_everything_unmatched(engine: str) -> None:
    result = solve_matching(np.full((2, 3), 0.5), [4, 6], [0, 0, 0], engine=engine)
    assert result.unmatched.tolist() == [4, 6]
    assert result.jobs.size == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_all_ineligible_leaves_everything_unmatched(engine: str) -> None:
    eligible = pd.DataFrame(False, index=SCORES.index, columns=SCORES.columns)
    out = match_tables(SCORES, DEMAND, CAPACITY, eligible=eligible, engine=engine)
    assert out.assignment.empty
    assert out.unmatched.set_index(DEMAND_ID)[JOBS].to_dict() == {"A": 100, "B": 80, "C": 50}
    assert (out.site_load[JOBS] == 0).all()
    assert out.result.n_arcs == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_no_sites(engine: str) -> None:
    result = solve_matching(np.zeros((2, 0)), [3, 4], np.zeros(0, int), engine=engine)
    assert result.unmatched.tolist() == [3, 4]


def test_utilisation_is_nan_for_zero_capacity() -> None:
    capacity = CAPACITY.copy()
    capacity["s4"] = 0
    out = match_tables(SCORES, DEMAND, capacity)
    assert np.isnan(out.site_load.set_index(SITE_ID).loc["s4", UTILISATION])


# --- validation ----------------------------------------------------------------------------------


def test_negative_demand_is_refused() -> None:
    with pytest.raises(LayerError, match=r"demand must not be negative, got -5 at position 1"):
        solve_matching(np.full((2, 2), 0.5), [3, -5], [1, 1])


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(LayerError, match="capacity must not be negative"):
        match_tables(SCORES, DEMAND, CAPACITY.replace(30, -30))


def test_fractional_demand_is_refused() -> None:
    with pytest.raises(LayerError, match=r"whole numbers of jobs, got 2\.5"):
        solve_matching(np.full((2, 2), 0.5), [2.5, 1.0], [1, 1])


def test_nan_score_on_eligible_pair_is_refused() -> None:
    scores = SCORES.copy()
    scores.loc["B", "s3"] = np.nan
    with pytest.raises(LayerError, match=r"score nan at \(demand, site\) position \(1, 2\)"):
        match_tables(scores, DEMAND, CAPACITY)


def test_score_out_of_range_is_refused() -> None:
    with pytest.raises(LayerError, match=r"score 1.5 .* is not in \[0, 1\]"):
        solve_matching(np.array([[1.5]]), [1], [1])


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(LayerError, match=r"score has shape \(2, 3\), expected \(2, 2\)"):
        solve_matching(np.full((2, 3), 0.5), [1, 1], [1, 1])


def test_ids_mismatch_is_refused() -> None:
    demand = DEMAND.rename({"C": "D"})
    with pytest.raises(LayerError, match=r"demand ids do not match scores.index: missing \['C'\], unknown \['D'\]"):
        match_tables(SCORES, demand, CAPACITY)


def test_duplicate_ids_are_refused() -> None:
    scores = pd.concat([SCORES, SCORES.loc[["A"]]])
    with pytest.raises(LayerError, match=r"scores.index has duplicated ids \['A'\]"):
        match_tables(scores, DEMAND, CAPACITY)


def test_non_boolean_eligible_is_refused() -> None:
    eligible = pd.DataFrame(1.0, index=SCORES.index, columns=SCORES.columns)
    with pytest.raises(LayerError, match="eligible must hold only True/False"):
        match_tables(SCORES, DEMAND, CAPACITY, eligible=eligible)


def test_unknown_group_is_refused() -> None:
    site_group = pd.Series({"s1": "P1", "s2": "P1", "s3": "P2", "s4": "P2"})
    with pytest.raises(LayerError, match=r"names groups \['P9'\] that no site belongs to"):
        match_tables(SCORES, DEMAND, CAPACITY, site_group=site_group, group_capacity=pd.Series({"P9": 5}))


def test_duplicate_sparse_pair_is_refused() -> None:
    coo = sparse.coo_array(([0.5, 0.4], ([0, 0], [1, 1])), shape=(1, 2))
    with pytest.raises(LayerError, match="more than once"):
        solve_matching(coo, [1], [1, 1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"top_k": 0}, "top_k must be a positive integer"),
        ({"min_score": 1.2}, r"min_score must lie in \[0, 1\]"),
        ({"unmatched_penalty": -1.0}, "unmatched_penalty must be a finite number >= 0"),
        ({"max_share_per_site": 0.0}, r"max_share_per_site must lie in \(0, 1\]"),
        ({"engine": "cplex"}, "unknown engine 'cplex'"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        solve_matching(np.full((1, 1), 0.5), [1], [1], **options)
