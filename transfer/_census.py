"""Per-site census indicators (2010 and 2020) derived from the public county/prefecture census files.

Input: the files of the ``leiii/census`` repository (Lei Dong et al., MIT), by default ``../shared/data/census``
beside the project; output: ``geodata/census.csv`` (one row per site) and ``geodata/census_boundary_changes.csv``
(every 2010 county whose 2020 prefecture was not found by code and name). Run with
``python -m transfer.geodata census [--census-dir DIR] [--out-dir DIR]``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from transfer.errors import LayerError

__all__ = [
    "CENSUS_COLUMNS",
    "build_census",
    "default_census_dir",
    "read_book_2010",
    "read_book_2020",
    "write_census",
]

FILE_2020 = "census_county_2020_v1.xlsx"
FILE_2010 = "census_county_2010_v1.xlsx"
FILE_CITY = "census_city_2010-2020_v1.csv"

# columns of geodata/census.csv, in order (units in the names)
CENSUS_COLUMNS = (
    "adcode",
    "name_zh",
    "census_name_zh",
    "population_2020",
    "working_age_2020",
    "working_age_share_2020",
    "rural_population_2020",
    "urbanisation_rate_2020",
    "schooling_years_2020",
    "mfg_share_employed_2020",
    "agri_share_employed_2020",
    "production_worker_share_2020",
    "in_migrants_other_province_2020",
    "employment_rate_15plus_2020",
    "agri_workers_2020",
    "n_county_units_2020",
    "resident_2010",
    "registered_2010",
    "registered_away_2010",
    "registered_away_share_2010",
    "population_2010_bulletin",
    "population_2020_bulletin",
    "population_change_2010_2020",
    "flag",
)

# 2010 counties whose 2020 unit cannot be found by code or name and whose 2010 prefecture was dissolved, so the
# rule "follow the 2010 prefecture's successor" does not apply. Each entry: 2010 code -> 2020 prefecture code.
_MANUAL_2010 = {
    # 巢湖地区 (341400) dissolved 2011 (国函〔2011〕84号): 居巢区 became the county-level 巢湖市 under 合肥
    341402: (340100, "居巢区 → 巢湖市 (合肥), 巢湖地区 dissolved 2011"),
}

_AGE_BANDS_0_14 = ("0岁", "1到4岁", "5到9岁", "10到14岁")
_AGE_BANDS_15_64 = ("15到19", "20到24", "25到29", "30到34", "35到39", "40到44", "45到49", "50到54", "55到59", "60到64")
_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|市|巿|区|旗)$")


def default_census_dir() -> Path:
    """``../shared/data/census`` beside the project folder (where the public source files are kept)."""
    from transfer._paths import repo_root

    return repo_root().parent / "shared" / "data" / "census"


def _need(path: Path) -> Path:
    if not path.exists():
        raise LayerError(
            f"census source file {path.name} not found",
            where=str(path),
            fix="download the files of the leiii/census repository (commit 0ba0f1e) into one folder and pass it "
            "with --census-dir",
        )
    return path


def _code(v: object) -> int | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    return int(s) if s.isdigit() and len(s) == 6 else None


def _level(code: float | None) -> str:
    if code is None or not np.isfinite(code):
        return "none"
    if code % 10000 == 0:
        return "province"
    if code % 100 == 0:
        return "prefecture"
    return "county"


def read_book_2020(census_dir: Path) -> pd.DataFrame:
    """The 2020 book file with ``code`` (int or NaN), ``level`` and ``prefecture`` (2020 prefecture of each row)."""
    raw = pd.read_excel(_need(census_dir / FILE_2020), dtype={"区划代码": str})
    df = raw.iloc[1:].copy()  # row 0 is the national total
    df["code"] = df["区划代码"].map(_code)
    df["level"] = df["code"].map(_level)
    df["prefecture"] = _parents(df, name_col="区县", city_col="市")
    return df


def read_book_2010(census_dir: Path) -> pd.DataFrame:
    """The 2010 yearbook file with ``code``, ``level``, ``name`` and ``prefecture`` (its 2010 prefecture)."""
    df = pd.read_excel(_need(census_dir / FILE_2010), dtype={"区划代码": str}).copy()
    df["code"] = df["区划代码"].map(_code)
    df["level"] = df["code"].map(_level)
    df["name"] = df["地区"].astype(str).str.strip()
    df["prefecture"] = _parents(df, name_col="name", city_col=None)
    return df


def _parents(df: pd.DataFrame, *, name_col: str, city_col: str | None) -> list[int | None]:
    """Prefecture of every row: the last prefecture row above it; a county-level unit directly under its province
    (济源, 仙桃, the XPCC cities ...) is its own prefecture-level unit."""
    out: list[int | None] = []
    current: int | None = None
    for code, level, name, city in zip(
        df["code"], df["level"], df[name_col], df[city_col] if city_col else df[name_col], strict=True
    ):
        if level == "province":
            current = None
            out.append(None)
        elif level == "prefecture":
            current = int(code)
            out.append(current)
        elif level == "county":
            direct = int(code) % 10000 >= 9000 or (city_col is not None and str(city).strip() == str(name).strip())
            out.append(int(code) if direct else current)
        else:
            out.append(current)
    return out


def _stem(name: str) -> str:
    return _SUFFIX.sub("", str(name).strip())


_GENERIC_STEMS = {"城", "矿", "郊", "市中", "新城", "开发"}
_SUBTOTALS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "nan", ""}


def _units_2010(d10: pd.DataFrame) -> pd.DataFrame:
    """County-level rows of the 2010 file: coded counties, plus uncoded units that are not subtotals (加格达奇,
    平桂管理区, 芒崖行委 ...), which belong to the prefecture above them."""
    coded = d10["level"] == "county"
    uncoded = (d10["level"] == "none") & d10["prefecture"].notna() & ~d10["name"].isin(_SUBTOTALS)
    uncoded &= pd.to_numeric(d10["合计"], errors="coerce").notna()
    # prefectures without county rows (嘉峪关, 东莞, 中山 ...) stand for themselves
    has_units = set(d10.loc[coded | uncoded, "prefecture"].dropna().astype(int))
    alone = (d10["level"] == "prefecture") & ~d10["prefecture"].isin(has_units)
    return d10[coded | uncoded | alone]


def map_2010_counties(d10: pd.DataFrame, d20: pd.DataFrame) -> pd.DataFrame:
    """The 2020 prefecture of every 2010 county-level unit, and how it was found.

    Order of rules: the same code and name stem in 2020; else a unique, specific name stem (two characters or more)
    in the same province in 2020; else the same code (renamed unit); else :data:`_MANUAL_2010`; else the successor
    of its 2010 prefecture (the 2020 prefecture most of that prefecture's resolved counties went to). Generic names
    (城区, 矿区, 郊区 ...) are never matched across prefectures.
    """
    c20 = d20[d20["level"] == "county"]
    by_code = {int(c): (str(n), p) for c, n, p in zip(c20["code"], c20["区县"], c20["prefecture"], strict=True)}
    by_stem: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for c, n, p in zip(c20["code"], c20["区县"], c20["prefecture"], strict=True):
        by_stem.setdefault((int(c) // 10000, _stem(n)), []).append((int(c), p))
    rows: list[tuple[object, ...]] = []
    prefectures_2020 = set(d20.loc[d20["level"] == "prefecture", "code"].astype(int))
    units = _units_2010(d10)
    for idx, code, name, pref10 in zip(units.index, units["code"], units["name"], units["prefecture"], strict=True):
        if not np.isfinite(pref10):  # the four municipalities have no prefecture rows in 2010
            pref10 = int(code) // 10000 * 10000 + 100
        pref10 = int(pref10)
        if not np.isfinite(code):
            rows.append((idx, None, name, pref10, None, None, "uncoded unit: successor of its 2010 prefecture"))
            continue
        code = int(code)
        if code == pref10 and code in prefectures_2020:
            rows.append((idx, code, name, pref10, code, code, "code and name"))
            continue
        hit = by_code.get(code)
        stem = _stem(name)
        cand = by_stem.get((code // 10000, stem), []) if stem not in _GENERIC_STEMS else []
        if hit and _stem(hit[0]) == stem:
            rows.append((idx, code, name, pref10, code, hit[1], "code and name"))
        elif len(cand) == 1:
            rows.append((idx, code, name, pref10, cand[0][0], cand[0][1], "name"))
        elif hit:
            rows.append((idx, code, name, pref10, code, hit[1], f"code (renamed {hit[0]})"))
        elif code in _MANUAL_2010:
            rows.append((idx, code, name, pref10, None, _MANUAL_2010[code][0], "manual: " + _MANUAL_2010[code][1]))
        else:
            rows.append((idx, code, name, pref10, None, None, "successor of its 2010 prefecture"))
    out = pd.DataFrame(
        rows, columns=["row", "code_2010", "name_2010", "prefecture_2010", "code_2020", "prefecture_2020", "rule"]
    )
    resolved = out[out["prefecture_2020"].notna()]
    successor = resolved.groupby("prefecture_2010")["prefecture_2020"].agg(lambda s: s.value_counts().index[0])
    todo = out["prefecture_2020"].isna()
    same = out.loc[todo, "prefecture_2010"].where(out.loc[todo, "prefecture_2010"].isin(prefectures_2020))
    out.loc[todo, "prefecture_2020"] = out.loc[todo, "prefecture_2010"].map(successor).fillna(same)
    return out


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(df[col], errors="coerce")


def _indicators_2020(rows: pd.DataFrame) -> pd.DataFrame:
    pop = _num(rows, "人口数_合计")
    working = sum(_num(rows, f"{sex}_{band}岁") for band in _AGE_BANDS_15_64 for sex in ("男", "女"))
    employed = _num(rows, "各种行业人口总计")
    occupied = _num(rows, "各种职业人口总计")
    young = sum(_num(rows, f"{sex}_{band}") for band in _AGE_BANDS_0_14 for sex in ("男", "女"))
    rate = employed / _num(rows, "十五岁以上人口")  # both from the long-form sample
    agri_share = _num(rows, "农林牧渔业") / employed
    return pd.DataFrame(
        {
            "census_name_zh": rows["区县"].where(rows["level"] != "prefecture", rows["市"]).astype(str),
            "population_2020": pop,
            "working_age_2020": working,
            "working_age_share_2020": (working / pop).round(4),
            "rural_population_2020": _num(rows, "乡村人口"),
            "urbanisation_rate_2020": (_num(rows, "城镇人口") / pop).round(4),
            "schooling_years_2020": _num(rows, "平均受教育年限_合计"),
            "mfg_share_employed_2020": (_num(rows, "制造业") / employed).round(4),
            "agri_share_employed_2020": agri_share.round(4),
            "production_worker_share_2020": (_num(rows, "生产制造及有关人员") / occupied).round(4),
            "in_migrants_other_province_2020": _num(rows, "户口登记地在外乡镇街道人口_省外"),
            "employment_rate_15plus_2020": rate.round(4),
            # employed in farming, scaled from the sample to the full count of residents aged 15+
            "agri_workers_2020": (agri_share * rate * (pop - young)).round(),
        }
    )


def build_census(sites: pd.DataFrame, census_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derive the per-site census table and the list of 2010→2020 boundary changes.

    Parameters
    ----------
    sites
        Frame with ``adcode`` and ``name_zh`` of every site.
    census_dir
        Folder with the three source files (default :func:`default_census_dir`).

    Returns
    -------
    (table, changes)
        ``table`` has :data:`CENSUS_COLUMNS`; ``changes`` lists the 2010 counties not found by code and name.
    """
    census_dir = Path(census_dir) if census_dir is not None else default_census_dir()
    d20 = read_book_2020(census_dir)
    d10 = read_book_2010(census_dir)
    city = pd.read_csv(_need(census_dir / FILE_CITY), dtype={"city_code": str})

    units = d20[d20["code"].notna()].drop_duplicates("code").set_index("code")
    ind = _indicators_2020(units)
    counties20 = d20[(d20["level"] == "county") & d20["prefecture"].notna()]
    n_units = counties20.groupby("prefecture")["code"].nunique()
    n_units.loc[500000] = int((counties20["code"] // 10000 == 50).sum())

    mapping = map_2010_counties(d10, d20)
    rows10 = d10.loc[mapping["row"]]
    agg = pd.DataFrame(
        {
            "resident": _num(rows10, "合计").to_numpy(),
            "registered": _num(rows10, "户籍人口").to_numpy(),
            "prefecture_2020": mapping["prefecture_2020"].to_numpy(),
        }
    )
    by_pref = agg.groupby("prefecture_2020")[["resident", "registered"]].sum(min_count=1)
    # the 2010 counties of Chongqing (a province-level city) all belong to the site 500000
    chongqing = agg[agg["prefecture_2020"].astype("Int64") // 10000 == 50][["resident", "registered"]].sum()
    by_pref.loc[500000] = chongqing

    city["code"] = city["city_code"].map(_code)
    city_by = city.set_index("code")
    moved = mapping[mapping["rule"] != "code and name"]
    out_rows = []
    for adcode, name in zip(sites["adcode"].astype(int), sites["name_zh"], strict=True):
        flags: list[str] = []
        if adcode not in ind.index:
            raise LayerError(
                f"site {adcode} {name} is not in the 2020 census book file",
                where=str(census_dir / FILE_2020),
                fix="check the site's adcode (2020 codes) or use the census files of the leiii/census repository",
            )
        row = ind.loc[adcode].to_dict()
        r10 = by_pref.loc[adcode] if adcode in by_pref.index else None
        res10 = float(r10["resident"]) if r10 is not None else np.nan
        reg10 = float(r10["registered"]) if r10 is not None else np.nan
        if r10 is None:
            flags.append("no 2010 unit on 2020 boundaries (created after 2010)")
        b10 = b20 = np.nan
        key = 500100 if adcode == 500000 else adcode
        if key in city_by.index:
            b10 = pd.to_numeric(city_by.at[key, "popu_2010"], errors="coerce")
            b20 = pd.to_numeric(city_by.at[key, "popu_2020"], errors="coerce")
        if np.isfinite(b10) and np.isfinite(res10) and abs(res10 / b10 - 1) > 0.01:
            flags.append(
                f"2010 county sum {res10:,.0f} differs from the bulletin's 2010 figure on 2020 boundaries "
                f"{b10:,.0f} by {100 * (res10 / b10 - 1):+.1f}%"
            )
        flags.extend(_boundary_flags(mapping, adcode))
        out_rows.append(
            {
                "adcode": adcode,
                "name_zh": name,
                **row,
                "n_county_units_2020": int(n_units.get(adcode, 1)),
                "resident_2010": res10,
                "registered_2010": reg10,
                "registered_away_2010": reg10 - res10,
                "registered_away_share_2010": round((reg10 - res10) / reg10, 4) if reg10 else np.nan,
                "population_2010_bulletin": b10,
                "population_2020_bulletin": b20,
                "population_change_2010_2020": round(b20 / b10 - 1, 4) if b10 else np.nan,
                "flag": "; ".join(flags),
            }
        )
    table = pd.DataFrame(out_rows, columns=list(CENSUS_COLUMNS))
    for col in (
        "population_2020",
        "working_age_2020",
        "rural_population_2020",
        "in_migrants_other_province_2020",
        "agri_workers_2020",
        "n_county_units_2020",
        "resident_2010",
        "registered_2010",
        "registered_away_2010",
        "population_2010_bulletin",
        "population_2020_bulletin",
    ):
        table[col] = table[col].astype("Int64")
    changes = (
        moved.drop(columns="row")
        .assign(
            code_2010=moved["code_2010"].astype("Int64"),
            prefecture_2020=moved["prefecture_2020"].astype("Int64"),
            code_2020=moved["code_2020"].astype("Int64"),
            moved_prefecture=moved["prefecture_2010"] != moved["prefecture_2020"],
        )
        .sort_values(["prefecture_2010", "name_2010"])
    )
    return table, changes.reset_index(drop=True)


def _boundary_flags(mapping: pd.DataFrame, adcode: int) -> list[str]:
    """Readable notes on the 2010→2020 changes that touch one 2020 prefecture."""
    flags = []
    mine = mapping[mapping["prefecture_2020"] == adcode]
    olds = sorted(set(mine["prefecture_2010"]) - {adcode})
    whole = [p for p in olds if (mapping.loc[mapping["prefecture_2010"] == p, "prefecture_2020"] == adcode).all()]
    if whole:
        flags.append("2010 prefecture code " + ", ".join(str(p) for p in whole) + f" is {adcode} in 2020")
    gained = mine[~mine["prefecture_2010"].isin([adcode, *whole])]
    lost = mapping[(mapping["prefecture_2010"] == adcode) & (mapping["prefecture_2020"] != adcode)]
    for label, part in (("gained since 2010", gained), ("lost since 2010", lost)):
        if len(part):
            names = ", ".join(
                f"{n} (from {int(a)})" if label.startswith("gained") else f"{n} (to {int(b)})"
                for n, a, b in zip(part["name_2010"], part["prefecture_2010"], part["prefecture_2020"], strict=True)
            )
            flags.append(f"{label}: {names}; 2010 figures summed on 2020 boundaries")
    return flags


def write_census(table: pd.DataFrame, changes: pd.DataFrame, out_dir: Path) -> dict[str, int]:
    """Write ``census.csv`` and ``census_boundary_changes.csv`` into ``out_dir`` (atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for frame, name in ((table, "census.csv"), (changes, "census_boundary_changes.csv")):
        tmp = out_dir / (name + ".tmp")
        frame.to_csv(tmp, index=False, lineterminator="\n")
        tmp.replace(out_dir / name)
    return {
        "sites": len(table),
        "with_2010": int(table["registered_2010"].notna().sum()),
        "flagged": int((table["flag"] != "").sum()),
        "boundary_changes": len(changes),
        "moved_prefecture": int(changes["moved_prefecture"].sum()),
    }
