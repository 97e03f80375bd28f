"""Compare two scenario runs: shortlist moves, score deltas with their drivers, job flows by province and region."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.pipeline import RunResult

__all__ = ["Comparison", "compare", "to_geojson", "to_json", "to_text", "write"]

CENTRAL_WESTERN = (C.CENTRAL, C.WESTERN)
_DEC = 4


@dataclass(frozen=True)
class Comparison:
    """The differences between run A and run B (B minus A)."""

    a_name: str
    b_name: str
    top: int
    shortlist_changes: pd.DataFrame
    score_deltas: pd.DataFrame
    flows_province: pd.DataFrame
    flows_region: pd.DataFrame
    summary: dict[str, Any]
    site_changes: gpd.GeoDataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ranks(run: RunResult, industry: str) -> pd.Series:
    sc = run.scores.scores.loc[industry]
    el = run.scores.eligible.loc[industry]
    ranked = sc[el].sort_values(ascending=False, kind="mergesort")
    return pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)


def _drivers(a: RunResult, b: RunResult, industry: str, site: int, *, n: int = 2) -> str:
    ia = a.scores.industries.index(industry)
    ib = b.scores.industries.index(industry)
    sa = a.scores.site_ids.index(site)
    sb = b.scores.site_ids.index(site)
    d = b.scores.contributions[ib, sb] - a.scores.contributions[ia, sa]
    order = np.argsort(-np.abs(d))[:n]
    parts = [f"{a.scores.criteria[k]} {d[k]:+.3f}" for k in order if abs(d[k]) >= 5e-4]
    return ", ".join(parts)


def _why_excluded(run: RunResult, industry: str, site: int) -> str:
    return "; ".join(run.scores.reasons.get((industry, site), ()))


def _flows(run: RunResult) -> pd.Series:
    if run.assignment is None or len(run.assignment.assignment) == 0:
        return pd.Series(dtype=float)
    a = run.assignment.assignment
    return a.groupby("site_id")["jobs"].sum().astype(float)


def compare(a: RunResult, b: RunResult, *, top: int = 10) -> Comparison:
    """Differences between two runs (B relative to A) for every industry both score.

    Parameters
    ----------
    a, b
        Scenario runs (:func:`transfer.pipeline.run`).
    top
        Shortlist length whose entries and exits are reported.
    """
    industries = [i for i in a.scores.industries if i in b.scores.industries]
    sites = a.table.sites
    rows = []
    deltas = []
    for ind in industries:
        ra, rb = _ranks(a, ind), _ranks(b, ind)
        top_a = set(ra.index[ra <= top])
        top_b = set(rb.index[rb <= top])
        for site in sorted(top_a | top_b, key=lambda s: (min(ra.get(s, 10**6), rb.get(s, 10**6)), s)):
            status = "stayed" if site in top_a and site in top_b else ("entering" if site in top_b else "leaving")
            rank_a = int(ra[site]) if site in ra.index else None
            rank_b = int(rb[site]) if site in rb.index else None
            sa = float(a.scores.scores.at[ind, site])
            sb = float(b.scores.scores.at[ind, site])
            note = ""
            if rank_b is None:
                note = _why_excluded(b, ind, site)
            elif rank_a is None:
                note = "was excluded: " + _why_excluded(a, ind, site)
            rows.append(
                {
                    "industry": ind,
                    C.ADCODE: int(site),
                    C.NAME_ZH: sites.at[site, C.NAME_ZH],
                    C.NAME_EN: sites.at[site, C.NAME_EN],
                    C.PROVINCE: sites.at[site, C.PROVINCE],
                    "status": status,
                    "rank_a": rank_a,
                    "rank_b": rank_b,
                    "rank_move": (rank_a - rank_b) if rank_a is not None and rank_b is not None else None,
                    "score_a": round(sa, _DEC),
                    "score_b": round(sb, _DEC),
                    "score_delta": round(sb - sa, _DEC) + 0.0,
                    "drivers": _drivers(a, b, ind, int(site)),
                    "note": note,
                }
            )
        da = a.scores.scores.loc[ind]
        db = b.scores.scores.loc[ind].reindex(da.index)
        delta = (db - da).round(_DEC)
        big = delta[delta.abs() >= 1e-4]
        for site, dv in big.items():
            deltas.append(
                {
                    "industry": ind,
                    C.ADCODE: int(site),
                    C.NAME_ZH: sites.at[site, C.NAME_ZH],
                    "score_a": round(float(da[site]), _DEC),
                    "score_b": round(float(db[site]), _DEC),
                    "delta": float(dv),
                    "drivers": _drivers(a, b, ind, int(site)),
                }
            )
    changes = pd.DataFrame(
        rows,
        columns=[
            "industry",
            C.ADCODE,
            C.NAME_ZH,
            C.NAME_EN,
            C.PROVINCE,
            "status",
            "rank_a",
            "rank_b",
            "rank_move",
            "score_a",
            "score_b",
            "score_delta",
            "drivers",
            "note",
        ],
    )
    for col in ("rank_a", "rank_b", "rank_move"):
        changes[col] = changes[col].astype("Int64")
    score_deltas = pd.DataFrame(
        deltas, columns=["industry", C.ADCODE, C.NAME_ZH, "score_a", "score_b", "delta", "drivers"]
    )
    if len(score_deltas):
        score_deltas = score_deltas.sort_values(
            ["industry", "delta", C.ADCODE], ascending=[True, False, True], kind="mergesort"
        ).reset_index(drop=True)

    fa, fb = _flows(a), _flows(b)
    all_sites = sites.index
    jobs = pd.DataFrame({"jobs_a": fa.reindex(all_sites).fillna(0), "jobs_b": fb.reindex(all_sites).fillna(0)})
    jobs[C.PROVINCE] = sites[C.PROVINCE]
    jobs[C.REGION] = sites[C.REGION]
    prov = jobs.groupby([C.REGION, C.PROVINCE], as_index=False)[["jobs_a", "jobs_b"]].sum()
    prov["delta"] = prov["jobs_b"] - prov["jobs_a"]
    prov = prov[(prov["jobs_a"] > 0) | (prov["jobs_b"] > 0)].sort_values(
        ["delta", C.PROVINCE], ascending=[False, True], kind="mergesort"
    )
    reg = jobs.groupby(C.REGION)[["jobs_a", "jobs_b"]].sum().reindex(list(C.REGIONS)).fillna(0)
    tot_a, tot_b = float(reg["jobs_a"].sum()), float(reg["jobs_b"].sum())
    reg["share_a"] = (reg["jobs_a"] / tot_a).round(_DEC) if tot_a else 0.0
    reg["share_b"] = (reg["jobs_b"] / tot_b).round(_DEC) if tot_b else 0.0
    reg["delta"] = reg["jobs_b"] - reg["jobs_a"]
    reg = reg.reset_index()

    def unmatched(run: RunResult) -> int:
        if run.assignment is None or len(run.assignment.unmatched) == 0:
            return 0
        return int(run.assignment.unmatched["jobs"].sum())

    def share_cw(frame: pd.DataFrame, col: str, total: float) -> float | None:
        if not total:
            return None
        return round(float(frame.loc[frame[C.REGION].isin(CENTRAL_WESTERN), col].sum()) / total, _DEC)

    summary = {
        "scenario_a": a.scenario.name,
        "scenario_b": b.scenario.name,
        "demand_jobs_a": int(a.demand["jobs"].sum()) if len(a.demand) else 0,
        "demand_jobs_b": int(b.demand["jobs"].sum()) if len(b.demand) else 0,
        "matched_jobs_a": int(tot_a),
        "matched_jobs_b": int(tot_b),
        "unmatched_jobs_a": unmatched(a),
        "unmatched_jobs_b": unmatched(b),
        "share_central_western_a": share_cw(reg, "jobs_a", tot_a),
        "share_central_western_b": share_cw(reg, "jobs_b", tot_b),
        "entering": int((changes["status"] == "entering").sum()),
        "leaving": int((changes["status"] == "leaving").sum()),
    }

    mean_delta = (
        (b.scores.scores.reindex(columns=all_sites) - a.scores.scores.reindex(columns=all_sites))
        .reindex(industries)
        .mean(axis=0)
    )
    enter = changes[changes["status"] == "entering"].groupby(C.ADCODE).size()
    leave = changes[changes["status"] == "leaving"].groupby(C.ADCODE).size()
    geo = a.layers.sites.set_index(C.ADCODE).geometry.reindex(all_sites)
    site_changes = gpd.GeoDataFrame(
        {
            C.ADCODE: all_sites.astype(int),
            C.NAME_ZH: sites[C.NAME_ZH].to_numpy(),
            C.NAME_EN: sites[C.NAME_EN].to_numpy(),
            C.PROVINCE: sites[C.PROVINCE].to_numpy(),
            "mean_score_delta": mean_delta.round(_DEC).to_numpy(),
            "jobs_a": jobs["jobs_a"].to_numpy(),
            "jobs_b": jobs["jobs_b"].to_numpy(),
            "jobs_delta": (jobs["jobs_b"] - jobs["jobs_a"]).to_numpy(),
            "entering": enter.reindex(all_sites).fillna(0).astype(int).to_numpy(),
            "leaving": leave.reindex(all_sites).fillna(0).astype(int).to_numpy(),
        },
        geometry=geo.to_numpy(),
        crs=C.WGS84,
    )
    notes = []
    if a.assignment is None or b.assignment is None:
        notes.append("one of the runs has no demand to match: job flows are empty for it")
    return Comparison(
        a_name=a.scenario.name,
        b_name=b.scenario.name,
        top=top,
        shortlist_changes=changes.reset_index(drop=True),
        score_deltas=score_deltas,
        flows_province=prov.reset_index(drop=True),
        flows_region=reg,
        summary=summary,
        site_changes=site_changes,
        notes=tuple(notes),
    )


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                clean[str(k)] = None
            elif isinstance(v, (np.integer,)):
                clean[str(k)] = int(v)
            elif isinstance(v, (np.floating, float)):
                clean[str(k)] = round(float(v), _DEC)
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def to_json(cmp: Comparison) -> str:
    """Deterministic JSON (same inputs, same bytes)."""
    doc = {
        "summary": cmp.summary,
        "top": cmp.top,
        "shortlist_changes": _records(cmp.shortlist_changes),
        "flows_region": _records(cmp.flows_region),
        "flows_province": _records(cmp.flows_province),
        "score_deltas": _records(cmp.score_deltas),
        "notes": list(cmp.notes),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def to_geojson(cmp: Comparison) -> str:
    """Per-site changes as GeoJSON text (WGS84, coordinates rounded to ~10 m), deterministic."""
    g = cmp.site_changes
    feats = []
    import shapely

    geoms = shapely.set_precision(g.geometry.to_numpy(), 1e-4)
    for rec, geom in zip(_records(pd.DataFrame(g.drop(columns="geometry"))), geoms, strict=True):
        feats.append({"type": "Feature", "properties": rec, "geometry": shapely.geometry.mapping(geom)})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, sort_keys=True) + "\n"


def to_text(cmp: Comparison, *, max_rows: int = 40) -> str:
    """A readable plain-text report for the terminal."""
    s = cmp.summary
    lines = [
        f"Compare: A = {cmp.a_name}  ->  B = {cmp.b_name}   (top {cmp.top})",
        "",
        f"demand jobs        A {s['demand_jobs_a']:>10,}   B {s['demand_jobs_b']:>10,}",
        f"matched jobs       A {s['matched_jobs_a']:>10,}   B {s['matched_jobs_b']:>10,}",
        f"unmatched jobs     A {s['unmatched_jobs_a']:>10,}   B {s['unmatched_jobs_b']:>10,}",
        "share to central+western  A "
        + _pct(s["share_central_western_a"])
        + "   B "
        + _pct(s["share_central_western_b"]),
        "",
        "Jobs by region:",
        cmp.flows_region.to_string(index=False),
        "",
        "Jobs by province (changed):",
        _table_or_none(cmp.flows_province[cmp.flows_province["delta"] != 0].head(max_rows)),
        "",
        "Shortlist changes (entering / leaving / rank moves):",
    ]
    ch = cmp.shortlist_changes
    moved = ch[(ch["status"] != "stayed") | (ch["rank_move"].fillna(0) != 0)]
    cols = ["industry", C.NAME_ZH, "status", "rank_a", "rank_b", "score_delta", "drivers", "note"]
    lines.append(moved[cols].head(max_rows).to_string(index=False) if len(moved) else "(none)")
    if len(moved) > max_rows:
        lines.append(f"... {len(moved) - max_rows} more rows (use --format json or --out)")
    return "\n".join(lines) + "\n"


def _table_or_none(df: pd.DataFrame) -> str:
    return df.to_string(index=False) if len(df) else "(none)"


def _pct(v: float | None) -> str:
    return "   n/a" if v is None else f"{v:6.1%}"


def write(cmp: Comparison, out_dir: str | Path) -> list[Path]:
    """Write compare.json, shortlist_changes.csv, flows_*.csv and site_changes.geojson to ``out_dir``."""
    from transfer.export import defused

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "shortlist_changes.csv": cmp.shortlist_changes,
        "score_deltas.csv": cmp.score_deltas,
        "flows_region.csv": cmp.flows_region,
        "flows_province.csv": cmp.flows_province,
    }
    files = {
        "compare.json": to_json(cmp),
        "site_changes.geojson": to_geojson(cmp),
        # site and province names come from the (possibly uploaded) layers: formulas defused
        **{name: defused(df).to_csv(index=False, lineterminator="\n") for name, df in tables.items()},
    }
    written = []
    for name, text in files.items():
        p = out / name
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
        written.append(p)
    return written
