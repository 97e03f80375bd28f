"""Tests for transfer.scenarios and scenario runs: shipped files, extends, every override kind, error messages."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from transfer.errors import NetworkError, ScenarioError
from transfer.industries import CRITERION_IDS
from transfer.pipeline import Base, RunResult, get_network, run
from transfer.scenarios import Scenario, load_scenario, parse_scenario, scenario_yaml

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))
DATA = Path(__file__).resolve().parent / "data" / "scenarios"

# runs of the shipped scenarios, kept for the later tests of this module (each takes a few seconds)
_SHIPPED_RUNS: dict[str, RunResult] = {}


def shipped_run(base: Base, stem: str) -> RunResult:
    if stem not in _SHIPPED_RUNS:
        _SHIPPED_RUNS[stem] = run(base, load_scenario(REPO / "scenarios" / f"{stem}.yaml"))
    return _SHIPPED_RUNS[stem]


def scn(text: str) -> Scenario:
    return parse_scenario(text, where="test.yaml", base_dir=DATA)


def matched(res: RunResult) -> int:
    assert res.assignment is not None
    return int(res.assignment.assignment["jobs"].sum())


def assigned(res: RunResult) -> pd.DataFrame:
    assert res.assignment is not None
    return res.assignment.assignment


def unmatched(res: RunResult) -> int:
    assert res.assignment is not None
    return int(res.assignment.unmatched["jobs"].sum()) if len(res.assignment.unmatched) else 0


@pytest.fixture(scope="module")
def plain(base: Base) -> RunResult:
    """The default scenario (no overrides), without matching: the reference for every effect below."""
    return run(base, match=False)


# --- the shipped scenarios ------------------------------------------------------------------------------------


def test_at_least_six_scenarios_are_shipped() -> None:
    stems = {p.stem for p in SHIPPED}
    assert {
        "baseline",
        "western_land_sea_corridor",
        "coastal_wage_shock",
        "new_bonded_zone",
        "green_constraints",
        "electronics_wave",
    } <= stems
    assert any(load_scenario(p).chain for p in SHIPPED), "one shipped scenario should extend another"


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_loads_and_runs(base: Base, path: Path) -> None:
    s = load_scenario(path)
    assert s.name == path.stem
    assert s.description.strip(), "a workshop scenario says what it is about"
    res = shipped_run(base, path.stem)
    assert res.scenario.name == s.name
    assert res.assignment is not None
    demand = int(res.demand["jobs"].sum())
    assert demand > 0
    assert matched(res) + unmatched(res) == demand
    # nothing is sent to an ineligible pair
    a = res.assignment.assignment
    el = res.scores.eligible
    assert all(bool(el.at[d, s_]) for d, s_ in zip(a["demand_id"], a["site_id"], strict=True))
    # the resolved YAML validates again to the same scenario
    again = parse_scenario(scenario_yaml(s), where="resolved.yaml")
    assert again.model_dump() == s.model_copy(update={"extends": None}).model_dump()


def test_western_corridor_fare_cut_lowers_sea_costs(base: Base) -> None:
    """network.params: baseline sets the rail-sea factor to 1.0, the corridor scenario to 0.8."""
    b = shipped_run(base, "baseline")
    w = shipped_run(base, "western_land_sea_corridor")
    assert b.access is not None and w.access is not None
    saving = b.access["cost_to_sea_cny_teu"] - w.access["cost_to_sea_cny_teu"]
    assert (saving >= -1e-6).all(), "a cheaper tariff can only lower costs"
    assert saving.max() > 50
    assert (w.table.values["sea_cost"] <= b.table.values["sea_cost"] + 1e-6).all()


def test_new_bonded_zone_opens_shaoyang(base: Base) -> None:
    b = shipped_run(base, "baseline")
    n = shipped_run(base, "new_bonded_zone")
    assert not b.scores.eligible.at["electronics_assembly", 430500]
    assert n.scores.eligible.at["electronics_assembly", 430500]
    assert n.table.values.at[430500, "bonded_zone"] > b.table.values.at[430500, "bonded_zone"]


def test_green_constraints_keep_jobs_out_of_tibet_and_qinghai(base: Base) -> None:
    g = shipped_run(base, "green_constraints")
    assert g.assignment is not None
    prov = g.assignment.assignment["site_id"].map(g.table.sites["province"])
    assert not prov.isin(["西藏自治区", "青海省"]).any()
    qinghai = g.table.sites.index[g.table.sites["province"] == "青海省"]
    assert not g.scores.eligible.loc[:, qinghai].to_numpy().any()


# --- extends ----------------------------------------------------------------------------------------------------


def test_extends_child_overrides_and_appends() -> None:
    child = load_scenario(DATA / "child.yaml")
    assert child.name == "child"
    assert child.description == "fixture parent"  # inherited
    # dicts merge key by key, the child's value wins
    assert child.weights == {"*": {"wage": 0.2, "labour_pool": 0.3}, "toys": {"labour_pool": 0.5}}
    assert child.constraints.eco_restricted_share == 0.2
    assert child.constraints.exclude_provinces == ("西藏自治区",)
    assert child.overrides.wages.province_change == {"河南省": 0.1, "湖南省": 0.3}
    # lists under overrides append to the parent's
    assert [z.name_zh for z in child.overrides.bonded_zones.add] == ["甲综合保税区", "乙综合保税区"]
    # other lists replace
    assert [(d.industry, d.jobs) for d in child.demand.industries] == [("furniture", 3000)]
    assert child.matching.top_k == 5
    assert child.matching.capacity_jobs == {410100: 500}
    assert child.chain == (str(DATA / "parent.yaml"),)


def test_extends_chain_of_three() -> None:
    g = load_scenario(DATA / "grandchild.yaml")
    assert g.chain == (str(DATA / "parent.yaml"), str(DATA / "child.yaml"))
    assert [z.name_zh for z in g.overrides.bonded_zones.add] == ["甲综合保税区", "乙综合保税区", "丙综合保税区"]
    assert g.matching.top_k == 5
    assert g.name == "grandchild"


def test_extends_from_text_resolves_relative_to_base_dir() -> None:
    s = scn("name: from_text\nextends: parent.yaml\nmatching: {top_k: 3}\n")
    assert s.chain == (str(DATA / "parent.yaml"),)
    assert s.matching.top_k == 3
    assert s.matching.capacity_jobs == {410100: 500}


def test_extends_missing_parent_suggests_the_closest_file() -> None:
    path = DATA / "missing_parent.yaml"
    with pytest.raises(
        ScenarioError, match=r"missing_parent\.yaml, line 3: .*'parnet\.yaml'.*did you mean 'parent\.yaml'"
    ):
        load_scenario(path)


def test_extends_circular_and_self() -> None:
    with pytest.raises(ScenarioError, match=r"circular_[ab]\.yaml.*circular"):
        load_scenario(DATA / "circular_a.yaml")
    with pytest.raises(ScenarioError, match=r"self_extends\.yaml.*cannot extend itself"):
        load_scenario(DATA / "self_extends.yaml")


def test_child_key_errors_point_at_the_child_file(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("name: p\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("name: c\nextends: p.yaml\nmatching:\n  topk: 3\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"c\.yaml, line 4: unknown key 'matching\.topk' \(did you mean 'top_k'\?\)"
    ):
        load_scenario(tmp_path / "c.yaml")


# --- typo and value messages: file, line, key -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "pattern"),
    [
        ("typo_top.yaml", r"typo_top\.yaml, line 3: unknown key 'wieghts' \(did you mean 'weights'\?\)"),
        (
            "typo_nested.yaml",
            r"typo_nested\.yaml, line 4: unknown key 'constraints\.exclude_provinecs' "
            r"\(did you mean 'exclude_provinces'\?\)",
        ),
        (
            "bad_criterion.yaml",
            r"bad_criterion\.yaml, line 5: key 'weights\.\*\.labor_pool': unknown criterion 'labor_pool'.*"
            r"did you mean 'labour_pool'",
        ),
        ("bad_type.yaml", r"bad_type\.yaml, line 6: key 'matching\.top_k': .*integer"),
        ("malformed.yaml", r"malformed\.yaml, line 3: the YAML is malformed .*line 2, key 'weights'"),
        ("python_tag.yaml", r"python_tag\.yaml, line 2: the YAML uses a tag that is not allowed \(key 'description'\)"),
    ],
)
def test_error_messages_name_file_line_and_key(fixture: str, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(DATA / fixture)
    assert "\n" not in str(info.value), "one-line message"
    assert "Fix:" in str(info.value)


def test_unknown_key_message_lists_valid_keys() -> None:
    with pytest.raises(
        ScenarioError, match=r"valid keys here: name, description, title, description_zh, extends, weights"
    ):
        load_scenario(DATA / "typo_top.yaml")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "name: x\ndemand:\n  industries:\n    - {industry: toys, jobs: -5}\n",
            r"line 4: key 'demand\.industries\.0\.jobs'",
        ),
        ("name: x\nweights:\n  toys: {wage: -1}\n", r"line 3: key 'weights\.toys\.wage'.*negative"),
        ("name: x\nmatching:\n  engine: gurobi\n", r"line 3: key 'matching\.engine'"),
        (
            "name: x\noverrides:\n  network:\n    add_edges:\n      - {from: a, to: b}\n",
            r"line 5: key 'overrides\.network\.add_edges\.0\.distance_km'",
        ),
        ("- just\n- a list\n", r"must be a mapping"),
        ("description: no name\n", r"key 'name'"),
    ],
)
def test_bad_values(text: str, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        scn(text)


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "touched"
    f = tmp_path / "evil.yaml"
    f.write_text(f'name: evil\ndescription: !!python/object/apply:pathlib.Path.touch ["{marker}"]\n', "utf-8")
    with pytest.raises(ScenarioError, match=r"evil\.yaml, line 2: .*tag"):
        load_scenario(f)
    assert not marker.exists()


def test_missing_file_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml.*does not exist"):
        load_scenario(tmp_path / "nope.yaml")
    f = tmp_path / "gbk.yaml"
    f.write_bytes("name: 湖南\n".encode("gbk"))
    with pytest.raises(ScenarioError, match=r"gbk\.yaml.*UTF-8"):
        load_scenario(f)


# --- overrides: each kind changes the result ---------------------------------------------------------------------


def test_site_attribute_edit(base: Base, plain: RunResult) -> None:
    # 铁门关市: 80,120 working-age residents in the 2020 census (capacity 2 % of that)
    assert plain.table.values.at[659006, "labour_pool"] == 80120
    res = run(
        base,
        scn("name: x\noverrides:\n  sites:\n    - {adcode: 659006, set: {working_age_2020: 200000}}\n"),
        match=False,
    )
    assert res.table.values.at[659006, "labour_pool"] == 200000
    assert res.capacity.at[659006] == 4000  # 2 % of 200,000
    assert plain.capacity.at[659006] == round(80120 * 0.02)
    assert base.layers.census.set_index("adcode").at[659006, "working_age_2020"] == 80120  # base untouched


def test_site_attribute_edit_rejects_unknown_columns_and_sites(base: Base) -> None:
    with pytest.raises(ScenarioError, match=r"unknown attribute 'gn_populaton' \(did you mean 'gn_population'\?\)"):
        run(base, scn("name: x\noverrides: {sites: [{adcode: 659006, set: {gn_populaton: 1}}]}\n"), match=False)
    with pytest.raises(ScenarioError, match=r"unknown adcode 999999"):
        run(base, scn("name: x\noverrides: {sites: [{adcode: 999999, set: {gn_population: 1}}]}\n"), match=False)


def test_labour_scale(base: Base, plain: RunResult) -> None:
    res = run(base, scn("name: x\noverrides:\n  labour_scale: {430500: 2.0}\n"), match=False)
    assert res.table.values.at[430500, "labour_pool"] == pytest.approx(2 * plain.table.values.at[430500, "labour_pool"])
    assert abs(res.capacity.at[430500] - 2 * plain.capacity.at[430500]) <= 1
    assert res.table.values.at[430100, "labour_pool"] == plain.table.values.at[430100, "labour_pool"]


def test_bonded_zone_add(base: Base, plain: RunResult) -> None:
    assert not plain.scores.eligible.at["electronics_assembly", 430500]
    assert "needs a comprehensive bonded zone" in plain.scores.reasons[("electronics_assembly", 430500)][0]
    res = run(
        base,
        scn("name: x\noverrides:\n  bonded_zones:\n    add:\n      - {name_zh: 邵阳综保(测试), city_adcode: 430500}\n"),
        match=False,
    )
    assert res.table.sites.at[430500, "has_full_bonded_zone"]
    assert res.table.values.at[430500, "bonded_zone"] == 1.0
    assert res.scores.eligible.at["electronics_assembly", 430500]
    assert ("electronics_assembly", 430500) not in res.scores.reasons


def test_bonded_zone_remove(base: Base, plain: RunResult) -> None:
    assert plain.scores.eligible.at["electronics_assembly", 450100]
    res = run(base, scn("name: x\noverrides:\n  bonded_zones:\n    remove: [南宁综合保税区]\n"), match=False)
    assert not res.table.sites.at[450100, "has_full_bonded_zone"]
    assert not res.scores.eligible.at["electronics_assembly", 450100]
    assert "needs a comprehensive bonded zone" in res.scores.reasons[("electronics_assembly", 450100)][0]
    with pytest.raises(ScenarioError, match=r"unknown zone '南宁综保'.*did you mean '南宁综合保税区'"):
        run(base, scn("name: x\noverrides:\n  bonded_zones:\n    remove: [南宁综保]\n"), match=False)


def test_wages_province_change_and_set(base: Base, plain: RunResult) -> None:
    res = run(
        base,
        scn(
            "name: x\noverrides:\n  wages:\n"
            "    province_change: {河南省: 0.5}\n    province_set_cny_year: {430000: 50000}\n"
        ),
        match=False,
    )
    w0, w1 = plain.table.values["wage"], res.table.values["wage"]
    assert w1.at[410100] == pytest.approx(1.5 * w0.at[410100])  # 郑州, 河南省
    assert w1.at[430100] == 50000  # 长沙, 湖南省 given by adcode
    assert w1.at[610100] == w0.at[610100]  # 西安 unchanged
    k = CRITERION_IDS.index("wage")
    i = res.scores.industries.index("toys")
    s = res.scores.site_ids.index(410100)
    assert res.scores.contributions[i, s, k] < plain.scores.contributions[i, s, k]  # dearer labour scores lower


def test_wages_unknown_province(base: Base) -> None:
    with pytest.raises(ScenarioError, match=r"unknown province '湖男省'"):
        run(base, scn("name: x\noverrides:\n  wages:\n    province_change: {湖男省: 0.1}\n"), match=False)


def test_eco_key_counties(base: Base, plain: RunResult) -> None:
    # 邵阳 has 12 counties and no listed key ecological function county: 两高一资 allowed
    assert plain.scores.eligible.at["electroplating", 430500]
    res = run(base, scn("name: x\noverrides:\n  eco_key_counties: {430500: 12}\n"), match=False)
    assert res.table.sites.at[430500, "eco_share"] == 1.0
    assert not res.scores.eligible.at["electroplating", 430500]
    assert any("two-high, one-resource" in r for r in res.scores.reasons[("electroplating", 430500)])
    assert res.scores.eligible.at["toys", 430500], "only 两高一资 industries are banned"


def test_constraints_exclude_provinces(base: Base) -> None:
    res = run(base, scn("name: x\nconstraints:\n  exclude_provinces: [青海省, 540000]\n"), match=False)
    sites = res.table.sites
    out = sites.index[sites["province"].isin(["青海省", "西藏自治区"])]
    assert len(out) > 0
    assert not res.scores.eligible.loc[:, out].to_numpy().any()
    assert "province 青海省 is excluded" in res.scores.reasons[("toys", 630100)][0]
    assert res.scores.eligible.loc["toys"].drop(out).all()


def test_constraints_eco_rules(base: Base, plain: RunResult) -> None:
    share = plain.table.sites["eco_share"]
    el0 = plain.scores.eligible.loc["electroplating"]
    assert (~el0).sum() == (share > 1 / 3).sum()
    strict = run(base, scn("name: x\nconstraints: {eco_restricted_share: 0.0}\n"), match=False)
    assert (~strict.scores.eligible.loc["electroplating"]).sum() == (share > 0).sum()
    precaution = run(base, scn("name: x\nconstraints: {eco_unknown_blocks_two_high: true}\n"), match=False)
    el = precaution.scores.eligible.loc["electroplating"]
    unknown = share.index[share.isna()]
    assert len(unknown) > 0
    assert not el[unknown].any()
    assert "ecological status is unknown" in precaution.scores.reasons[("electroplating", int(unknown[0]))][0]
    assert precaution.scores.eligible.loc["toys"].equals(plain.scores.eligible.loc["toys"])


def test_weights_star_and_per_industry(base: Base, plain: RunResult) -> None:
    res = run(base, scn('name: x\nweights:\n  "*": {wage: 0}\n  toys: {labour_pool: 5}\n'), match=False)
    k_wage = CRITERION_IDS.index("wage")
    k_lab = CRITERION_IDS.index("labour_pool")
    assert (res.scores.weights[:, k_wage] == 0).all()
    np.testing.assert_allclose(res.scores.weights.sum(axis=1), 1.0)
    i = res.scores.industries.index("toys")
    assert res.scores.weights[i, k_lab] > 0.5  # 5 against the rest (which sums to < 1)
    j = res.scores.industries.index("footwear")
    # footwear only lost its wage weight: the others keep their proportions
    w0 = np.delete(plain.scores.weights[j], k_wage)
    w1 = np.delete(res.scores.weights[j], k_wage)
    np.testing.assert_allclose(w1 / w1.sum(), w0 / w0.sum())
    assert not np.allclose(res.scores.scores.loc["toys"], plain.scores.scores.loc["toys"])


def test_weights_unknown_industry(base: Base) -> None:
    with pytest.raises(ScenarioError, match=r"unknown industry 'toy' \(did you mean 'toys'\?\)"):
        run(base, scn("name: x\nweights:\n  toy: {wage: 0.1}\n"), match=False)


def test_demand_industries_firms_and_scale(base: Base) -> None:
    res = run(base, load_scenario(DATA / "firms_demand.yaml"))
    d = res.demand.set_index("demand_id")
    assert d.at["toys", "jobs"] == 2000  # 1,000 x scale 2
    assert d.at["甲电子", "jobs"] == 2400
    assert d.at["甲电子", "kind"] == "firm"
    assert d.at["甲电子", "origin"] == "440300"
    assert d.at["丙制衣", "origin"] == "441900"
    assert int(d["jobs"].sum()) == 2 * (1000 + 1200 + 1200 + 800)
    assert matched(res) + unmatched(res) == int(d["jobs"].sum())
    assert set(assigned(res)["demand_id"]) <= set(d.index)


def test_demand_unknown_industry(base: Base) -> None:
    with pytest.raises(ScenarioError, match=r"demand names unknown industry 'toyz' \(did you mean 'toys'\?\)"):
        run(base, scn("name: x\ndemand:\n  industries: [{industry: toyz, jobs: 10}]\n"))


def _best_sites(res: RunResult, industry: str, n: int) -> list[int]:
    return [int(a) for a in res.scores.shortlist(industry, top=n)["adcode"]]


def test_matching_capacity_jobs_and_unmatched(base: Base, plain: RunResult) -> None:
    s1, s2 = _best_sites(plain, "toys", 2)
    res = run(
        base,
        scn(
            f"name: x\ndemand:\n  industries: [{{industry: toys, jobs: 5000}}]\n"
            f"matching:\n  top_k: 2\n  capacity_jobs: {{{s1}: 1000, {s2}: 1500}}\n"
        ),
    )
    assert res.capacity.at[s1] == 1000 and res.capacity.at[s2] == 1500
    a = assigned(res).set_index("site_id")["jobs"]
    assert a.to_dict() == {s1: 1000, s2: 1500}
    assert unmatched(res) == 2500
    assert any("2,500 jobs could not be matched" in n for n in res.notes)


def test_matching_province_cap_jobs(base: Base) -> None:
    text = "name: x\ndemand:\n  industries: [{industry: toys, jobs: 5000}]\nmatching:\n  top_k: 30\n"
    free = run(base, scn(text))
    prov = free.table.sites["province"]
    fa = assigned(free)
    by_prov = fa.groupby(fa["site_id"].map(prov))["jobs"].sum()
    top_prov = str(by_prov.idxmax())
    assert by_prov.max() > 1000
    capped = run(base, scn(text + f"  province_cap_jobs: {{{top_prov}: 1000}}\n"))
    a = assigned(capped)
    assert a.loc[a["site_id"].map(prov) == top_prov, "jobs"].sum() == 1000
    assert matched(capped) == 5000


def test_matching_top_k_min_score_and_max_share(base: Base) -> None:
    demand = "name: x\ndemand:\n  industries: [{industry: toys, jobs: 4000}]\n"
    one = run(base, scn(demand + "matching: {top_k: 1}\n"))
    assert assigned(one)["site_id"].nunique() == 1
    spread = run(base, scn(demand + "matching: {top_k: 30, max_share_per_site: 0.25}\n"))
    a = assigned(spread)
    assert a["jobs"].max() <= 1000 and a["site_id"].nunique() >= 4
    none = run(base, scn(demand + "matching: {min_score: 0.999}\n"))
    assert unmatched(none) == 4000


# --- applying a scenario never changes the base -------------------------------------------------------------------


def _snapshot(base: Base) -> dict[str, Any]:
    layers = base.layers
    net = get_network(base)
    return {
        "sites": layers.sites.copy(deep=True),
        "bonded_zones": layers.bonded_zones.copy(deep=True),
        "province_economy": layers.province_economy.copy(deep=True),
        "eco_restrictions": layers.eco_restrictions.copy(deep=True),
        "census": layers.census.copy(deep=True),
        "access": None if base.access is None else base.access.copy(deep=True),
        "params": copy.deepcopy(net.inputs.params),
        "extra_edges": len(net.inputs.extra_edges),
        "corridors": tuple(str(c.get("id")) for c in net.inputs.corridors),
        "places": net.inputs.places.copy(deep=True),
    }


@pytest.fixture(scope="module")
def every(base: Base) -> tuple[dict[str, Any], RunResult]:
    before = _snapshot(base)
    return before, run(base, load_scenario(DATA / "every_override.yaml"))


@pytest.mark.slow
def test_applying_a_scenario_never_changes_the_base(base: Base, every: tuple[dict[str, Any], RunResult]) -> None:
    before, res = every
    after = _snapshot(base)
    assert_geodataframe_equal(after["sites"], before["sites"])
    assert_geodataframe_equal(after["bonded_zones"], before["bonded_zones"])
    pd.testing.assert_frame_equal(after["province_economy"], before["province_economy"])
    pd.testing.assert_frame_equal(after["eco_restrictions"], before["eco_restrictions"])
    pd.testing.assert_frame_equal(after["census"], before["census"])
    if before["access"] is not None:
        pd.testing.assert_frame_equal(after["access"], before["access"])
    pd.testing.assert_frame_equal(after["places"], before["places"])
    assert after["params"] == before["params"]
    assert after["extra_edges"] == before["extra_edges"]
    assert after["corridors"] == before["corridors"]
    # ... while the run saw every edit
    assert len(res.layers.bonded_zones) == len(before["bonded_zones"])  # one added, one removed
    assert res.table.values.at[659006, "labour_pool"] == 200000
    assert res.table.sites.at[450100, "has_full_bonded_zone"] == False  # noqa: E712
    assert res.table.values.at[430100, "wage"] == 50000


@pytest.mark.slow
def test_network_edges_and_hubs(base: Base, every: tuple[dict[str, Any], RunResult]) -> None:
    _, res = every
    b, a = base.access, res.access
    assert b is not None and a is not None
    # add_edges: a 100 km road from 拉萨 to the port of Shanghai makes the sea cheap for Lhasa
    assert a.at[540100, "nearest_sea_gateway"] == "sea_shanghai"
    assert a.at[540100, "cost_to_sea_cny_teu"] < 0.2 * b.at[540100, "cost_to_sea_cny_teu"]
    # remove_edges: without the Chongqing-Guiyang-Nanning corridor Guiyang's way to the sea is dearer
    assert a.at[520100, "cost_to_sea_cny_teu"] > b.at[520100, "cost_to_sea_cny_teu"] + 100
    # add_hubs: a CR Express centre in Nanning
    assert a.at[450100, "nearest_crex"] == "crex_test_nanning"
    assert a.at[450100, "time_to_crex_h"] < 1 < b.at[450100, "time_to_crex_h"]
    # remove_hubs: Chongqing's own centre is gone
    assert b.at[500000, "nearest_crex"] == "crex_chongqing"
    assert a.at[500000, "nearest_crex"] != "crex_chongqing"
    assert a.at[500000, "time_to_crex_h"] > b.at[500000, "time_to_crex_h"]


@pytest.mark.slow
def test_every_override_run_respects_matching_options(every: tuple[dict[str, Any], RunResult]) -> None:
    _, res = every
    a = assigned(res)
    prov = a["site_id"].map(res.table.sites["province"])
    assert a.loc[prov == "湖北省", "jobs"].sum() <= 200
    assert a.loc[a["site_id"] == 410100, "jobs"].sum() <= 100
    assert not prov.eq("青海省").any()
    assert int(res.demand["jobs"].sum()) == round(1.5 * (1000 + 1200 + 1200 + 800))
    assert matched(res) + unmatched(res) == int(res.demand["jobs"].sum())


def test_network_edit_errors(base: Base) -> None:
    with pytest.raises(NetworkError, match=r"unknown corridor 'no_such_corridor'"):
        run(base, scn("name: x\noverrides:\n  network:\n    remove_edges: [no_such_corridor]\n"), match=False)


def test_scenario_yaml_roundtrip_drops_extends() -> None:
    child = load_scenario(DATA / "child.yaml")
    text = scenario_yaml(child)
    assert "extends" not in text
    assert re.search(r"甲综合保税区", text) and re.search(r"乙综合保税区", text)
    again = parse_scenario(text)
    assert again.overrides == child.overrides
    assert again.weights == child.weights
