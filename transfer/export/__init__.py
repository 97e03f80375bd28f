"""Exports of a shortlist: flat tables (CSV, XLSX, GeoJSON), a static SVG map and a printable one-page HTML brief.

:mod:`transfer.export.tables` makes the flat files, :mod:`transfer.export.svgmap` the static map,
:mod:`transfer.export.brief` the brief (from ``templates/brief.html.j2``), and :mod:`transfer.export.context` the
record of what an export was made with (:class:`ExportContext`), which every export can carry.
"""

from __future__ import annotations

from transfer.export.brief import brief_html, brief_title
from transfer.export.context import ExportContext
from transfer.export.svgmap import HIGHLIGHT_COLOUR, static_map_svg
from transfer.export.tables import (
    CONTRIB_PREFIX,
    GEOJSON_METADATA,
    README_SHEET,
    defused,
    header_names,
    shortlist_table,
    to_csv_bytes,
    to_geojson_bytes,
    to_xlsx_bytes,
)

__all__ = [
    "CONTRIB_PREFIX",
    "GEOJSON_METADATA",
    "HIGHLIGHT_COLOUR",
    "README_SHEET",
    "ExportContext",
    "brief_html",
    "brief_title",
    "defused",
    "header_names",
    "shortlist_table",
    "static_map_svg",
    "to_csv_bytes",
    "to_geojson_bytes",
    "to_xlsx_bytes",
]
