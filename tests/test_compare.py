"""Tests for transfer.compare: a hand-checkable pair (B excludes 陕西省), flows, regional shares, determinism, files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from transfer import columns as C
from transfer.compare import Comparison, compare, to_geojson, to_json, to_text, write
from transfer.pipeline import Base, RunResult, run
from transfer.scenarios import load_scenario

DATA = Path(__file__).resolve().parent / "data" / "scenarios"
TOP = 10
EXCLUDED = "陕西省"


def _run(base: Base, name: str) -> RunResult:
    return run(base, load_scenario(DATA / name))


@pytest.fixture(scope="module")
def pair(base: Base) -> tuple[RunResult, RunResult]:
    return _run(base, "compare_a.yaml"), _run(base, "compare_b.yaml")


@pytest.fixture(scope="module")
def cmp(pair: tuple[RunResult, RunResult]) -> Comparison:
    return compare(*pair, top=TOP)


def _ranking(res: RunResult, industry: str) -> list[int]:
    """Eligible sites of one industry, best first (ties by adcode, as compare ranks them)."""
    sc = res.scores.scores.loc[industry][res.scores.eligible.loc[industry]]
    return [int(s) for s in sc.sort_values(ascending=False, kind="mergesort").index]


def test_pair_differs_only_in_the_excluded_province(pair: tuple[RunResult, RunResult]) -> None:
    a, b = pair
    pd.testing.assert_frame_equal(a.scores.scores, b.scores.scores)  # exclusion is a hard rule, not a score
    shaanxi = a.table.sites.index[a.table.sites[C.PROVINCE] == EXCLUDED]
    assert not b.scores.eligible.loc[:, shaanxi].to_numpy().any()
    assert a.scores.eligible.loc[:, shaanxi].to_numpy().any()


def test_excluded_sites_leave_with_the_reason_and_the_next_ones_enter(
    pair: tuple[RunResult, RunResult], cmp: Comparison
) -> None:
    a, b = pair
    prov = a.table.sites[C.PROVINCE]
    ch = cmp.shortlist_changes
    n_leaving = 0
    for ind in a.scores.industries:
        rank_a = _ranking(a, ind)
        top_a = rank_a[:TOP]
        # B's ranking is A's without the Shaanxi sites: everything else keeps its order
        expected_b = [s for s in rank_a if prov[s] != EXCLUDED][:TOP]
        assert _ranking(b, ind)[:TOP] == expected_b
        rows = ch[ch["industry"] == ind].set_index(C.ADCODE)
        leaving = {s for s in top_a if s not in expected_b}
        entering = {s for s in expected_b if s not in top_a}
        assert set(rows.index[rows["status"] == "leaving"]) == leaving
        assert set(rows.index[rows["status"] == "entering"]) == entering
        assert all(prov[s] == EXCLUDED for s in leaving)
        for s in leaving:
            assert f"province {EXCLUDED} is excluded" in rows.at[s, "note"]
            assert pd.isna(rows.at[s, "rank_b"])
        for s in entering:
            assert rows.at[s, "rank_a"] == rank_a.index(s) + 1
            assert rows.at[s, "rank_b"] == expected_b.index(s) + 1
        for s in set(top_a) & set(expected_b):
            above = sum(1 for t in rank_a[: rank_a.index(s)] if prov[t] == EXCLUDED)
            assert rows.at[s, "rank_move"] == above
            assert rows.at[s, "status"] == "stayed"
        n_leaving += len(leaving)
    assert n_leaving > 0, "西安 is in the IC packaging top 10 of the default data"
    xian = ch[(ch["industry"] == "ic_packaging") & (ch[C.ADCODE] == 610100)]
    assert list(xian["status"]) == ["leaving"]
    assert cmp.summary["leaving"] == n_leaving
    assert cmp.summary["entering"] == n_leaving
    assert cmp.score_deltas.empty


def test_flows_sum_to_matched_jobs(pair: tuple[RunResult, RunResult], cmp: Comparison) -> None:
    a, b = pair
    for run_, col in ((a, "jobs_a"), (b, "jobs_b")):
        assert run_.assignment is not None
        jobs = int(run_.assignment.assignment["jobs"].sum())
        assert jobs == 40000  # capacity is ample: everything is matched
        assert cmp.flows_region[col].sum() == jobs
        assert cmp.flows_province[col].sum() == jobs
        assert cmp.site_changes[col].sum() == jobs
    assert cmp.summary["matched_jobs_a"] == cmp.summary["matched_jobs_b"] == 40000
    assert cmp.summary["unmatched_jobs_a"] == cmp.summary["unmatched_jobs_b"] == 0
    assert cmp.summary["demand_jobs_a"] == cmp.summary["demand_jobs_b"] == 40000
    assert list(cmp.flows_region[C.REGION]) == list(C.REGIONS)
    prov = cmp.flows_province.set_index(C.PROVINCE)
    if EXCLUDED in prov.index:
        assert prov.at[EXCLUDED, "jobs_b"] == 0
        assert prov.at[EXCLUDED, "delta"] == -prov.at[EXCLUDED, "jobs_a"]
    assert (cmp.flows_province["delta"] == cmp.flows_province["jobs_b"] - cmp.flows_province["jobs_a"]).all()


def test_share_to_central_and_western(pair: tuple[RunResult, RunResult], cmp: Comparison) -> None:
    for run_, key in zip(pair, ("share_central_western_a", "share_central_western_b"), strict=True):
        assert run_.assignment is not None
        a = run_.assignment.assignment
        region = a["site_id"].map(run_.table.sites[C.REGION])
        expected = a.loc[region.isin([C.CENTRAL, C.WESTERN]), "jobs"].sum() / a["jobs"].sum()
        assert cmp.summary[key] == pytest.approx(expected, abs=1e-4)
    reg = cmp.flows_region.set_index(C.REGION)
    assert reg["share_a"].sum() == pytest.approx(1.0, abs=1e-3)


def test_identical_runs_compare_to_nothing(pair: tuple[RunResult, RunResult]) -> None:
    a, _ = pair
    same = compare(a, a, top=TOP)
    assert set(same.shortlist_changes["status"]) == {"stayed"}
    assert (same.shortlist_changes["rank_move"] == 0).all()
    assert same.score_deltas.empty
    assert (same.flows_province["delta"] == 0).all()
    assert (same.site_changes["mean_score_delta"] == 0).all()


def test_score_deltas_name_their_drivers(base: Base, pair: tuple[RunResult, RunResult]) -> None:
    a, _ = pair
    b = run(base, load_scenario(DATA / "compare_a.yaml").model_copy(update={"weights": {"*": {"wage": 0.0}}}))
    c = compare(a, b, top=TOP)
    assert len(c.score_deltas) > 0
    assert c.score_deltas["drivers"].str.contains("wage").any()
    first = c.score_deltas.groupby("industry")["delta"].apply(lambda d: d.is_monotonic_decreasing)
    assert first.all(), "sorted by delta within each industry"


def test_deterministic_bytes(base: Base, cmp: Comparison) -> None:
    j1, g1 = to_json(cmp), to_geojson(cmp)
    assert to_json(cmp) == j1
    assert to_geojson(cmp) == g1
    again = compare(_run(base, "compare_a.yaml"), _run(base, "compare_b.yaml"), top=TOP)
    assert to_json(again) == j1
    assert to_geojson(again) == g1
    doc = json.loads(j1)
    assert {"summary", "shortlist_changes", "flows_region", "flows_province", "score_deltas", "top"} <= set(doc)


def test_geojson_has_one_feature_per_site(pair: tuple[RunResult, RunResult], cmp: Comparison) -> None:
    a, _ = pair
    doc = json.loads(to_geojson(cmp))
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(a.table.sites)
    by_code = {f["properties"][C.ADCODE]: f["properties"] for f in doc["features"]}
    xian = by_code[610100]
    assert xian["jobs_b"] == 0
    assert xian["leaving"] >= 1
    assert all(f["geometry"] is not None for f in doc["features"])


def test_write_produces_the_files(tmp_path: Path, cmp: Comparison) -> None:
    written = write(cmp, tmp_path / "out")
    names = {p.name for p in written}
    assert names == {
        "compare.json",
        "site_changes.geojson",
        "shortlist_changes.csv",
        "score_deltas.csv",
        "flows_region.csv",
        "flows_province.csv",
    }
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    assert (tmp_path / "out" / "compare.json").read_text(encoding="utf-8") == to_json(cmp)
    changes = pd.read_csv(tmp_path / "out" / "shortlist_changes.csv")
    assert len(changes) == len(cmp.shortlist_changes)
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_written_csv_defuses_formula_like_names(tmp_path: Path, cmp: Comparison) -> None:
    """Site names can come from an uploaded layer: a name a spreadsheet would run is written as text."""
    changes = cmp.shortlist_changes.copy()
    changes[C.NAME_ZH] = '=HYPERLINK("http://x","y")'
    write(dataclasses.replace(cmp, shortlist_changes=changes), tmp_path)
    written = pd.read_csv(tmp_path / "shortlist_changes.csv")
    assert set(written[C.NAME_ZH]) == {'\'=HYPERLINK("http://x","y")'}


def test_text_report(cmp: Comparison) -> None:
    text = to_text(cmp)
    assert "compare_a" in text and "compare_b" in text
    assert "leaving" in text
    assert "西安市" in text
