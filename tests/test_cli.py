"""Tests for the ``transfer`` command line, run in-process with ``main([...])`` on the default data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from transfer.cli import main
from transfer.pipeline import Base
from transfer.scenarios import load_scenario

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "scenarios"
BASELINE = REPO / "scenarios" / "baseline.yaml"
SHORTLIST_KEYS = {"rank", "adcode", "name_zh", "name_en", "province", "score", "eligible", "reasons", "contributions"}


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_bad_input(result: tuple[int, str, str], *needles: str) -> None:
    code, out, err = result
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one-line message expected, got: {err!r}"
    assert lines[0].startswith("transfer: ")
    for n in needles:
        assert n in lines[0]


# --- listing --------------------------------------------------------------------------------------------------


def test_industries(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "industries", "--format", "json")
    assert code == 0
    ids = [r["id"] for r in json.loads(out)]
    assert {"electronics_assembly", "textiles_garments", "bonded_maintenance", "electroplating"} <= set(ids)
    code, out, _ = cli(capsys, "industries")
    assert code == 0 and "electronics_assembly" in out


def test_sites(capsys: pytest.CaptureFixture[str], base: Base) -> None:
    code, out, _ = cli(capsys, "sites", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert len(df) == len(base.layers.sites)
    assert {"adcode", "name_zh", "name_en", "province", "region"} <= set(df.columns)
    code, out, _ = cli(capsys, "sites", "--province", "湖南省", "--format", "csv")
    hunan = pd.read_csv(io.StringIO(out))
    assert code == 0 and len(hunan) > 0 and set(hunan["province"]) == {"湖南省"}


# --- shortlist ------------------------------------------------------------------------------------------------


def test_shortlist_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "shortlist", "--industry", "electronics_assembly", "--top", "5", "--format", "json")
    assert code == 0
    recs = json.loads(out)
    assert len(recs) == 5
    assert [r["rank"] for r in recs] == [1, 2, 3, 4, 5]
    scores = [r["score"] for r in recs]
    assert scores == sorted(scores, reverse=True)
    for r in recs:
        assert set(r) >= SHORTLIST_KEYS
        assert isinstance(r["adcode"], int) and isinstance(r["score"], float)
        assert r["eligible"] is True
        assert isinstance(r["reasons"], list) and r["reasons"] and all(isinstance(x, str) for x in r["reasons"])
        assert isinstance(r["contributions"], dict)
        assert all(isinstance(k, str) and isinstance(v, float) for k, v in r["contributions"].items())
        assert sum(r["contributions"].values()) == pytest.approx(r["score"], abs=1e-3)


def test_shortlist_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "shortlist", "--industry", "electronics_assembly", "--top", "5", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert len(df) == 5
    assert set(df.columns) >= SHORTLIST_KEYS
    assert list(df["rank"]) == [1, 2, 3, 4, 5]
    code, out, _ = cli(capsys, "shortlist", "--industry", "Electronics assembly", "--top", "3")
    assert code == 0
    assert "rank" in out and len(out.strip().splitlines()) == 4  # header + 3 rows


def test_shortlist_with_scenario_and_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys, "shortlist", "--industry", "toys", "--top", "400", "--all", "--format", "json",
        "--scenario", DATA / "compare_b.yaml",
    )  # fmt: skip
    assert code == 0
    recs = json.loads(out)
    xian = [r for r in recs if r["adcode"] == 610100]
    assert xian and xian[0]["eligible"] is False
    assert any("陕西省 is excluded" in x for x in xian[0]["reasons"])


# --- site -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["南宁市", "南宁", "450100", "Nanning", "nanning"])
def test_site_by_name_adcode_and_english(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = cli(capsys, "site", "--site", name, "--top", "3", "--format", "json")
    assert code == 0
    recs = json.loads(out)
    assert len(recs) == 3
    assert {r["adcode"] for r in recs} == {450100}
    assert all({"industry", "score", "eligible", "reasons", "contributions"} <= set(r) for r in recs)
    assert [r["rank"] for r in recs] == [1, 2, 3]


def test_site_by_short_name_and_ambiguous_english_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "site", "--site", "延边", "--top", "1", "--format", "json")
    assert code == 0 and json.loads(out)[0]["adcode"] == 222400  # 延边朝鲜族自治州
    assert_bad_input(cli(capsys, "site", "--site", "Yichun"), "--site", "'Yichun' is ambiguous", "230700", "360900")


def test_site_table_has_a_header_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "site", "--site", "南宁市")
    assert code == 0
    assert out.splitlines()[0].startswith("南宁市 Nanning (450100)")


# --- match ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_match_baseline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "m"
    code, out, _ = cli(capsys, "match", "--scenario", BASELINE, "--out", out_dir)
    assert code == 0
    names = {"assignment.csv", "unmatched.csv", "site_load.csv", "site_load.geojson", "assignment.geojson"}
    assert names <= {p.name for p in out_dir.iterdir()}
    a = pd.read_csv(out_dir / "assignment.csv")
    u = pd.read_csv(out_dir / "unmatched.csv")
    scn = load_scenario(BASELINE)
    demand = sum(round(d.jobs * scn.demand.scale) for d in scn.demand.industries)
    assert int(a["jobs"].sum()) + int(u["jobs"].sum()) == demand
    assert {"demand_id", "adcode", "jobs", "name_zh", "province", "region"} <= set(a.columns)
    load = pd.read_csv(out_dir / "site_load.csv")
    assert int(load["jobs"].sum()) == int(a["jobs"].sum())
    assert (load["jobs"] <= load["capacity"]).all()
    geo = json.loads((out_dir / "site_load.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == len(load)
    assert f"{int(a['jobs'].sum()):,} jobs matched" in out


def test_match_firms(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = cli(capsys, "match", "--firms", DATA / "firms.csv", "--out", tmp_path)
    assert code == 0
    a = pd.read_csv(tmp_path / "assignment.csv")
    u = pd.read_csv(tmp_path / "unmatched.csv")
    assert set(a["demand_id"]) <= {"甲电子", "乙电子", "丙制衣"}
    assert set(a["kind"]) == {"firm"}
    assert int(a["jobs"].sum()) + int(u["jobs"].sum()) == 3200


def test_match_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert_bad_input(cli(capsys, "match", "--out", tmp_path), "nothing to match")
    assert_bad_input(cli(capsys, "match", "--firms", tmp_path / "nope.csv", "--out", tmp_path), "--firms", "nope.csv")
    bad = tmp_path / "bad_firms.csv"
    bad.write_text("name,industry,origin,jobs\nA,toyz,东莞,10\n", encoding="utf-8")
    assert_bad_input(
        cli(capsys, "match", "--firms", bad, "--out", tmp_path), "bad_firms.csv", "row 2", "industry", "'toys'"
    )


# --- route and access -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_route_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "route", "--from", "重庆", "--to", "上海", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["from"] == "500000" and doc["to"] == "310000"
    assert doc["distance_km"] > 0 and doc["time_h"] > 0 and doc["cost_cny_teu"] > 0
    assert len(doc["legs"]) >= 1
    assert all({"mode", "km", "hours", "cost_cny_teu"} <= set(leg) for leg in doc["legs"])
    assert sum(leg["km"] for leg in doc["legs"]) == pytest.approx(doc["distance_km"], rel=0.01)
    assert_bad_input(cli(capsys, "route", "--from", "重庆x", "--to", "上海"), "--from", "重庆x")


@pytest.mark.slow
def test_access_csv(capsys: pytest.CaptureFixture[str], base: Base) -> None:
    code, out, _ = cli(capsys, "access", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert len(df) == len(base.layers.sites)
    assert df["adcode"].is_unique
    assert set(df["adcode"]) == set(base.layers.sites["adcode"].astype(int))
    assert {"cost_to_sea_cny_teu", "time_to_crex_h", "market_access"} <= set(df.columns)


# --- compare and scenario ---------------------------------------------------------------------------------------


def test_compare_json_and_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, b = DATA / "compare_a.yaml", DATA / "compare_b.yaml"
    code, out, _ = cli(capsys, "compare", a, b, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["summary"]["scenario_a"] == "compare_a" and doc["summary"]["scenario_b"] == "compare_b"
    assert doc["summary"]["leaving"] > 0
    code, out2, err = cli(capsys, "compare", a, b, "--format", "json", "--out", tmp_path / "cmp")
    assert code == 0
    assert out2 == out, "deterministic"
    assert (tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8") == out
    assert (tmp_path / "cmp" / "site_changes.geojson").exists()
    assert "wrote" in err
    code, text, _ = cli(capsys, "compare", a, b)
    assert code == 0 and "share to central+western" in text


def test_scenario_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "scenario", DATA / "child.yaml")
    assert code == 0
    assert out.startswith("ok: child (parent.yaml <- child.yaml)")
    code, out, _ = cli(capsys, "scenario", DATA / "grandchild.yaml", "--show")
    assert code == 0
    assert "extends" not in out and "丙综合保税区" in out


# --- bad input: exit code 2, one line naming the argument --------------------------------------------------------


def test_unknown_industry(capsys: pytest.CaptureFixture[str]) -> None:
    assert_bad_input(
        cli(capsys, "shortlist", "--industry", "electronics", "--top", "5"),
        "--industry",
        "'electronics'",
        "electronics_assembly",
    )


def test_unknown_site(capsys: pytest.CaptureFixture[str]) -> None:
    assert_bad_input(cli(capsys, "site", "--site", "Nanjing"), "--site", "'Nanjing'", "Nanning")
    assert_bad_input(cli(capsys, "site", "--site", "999999"), "--site", "'999999'")


def test_missing_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nope = tmp_path / "nope.yaml"
    assert_bad_input(cli(capsys, "shortlist", "--industry", "toys", "--scenario", nope), "--scenario", "nope.yaml")
    assert_bad_input(cli(capsys, "compare", nope, DATA / "compare_a.yaml"), "nope.yaml")
    assert_bad_input(cli(capsys, "scenario", nope), "nope.yaml", "does not exist")


@pytest.mark.parametrize(
    ("fixture", "needles"),
    [
        ("typo_top.yaml", ("typo_top.yaml", "line 3", "'wieghts'", "'weights'")),
        ("bad_criterion.yaml", ("bad_criterion.yaml", "line 5", "labor_pool", "labour_pool")),
        ("malformed.yaml", ("malformed.yaml", "line 3", "malformed")),
        ("python_tag.yaml", ("python_tag.yaml", "line 2", "tag")),
        ("missing_parent.yaml", ("missing_parent.yaml", "parnet.yaml", "'parent.yaml'")),
    ],
)
def test_bad_scenario(capsys: pytest.CaptureFixture[str], fixture: str, needles: tuple[str, ...]) -> None:
    assert_bad_input(cli(capsys, "scenario", DATA / fixture), *needles)
    assert_bad_input(cli(capsys, "shortlist", "--industry", "toys", "--scenario", DATA / fixture), *needles)


def test_argparse_rejects_bad_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["industries", "--format", "xml"])
    assert info.value.code == 2
    assert "--format" in capsys.readouterr().err


def test_console_entry_point() -> None:
    exe = Path(sys.executable).with_name("transfer")
    if not exe.exists():
        pytest.skip("the package is not installed in this environment")
    proc = subprocess.run([exe, "industries", "--format", "json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)[0]["id"] == "electronics_assembly"
    proc = subprocess.run([exe, "shortlist", "--industry", "nope"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("transfer: --industry")


def test_match_output_defuses_firm_names_that_look_like_formulas(tmp_path: Path) -> None:
    """Firm names from the user's file go into assignment.csv: one starting with = + - @ must stay text."""
    firms = tmp_path / "firms.csv"
    firms.write_text(
        'name,industry,origin,jobs\n"=HYPERLINK(""http://x"")",toys,东莞,300\n@SUM(1),toys,东莞,200\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["match", "--firms", str(firms), "--out", str(out)]) == 0
    text = (out / "assignment.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


# --- evaluate and monitor -------------------------------------------------------------------------------------------

AHP_INCONSISTENT = """ahp:
  criteria: [labour_pool, wage, sea_cost]
  judgements:
    - [labour_pool, wage, 3]
    - [wage, sea_cost, 9]
    - [sea_cost, labour_pool, 5]
"""


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (AHP_INCONSISTENT, ("ahp.yaml, line 4", "inconsistent", "consistency ratio", "[labour_pool, wage, 3]")),
        ("ahp: {criteria: [labour_pool, wage], judgements: [[labour_pool, wage, 3]\n", ("ahp.yaml", "malformed")),
        ("ahp: {criteria: [labour_pool, wage], judgements: [[labour_pool, wage, 10]]}\n", ("1/9..9",)),
        ("ahp: {criteria: [labour_pool, wage], judgements: []}\n", ("not judged", "labour_pool / wage")),
        ("ahp: {criteria: [labour_pol, wage], judgements: []}\n", ("'labour_pol'", "did you mean 'labour_pool'")),
        ("ahp: {criteria: [labour_pool, wage], judgements: [[labour_pool, wage, x]]}\n", ("not a number",)),
        ("ahb: {}\n", ("one top-level key 'ahp'", "did you mean 'ahp'")),
    ],
)
def test_evaluate_bad_ahp_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, needles: tuple) -> None:
    path = tmp_path / "ahp.yaml"
    path.write_text(text, encoding="utf-8")
    assert_bad_input(cli(capsys, "evaluate", "--ahp", path), *needles)


