"""Tests of transfer.names: the did-you-mean hint, short Chinese place names and the name resolver."""

from __future__ import annotations

import pandas as pd
import pytest

from transfer.errors import LayerError, UnknownNameError
from transfer.industries import load_industries
from transfer.names import (
    Names,
    city_names,
    close_matches,
    did_you_mean,
    industry_names,
    place_names,
    province_names,
    short_name,
    unknown_name,
)

SITES = pd.DataFrame(
    {
        "adcode": [450100, 222400, 232700, 230700, 360900],
        "name_zh": ["南宁市", "延边朝鲜族自治州", "大兴安岭地区", "伊春市", "宜春市"],
        "name_en": ["Nanning", "Yanbian", "Da Hinggan Ling", "Yichun", "Yichun"],
        "province": ["广西壮族自治区", "吉林省", "黑龙江省", "黑龙江省", "江西省"],
    }
)


# --- did_you_mean and close_matches ----------------------------------------------------------------------------


def test_did_you_mean_names_the_closest_choice() -> None:
    assert did_you_mean("wieghts", ["name", "weights", "extends"]) == " (did you mean 'weights'?)"
    assert did_you_mean("湖男省", ["湖北省", "湖南省", "广东省"]) == " (did you mean '湖南省'?)"  # difflib's tie order


def test_did_you_mean_is_empty_when_nothing_is_close() -> None:
    assert did_you_mean("zzz", ["weights", "name"]) == ""
    assert did_you_mean("weights", []) == ""


def test_did_you_mean_lists_several_with_or() -> None:
    assert did_you_mean("toy", ["toys", "tools", "toy_", "wood"], n=3) == " (did you mean 'toys' or 'toy_'?)"
    assert did_you_mean("toy", ["toys", "tools", "toy_", "wood"], n=3, cutoff=0.5) == (
        " (did you mean 'toys', 'toy_' or 'tools'?)"
    )
    assert did_you_mean("toy", ["toys", "wood"], n=3) == " (did you mean 'toys'?)"


def test_close_matches_ignore_case_but_return_the_choice_as_given() -> None:
    assert close_matches("SHENZEN", ["Shenzhen", "Shanghai"]) == ["Shenzhen"]
    assert close_matches("toys", ["Toys", "TOYS", "toys "], n=3) == ["Toys"]  # one choice in any case, stripped


def test_close_matches_skip_blanks_and_respect_the_cutoff() -> None:
    assert close_matches("ab", [None, float("nan"), "", "abc"]) == ["abc"]
    assert close_matches("name", ["name_zh"], cutoff=0.8) == []
    assert close_matches("name", ["name_zh"], cutoff=0.7) == ["name_zh"]


def test_unknown_name_builds_the_error_with_its_hint_and_suggestions() -> None:
    err = unknown_name("layer kind", "hub", ["sites", "hubs"], fix="use one of sites, hubs")
    assert isinstance(err, UnknownNameError)
    assert str(err) == "unknown layer kind 'hub' (did you mean 'hubs'?). Fix: use one of sites, hubs."
    assert err.suggestions == ["hubs"]
    bad = unknown_name("industry", "toyz", ["toys"], where="firms.csv, row 2", error=LayerError)
    assert type(bad) is LayerError and str(bad) == "firms.csv, row 2: unknown industry 'toyz' (did you mean 'toys'?)."


# --- short names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("南宁市", "南宁"),
        ("大兴安岭地区", "大兴安岭"),
        ("兴安盟", "兴安"),
        ("神农架林区", "神农架"),
        ("延边朝鲜族自治州", "延边"),
        ("海西蒙古族藏族自治州", "海西"),
        ("伊犁哈萨克自治州", "伊犁"),
        ("广西壮族自治区", "广西"),
        ("内蒙古自治区", "内蒙古"),  # 蒙古 is a people's name, but 内 alone is no name
        ("西藏自治区", "西藏"),
        ("湖南省", "湖南"),
        ("沙市", "沙市"),  # too short to lose its suffix
        ("Nanning", "Nanning"),
        ("上海港(外高桥)", "上海港(外高桥)"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


# --- the resolver ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "adcode"),
    [
        ("450100", 450100),
        (450100, 450100),
        ("450100.0", 450100),  # a code as a spreadsheet writes it
        (" 南宁市 ", 450100),
        ("南宁", 450100),
        ("nanning", 450100),
        ("NANNING", 450100),
        ("延边", 222400),
        ("延边朝鲜族自治州", 222400),
        ("大兴安岭", 232700),
        ("da hinggan ling", 232700),
        ("伊春", 230700),
    ],
)
def test_site_from_code_chinese_short_or_english_name(typed: object, adcode: int) -> None:
    assert city_names(SITES).resolve(typed) == adcode


