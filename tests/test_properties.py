"""Property-based tests of the readers: for any input, a valid result or the project's own error, nothing else."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from transfer.errors import LayerError, ScenarioError, TransferError
from transfer.layers import load_layer
from transfer.pipeline import Base, load_firms
from transfer.scenarios import Scenario, parse_scenario

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# cells a user might type: numbers of every size and sign, special floats, units, formulas, blanks, CJK, quotes
NUMBERISH = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "inf", "-inf", "nan", "NaN", "1e30", "1,200", "300人", "三百", "=1+1", "0x10", "1_000"]),
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "东莞", "深圳市", "Suzhou", "441900", "=HYPERLINK()", '"quoted"', "a,b", "toys"]),
)


def _write(text: str, suffix: str = ".csv") -> Path:
    folder = Path(tempfile.mkdtemp(prefix="transfer_prop_"))
    path = folder / f"input{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def _csv(header: list[str], rows: list[list[str]]) -> str:
    return pd.DataFrame(rows, columns=header).to_csv(index=False)


def _mostly(valid: st.SearchStrategy[str], hostile: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values seven times in eight, so that whole files also read fine often enough to check the result."""
    return st.one_of(*[valid] * 7, hostile)


FIRM_ROW = st.tuples(
    _mostly(st.text(alphabet="甲乙丙丁戊己庚辛", min_size=1, max_size=3), TEXT),
    _mostly(st.sampled_from(["toys", "footwear", "electronics_assembly"]), TEXT),
    _mostly(st.sampled_from(["东莞", "深圳", "441900", "苏州市"]), TEXT),
    _mostly(st.integers(0, 5000).map(str), NUMBERISH),
    _mostly(st.one_of(st.just(""), st.floats(0, 500).map(repr)), NUMBERISH),
    _mostly(st.sampled_from(["", "yes", "no", "是", "1"]), TEXT),
)


@SETTINGS
@given(rows=st.lists(FIRM_ROW, min_size=0, max_size=4, unique_by=lambda r: r[0]))
def test_firms_reader(base: Base, rows: list[tuple[str, ...]]) -> None:
    path = _write(_csv(["name", "industry", "origin", "jobs", "land_ha", "needs_bonded_zone"], [list(r) for r in rows]))
    try:
        firms = load_firms(path, base.catalogue, base.layers)
    except LayerError as exc:
        assert path.name in str(exc) and "Fix:" in str(exc)
        event("refused")
        return
    event("read")
    assert len(firms) == len(rows) > 0
    assert firms["jobs"].dtype == np.int64 and firms["jobs"].between(0, 1_000_000).all()
    land = firms["land_ha"].dropna()
    assert np.isfinite(land).all() and (land >= 0).all()
    assert firms["name"].is_unique and (firms["name"].str.len() > 0).all()
    assert set(firms["industry"]) <= set(base.catalogue.ids)
    origins = {int(a) for a in base.layers.origins["adcode"]}
    assert {int(o) for o in firms["origin"]} <= origins


@SETTINGS
@given(rows=st.lists(st.tuples(NUMBERISH, NUMBERISH, NUMBERISH), min_size=1, max_size=5))
def test_census_layer_reader(rows: list[tuple[str, str, str]]) -> None:
    header = ["adcode", "population_2020", "working_age_share_2020", "registered_away_2010"]
    data = [[str(410100 + 100 * i), *r] for i, r in enumerate(rows)]
    path = _write(_csv(header, data))
    try:
        layer = load_layer(path, kind="census", known_adcodes={410100 + 100 * i for i in range(5)})
    except LayerError as exc:
        assert path.name in str(exc) and "Fix:" in str(exc)
        event("refused")
        return
    event("read")
    pop = layer["population_2020"].dropna().astype(float)
    share = layer["working_age_share_2020"].dropna().astype(float)
    away = layer["registered_away_2010"].dropna().astype(float)
    assert np.isfinite(pop).all() and (pop >= 0).all() and (pop <= 2**53).all()
    assert share.between(0, 1).all()
    assert np.isfinite(away).all()  # signed, but finite


KEYS = [
    "name",
    "weights",
    "demand",
    "matching",
    "constraints",
    "overrides",
    "scale",
    "jobs",
    "industries",
    "capacity_jobs",
    "*",
    "toys",
    "wage",
    "labour_pool",
    "sites",
    "adcode",
    "set",
    "top_k",
    "winsor",
    "title",
]
LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
TREE = st.recursive(
    LEAF,
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(KEYS), kids, max_size=4)),
    max_leaves=12,
)


VALID_PARTS = st.fixed_dictionaries(
    {},
    optional={
        "weights": st.dictionaries(
            st.sampled_from(["*", "toys", "footwear"]),
            st.dictionaries(st.sampled_from(["wage", "labour_pool", "sea_cost"]), st.floats(0, 5), max_size=3),
            max_size=2,
        ),
        "demand": st.fixed_dictionaries(
            {"scale": st.floats(0, 3)},
            optional={
                "industries": st.lists(
                    st.fixed_dictionaries(
                        {"industry": st.sampled_from(["toys", "footwear"]), "jobs": st.integers(0, 9)}
                    ),
                    max_size=2,
                )
            },
        ),
        "matching": st.fixed_dictionaries({}, optional={"top_k": st.integers(1, 50), "indivisible": st.booleans()}),
        "constraints": st.fixed_dictionaries({}, optional={"winsor": st.floats(0, 0.4), "missing": st.just("exclude")}),
    },
)


@SETTINGS
@given(valid=VALID_PARTS, hostile=st.dictionaries(st.sampled_from(KEYS), TREE, max_size=3), mix=st.booleans())
def test_scenario_parser(valid: dict[str, object], hostile: dict[str, object], mix: bool) -> None:
    doc = {"name": "prop", **valid, **(hostile if mix else {})}
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        scn = parse_scenario(text, where="prop.yaml")
    except ScenarioError as exc:
        assert str(exc).startswith("prop.yaml") and "Fix:" in str(exc)
        event("refused")
        return
    except TransferError as exc:  # e.g. a province name that does not resolve
        assert "Fix:" in str(exc)
        return
    event("read")
    assert isinstance(scn, Scenario)
    assert math.isfinite(scn.demand.scale) and 0 <= scn.demand.scale <= 100
    for ws in scn.weights.values():
        assert all(math.isfinite(w) and w >= 0 for w in ws.values())
    assert all(0 <= item.jobs <= 50_000_000 for item in scn.demand.industries)
