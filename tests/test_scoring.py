"""Scoring on a hand-checkable fixture: 3 industries x 4 sites, plus the site table on the default data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import industry_profile

from transfer import columns as C
from transfer.errors import ScenarioError, UnknownNameError
from transfer.i18n import render_reason
from transfer.industries import CRITERION_IDS, IndustryCatalogue
from transfer.matching import match_tables
from transfer.scoring import Reason, ScoringOptions, normalise, robustness, score
from transfer.sitetable import SiteTable, build_site_table

SITES = [101, 102, 103, 104]


@pytest.fixture()
def catalogue() -> IndustryCatalogue:
    return IndustryCatalogue(
        profiles=(
            # A: labour only
            industry_profile("a_labour", {"labour_pool": 1.0}),
            # B: half wage, half bonded zone, needs a comprehensive bonded zone
            industry_profile("b_bonded", {"wage": 1.0, "bonded_zone": 1.0}, needs_bonded_zone=True),
            # C: a 两高一资 industry that cares about ecological pressure and labour
            industry_profile(
                "c_heavy",
                {"labour_pool": 3.0, "eco_pressure": 1.0},
                two_high_one_resource=True,
                env_class="two_high",
            ),
        )
    )


@pytest.fixture()
def table() -> SiteTable:
    idx = pd.Index(SITES, name=C.ADCODE)
    values = pd.DataFrame(
        {
            "labour_pool": [100.0, 200.0, 300.0, 500.0],  # min-max: 0, .25, .5, 1
            "wage": [50.0, 40.0, 30.0, 30.0],  # lower is better: 0, .5, 1, 1
            "bonded_zone": [1.0, 0.0, 2.0, 0.0],  # 0.5, 0, 1, 0
            "eco_pressure": [0.0, 0.5, np.nan, 0.2],  # lower better: 1, 0, unknown, .6
            "policy_support": [0.0, 0.0, 0.0, 0.0],
            "dev_zones": [np.nan] * 4,
            "sea_cost": [np.nan] * 4,
            "crex_time": [np.nan] * 4,
            "air_time": [np.nan] * 4,
            "market_access": [np.nan] * 4,
        },
        index=idx,
    )
    sites = pd.DataFrame(
        {
            C.NAME_ZH: ["甲", "乙", "丙", "丁"],
            C.NAME_EN: ["A", "B", "C", "D"],
            C.PROVINCE: ["河南省", "河南省", "湖北省", "湖北省"],
            C.PROVINCE_ADCODE: [410000, 410000, 420000, 420000],
            C.REGION: [C.CENTRAL] * 4,
            "has_full_bonded_zone": [True, False, True, False],
            "eco_share": [0.0, 0.5, np.nan, 0.2],
        },
        index=idx,
    )
    return SiteTable(sites=sites, values=values, origin_costs=pd.DataFrame(index=idx))


def test_normalise_by_hand():
    s = pd.Series([100.0, 200.0, 300.0, 500.0])
    assert normalise(s, "max", winsor=0).tolist() == [0.0, 0.25, 0.5, 1.0]
    assert normalise(s, "min", winsor=0).tolist() == [1.0, 0.75, 0.5, 0.0]
    assert normalise(pd.Series([3.0, 3.0, np.nan]), "max", winsor=0).iloc[:2].tolist() == [0.5, 0.5]
    assert np.isnan(normalise(pd.Series([3.0, 3.0, np.nan]), "max", winsor=0).iloc[2])


def test_scores_and_contributions_by_hand(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, size_transform="none"))
    # A = labour_pool normalised
    assert r.scores.loc["a_labour"].tolist() == pytest.approx([0.0, 0.25, 0.5, 1.0])
    # B = 0.5 * wage + 0.5 * bonded_zone
    assert r.scores.loc["b_bonded"].tolist() == pytest.approx([0.25, 0.25, 1.0, 0.5])
    # C = 0.75 * labour + 0.25 * eco; site 103 eco unknown -> neutral 0.5
    assert r.scores.loc["c_heavy"].tolist() == pytest.approx([0.25, 0.1875, 0.5, 0.9])
    # contributions add up to the score, per pair
    for ind in r.industries:
        contrib = r.contributions_frame(ind)
        assert list(contrib.columns) == list(CRITERION_IDS)
        np.testing.assert_allclose(contrib.sum(axis=1).to_numpy(), r.scores.loc[ind].to_numpy())
    c = r.contributions_frame("c_heavy")
    assert c.loc[104, "labour_pool"] == pytest.approx(0.75)
    assert c.loc[104, "eco_pressure"] == pytest.approx(0.25 * 0.6)


def test_missing_exclude_renormalises(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, missing="exclude", size_transform="none"))
    # site 103 has no eco value: C's score there is labour alone (weight renormalised to 1)
    assert r.scores.at["c_heavy", 103] == pytest.approx(0.5)
    np.testing.assert_allclose(r.contributions_frame("c_heavy").sum(axis=1), r.scores.loc["c_heavy"])


def test_eligibility_with_reasons(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, eco_restricted_share=1 / 3))
    assert r.eligible.loc["b_bonded"].tolist() == [True, False, True, False]
    assert "comprehensive bonded zone" in r.reasons[("b_bonded", 102)][0]
    # 两高一资 banned where half the counties are in key ecological function zones; unknown is allowed by default
    assert r.eligible.loc["c_heavy"].tolist() == [True, False, True, True]
    assert "two-high, one-resource" in r.reasons[("c_heavy", 102)][0]
    assert "两高一资" in r.explain("c_heavy", 102, lang="zh")[0]
    strict = score(table, catalogue, options=ScoringOptions(winsor=0, eco_unknown_blocks_two_high=True))
    assert not strict.eligible.at["c_heavy", 103]
    assert "unknown" in strict.reasons[("c_heavy", 103)][0]
    excl = score(table, catalogue, options=ScoringOptions(exclude_provinces=("湖北省",)))
    assert excl.eligible.loc["a_labour"].tolist() == [True, True, False, False]
    assert "湖北省" in excl.reasons[("a_labour", 103)][0]


def test_reasons_are_data_until_rendered(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, size_transform="none"))
    # b_bonded at 102: no comprehensive bonded zone (excluded) and the weakest weighted criterion
    reasons = r.reasons_for("b_bonded", 102)
    assert [(x.kind, x.code, x.criterion) for x in reasons] == [
        ("excluded", "needs_bonded_zone", "bonded_zone"),
        ("weakness", "poor", "bonded_zone"),
    ]
    assert reasons[1].values == {"norm": 0.0, "weight": 0.5}
    assert r.exclusions[("b_bonded", 102)] == (reasons[0],)
    # b_bonded at 103: the best site on both criteria, two strengths with the numbers behind them
    best = r.reasons_for("b_bonded", 103)
    assert sorted((x.kind, x.criterion) for x in best) == [("strength", "bonded_zone"), ("strength", "wage")]
    assert best[0].values == pytest.approx({"norm": 1.0, "weight": 0.5, "contrib": 0.5})
    # c_heavy at 103: its ecological value is unknown
    unknown = [x for x in r.reasons_for("c_heavy", 103) if x.kind == "unknown"]
    assert unknown == [Reason("unknown", "unknown", None, {"criteria": ("eco_pressure",), "missing": "neutral"})]
    # explain() is the rendered list, in either language
    for lang in ("en", "zh"):
        assert r.explain("b_bonded", 102, lang=lang) == [render_reason(x, lang) for x in reasons]
    assert sorted(r.explain("b_bonded", 103)) == [
        "good bonded zone (1.00 × weight 0.50 = +0.500)",
        "good wage level (1.00 × weight 0.50 = +0.500)",
    ]
    assert "工资水平较优（1.00 × 权重 0.50 = +0.500）" in r.explain("b_bonded", 103, lang="zh")
    assert r.reasons[("b_bonded", 102)] == (render_reason(reasons[0], "en"),)


def test_limit_reasons_keep_raw_values_and_render_units(table):
    values = table.values.assign(crex_time=[10.0, 31.46, np.nan, 5.0], sea_cost=[7000.0, 9000.4, np.nan, 100.0])
    limited = IndustryCatalogue(
        profiles=(industry_profile("d_far", {"labour_pool": 1.0}, max_crex_time_h=30, max_sea_cost_cny_teu=8000),)
    )
    r = score(SiteTable(sites=table.sites, values=values, origin_costs=table.origin_costs), limited)
    assert r.eligible.loc["d_far"].tolist() == [True, False, False, True]
    far = r.exclusions[("d_far", 102)]
    assert [(x.code, x.criterion, dict(x.values)) for x in far] == [
        ("crex_limit", "crex_time", {"got": 31.46, "limit": 30.0}),
        ("sea_limit", "sea_cost", {"got": 9000.4, "limit": 8000.0}),
    ]
    assert r.reasons[("d_far", 102)] == (
        "excluded: China-Europe Railway Express centre 31.5 h away (limit 30 h)",
        "excluded: sea gateway cost 9,000 CNY/TEU (limit 8,000)",
    )
    # unknown values are None, written "?"
    assert [x.values["got"] for x in r.exclusions[("d_far", 103)]] == [None, None]
    assert render_reason(r.exclusions[("d_far", 103)][0], "zh") == "排除：距中欧班列集结中心?（上限30小时）"
    assert render_reason(r.exclusions[("d_far", 103)][1], "en") == "excluded: sea gateway cost ? (limit 8,000)"


def test_shortlists_both_ways(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, size_transform="none"))
    sl = r.shortlist("b_bonded", top=3)
    assert sl[C.ADCODE].tolist() == [103, 101]  # only the two eligible sites
    assert sl["rank"].tolist() == [1, 2]
    assert all(isinstance(x, list) for x in sl["reasons"])
    assert sum(sl.iloc[0]["contributions"].values()) == pytest.approx(sl.iloc[0]["score"], abs=1e-3)
    full = r.shortlist("b_bonded", top=4, eligible_only=False)
    assert not full.set_index(C.ADCODE).at[102, "eligible"]
    prof = r.site_profile(104)
    # eligible industries first: a_labour (1.0) and c_heavy (0.9); b_bonded (ineligible) last
    assert prof["industry"].tolist() == ["a_labour", "c_heavy", "b_bonded"]
    assert prof.iloc[-1]["reasons"][0].startswith("excluded")
    with pytest.raises(UnknownNameError, match="unknown industry 'b_bond'"):
        r.shortlist("b_bond")


def test_weight_overrides(table, catalogue):
    r = score(
        table, catalogue, weights={"a_labour": {"wage": 1.0}}, options=ScoringOptions(winsor=0, size_transform="none")
    )
    # now half labour, half wage
    assert r.scores.loc["a_labour"].tolist() == pytest.approx([0.0, 0.375, 0.75, 1.0])
    with pytest.raises(ScenarioError, match=r"unknown criterion 'wages' \(did you mean 'wage'\?\)"):
        score(table, catalogue, weights={"*": {"wages": 1.0}})
    with pytest.raises(ScenarioError, match="negative"):
        score(table, catalogue, weights={"*": {"wage": -1.0}})


def test_capacity_forces_second_choice_and_unmatched(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, size_transform="none"))
    demand = pd.Series({"a_labour": 100, "b_bonded": 50})
    capacity = pd.Series({101: 0, 102: 80, 103: 30, 104: 60})
    a = match_tables(r.scores.loc[demand.index], demand, capacity, eligible=r.eligible.loc[demand.index])
    got = a.assignment.set_index(["demand_id", "site_id"])["jobs"].to_dict()
    # b_bonded may only use 101 (capacity 0) and 103 (30): 30 matched, 20 unmatched
    assert got[("b_bonded", 103)] == 30
    assert a.unmatched.set_index("demand_id")["jobs"].to_dict() == {"b_bonded": 20}
    # a_labour's best site 104 holds 60, the remaining 40 go to its next choice 102 (103 is full)
    assert got[("a_labour", 104)] == 60
    assert got[("a_labour", 102)] == 40


def test_robustness_is_seeded_and_bounded(table, catalogue):
    r = score(table, catalogue, options=ScoringOptions(winsor=0, size_transform="none"))
    rb1 = robustness(r, "c_heavy", k=1, n_draws=100, seed=3)
    rb2 = robustness(r, "c_heavy", k=1, n_draws=100, seed=3)
    pd.testing.assert_series_equal(rb1, rb2)
    assert rb1.between(0, 1).all()
    assert rb1.loc[102] == 0  # ineligible never counts
    assert rb1.loc[104] > 0.9  # 104 leads clearly
    # a single-criterion industry cannot change its ranking under weight noise
    rb = robustness(r, "a_labour", k=2, n_draws=50, seed=1)
    assert rb.loc[[103, 104]].tolist() == [1.0, 1.0]


# --- the default data ------------------------------------------------------------------------------------------


def test_site_table_on_default_data(layers):
    t = build_site_table(layers)
    assert t.values.index.equals(pd.Index(layers.sites[C.ADCODE]))
    assert set(t.values.columns) >= {"bonded_zone", "labour_pool", "wage", "policy_support", "eco_pressure"}
    # without accessibility every logistics criterion is unknown, and a note says so
    assert t.values["sea_cost"].isna().all()
    assert any("accessibility not computed" in n for n in t.notes)
    zz = t.sites.loc[410100]  # Zhengzhou has a comprehensive bonded zone
    assert bool(zz["has_full_bonded_zone"]) and t.values.at[410100, "bonded_zone"] >= 1
    for crit in ("bonded_zone", "labour_pool", "wage", "sea_cost", "origin_cost"):
        assert crit in t.provenance