def test_unknown_site_says_so_with_the_closest_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        city_names(SITES).resolve("Nanming", where="--site", fix="list them with `transfer sites`")
    assert str(info.value) == (
        "--site: unknown site 'Nanming' (did you mean 'Nanning' or 'Yanbian'?). Fix: list them with `transfer sites`."
    )
    assert info.value.suggestions == ["Nanning", "Yanbian"]


def test_unknown_code_is_compared_with_codes_only() -> None:
    with pytest.raises(UnknownNameError) as info:
        city_names(SITES).resolve("45010")
    assert info.value.suggestions[0] == "450100"
    with pytest.raises(UnknownNameError) as info:
        city_names(SITES).resolve("Nan")
    assert "450100" not in info.value.suggestions


def test_a_name_of_two_sites_is_ambiguous_and_lists_them() -> None:
    with pytest.raises(UnknownNameError, match="ambiguous") as info:
        city_names(SITES).resolve("yichun", where="--site")
    assert str(info.value) == (
        "--site: site 'yichun' is ambiguous: 伊春市 黑龙江省 (230700), 宜春市 江西省 (360900). "
        "Fix: give the adcode or the Chinese name."
    )


def test_the_error_class_can_be_chosen() -> None:
    origins = city_names(SITES.iloc[:1], what="origin", n=1, cutoff=0.6)
    with pytest.raises(LayerError, match=r"^f\.csv, row 2: unknown origin 'Nanling' \(did you mean 'Nanning'\?\)"):
        origins.resolve("Nanling", where="f.csv, row 2", error=LayerError)


def test_an_exact_name_wins_over_a_short_one() -> None:
    # 吉林 is the short name of 吉林市 and of 吉林省; the exact name decides before short names are compared
    names = Names([(1, ["吉林市"]), (2, ["吉林"])], what="place")
    assert names.resolve("吉林") == 2
    assert names.resolve("吉林市") == 1
    with pytest.raises(UnknownNameError, match="ambiguous"):
        Names([(1, ["吉林市"]), (2, ["吉林省"])], what="place").resolve("吉林")


def test_industry_from_id_chinese_or_english_name() -> None:
    catalogue = load_industries()
    toys = catalogue.get("toys")
    names = industry_names(catalogue)
    assert {names.resolve(x) for x in ("toys", "TOYS", toys.name_zh, toys.name_en, toys.name_en.upper())} == {"toys"}
    with pytest.raises(UnknownNameError, match=r"unknown industry 'toyz' \(did you mean 'toys'") as info:
        names.resolve("toyz")
    assert info.value.suggestions[0] == "toys"


def test_province_by_name_short_name_start_or_code() -> None:
    provinces = province_names()
    for typed in ("湖南省", "湖南", "Hunan", "hunan", 430000, "430000"):
        assert provinces.resolve(typed) == "湖南省"
    assert provinces.resolve("广西") == "广西壮族自治区"
    assert provinces.resolve("内蒙") == "内蒙古自治区"  # the start of a short name
    with pytest.raises(UnknownNameError, match=r"province '湖' is ambiguous: 湖北省, 湖南省"):
        provinces.resolve("湖")
    with pytest.raises(UnknownNameError, match="unknown province 'X'"):
        provinces.resolve("X")  # one Latin letter is no start of a name


def test_places_resolve_to_kind_and_id_and_name_the_kind_when_ambiguous() -> None:
    places = pd.DataFrame(
        {
            "kind": ["site", "origin", "hub"],
            "place_id": ["341300", "320500", "H1"],
            "name_zh": ["宿州市", "苏州市", "陆港"],
            "name_en": ["Suzhou", "Suzhou", "Dry port"],
        }
    )
    names = place_names(places)
    assert names.resolve("苏州") == ("origin", "320500")
    assert names.resolve("h1") == ("hub", "H1")
    assert names.resolve("dry PORT") == ("hub", "H1")
    both = r"'Suzhou' is ambiguous: 宿州市 \(site 341300\), 苏州市 \(origin 320500\)"
    with pytest.raises(UnknownNameError, match=both):
        names.resolve("Suzhou")


def test_every_default_site_resolves_by_its_own_names(layers) -> None:
    sites = layers.sites
    names = city_names(sites)
    english = sites["name_en"].str.casefold()
    for code, zh, en in sites[["adcode", "name_zh", "name_en"]].itertuples(index=False, name=None):
        assert names.resolve(code) == code
        assert names.resolve(zh) == code
        assert names.resolve(short_name(zh)) == code, zh
        if (english == en.casefold()).sum() == 1:
            assert names.resolve(en.upper()) == code
