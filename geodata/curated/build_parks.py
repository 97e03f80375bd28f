"""Fill the points of cobuilt_parks.csv from cpca: the seat of the host county, else of the host city."""

from __future__ import annotations

import csv
import importlib.resources
from pathlib import Path

from transfer._gcj02 import gcj02_to_wgs84

HERE = Path(__file__).resolve().parent
PARKS_PATH = HERE / "cobuilt_parks.csv"
ADCODES_PATH = Path(str(importlib.resources.files("cpca") / "resources" / "adcodes.csv"))


def _seats() -> dict[str, tuple[float, float, str]]:
    """WGS84 seat and name per 6-digit adcode, from cpca's centres (GCJ-02 in the package)."""
    out: dict[str, tuple[float, float, str]] = {}
    with ADCODES_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"]
            if code.endswith("000000") and row["longitude"] and row["latitude"]:
                lon, lat = gcj02_to_wgs84(float(row["longitude"]), float(row["latitude"]))
                out[code[:6]] = (round(float(lon), 6), round(float(lat), 6), row["name"])
    return out


def build(path: Path = PARKS_PATH) -> int:
    """Write lon, lat and point_source into the parks table; returns the number of rows with a point."""
    seats = _seats()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    placed = 0
    for row in rows:
        for key, kind in (("host_county_adcode", "county"), ("host_adcode", "city")):
            code = row.get(key, "").strip()
            if code and code in seats:
                lon, lat, name = seats[code]
                if kind == "county" and name != row["host_county_zh"]:
                    raise SystemExit(f"{row['park_id']}: cpca names {code} {name}, the table {row['host_county_zh']}")
                row["lon"], row["lat"] = f"{lon:.6f}", f"{lat:.6f}"
                row["point_source"] = f"seat of the host {kind} {name} (cpca centre, GCJ-02 -> WGS84)"
                placed += 1
                break
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return placed


if __name__ == "__main__":
    print(f"{build()} parks placed")
