"""The ``transfer evaluate`` and ``transfer monitor`` subcommands (registered by :func:`transfer.cli._parser`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from transfer import columns as C
from transfer.cli import _base, _emit, _Exit, _records, positive_int

__all__ = ["add_commands", "cmd_evaluate", "cmd_monitor"]


def _system(args: argparse.Namespace) -> Any:
    from transfer.evaluation import load_index

    return load_index(args.index)


def _sites(base: Any) -> pd.DataFrame:
    return pd.DataFrame(base.layers.sites.drop(columns="geometry"))


def _workspace_path(args: argparse.Namespace) -> str | Path:
    """The --workspace file or postgresql:// URL, else $TRANSFER_WORKSPACE, else the default file."""
    from transfer.workspace import is_server_url, workspace_target

    if args.workspace:
        return args.workspace if is_server_url(args.workspace) else Path(args.workspace)
    return workspace_target()


def _monitoring_values(args: argparse.Namespace, base: Any, system: Any) -> pd.DataFrame:
    """The census series, with the workspace's stored years on top (a stored value replaces the census one)."""
    from transfer.evaluation.monitoring import LONG_COLUMNS, census_series

    values = census_series(base.layers.census, system)
    path = _workspace_path(args)
    if not isinstance(path, Path) or path.exists():
        from transfer.workspace import open_workspace
        from transfer.workspace.monitoring import load_monitoring

        with open_workspace(path) as ws:
            stored = load_monitoring(ws)
        if len(stored):
            values = pd.concat([values, stored], ignore_index=True)
            values = values.drop_duplicates(["year", C.ADCODE, "indicator"], keep="last")
    return values[list(LONG_COLUMNS)].reset_index(drop=True)


def _yearly(args: argparse.Namespace, base: Any, system: Any) -> Any:
    from transfer.evaluation.monitoring import evaluate_years

    weighting: Any = args.weights or "equal"
    if weighting not in ("equal", "entropy", "critic"):
        raise _Exit(f"--weights {weighting}: yearly monitoring uses equal, entropy or critic weights")
    return evaluate_years(
        _monitoring_values(args, base, system), system, _sites(base), base_year=args.base_year, weighting=weighting
    )


def _header(lines: Sequence[str]) -> str:
    return "".join(f"# {line}\n" for line in lines)


def _output(fmt: str, info: list[str], frame: pd.DataFrame, **extra: Any) -> str:
    """JSON (info, extra members, sites), CSV (the frame; the info lines go to stderr) or a table under the info."""
    if fmt == "json":
        doc = {"info": info, **extra, "sites": _records(frame)}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        sys.stderr.write(_header(info))
        return _emit(frame, "csv")
    return _header(info) + _emit(frame, "table")


def cmd_evaluate(args: argparse.Namespace) -> str:
    from transfer.evaluation import compare_methods, evaluate, load_ahp
    from transfer.sitetable import build_site_table

    system = _system(args)
    weighting: Any = args.weights or ("ahp" if args.ahp else "equal")  # one of WEIGHTINGS (argparse choices)
    if weighting == "ahp" and not args.ahp:
        raise _Exit("--weights ahp needs --ahp FILE (pairwise judgements, see README.md)")
    if not 0 <= args.alpha <= 1:
        raise _Exit(f"--alpha must be within 0..1, got {args.alpha}")
    ahp = load_ahp(args.ahp, system) if args.ahp else None
    base = _base(args)
    if args.year is not None:
        return _evaluate_year(args, base, system)
    table = build_site_table(base.layers, base.access)
    ev = evaluate(table, system, weighting=weighting, ahp=ahp, method=args.method, alpha=args.alpha)
    weights = {c: round(float(w), 4) for c, w in ev.weights.items()}
    info = [
        f"index system: {system.label('en')} ({system.source_path})",
        f"weights: {weighting}; method: {args.method}",
        "weights used: " + ", ".join(f"{c} {w:.3f}" for c, w in weights.items()),
        *(f"AHP {c.node}: consistency ratio {c.cr:.3f}" for c in (ahp.comparisons if ahp else ())),
        *ev.notes,
    ]
    if args.compare_methods:
        cmp = compare_methods(ev, top=10)
        ranked = cmp.ranks.head(args.top) if args.top else cmp.ranks
        if args.format != "table":
            extra = {"agreement": _records(cmp.agreement), "most_different": _records(cmp.most_different)}
            return _output(args.format, info, ranked, weights=weights, **extra)
        agree = [
            f"{r['a']} vs {r['b']}: Kendall tau {r['kendall_tau']:.3f}, Spearman rho {r['spearman_rho']:.3f}"
            for r in _records(cmp.agreement)
        ]
        most = "# sites whose rank differs most between methods:\n" + _emit(cmp.most_different, "table")
        return _output("table", info + agree, ranked) + most
    out = ev.table.head(args.top) if args.top else ev.table
    return _output(args.format, info, out, weights=weights, unavailable=list(ev.unavailable), empty=list(ev.empty))


