"""The ``--overseas`` sections of ``transfer shortlist`` and ``transfer match``: own tables, never in the ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from transfer import columns as C
from transfer import overseas as ov
from transfer.names import city_names

__all__ = ["check_layers", "match_overseas", "shortlist_sections"]

SECTION = "section"
_TABLE_COLUMNS = ["rank", ov.ZONE_ID, C.NAME_ZH, ov.COUNTRY, "score", "transport_days", "wage_usd_month", "eu_access"]


def _origin(base: Any, industry: str, name: str | None) -> int:
    origins = base.layers.origins
    if name:
        return city_names(origins, what="origin").resolve(
            name, where="--origin", fix="use a coastal origin city (name or adcode)"
        )
    known = set(int(c) for c in origins[C.ADCODE])
    main = [int(c) for c in base.catalogue.get(industry).main_origins if int(c) in known]
    return main[0] if main else int(origins[C.ADCODE].iloc[0])


def _load(base: Any) -> ov.OverseasLayers:
    return ov.load_overseas(base.layers.data_dir, known_adcodes=set(int(c) for c in base.layers.sites[C.ADCODE]))


def check_layers(base: Any) -> None:
    """Read and validate the overseas tables (a LayerError says which file, row and field is wrong)."""
    _load(base)


def overseas_for(
    base: Any, industry: str, origin_name: str | None, *, lang: str = "en"
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Score the overseas zones for one industry from its origin (reasons and caveats in ``lang``), and read the
    border zones."""
    layers = _load(base)
    origin = _origin(base, industry, origin_name)
    gateway = ov.origin_gateway(base.layers.hubs, base.layers.origins, origin)
    row = base.layers.origins[base.layers.origins[C.ADCODE] == origin].iloc[0]
    wage_usd, wage_text = ov.origin_wage_usd(base.layers.province_economy, int(row[C.PROVINCE_ADCODE]))
    zones = ov.score_overseas(layers, base.catalogue.get(industry), gateway, origin_wage_usd=wage_usd, lang=lang)
    meta = {
        "industry": industry,
        "origin": origin,
        "origin_name": str(row[C.NAME_ZH]),
        "origin_gateway": str(gateway[C.HUB_ID]),
        "origin_wage": wage_text,
        "origin_wage_usd": wage_usd,
        "origin_gateway_name": {"zh": str(gateway[C.NAME_ZH]), "en": str(gateway[C.NAME_EN])},
        "ship_speed_knots": ov.DEFAULT_SHIP_SPEED_KNOTS,
        "inland_road_kmh": layers.road_speed_kmh,
    }
    return zones, layers.border, meta


def _domestic_all(res: Any, industry: str) -> pd.DataFrame:
    scores = res.scores
    every = scores.rows(industry, list(scores.scores.loc[industry].sort_values(ascending=False).index))
    eligible = every[every["eligible"]].copy()
    eligible["rank"] = range(1, len(eligible) + 1)
    out = every[[C.ADCODE, C.NAME_ZH, "score", "eligible"]].copy()
    out["rank"] = out[C.ADCODE].map(eligible.set_index(C.ADCODE)["rank"])
    return out


def _view(zones: pd.DataFrame) -> pd.DataFrame:
    view = zones[_TABLE_COLUMNS].copy()
    view["transport_days"] = view["transport_days"].round(1)
    view["why"] = zones["reasons"].map(lambda r: "; ".join(r[:2]))
    view["caveat"] = zones["caveats"].map(lambda c: c[0] if c else "")
    return view


