"""Geospatial layers: load the embedded defaults or a user's file, validated, in EPSG:4326."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from transfer import columns as C
from transfer._census import CENSUS_COLUMNS
from transfer._paths import default_data_dir
from transfer._validate import LayerSchema, read_any, validate_frame
from transfer._yaml import read_yaml
from transfer.errors import LayerError
from transfer.names import unknown_name
from transfer.regions import PROVINCES, region_of

__all__ = ["KINDS", "SCHEMAS", "Layers", "load_default", "load_layer", "replace_layer"]

DEV_ZONE_TYPES = ("national_etdz", "national_htz")
CENSUS_COUNTS = tuple(
    c
    for c in CENSUS_COLUMNS
    if c.startswith(
        (
            "population_20",
            "working_age_20",
            "rural_pop",
            "in_migrants",
            "n_county",
            "resident_",
            "registered_20",
            "registered_away_20",
        )
    )
)
CENSUS_NUMERIC = tuple(c for c in CENSUS_COLUMNS if c not in ("adcode", "name_zh", "census_name_zh", "flag"))

DESIGNATION_TYPES = (
    "key_receiving_site",
    "processing_trade_park",
    "transfer_demo_zone",
)

SCHEMAS: dict[str, LayerSchema] = {
    "sites": LayerSchema(
        "sites",
        required=(C.ADCODE, C.NAME_ZH),
        id_column=C.ADCODE,
        integer=(C.ADCODE, "n_counties", "province_adcode"),
        numeric=("gn_population", "area_km2"),
        geometry="polygon",
    ),
    "origins": LayerSchema(
        "origins",
        required=(C.ADCODE, C.NAME_ZH),
        id_column=C.ADCODE,
        integer=(C.ADCODE,),
        geometry="point",
    ),
    "bonded_zones": LayerSchema(
        "bonded_zones",
        required=(C.NAME_ZH, "zone_type", C.CITY_ADCODE, C.SOURCE),
        id_column=C.NAME_ZH,
        integer=(C.CITY_ADCODE, C.APPROVAL_YEAR, C.SOURCE_YEAR),
        adcode_refs=(C.CITY_ADCODE,),
        vocab={"zone_type": C.ZONE_TYPES},
    ),
    "hubs": LayerSchema(
        "hubs",
        required=(C.HUB_ID, C.NAME_ZH, C.HUB_TYPE, C.CITY_ADCODE, C.SOURCE),
        id_column=C.HUB_ID,
        integer=(C.CITY_ADCODE, C.SOURCE_YEAR),
        numeric=(C.LON, C.LAT),
        adcode_refs=(C.CITY_ADCODE,),
        vocab={C.HUB_TYPE: C.HUB_TYPES},
    ),
    "designations": LayerSchema(
        "designations",
        required=(C.ADCODE, "designation", C.SOURCE),
        integer=(C.ADCODE, "year", C.SOURCE_YEAR),
        adcode_refs=(C.ADCODE,),
        vocab={"designation": DESIGNATION_TYPES},
    ),
    "census": LayerSchema(
        "census",
        required=(C.ADCODE, "population_2020"),
        id_column=C.ADCODE,
        integer=(C.ADCODE, *CENSUS_COUNTS),
        numeric=tuple(c for c in CENSUS_NUMERIC if c not in CENSUS_COUNTS),
        adcode_refs=(C.ADCODE,),
        # net out-migration is negative where a city gained people; population change is negative where it shrank
        signed=("registered_away_2010", "registered_away_share_2010", "population_change_2010_2020"),
        ranges={"population_change_2010_2020": (-1.0, 10.0), "schooling_years_2020": (0.0, 25.0)},
    ),
    "eco_restrictions": LayerSchema(
        "eco_restrictions",
        required=(C.ADCODE, "n_key_eco_counties", C.SOURCE),
        id_column=C.ADCODE,
        integer=(C.ADCODE, "n_key_eco_counties", C.SOURCE_YEAR),
        adcode_refs=(C.ADCODE,),
    ),
    "key_eco_counties": LayerSchema(
        "key_eco_counties",
        required=("county_adcode", "county_name_zh", "prefecture_adcode", "batch", C.SOURCE),
        integer=("county_adcode", "prefecture_adcode", "batch", C.SOURCE_YEAR),
        adcode_refs=("prefecture_adcode",),
        vocab={"batch": ("2010", "2016")},
    ),
    "key_eco_coverage": LayerSchema(
        "key_eco_coverage",
        required=("province_adcode", "batch", "complete", C.SOURCE),
        integer=("province_adcode", "batch", "stated_total", "listed"),
        vocab={"batch": ("2010", "2016"), "complete": ("yes", "no")},
    ),
    "dev_zones": LayerSchema(
        "dev_zones",
        required=("zone_type", C.NAME_ZH, "prefecture_adcode", C.SOURCE),
        integer=("prefecture_adcode", C.APPROVAL_YEAR, C.SOURCE_YEAR),
        adcode_refs=("prefecture_adcode",),
        vocab={"zone_type": DEV_ZONE_TYPES},
    ),
    "min_wage": LayerSchema(
        "min_wage",
        required=(C.ADCODE, C.SOURCE),
        id_column=C.ADCODE,
        integer=(C.ADCODE, "tier", C.SOURCE_YEAR),
        numeric=("min_wage_cny_month", "min_wage_cny_hour"),
        adcode_refs=(C.ADCODE,),
    ),
    "industry_clusters": LayerSchema(
        "industry_clusters",
        required=(C.ADCODE, "industry_id", "cluster_name", C.SOURCE),
        integer=(C.ADCODE, "year", C.SOURCE_YEAR),
        adcode_refs=(C.ADCODE,),
    ),
    "province_economy": LayerSchema(
        "province_economy",
        required=("province_adcode", "province_zh"),
        id_column="province_adcode",
        integer=("province_adcode",),
        numeric=("avg_wage_cny_year", "min_wage_cny_month", "population_10k", "gdp_100m_cny"),
    ),
}
KINDS = tuple(SCHEMAS)

# file name of each default layer inside geodata/
_DEFAULT_FILES = {
    "sites": "sites.geojson",
    "origins": "origins.geojson",
    "bonded_zones": "curated/bonded_zones.csv",
    "hubs": "curated/hubs.csv",
    "designations": "curated/designations.csv",
    "census": "census.csv",
    "eco_restrictions": "curated/eco_restrictions.csv",
    "key_eco_counties": "curated/key_eco_counties.csv",
    "key_eco_coverage": "curated/key_eco_coverage.csv",
    "dev_zones": "curated/dev_zones.csv",
    "min_wage": "curated/min_wage.csv",
    "industry_clusters": "curated/industry_clusters.csv",
    "province_economy": "curated/province_economy.csv",
}


@dataclass(frozen=True)
class Layers:
    """All layers of one data set. Frames are never modified in place; use :func:`replace_layer`."""

    sites: gpd.GeoDataFrame
    origins: gpd.GeoDataFrame
    bonded_zones: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame
    designations: pd.DataFrame
    census: pd.DataFrame
    eco_restrictions: pd.DataFrame  # per-prefecture count of key ecological counties that overrides the county list
    key_eco_counties: pd.DataFrame
    key_eco_coverage: pd.DataFrame
    dev_zones: pd.DataFrame
    min_wage: pd.DataFrame
    industry_clusters: pd.DataFrame
    province_economy: pd.DataFrame
    corridors: gpd.GeoDataFrame
    cities: pd.DataFrame | None = None
    data_dir: Path | None = None
    files: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Row count per layer."""
        return {f.name: len(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name in _LAYER_FIELDS}

    def city_points(self) -> pd.DataFrame:
        """Representative point (lon, lat) and names of every site, origin and reference city, indexed by adcode."""
        cols = [C.ADCODE, C.NAME_ZH, C.NAME_EN, C.LON, C.LAT]
        parts = [self.sites[cols], self.origins[cols]]
        if self.cities is not None:
            parts.append(self.cities[cols])
        return pd.concat(parts, ignore_index=True).drop_duplicates(C.ADCODE).set_index(C.ADCODE)


_LAYER_FIELDS = (*KINDS, "corridors")


def _known_adcodes(sites: pd.DataFrame, origins: pd.DataFrame, cities: pd.DataFrame | None = None) -> set[int]:
    known = set(sites[C.ADCODE].astype(int)) | set(origins[C.ADCODE].astype(int)) | set(PROVINCES)
    if cities is not None and len(cities):
        known |= set(cities[C.ADCODE].astype(int))
    return known


def _attach_city_points(df: pd.DataFrame, points: pd.DataFrame, *, code_col: str) -> gpd.GeoDataFrame:
    """Point geometry at the city's representative point; keep a row's own lon/lat where given."""
    out = df.copy()
    own_lon = pd.to_numeric(out.get(C.LON), errors="coerce") if C.LON in out else None
    own_lat = pd.to_numeric(out.get(C.LAT), errors="coerce") if C.LAT in out else None
    city_lon = out[code_col].map(points[C.LON])
    city_lat = out[code_col].map(points[C.LAT])
    if own_lon is not None and own_lat is not None:
        has_own = own_lon.notna() & own_lat.notna()
        out[C.LON] = own_lon.where(has_own, city_lon)
        out[C.LAT] = own_lat.where(has_own, city_lat)
        out["point_source"] = has_own.map({True: "own coordinates", False: "city representative point"})
    else:
        out[C.LON] = city_lon
        out[C.LAT] = city_lat
        out["point_source"] = "city representative point"
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out[C.LON], out[C.LAT]), crs=C.WGS84)


