"""Tests for transfer.evaluation: the index system file, AHP, entropy/CRITIC weights, TOPSIS, rank agreement, the
monitoring template round trip and the base-year normalisation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from transfer import columns as C
from transfer.evaluation import (
    EvaluationError,
    compare,
    compare_methods,
    entropy_weights,
    equal_weights,
    evaluate,
    load_index,
    parse_ahp,
    parse_index,
    rank_agreement,
    topsis,
    weighted_sum,
)
from transfer.evaluation.index import DEFAULT_INDEX_PATH
from transfer.evaluation.monitoring import DATA_SHEET, census_series, evaluate_years, read_template, template_xlsx
from transfer.evaluation.report import report_html, report_xlsx, wide_ranks
from transfer.sitetable import build_site_table
from transfer.workspace import Workspace
from transfer.workspace.monitoring import load_monitoring, monitoring_years, save_monitoring

INDEX_TEXT = DEFAULT_INDEX_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def system():
    return load_index()


@pytest.fixture(scope="module")
def table(base):
    return build_site_table(base.layers, base.access)


SITES = pd.DataFrame(
    {
        C.ADCODE: [450200, 410100, 500000],
        C.NAME_ZH: ["柳州市", "郑州市", "重庆市"],
        C.NAME_EN: ["Liuzhou", "Zhengzhou", "Chongqing"],
        C.PROVINCE: ["广西壮族自治区", "河南省", "重庆市"],
    }
)


# --- the index system file ------------------------------------------------------------------------------------------


def test_default_index_follows_the_guidance_headings(system):
    assert [h.name_zh for h in system.headings] == [
        "区位与交通",
        "产业基础与配套",
        "要素成本与劳动力",
        "开放平台与海关特殊监管区域",
        "政策环境",
        "生态约束",
    ]
    assert all(h.name_en and all(s.name_zh and s.name_en for s in h.children) for h in system.headings)
    # the thin headings say so in the file
    policy = next(h for h in system.headings if h.id == "policy_environment")
    assert "designations only" in policy.note


def test_unknown_criterion_names_line_and_closest(system):
    text = INDEX_TEXT.replace("criteria: [labour_pool, labour_reserve]", "criteria: [labour_pol, labour_reserve]")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "labour_pol," in t)
    with pytest.raises(EvaluationError, match=rf"x.yaml, line {line}: .*'labour_pol'.*did you mean 'labour_pool'"):
        parse_index(text, where="x.yaml")


def test_unknown_key_and_duplicate_criterion():
    with pytest.raises(EvaluationError, match=r"unknown key 'headings.0.nmae_zh'.*did you mean 'name_zh'"):
        parse_index(INDEX_TEXT.replace("    name_zh: 区位与交通", "    nmae_zh: 区位与交通"), where="x.yaml")
    twice = INDEX_TEXT.replace("criteria: [industrial_base]", "criteria: [industrial_base, sea_cost]")
    with pytest.raises(EvaluationError, match=r"'sea_cost' is listed under 'sea_access' and again"):
        parse_index(twice, where="x.yaml")


def test_a_sub_heading_without_criteria_must_say_why():
    text = INDEX_TEXT.replace("        criteria: [policy_support]\n", "")
    with pytest.raises(EvaluationError, match=r"'designations' has no criteria; say why"):
        parse_index(text, where="x.yaml")


def test_unavailable_criteria_are_reported_not_dropped(system, table):
    ev = evaluate(table, system)
    assert set(ev.unavailable) == {"origin_cost", "cluster_fit"}
    assert "cluster_support" in ev.empty
    assert any("origin_cost" in n for n in ev.notes)
    assert set(ev.weights.index) == set(system.criteria) - {"origin_cost", "cluster_fit"}
    assert ev.weights.sum() == pytest.approx(1.0)


# --- AHP ------------------------------------------------------------------------------------------------------------

# Saaty, T.L. (2008), 'Decision making with the analytic hierarchy process', Int. J. Services Sciences 1(1), 83-98:
# the relative consumption of drinks in the United States. Saaty reports the derived priorities coffee .177, wine
# .019, tea .042, beer .116, sodas .190, milk .129, water .327 and a consistency ratio of 0.022.
DRINKS = ("coffee", "wine", "tea", "beer", "sodas", "milk", "water")
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_ahp_matches_saaty_drinks_example():
    js = {(a, b): DRINKS_MATRIX[i][j] for i, a in enumerate(DRINKS) for j, b in enumerate(DRINKS) if i < j}
    comp = compare(DRINKS, js)
    expected = {"coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116, "sodas": 0.190, "milk": 0.129}
    expected["water"] = 0.327
    for k, v in expected.items():
        assert comp.weights[k] == pytest.approx(v, abs=6e-4)
    assert comp.cr == pytest.approx(0.022, abs=6e-4)


AHP_OK = (
    "ahp: {criteria: [labour_pool, wage, sea_cost], "
    "judgements: [[labour_pool, wage, 3], [wage, sea_cost, 2], [labour_pool, sea_cost, 5]]}\n"
)


def test_ahp_file_weights(system):
    res = parse_ahp(AHP_OK, system)
    # a nearly consistent 3x3 matrix (3 x 2 = 6 vs 5): weights near 0.65 / 0.23 / 0.12
    assert res.weights["labour_pool"] > res.weights["wage"] > res.weights["sea_cost"]
    assert sum(res.weights.values()) == pytest.approx(1.0)
    assert res.comparisons[0].cr < 0.1


def test_inconsistent_ahp_names_the_worst_judgement(system):
    text = "ahp:\n  criteria: [labour_pool, wage, sea_cost]\n  judgements:\n"
    text += "    - [labour_pool, wage, 3]\n    - [wage, sea_cost, 9]\n    - [sea_cost, labour_pool, 5]\n"
    with pytest.raises(EvaluationError, match=r"line \d+: .*inconsistent \(consistency ratio \d\.\d+ > 0\.1\).*least"):
        parse_ahp(text, system, where="a.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("[labour_pool, wage, 3]", "ok"),
        ("[labour_pool, wage, 12]", r"line 1: judgement \[labour_pool, wage, 12\] is outside Saaty's scale"),
        ("[labour_pool, wage, 0.1]", r"outside Saaty's scale 1/9..9"),
        ("[labour_pool, wage, high]", r"judgement \[labour_pool, wage, 'high'\] is not a number"),
        ("[labour_pool, wages, 3]", r"names 'wages'.*did you mean 'wage'"),
        ("[labour_pool, sea_cost, 3]", r"pair labour_pool / sea_cost is judged twice"),
    ],
)
def test_ahp_judgement_errors(system, change, message):
    text = AHP_OK.replace("[labour_pool, wage, 3]", change)
    if message == "ok":
        parse_ahp(text, system)
        return
    with pytest.raises(EvaluationError, match=message):
        parse_ahp(text, system, where="a.yaml")


def test_ahp_missing_pair_and_unknown_criterion(system):
    missing = AHP_OK.replace(", [labour_pool, sea_cost, 5]", "")
    with pytest.raises(EvaluationError, match=r"1 pair\(s\) are not judged: labour_pool / sea_cost"):
        parse_ahp(missing, system)
    with pytest.raises(EvaluationError, match=r"unknown criterion 'labor_pool'.*did you mean 'labour_pool'"):
        parse_ahp(AHP_OK.replace("criteria: [labour_pool", "criteria: [labor_pool"), system)


GROUP = """ahp:
  criteria: [location_transport, factor_costs_labour, open_platforms]
  participants:
    - name: A
      judgements: [[location_transport, factor_costs_labour, 1], [location_transport, open_platforms, 3],
                   [factor_costs_labour, open_platforms, 3]]
    - name: B
      judgements: [[location_transport, factor_costs_labour, 0.5], [location_transport, open_platforms, 2],
                   [factor_costs_labour, open_platforms, 4]]
  levels:
    factor_costs_labour:
      criteria: [labour_supply, labour_cost]
      judgements: [[labour_supply, labour_cost, 2]]
