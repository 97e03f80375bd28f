"""The model: log-scaled sizes, labour reserve, cluster fit, comparative site position, what it takes, rounding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import industry_profile, site_table

from transfer import columns as C
from transfer.cli import main as cli
from transfer.explain import _with_value, explain, site_rank
from transfer.industries import IndustryCatalogue
from transfer.pipeline import Base, RunResult, load_base, run
from transfer.scenarios import Scenario
from transfer.scoring import ScoringOptions, cluster_fit, normalise, robustness, rounded_contributions, score
from transfer.sitetable import _labour_reserve

SITES = [101, 102, 103, 104]
_table = site_table  # four sites 101..104 (tests/helpers.py)


# --- normalisation ------------------------------------------------------------------------------------------------


def test_log_normalisation_by_hand():
    e = np.e
    s = pd.Series([0.0, e - 1, e**2 - 1, e**3 - 1])  # log1p: 0, 1, 2, 3
    assert normalise(s, "max", winsor=0, log=True).tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    # the upper tail is not clipped: with 5 % winsorising only the low end is, so the two largest stay apart
    big = pd.Series([1e4, 2e4, 5e4, 1e5, 1e6, 2e7])
    n = normalise(big, "max", winsor=0.05, log=True)
    assert n.iloc[-1] == 1.0 and n.iloc[-2] < 1.0 and n.is_monotonic_increasing
    # negative values (net in-migration) count as 0
    assert normalise(pd.Series([-5.0, 0.0, e - 1]), "max", winsor=0, log=True).tolist() == [0.0, 0.0, 1.0]


@pytest.fixture(scope="module")
def base() -> Base:
    return load_base()


@pytest.fixture(scope="module")
def res(base: Base) -> RunResult:
    return run(base, Scenario(name="default"), match=False)


def test_top_ten_scores_tell_sites_apart(res: RunResult):
    for ind in ("textiles_garments", "footwear", "electronics_assembly", "furniture"):
        top = res.scores.shortlist(ind, top=10)
        assert top["score"].round(3).nunique() >= 9, ind
        assert top["score"].iloc[0] - top["score"].iloc[-1] > 0.05, ind
        norm = res.scores.normalised_frame(ind).loc[top[C.ADCODE], "labour_pool"]
        assert (norm < 1.0).sum() >= 9, f"{ind}: the labour pool saturates"


def test_labour_exporting_prefectures_now_lead_footwear(res: RunResult):
    top = set(res.scores.shortlist("footwear", top=15)[C.NAME_ZH])
    # 周口, 商丘 (睢县), 邵阳 and 赣州 are labour-exporting prefectures with shoe clusters
    assert {"周口市", "商丘市", "邵阳市", "赣州市"} <= top
    capitals = {"郑州市", "长沙市", "武汉市", "西安市", "合肥市", "南宁市", "太原市", "哈尔滨市"}
    assert len(top & capitals) <= 2


# --- labour reserve and cluster fit ---------------------------------------------------------------------------


def test_labour_reserve_by_hand():
    census = pd.DataFrame(
        {"registered_away_2010": [100.0, -50.0, np.nan], "agri_workers_2020": [10.0, 20.0, 30.0]}, index=[1, 2, 3]
    )
    assert _labour_reserve(census).tolist()[:2] == [110.0, 20.0]  # in-migration counts 0
    assert np.isnan(_labour_reserve(census).iloc[2])  # unknown stays unknown


def test_cluster_fit_same_related_none():
    idx = pd.Index(SITES, name=C.ADCODE)
    clusters = pd.DataFrame({"footwear": [1, 0, 0, 0], "leather_tanning": [0, 2, 0, 0]}, index=idx)
    table = _table({"labour_pool": [1.0, 2.0, 3.0, 4.0]}, clusters)
    cat = IndustryCatalogue(
        profiles=(
            industry_profile("footwear", {"labour_pool": 1.0}),
            industry_profile("leather_tanning", {"labour_pool": 1.0}),
        ),
        relatedness={("footwear", "leather_tanning"): 0.5},
    )
    assert cluster_fit(table, cat, "footwear").tolist() == [1.0, 0.5, 0.0, 0.0]
    assert cluster_fit(table, cat, "leather_tanning").tolist() == [0.5, 1.0, 0.0, 0.0]
    # no cluster layer at all: unknown, not zero
    assert cluster_fit(_table({"labour_pool": [1.0] * 4}), cat, "footwear").isna().all()


def test_relatedness_file_is_valid_and_symmetric(base: Base):
    cat = base.catalogue
    assert cat.related("footwear", "leather_tanning") == cat.related("leather_tanning", "footwear") == 0.5
    assert cat.related("toys", "toys") == 1.0 and cat.related("toys", "biomedicine") == 0.0


# --- site -> industries by comparative position --------------------------------------------------------------


def test_site_profile_by_position_by_hand():
    # "big" gives site 104 a raw 0.45 but it is last of 4; "small" gives it only 0.30 but it is second of 4
    table = _table(
        {
            "labour_pool": [4.0, 3.0, 2.0, 1.0],
            "wage": [4.0, 3.0, 2.0, 1.0],
            "dev_zones": [0.0, 1.0, 0.0, 0.0],
            "policy_support": [0.0, 0.0, 0.0, 0.0],  # no spread: 0.5 everywhere
        }
    )
    cat = IndustryCatalogue(
        profiles=(
            industry_profile("big", {"policy_support": 0.9, "labour_pool": 0.1}),
            industry_profile("small", {"wage": 0.3, "dev_zones": 0.7}),
        ),
    )
    r = score(table, cat, options=ScoringOptions(winsor=0, size_transform="none"))
    assert r.scores.at["big", 104] == pytest.approx(0.45) and r.scores.at["small", 104] == pytest.approx(0.30)
    assert r.site_profile(104, by="score")["industry"].tolist() == ["big", "small"]
    by_pos = r.site_profile(104, by="position")
    assert by_pos["industry"].tolist() == ["small", "big"]
    assert by_pos.iloc[0]["position_rank"] == 2 and by_pos.iloc[0]["percentile"] == round(2 / 3, 3)
    assert by_pos.iloc[1]["position_rank"] == 4 and by_pos.iloc[1]["percentile"] == 0.0


def test_known_cluster_cities_court_their_own_industry(res: RunResult):
    top3 = {site: list(res.scores.site_profile(site, top=3)["industry"]) for site in (450200, 420300, 360700)}
    assert "auto_parts" in top3[450200], top3  # 柳州: 上汽通用五菱
    assert "auto_parts" in top3[420300], top3  # 十堰: 东风
    assert "furniture" in top3[360700], top3  # 赣州: 南康 furniture
    for site in (450200, 420300):
        assert "leather_tanning" not in top3[site] and "bonded_maintenance" not in top3[site]


# --- rounding ---------------------------------------------------------------------------------------------------


def test_rounded_contributions_add_up_exactly():
    rng = np.random.default_rng(7)
    for _ in range(500):
        c = rng.dirichlet(np.ones(16)) * rng.uniform(0.2, 1.0)
        parts = rounded_contributions(c, [str(i) for i in range(16)])
        assert round(sum(parts.values()), 4) == round(round(c.sum() * 1e4) / 1e4, 4)
        assert min(parts.values()) >= 0


def test_printed_contributions_sum_to_printed_score_everywhere(res: RunResult, tmp_path, capsys):
    for ind in ("textiles_garments", "electronics_assembly"):
        top = res.scores.shortlist(ind, top=10)
        for score_, parts in zip(top["score"], top["contributions"], strict=True):
            assert round(sum(parts.values()), 4) == score_
    assert cli(["shortlist", "--industry", "footwear", "--top", "5", "--format", "json"]) == 0
    for rec in json.loads(capsys.readouterr().out):
        assert round(sum(rec["contributions"].values()), 4) == rec["score"]


# --- robustness ---------------------------------------------------------------------------------------------------


def test_robustness_respects_missing_exclude(base: Base):
    scn = Scenario.model_validate({"name": "x", "constraints": {"missing": "exclude"}})
    r = run(base, scn, match=False).scores
    ind = "leather_tanning"  # eco_pressure is unknown for most sites
    share = robustness(r, ind, k=10, concentration=1e7, n_draws=20)
    top = set(r.shortlist(ind, top=10)[C.ADCODE])
    assert set(share[share > 0.5].index) == top


# --- what it takes ----------------------------------------------------------------------------------------------


def test_what_it_takes_by_hand():
    table = _table({"labour_pool": [100.0, 200.0, 300.0, 400.0], "wage": [1.0, 1.0, 1.0, 1.0]})
    cat = IndustryCatalogue(profiles=(industry_profile("a", {"labour_pool": 1.0}),))
    r = score(table, cat, options=ScoringOptions(winsor=0, size_transform="none"))
    ex = explain(table, r, cat, "a", 101, top_k=2)
    assert ex.rank == 4 and ex.single_change_possible
    lever = next(lv for lv in ex.what_it_takes if lv.criterion == "labour_pool")
    assert lever.feasible and lever.new_rank is not None and lever.new_rank <= 2
    # 300 ties the second site; the smallest whole-thousand step above it in persons is 1,000
    assert lever.needed == 1000.0 and lever.change == 900.0


@pytest.mark.parametrize("industry", ["footwear", "electronics_assembly", "auto_parts"])
def test_suggested_change_applied_brings_the_site_into_the_top_k(base: Base, res: RunResult, industry):
    site = int(res.scores.shortlist(industry, top=12)[C.ADCODE].iloc[-1])  # 12th: close to the top 10
    ex = explain(res.table, res.scores, base.catalogue, industry, site, top_k=10)
    assert ex.rank == 12
    feasible = [lv for lv in ex.what_it_takes if lv.feasible]
    assert feasible, [lv.note for lv in ex.what_it_takes]
    for lv in feasible:
        changed = _with_value(res.table, site, lv.criterion, float(lv.needed), industry)
        again = score(changed, base.catalogue, industries=[industry], options=res.scores.options)
        rank, _ = site_rank(again, industry, site)
        assert rank is not None and rank <= 10, lv
        assert rank == lv.new_rank


def test_explain_cli_table_and_json(capsys):
    assert cli(["explain", "--industry", "footwear", "--site", "郑州", "--top", "10"]) == 0
    out = capsys.readouterr().out
    assert "what it takes" in out and "rank" in out
    assert cli(["explain", "--industry", "footwear", "--site", "410100", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["industry"] == "footwear" and d["site"] == 410100 and "what_it_takes" in d
    with pytest.raises(SystemExit) as refused:  # the parser refuses it before anything is computed
        cli(["explain", "--industry", "footwear", "--site", "郑州", "--top", "0"])
    assert refused.value.code == 2


def test_explain_names_the_rule_that_excludes(base: Base, res: RunResult):
    # 周口 has no comprehensive bonded zone: electronics assembly needs one
    ex = explain(res.table, res.scores, base.catalogue, "electronics_assembly", 411600, top_k=10)
    assert not ex.eligible and ex.exclusions
    bonded = next(lv for lv in ex.what_it_takes if lv.criterion == "bonded_zone")
    assert "综合保税区" in bonded.note


def test_site_cli_shows_position(capsys):
    assert cli(["site", "--site", "柳州", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "position" in out and "/" in out


def test_with_value_does_not_modify_the_input(res: RunResult):
    before = res.table.values.copy()
    _with_value(res.table, 410100, "labour_pool", 1.0, "footwear")
    _with_value(res.table, 410100, "bonded_zone", 1.0, "footwear")
    pd.testing.assert_frame_equal(res.table.values, before)


def test_a_firms_own_origin_moves_its_scores(base: Base, tmp_path):
    from transfer.pipeline import load_firms

    f = tmp_path / "firms.csv"
    f.write_text("name,industry,origin,jobs\nA鞋厂,footwear,东莞,800\nB鞋厂,footwear,苏州,800\n", encoding="utf-8")
    r = run(base, Scenario(name="x"), firms=load_firms(f, base.catalogue, base.layers))
    s = r.demand_scores
    assert s.at["B鞋厂", 340800] > s.at["A鞋厂", 340800]  # 安庆 is closer to 苏州
    assert s.at["A鞋厂", 431100] > s.at["B鞋厂", 431100]  # 永州 is closer to 东莞
    a = r.assignment
    assert a is not None and set(a.assignment["demand_id"]) == {"A鞋厂", "B鞋厂"}
    assert a.assignment.groupby("demand_id")["site_id"].nunique().max() == 1  # each firm wholly at one site
