"""Tests of the translation table: completeness, placeholders, fallbacks."""

from __future__ import annotations

import pytest

from transfer import columns as C
from transfer.i18n import LANGS, STRINGS, criterion_label, placeholders, t
from transfer.industries import CRITERIA, CRITERION_IDS

REQUIRED = [
    "app.title",
    "tab.map",
    "tab.shortlists",
    "tab.workshop",
    "tab.firms",
    "tab.data",
    "sidebar.language",
    "sidebar.industry",
    "sidebar.scenario",
    "sidebar.top_n",
    "sidebar.province_filter",
    "sidebar.region_filter",
    "sidebar.min_score",
    "sidebar.must_have_bonded_zone",
    "layer.sites",
    "layer.bonded_zones",
    "layer.corridors",
    "layer.origins",
    "layer.labour_pool",
    "layer.restricted",
    "legend.score",
    "col.rank",
    "col.site",
    "col.province",
    "col.score",
    "col.eligible",
    "col.reasons",
    "col.contributions",
    "download.csv",
    "download.xlsx",
    "download.geojson",
    "download.brief",
    "upload.too_large",
    "upload.validation_failed",
    "upload.loaded_ok",
    "error.generic",
    "error.layer",
    "error.scenario",
    "compare.entering",
    "compare.leaving",
    "compare.rank_change",
    "compare.score_change",
    "compare.jobs_by_region",
    "compare.share_central_western",
    "compare.unmatched",
    "workspace.save",
    "workspace.notes",
    "firms.template",
    "firms.per_firm_matches",
    "firms.joint_assignment",
]


@pytest.mark.parametrize("key", REQUIRED)
def test_required_keys_present(key: str) -> None:
    values = {name: 1 for name in placeholders(STRINGS[key]["en"])}
    assert t(key, "zh", strict=True, **values)
    assert t(key, "en", strict=True, **values)


def test_every_key_has_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGS), key
        for lang in LANGS:
            assert entry[lang].strip(), f"{key} [{lang}] is empty"


def test_placeholders_match_between_languages() -> None:
    for key, entry in STRINGS.items():
        assert placeholders(entry["zh"]) == placeholders(entry["en"]), key


def test_zh_texts_are_chinese_and_en_are_not() -> None:
    for key, entry in STRINGS.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"]), f"{key} zh has no Chinese"
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in entry["en"]), f"{key} en has Chinese"


def test_every_hub_type_region_and_criterion_is_covered() -> None:
    for hub in C.HUB_TYPES:
        assert f"hub.{hub}" in STRINGS
    for region in C.REGIONS:
        assert f"region.{region}" in STRINGS
    for cid in CRITERION_IDS:
        assert f"criterion.{cid}" in STRINGS
        assert f"criterion_short.{cid}" in STRINGS
    # no short label for a criterion that does not exist
    assert {k.split(".", 1)[1] for k in STRINGS if k.startswith("criterion_short.")} == set(CRITERION_IDS)
    for status in ("candidate", "contacted", "visited", "negotiating", "signed", "dropped"):
        assert f"status.{status}" in STRINGS


def test_domain_terms() -> None:
    expected = {
        "tab.map": ("地图", "Map"),
        "tab.shortlists": ("短名单", "Shortlists"),
        "tab.workshop": ("情景工作坊", "Scenario workshop"),
        "tab.firms": ("企业匹配", "Firms"),
        "tab.data": ("数据与来源", "Data & sources"),
        "hub.sea_gateway": ("出海口", "Sea gateway"),
        "hub.river_port": ("内河港口", "River port"),
        "hub.cargo_airport": ("货运机场", "Cargo airport"),
        "hub.crex_centre": ("中欧班列集结中心", "China-Europe Railway Express centre"),
        "hub.dry_port": ("陆港口岸", "Dry port"),
        "region.central": ("中部", "Central"),
        "region.western": ("西部", "Western"),
        "region.northeast": ("东北", "Northeast"),
        "region.eastern": ("东部", "Eastern"),
        "col.rank": ("排名", "Rank"),
        "col.site": ("承接地", "Site"),
        "status.negotiating": ("洽谈中", "Negotiating"),
        "status.dropped": ("已放弃", "Dropped"),
        "compare.share_central_western": ("中西部占比", "Share central + western"),
    }
    for key, (zh, en) in expected.items():
        assert t(key) == zh
        assert t(key, "en") == en


def test_criterion_labels_come_from_criteria() -> None:
    for c in CRITERIA:
        assert criterion_label(c.id) == c.label_zh
        assert criterion_label(c.id, "en") == c.label_en
    assert criterion_label("not_a_criterion") == "criterion.not_a_criterion"
    assert criterion_label("labour_pool", short=True) == "劳动力规模"
    assert criterion_label("labour_pool", "en", short=True) == "labour pool"


def test_default_language_is_chinese() -> None:
    assert t("app.title") == STRINGS["app.title"]["zh"]


def test_formatting() -> None:
    assert t("firms.count", "en", n=3) == "3 firms"
    assert t("firms.count", n=3) == "共 3 家企业"
    assert t("upload.too_large", "en", size_mb=12.34, limit_mb=10) == "File too large: 12.3 MB; the limit is 10 MB."


def test_missing_key_strict_raises() -> None:
    with pytest.raises(KeyError, match=r"no translation for key 'tab\.nope'"):
        t("tab.nope", strict=True)


def test_missing_key_lenient_returns_key() -> None:
    assert t("tab.nope") == "tab.nope"


def test_missing_zh_falls_back_to_english() -> None:
    table = {"x.only_en": {"en": "English only"}}
    assert t("x.only_en", "zh", table=table) == "English only"
    assert t("x.only_en", "fr", table=table) == "English only"


def test_missing_placeholder_value() -> None:
    with pytest.raises(KeyError, match="n"):
        t("firms.count", "en", strict=True)
    assert t("firms.count", "en") == "{n} firms"
    # a placeholder with a format spec and no value shows the raw text rather than failing
    assert t("upload.too_large", "en") == STRINGS["upload.too_large"]["en"]


def test_validation_errors_read_in_chinese_with_file_row_and_field(tmp_path):
    """Upload errors with a code are rendered in Chinese (where, what, how to fix); English stays the message."""
    from transfer.errors import LayerError
    from transfer.i18n import error_text
    from transfer.layers import load_layer

    bad = tmp_path / "census.csv"
    bad.write_text("adcode,name_zh,population_2020,working_age_share_2020\n410100,郑州市,-5,0.7\n", encoding="utf-8")
    import pytest

    with pytest.raises(LayerError) as info:
        load_layer(bad, kind="census", known_adcodes={410100})
    zh, en = error_text(info.value, "zh"), error_text(info.value, "en")
    assert zh == "census.csv,第 2 行,字段 'population_2020':数值不能为负(实际为 -5)。修改方法:改正该数值;未知时留空。"
    assert en == str(info.value) and "row 2, field 'population_2020'" in en
    # an error without a code keeps its English text in both languages
    plain = LayerError("something", where="x.csv", fix="do this")
    assert error_text(plain, "zh") == str(plain)
