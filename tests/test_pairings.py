"""Pairings: the curated tables (sourced, adcodes checked by code), validation errors, the origin resolver, the
scenario option on a 4-site fixture (bonus lifts a paired site; constraint never places demand at an unpaired
site) and the ``transfer pairs`` command in all formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import industry_profile, site_table

from transfer import columns as C
from transfer.cli import main
from transfer.errors import LayerError, ScenarioError
from transfer.i18n import error_text, render_reason
from transfer.industries import IndustryCatalogue
from transfer.matching import match_tables
from transfer.names import city_names
from transfer.pairings import PairingPlan, PairMark, load_pairings, origin_names, paired_sites
from transfer.regions import PROVINCES
from transfer.scenarios import parse_scenario
from transfer.scoring import ScoringOptions, score
from transfer.sitetable import SiteTable

REPO = Path(__file__).resolve().parent.parent
GEO = REPO / "geodata"
THIS_YEAR = 2026


@pytest.fixture(scope="module")
def pairings():
    return load_pairings(GEO)


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return pd.read_csv(GEO / "cities.csv")


# --- the curated tables -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["pairs", "parks"])
def test_every_row_has_a_source_and_a_plausible_year(pairings, table):
    df = getattr(pairings, table)
    assert len(df) > 0
    assert (df[C.SOURCE].astype(str).str.strip().str.len() > 10).all()
    assert df[C.SOURCE_YEAR].between(1996, THIS_YEAR).all()
    since = df["since"].dropna()
    assert since.between(1996, THIS_YEAR).all()
    assert (since <= df.loc[since.index, C.SOURCE_YEAR]).all()


def test_adcodes_are_the_named_units(pairings, cities):
    """Each code names the unit written beside it: cities through the project's resolver, provinces by table."""
    resolver = city_names(cities, what="city")
    pairs = pairings.pairs
    parks = pairings.parks
    named = [
        *pairs[["origin_adcode", "origin_zh"]].itertuples(index=False, name=None),
        *pairs[["partner_adcode", "partner_zh"]].itertuples(index=False, name=None),
        *parks[["origin_adcode", "origin_zh"]].itertuples(index=False, name=None),
        *parks[["host_adcode", "host_zh"]].itertuples(index=False, name=None),
    ]
    for code, name in named:
        if int(code) % 10000 == 0 and int(code) in PROVINCES and not PROVINCES[int(code)].municipality:
            assert PROVINCES[int(code)].name_zh == name, (code, name)
        else:
            assert resolver.resolve(name) == int(code), (code, name)
    provinces = pairs[pairs["level"] == "province"]["partner_adcode"].astype(int)
    assert provinces.isin(list(PROVINCES)).all()


def test_no_pair_is_listed_twice(pairings):
    keys = pairings.pairs[["scheme", "origin_adcode", "partner_adcode", "partner_county_zh"]].fillna("")
    assert not keys.duplicated().any()
    assert not pairings.parks[[C.NAME_ZH, "host_adcode"]].duplicated().any()


