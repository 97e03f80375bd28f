"""App timings: cold start (fresh process, first full script run), re-score after a weight change, map HTML size.

Run: python benchmarks/bench_app.py [--repeat N]. Prints one line per measure and the targets of the app
(cold start < 5 s, re-score < 300 ms of engine time, map HTML < 2 MB); exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLD_START_TARGET_S = 5.0
RESCORE_TARGET_MS = 300.0
MAP_TARGET_BYTES = 2_000_000

# one fresh interpreter: imports, base data, the first run and the first map page, as a user's first visit
_COLD = r"""
import json, os, sys, tempfile, time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
os.environ.setdefault("TRANSFER_WORKSPACE", os.path.join(tempfile.mkdtemp(), "w.sqlite"))
t_import = time.perf_counter() - t0
at = AppTest.from_file(sys.argv[1], default_timeout=300).run()
t_first = time.perf_counter() - t0
assert not at.exception, [e.value for e in at.exception]
t1 = time.perf_counter()
at.run()
t_warm = time.perf_counter() - t1
print(json.dumps({"import_s": t_import, "cold_start_s": t_first, "warm_rerun_s": t_warm}))
"""


def cold_start() -> dict[str, float]:
    """Seconds to the first complete script run of the app in a new process (all imports included)."""
    out = subprocess.run(
        [sys.executable, "-c", _COLD, str(REPO / "app.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def engine_figures(repeat: int) -> dict[str, float]:
    """Re-score time after a slider move, map build and render time, map HTML size."""
    sys.path.insert(0, str(REPO))
    import geopandas as gpd

    from transfer.pipeline import load_base, run
    from transfer_app import maps as amap
    from transfer_app.state import with_weights

    base = load_base()
    r = run(base)
    industry = r.scores.industries[0]
    times_ms = []
    for i in range(repeat):
        weights = {industry: {"wage": 0.2 + 0.01 * i, "labour_pool": 0.3}}
        t0 = time.perf_counter()
        run(base, with_weights(r.scenario, weights), reuse=r)  # what a slider move runs
        times_ms.append((time.perf_counter() - t0) * 1000)
    provinces = gpd.read_file(REPO / "geodata" / "provinces.geojson")
    shapes = amap.simplified_sites(r.layers.sites)
    t0 = time.perf_counter()
    m = amap.make_map(r, r.scores, industry, "zh", provinces=provinces, map_sites=shapes)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    size = amap.map_html_size_bytes(m)
    t_render = time.perf_counter() - t0
    return {
        "rescore_ms_median": statistics.median(times_ms),
        "rescore_ms_max": max(times_ms),
        "map_build_s": t_build,
        "map_render_s": t_render,
        "map_html_bytes": float(size),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="re-score repetitions")
    args = parser.parse_args(argv)
    cold = cold_start()
    eng = engine_figures(args.repeat)
    rows = [
        ("imports (streamlit testing)", f"{cold['import_s']:.2f} s", ""),
        ("cold start: first full script run", f"{cold['cold_start_s']:.2f} s", f"< {COLD_START_TARGET_S:.0f} s"),
        ("warm re-run of the map page", f"{cold['warm_rerun_s']:.2f} s", ""),
        (
            "re-score after a weight change (median)",
            f"{eng['rescore_ms_median']:.0f} ms",
            f"< {RESCORE_TARGET_MS:.0f} ms",
        ),
        ("re-score (max)", f"{eng['rescore_ms_max']:.0f} ms", ""),
        ("map build / render", f"{eng['map_build_s']:.2f} s / {eng['map_render_s']:.2f} s", ""),
        ("map HTML", f"{eng['map_html_bytes'] / 1e6:.2f} MB", f"< {MAP_TARGET_BYTES / 1e6:.0f} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>16}  {target}")
    ok = (
        cold["cold_start_s"] < COLD_START_TARGET_S
        and eng["rescore_ms_median"] < RESCORE_TARGET_MS
        and eng["map_html_bytes"] < MAP_TARGET_BYTES
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