"""


def test_group_ahp_geometric_mean_and_spread(system):
    res = parse_ahp(GROUP, system)
    top = res.comparisons[0]
    # the group's judgement of the first pair is the geometric mean sqrt(1 x 0.5)
    a = top.participants["A"]["weights"]
    assert a["location_transport"] == pytest.approx(3 / 7)  # A is consistent: 3 : 3 : 1
    b = top.participants["B"]["weights"]
    assert b["factor_costs_labour"] == pytest.approx(4 / 7)  # B is consistent: 2 : 4 : 1
    spread = top.spread["location_transport"]
    assert spread["min"] == pytest.approx(2 / 7) and spread["max"] == pytest.approx(3 / 7)
    # nested level: labour supply twice labour cost, its criteria split equally
    w = res.weights
    assert w["labour_pool"] == pytest.approx(w["labour_reserve"])
    assert w["labour_pool"] == pytest.approx(2 * w["wage"])
    assert "labour_quality" not in w  # not compared under factor_costs_labour: it gets no weight
    assert sum(w.values()) == pytest.approx(1.0)


# --- weights from the data and methods ------------------------------------------------------------------------------


def test_entropy_weights_by_hand():
    # c1 = [1, 0, 0.5]: p = [2/3, 0, 1/3], e = -(2/3 ln 2/3 + 1/3 ln 1/3) / ln 3 = 0.636514 / 1.098612 = 0.579380
    # c2 = [1, 1, 0]:   p = [1/2, 1/2, 0], e = ln 2 / ln 3 = 0.630930
    # d = 1 - e = [0.420620, 0.369070]; w = d / 0.789690 = [0.53264, 0.46736]
    m = pd.DataFrame({"c1": [1.0, 0.0, 0.5], "c2": [1.0, 1.0, 0.0]})
    w = entropy_weights(m)
    assert w["c1"] == pytest.approx(0.53264, abs=1e-5)
    assert w["c2"] == pytest.approx(0.46736, abs=1e-5)


def test_topsis_and_weighted_sum_by_hand():
    # columns already span 0..1, so pymcdm's min-max normalisation leaves them; weights 0.6 / 0.4
    # weighted: A (0.6, 0), B (0, 0.4), C (0.3, 0.2); ideal (0.6, 0.4), anti-ideal (0, 0)
    # A: D+ = 0.4, D- = 0.6 -> 0.6; B: D+ = 0.6, D- = 0.4 -> 0.4; C: D+ = D- = sqrt(0.13) -> 0.5
    m = pd.DataFrame({"x": [1.0, 0.0, 0.5], "y": [0.0, 1.0, 0.5]}, index=["A", "B", "C"])
    w = pd.Series({"x": 0.6, "y": 0.4})
    assert topsis(m, w).to_dict() == pytest.approx({"A": 0.6, "B": 0.4, "C": 0.5})
    # weighted sum, an unknown value counts 0.5: A = 0.6, B = 0.4, C (NaN, 0.5) = 0.3 + 0.2 = 0.5
    m.loc["C", "x"] = np.nan
    assert weighted_sum(m, w).to_dict() == pytest.approx({"A": 0.6, "B": 0.4, "C": 0.5})


def test_rank_agreement_by_hand():
    # one swapped pair among four: Kendall (5 - 1) / 6 = 0.6667; Spearman 1 - 6 x 2 / (4 x 15) = 0.8
    r = rank_agreement(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 4, 3]}))
    assert r.loc[0, "kendall_tau"] == pytest.approx(2 / 3)
    assert r.loc[0, "spearman_rho"] == pytest.approx(0.8)


def test_equal_weights_are_equal_at_every_level(system, table):
    w = equal_weights(system, [c for c in system.criteria if c in table.values.columns])
    assert w.sum() == pytest.approx(1.0)
    # six headings with data: 生态约束 has one criterion, so it alone carries 1/6
    assert w["eco_pressure"] == pytest.approx(1 / 6)
    # 区位与交通: three sub-headings, the second split over two criteria
    assert w["sea_cost"] == pytest.approx(1 / 18) and w["crex_time"] == pytest.approx(1 / 36)


def test_wsum_uses_the_matchers_normalisation(system, table, base):
    from transfer.scoring import score

    ev = evaluate(table, system)
    res = score(table, base.catalogue)
    # the normalised values are the matcher's for the same criterion
    for crit in ("labour_pool", "wage", "bonded_zone"):
        k = res.criteria.index(crit)
        mine = ev.normalised[crit].to_numpy()
        theirs = res.normalised[0, :, k]
        assert np.allclose(np.nan_to_num(mine, nan=-1), np.nan_to_num(theirs, nan=-1))
    assert ev.table["rank"].tolist() == sorted(ev.table["rank"].tolist())
    assert len(ev.table) == len(table.values)


def test_method_comparison(system, table):
    cmp = compare_methods(evaluate(table, system))
    assert set(zip(cmp.agreement["a"], cmp.agreement["b"], strict=True)) == {
        ("wsum", "topsis"),
        ("wsum", "vikor"),
        ("topsis", "vikor"),
    }
    assert (cmp.agreement["kendall_tau"].between(-1, 1)).all()
    top = cmp.most_different.iloc[0]
    ranks = [top["rank_wsum"], top["rank_topsis"], top["rank_vikor"]]
    assert top["rank_range"] == max(ranks) - min(ranks) == cmp.ranks["rank_range"].max()


# --- monitoring -----------------------------------------------------------------------------------------------------


def _filled_template(system, tmp_path: Path, rows: dict[int, list[object]]) -> Path:
    """The template for SITES with the given cells (row number -> values from column D on)."""
    path = tmp_path / "t.xlsx"
    path.write_bytes(template_xlsx(system, SITES, year=2024))
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r, values in rows.items():
        for k, v in enumerate(values):
            ws.cell(row=r, column=4 + k, value=v)
    wb.save(path)
    return path


def test_template_round_trip(system, tmp_path):
    path = _filled_template(system, tmp_path, {3: [120.5, 3000, 12, 4, 88000], 5: [None, 100]})
    ws = load_workbook(path)[DATA_SHEET]
    assert ws["A1"].value == "年份" and ws["D1"].value.startswith("加工贸易进出口额")
    assert ws["D2"].value.startswith("Processing-trade imports and exports")
    values = read_template(path, system, SITES)
    got = {(r.adcode, r.indicator): r.value for r in values.itertuples()}
    assert got == {
        (450200, "processing_trade_value"): 120.5,
        (450200, "processing_trade_jobs"): 3000,
        (450200, "processing_trade_firms"): 12,
        (450200, "relocated_projects"): 4,
        (450200, "relocated_investment"): 88000,
        (500000, "processing_trade_jobs"): 100,
    }
    assert set(values["year"]) == {2024}
    assert values["source"].str.contains(DATA_SHEET).all()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({3: ["a lot"]}, r"row 3, column D: 加工贸易进出口额 is 'a lot', not a number"),
        ({4: [None, -5]}, r"row 4, column E: 加工贸易从业人数 is negative"),
        ({3: ["inf"]}, r"row 3, column D: .* not a finite number"),
    ],
)
def test_template_cell_errors(system, tmp_path, cells, message):
    path = _filled_template(system, tmp_path, cells)
    with pytest.raises(EvaluationError, match=message):
        read_template(path, system, SITES)


def test_template_site_and_sheet_errors(system, tmp_path):
    path = _filled_template(system, tmp_path, {})
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    ws["B4"] = 450201
    wb.save(path)
    with pytest.raises(EvaluationError, match=r"row 4, column B \(行政区划代码\): unknown site '450201'"):
        read_template(path, system, SITES)
    ws["B4"] = 450200  # 柳州 twice for 2024
    wb.save(path)
    with pytest.raises(EvaluationError, match=r"row 4: site 450200 has a second row for 2024 \(first in row 3\)"):
        read_template(path, system, SITES)
    ws.title = "Sheet1"
    wb.save(path)
    with pytest.raises(EvaluationError, match=r"no sheet '监测数据'; the file has 'Sheet1'"):
        read_template(path, system, SITES)


def _series(rows):
    return pd.DataFrame(rows, columns=["year", C.ADCODE, "indicator", "value", "source"])


def test_base_year_normalisation(system):
    # base year 2010: 0, 50, 100 jobs -> 0, 0.5, 1 (winsor 0); 2020 is scaled with 2010's bounds, not its own:
    # 50 -> 0.5, 100 -> 1, 150 -> 1 (clipped to the base year's range); refitting 2020 would give 0, 0.5 ... instead
    rows = [(2010, a, "processing_trade_jobs", v, "test") for a, v in zip(SITES[C.ADCODE], (0, 50, 100), strict=True)]
    rows += [
        (2020, a, "processing_trade_jobs", v, "test") for a, v in zip(SITES[C.ADCODE], (50, 100, 150), strict=True)
    ]
    y = evaluate_years(_series(rows), system, SITES, base_year=2010, winsor=0)
    s = y.scores.set_index(["year", C.ADCODE])["score"]
    assert [s[(2010, a)] for a in SITES[C.ADCODE]] == [0.0, 0.5, 1.0]
    assert [s[(2020, a)] for a in SITES[C.ADCODE]] == [0.5, 1.0, 1.0]
    ch = y.scores[y.scores["year"] == 2020].set_index(C.ADCODE)
    assert ch.loc[450200, "rank_change"] == 3 - 3 and ch.loc[410100, "rank_change"] == 1 - 2
    assert ch.loc[450200, "score_change"] == pytest.approx(0.5)


def test_a_base_year_without_values_is_refused(system):
    rows = [(2020, 450200, "processing_trade_jobs", 1.0, "test")]
    with pytest.raises(EvaluationError, match=r"base year 2010 has no values; years with values: 2020"):
        evaluate_years(_series(rows), system, SITES, base_year=2010)


def test_census_series_is_the_default_two_years(system, layers):
    v = census_series(layers.census, system)
    assert set(v["year"]) == {2010, 2020}
    census = layers.census.set_index(C.ADCODE)
    row = v[(v["year"] == 2010) & (v[C.ADCODE] == 450200)].iloc[0]
    assert row["value"] == float(census.loc[450200, "resident_2010"])
    assert "census.csv" in row["source"]
    sites = pd.DataFrame(layers.sites.drop(columns="geometry"))
    y = evaluate_years(v, system, sites)
    assert y.base_year == 2010 and y.years == (2010, 2020)
    wide = wide_ranks(y)
    assert {"rank_2010", "rank_2020", "rank_change"} <= set(wide.columns)
    html = report_html(y, system, top=5)
    assert "<script" not in html and "年度监测评价" in html
    xlsx = report_xlsx(y, system)
    assert xlsx[:2] == b"PK"


def test_report_html_escapes_names(system):
    sites = SITES.assign(**{C.NAME_ZH: ["<script>alert(1)</script>", "郑州市", "重庆市"]})
    rows = [
        (2010, a, "processing_trade_jobs", v, "<b>src</b>") for a, v in zip(SITES[C.ADCODE], (1, 2, 3), strict=True)
    ]
    html = report_html(evaluate_years(_series(rows), system, sites), system)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "&lt;b&gt;src" in html


def test_workspace_stores_monitoring_years(tmp_path):
    rows = _series([(2024, 450200, "processing_trade_jobs", 10.0, "f.xlsx"), (2025, 450200, "x", 2.0, "f.xlsx")])
    with Workspace.open(tmp_path / "ws.sqlite") as ws:
        assert save_monitoring(ws, rows) == 2
        save_monitoring(ws, _series([(2024, 450200, "processing_trade_jobs", 11.0, "g.xlsx")]))  # replaces
        got = load_monitoring(ws)
        assert monitoring_years(ws) == [2024, 2025]
    assert len(got) == 2
    assert got.loc[got["year"] == 2024, "value"].item() == 11.0
    with Workspace.open(tmp_path / "ws.sqlite") as ws:
        assert math.isclose(load_monitoring(ws, years=[2025])["value"].item(), 2.0)
