"""Run every benchmark script in this folder in turn (``make bench``); each prints its own table.

By default the slow ones run a quick variant (``--full`` runs them as they are): bench_matching with ``--quick``,
bench_browser with one repetition of this checkout only. bench_browser is skipped with a message when chromium,
chromedriver or selenium is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {"bench_matching.py": ["--quick"], "bench_browser.py": ["--runs", "1", "--no-baseline"]}
ALWAYS = {"bench_browser.py": ["--skip-missing"]}


def main() -> int:
    rc = 0
    for script in [*sorted(HERE.glob("bench_*.py")), HERE / "backtest.py"]:
        print(f"\n=== {script.name} ===", flush=True)
        args = QUICK.get(script.name, []) if "--full" not in sys.argv else []
        args = [*args, *ALWAYS.get(script.name, [])]
        rc |= subprocess.call([sys.executable, str(script), *args], cwd=HERE.parent)
    return rc


if __name__ == "__main__":
    sys.exit(main())
