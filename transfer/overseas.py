"""Overseas cooperation zones and border zones: optional candidates on their own criteria, never mixed in the ranking.

Three curated tables (``geodata/curated``): the overseas economic and trade cooperation zones (境外经贸合作区) with
their host city point and the seaport they use, the host countries (minimum wage, EU and US preferential access)
and the Chinese border and cross-border economic cooperation zones (边境/跨境经济合作区) with their city's adcode.
The sea leg from an origin's sea gateway to a zone's port is measured on the maritime network shipped inside the
``searoute`` package (offline); a landlocked zone adds a straight-line inland leg from its port.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer._paths import default_data_dir
from transfer._validate import LayerSchema, read_any, validate_frame
from transfer._yaml import read_yaml
from transfer.errors import LayerError
from transfer.names import did_you_mean

__all__ = [
    "BORDER_ZONE_TYPES",
    "DEFAULT_SHIP_SPEED_KNOTS",
    "FILES",
    "SCHEMAS",
    "OverseasLayers",
    "border_candidates",
    "load_overseas",
    "origin_gateway",
    "origin_wage_usd",
    "score_overseas",
    "sea_route_km",
]

COUNTRY = "country"  # ISO 3166-1 alpha-3 of the zone's host country (CHN for the border zones)
ZONE_ID = "zone_id"
ISO3 = "country_iso3"
FILES = {
    "overseas_zones": "curated/overseas_zones.csv",
    "host_countries": "curated/host_countries.csv",
    "border_zones": "curated/border_zones.csv",
}
STATUSES = ("confirmed", "national_level", "listed")
EU_ACCESS = ("EU", "EBA", "GSP+", "FTA", "GSP", "none")
AGOA = ("eligible", "not_eligible", "not_applicable")
BORDER_ZONE_TYPES = ("border_ecz", "cross_border_ecz")
_ZONE_OPTIONAL = (
    "zone_lon",
    "zone_lat",
    "coord_source",
    "port_name",
    "port_lon",
    "port_lat",
    "inland_km",
    "sector_text",
    "sector_industries",
    "capacity_jobs",
)
_LON = (-180.0, 180.0)
_LAT = (-90.0, 90.0)

SCHEMAS: dict[str, LayerSchema] = {
    "overseas_zones": LayerSchema(
        "overseas_zones",
        required=(ZONE_ID, C.NAME_ZH, C.NAME_EN, ISO3, "status", C.SOURCE, C.SOURCE_YEAR),
        id_column=ZONE_ID,
        numeric=("zone_lon", "zone_lat", "port_lon", "port_lat", "inland_km", "capacity_jobs"),
        integer=("established_year", "confirmed_year", C.SOURCE_YEAR),
        signed=("zone_lon", "zone_lat", "port_lon", "port_lat"),
        ranges={"zone_lon": _LON, "port_lon": _LON, "zone_lat": _LAT, "port_lat": _LAT, "inland_km": (0.0, 3000.0)},
        vocab={"status": STATUSES},
        optional={c: None for c in _ZONE_OPTIONAL},
    ),
    "host_countries": LayerSchema(
        "host_countries",
        required=(ISO3, C.NAME_EN, "eu_access", "eu_year", "eu_source", "agoa", "agoa_year", "agoa_source"),
        id_column=ISO3,
        numeric=("min_wage_local", "min_wage_usd_month"),
        integer=("wage_year", "eu_year", "agoa_year"),
        vocab={"eu_access": EU_ACCESS, "agoa": AGOA},
        optional={"min_wage_usd_month": None, "wage_basis": None, C.FLAG: None},
    ),
    "border_zones": LayerSchema(
        "border_zones",
        required=(ZONE_ID, C.NAME_ZH, C.ZONE_TYPE, C.CITY_ADCODE, C.SOURCE, C.SOURCE_YEAR),
        id_column=ZONE_ID,
        integer=(C.CITY_ADCODE, C.APPROVAL_YEAR, C.SOURCE_YEAR),
        adcode_refs=(C.CITY_ADCODE,),
        vocab={C.ZONE_TYPE: BORDER_ZONE_TYPES},
        optional={C.NAME_EN: C.NAME_ZH, "neighbour_iso3": None, C.APPROVAL_YEAR: None},
    ),
}

# Average sailing speed of the container fleet, Q1 2023: 13.8 knots (BIMCO, as reported by Port News 2023,
# https://www.portnews.it/en/boxships-getting-slower-and-slower/). searoute's own default is 24 knots.
DEFAULT_SHIP_SPEED_KNOTS = 13.8
KM_PER_NMI = 1.852
EARTH_RADIUS_KM = 6371.0088
# Modelling choices (not facts): how much each preferential scheme is worth on a 0..1 scale, and the weights of
# the four overseas criteria. EBA and the EU single market are duty- and quota-free; GSP+ and an FTA remove most
# duties; standard GSP cuts some; AGOA adds duty-free access to the US for sub-Saharan countries.
EU_ACCESS_VALUE = {"EU": 1.0, "EBA": 1.0, "GSP+": 0.8, "FTA": 0.8, "GSP": 0.4, "none": 0.0}
EU_SHARE, US_SHARE = 0.7, 0.3

# A reason or caveat: a message code and its values, rendered in the reader's language at the end (note_text).
Note = tuple[str, dict[str, Any]]
WAGE_WEIGHT = {"high": 0.30, "medium": 0.20, "low": 0.10}
CRITERIA = ("sector_fit", "wage_saving", "transport_days", "market_access")
# CNY per USD: central parity of 2024-12-31, 7.1884 (China Foreign Exchange Trade System, as reported by MENAFN /
# Xinhua, https://menafn.com/1109044220/Chinas-yuan-strengthens-by-5-pips-against-US-dollar-on-Tuesday)
CNY_PER_USD = 7.1884


@dataclass(frozen=True)
class OverseasLayers:
    """The three overseas tables, validated (frames are never modified in place)."""

    zones: pd.DataFrame
    countries: pd.DataFrame
    border: pd.DataFrame
    road_speed_kmh: float
    road_speed_source: str


def _read(root: Path, kind: str, *, known_adcodes: set[int] | None = None) -> pd.DataFrame:
    path = root / FILES[kind]
    if not path.is_file():
        raise LayerError(
            f"the {kind} layer is missing ({path})",
            where=str(path),
            fix=f"restore {FILES[kind]} in the data folder (it ships with the tool), or run without --overseas",
        )
    df, offset = read_any(path)
    out = validate_frame(df, SCHEMAS[kind], where=path.name, offset=offset, known_adcodes=known_adcodes)
    _check_sourced(out, where=path.name, offset=offset, columns=_SOURCE_COLUMNS[kind])
    return pd.DataFrame(out)


_SOURCE_COLUMNS = {
    "overseas_zones": (C.SOURCE, C.SOURCE_YEAR),
    "host_countries": ("eu_source", "eu_year", "agoa_source", "agoa_year"),
    "border_zones": (C.SOURCE, C.SOURCE_YEAR),
}


def _check_sourced(df: pd.DataFrame, *, where: str, offset: int, columns: Sequence[str]) -> None:
    """Every row names its source and year."""
    for col in columns:
        blank = df[col].isna() | (df[col].astype("string").str.strip() == "")
        if blank.any():
            rows = [int(i) + offset for i in np.flatnonzero(blank.to_numpy())]
            raise LayerError(
                f"field {col!r} is empty: every row needs its source and year",
                where=f"{where}, row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:5]))}",
                fix="write where the values come from (publication, URL, date) and its year",
            )


def _check_pairs(df: pd.DataFrame, *, where: str, pairs: Iterable[tuple[str, str]]) -> None:
    for a, b in pairs:
        half = df[a].isna() != df[b].isna()
        if half.any():
            row = int(np.flatnonzero(half.to_numpy())[0]) + 2
            raise LayerError(
                f"{a!r} and {b!r} must both be filled or both empty",
                where=f"{where}, row {row}",
                fix="give the full coordinate pair, or leave both cells empty and say why in 'flag'",
            )


def _check_iso3(zones: pd.DataFrame, countries: pd.DataFrame) -> None:
    for name, df in (("host_countries.csv", countries), ("overseas_zones.csv", zones)):
        bad = ~df[ISO3].astype("string").str.fullmatch(r"[A-Z]{3}").fillna(False)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise LayerError(
                f"{df[ISO3].iloc[row]!r} is not an ISO 3166-1 alpha-3 country code",
                where=f"{name}, row {row + 2}, field {ISO3!r}",
                fix="write three capital letters, e.g. KHM for Cambodia, ETH for Ethiopia",
            )
    known = set(countries[ISO3])
    missing = zones[~zones[ISO3].isin(known)]
    if len(missing):
        code = str(missing[ISO3].iloc[0])
        raise LayerError(
            f"host country {code!r} is not in host_countries.csv{did_you_mean(code, known)}",
            where=f"overseas_zones.csv, row {int(missing.index[0]) + 2}, field {ISO3!r}",
            fix="add the country's row (wage, EU access, AGOA, sources) to host_countries.csv",
        )


def load_overseas(data_dir: str | Path | None = None, *, known_adcodes: set[int] | None = None) -> OverseasLayers:
    """Read and validate the overseas zones, host countries and border zones of a data folder.

    Parameters
    ----------
    data_dir
        The folder that holds ``curated/`` (default: the embedded ``geodata/``).
    known_adcodes
        The site adcodes the border zones must name (None skips that check).
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    zones = _read(root, "overseas_zones")
    countries = _read(root, "host_countries")
    border = _read(root, "border_zones", known_adcodes=known_adcodes)
    _check_pairs(zones, where="overseas_zones.csv", pairs=(("zone_lon", "zone_lat"), ("port_lon", "port_lat")))
    _check_iso3(zones, countries)
    speed, source = _road_speed(root)
    return OverseasLayers(
        zones=zones, countries=countries, border=border, road_speed_kmh=speed, road_speed_source=source
    )


