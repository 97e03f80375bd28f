"""The printable one-page HTML brief: header, map, shortlist table, sources and notes."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.export.context import ExportContext
from transfer.export.svgmap import FONT_STACK
from transfer.export.tables import CONTRIB_PREFIX, _split_reasons
from transfer.i18n import criterion_label, render_reason, t
from transfer.scoring import Reason, ScoreResult

__all__ = ["brief_html", "brief_title"]


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


def _reasons_of(row: Mapping[str, Any], result: ScoreResult | None) -> list[Reason | str]:
    """A row's reasons: the structured ones of its (industry, site) pair in ``result``, else the row's text."""
    industry, site = row.get("industry"), pd.to_numeric(row.get(C.ADCODE), errors="coerce")
    if result is not None and industry in result.industries and pd.notna(site) and int(site) in result.site_ids:
        return list(result.reasons_for(str(industry), int(site)))
    return list(_split_reasons(row.get("reasons")))


def _row_reasons(
    table: pd.DataFrame, result: ScoreResult | None, *, skip_strengths: bool
) -> tuple[list[list[Reason | str]], list[Reason | str]]:
    """Reasons per row, and the reasons shared by every row (shown once, under the table).

    With ``skip_strengths`` the strengths of structured reasons are left out (the contribution chips show them);
    reasons given only as text are shown as they are.
    """
    per_row = [_reasons_of(rec, result) for rec in table.to_dict(orient="records")]
    if skip_strengths:
        per_row = [[r for r in rs if not (isinstance(r, Reason) and r.kind == "strength")] for rs in per_row]
    common = set(per_row[0]).intersection(*per_row[1:]) if len(per_row) > 1 else set()
    shared = [r for r in per_row[0] if r in common] if common else []
    return [[r for r in rs if r not in common] for rs in per_row], shared


def _text(reason: Reason | str, lang: str) -> str:
    return render_reason(reason, lang) if isinstance(reason, Reason) else reason


def _table_view(
    table: pd.DataFrame,
    *,
    lang: str,
    max_rows: int,
    reasons_per_row: int,
    industry_names: Mapping[str, str],
    result: ScoreResult | None,
) -> dict[str, Any]:
    """The shortlist table as plain values for the template (no markup)."""
    if table.empty:
        return {"rows": []}
    by_site = C.NAME_ZH in table.columns or C.NAME_EN in table.columns
    primary, secondary = (C.NAME_ZH, C.NAME_EN) if lang == "zh" else (C.NAME_EN, C.NAME_ZH)
    has_contrib = "contributions" in table.columns or any(str(c).startswith(CONTRIB_PREFIX) for c in table.columns)
    table = table.head(max_rows).reset_index(drop=True)
    row_reasons, shared = _row_reasons(table, result, skip_strengths=has_contrib)
    scores = pd.to_numeric(table.get("score", pd.Series(dtype=float)), errors="coerce")
    top_score = float(scores.max()) if scores.notna().any() else 1.0
    rows = []
    for k, rec in enumerate(table.to_dict(orient="records")):
        if by_site:
            main = rec.get(primary) or rec.get(secondary) or rec.get(C.ADCODE, "")
            alt = rec.get(secondary) if rec.get(primary) else ""
            alt = alt if alt and alt == alt else ""  # NaN is not a name
        else:
            ind = str(rec.get("industry", ""))
            main, alt = industry_names.get(ind, ind), (ind if ind in industry_names else "")
        sc = float(pd.to_numeric(pd.Series([rec.get("score")]), errors="coerce").iloc[0])
        rows.append(
            {
                "rank": rec.get("rank", k + 1),
                "name": str(main),
                "alt": str(alt),
                "province": str(rec.get(C.PROVINCE) or ""),
                "score": f"{sc:.3f}" if np.isfinite(sc) else "–",
                "bar_mm": max(0.0, min(1.0, sc / top_score)) * 9 if np.isfinite(sc) and top_score > 0 else None,
                "eligible": rec.get("eligible", True) in (True, np.True_),
                "chips": _top_contributions(rec, lang, 3) if has_contrib else [],
                "reasons": [_text(r, lang) for r in row_reasons[k][:reasons_per_row]],
            }
        )
    return {
        "rows": rows,
        "by_site": by_site,
        "show_province": by_site and C.PROVINCE in table.columns,
        "has_contrib": has_contrib,
        "show_reasons": any(row_reasons),
        "shared": [_text(r, lang) for r in shared],
    }


@functools.cache
def _environment() -> jinja2.Environment:
    # autoescape on for every template: a value is HTML-escaped unless the template marks it |safe
    return jinja2.Environment(
        loader=jinja2.PackageLoader("transfer.export", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def brief_title(
    context: ExportContext, title: str | None = None, industry_names: Mapping[str, str] | None = None
) -> str:
    """The brief's heading: ``title`` (default: the shortlist title of the context's industry) followed by the region
    and province filter, so a filtered brief never reads as a national one."""
    lang = context.lang
    if title is None:
        ind = context.industry or ""
        name = context.industry_name or (industry_names or {}).get(ind, ind)
        title = t("brief.title", lang, industry=name)
    scope = context.scope()
    return t("brief.title_scoped", lang, title=title, scope=scope) if scope else title


def brief_html(
    table: pd.DataFrame,
    context: ExportContext,
    *,
    result: ScoreResult | None = None,
    static_map_svg: str | None = None,
    map_html: str | None = None,
    title: str | None = None,
    sources: Sequence[str] = (),
    notes: Sequence[str] = (),
    max_rows: int = 12,
    reasons_per_row: int = 2,
    mark: str = "",
    industry_names: Mapping[str, str] | None = None,
) -> str:
    """A printable one-page brief (A4 portrait): heading, what it was made with, map, shortlist table, sources and
    notes, in the context's language.

    The page is rendered from the Jinja2 template ``templates/brief.html.j2`` with autoescaping on, so every text
    from data is HTML-escaped; the page loads nothing from outside (no external fonts, scripts or images), so it
    opens and prints offline.

    Parameters
    ----------
    table
        A shortlist (``ScoreResult.shortlist``), a site profile, or their flat form (:func:`shortlist_table`).
    context
        What the brief was made with: scenario, filters, weights ... shown under the heading; its region and province
        filter is part of the title (:func:`brief_title`), its ``lang`` the language of the page.
    result
        The score result the table comes from: each row then shows its pair's structured reasons
        (:meth:`transfer.scoring.ScoreResult.reasons_for`) without the strengths, which the contribution chips show
        already. Without it the table's ``reasons`` column is shown as it is.
    static_map_svg
        An SVG map from :func:`transfer.export.svgmap.static_map_svg` (preferred for print): inserted as markup, so
        pass only that function's output (it escapes every text it draws).
    map_html
        A self-contained map page (:func:`transfer.mapview.standalone_html`), shown in a sandboxed
        frame when no static map is given. Interactive maps print less reliably than the static one.
    title
        Heading before the filter (default: the shortlist title of the context's industry).
    sources
        Data sources, one line each.
    notes
        Caveats and method notes, one line each.
    max_rows
        At most this many table rows (to keep to one page).
    reasons_per_row
        At most this many reasons per row.
    mark
        Small text at the top right (e.g. the tool name and version).
    industry_names
        Industry id -> display name, for the default title and a site profile table (whose rows are industries).
    """
    lang = context.lang
    template = _environment().get_template("brief.html.j2")
    return template.render(
        html_lang="zh-CN" if lang == "zh" else "en",
        t=functools.partial(t, lang=lang),
        font_stack=FONT_STACK,
        title=brief_title(context, title, industry_names),
        mark=mark,
        context_rows=context.summary_rows(),
        weights=context.weight_rows(),
        map_svg=static_map_svg or None,
        map_html=map_html or None,
        table=_table_view(
            table,
            lang=lang,
            max_rows=max_rows,
            reasons_per_row=reasons_per_row,
            industry_names=industry_names or {},
            result=result,
        ),
        sources=list(sources),
        notes=list(notes),
    )