def test_park_points_have_their_source(pairings):
    parks = pairings.parks
    assert parks[[C.LON, C.LAT]].notna().all().all()
    assert parks["point_source"].str.startswith("seat of the host").all()
    assert parks[C.LON].between(73, 135.5).all() and parks[C.LAT].between(17.5, 54).all()
    county = parks["host_county_adcode"].notna()
    assert (parks.loc[county, "host_county_adcode"] // 100 == parks.loc[county, "host_adcode"] // 100).all()


def test_receiving_partners_outside_the_sites_layer_are_listed(pairings):
    """汕尾 and 宿迁 (coastal provinces, receiving) stay in the tables; here both are in the sites layer too."""
    partners = set(pairings.pairs["partner_adcode"].astype(int))
    assert {441500, 321300} <= partners


# --- validation --------------------------------------------------------------------------------------------------


def _write_pairs(tmp_path: Path, edit: dict[str, object]) -> Path:
    df = pd.read_csv(GEO / "curated" / "pairings.csv").head(3)
    for col, value in edit.items():
        df.loc[1, col] = value
    path = tmp_path / "pairings.csv"
    df.to_csv(path, index=False)
    return path


def test_empty_source_names_file_row_and_field(tmp_path):
    path = _write_pairs(tmp_path, {C.SOURCE: ""})
    with pytest.raises(LayerError, match=r"pairings.csv, row 3, field 'source'.*empty") as caught:
        load_pairings(GEO, pairs_path=path)
    assert "来源" in error_text(caught.value, "zh") and "第 3 行" in error_text(caught.value, "zh")


def test_unknown_scheme_gets_a_hint(tmp_path):
    path = _write_pairs(tmp_path, {"scheme": "east-west"})
    with pytest.raises(LayerError, match=r"row 3.*'east-west' \(did you mean 'east_west'\?\)"):
        load_pairings(GEO, pairs_path=path)


def test_unknown_adcode_is_refused(tmp_path):
    path = _write_pairs(tmp_path, {"partner_adcode": 529900})
    with pytest.raises(LayerError, match=r"unknown adcode.*529900"):
        load_pairings(GEO, pairs_path=path)


def test_start_after_source_is_refused(tmp_path):
    path = _write_pairs(tmp_path, {"since": 2030, C.SOURCE_YEAR: 2021})
    with pytest.raises(LayerError, match="since"):
        load_pairings(GEO, pairs_path=path)


# --- resolver and paired sites -----------------------------------------------------------------------------------


def test_origin_by_chinese_english_or_code(pairings, layers):
    names = origin_names(layers.origins, pairings)
    assert {names.resolve(n) for n in ("东莞", "东莞市", "dongguan", 441900)} == {441900}
    assert names.resolve("珠海") == 440400  # an origin of the pairing tables, not of the origins layer
    with pytest.raises(Exception, match=r"did you mean 'Dongguan'"):
        names.resolve("Dongguang")


def test_dongguan_pairs_and_what_counts(pairings, layers):
    sites = pd.DataFrame(layers.sites.drop(columns="geometry"))
    marks = paired_sites(pairings, 441900, sites)
    assert marks[520600].ref == "EW21-DG-TR"  # 铜仁 by the city's own pair, not only via 广东—贵州
    assert marks[440200].level == "city" and marks[445200].scheme == "gd_counterpart"
    assert marks[450100].via_zh == "广东省" and marks[450100].through_province  # 南宁 through the province pair
    assert not marks[520600].through_province and marks[450400].ref == "P-YGTS"  # 梧州: 广东's park, not 东莞's
    assert 530600 not in marks  # 昭通: superseded in 2021
    only_city = paired_sites(pairings, 441900, sites, include_province=False)
    assert set(only_city) == {520600, 440200, 445200}


# --- the scenario option on a 4-site fixture ---------------------------------------------------------------------


@pytest.fixture()
def tiny() -> tuple[SiteTable, IndustryCatalogue]:
    table = site_table({"labour_pool": [100.0, 200.0, 300.0, 500.0]})  # min-max: 0, .25, .5, 1
    return table, IndustryCatalogue(profiles=(industry_profile("a_labour", {"labour_pool": 1.0}),))


def _plan(mode: str, bonus: float = 0.3) -> PairingPlan:
    marks = {s: PairMark(f"P{s}", "gd_counterpart", "东莞市", 2013, "city", "current") for s in (101, 102)}
    return PairingPlan(441900, "东莞市", mode, bonus, marks)


def _order(result) -> list[int]:
    return list(result.shortlist("a_labour", top=4)[C.ADCODE])


def test_bonus_lifts_a_paired_site_and_says_why(tiny):
    table, cat = tiny
    plain = ScoringOptions(winsor=0, size_transform="none")
    base = score(table, cat, options=plain)
    paired = score(table, cat, options=ScoringOptions(winsor=0, size_transform="none", pairing=_plan("bonus")))
    assert _order(base) == [104, 103, 102, 101]
    assert _order(paired) == [104, 102, 103, 101]  # 0.25 + 0.3 > 0.5
    assert paired.scores.loc["a_labour", 102] == pytest.approx(0.55)
    row = paired.shortlist("a_labour", top=4).set_index(C.ADCODE).loc[102]
    assert row["score"] == pytest.approx(row["pairing_bonus"] + sum(row["contributions"].values()))
    reason = paired.reasons_for("a_labour", 102)[0]
    assert (reason.kind, reason.code, reason.values["with"], reason.values["year"]) == (
        "strength", "paired_bonus", "东莞市", 2013,
    )  # fmt: skip
    en = "paired with 东莞市 under Guangdong Pearl River Delta counterpart support (2013): +0.300"
    assert render_reason(reason, "en") == en
    assert render_reason(reason, "zh") == "与东莞市结对（广东省珠三角—粤东西北对口帮扶，2013年）：+0.300"
    assert not any(r.code.startswith("paired") for r in paired.reasons_for("a_labour", 103))


def test_a_province_level_pairing_gets_its_share_of_the_bonus(tiny):
    table, cat = tiny
    wide = PairMark("EW21-GD-GZ", "east_west", "广东省", 2021, "province", "current", through_province=True)
    plan = PairingPlan(441900, "东莞市", "bonus", 0.4, {102: _plan("bonus").marks[102], 103: wide}, province_share=0.25)
    r = score(table, cat, options=ScoringOptions(winsor=0, size_transform="none", pairing=plan))
    assert r.scores.loc["a_labour", [101, 102, 103, 104]].round(6).tolist() == [0.0, 0.65, 0.6, 1.0]
    reason = r.reasons_for("a_labour", 103)[0]
    assert render_reason(reason, "en") == "paired with 广东省 under east–west cooperation (2021): +0.100"


def test_constraint_never_places_demand_at_an_unpaired_site(tiny):
    table, cat = tiny
    r = score(table, cat, options=ScoringOptions(winsor=0, size_transform="none", pairing=_plan("constraint")))
    assert r.eligible.loc["a_labour"].to_dict() == {101: True, 102: True, 103: False, 104: False}
    assert render_reason(r.exclusions[("a_labour", 104)][0], "en").startswith("excluded: not paired with 东莞市")
    demand = pd.Series({"a_labour": 150})
    capacity = pd.Series({101: 60, 102: 60, 103: 500, 104: 500})
    a = match_tables(r.scores.loc[demand.index], demand, capacity, eligible=r.eligible.loc[demand.index])
    placed = a.assignment.groupby("site_id")["jobs"].sum().to_dict()
    assert placed == {101: 60, 102: 60}
    assert a.unmatched.set_index("demand_id")["jobs"].to_dict() == {"a_labour": 30}
    assert np.isclose(r.scores.loc["a_labour", 102], 0.25)  # no bonus in constraint mode


def test_scenario_option_is_validated():
    scn = parse_scenario("name: x\npairing:\n  origin: 东莞\n  mode: constraint\n")
    assert scn.pairing is not None and scn.pairing.bonus == 0.05
    with pytest.raises(ScenarioError, match=r"line 4.*pairing.mode"):
        parse_scenario("name: x\npairing:\n  origin: 东莞\n  mode: bonuses\n")
    with pytest.raises(ScenarioError, match=r"pairing.bonus"):
        parse_scenario("name: x\npairing:\n  origin: 东莞\n  bonus: 2\n")


def test_run_with_a_constraint_keeps_dongguan_demand_on_paired_sites(base):
    from transfer.pipeline import run

    text = (
        "name: dg\npairing:\n  origin: Dongguan\n  mode: constraint\n"
        "demand:\n  industries:\n    - {industry: electronics_assembly, jobs: 20000, origins: [441900]}\n"
    )
    result = run(base, parse_scenario(text))
    marks = result.scores.options.pairing.marks
    placed = set(result.assignment.assignment["site_id"].astype(int))
    assert placed and placed <= set(marks)
    with pytest.raises(ScenarioError, match=r"pairing.origin.*did you mean 'Dongguan'"):
        run(base, parse_scenario("name: x\npairing:\n  origin: Dongguang\n"), match=False)


# --- the command -------------------------------------------------------------------------------------------------


def test_cli_pairs_in_three_formats(capsys):
    assert main(["pairs", "--origin", "东莞"]) == 0
    table = capsys.readouterr().out
    assert "铜仁市" in table and "EW21-DG-TR" in table and "superseded" in table
    assert main(["pairs", "--origin", "Suzhou", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["origin"].startswith("苏州市")
    refs = {p["ref"]: p for p in doc["pairs"]}
    assert refs["JS01-SZ-SQ"]["partner_zh"] == "宿迁市" and refs["P-SSIP"]["kind"] == "park"
    assert all(p["source"] and p["source_year"] for p in doc["pairs"])
    assert main(["pairs", "--origin", "440300", "--format", "csv", "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("kind,ref,scheme,scheme_name,via,level,partner_adcode")
    assert any("深汕特别合作区" in line for line in lines)


def test_cli_unknown_origin_is_a_clear_error(capsys):
    assert main(["pairs", "--origin", "Dongguang"]) == 2
    err = capsys.readouterr().err
    assert "unknown origin 'Dongguang' (did you mean 'Dongguan'" in err
    assert "Traceback" not in err
