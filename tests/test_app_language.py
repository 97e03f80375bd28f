"""Every page, in each language, scanned for text of the other language and for raw ids (criterion, industry,
network node ids): what a user reads is in the page language."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from transfer.industries import CRITERION_IDS
from transfer.layers import KINDS
from transfer_app.pages import PAGES

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE_PATHS = [path for path, *_ in PAGES]
INDUSTRY_IDS = ("electronics_assembly", "textiles_garments", "auto_parts", "home_appliances", "leather_tanning")

CJK = re.compile(r"[\u4e00-\u9fff]")
# English words a Chinese page may show: units, formats, file names and what a user types or reads as such
ZH_ALLOWED = {
    "km", "h", "teu", "cny", "csv", "xlsx", "excel", "geojson", "json", "html", "yaml", "gpkg", "zip", "wgs84", "gcj",
    "english", "mb", "pp", "leaflet", "top", "gis", "id", "wgs",
}  # fmt: skip
# ids with an underscore (a one-word id such as "wage" is also an English word)
IDS = [i for i in (*CRITERION_IDS, *INDUSTRY_IDS, "site_id", "demand_id", "adcode") if "_" in i or i == "adcode"]
RAW_ID = re.compile(r"\b(?:" + "|".join(map(re.escape, IDS)) + r")\b|\b(?:rail|sea|hub)_\w+:?\d*")


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(tmp_path / "workspace.sqlite"))


def _cells(frame: pd.DataFrame) -> list[str]:
    out = [str(c) for c in frame.columns]
    for col in frame.columns:
        out += [str(v) for v in frame[col].head(20) if isinstance(v, str)]
    return out


def page_texts(at: AppTest) -> list[str]:
    """What a user reads on the page: text elements, widget labels and options, metrics and table contents."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "subheader", "header", "title", "info", "success", "warning", "error"):
        texts += [str(e.value) for e in getattr(at, kind) if not str(e.value).startswith("<style>")]
    for kind in ("selectbox", "multiselect", "radio", "slider", "checkbox", "toggle", "text_input", "number_input"):
        for w in getattr(at, kind):
            texts.append(str(w.label))
            if getattr(w, "key", None) != "lang":  # the language switch names each language in itself
                texts += [str(o) for o in getattr(w, "options", [])[:30]]
    texts += [str(b.label) for b in at.button]
    for m in at.metric:
        texts += [str(m.label), str(m.value)]
    for d in [*at.dataframe, *at.table]:
        texts += _cells(d.value)
    return texts


def _file_or_citation(text: str) -> bool:
    """Source citations and file names stay in their own language (see the Data page's note)."""
    return bool(
        re.search(r"\.(csv|yaml|geojson|md|py|sqlite)\b|https?://|《|》|©|\bCC BY|\bMIT\b|ODbL", text)
        or re.search(r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|cn|org|net|cc|gov|int)(?:/|\b)", text)  # a web address
    )


def _layer_ids_out(text: str) -> str:
    """A layer's id in brackets after its name is shown on purpose: it is what a replacement file is for."""
    return re.sub(r"\((?:" + "|".join((*KINDS, "corridors")) + r")\)", " ", text)


def foreign(texts: list[str], lang: str) -> list[str]:
    bad = []
    for text in texts:
        if _file_or_citation(text):
            continue
        clean = re.sub(r"<[^>]+>|&\w+;|`[^`]*`", " ", text)  # markup and code spans
        clean = _layer_ids_out(clean)
        if lang == "en":
            if CJK.search(clean):
                bad.append(text)
        else:
            words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z]{2,}", clean)}
            if words - ZH_ALLOWED:
                bad.append(text)
    return bad


def _open(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state["site"] = 410100  # a profile open on the map page
    at.run()
    at._page_hash = calc_hash(page)  # a callable page's script hash is the hash of its url path
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGE_PATHS)
def test_pages_speak_one_language_and_show_no_raw_ids(page: str, lang: str) -> None:
    at = _open(page, lang)
    assert not at.exception, [e.value for e in at.exception]
    texts = page_texts(at)
    assert texts
    bad = foreign(texts, lang)
    assert not bad, f"{page} ({lang}): text in the other language: {sorted(set(bad))[:15]}"
    ids = [t for t in texts if RAW_ID.search(_layer_ids_out(re.sub(r"`[^`]*`", " ", t))) and not _file_or_citation(t)]
    assert not ids, f"{page} ({lang}): raw ids: {sorted(set(ids))[:15]}"


