"""Write the binary files of the bad-input corpus (workbooks, a Shapefile without its .dbf).

Run from anywhere: ``python tests/data/bad/make_binary.py``. The output is committed; this script says how it was made.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook
from shapely.geometry import Point

HERE = Path(__file__).resolve().parent


def _workbook(path: Path, sheets: list[tuple[str, list[list[object]]]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def main() -> None:
    firms = [["name", "industry", "origin", "jobs"], ["甲电子", "electronics_assembly", "东莞", 300]]
    _workbook(HERE / "firms" / "data_on_second_sheet.xlsx", [("说明", []), ("企业", firms)])
    _workbook(
        HERE / "firms" / "jobs_text_in_workbook.xlsx",
        [("企业", [firms[0], ["甲电子", "electronics_assembly", "东莞", "三百"]])],
    )
    hubs = [["hub_id", "name_zh", "hub_type", "city_adcode", "lon", "lat", "source"]]
    _workbook(
        HERE / "layers" / "hubs_on_second_sheet.xlsx",
        [("Sheet1", []), ("枢纽", [*hubs, ["h1", "武汉港", "river_port", 420100, 114.3, 30.6, "s"]])],
    )
    shp = HERE / "layers" / "hubs_without_dbf.shp"
    gpd.GeoDataFrame({"hub_id": ["h1"]}, geometry=[Point(114.3, 30.6)], crs="EPSG:4326").to_file(shp)
    for ext in (".dbf", ".cpg"):
        shp.with_suffix(ext).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
