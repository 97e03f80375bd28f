"""Run every benchmark script in this folder in turn (``make bench``); each prints its own table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {"bench_matching.py": ["--quick"]}


def main() -> int:
    rc = 0
    for script in [*sorted(HERE.glob("bench_*.py")), HERE / "backtest.py"]:
        print(f"\n=== {script.name} ===", flush=True)
        args = QUICK.get(script.name, []) if "--full" not in sys.argv else []
        rc |= subprocess.call([sys.executable, str(script), *args], cwd=HERE.parent)
    return rc


if __name__ == "__main__":
    sys.exit(main())