def _load_corridors(path: Path, points: pd.DataFrame) -> gpd.GeoDataFrame:
    empty = gpd.GeoDataFrame(
        {"id": [], C.NAME_ZH: [], C.NAME_EN: [], "mode": [], "cities": [], C.SOURCE: []},
        geometry=[],
        crs=C.WGS84,
    )
    if not path.exists():
        return empty
    raw = read_yaml(path, error=LayerError)[0] or []
    if isinstance(raw, dict):
        raw = raw.get("corridors", [])
    if not isinstance(raw, list):
        raise LayerError("expected a list of corridors", where=str(path), fix="see geodata/SOURCES.md")
    recs: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        where = f"{path.name}, corridor #{i + 1}"
        if not isinstance(item, dict) or "id" not in item or "cities" not in item:
            raise LayerError("a corridor needs 'id' and 'cities'", where=where, fix="add the missing keys")
        cities = [int(c) for c in item["cities"]]
        unknown = [c for c in cities if c not in points.index]
        if unknown:
            raise LayerError(
                f"corridor {item['id']!r} names unknown adcode(s) {unknown}",
                where=where,
                fix="use adcodes of sites or origins",
            )
        coords = [(points.at[c, C.LON], points.at[c, C.LAT]) for c in cities]
        geom = LineString(coords) if len(coords) >= 2 else None
        recs.append(
            {
                "id": str(item["id"]),
                C.NAME_ZH: item.get("name_zh", ""),
                C.NAME_EN: item.get("name_en", ""),
                "mode": item.get("mode", ""),
                "cities": cities,
                C.SOURCE: item.get("source", ""),
                C.SOURCE_YEAR: item.get("source_year"),
                C.FLAG: item.get("flag", "") or "",
                "geometry": geom,
            }
        )
    if not recs:
        return empty
    return gpd.GeoDataFrame(recs, geometry="geometry", crs=C.WGS84)