def _check(at: AppTest, what: str, lang: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    texts = page_texts(at)
    bad = foreign(texts, lang)
    assert not bad, f"{what} ({lang}): text in the other language: {sorted(set(bad))[:15]}"
    ids = [t for t in texts if RAW_ID.search(_layer_ids_out(re.sub(r"`[^`]*`", " ", t))) and not _file_or_citation(t)]
    assert not ids, f"{what} ({lang}): raw ids: {sorted(set(ids))[:15]}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_speak_the_page_language(lang: str) -> None:
    """The parts that appear after an action: a comparison of two scenario files, firm matches, the what-it-takes
    table, the site -> industries list and a reopened saved shortlist."""
    at = _open("compare", lang)
    at.selectbox(key="cmp_a").set_value("file:baseline.yaml")
    at.selectbox(key="cmp_b").set_value("file:coastal_wage_shock.yaml").run()
    at.toggle(key="cmp_on").set_value(True).run()
    _check(at, "compare", lang)
    at._page_hash = calc_hash("firms")
    at.run()
    csv = "name,industry,origin,jobs\nA,electronics_assembly,深圳,800\nB,toys,东莞,300\n".encode()
    at.file_uploader(key="firms_file").set_value(("firms.csv", csv, "text/csv")).run()
    _check(at, "firms", lang)
    at._page_hash = calc_hash("map")
    at.session_state["site"] = 513300  # 甘孜: far from the top 10, so what it takes is computed
    at.run()
    go = [b for b in at.button if str(b.key).startswith("what_go_")]
    assert go
    go[0].click().run()
    _check(at, "what it takes", lang)
    at._page_hash = calc_hash("shortlists")
    at.run()
    at.radio(key="sl_direction").set_value("site_to_industries").run()
    _check(at, "site to industries", lang)
    at.radio(key="sl_direction").set_value("industry_to_sites").run()
    next(b for b in at.button if str(b.key or "").startswith("FormSubmitter:save_industry")).click().run()
    at._page_hash = calc_hash("saved")
    at.run()
    _check(at, "saved", lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exports_speak_the_page_language(lang: str) -> None:
    """CSV headers and its '#' lines, the XLSX sheets' headers and the brief's text are in the page language."""
    import io

    import openpyxl

    from transfer.pipeline import load_base, run
    from transfer_app import core, exports, maps, state
    from transfer_app.session import Session

    base = load_base()
    r = run(base)
    ctx = state.Ctx(
        session=Session(), lang=lang, base=base, base_token="default", run=r, scn=r.scenario, scn_plain=r.scenario,
        scn_key="default", industry="footwear", origin=350500, top_n=5, provinces=None,
        map_sites=maps.simplified_sites(r.layers.sites),
    )  # fmt: skip
    df = core.shortlist_frame(r.scores, "footwear", top=5, regions=["central"], lang=lang)
    made_with = exports.context(ctx, filters={"regions": ["central"], "top": 5})
    csv = core.table_bytes(df, "csv", context=made_with).decode("utf-8-sig").splitlines()
    comments = [line for line in csv if line.startswith("#")]
    header = next(line for line in csv if not line.startswith("#"))
    assert comments and header
    book = openpyxl.load_workbook(io.BytesIO(core.table_bytes(df, "xlsx", context=made_with)))
    sheets = [[str(c.value) for c in ws[1] if c.value is not None] for ws in book.worksheets]
    sheets += [[str(c.value) for c in row if c.value is not None] for row in book.worksheets[0].iter_rows()]
    page = exports.brief(
        ctx, df, core.tr("brief.title", lang, industry=state.industry_name(ctx, "footwear")), made_with
    ).decode("utf-8")
    text = re.sub(r"<style.*?</style>|<svg.*?</svg>|<[^>]+>", " ", page, flags=re.S)
    labels = [*comments, header, *(cell for sheet in sheets for cell in sheet)]
    # the rows' own names (a site's Chinese and English names) are data; labels, headers and the brief's words are not
    names = set(r.table.sites["name_zh"]) | set(r.table.sites["name_en"]) | set(r.table.sites["province"])
    words = [w for w in re.split(r"[,\n]+|\s{2,}", text) if w.strip() and w.strip() not in names]
    bad = foreign([*labels, *words], lang)
    bad = [b for b in bad if not any(n in b for n in names if len(n) > 1)]
    assert not bad, f"exports ({lang}): {sorted(set(bad))[:15]}"