def shortlist_sections(base: Any, res: Any, industry: str, domestic: pd.DataFrame, args: Any) -> str:
    """The shortlist output with the overseas and border sections after the domestic one, in ``args.format``."""
    from transfer.cli import _emit, _records

    zones, border_raw, meta = overseas_for(base, industry, getattr(args, "origin", None))
    border = ov.border_candidates(border_raw, _domestic_all(res, industry))
    fmt = args.format
    if fmt == "json":
        doc = {
            "domestic": _records(domestic),
            "overseas": _records(zones),
            "border_zones": _records(border),
            "overseas_basis": meta,
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        parts = [
            domestic.assign(**{SECTION: "domestic", ov.COUNTRY: "CHN"}),
            zones.assign(**{SECTION: "overseas"}),
            border.assign(**{SECTION: "border_zones"}),
        ]
        flat = pd.concat(parts, ignore_index=True, sort=False)
        for col in ("rank", C.ADCODE, C.CITY_ADCODE, "city_domestic_rank", C.APPROVAL_YEAR):  # no 360700.0
            flat[col] = flat[col].astype("Int64")
        return _emit(flat[[SECTION, *[c for c in flat.columns if c != SECTION]]], "csv")
    view = domestic[["rank", C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE, "score", "eligible"]].copy()
    view["why"] = domestic["reasons"].map(lambda r: "; ".join(r[:2]))
    head = (
        f"\noverseas economic and trade cooperation zones for {industry}: own criteria, not ranked with the sites "
        f"above (origin {meta['origin_name']} via {meta['origin_gateway']}, ship {meta['ship_speed_knots']} kn, "
        f"origin wage {meta['origin_wage']})\n"
    )
    btable = border[[ov.ZONE_ID, C.NAME_ZH, C.ZONE_TYPE, ov.COUNTRY, C.CITY_ADCODE, "city_domestic_rank", "city_score"]]
    return (
        _emit(view, "table")
        + head
        + _emit(_view(zones), "table")
        + "\nborder and cross-border economic cooperation zones (China side; their city's domestic rank and score)\n"
        + _emit(btable, "table")
    )


def match_overseas(base: Any, res: Any, out: Path) -> list[str]:
    """Offer the domestic match's unmatched jobs to overseas zones with a known capacity; write their table.

    Zones without ``capacity_jobs`` are listed (overseas_candidates.csv), not matched. A zone with a capacity takes
    unmatched jobs of the industries it scores best for, best score first, up to its capacity
    (overseas_assignment.csv); the domestic assignment is never changed.
    """
    from transfer.export import defused

    unmatched = res.assignment.unmatched.merge(res.demand[["demand_id", "industry"]], on="demand_id", how="left")
    industries = sorted(set(unmatched["industry"].dropna())) or sorted(set(res.demand["industry"].dropna()))
    lists = [overseas_for(base, ind, None)[0].assign(industry=ind) for ind in industries]
    table = pd.concat(lists, ignore_index=True) if lists else pd.DataFrame()
    lines: list[str] = []
    if table.empty:
        return ["overseas: no demand to list overseas zones for"]
    cols = ["industry", "rank", ov.ZONE_ID, C.NAME_ZH, C.NAME_EN, ov.COUNTRY, "score", "capacity_jobs", "status"]
    listing = table[cols].copy()
    listing["matched"] = listing["capacity_jobs"].notna()
    defused(listing).to_csv(out / "overseas_candidates.csv", index=False, lineterminator="\n")
    with_cap = table[table["capacity_jobs"].notna()]
    if with_cap.empty:
        lines.append(
            f"overseas: {table[ov.ZONE_ID].nunique()} zones listed in overseas_candidates.csv, not matched: "
            "no zone has a known capacity (capacity_jobs is empty in overseas_zones.csv)"
        )
        return lines
    rows = _greedy(unmatched, with_cap)
    assignment = pd.DataFrame(rows, columns=["demand_id", "industry", ov.ZONE_ID, ov.COUNTRY, "jobs"])
    defused(assignment).to_csv(out / "overseas_assignment.csv", index=False, lineterminator="\n")
    jobs = sum(r[-1] for r in rows)
    lines.append(
        f"overseas: {jobs:,} unmatched jobs placed in {len(set(r[2] for r in rows))} overseas zones with a "
        "known capacity (overseas_assignment.csv); the domestic assignment is unchanged"
    )
    return lines


def _greedy(unmatched: pd.DataFrame, zones: pd.DataFrame) -> list[tuple[str, str, str, str, int]]:
    left = {z: int(c) for z, c in zones.drop_duplicates(ov.ZONE_ID).set_index(ov.ZONE_ID)["capacity_jobs"].items()}
    rows = []
    for _, d in unmatched.sort_values("jobs", ascending=False).iterrows():
        need = int(d["jobs"])
        options = zones[zones["industry"] == d["industry"]].sort_values("score", ascending=False)
        for _, z in options.iterrows():
            take = min(need, left[z[ov.ZONE_ID]])
            if take > 0:
                rows.append((str(d["demand_id"]), str(d["industry"]), str(z[ov.ZONE_ID]), str(z[ov.COUNTRY]), take))
                left[z[ov.ZONE_ID]] -= take
                need -= take
            if need == 0:
                break
    return rows
