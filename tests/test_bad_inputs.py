"""The bad-input corpus (tests/data/bad): every file gets the project's own error saying what, where and how to fix."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from transfer.errors import TransferError
from transfer.evaluation.ahp import load_ahp
from transfer.evaluation.index import load_index
from transfer.industries import load_industries
from transfer.layers import load_layer
from transfer.pipeline import Base, load_firms, run
from transfer.scenarios import load_scenario

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
with (CORPUS / "cases.csv").open(encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))
# the folders this test reads (workspace/ has its own test); companions of a Shapefile are not inputs themselves
AREAS = ("layers", "firms", "scenarios", "scenarios_run", "industries", "ahp", "index")
_COMPANIONS = {".prj", ".shx", ".cpg"}


def _entry(case: dict[str, str], base: Base) -> Callable[[], Any]:
    path = CORPUS / case["file"]
    known = {int(a) for a in base.layers.sites["adcode"]} | {int(a) for a in base.layers.origins["adcode"]}
    entries: dict[str, Callable[[], Any]] = {
        "layer": lambda: load_layer(path, kind=case["kind"], known_adcodes=known),
        "firms": lambda: load_firms(path, base.catalogue, base.layers),
        "scenario": lambda: load_scenario(path),
        "scenario_run": lambda: run(base, load_scenario(path), match=False),
        "industries": lambda: load_industries(path),
        "ahp": lambda: load_ahp(path, load_index()),
        "index": lambda: load_index(path),
    }
    return entries[case["entry"]]


def test_every_corpus_file_has_a_case() -> None:
    files = {
        str(p.relative_to(CORPUS))
        for area in AREAS
        for p in (CORPUS / area).rglob("*")
        if p.is_file() and p.suffix not in _COMPANIONS
    }
    listed = {c["file"] for c in CASES}
    assert files == listed, (sorted(files - listed), sorted(listed - files))
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input_gets_a_clear_message(case: dict[str, str], base: Base) -> None:
    with pytest.raises(TransferError) as info:
        _entry(case, base)()
    message = str(info.value)
    name = Path(case["file"]).name
    assert name in message, f"the message does not name the file: {message}"
    assert re.search(case["where"], message), f"where {case['where']!r} not in: {message}"
    assert re.search(case["what"], message), f"what {case['what']!r} not in: {message}"
    fix = message.partition("Fix: ")[2]
    assert len(fix) > 10, f"no fix in: {message}"
