"""The ``transfer pairs`` subcommand: an origin's paired provinces and sites and its co-built parks."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from transfer import columns as C
from transfer.cli import _emit, _records
from transfer.i18n import t

__all__ = ["add_commands", "cmd_pairs", "pairs_table"]

COLUMNS = [
    "kind", "ref", "scheme", "scheme_name", "via", "level", "partner_adcode", "partner_zh", "partner_county_zh",
    "in_sites", "n_sites", "since", "status", "source", "source_year", "flag",
]  # fmt: skip


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def pairs_table(
    data_dir: str | Path | None,
    origin_name: str,
    *,
    lang: str = "en",
    origins: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    pairings: Any = None,
) -> tuple[str, pd.DataFrame]:
    """The origin's label and one row per pairing or co-built park (superseded ones last).

    ``origins``, ``sites`` and ``pairings`` are read from ``data_dir`` unless given (the app passes its loaded
    layers, so nothing is read again)."""
    from transfer._paths import default_data_dir
    from transfer.pairings import load_pairings, origin_names, pairs_of, parks_of

    root = Path(data_dir) if data_dir else default_data_dir()
    pairings = pairings if pairings is not None else load_pairings(root)
    origins = origins if origins is not None else gpd.read_file(root / "origins.geojson")
    if sites is None:
        sites = pd.DataFrame(gpd.read_file(root / "sites.geojson").drop(columns="geometry"))
    names = origin_names(origins, pairings)
    origin = names.resolve(origin_name, where="--origin", fix="name an origin city; `transfer sites` lists sites")
    site_codes = set(sites[C.ADCODE].astype(int))
    per_province = sites[C.PROVINCE_ADCODE].astype(int).value_counts()
    rows: list[dict[str, Any]] = []
    for _, r in pairs_of(pairings, origin).iterrows():
        partner = int(r["partner_adcode"])
        province = r["level"] == "province"
        rows.append(
            {
                "kind": "pair",
                "ref": r["pair_id"],
                "scheme": r["scheme"],
                "via": r["origin_zh"],
                "level": r["level"],
                "partner_adcode": partner,
                "partner_zh": r["partner_zh"],
                "partner_county_zh": _text(r.get("partner_county_zh")),
                "in_sites": bool(partner in site_codes) if not province else bool(per_province.get(partner, 0)),
                "n_sites": int(per_province.get(partner, 0)) if province else int(partner in site_codes),
                **_sourced(r),
            }
        )
    for _, r in parks_of(pairings, origin).iterrows():
        host = int(r["host_adcode"])
        rows.append(
            {
                "kind": "park",
                "ref": r["park_id"],
                "scheme": r["scheme"],
                "via": r[C.NAME_ZH],
                "level": "park",
                "partner_adcode": host,
                "partner_zh": r["host_zh"],
                "partner_county_zh": _text(r.get("host_county_zh")),
                "in_sites": host in site_codes,
                "n_sites": int(host in site_codes),
                **_sourced(r),
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "scheme_name"])
    df.insert(3, "scheme_name", [t(f"pairing.scheme.{s}", lang) for s in df["scheme"]])
    df = df.sort_values("status", key=lambda s: s.eq("superseded"), kind="mergesort").reset_index(drop=True)
    label = names.labels.get(origin, str(origin))
    return label, df


def _sourced(r: pd.Series) -> dict[str, Any]:
    since = r.get("since")
    return {
        "since": None if since is None or pd.isna(since) else int(since),
        "status": r["status"],
        "source": r[C.SOURCE],
        "source_year": int(r[C.SOURCE_YEAR]),
        "flag": _text(r.get("flag")),
    }


def cmd_pairs(args: argparse.Namespace) -> str:
    """``transfer pairs --origin NAME``: the table, JSON or CSV of the origin's pairings and parks."""
    label, df = pairs_table(args.data, args.origin, lang=args.lang)
    if args.format == "json":
        doc = {"origin": label, "pairs": _records(df)}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if args.format == "csv":
        return _emit(df, "csv")
    shown = df.drop(columns=["scheme", "source", "partner_adcode"]).copy()
    shown["since"] = shown["since"].map(lambda v: "" if v is None or pd.isna(v) else str(int(v)))
    notes = "\n".join(f"  {r.ref}: {r.source}" for r in df.itertuples())
    head = f"{label}: {int((df['status'] != 'superseded').sum())} pairings and parks in force or unconfirmed\n"
    tail = (
        "\nin_sites: whether the partner is a candidate site of the sites layer (a province pair counts every site "
        "of the province). Superseded pairings are listed for the record and never favour a site.\nsources:\n"
    )
    return head + _emit(shown, "table") + tail + notes + "\n"


def add_commands(sub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``pairs`` on the ``transfer`` parser's subcommands."""
    s = sub.add_parser("pairs", help="an origin's official pairings (对口协作) and co-built parks (共建园区)")
    s.add_argument("--origin", required=True, help="origin city: Chinese or English name or adcode (东莞, Suzhou)")
    s.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the scheme names")
    fmt(s)
    s.set_defaults(func=cmd_pairs)
