"""The one YAML reader: bounded, safe, duplicate keys refused, errors with lines."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transfer._yaml import load_yaml, read_yaml
from transfer.errors import LayerError, ScenarioError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_alias_bomb_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="expands to more than") as exc:
        load_yaml(BOMB, where="bomb.yaml", error=ScenarioError)
    assert time.perf_counter() - start < 2.0
    assert "bomb.yaml, line" in str(exc.value) and "Fix:" in str(exc.value)


def test_a_few_aliases_are_fine():
    data, _ = load_yaml("a: &a {x: 1}\nb: *a\nc: {<<: *a, y: 2}\n", where="w", error=ScenarioError)
    assert data == {"a": {"x": 1}, "b": {"x": 1}, "c": {"x": 1, "y": 2}}


def test_duplicate_key_names_both_lines():
    with pytest.raises(ScenarioError, match=r"key 'wage' appears twice in one mapping \(lines 2 and 4\)"):
        load_yaml("w:\n  wage: 1\n  labour: 2\n  wage: 3\n", where="s.yaml", error=ScenarioError)


def test_merge_key_override_is_not_a_duplicate():
    data, _ = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  x: 2\n", where="w", error=ScenarioError)
    assert data["child"] == {"x": 2}


def test_recursive_alias_refused():
    with pytest.raises(ScenarioError, match="alias refers to the mapping or list that contains it"):
        load_yaml("r: &r [*r]\n", where="w", error=ScenarioError)


def test_deep_nesting_refused():
    with pytest.raises(ScenarioError, match="nested"):
        load_yaml("[" * 5000 + "]" * 5000, where="w", error=ScenarioError)


def test_size_limit():
    with pytest.raises(LayerError, match="more than the 100 accepted"):
        load_yaml("x: " + "y" * 200, where="w", error=LayerError, max_bytes=100)


def test_python_tag_refused():
    with pytest.raises(ScenarioError, match="tag that is not allowed"):
        load_yaml("x: !!python/object/apply:os.system [echo hi]\n", where="w", error=ScenarioError)


def test_folder_missing_and_binary(tmp_path):
    with pytest.raises(ScenarioError, match="folder, not a YAML file"):
        read_yaml(tmp_path, error=ScenarioError)
    with pytest.raises(ScenarioError, match="does not exist"):
        read_yaml(tmp_path / "nope.yaml", error=ScenarioError)
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        read_yaml(bad, error=ScenarioError)


def test_bom_is_accepted():
    data, _ = load_yaml("\ufeffname: x\n", where="w", error=ScenarioError)
    assert data == {"name": "x"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-&*[]{},!'\"#\n <>|")), max_size=80))
def test_any_text_parses_or_gives_a_scenario_error(text):
    """Whatever a user types, the reader returns data or raises its one error class, never something else."""
    try:
        load_yaml(text, where="fuzz.yaml", error=ScenarioError)
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.yaml")
