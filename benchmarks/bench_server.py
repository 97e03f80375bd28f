"""Load on the workspace API: N concurrent clients (processes) on the team server and on one SQLite file.

    python benchmarks/bench_server.py [--clients 20] [--rounds 10] [--owner-url postgresql://...]

Each client logs in (server) or opens the file (SQLite) and repeats, ``--rounds`` times: save a shortlist of 20
sites, list the shortlists, set a status, save a run with two result tables, read it back, and (server only) list
the team layers and read a published layer version. Without ``--owner-url`` a throwaway PostgreSQL/PostGIS
cluster is started (as `make test-server` does) and removed afterwards. It prints p50/p95 latency per operation
and the throughput of all clients together, for both backends in the same run (the SQLite backend is the
baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "benchmark password"
ROWS = [{"adcode": 360700 + i, "name": f"site {i}", "score": 0.5 + i / 100} for i in range(20)]
TABLE = "adcode,score\n" + "".join(f"{360700 + i},{0.5 + i / 100}\n" for i in range(500))


def _client(backend: str, target: str, user: str, rounds: int, start: Any, out: Any) -> None:
    from transfer.workspace import ServerWorkspace, Workspace

    ws: Any = Workspace.open(Path(target)) if backend == "sqlite" else ServerWorkspace.login(target, user, PASSWORD)
    timings: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        value = call()
        timings.setdefault(name, []).append(time.perf_counter() - t0)
        return value

    start.wait()
    for i in range(rounds):
        tag = uuid.uuid4().hex[:6]
        sl = timed("save shortlist", lambda tag=tag: ws.save_shortlist(f"list {tag}", "industry_to_sites", ROWS))
        timed("list shortlists", ws.list_shortlists)
        timed("set status", lambda sl=sl, i=i: ws.set_status(sl.id, 360700 + i, "contacted", note="called"))
        run = timed("save run", lambda: ws.save_run("bench", results={"assignment": TABLE, "summary": "{}"}))
        timed("load run", lambda run=run: ws.get_run(run.id))
        if backend == "server":
            from transfer.workspace.team_layers import _read_set, list_layer_sets

            timed("list team layers", lambda: list_layer_sets(ws))
            timed("read team layer", lambda: _read_set(ws, None))
    ws.close()
    out.put(timings)


def _run(backend: str, target: str, users: list[str], rounds: int) -> tuple[dict[str, list[float]], float]:
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_client, args=(backend, target, u, rounds, start, out)) for u in users]
    for p in procs:
        p.start()
    time.sleep(3.0)  # every client connected and logged in before the clock starts
    t0 = time.perf_counter()
    start.set()
    merged: dict[str, list[float]] = {}
    for _ in procs:
        for name, values in out.get(timeout=600).items():
            merged.setdefault(name, []).extend(values)
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return merged, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@contextlib.contextmanager
def _server(owner_url: str | None) -> Iterator[str]:
    if owner_url:
        yield owner_url
        return
    from transfer._pgcluster import throwaway

    with throwaway() as cluster:
        yield cluster.owner_url()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--owner-url", help="an existing server's owner URL (default: a throwaway cluster)")
    args = parser.parse_args()

    from transfer.workspace import Workspace, admin
    from transfer.workspace.server import ServerWorkspace
    from transfer.workspace.team_layers import publish_layers

    results: dict[str, tuple[dict[str, list[float]], float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        with Workspace.open(path) as ws:
            ws.save_scenario("bench", "name: bench\n")
        results["sqlite"] = _run("sqlite", str(path), [""] * args.clients, args.rounds)
    with _server(args.owner_url) as owner:
        team = f"bench-{uuid.uuid4().hex[:6]}"
        app = admin.init_server(
            owner, app_password="bench app role", team=team, admin_user=f"{team}-admin", admin_password=PASSWORD
        )
        users = [f"{team}-{i}" for i in range(args.clients)]
        for user in users:
            admin.create_account(owner, user, PASSWORD, team=team, role="editor")
        with ServerWorkspace.login(app, f"{team}-admin", PASSWORD) as ws:
            ws.save_scenario("bench", "name: bench\n")
            hubs = (Path(__file__).resolve().parent.parent / "geodata" / "curated" / "hubs.csv").read_bytes()
            publish_layers(ws, {"curated/hubs.csv": hubs})
        results["server"] = _run("server", app, users, args.rounds)

    print(f"\n{args.clients} concurrent clients x {args.rounds} rounds (latency in ms; baseline: SQLite file)\n")
    print("| operation | SQLite p50 | SQLite p95 | server p50 | server p95 |")
    print("|---|---|---|---|---|")
    names = list(dict.fromkeys([*results["sqlite"][0], *results["server"][0]]))
    for name in names:
        cells = []
        for backend in ("sqlite", "server"):
            values = results[backend][0].get(name)
            cells += [f"{_pct(values, 0.5):.1f}", f"{_pct(values, 0.95):.1f}"] if values else ["–", "–"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for backend in ("sqlite", "server"):
        timings, wall = results[backend]
        ops = sum(len(v) for v in timings.values())
        print(
            f"{backend}: {ops} operations in {wall:.2f} s = {ops / wall:.0f} operations/s "
            f"(p50 of all {statistics.median([v for vs in timings.values() for v in vs]) * 1000:.1f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
