"""Exports of a shortlist: flat tables (CSV, XLSX, GeoJSON), a static SVG map and a printable one-page HTML brief."""

from __future__ import annotations

from transfer.export.tables import (
    CONTRIB_PREFIX,
    HIGHLIGHT_COLOUR,
    README_SHEET,
    brief_html,
    shortlist_table,
    static_map_svg,
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
