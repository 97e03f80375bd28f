"""Exports of a shortlist: flat tables (CSV, XLSX, GeoJSON), a static SVG map and a printable one-page HTML brief.

:mod:`transfer.export.tables` makes the flat files, :mod:`transfer.export.svgmap` the static map and
:mod:`transfer.export.brief` the brief.
"""

from __future__ import annotations

from transfer.export.brief import brief_html
from transfer.export.svgmap import HIGHLIGHT_COLOUR, static_map_svg
from transfer.export.tables import (
    CONTRIB_PREFIX,
    README_SHEET,
    shortlist_table,
    to_csv_bytes,
    to_geojson_bytes,
    to_xlsx_bytes,
)

__all__ = [
    "CONTRIB_PREFIX",
    "HIGHLIGHT_COLOUR",
    "README_SHEET",
    "brief_html",
    "shortlist_table",
    "static_map_svg",
    "to_csv_bytes",
    "to_geojson_bytes",
    "to_xlsx_bytes",
]