def load_layer(
    path: str | Path,
    *,
    kind: str,
    known_adcodes: set[int] | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read and validate one layer file of the given kind.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile, CSV (UTF-8 or GBK, with lon/lat columns for point layers) or XLSX.
    kind
        One of :data:`KINDS` (sites, origins, bonded_zones, hubs, designations, census, eco_restrictions,
        key_eco_counties, dev_zones, min_wage, industry_clusters, province_economy).
    known_adcodes
        Adcodes that references must resolve to (default: none checked).

    Raises
    ------
    LayerError
        With the file, row and field at fault and how to fix it.
    """
    if kind not in SCHEMAS:
        raise unknown_name("layer kind", kind, KINDS, error=LayerError, fix=f"use one of {', '.join(KINDS)}")
    path = Path(path)
    df, offset = read_any(path)
    schema = SCHEMAS[kind]
    out = validate_frame(df, schema, where=path.name, offset=offset, known_adcodes=known_adcodes)
    if kind == "sites":
        assert isinstance(out, gpd.GeoDataFrame)
        out = _complete_sites(out, where=path.name)
    return out


def _complete_sites(gdf: gpd.GeoDataFrame, *, where: str) -> gpd.GeoDataFrame:
    """Fill derived identity columns of a user's site layer (province, region, representative point)."""
    out = gdf.copy()
    bad = [int(c) for c in out[C.ADCODE] if int(c) // 10000 * 10000 not in PROVINCES]
    if bad:
        raise LayerError(
            f"adcode(s) {bad[:5]} do not belong to a mainland province",
            where=where,
            fix="use 6-digit GB/T 2260 codes (the first two digits are the province)",
        )
    prov = out[C.ADCODE].map(lambda c: PROVINCES[int(c) // 10000 * 10000])
    if C.PROVINCE not in out:
        out[C.PROVINCE] = prov.map(lambda p: p.name_zh)
    if C.PROVINCE_EN not in out:
        out[C.PROVINCE_EN] = prov.map(lambda p: p.name_en)
    out[C.PROVINCE_ADCODE] = prov.map(lambda p: p.adcode)
    if C.REGION not in out:
        out[C.REGION] = out[C.ADCODE].map(region_of)
    if C.NAME_EN not in out:
        out[C.NAME_EN] = out[C.NAME_ZH]
    if C.LON not in out or C.LAT not in out:
        rp = out.geometry.representative_point()
        out[C.LON] = rp.x
        out[C.LAT] = rp.y
    if C.EAST_LESS_DEVELOPED not in out:
        out[C.EAST_LESS_DEVELOPED] = False
    return out


def load_default(data_dir: str | Path | None = None) -> Layers:
    """Load every embedded default layer (EPSG:4326), validated.

    Parameters
    ----------
    data_dir
        Folder with the layer files (default: the repository's ``geodata/``).
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if not (root / _DEFAULT_FILES["sites"]).exists():
        raise LayerError(
            "the default site layer is missing",
            where=str(root / _DEFAULT_FILES["sites"]),
            fix="run `python -m transfer.geodata build` or restore geodata/ from the repository",
        )
    sites = load_layer(root / _DEFAULT_FILES["sites"], kind="sites")
    origins = load_layer(root / _DEFAULT_FILES["origins"], kind="origins")
    cities_path = root / "cities.csv"
    cities = pd.read_csv(cities_path) if cities_path.exists() else None
    known = _known_adcodes(sites, origins, cities)
    frames: dict[str, Any] = {"sites": sites, "origins": origins, "cities": cities}
    for kind in KINDS[2:]:
        path = root / _DEFAULT_FILES[kind]
        if path.exists():
            frames[kind] = load_layer(path, kind=kind, known_adcodes=known)
        else:
            frames[kind] = _empty(kind)
    return _assemble(frames, root=root, files={k: _DEFAULT_FILES[k] for k in KINDS})


def _empty(kind: str) -> pd.DataFrame:
    schema = SCHEMAS[kind]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in schema.required})


def _assemble(frames: dict[str, Any], *, root: Path | None, files: dict[str, str]) -> Layers:
    sites, origins = frames["sites"], frames["origins"]
    cols = [C.ADCODE, C.NAME_ZH, C.NAME_EN, C.LON, C.LAT]
    parts = [sites[cols], origins[cols]]
    if frames.get("cities") is not None:
        parts.append(frames["cities"][cols])
    points = pd.concat(parts, ignore_index=True).drop_duplicates(C.ADCODE).set_index(C.ADCODE)
    bz = frames["bonded_zones"]
    hubs = frames["hubs"]
    bonded = _attach_city_points(bz, points, code_col=C.CITY_ADCODE) if len(bz) else _empty_points(bz)
    hubs_g = _attach_city_points(hubs, points, code_col=C.CITY_ADCODE) if len(hubs) else _empty_points(hubs)
    corridors = (
        _load_corridors(root / "curated" / "corridors.yaml", points)
        if root
        else _load_corridors(Path("/nonexistent"), points)
    )
    return Layers(
        sites=sites,
        origins=origins,
        bonded_zones=bonded,
        hubs=hubs_g,
        designations=frames["designations"],
        census=frames["census"],
        eco_restrictions=frames["eco_restrictions"],
        key_eco_counties=frames["key_eco_counties"],
        key_eco_coverage=frames["key_eco_coverage"],
        dev_zones=frames["dev_zones"],
        min_wage=frames["min_wage"],
        industry_clusters=frames["industry_clusters"],
        province_economy=frames["province_economy"],
        corridors=corridors,
        cities=frames.get("cities"),
        data_dir=root,
        files=files,
    )


def _empty_points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df.assign(**{C.LON: [], C.LAT: []}), geometry=[], crs=C.WGS84)


def replace_layer(layers: Layers, kind: str, path: str | Path) -> Layers:
    """A new :class:`Layers` with one layer replaced by a user's validated file; the input is unchanged."""
    if kind == "sites":
        frame = load_layer(path, kind=kind)
    else:
        known = _known_adcodes(layers.sites, layers.origins, layers.cities)
        frame = load_layer(path, kind=kind, known_adcodes=known)
    frames: dict[str, Any] = {k: getattr(layers, k) for k in KINDS}
    frames["cities"] = layers.cities
    frames[kind] = frame
    files = dict(layers.files)
    files[kind] = str(path)
    return _assemble(frames, root=layers.data_dir, files=files)
