"""The Streamlit app through streamlit.testing: every page, the language switch and the error paths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from transfer_app import core
from transfer_app import maps as amap
from transfer_app.pages import PAGES

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE_PATHS = [path for path, *_ in PAGES]
TIMEOUT_S = 180
ZHENGZHOU = 410100


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(tmp_path / "workspace.sqlite"))


def goto(at: AppTest, page: str) -> AppTest:
    """Open one page of the navigation (AppTest.switch_page knows file pages only; a callable page's script hash is
    the hash of its url path, as in st.Page)."""
    assert page in PAGE_PATHS, page
    at._page_hash = calc_hash(page)
    return at.run()


def _app(page: str | None = None, lang: str = "zh", **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if lang != "zh":
        at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    return at if page is None else goto(at, page)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def test_map_page_renders_in_chinese_by_default() -> None:
    at = _app()
    _ok(at)
    assert f"### {core.tr('app.title', 'zh')}" in _texts(at)
    assert core.tr("profile.click_hint", "zh") in _texts(at)


def test_language_switch_to_english() -> None:
    at = _app("shortlists")
    at.radio(key="lang").set_value("en").run()
    _ok(at)
    assert f"### {core.tr('app.title', 'en')}" in _texts(at)
    # the open page survives the switch (its url path does not depend on the language)
    assert any(s.value.startswith("Receiving-site shortlist") for s in at.subheader)


def test_site_profile_opens_for_the_selected_site() -> None:
    at = _app(site=ZHENGZHOU)
    _ok(at)
    assert any("郑州市" in s.value for s in at.subheader)
    labels = [m.label for m in at.metric]
    assert core.tr("profile.robustness", "zh") in " ".join(labels)
    assert len(at.dataframe) >= 2  # key figures with sources, route legs or industries to court


def test_picking_a_site_from_the_list_opens_its_profile() -> None:
    at = _app()
    at.selectbox(key="site_pick").set_value(ZHENGZHOU).run()
    _ok(at)
    assert at.session_state["site"] == ZHENGZHOU
    assert any("郑州市" in s.value for s in at.subheader)


def test_shortlist_page_with_filters() -> None:
    at = _app("shortlists")
    _ok(at)
    table = at.dataframe[0].value
    assert 0 < len(table) <= 10
    at.multiselect(key="sl_region").set_value(["western"]).run()
    _ok(at)
    regions = set(at.dataframe[0].value[core.tr("col.region", "zh")])
    assert regions == {core.tr("region.western", "zh")}
    assert len(at.get("download_button")) >= 4  # CSV, XLSX, GeoJSON, brief


def test_shortlist_site_to_industries() -> None:
    at = _app("shortlists")
    at.radio(key="sl_direction").set_value("site_to_industries").run()
    at.selectbox(key="sl_site").set_value(ZHENGZHOU).run()
    _ok(at)
    assert len(at.dataframe[0].value) == 15  # every industry, eligible first


def test_shortlist_filter_that_leaves_nothing_says_so() -> None:
    at = _app("shortlists")
    at.slider(key="sl_min").set_value(1.0).run()
    _ok(at)
    assert core.tr("shortlist.empty", "zh") in _texts(at)


def test_workshop_slider_rescores_without_rerunning_the_network() -> None:
    at = _app("workshop", industry="electronics_assembly")
    _ok(at)
    before = list(at.dataframe[0].value[core.tr("col.site", "zh")])
    for crit in ("labour_pool", "bonded_zone", "sea_cost", "origin_cost", "crex_time", "air_time",
                 "market_access", "policy_support", "dev_zones", "eco_pressure"):  # fmt: skip
        at.slider(key=f"w_electronics_assembly_{crit}").set_value(0.0)
    at.slider(key="w_electronics_assembly_wage").set_value(1.0).run()
    _ok(at)
    assert "electronics_assembly" in at.session_state["weights"]
    after = list(at.dataframe[0].value[core.tr("col.site", "zh")])
    assert after != before
    assert any("毫秒" in c.value for c in at.caption)


def test_reset_weights_moves_the_sliders_back_and_ends_the_override() -> None:
    at = _app("workshop", industry="electronics_assembly")
    default = at.slider(key="w_electronics_assembly_labour_pool").value
    at.slider(key="w_electronics_assembly_labour_pool").set_value(0.9).run()
    _ok(at)
    assert at.session_state["weights"].get("electronics_assembly")
    assert any(core.tr("sidebar.custom_weights", "zh", industries="").split("(")[0] in i.value for i in at.info)
    reset = next(b for b in at.button if b.label == core.tr("workshop.reset_weights", "zh"))
    reset.click().run()
    _ok(at)
    assert not at.session_state["weights"].get("electronics_assembly")
    assert at.slider(key="w_electronics_assembly_labour_pool").value == pytest.approx(default)
    assert not any(core.tr("sidebar.custom_weights", "zh", industries="").split("(")[0] in i.value for i in at.info)


def test_workshop_bad_scenario_yaml_shows_a_message_not_a_traceback() -> None:
    at = _app("workshop")
    at.text_area(key="yaml_editor").set_value("name: broken\nweights:\n  '*': {wagee: 1.0}\n")
    apply = next(b for b in at.button if b.label == core.tr("workshop.apply_yaml", "zh"))
    apply.click().run()
    assert not at.exception
    assert any("wagee" in e.value for e in at.error), [e.value for e in at.error]
    # said in the page's language, with where and how to fix: the key, its line, the fix
    (shown,) = [e.value for e in at.error if "wagee" in e.value]
    assert "第 3 行" in shown and "修改方法" in shown and "line 3" not in shown and "Fix:" not in shown, shown
    at.text_area(key="yaml_editor").set_value("name: broken\nweigths:\n  '*': {}\n")
    apply = next(b for b in at.button if b.label == core.tr("workshop.apply_yaml", "zh"))
    apply.click().run()
    (shown,) = [e.value for e in at.error if "weigths" in e.value]
    assert "未知的键 'weigths'" in shown and "weights" in shown and "unknown key" not in shown, shown


def test_workshop_good_scenario_yaml_becomes_the_active_scenario() -> None:
    at = _app("workshop")
    at.text_area(key="yaml_editor").set_value("name: wage_heavy\nweights:\n  '*': {wage: 0.9}\n")
    apply = next(b for b in at.button if b.label == core.tr("workshop.apply_yaml", "zh"))
    apply.click().run()
    _ok(at)
    assert at.session_state["scenario"] == "edit:wage_heavy"
    assert "wage_heavy" in at.session_state["edited"]


def _apply(at: AppTest, text: str) -> AppTest:
    at.text_area(key="yaml_editor").set_value(text)
    next(b for b in at.button if b.label == core.tr("workshop.apply_yaml", "zh")).click().run()
    _ok(at)
    return at


def test_two_edited_scenarios_can_be_compared() -> None:
    at = _app("workshop")
    _apply(at, "name: wage_heavy\nweights:\n  '*': {wage: 0.9}\n")
    _apply(at, "name: labour_heavy\nweights:\n  '*': {labour_pool: 0.9}\n")
    assert set(at.session_state["edited"]) == {"wage_heavy", "labour_heavy"}
    goto(at, "compare")
    at.selectbox(key="cmp_a").set_value("edit:wage_heavy")
    at.selectbox(key="cmp_b").set_value("edit:labour_heavy").run()
    at.toggle(key="cmp_on").set_value(True).run()
    _ok(at)
    texts = _texts(at)
    assert core.tr("compare.change_map", "zh") in texts
    assert core.tr("compare.rank_change", "zh") in texts
    # the headline counts the chosen industry, as the table below it does
    status = core.tr("compare.status", "zh")
    table = next(d.value for d in at.dataframe if status in d.value.columns)
    entering = next(m for m in at.metric if m.label == core.tr("compare.entering", "zh"))
    assert int(entering.value) == int((table[status] == core.tr("compare.entering", "zh")).sum()) > 0
    # ... and the switch counts every industry, table and headline alike
    at.toggle(key="cmp_all").set_value(True).run()
    table = next(d.value for d in at.dataframe if status in d.value.columns)
    entering_all = next(m for m in at.metric if m.label == core.tr("compare.entering", "zh"))
    assert int(entering_all.value) == int((table[status] == core.tr("compare.entering", "zh")).sum())
    assert int(entering_all.value) > int(entering.value)


def test_firms_page_without_upload_offers_the_template() -> None:
    at = _app("firms")
    _ok(at)
    assert core.tr("firms.none", "zh") in _texts(at)


def _upload(at: AppTest, key: str, name: str, content: bytes) -> AppTest:
    at.file_uploader(key=key).set_value((name, content, "text/csv"))
    return at.run()


def test_firms_upload_matches_and_escapes_names() -> None:
    at = _app("firms")
    csv = (
        "name,industry,origin,jobs\n甲电子,electronics_assembly,深圳,800\n<img src=x onerror=alert(1)>,toys,东莞,300\n"
    ).encode()
    _upload(at, "firms_file", "firms.csv", csv)
    _ok(at)
    texts = _texts(at)
    assert core.tr("firms.joint_assignment", "zh") in texts
    per_firm = at.dataframe[0].value
    assert "<img src=x onerror=alert(1)>" in set(per_firm[core.tr("col.firm", "zh")])  # shown as text in a table


def test_firms_bad_upload_shows_the_validation_message() -> None:
    at = _app("firms")
    _upload(at, "firms_file", "firms.csv", "name,industry,origin\nA,toys,东莞\n".encode())
    assert not at.exception
    assert any("jobs" in e.value and "firms.csv" in e.value for e in at.error), [e.value for e in at.error]


def test_firms_workbook_sheet_is_named_and_selectable() -> None:
    """Data on the second sheet: the first is read and the message names it and the other; choosing the second
    sheet reads the firms."""
    book = (REPO / "tests" / "data" / "bad" / "firms" / "data_on_second_sheet.xlsx").read_bytes()
    at = _app("firms")
    _upload(at, "firms_file", "firms.xlsx", book)
    assert not at.exception
    assert any("'说明'" in e.value and "企业" in e.value for e in at.error), [e.value for e in at.error]
    at.selectbox(key="firms_sheet").set_value("企业").run()
    _ok(at)
    assert any("firms.xlsx · 企业" in s.value for s in at.success), [s.value for s in at.success]


def test_firms_upload_over_the_size_limit_is_refused() -> None:
    at = _app("firms")
    big = b"name,industry,origin,jobs\n" + b"x" * int((core.MAX_UPLOAD_MB + 1) * 1e6)
    _upload(at, "firms_file", "big.csv", big)
    assert not at.exception
    assert any("MB" in e.value for e in at.error)


def test_data_page_lists_every_layer_with_sources() -> None:
    at = _app("data")
    _ok(at)
    inv = at.dataframe[0].value
    labels = set(inv[core.tr("data.layer", "zh")])
    # translated names, with the layer id a replacement file is for in brackets
    assert {"承接地范围 (sites)", "海关特殊监管区域 (bonded_zones)", "物流枢纽 (hubs)", "通道 (corridors)"} <= labels
    cov = at.dataframe[1].value
    assert len(cov) == 16 and "labour_pool" not in set(cov[core.tr("col.criterion", "zh")])
    assert "ODbL" in _texts(at)


def test_data_page_bad_layer_upload_shows_validation_message() -> None:
    at = _app("data")
    at.selectbox(key="replace_kind").set_value("bonded_zones")
    _upload(at, "layer_file", "zones.csv", b"name_zh,city_adcode\nX,410100\n")
    at.button(key="replace_go").click().run()
    assert not at.exception
    assert any("zones.csv" in e.value for e in at.error), [e.value for e in at.error]


def test_data_page_replaces_a_layer_and_resets() -> None:
    at = _app("data")
    at.selectbox(key="replace_kind").set_value("bonded_zones")
    csv = (
        "name_zh,zone_type,city_adcode,source\n<b>测试</b>综合保税区,综合保税区,410100,test fixture (not a real zone)\n"
    ).encode()
    _upload(at, "layer_file", "zones.csv", csv)
    at.button(key="replace_go").click().run()
    _ok(at)
    assert at.session_state["custom_base"] is not None
    assert len(at.session_state["custom_base"].layers.bonded_zones) == 1
    at.button(key="replace_reset").click().run()
    _ok(at)
    assert at.session_state["custom_base"] is None


# --- helpers, without Streamlit ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_run():  # type: ignore[no-untyped-def]
    from transfer.pipeline import load_base, run

    base = load_base()
    return base, run(base)


def test_map_html_is_small_and_escapes_uploaded_names(base_run) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    import geopandas as gpd

    _base, r = base_run
    bz = r.layers.bonded_zones.copy()
    bz.loc[bz.index[0], "name_zh"] = "<img src=x onerror=alert(1)>"
    layers = dataclasses.replace(r.layers, bonded_zones=gpd.GeoDataFrame(bz, crs=bz.crs))
    r2 = dataclasses.replace(r, layers=layers)
    m = amap.make_map(r2, r2.scores, "electronics_assembly", "zh", provinces=None)
    page = m.get_root().render()
    assert "<img src=x" not in page
    # escaped once (shown as text by the tooltip), written inside a JS string
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.replace("\\u0026", "&")
    assert amap.map_html_size_bytes(m) < 2_000_000


def test_site_at_finds_the_clicked_polygon(base_run) -> None:  # type: ignore[no-untyped-def]
    _, r = base_run
    shapes = amap.simplified_sites(r.layers.sites)
    site = r.layers.sites.set_index("adcode").loc[ZHENGZHOU]
    assert amap.site_at(shapes, float(site["lat"]), float(site["lon"])) == ZHENGZHOU
    assert amap.site_at(shapes, 0.0, 0.0) is None


def test_slider_weights_rescore_one_industry(base_run) -> None:  # type: ignore[no-untyped-def]
    from transfer.pipeline import run
    from transfer_app.state import with_weights

    base, r = base_run
    res = run(base, with_weights(r.scenario, {"toys": {"wage": 1.0}}), reuse=r).scores
    w = core.effective_weights(res, "toys")
    assert w["wage"] > core.effective_weights(r.scores, "toys")["wage"]
    assert not res.scores.loc["toys"].equals(r.scores.scores.loc["toys"])
    assert res.scores.loc["footwear"].equals(r.scores.scores.loc["footwear"])


def test_shortlist_filters(base_run) -> None:  # type: ignore[no-untyped-def]
    _, r = base_run
    df = core.shortlist_frame(r.scores, "toys", top=5, regions=["central"], bonded_zone_only=True)
    assert len(df) <= 5 and set(df["region"]) <= {"central"}
    assert list(df["rank"]) == list(range(1, len(df) + 1))
    assert (r.table.sites.loc[df["adcode"], "has_full_bonded_zone"]).all()


def test_upload_size_check_and_labels() -> None:
    assert core.check_upload_size(1_000, "zh") is None
    assert "MB" in str(core.check_upload_size(25_000_000, "en"))
    assert core.tr("map.pick_site", "en") == "Or pick a site from the list"
    assert core.tr("tab.map", "en") == "Map"


def test_firms_template_reads_back() -> None:
    import io

    df = pd.read_csv(io.BytesIO(core.firms_template_csv()), encoding="utf-8-sig")
    assert {"name", "industry", "origin", "jobs"} <= set(df.columns)


def test_exports_and_printable_brief(base_run) -> None:  # type: ignore[no-untyped-def]
    import json

    from transfer_app import exports, state
    from transfer_app.session import Session

    base, r = base_run
    shapes = amap.simplified_sites(r.layers.sites)
    ctx = state.Ctx(
        session=Session(),
        lang="zh",
        base=base,
        base_token="default",
        run=r,
        scn=r.scenario,
        scn_plain=r.scenario,
        scn_key="default",
        industry="toys",
        origin=440300,
        top_n=5,
        provinces=None,
        map_sites=shapes,
    )
    df = core.shortlist_frame(r.scores, "toys", top=5, regions=["western"])
    made_with = exports.context(ctx, filters={"regions": ["western"], "top": 5})
    page = exports.brief(ctx, df, "玩具承接地短名单", made_with).decode("utf-8")
    assert "<svg" in page and "玩具承接地短名单" in page and "<script" not in page
    assert "西部" in page.split("</h1>")[0]  # a brief filtered to the western region is titled so
    gj = json.loads(core.table_bytes(df, "geojson", sites=r.layers.sites, context=made_with))
    assert len(gj["features"]) == len(df)
    assert gj["metadata"]["filters"]["regions"] == ["western"] and gj["metadata"]["weights"]
    csv = core.table_bytes(df, "csv", context=made_with)
    assert csv.startswith(b"\xef\xbb\xbf") and b"# " in csv.splitlines()[0]
    assert core.table_bytes(df, "xlsx", context=made_with)[:2] == b"PK"
    # the headers in the page language
    header = next(line for line in csv.decode("utf-8-sig").splitlines() if not line.startswith("#"))
    assert "排名" in header and "rank" not in header


def test_sidebar_choices_survive_a_language_switch_and_follow_the_industry() -> None:
    at = _app()
    at.selectbox(key="industry").set_value("footwear").run()
    at.selectbox(key="origin").set_value(350500).run()  # 泉州, a footwear origin
    at.radio(key="lang").set_value("en").run()
    at.number_input(key="top_n").set_value(12).run()  # the next click after the switch
    _ok(at)
    assert at.session_state["industry"] == "footwear" and at.session_state["origin"] == 350500
    assert at.session_state["lang"] == "en" and at.session_state["top_n"] == 12
    # electronics is not made in 泉州: its own first origin (深圳) replaces it, so routes start from there
    at.selectbox(key="industry").set_value("electronics_assembly").run()
    assert at.session_state["origin"] == 440300
    # 东莞 is an origin of both: choosing it and changing between them keeps it
    at.selectbox(key="origin").set_value(441900).run()
    at.selectbox(key="industry").set_value("footwear").run()
    assert at.session_state["origin"] == 441900


def test_yaml_editor_text_survives_a_tab_switch() -> None:
    at = _app("workshop")
    text = "name: mine\ndescription: kept\nweights:\n  '*': {wage: 0.5}\n"
    at.text_area(key="yaml_editor").set_value(text).run()
    goto(at, "map")
    goto(at, "workshop")
    _ok(at)
    assert at.text_area(key="yaml_editor").value == text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGE_PATHS)
def test_every_page_renders_in_both_languages(page: str, lang: str) -> None:
    at = _app(page, lang=lang)
    _ok(at)
    assert _texts(at).strip()


def test_slider_weights_reach_the_firms_and_compare_pages() -> None:
    """Slider weights are a scenario override: the shortlist, the firm matches and compare all read the same run."""
    at = _app("workshop", industry="electronics_assembly")
    for crit in ("labour_pool", "bonded_zone", "sea_cost", "origin_cost", "crex_time", "air_time",
                 "market_access", "policy_support", "dev_zones", "eco_pressure"):  # fmt: skip
        at.slider(key=f"w_electronics_assembly_{crit}").set_value(0.0)
    at.slider(key="w_electronics_assembly_wage").set_value(1.0).run()
    _ok(at)
    # compare: by default the sidebar scenario without and with the sliders, computed at once
    goto(at, "compare")
    _ok(at)
    assert at.selectbox(key="cmp_b").value == "current"
    status = core.tr("compare.status", "zh")
    table = next(d.value for d in at.dataframe if status in d.value.columns)
    assert (table[status] != core.tr("compare.stayed", "zh")).any()
    # firms: the per-firm match follows the weights (wage only: cheap-labour sites first)
    goto(at, "firms")
    _upload(at, "firms_file", "firms.csv", "name,industry,origin,jobs\n甲电子,electronics_assembly,深圳,800\n".encode())
    _ok(at)
    with_weights = at.dataframe[0].value.iloc[0, 2]
    reset = next(b for b in at.button if b.key == "reset_all_w")
    reset.click().run()
    _ok(at)
    assert at.dataframe[0].value.iloc[0, 2] != with_weights


def test_saved_shortlist_reopens_with_status_notes_and_history() -> None:
    at = _app("shortlists")
    at.text_input(key="save_name_industry_to_sites").set_value("纺织 · 西部")
    next(b for b in at.button if b.label == core.tr("shortlist.save", "zh")).click().run()
    _ok(at)
    goto(at, "saved")
    _ok(at)
    sid = at.session_state["open_shortlist"]
    editor_key = f"status_editor_{sid}_zh"
    table = next(d for d in at.dataframe if core.tr("workspace.status", "zh") in d.value.columns).value
    assert len(table) == 10 and set(table[core.tr("workspace.status", "zh")]) == {core.tr("status.candidate", "zh")}
    # edit the first row's status and note as the data editor would, then save
    at.session_state[editor_key] = {
        "edited_rows": {
            0: {
                core.tr("workspace.status", "zh"): core.tr("status.visited", "zh"),
                core.tr("workspace.notes", "zh"): "园区已考察",
            }
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == core.tr("saved.save_changes", "zh")).click().run()
    _ok(at)
    from transfer.workspace import Workspace

    with Workspace.open() as ws:
        rec = ws.get_shortlist(sid)
        key = str(int(rec.rows[0]["adcode"]))
        hist = ws.history(sid, key)
    assert [(h.status, h.note) for h in hist] == [("visited", "园区已考察")]
    # a new session (the app reopened) shows the saved state
    at2 = _app("saved")
    _ok(at2)
    table = next(d for d in at2.dataframe if core.tr("workspace.status", "zh") in d.value.columns).value
    assert table[core.tr("workspace.status", "zh")].iloc[0] == core.tr("status.visited", "zh")
    assert table[core.tr("workspace.notes", "zh")].iloc[0] == "园区已考察"


def test_a_saved_scenario_is_listed_and_active_in_the_same_run() -> None:
    at = _app("workshop", industry="toys")
    at.slider(key="w_toys_wage").set_value(1.0).run()
    at.text_input(key="save_scn_name").set_value("toys_wage")
    next(b for b in at.button if b.label == core.tr("workspace.save", "zh")).click().run()
    _ok(at)
    assert at.session_state["scenario"] == "ws:toys_wage:1"
    assert "⛁ toys_wage v1" in at.selectbox(key="scenario").options  # the sidebar lists it without another rerun
    assert not at.session_state["weights"]  # the weights are in the saved scenario now


def test_names_cannot_break_out_of_the_tooltip_template_literal(base_run) -> None:  # type: ignore[no-untyped-def]
    """folium writes a tooltip's text into a JavaScript template literal: a name with ${...}, a backtick or a
    backslash must stay text there (issue: an origin name ran as script)."""
    import dataclasses
    import re

    import geopandas as gpd

    _base, r = base_run
    hostile = "${alert(document.domain)}`);alert(1);//\\u"
    origins = r.layers.origins.copy()
    origins.loc[origins.index[0], "name_zh"] = hostile
    bz = r.layers.bonded_zones.copy()
    bz.loc[bz.index[0], "name_zh"] = hostile
    layers = dataclasses.replace(
        r.layers, origins=gpd.GeoDataFrame(origins, crs=origins.crs), bonded_zones=gpd.GeoDataFrame(bz, crs=bz.crs)
    )
    r2 = dataclasses.replace(r, layers=layers)
    page = amap.make_map(r2, r2.scores, "toys", "zh", provinces=None).get_root().render()
    literals = re.findall(r"bindTooltip\(\s*`(.*?)`,", page, flags=re.S)
    assert literals and any("alert(document.domain)" in lit for lit in literals)
    for lit in literals:
        assert "${" not in lit and "\\" not in lit, lit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evaluation_page_ranks_and_checks_the_ahp_form(lang: str) -> None:
    at = _app("evaluation", lang=lang)
    _ok(at)
    assert any(s.value == core.tr("tab.evaluation", lang) for s in at.subheader)
    ranking = at.dataframe[0].value
    assert len(ranking) == 281 and core.tr("eval.score", lang) in ranking.columns
    assert list(ranking[core.tr("col.rank", lang)][:3]) == [1, 2, 3]
    # the AHP form shows the consistency ratio as judgements change, and refuses an inconsistent set
    at.selectbox(key="eval_weights").set_value("ahp").run()
    _ok(at)
    assert at.success and at.success[0].value == core.tr("eval.cr_ok", lang, cr=0.0)
    for pair, value in (("location_transport:industrial_base", 9), ("industrial_base:factor_costs_labour", 9)):
        at.select_slider(key=f"eval_ahp:{pair}").set_value(value).run()
    at.select_slider(key="eval_ahp:location_transport:factor_costs_labour").set_value(-9).run()
    _ok(at)
    assert at.warning and at.warning[0].value.startswith(core.tr("eval.cr_bad", lang, cr=0.833)[:12])
    assert not at.dataframe  # nothing is ranked with inconsistent judgements