def _road_speed(root: Path) -> tuple[float, str]:
    """The network's sourced road speed (transport_params.yaml), reused for the inland leg abroad."""
    path = root / "curated" / "transport_params.yaml"
    try:
        entry = read_yaml(path, error=LayerError)[0]["modes"]["road"]["speed_kmh"]
        return float(entry["value"]), str(entry.get("source", ""))
    except (LayerError, KeyError, TypeError, ValueError):
        raise LayerError(
            "cannot read the road speed (modes.road.speed_kmh.value) for the inland leg",
            where=str(path),
            fix="restore curated/transport_params.yaml with a numeric road speed",
        ) from None


@functools.lru_cache(maxsize=4096)
def sea_route_km(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> float:
    """Shortest sea distance in km on searoute's packaged maritime network (Northwest Passage excluded)."""
    import searoute

    route = searoute.searoute([from_lon, from_lat], [to_lon, to_lat], units="km")
    return float(route["properties"]["length"])


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def origin_gateway(hubs: pd.DataFrame, origins: pd.DataFrame, origin: int) -> pd.Series:
    """The sea gateway an origin ships from: one in its own city, else the nearest by straight line."""
    gates = hubs[hubs[C.HUB_TYPE] == "sea_gateway"].dropna(subset=[C.LON, C.LAT])
    if gates.empty:
        raise LayerError("the hubs layer has no sea gateway with coordinates", where="hubs", fix="restore hubs.csv")
    own = gates[gates[C.CITY_ADCODE] == origin]
    if len(own):
        return own.iloc[0]
    row = origins[origins[C.ADCODE] == origin]
    if row.empty:
        raise LayerError(
            f"origin {origin} is not in the origins layer",
            where="--origin",
            fix="use the adcode or name of a coastal origin (see `transfer sites`)",
        )
    lon, lat = float(row[C.LON].iloc[0]), float(row[C.LAT].iloc[0])
    dist = [_haversine_km(lon, lat, float(g[C.LON]), float(g[C.LAT])) for _, g in gates.iterrows()]
    return gates.iloc[int(np.argmin(dist))]


def _market_access(country: pd.Series) -> float:
    us = 1.0 if country["agoa"] == "eligible" else 0.0
    return EU_SHARE * EU_ACCESS_VALUE[str(country["eu_access"])] + US_SHARE * us


def _fit(zone: pd.Series, industry: str) -> float:
    listed = str(zone.get("sector_industries") or "")
    ids = [s.strip() for s in listed.split(";") if s.strip()]
    if ids:
        return 1.0 if industry in ids else 0.0
    return 0.0 if str(zone.get("sector_text") or "").strip() else math.nan


def _minmax_days(values: pd.Series) -> pd.Series:
    """Transport time to 0..1 (1 = fastest) by min-max over the known values; unknown stays NaN."""
    known = values.dropna()
    if known.empty or known.max() == known.min():
        return pd.Series(np.where(values.isna(), np.nan, 1.0), index=values.index)
    return 1.0 - (values - known.min()) / (known.max() - known.min())


def origin_wage_usd(province_economy: pd.DataFrame, origin_province: int) -> tuple[float, str]:
    """The origin province's first-tier monthly minimum wage in USD (province_economy.csv / CNY_PER_USD)."""
    row = province_economy[province_economy["province_adcode"] == origin_province]
    if row.empty or pd.isna(row["min_wage_cny_month"].iloc[0]):
        raise LayerError(
            f"no minimum wage for the origin's province {origin_province} in province_economy",
            where="province_economy.csv",
            fix="fill min_wage_cny_month for the province, or choose another origin",
        )
    cny = float(row["min_wage_cny_month"].iloc[0])
    return cny / CNY_PER_USD, f"{cny:.0f} CNY/month ({row['province_zh'].iloc[0]}) at {CNY_PER_USD} CNY/USD"


def score_overseas(
    layers: OverseasLayers,
    profile: Any,
    gateway: pd.Series,
    *,
    origin_wage_usd: float,
    ship_speed_knots: float = DEFAULT_SHIP_SPEED_KNOTS,
    lang: str = "en",
) -> pd.DataFrame:
    """Rank the overseas zones for one industry on their own criteria, with reasons and caveats (in ``lang``).

    Parameters
    ----------
    layers
        From :func:`load_overseas`.
    profile
        The industry's profile (``IndustryProfile``: id, labour_intensity, freight).
    gateway
        The origin's sea gateway (a hubs row with hub_id, name_en, lon, lat), from :func:`origin_gateway`.
    origin_wage_usd
        The origin's monthly minimum wage in USD (:func:`origin_wage_usd`): the wage criterion is the share of it
        a zone saves (1 - host wage / origin wage, clipped to 0..1).
    ship_speed_knots
        Sailing speed for the sea leg.

    A criterion a zone has no value for counts 0.5, as an unknown value does in the domestic score (so a zone
    is neither rewarded nor punished for what is not known about it); the caveats say which.
    """
    if not ship_speed_knots > 0 or not origin_wage_usd > 0:
        raise LayerError(
            f"ship speed and origin wage must be positive, got {ship_speed_knots} and {origin_wage_usd}",
            where="score_overseas",
            fix="pass a positive ship_speed_knots and origin_wage_usd",
        )
    countries = layers.countries.set_index(ISO3)
    km_per_day = ship_speed_knots * KM_PER_NMI * 24
    rows = []
    for _, z in layers.zones.iterrows():
        country = countries.loc[z[ISO3]]
        caveats: list[Note] = []
        sea_km = inland_km = days = math.nan
        if pd.notna(z["port_lon"]):
            start = (float(gateway[C.LON]), float(gateway[C.LAT]))
            sea_km = sea_route_km(*start, float(z["port_lon"]), float(z["port_lat"]))
            inland_km = float(z["inland_km"]) if pd.notna(z["inland_km"]) else 0.0
            days = sea_km / km_per_day + inland_km / (layers.road_speed_kmh * 24)
            if inland_km > 100:
                caveats.append(("inland_leg", {"km": f"{inland_km:.0f}", "port": str(z["port_name"])}))
        elif pd.notna(z["zone_lon"]):
            caveats.append(("no_port", {}))
        if pd.isna(z["zone_lon"]):
            caveats.append(("no_location", {}))
        elif "host city" in str(z.get("coord_source") or ""):
            caveats.append(("host_city_point", {}))
        fit = _fit(z, profile.id)
        if math.isnan(fit):
            caveats.append(("no_sector", {}))
        wage = country["min_wage_usd_month"]
        names = {"zh": str(country.get(C.NAME_ZH) or country[C.NAME_EN]), "en": str(country[C.NAME_EN])}
        if pd.isna(wage):
            caveats.append(("no_wage", {"country": names}))
        elif country.get("wage_basis") == "customary_base":
            caveats.append(("customary_wage", {"country": names, "usd": f"{wage:.0f}"}))
        if country["agoa"] != "not_applicable":
            year = int(country["agoa_year"])
            caveats.append(("agoa_status", {"year": year}))
        if str(country.get("flag") or "").startswith("EBA partly"):
            caveats.append(("eba_partly", {}))
        if z["status"] == "listed":
            caveats.append(("not_confirmed", {}))
        rows.append(
            {
                ZONE_ID: z[ZONE_ID],
                C.NAME_ZH: z[C.NAME_ZH],
                C.NAME_EN: z[C.NAME_EN],
                COUNTRY: z[ISO3],
                "country_name": country[C.NAME_EN],
                "status": z["status"],
                "port": z.get("port_name") if pd.notna(z.get("port_name")) else None,
                "sea_km": sea_km,
                "inland_km": inland_km,
                "transport_days": days,
                "wage_usd_month": float(wage) if pd.notna(wage) else math.nan,
                "wage_saving": min(1.0, max(0.0, 1 - float(wage) / origin_wage_usd)) if pd.notna(wage) else math.nan,
                "eu_access": country["eu_access"],
                "agoa": country["agoa"],
                "market_access": _market_access(country),
                "sector_fit": fit,
                "capacity_jobs": z["capacity_jobs"],
                "caveats": caveats,
            }
        )
    df = pd.DataFrame(rows)
    return _rank(df, profile, gateway, ship_speed_knots, lang)


# An unknown criterion value counts as the middle of the scale, as in the domestic score.
UNKNOWN_VALUE = 0.5


def _weights(profile: Any) -> dict[str, float]:
    w = {
        "sector_fit": 0.35,
        "wage_saving": WAGE_WEIGHT.get(str(profile.labour_intensity), 0.2),
        "transport_days": 0.20 if "sea" in tuple(profile.freight) else 0.10,
        "market_access": 0.20,
    }
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def _rank(df: pd.DataFrame, profile: Any, gateway: pd.Series, speed: float, lang: str) -> pd.DataFrame:
    w = _weights(profile)
    parts = pd.DataFrame(
        {
            "sector_fit": df["sector_fit"],
            "wage_saving": df["wage_saving"],
            "transport_days": _minmax_days(df["transport_days"]),
            "market_access": df["market_access"],
        }
    )
    weights = pd.Series({c: w[c] for c in CRITERIA})
    df = df.copy()
    df["score"] = (parts[list(CRITERIA)].fillna(UNKNOWN_VALUE) * weights).sum(axis=1).round(4)
    for i in range(len(df)):
        unknown = [c for c in CRITERIA if pd.isna(parts[c].iloc[i])]
        if unknown:
            df.at[i, "caveats"] = [*df.at[i, "caveats"], ("unknown_counted", {"criteria": unknown})]
    df["reasons"] = [[note_text(n, lang) for n in _reasons(df.iloc[i])] for i in range(len(df))]
    df["caveats"] = [[note_text(n, lang) for n in notes] for notes in df["caveats"]]
    df = df.sort_values(["score", ZONE_ID], ascending=[False, True]).reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    df["origin_gateway"] = str(gateway[C.HUB_ID])
    df["ship_speed_knots"] = speed
    return df


def _reasons(row: pd.Series) -> list[Note]:
    out: list[Note] = []
    if row["sector_fit"] == 1.0:
        out.append(("sector_fit", {}))
    elif row["sector_fit"] == 0.0:
        out.append(("sector_other", {}))
    if pd.notna(row["transport_days"]):
        out.append(("days", {"days": f"{row['transport_days']:.1f}", "km": f"{row['sea_km']:,.0f}"}))
    if pd.notna(row["wage_usd_month"]):
        out.append(("wage", {"usd": f"{row['wage_usd_month']:.0f}", "saving": f"{row['wage_saving']:.0%}"}))
    eu = str(row["eu_access"])
    out.append(("access_agoa" if row["agoa"] == "eligible" else "access", {"eu": eu}))
    return out


def note_text(note: Note, lang: str = "en") -> str:
    """A reason or caveat in ``lang`` (the templates are ``overseas.<code>`` in transfer.i18n)."""
    from transfer.i18n import t

    code, params = note
    values = dict(params)
    if "criteria" in values:
        values["criteria"] = ", ".join(t(f"overseas.criterion.{c}", lang) for c in values["criteria"])
        values["value"] = UNKNOWN_VALUE
    if "eu" in values:
        values["eu"] = t(f"overseas.eu.{values['eu']}", lang)
    if isinstance(values.get("country"), dict):
        values["country"] = values["country"].get(lang) or values["country"]["en"]
    return t(f"overseas.{code}", lang, **values)


def border_candidates(border: pd.DataFrame, domestic: pd.DataFrame) -> pd.DataFrame:
    """The border and cross-border zones joined to their city's domestic score and rank for the same industry.

    ``domestic`` is the industry's full domestic list (rank, adcode, score, eligible) including ineligible sites;
    a zone whose city is not a site gets empty score fields.
    """
    d = domestic.set_index(C.ADCODE)
    out = border[[ZONE_ID, C.NAME_ZH, C.NAME_EN, C.ZONE_TYPE, C.CITY_ADCODE, "neighbour_iso3", C.APPROVAL_YEAR]].copy()
    out.insert(3, COUNTRY, "CHN")
    codes = out[C.CITY_ADCODE]
    out["city_zh"] = codes.map(d[C.NAME_ZH]) if C.NAME_ZH in d else None
    out["city_domestic_rank"] = codes.map(d["rank"]).astype("Int64")
    out["city_score"] = codes.map(d["score"])
    out["city_eligible"] = codes.map(d["eligible"])
    return out.sort_values(["city_domestic_rank", ZONE_ID], na_position="last").reset_index(drop=True)