def _evaluate_year(args: argparse.Namespace, base: Any, system: Any) -> str:
    yearly = _yearly(args, base, system)
    if args.year not in yearly.years:
        raise _Exit(f"--year {args.year}: no monitoring values; years with values: {', '.join(map(str, yearly.years))}")
    out = yearly.scores[yearly.scores["year"] == args.year].reset_index(drop=True)
    out = out.head(args.top) if args.top else out
    info = [
        f"year {args.year} scored with the base year {yearly.base_year}'s normalisation",
        "indicators: " + ", ".join(yearly.indicators),
        *yearly.notes,
    ]
    return _output(args.format, info, out)


def cmd_monitor(args: argparse.Namespace) -> str:
    from transfer.evaluation.monitoring import read_template, template_xlsx

    if args.action in ("template", "import") and not args.file:
        raise _Exit(f"monitor {args.action} needs a file: transfer monitor {args.action} FILE.xlsx")
    system = _system(args)
    if args.action == "template":
        base = _base(args, with_network=False)
        out = Path(args.file)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(template_xlsx(system, _sites(base), year=args.year))
        return f"wrote the monitoring template ({len(base.layers.sites)} sites) to {out}\n"
    if args.action == "import":
        from transfer.workspace import open_workspace, redact_url
        from transfer.workspace.monitoring import save_monitoring

        base = _base(args, with_network=False)
        values = read_template(args.file, system, _sites(base))
        if values.empty:
            raise _Exit(f"{args.file}: the sheet has no values (every indicator cell is empty)")
        path = _workspace_path(args)
        with open_workspace(path) as ws:
            n = save_monitoring(ws, values)
        years = ", ".join(str(y) for y in sorted(values["year"].unique()))
        shown = path if isinstance(path, Path) else redact_url(path)
        return f"stored {n} values of {values[C.ADCODE].nunique()} sites for {years} in {shown}\n"
    from transfer.evaluation.report import report_html, report_xlsx, wide_ranks

    base = _base(args, with_network=False)
    yearly = _yearly(args, base, system)
    info = [
        f"base year {yearly.base_year}; years {', '.join(map(str, yearly.years))}",
        "indicators: " + ", ".join(yearly.indicators),
        *yearly.notes,
    ]
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "monitoring_report.xlsx").write_bytes(report_xlsx(yearly, system))
        (out / "monitoring_report.html").write_text(report_html(yearly, system, lang=args.lang), encoding="utf-8")
        sys.stderr.write(f"wrote monitoring_report.xlsx, monitoring_report.html to {out}\n")
    wide = wide_ranks(yearly)
    wide = wide.head(args.top) if args.top else wide
    return _output(args.format, info, wide)


def add_commands(sub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``evaluate`` and ``monitor`` on the ``transfer`` parser's subcommands."""
    from transfer.evaluation import METHODS, WEIGHTINGS

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", help="index system YAML (default: geodata/index_system.yaml)")
        sp.add_argument("--top", type=positive_int, default=None, help="print only the first N sites")
        from transfer.workspace.server import redact_url

        env = redact_url(os.environ.get("TRANSFER_WORKSPACE") or "") or None
        sp.add_argument(
            "--workspace",
            default=None,
            help=f"workspace file or postgresql:// URL of a team server (default: {env or 'the user data folder'})",
        )

    s = sub.add_parser("evaluate", help="rank every site with the evaluation index system (评价指标体系)")
    common(s)
    s.add_argument("--weights", choices=WEIGHTINGS, default=None, help="default: ahp with --ahp, else equal")
    s.add_argument("--ahp", help="AHP pairwise judgements (YAML, see README.md)")
    s.add_argument("--alpha", type=float, default=0.5, help="combined weights: alpha x AHP/equal + (1 - alpha) x data")
    s.add_argument("--method", choices=METHODS, default="wsum")
    s.add_argument("--compare-methods", action="store_true", help="rank with every method and compare the rankings")
    s.add_argument("--year", type=int, default=None, help="evaluate a monitoring year (census years 2010, 2020 ...)")
    s.add_argument("--base-year", type=int, default=None, help="with --year: the base year (default: the first)")
    fmt(s)
    s.set_defaults(func=cmd_evaluate)
    s = sub.add_parser("monitor", help="yearly monitoring (监测评价): template, import, report")
    s.add_argument("action", choices=("template", "import", "report"))
    s.add_argument("file", nargs="?", help="template: the XLSX to write; import: the filled XLSX")
    common(s)
    s.add_argument("--year", type=int, default=None, help="template: the year written in every row")
    s.add_argument("--base-year", type=int, default=None, help="report: the base year (default: the first year)")
    s.add_argument("--weights", choices=("equal", "entropy", "critic"), default=None)
    s.add_argument("--out", help="report: folder for monitoring_report.xlsx and monitoring_report.html")
    s.add_argument("--lang", choices=("zh", "en"), default="zh", help="report: language of the HTML page")
    fmt(s)
    s.set_defaults(func=cmd_monitor)
