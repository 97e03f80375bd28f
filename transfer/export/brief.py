"""The printable one-page HTML brief: header, map, shortlist table, sources and notes."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.export.svgmap import FONT_STACK
from transfer.export.tables import CONTRIB_PREFIX, _split_reasons
from transfer.i18n import criterion_label, t

__all__ = ["brief_html"]

# a strength as transfer.scoring.ScoreResult.explain writes it in either language, "(0.87 × weight 0.20 = +0.175)"
# or "（0.87 × 权重 0.20 = +0.175）"; the brief shows strengths as contribution chips already
_STRENGTH = re.compile(r"×\s*(?:weight|权重)\s*[\d.]+\s*=\s*\+")

_CSS = """
@page { size: A4 portrait; margin: 11mm 12mm 12mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e9ecef; color: #1d2327; font-family: __FONT__;
       font-size: 9pt; line-height: 1.35; }
.page { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 11mm 12mm 12mm; background: #fff;
        box-shadow: 0 1px 6px rgba(0,0,0,.18); }
header { border-bottom: 2.5px solid #2a788e; padding-bottom: 2.5mm; margin-bottom: 3mm; display: flex;
         justify-content: space-between; align-items: flex-end; gap: 6mm; }
header h1 { font-size: 16pt; margin: 0 0 1mm; font-weight: 700; color: #13343b; letter-spacing: .02em; }
header .subtitle { font-size: 9pt; color: #4a5a60; margin: 0; }
header .mark { font-size: 7.5pt; color: #6b7a80; text-align: right; white-space: nowrap; }
h2 { font-size: 10.5pt; margin: 3mm 0 1.5mm; color: #13343b; border-left: 3px solid #2a788e;
     padding-left: 2mm; }
.map { margin: 0; text-align: center; break-inside: avoid; page-break-inside: avoid; }
.map svg { width: 100%; height: auto; max-height: 92mm; display: block; margin: 0 auto; }
.map iframe { width: 100%; height: 110mm; border: 1px solid #d0d7da; }
table { width: 100%; border-collapse: collapse; font-size: 8pt; }
thead { display: table-header-group; }
th { background: #e8eef2; color: #13343b; text-align: left; font-weight: 700; padding: 1.2mm 1.5mm;
     border-bottom: 1px solid #9fb3bb; white-space: nowrap; }
td { padding: 1mm 1.5mm; border-bottom: .5px solid #dde3e6; vertical-align: top; }
tr { break-inside: avoid; page-break-inside: avoid; }
tbody tr:nth-child(even) td { background: #f7f9fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.rank { text-align: center; font-weight: 700; color: #2a788e; width: 8mm; }
td.name, td.prov { white-space: nowrap; }
td.name .alt { display: block; color: #6b7a80; font-size: 7pt; }
td.reasons { font-size: 7pt; color: #3a474c; }
td.reasons ul { margin: 0; padding-left: 3mm; }
.chip { display: inline-block; white-space: nowrap; margin: 0 1mm .4mm 0; padding: 0 1.2mm;
        border-radius: 2px; background: #e4f1ef; color: #184e44; font-size: 7pt; }
.bar { display: inline-block; height: 2mm; background: #2a788e; vertical-align: middle; margin-left: 1mm; }
.inel { color: #b42318; font-weight: 700; }
footer { margin-top: 3mm; border-top: 1px solid #c8d2d6; padding-top: 1.5mm; font-size: 7pt; color: #4a5a60;
         display: grid; grid-template-columns: 1fr 1fr; gap: 4mm;
         break-inside: avoid; page-break-inside: avoid; }
footer h3 { font-size: 7.5pt; margin: 0 0 .8mm; color: #13343b; }
footer ul { margin: 0; padding-left: 3.5mm; }
footer li { margin-bottom: .4mm; }
.common { font-size: 7pt; color: #3a474c; margin-top: 1.2mm; }
.common ul { display: inline; margin: 0; padding: 0; list-style: none; }
.common li { display: inline; margin-left: 1.5mm; }
.empty { color: #6b7a80; font-style: italic; }
@media print {
  body { background: #fff; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
""".replace("__FONT__", FONT_STACK)


def _top_contributions(row: Mapping[str, Any], lang: str, n: int) -> list[tuple[str, float]]:
    contrib: dict[str, float] = {}
    raw = row.get("contributions")
    if isinstance(raw, Mapping):
        contrib = {str(k): float(v) for k, v in raw.items()}
    else:
        for k, v in row.items():
            if str(k).startswith(CONTRIB_PREFIX) and v is not None and np.isfinite(float(v)):
                contrib[str(k)[len(CONTRIB_PREFIX) :]] = float(v)
    ranked = sorted(((v, k) for k, v in contrib.items() if v > 0), reverse=True)[:n]
    return [(criterion_label(k, lang, short=True), v) for v, k in ranked]


def _row_reasons(table: pd.DataFrame, *, skip_strengths: bool) -> tuple[list[list[str]], list[str]]:
    """Reasons per row, and the reasons shared by every row (shown once, under the table)."""
    per_row = [_split_reasons(v) for v in table["reasons"]] if "reasons" in table.columns else []
    shared: list[str] = []
    common: set[str] = set()
    if len(per_row) > 1:
        common = set(per_row[0]).intersection(*per_row[1:])
        shared = [r for r in per_row[0] if r in common]
        if skip_strengths:
            shared = [r for r in shared if not _STRENGTH.search(r)]
    out = []
    for reasons in per_row:
        kept = [r for r in reasons if r not in common] if len(per_row) > 1 else list(reasons)
        if skip_strengths:
            # strengths are shown as the contribution chips already
            kept = [r for r in kept if not _STRENGTH.search(r)]
        out.append(kept)
    return out, shared


def _table_html(
    table: pd.DataFrame,
    *,
    lang: str,
    max_rows: int,
    reasons_per_row: int,
    industry_names: Mapping[str, str],
) -> str:
    if table.empty:
        return f'<p class="empty">{html.escape(t("brief.no_rows", lang))}</p>'
    by_site = C.NAME_ZH in table.columns or C.NAME_EN in table.columns
    primary, secondary = (C.NAME_ZH, C.NAME_EN) if lang == "zh" else (C.NAME_EN, C.NAME_ZH)
    has_contrib = "contributions" in table.columns or any(str(c).startswith(CONTRIB_PREFIX) for c in table.columns)
    table = table.head(max_rows).reset_index(drop=True)
    row_reasons, shared = _row_reasons(table, skip_strengths=has_contrib)
    show_reasons = any(row_reasons)
    scores = pd.to_numeric(table.get("score", pd.Series(dtype=float)), errors="coerce")
    top_score = float(scores.max()) if scores.notna().any() else 1.0
    head = [
        f'<th class="num">{html.escape(t("col.rank", lang))}</th>',
        f"<th>{html.escape(t('col.site' if by_site else 'col.industry', lang))}</th>",
    ]
    if by_site and C.PROVINCE in table.columns:
        head.append(f"<th>{html.escape(t('col.province', lang))}</th>")
    head.append(f'<th class="num">{html.escape(t("col.score", lang))}</th>')
    if has_contrib:
        head.append(f"<th>{html.escape(t('col.top_contributions', lang))}</th>")
    if show_reasons:
        head.append(f"<th>{html.escape(t('col.reasons', lang))}</th>")
    body = []
    for k, (_, row) in enumerate(table.iterrows(), start=1):
        rec = row.to_dict()
        rank = rec.get("rank", k)
        cells = [f'<td class="rank">{html.escape(str(rank))}</td>']
        if by_site:
            main = rec.get(primary) or rec.get(secondary) or rec.get(C.ADCODE, "")
            alt = rec.get(secondary) if rec.get(primary) else ""
            alt_html = f'<span class="alt">{html.escape(str(alt))}</span>' if alt and alt == alt else ""
            cells.append(f'<td class="name">{html.escape(str(main))}{alt_html}</td>')
            if C.PROVINCE in table.columns:
                cells.append(f'<td class="prov">{html.escape(str(rec.get(C.PROVINCE) or ""))}</td>')
        else:
            ind = str(rec.get("industry", ""))
            alt_html = f'<span class="alt">{html.escape(ind)}</span>' if ind in industry_names else ""
            cells.append(f'<td class="name">{html.escape(industry_names.get(ind, ind))}{alt_html}</td>')
        sc = pd.to_numeric(pd.Series([rec.get("score")]), errors="coerce").iloc[0]
        mark = "" if rec.get("eligible", True) in (True, np.True_) else ' <span class="inel">✕</span>'
        bar = (
            f'<span class="bar" style="width:{max(0.0, min(1.0, sc / top_score)) * 9:.1f}mm"></span>'
            if np.isfinite(sc) and top_score > 0
            else ""
        )
        sc_txt = f"{sc:.3f}" if np.isfinite(sc) else "–"
        cells.append(f'<td class="num">{sc_txt}{bar}{mark}</td>')
        if has_contrib:
            chips = "".join(
                f'<span class="chip">{html.escape(label)} +{value:.3f}</span>'
                for label, value in _top_contributions(rec, lang, 3)
            )
            cells.append(f"<td>{chips}</td>")
        if show_reasons:
            items = "".join(f"<li>{html.escape(r)}</li>" for r in row_reasons[k - 1][:reasons_per_row])
            cells.append(f'<td class="reasons"><ul>{items}</ul></td>' if items else "<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    common = ""
    if shared:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in shared)
        common = f'<div class="common"><b>{html.escape(t("brief.all_rows", lang))}</b><ul>{items}</ul></div>'
    return "<table><thead><tr>" + "".join(head) + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>" + common


def brief_html(
    *,
    title: str,
    subtitle: str,
    table: pd.DataFrame,
    map_html: str | None,
    static_map_svg: str | None,
    sources: Sequence[str],
    notes: Sequence[str],
    lang: str = "zh",
    max_rows: int = 12,
    reasons_per_row: int = 2,
    mark: str = "",
    industry_names: Mapping[str, str] | None = None,
) -> str:
    """A printable one-page brief (A4 portrait): header, map, shortlist table, sources and notes.

    Every text from data is HTML-escaped; the page loads nothing from outside (no external fonts, scripts or
    images), so it opens and prints offline.

    Parameters
    ----------
    title, subtitle
        Heading lines (e.g. industry and scenario, date).
    table
        A shortlist (``ScoreResult.shortlist``), a site profile, or their flat form (:func:`shortlist_table`).
    map_html
        A self-contained map page (:func:`transfer.mapview.standalone_html`), shown in a sandboxed
        frame when no static map is given. Interactive maps print less reliably than the static one.
    static_map_svg
        An SVG map from :func:`static_map_svg` (preferred for print); trusted markup, inserted as is.
    sources
        Data sources, one line each.
    notes
        Caveats and method notes, one line each.
    lang
        "zh" or "en": language of the fixed labels.
    max_rows
        At most this many table rows (to keep to one page).
    reasons_per_row
        At most this many reasons per row.
    mark
        Small text at the top right (e.g. the tool name and version).
    industry_names
        Industry id -> display name, for a site profile table (whose rows are industries).
    """
    esc = html.escape
    if static_map_svg:
        map_part = f'<figure class="map">{static_map_svg}</figure>'
    elif map_html:
        map_part = (
            f'<figure class="map"><iframe sandbox="allow-scripts" title="{esc(t("brief.map", lang))}" '
            f'srcdoc="{esc(map_html, quote=True)}"></iframe></figure>'
        )
    else:
        map_part = ""
    src_items = "".join(f"<li>{esc(s)}</li>" for s in sources) or "<li>–</li>"
    note_items = "".join(f"<li>{esc(s)}</li>" for s in notes) or "<li>–</li>"
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><style>{_CSS}</style></head><body><div class="page">'
        f'<header><div><h1>{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p></div>'
        f'<div class="mark">{esc(mark)}</div></header>'
        + (f"<h2>{esc(t('brief.map', lang))}</h2>{map_part}" if map_part else "")
        + f"<h2>{esc(t('brief.table', lang))}</h2>"
        + _table_html(
            table,
            lang=lang,
            max_rows=max_rows,
            reasons_per_row=reasons_per_row,
            industry_names=industry_names or {},
        )
        + f"<footer><div><h3>{esc(t('brief.sources', lang))}</h3><ul>{src_items}</ul></div>"
        f"<div><h3>{esc(t('brief.notes', lang))}</h3><ul>{note_items}</ul></div></footer>"
        "</div></body></html>\n"
    )