def test_evaluate_bad_index_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "index.yaml"
    path.write_text(
        (REPO / "geodata" / "index_system.yaml").read_text(encoding="utf-8").replace("[sea_cost]", "[sea_cst]")
    )
    needles = ("index.yaml, line 27", "'sea_cst'", "did you mean 'sea_cost'")
    assert_bad_input(cli(capsys, "evaluate", "--index", path), *needles)
    assert_bad_input(cli(capsys, "evaluate", "--weights", "ahp"), "--weights ahp needs --ahp")


def test_evaluate_every_site_with_sub_scores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, "evaluate", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    sites = doc["sites"]
    assert len(sites) == len(pd.read_csv(REPO / "geodata" / "census.csv"))  # every site
    assert [s["rank"] for s in sites[:3]] == [1, 2, 3]
    assert {"location_transport", "policy_environment", "ecological_limits"} <= set(sites[0])
    assert doc["unavailable"] == ["origin_cost", "cluster_fit"]
    path = tmp_path / "ahp.yaml"
    path.write_text(
        "ahp: {criteria: [labour_pool, wage, sea_cost], "
        "judgements: [[labour_pool, wage, 3], [wage, sea_cost, 2], [labour_pool, sea_cost, 5]]}\n",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "evaluate", "--ahp", path, "--method", "topsis", "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:6]) == ["rank", "adcode", "name_zh", "name_en", "province", "score"]
    assert "consistency ratio" in err


def test_evaluate_compare_methods(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "evaluate", "--compare-methods", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert {(r["a"], r["b"]) for r in doc["agreement"]} == {("wsum", "topsis"), ("wsum", "vikor"), ("topsis", "vikor")}
    assert len(doc["most_different"]) == 10


def test_monitor_template_import_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "t.xlsx"
    ws_path = tmp_path / "ws.sqlite"
    assert cli(capsys, "monitor", "template", template, "--year", "2024")[0] == 0
    wb = load_workbook(template)
    sheet = wb["监测数据"]
    sheet["D3"] = 100.0  # the first site's processing-trade trade value
    sheet["E3"] = "=1+1"  # a formula is not a number
    wb.save(template)
    assert_bad_input(cli(capsys, "monitor", "import", template, "--workspace", ws_path), "row 3, column E")
    sheet["E3"] = 2000
    wb.save(template)
    code, out, err = cli(capsys, "monitor", "import", template, "--workspace", ws_path)
    assert code == 0, err
    assert "stored 2 values of 1 sites for 2024" in out
    code, out, err = cli(
        capsys, "monitor", "report", "--workspace", ws_path, "--out", tmp_path / "rep", "--format", "csv"
    )
    assert code == 0, err
    assert (tmp_path / "rep" / "monitoring_report.xlsx").exists()
    assert "年度监测评价" in (tmp_path / "rep" / "monitoring_report.html").read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(out))
    assert {"rank_2010", "rank_2020", "rank_2024"} <= set(frame.columns)


def test_evaluate_year_against_the_base_year(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws = tmp_path / "none.sqlite"
    code, out, err = cli(capsys, "evaluate", "--year", "2020", "--workspace", ws, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert "base year 2010" in doc["info"][0]
    assert doc["sites"][0]["year"] == 2020 and doc["sites"][0]["rank"] == 1
    assert_bad_input(cli(capsys, "evaluate", "--year", "2015", "--workspace", ws), "--year 2015", "2010, 2020")
