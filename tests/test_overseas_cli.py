"""Tests for ``--overseas`` on ``transfer shortlist`` and ``transfer match`` (in-process, on the default data)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from transfer import overseas as ov
from transfer.cli import main
from transfer.pipeline import Base

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


@pytest.fixture(autouse=True)
def _shared_base(monkeypatch: pytest.MonkeyPatch, base: Base) -> None:
    """Every command reuses the session's base data instead of loading it again."""
    monkeypatch.setattr("transfer.pipeline.load_base", lambda *a, **k: base)


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_has_its_own_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, plain, _ = cli(capsys, "shortlist", "--industry", "textiles_garments", "--top", "5")
    assert code == 0
    code, out, _ = cli(capsys, "shortlist", "--industry", "textiles_garments", "--top", "5", "--overseas")
    assert code == 0
    domestic, _, rest = out.partition("\noverseas economic and trade cooperation zones")
    assert domestic == plain  # the domestic table is unchanged
    assert "not ranked with the sites above" in rest
    overseas_part, _, border_part = rest.partition("border and cross-border economic cooperation zones")
    assert "et_eastern" in overseas_part and "kh_sihanoukville" in overseas_part
    assert "et_eastern" not in domestic
    assert "khorgos" in border_part and "CHN" in border_part


def test_json_keeps_the_domestic_list_and_adds_keys(capsys: pytest.CaptureFixture[str]) -> None:
    _, plain, _ = cli(capsys, "shortlist", "--industry", "footwear", "--top", "4", "--format", "json")
    code, out, _ = cli(capsys, "shortlist", "--industry", "footwear", "--top", "4", "--format", "json", "--overseas")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"domestic", "overseas", "border_zones", "overseas_basis"}
    assert doc["domestic"] == json.loads(plain)
    assert len(doc["overseas"]) == 20 and all(r["country"] for r in doc["overseas"])
    assert [r["rank"] for r in doc["overseas"]] == list(range(1, 21))
    assert all(r["country"] == "CHN" for r in doc["border_zones"])
    assert doc["overseas_basis"]["ship_speed_knots"] == ov.DEFAULT_SHIP_SPEED_KNOTS
    top = doc["overseas"][0]
    assert top["reasons"] and isinstance(top["caveats"], list)


def test_csv_has_a_section_column_and_a_country_on_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "shortlist",
        "--industry",
        "textiles_garments",
        "--top",
        "3",
        "--format",
        "csv",
        "--overseas",
        "--origin",
        "深圳",
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out), dtype=str)
    assert df.columns[0] == "section"
    assert df["adcode"].dropna().str.fullmatch(r"\d{6}").all() and df["rank"].dropna().str.fullmatch(r"\d+").all()
    assert df["section"].value_counts().to_dict() == {"overseas": 20, "border_zones": 20, "domestic": 3}
    assert df["country"].notna().all()
    assert set(df.loc[df["section"] == "domestic", "country"]) == {"CHN"}
    assert set(df.loc[df["section"] == "overseas", "origin_gateway"]) == {"sea_shenzhen"}
    assert df.loc[df["section"] == "domestic", "zone_id"].isna().all()  # never mixed into the domestic ranking


def test_unknown_origin_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "shortlist", "--industry", "toys", "--overseas", "--origin", "Atlantis")
    assert code == 2 and out == ""
    assert err.startswith("transfer: ") and "--origin" in err and "Atlantis" in err


def test_missing_layer_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ov.FILES, "overseas_zones", "curated/no_such_overseas_zones.csv")
    code, out, err = cli(capsys, "shortlist", "--industry", "toys", "--overseas")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "overseas_zones layer is missing" in err and "no_such_overseas_zones.csv" in err


def test_unreadable_layer_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "border_zones.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    monkeypatch.setitem(ov.FILES, "border_zones", str(broken))
    code, out, err = cli(capsys, "match", "--scenario", BASELINE, "--out", tmp_path / "out", "--overseas")
    assert code == 2 and out == ""
    assert "border_zones" in err and not (tmp_path / "out" / "assignment.csv").exists()


def test_match_lists_zones_without_capacity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "match", "--scenario", BASELINE, "--out", tmp_path, "--overseas")
    assert code == 0
    assert "listed in overseas_candidates.csv, not matched" in out and "capacity_jobs is empty" in out
    listing = pd.read_csv(tmp_path / "overseas_candidates.csv")
    assert not listing["matched"].any() and listing["country"].notna().all()
    assert not (tmp_path / "overseas_assignment.csv").exists()
    assignment = pd.read_csv(tmp_path / "assignment.csv")
    assert not assignment["adcode"].astype(str).isin(listing["zone_id"]).any()
