"""The README's commands and engine example are real: the example runs and the commands exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in first_block.strip().splitlines()]
    assert lines == ["make run", "make test"]
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_readme_engine_example_runs(monkeypatch, capsys):
    code = re.search(r"## The engine without the UI\s+```python\n(.*?)```", README, re.S).group(1)
    monkeypatch.chdir(REPO)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "rank" in out and "good" in out


def test_readme_cli_commands_exist():
    from transfer.cli import _parser

    sub = next(a for a in _parser()._actions if a.dest == "command")
    for cmd in re.findall(r"\.venv/bin/transfer (\w+)", README):
        assert cmd in sub.choices, cmd
