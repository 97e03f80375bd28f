"""The ``transfer`` command line: shortlists, site profiles, matching, routes, accessibility and scenario comparison."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from transfer import columns as C
from transfer.errors import TransferError
from transfer.names import city_names, industry_names

__all__ = ["main"]

FORMATS = ("table", "json", "csv")


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (``--top 0`` or ``--top -3`` is refused with a message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    if value > 100_000:
        raise argparse.ArgumentTypeError(f"must be at most 100000, got {value}")
    return value


class _Exit(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _base(args: argparse.Namespace, *, with_network: bool = True) -> Any:
    from transfer.pipeline import load_base

    return load_base(args.data, with_network=with_network)


def _scenario(args: argparse.Namespace) -> Any:
    from transfer.scenarios import Scenario, load_scenario

    if getattr(args, "scenario", None):
        path = Path(args.scenario)
        if not path.exists():
            raise _Exit(f"--scenario: file not found: {path}")
        return load_scenario(path)
    return Scenario(name="default")


def _emit(df: pd.DataFrame, fmt: str, *, records: list[dict[str, Any]] | None = None) -> str:
    if fmt == "json":
        recs = records if records is not None else json.loads(df.to_json(orient="records", force_ascii=False))
        return json.dumps(recs, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        from transfer.export import defused

        flat = defused(df)  # list and dict cells as text, names that look like formulas defused
        return flat.to_csv(index=False, lineterminator="\n")
    with pd.option_context(
        "display.max_rows", 500, "display.max_columns", 30, "display.width", 200, "display.max_colwidth", 80
    ):
        return df.to_string(index=False) + "\n"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float) and v != v:
                v = None
            clean[str(k)] = v
        out.append(clean)
    return out


def _industry(base: Any, name: str) -> str:
    return industry_names(base.catalogue).resolve(name, where="--industry", fix="list them with `transfer industries`")


def _site(base: Any, name: str) -> int:
    return city_names(base.layers.sites).resolve(name, where="--site", fix="list them with `transfer sites`")


def cmd_industries(args: argparse.Namespace) -> str:
    from transfer.industries import load_industries

    cat = load_industries(Path(args.data) / "industries.yaml" if args.data else None)
    df = pd.DataFrame(
        [
            {
                "id": p.id,
                C.NAME_ZH: p.name_zh,
                C.NAME_EN: p.name_en,
                "needs_bonded_zone": p.needs_bonded_zone,
                "two_high_one_resource": p.two_high_one_resource,
                "labour_intensity": p.labour_intensity,
                "freight": ",".join(p.freight),
            }
            for p in cat
        ]
    )
    return _emit(df, args.format)


def cmd_sites(args: argparse.Namespace) -> str:
    from transfer.layers import load_default

    if args.criteria or args.coverage:
        from transfer.sitetable import build_site_table, criteria_coverage, criteria_frame

        base = _base(args)
        table = build_site_table(base.layers, base.access)
        if args.coverage:
            return _emit(criteria_coverage(table), args.format, records=_records(criteria_coverage(table)))
        df = criteria_frame(table).sort_values(C.ADCODE)
    else:
        layers = load_default(args.data)
        s = layers.sites
        df = pd.DataFrame(s[[C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE, C.REGION, C.LON, C.LAT]]).sort_values(C.ADCODE)
    if args.province:
        df = df[df[C.PROVINCE].str.startswith(args.province) | (df[C.ADCODE] // 10000 == _prov_prefix(args.province))]
    if args.region:
        df = df[df[C.REGION] == args.region]
    return _emit(df, args.format, records=_records(df) if args.format == "json" else None)


def _prov_prefix(value: str) -> int:
    return int(value) // 10000 if value.isdigit() else -1


def cmd_shortlist(args: argparse.Namespace) -> str:
    from transfer.pipeline import run

    base = _base(args)
    scn = _scenario(args)
    ind = _industry(base, args.industry)
    if args.overseas:  # a missing or broken overseas layer fails before the run
        from transfer._cli_overseas import check_layers

        check_layers(base)
    res = run(base, scn, match=False)
    df = res.scores.shortlist(ind, top=args.top, eligible_only=not args.all)
    if args.overseas:
        from transfer._cli_overseas import shortlist_sections

        return shortlist_sections(base, res, ind, df, args)
    if args.format == "table":
        view = df[["rank", C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE, "score", "eligible"]].copy()
        view["why"] = df["reasons"].map(lambda r: "; ".join(r[:2]))
        return _emit(view, "table")
    return _emit(df, args.format, records=_records(df))


def cmd_site(args: argparse.Namespace) -> str:
    from transfer.pipeline import run

    base = _base(args)
    scn = _scenario(args)
    site = _site(base, args.site)
    res = run(base, scn, match=False)
    if args.top is not None and args.top < 1:
        raise _Exit(f"--top must be at least 1, got {args.top}")
    df = res.scores.site_profile(site, top=args.top, by=args.by)
    names = {p.id: (p.name_zh, p.name_en) for p in base.catalogue}
    df.insert(2, C.NAME_ZH, df["industry"].map(lambda i: names[i][0]))
    df.insert(3, C.NAME_EN, df["industry"].map(lambda i: names[i][1]))
    if args.format == "table":
        meta = res.table.sites.loc[site]
        head = f"{meta[C.NAME_ZH]} {meta[C.NAME_EN]} ({site}), {meta[C.PROVINCE]}, {meta[C.REGION]}\n"
        view = df[["rank", "industry", C.NAME_ZH, "score", "eligible", "cluster_fit"]].copy()
        view.insert(
            3,
            "position",
            [
                f"{int(r)}/{n}" if pd.notna(r) else f"-/{n}"
                for r, n in zip(df["position_rank"], df["n_eligible"], strict=True)
            ],
        )
        view["why"] = df["reasons"].map(lambda r: "; ".join(r[:2]))
        return head + _emit(view, "table")
    return _emit(df, args.format, records=_records(df))


def cmd_explain(args: argparse.Namespace) -> str:
    from transfer.explain import explain
    from transfer.pipeline import run

    if args.top < 1:
        raise _Exit(f"--top must be at least 1, got {args.top}")
    base = _base(args)
    scn = _scenario(args)
    industry = _industry(base, args.industry)
    site = _site(base, args.site)
    res = run(base, scn, match=False)
    ex = explain(res.table, res.scores, base.catalogue, industry, site, top_k=args.top)
    if args.format == "json":
        return json.dumps(ex.as_dict(), ensure_ascii=False, indent=1, default=_json_default) + "\n"
    return _explain_text(ex)


def _json_default(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(f"not JSON serialisable: {type(v)}")


def _explain_text(ex: Any) -> str:
    from transfer.explain import format_value
    from transfer.i18n import criterion_label

    lines = [f"{ex.name_zh} ({ex.site}) for {ex.industry}, top {ex.top_k}:"]
    if ex.eligible:
        lines.append(f"  rank {ex.rank} of {ex.n_eligible} eligible sites, score {ex.score:.4f}")
    else:
        lines.append(f"  not eligible ({ex.n_eligible} eligible sites), score {ex.score:.4f}")
        lines.extend(f"  excluded: {r}" for r in ex.exclusions)
    if ex.threshold is not None:
        lines.append(f"  the {ex.top_k}th eligible site scores {ex.threshold:.4f}")
    parts = sorted(ex.contributions.items(), key=lambda kv: -kv[1])
    lines.append(
        "  contributions: " + ", ".join(f"{criterion_label(c, 'en', short=True)} {v:+.4f}" for c, v in parts if v)
    )
    if ex.rank is not None and ex.rank <= ex.top_k:
        lines.append(f"  already in the top {ex.top_k}")
        return "\n".join(lines) + "\n"
    lines.append("  what it takes (one change at a time, re-scored by the engine):")
    for lv in ex.what_it_takes:
        label = criterion_label(lv.criterion, "en", short=True)
        if lv.feasible:
            sign = "+" if (lv.change or 0) >= 0 else "−"
            change = f"{sign}{format_value(abs(lv.change or 0), lv.unit)} {lv.unit}"
            extra = f" ({lv.note})" if lv.note else ""
            lines.append(
                f"    {label}: {change}: {format_value(lv.current, lv.unit)} → {format_value(lv.needed, lv.unit)}"
                f" gives rank {lv.new_rank}{extra}"
            )
        else:
            lines.append(f"    {label}: {lv.note or 'not enough on its own'}")
    if not ex.single_change_possible:
        lines.append("  no single change brings the site into the top list")
    return "\n".join(lines) + "\n"


def cmd_match(args: argparse.Namespace) -> str:
    from transfer.pipeline import load_firms, run

    base = _base(args)
    scn = _scenario(args)
    firms = None
    if args.firms:
        if not Path(args.firms).exists():
            raise _Exit(f"--firms: file not found: {args.firms}")
        firms = load_firms(args.firms, base.catalogue, base.layers)
    if args.overseas:  # a missing or broken overseas layer fails before the run
        from transfer._cli_overseas import check_layers

        check_layers(base)
    res = run(base, scn, firms=firms)
    if res.assignment is None:
        raise _Exit("nothing to match: the scenario has no demand and no --firms file was given")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sites = res.table.sites
    a = res.assignment.assignment.rename(columns={"site_id": C.ADCODE})
    a = a.merge(res.demand[["demand_id", "industry", "kind"]], on="demand_id", how="left")
    a[C.NAME_ZH] = a[C.ADCODE].map(sites[C.NAME_ZH])
    a[C.NAME_EN] = a[C.ADCODE].map(sites[C.NAME_EN])
    a[C.PROVINCE] = a[C.ADCODE].map(sites[C.PROVINCE])
    a[C.REGION] = a[C.ADCODE].map(sites[C.REGION])
    load = res.assignment.site_load.rename(columns={"site_id": C.ADCODE})
    load = load[load["jobs"] > 0].copy()
    load[C.NAME_ZH] = load[C.ADCODE].map(sites[C.NAME_ZH])
    load[C.PROVINCE] = load[C.ADCODE].map(sites[C.PROVINCE])
    files = {
        "assignment.csv": a,
        "unmatched.csv": res.assignment.unmatched,
        "site_load.csv": load,
    }
    from transfer.export import defused

    for name, df in files.items():  # firm names from the user's file: formulas defused
        defused(df).to_csv(out / name, index=False, lineterminator="\n")
    geo = res.layers.sites[[C.ADCODE, "geometry"]].merge(load, on=C.ADCODE, how="inner")
    geo.to_file(out / "site_load.geojson", driver="GeoJSON")
    pts = res.layers.sites[[C.ADCODE, C.LON, C.LAT]].set_index(C.ADCODE)
    import geopandas as gpd

    ag = gpd.GeoDataFrame(
        a, geometry=gpd.points_from_xy(a[C.ADCODE].map(pts[C.LON]), a[C.ADCODE].map(pts[C.LAT])), crs=C.WGS84
    )
    ag.to_file(out / "assignment.geojson", driver="GeoJSON")
    extra = []
    if args.overseas:
        from transfer._cli_overseas import match_overseas

        extra = match_overseas(base, res, out)
    matched = int(a["jobs"].sum())
    unmatched = int(res.assignment.unmatched["jobs"].sum()) if len(res.assignment.unmatched) else 0
    lines = [
        f"scenario {res.scenario.name}: {matched:,} jobs matched to {a[C.ADCODE].nunique()} sites, "
        f"{unmatched:,} unmatched (engine {res.assignment.result.engine})",
        *(f"note: {n}" for n in res.notes),
        *extra,
        f"wrote {', '.join(sorted([*files, 'site_load.geojson', 'assignment.geojson']))} to {out}",
    ]
    return "\n".join(lines) + "\n"


def cmd_route(args: argparse.Namespace) -> str:
    from transfer import network as nw
    from transfer.layers import load_default

    layers = load_default(args.data)
    net = nw.load_network(Path(args.data) if args.data else None)
    ids = [
        nw.resolve_place(name, layers.sites, layers.origins, layers.hubs, where=flag)[1]
        for flag, name in (("--from", args.from_), ("--to", args.to))
    ]
    r = nw.route(net, ids[0], ids[1])
    legs = r.legs.copy()
    if args.format == "json":
        doc = {
            "from": r.origin,
            "to": r.target,
            "distance_km": round(r.distance_km, 1),
            "time_h": round(r.time_h, 2),
            "cost_cny_teu": round(r.cost_cny_teu, 1),
            "legs": _records(legs),
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if args.format == "csv":
        return _emit(legs, "csv")
    total = f"total: {r.distance_km:,.0f} km, {r.time_h:.1f} h, {r.cost_cny_teu:,.0f} CNY/TEU\n"
    return f"route {r.origin} -> {r.target}\n" + _emit(legs, "table") + total


def cmd_access(args: argparse.Namespace) -> str:
    from transfer import network as nw
    from transfer.layers import load_default
    from transfer.pipeline import sites_for_access

    layers = load_default(args.data)
    net = nw.load_network(Path(args.data) if args.data else None)
    acc = nw.accessibility(net, sites_for_access(layers), layers.origins, None)
    s = layers.sites.set_index(C.ADCODE)
    acc = acc.copy()
    acc.insert(0, C.NAME_ZH, s[C.NAME_ZH].reindex(acc.index))
    acc.insert(1, C.PROVINCE, s[C.PROVINCE].reindex(acc.index))
    df = acc.reset_index().rename(columns={"index": C.ADCODE})
    if args.format == "table":
        keep = [
            C.ADCODE,
            C.NAME_ZH,
            C.PROVINCE,
            "cost_to_sea_cny_teu",
            "time_to_sea_h",
            "nearest_sea_gateway",
            "time_to_crex_h",
            "nearest_crex",
            "time_to_airport_h",
            "nearest_airport",
            "market_access",
        ]
        df = df[[c for c in keep if c in df.columns]]
    return _emit(df, args.format, records=_records(df) if args.format == "json" else None)


def cmd_compare(args: argparse.Namespace) -> str:
    from transfer.compare import compare, to_json, to_text, write
    from transfer.pipeline import run
    from transfer.scenarios import load_scenario

    for p in (args.a, args.b):
        if not Path(p).exists():
            raise _Exit(f"scenario file not found: {p}")
    sa, sb = load_scenario(args.a), load_scenario(args.b)
    base = _base(args)
    cmp = compare(run(base, sa), run(base, sb), top=args.top)
    if args.out:
        written = write(cmp, args.out)
        sys.stderr.write(f"wrote {', '.join(p.name for p in written)} to {args.out}\n")
    return to_json(cmp) if args.format == "json" else to_text(cmp)


def cmd_scenario(args: argparse.Namespace) -> str:
    from transfer.scenarios import load_scenario, scenario_yaml

    scn = load_scenario(args.file)
    chain = " <- ".join([Path(p).name for p in scn.chain] + [Path(args.file).name])
    return f"ok: {scn.name} ({chain})\n" + (scenario_yaml(scn) if args.show else "")


def _overseas_flags(sp: argparse.ArgumentParser, *, origin: bool) -> None:
    sp.add_argument(
        "--overseas",
        action="store_true",
        help="add overseas cooperation zones (own criteria, own table, never in the domestic ranking) and border zones",
    )
    if origin:
        sp.add_argument("--origin", help="origin city for the overseas sea leg (default: the industry's main origin)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="transfer", description=__doc__)
    p.add_argument(
        "--data",
        default=None,
        help="folder with the layers (default: the embedded geodata/), or a team server's published layers: "
        "postgresql://...?layers=N (N a version, or latest)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def fmt(sp: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
        sp.add_argument("--format", choices=choices, default="table")

    s = sub.add_parser("industries", help="list the industry profiles")
    fmt(s)
    s.set_defaults(func=cmd_industries)
    s = sub.add_parser("sites", help="list the candidate sites")
    s.add_argument("--province", help="filter by province name (prefix) or adcode")
    s.add_argument("--region", choices=list(C.REGIONS))
    s.add_argument(
        "--criteria",
        action="store_true",
        help="every criterion's raw value in its own unit, with a data-quality flag per value",
    )
    s.add_argument("--coverage", action="store_true", help="per criterion: sites known, by data quality, and source")
    fmt(s)
    s.set_defaults(func=cmd_sites)
    s = sub.add_parser("shortlist", help="industry -> top sites, with reasons")
    s.add_argument("--industry", required=True)
    s.add_argument("--top", type=positive_int, default=10)
    s.add_argument("--scenario")
    s.add_argument("--all", action="store_true", help="include ineligible sites (with the reason)")
    _overseas_flags(s, origin=True)
    fmt(s)
    s.set_defaults(func=cmd_shortlist)
    s = sub.add_parser("site", help="site -> industries to court, with reasons")
    s.add_argument("--site", required=True, help="Chinese or English name, or adcode")
    s.add_argument("--top", type=positive_int, default=None)
    s.add_argument("--scenario")
    s.add_argument(
        "--by",
        choices=("position", "score"),
        default="position",
        help="rank industries by the site's position in each industry's list (default) or by raw score",
    )
    fmt(s)
    s.set_defaults(func=cmd_site)
    s = sub.add_parser("explain", help="why a site ranks where it does, and what single change would lift it")
    s.add_argument("--industry", required=True)
    s.add_argument("--site", required=True, help="Chinese or English name, or adcode")
    s.add_argument("--top", type=positive_int, default=10, help="the top list to reach (K)")
    s.add_argument("--scenario")
    fmt(s, ("table", "json"))
    s.set_defaults(func=cmd_explain)
    s = sub.add_parser("match", help="capacitated matching of the scenario's demand (and/or firms) to sites")
    s.add_argument("--scenario")
    s.add_argument("--firms", help="CSV or XLSX: name, industry, origin, jobs[, land_ha, needs_bonded_zone]")
    s.add_argument("--out", required=True)
    _overseas_flags(s, origin=False)
    s.set_defaults(func=cmd_match)
    s = sub.add_parser("route", help="least-cost freight route between two places")
    s.add_argument("--from", dest="from_", required=True)
    s.add_argument("--to", required=True)
    fmt(s, ("table", "json", "csv"))
    s.set_defaults(func=cmd_route)
    s = sub.add_parser("access", help="accessibility columns per site")
    fmt(s)
    s.set_defaults(func=cmd_access)
    s = sub.add_parser("compare", help="compare two scenarios")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--top", type=positive_int, default=10)
    s.add_argument("--out")
    fmt(s, ("table", "json"))
    s.set_defaults(func=cmd_compare)
    s = sub.add_parser("scenario", help="validate a scenario file")
    s.add_argument("file")
    s.add_argument("--show", action="store_true", help="print the resolved scenario")
    s.set_defaults(func=cmd_scenario)
    from transfer._cli_evaluation import add_commands  # evaluate, monitor

    add_commands(sub, fmt)
    from transfer._cli_server import add_commands as add_server_commands  # server, login, layers, audit

    add_server_commands(sub, fmt)

    from transfer._cli_pairs import add_commands as add_pairs  # pairs

    add_pairs(sub, fmt)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``transfer`` command; returns the exit code.

    0 done; 2 bad input (a one-line message that says what, where and how to fix); 1 an unexpected error (a bug:
    one line naming the log file that holds the traceback); 130 interrupted.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        from transfer.workspace.server import is_server_url

        if args.data and is_server_url(args.data):
            from transfer._cli_server import resolve_data

            args.data = resolve_data(args.data)
        if args.data and not Path(args.data).is_dir():
            what = "is a file, not a folder" if Path(args.data).exists() else "does not exist"
            raise _Exit(f"--data: {args.data} {what}; give the folder that holds the layers (like geodata/)")
        if getattr(args, "out", None):
            _check_out_dir(Path(args.out), option="--out")
        text = args.func(args)
        sys.stdout.write(text)
        sys.stdout.flush()
    except _Exit as exc:
        sys.stderr.write(f"transfer: {exc}\n")
        return exc.code
    except TransferError as exc:
        sys.stderr.write(f"transfer: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("transfer: interrupted\n")
        return 130
    except BrokenPipeError:  # `transfer sites | head`: the reader stopped reading
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    except Exception as exc:  # the boundary: anything else is a bug, reported with a log for the bug report
        from transfer._crash import write_crash_log

        log = write_crash_log(exc, context="transfer " + " ".join(sys.argv[1:] if argv is None else argv))
        where = f"the details are in {log}" if log else "the details were printed above"
        sys.stderr.write(
            f"transfer: unexpected error ({type(exc).__name__}: {str(exc)[:200]}); {where}. "
            "Please attach that file to a bug report.\n"
        )
        return 1
    return 0


def _check_out_dir(path: Path, *, option: str) -> None:
    """Refuse an output folder that cannot be written, before any computation."""
    if path.exists() and not path.is_dir():
        raise _Exit(f"{option}: {path} is a file, not a folder; give a folder for the output files")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise _Exit(f"{option}: cannot write to {path} ({exc.strerror}); choose a folder you may write to") from None


if __name__ == "__main__":
    sys.exit(main())
