"""Tests for transfer.pipeline: firms files (good and bad), per-firm scores by own origin, unmatched demand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transfer.errors import LayerError, ScenarioError
from transfer.pipeline import FIRM_ORIGIN_EXTRA, Base, RunResult, firm_scores, load_firms, run
from transfer.scenarios import parse_scenario
from transfer.scoring import normalise

DATA = Path(__file__).resolve().parent / "data" / "scenarios"
HEADER = "name,industry,origin,jobs,land_ha,needs_bonded_zone\n"
ROWS = (
    "甲电子,electronics_assembly,深圳,1200,5,yes\n"
    "乙电子,electronics_assembly,苏州市,1200,5,yes\n"
    "丙制衣,textiles_garments,Dongguan,800,3,no\n"
)


@pytest.fixture(scope="module")
def plain(base: Base) -> RunResult:
    return run(base, match=False)


def _firms(base: Base, path: Path) -> pd.DataFrame:
    return load_firms(path, base.catalogue, base.layers)


# --- reading firms files -----------------------------------------------------------------------------------------


def test_base_has_accessibility_for_every_site(base: Base) -> None:
    assert base.access is not None
    assert set(base.layers.sites["adcode"].astype(int)) <= set(base.access.index.astype(int))


def test_good_csv(base: Base) -> None:
    f = _firms(base, DATA / "firms.csv")
    assert list(f["name"]) == ["甲电子", "乙电子", "丙制衣"]
    assert list(f["origin"]) == [440300, 320500, 441900]  # 深圳, 苏州市, Dongguan
    assert list(f["jobs"]) == [1200, 1200, 800]
    assert list(f["land_ha"]) == [5.0, 5.0, 3.0]
    assert list(f["needs_bonded_zone"]) == [True, True, False]


def test_gbk_csv_and_xlsx_read_the_same(base: Base, tmp_path: Path) -> None:
    ref = _firms(base, DATA / "firms.csv")
    gbk = tmp_path / "firms_gbk.csv"
    gbk.write_bytes((HEADER + ROWS).encode("gbk"))
    pd.testing.assert_frame_equal(_firms(base, gbk), ref)
    xlsx = tmp_path / "firms.xlsx"
    pd.read_csv(DATA / "firms.csv").to_excel(xlsx, index=False)
    pd.testing.assert_frame_equal(_firms(base, xlsx), ref)


def test_origin_by_adcode(base: Base, tmp_path: Path) -> None:
    f = tmp_path / "codes.csv"
    f.write_text(
        "name,industry,origin,jobs\nA,toys,440300,10\nB,toys,shenzhen,10\nC,toys,320500.0,10\nD,toys,SuZhou,10\n",
        encoding="utf-8",
    )
    assert list(_firms(base, f)["origin"]) == [440300, 440300, 320500, 320500]


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (
            "name,industry,origin,job\nA,toys,深圳,10\n",
            r"bad\.csv: missing required column\(s\): 'jobs' \(did you mean 'job'\?\)",
        ),
        (
            "name,industry,origin,jobs\nA,toys,深圳,10\nB,electronics_assembley,深圳,10\n",
            r"bad\.csv, row 3, field 'industry': unknown industry 'electronics_assembley' "
            r"\(did you mean 'electronics_assembly'\?\)",
        ),
        (
            "name,industry,origin,jobs\nA,toys,Shenzen,10\n",
            r"bad\.csv, row 2, field 'origin': unknown origin 'Shenzen' \(did you mean 'Shenzhen'\?\)",
        ),
        (
            "name,industry,origin,jobs\nA,toys,深圳,10\nB,toys,深圳,-3\n",
            r"bad\.csv, row 3, field 'jobs': .*negative \(found -3\)",
        ),
        ("name,industry,origin,jobs\nA,toys,深圳,10.5\n", r"bad\.csv, row 2, field 'jobs': .*whole number"),
        ("name,industry,origin,jobs\nA,toys,深圳,ten\n", r"bad\.csv, row 2, field 'jobs'"),
        (
            "name,industry,origin,jobs\nA,toys,深圳,10\nB,toys,深圳,10\nA,toys,东莞,5\n",
            r"bad\.csv, rows 2, 4, field 'name': duplicate firm name 'A'",
        ),
        ("name,industry,origin,jobs\n,toys,深圳,10\n", r"bad\.csv, row 2, field 'name': firm name is empty"),
        ("name,industry,origin,jobs,land_ha\nA,toys,深圳,10,big\n", r"bad\.csv, row 2, field 'land_ha'"),
        ("name,industry,origin,jobs\n", r"bad\.csv: the firms file has no rows"),
    ],
    ids=[
        "missing-column",
        "industry",
        "origin",
        "negative",
        "fractional",
        "text",
        "duplicate",
        "empty-name",
        "land",
        "no-rows",
    ],
)
def test_bad_firms_files(base: Base, tmp_path: Path, content: str, pattern: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(LayerError, match=pattern):
        _firms(base, bad)


def test_missing_firms_file(base: Base, tmp_path: Path) -> None:
    with pytest.raises(LayerError, match=r"nope\.csv.*does not exist"):
        _firms(base, tmp_path / "nope.csv")


# --- firm scores use the firm's own origin ------------------------------------------------------------------------


def test_firm_scores_use_own_origin(base: Base, plain: RunResult) -> None:
    firms = _firms(base, DATA / "firms.csv")
    fs, fe = firm_scores(plain.scores, plain.table, firms)
    res = plain.scores
    i = res.industries.index("electronics_assembly")
    k = res.criteria.index("origin_cost")
    w = res.weights[i, k]
    assert w > 0
    industry_wo_origin = res.contributions[i].sum(axis=1) - res.contributions[i, :, k]
    for name, origin in (("甲电子", 440300), ("乙电子", 320500)):
        own = normalise(plain.table.origin_costs[origin], "min", winsor=res.options.winsor).to_numpy()
        own = np.where(np.isfinite(own), own, 0.5)
        # the industry's score with the origin-cost part taken to the firm's own origin, weighted FIRM_ORIGIN_EXTRA
        # more (weights renormalised)
        x = FIRM_ORIGIN_EXTRA
        np.testing.assert_allclose(fs.loc[name].to_numpy() * (1 + x) - (w + x) * own, industry_wo_origin, atol=1e-12)
        assert fe.loc[name].equals(res.eligible.loc["electronics_assembly"].rename(name))
    diff = fs.loc["甲电子"] - fs.loc["乙电子"]
    assert diff.abs().max() > 0.005
    assert diff[431000] > 0, "郴州 (next to Guangdong) suits the Shenzhen firm better"
    assert diff[340100] < 0, "合肥 (near Suzhou) suits the Suzhou firm better"


def test_firm_that_needs_a_bonded_zone(base: Base, plain: RunResult, tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("name,industry,origin,jobs,needs_bonded_zone\nA,toys,东莞,10,是\nB,toys,东莞,10,no\n", "utf-8")
    firms = _firms(base, f)
    _, fe = firm_scores(plain.scores, plain.table, firms)
    full = plain.table.sites["has_full_bonded_zone"].reindex(fe.columns).to_numpy(dtype=bool)
    assert (fe.loc["A"].to_numpy() == (plain.scores.eligible.loc["toys"].to_numpy() & full)).all()
    assert fe.loc["B"].equals(plain.scores.eligible.loc["toys"].rename("B"))


def test_run_uses_firm_scores_for_firm_demand(base: Base, plain: RunResult) -> None:
    firms = _firms(base, DATA / "firms.csv")
    res = run(base, firms=firms)
    assert res.demand_scores is not None
    fs, _ = firm_scores(plain.scores, plain.table, firms)
    np.testing.assert_allclose(res.demand_scores.loc["甲电子"].to_numpy(), fs.loc["甲电子"].to_numpy())
    assert res.assignment is not None
    assert int(res.assignment.assignment["jobs"].sum()) == 3200


# --- unmatched demand ---------------------------------------------------------------------------------------------


def test_unmatched_demand_reported_when_capacity_is_short(base: Base, plain: RunResult, tmp_path: Path) -> None:
    best = int(plain.scores.shortlist("toys", top=1)["adcode"].iloc[0])
    cap = int(plain.capacity.at[best])
    assert cap > 0
    f = tmp_path / "big.csv"
    f.write_text(f"name,industry,origin,jobs\n巨型玩具,toys,东莞,{cap + 1234}\n", encoding="utf-8")
    # a firm is indivisible by default: too big for its only candidate site, it stays wholly unmatched
    scn = parse_scenario("name: short\nmatching: {top_k: 1}\n")
    res = run(base, scn, firms=_firms(base, f))
    assert res.assignment is not None and res.assignment.assignment.empty
    assert res.assignment.unmatched.to_dict("records") == [{"demand_id": "巨型玩具", "jobs": cap + 1234}]
    # split freely, the site takes what it can and the rest is reported
    scn = parse_scenario("name: short\nmatching: {top_k: 1, indivisible: false, block_jobs: null}\n")
    res = run(base, scn, firms=_firms(base, f))
    a = res.assignment.assignment
    assert list(a["site_id"]) == [best] and list(a["jobs"]) == [cap]
    assert res.assignment.unmatched.to_dict("records") == [{"demand_id": "巨型玩具", "jobs": 1234}]
    assert any("1,234 jobs could not be matched" in n for n in res.notes)
    assert any("binding limits: 1 × site capacity" in n for n in res.notes)


def test_firm_named_like_an_industry_is_rejected(base: Base, tmp_path: Path) -> None:
    f = tmp_path / "clash.csv"
    f.write_text("name,industry,origin,jobs\ntoys,toys,东莞,10\n", encoding="utf-8")
    scn = parse_scenario("name: clash\ndemand:\n  industries: [{industry: toys, jobs: 10}]\n")
    with pytest.raises(ScenarioError, match=r"demand id 'toys' appears twice"):
        run(base, scn, firms=_firms(base, f))


def test_run_without_demand_has_no_assignment(plain: RunResult) -> None:
    assert plain.assignment is None
    assert plain.demand.empty


def test_run_keeps_the_scenario_network_only_when_it_edits_one(base):
    from transfer.pipeline import edits_network, run
    from transfer.scenarios import Scenario

    plain = Scenario(name="plain")
    edited = Scenario.model_validate(
        {"name": "edited", "overrides": {"network": {"params": {"corridor_rate_factor": {"rail_sea": 0.5}}}}}
    )
    assert not edits_network(plain) and edits_network(edited)
    assert run(base, plain, match=False).network is None
    res = run(base, edited, match=False)
    assert res.network is not None and res.network is not base.network


def test_a_run_that_differs_in_weights_only_reuses_the_site_table(base: Base) -> None:
    from transfer.scenarios import Scenario

    plain = Scenario(name="plain", overrides={"wages": {"province_change": {"广东省": 0.2}}})
    first = run(base, plain)
    weighted = plain.model_copy(update={"weights": {"toys": {"wage": 1.0}}})
    again = run(base, weighted, reuse=first)
    assert again.table is first.table  # the site table (and layers) are reused ...
    full = run(base, weighted)
    assert again.scores.scores.equals(full.scores.scores)  # ... and the scores are those of a full run
    assert not again.scores.scores.loc["toys"].equals(first.scores.scores.loc["toys"])
    # a run of another scenario is not reused
    other = Scenario(name="other", weights={"toys": {"wage": 1.0}})
    assert run(base, other, reuse=first).table is not first.table


# --- a replaced hubs layer takes effect everywhere -----------------------------------------------------------------


def test_replaced_hubs_reach_the_network_and_accessibility(base: Base) -> None:
    """Dropping every sea gateway but Shanghai's: Nanning's nearest gateway is no longer Qinzhou, its cost rises,
    and the network routes to the remaining hubs only."""
    import dataclasses

    from transfer.pipeline import base_with_layers, get_network

    hubs = base.layers.hubs
    keep = hubs[(hubs["hub_type"] != "sea_gateway") | (hubs["hub_id"] == "sea_shanghai")]
    new = base_with_layers(base, dataclasses.replace(base.layers, hubs=keep), recompute_access=False)
    nanning = 450100
    assert base.access.at[nanning, "nearest_sea_gateway"] == "sea_qinzhou"
    assert new.access.at[nanning, "nearest_sea_gateway"] == "sea_shanghai"
    assert new.access.at[nanning, "cost_to_sea_cny_teu"] > 2 * base.access.at[nanning, "cost_to_sea_cny_teu"]
    places = get_network(new).inputs.places
    net_sea = set(places.loc[(places["kind"] == "hub") & (places["hub_type"] == "sea_gateway"), "place_id"])
    assert net_sea == {"sea_shanghai"}
    # the base is untouched
    assert get_network(base) is not get_network(new)
    assert base.access.at[nanning, "nearest_sea_gateway"] == "sea_qinzhou"
    # and a run on the new base scores with the new accessibility
    res = run(new, match=False)
    assert res.table.values.at[nanning, "sea_cost"] == pytest.approx(new.access.at[nanning, "cost_to_sea_cny_teu"])


@pytest.mark.parametrize(
    "kind",
    [
        "sites",
        "origins",
        "bonded_zones",
        "hubs",
        "designations",
        "census",
        "key_eco_counties",
        "key_eco_coverage",
        "dev_zones",
        "min_wage",
        "industry_clusters",
        "province_economy",
    ],
)
def test_a_layer_with_only_its_required_columns_runs(base: Base, tmp_path: Path, kind: str) -> None:
    """The documented schema is the contract: a replaced layer with only the required columns (and coordinates
    or geometry) loads, and a run on it works; optional names fall back (an English name to the Chinese one)."""
    import geopandas as gpd

    from transfer.layers import SCHEMAS, replace_layer
    from transfer.pipeline import base_with_layers

    frame = getattr(base.layers, kind)
    schema = SCHEMAS[kind]
    keep = [c for c in schema.required if c in frame.columns]
    if schema.geometry == "polygon":
        path = tmp_path / f"{kind}.geojson"
        gpd.GeoDataFrame(frame[keep], geometry=frame.geometry, crs=4326).to_file(path)
    else:
        keep += [c for c in ("lon", "lat") if c in frame.columns and (schema.geometry or kind == "hubs")]
        path = tmp_path / f"{kind}.csv"
        pd.DataFrame(frame[keep]).to_csv(path, index=False)
    layers = replace_layer(base.layers, kind, path)
    new = base_with_layers(base, layers, recompute_access=kind in ("sites", "origins"))
    res = run(new, match=False)
    assert len(res.scores.shortlist("toys", top=10)) == 10
    if "name_en" in schema.optional:
        replaced = getattr(new.layers, kind)
        assert (replaced["name_en"] == replaced["name_zh"]).all()
