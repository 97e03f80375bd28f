"""The yearly evaluation report: an XLSX workbook with Chinese headings and a printable HTML page."""

from __future__ import annotations

from typing import Any

import pandas as pd

from transfer import columns as C
from transfer.evaluation.index import IndexSystem
from transfer.evaluation.monitoring import YearlyEvaluation

__all__ = ["REPORT_HEADINGS", "report_html", "report_xlsx", "wide_ranks"]

# column -> Chinese heading (with the English term) of the report's tables
REPORT_HEADINGS = {
    "year": "年份 year",
    C.ADCODE: "行政区划代码 adcode",
    C.NAME_ZH: "承接地 site",
    C.NAME_EN: "英文名 name",
    C.PROVINCE: "省份 province",
    "score": "得分 score",
    "rank": "名次 rank",
    "rank_change": "名次变化 rank change (负数 = 上升 negative = up)",
    "score_change": "得分变化 score change",
    "indicator": "指标 indicator",
    "value": "数值 value",
    "source": "来源 source",
    "lower": "基年下限 base-year lower bound",
    "upper": "基年上限 base-year upper bound",
    "log": "对数 log scale",
    "direction": "方向 direction",
    "weight": "权重 weight",
}


def wide_ranks(yearly: YearlyEvaluation) -> pd.DataFrame:
    """One row per site: score and rank in every year, and the rank change from the first to the last year
    (negative = moved up), ordered by the last year's rank."""
    s = yearly.scores
    out = s[s["year"] == yearly.years[-1]][[C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE]].set_index(C.ADCODE)
    for y in yearly.years:
        part = s[s["year"] == y].set_index(C.ADCODE)
        out[f"score_{y}"] = part["score"]
        out[f"rank_{y}"] = part["rank"]
    first, last = yearly.years[0], yearly.years[-1]
    out["rank_change"] = (out[f"rank_{last}"] - out[f"rank_{first}"]).astype("Int64")
    return out.reset_index().sort_values([f"rank_{last}", C.ADCODE], na_position="last").reset_index(drop=True)


def _zh(frame: pd.DataFrame, system: IndexSystem) -> pd.DataFrame:
    def head(col: str) -> str:
        if col in REPORT_HEADINGS:
            return REPORT_HEADINGS[col]
        for prefix, label in (("score_", "得分 score"), ("rank_", "名次 rank")):
            if col.startswith(prefix) and col[len(prefix) :].isdigit():
                return f"{col[len(prefix) :]} {label}"
        return f"{system.node_name(col, 'zh')} {system.node_name(col, 'en')}"

    return frame.rename(columns=head)


def report_xlsx(yearly: YearlyEvaluation, system: IndexSystem) -> bytes:
    """The report workbook: 说明 (what was evaluated and how), 历年排名 (wide), 逐年得分 (long, with sub-scores),
    指标数据 (the values with their sources), 基年标准化 (the base year's bounds and the weights)."""
    from transfer.export import to_xlsx_bytes

    about = pd.DataFrame(
        {
            "项目 item": ["指标体系 index system", "基年 base year", "年份 years", "指标 indicators", "说明 notes"],
            "内容 content": [
                system.label("zh"),
                str(yearly.base_year),
                ", ".join(map(str, yearly.years)),
                ", ".join(f"{system.node_name(i, 'zh')} ({i})" for i in yearly.indicators),
                "; ".join(yearly.notes) or "-",
            ],
        }
    )
    scales = yearly.scales.assign(weight=yearly.scales["indicator"].map(yearly.weights).round(4))
    sheets = {
        "说明": about,
        "历年排名": wide_ranks(yearly),
        "逐年得分": yearly.scores,
        "指标数据": yearly.values,
        "基年标准化": scales,
    }
    return to_xlsx_bytes({name: _zh(frame, system) for name, frame in sheets.items()})


_LABELS = {
    "zh": {
        "title": "承接地年度监测评价报告",
        "base": "基年",
        "years": "年份",
        "indicators": "指标",
        "ranking": "历年得分与名次(以基年标准化)",
        "rank": "名次",
        "site": "承接地",
        "province": "省份",
        "score": "得分",
        "change": "名次变化",
        "notes": "说明",
        "sources": "数据来源",
    },
    "en": {
        "title": "Yearly monitoring report of receiving sites",
        "base": "Base year",
        "years": "Years",
        "indicators": "Indicators",
        "ranking": "Scores and ranks by year (base-year normalisation)",
        "rank": "rank",
        "site": "Site",
        "province": "Province",
        "score": "score",
        "change": "rank change",
        "notes": "Notes",
        "sources": "Sources",
    },
}


def report_html(yearly: YearlyEvaluation, system: IndexSystem, *, lang: str = "zh", top: int | None = None) -> str:
    """The printable report page (template ``monitoring_report.html.j2``, autoescaped)."""
    from transfer.export.brief import _environment
    from transfer.export.svgmap import FONT_STACK

    labels = _LABELS["zh" if lang == "zh" else "en"]
    wide = wide_ranks(yearly)
    if top is not None:
        wide = wide.head(top)
    name_col = C.NAME_ZH if lang == "zh" else C.NAME_EN
    rows: list[dict[str, Any]] = []
    for k, rec in enumerate(wide.to_dict(orient="records"), start=1):
        change = rec["rank_change"]
        known = change is not None and not pd.isna(change)
        rows.append(
            {
                "order": k,
                "name": rec[name_col],
                "province": rec[C.PROVINCE],
                "cells": [
                    {
                        "score": "" if pd.isna(rec[f"score_{y}"]) else f"{rec[f'score_{y}']:.4f}",
                        "rank": "" if pd.isna(rec[f"rank_{y}"]) else int(rec[f"rank_{y}"]),
                    }
                    for y in yearly.years
                ],
                "change": f"{int(change):+d}" if known else "",
                "direction": ("up" if change < 0 else "down" if change > 0 else "") if known else "",
            }
        )
    notes = [
        *yearly.notes,
        f"every year is scaled with the base year's bounds ({yearly.base_year}); see the XLSX sheet 基年标准化",
    ]
    sources = sorted(set(yearly.values["source"]))
    return (
        _environment()
        .get_template("monitoring_report.html.j2")
        .render(
            html_lang="zh-CN" if lang == "zh" else "en",
            title=f"{labels['title']} · {system.label(lang)}",
            labels=labels,
            base_year=yearly.base_year,
            years=list(yearly.years),
            indicators=[system.node_name(i, lang) for i in yearly.indicators],
            rows=rows,
            notes=notes,
            sources=sources,
            font_stack=FONT_STACK,
        )
    )
