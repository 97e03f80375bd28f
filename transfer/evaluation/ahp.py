"""Expert weights by the analytic hierarchy process: pairwise judgements on Saaty's 1-9 scale, one expert or a group.

The eigenvector and the consistency ratio come from ``ahpy``; this module validates the judgements (with the file's
line numbers), aggregates a group by the geometric mean of its judgements, refuses a comparison whose consistency
ratio exceeds :data:`MAX_CR` (naming the least consistent judgement) and turns a hierarchy of comparisons into one
weight per criterion.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahpy
import numpy as np
import yaml

from transfer.evaluation._io import EvaluationError, line_of, read_text, read_yaml
from transfer.evaluation.index import IndexSystem
from transfer.names import did_you_mean

__all__ = [
    "MAX_CR",
    "AhpResult",
    "Comparison",
    "compare",
    "consistency",
    "from_comparison",
    "load_ahp",
    "parse_ahp",
]

MAX_CR = 0.1  # Saaty's limit: a comparison with a larger consistency ratio is refused
SCALE_MIN, SCALE_MAX = 1 / 9, 9.0
_SAATY_RI_MAX_N = 15  # ahpy's table of Saaty's random indices stops at 15 items; Donegan and Dodd's goes further
_NODE_KEYS = ("criteria", "judgements", "participants", "levels")


@dataclass(frozen=True)
class Comparison:
    """The result of one pairwise comparison (one expert, or a group's geometric mean).

    ``spread`` (group only) gives per item the lowest and highest weight among the participants and their
    coefficient of variation; ``participants`` the weights and consistency ratio of each.
    """

    node: str
    items: tuple[str, ...]
    weights: Mapping[str, float]
    cr: float
    participants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    spread: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class AhpResult:
    """Weights of every criterion (summing to 1) from a hierarchy of comparisons, with each comparison."""

    weights: Mapping[str, float]
    comparisons: tuple[Comparison, ...]
    source: str = ""


def _where(src: str, node: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    line = line_of(node, loc)
    return f"{src}, line {line}" if line else src


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_judgements(
    raw: object, items: Sequence[str], *, src: str, node: yaml.Node | None, loc: tuple[Any, ...], who: str = ""
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], str]]:
    """Judgements as {(a, b): x} (a x times as important as b), every pair of ``items`` once, each on 1/9..9, and
    where each is written (file and line)."""
    of = f" of {who}" if who else ""
    if not isinstance(raw, list):
        raise EvaluationError(
            f"'judgements'{of} must be a list of [a, b, x]",
            where=_where(src, node, loc),
            fix="write each judgement as [a, b, x]: a is x times as important as b",
        )
    out: dict[tuple[str, str], float] = {}
    lines: dict[tuple[str, str], str] = {}
    first_line: dict[frozenset[str], int | None] = {}
    for k, j in enumerate(raw):
        at = _where(src, node, (*loc, k))
        if not (isinstance(j, list) and len(j) == 3):
            raise EvaluationError(
                f"judgement {k + 1}{of} is {j!r}, not [a, b, x]",
                where=at,
                fix="write each judgement as [a, b, x]: a is x times as important as b",
            )
        a, b, x = j
        for name in (a, b):
            if str(name) not in items:
                raise EvaluationError(
                    f"judgement {k + 1}{of} names {name!r}, which is not compared here{did_you_mean(name, items)}",
                    where=at,
                    fix=f"compare only {', '.join(items)}",
                )
        if a == b:
            raise EvaluationError(
                f"judgement {k + 1}{of} compares {a!r} with itself", where=at, fix="compare two different items"
            )
        if not _is_number(x):
            raise EvaluationError(
                f"judgement [{a}, {b}, {x!r}]{of} is not a number",
                where=at,
                fix="give x as a number on Saaty's scale 1/9..9 (e.g. 3, 0.5, 0.2)",
            )
        if not math.isfinite(float(x)) or not SCALE_MIN - 1e-9 <= float(x) <= SCALE_MAX + 1e-9:
            raise EvaluationError(
                f"judgement [{a}, {b}, {x}]{of} is outside Saaty's scale 1/9..9",
                where=at,
                fix="use 1 (equal) to 9 (extreme), or its reciprocal when b is the more important",
            )
        pair = frozenset((str(a), str(b)))
        if pair in first_line:
            before = first_line[pair]
            earlier = f" (first at line {before})" if before else ""
            raise EvaluationError(
                f"the pair {a} / {b} is judged twice{of}{earlier}", where=at, fix="keep one judgement per pair"
            )
        first_line[pair] = line_of(node, (*loc, k))
        out[(str(a), str(b))] = float(x)
        lines[(str(a), str(b))] = at
    missing = [f"{a} / {b}" for a, b in itertools.combinations(items, 2) if frozenset((a, b)) not in first_line]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise EvaluationError(
            f"{len(missing)} pair(s) are not judged{of}: {', '.join(missing[:3])}{more}",
            where=_where(src, node, loc),
            fix="judge every pair of the compared items once",
        )
    return out, lines


def _matrix(judgements: Mapping[tuple[str, str], float], items: Sequence[str]) -> np.ndarray:
    n = len(items)
    m = np.ones((n, n))
    pos = {c: i for i, c in enumerate(items)}
    for (a, b), x in judgements.items():
        m[pos[a], pos[b]] = x
        m[pos[b], pos[a]] = 1.0 / x
    return m


def _eigen(
    judgements: Mapping[tuple[str, str], float], items: Sequence[str], name: str
) -> tuple[dict[str, float], float]:
    """Principal-eigenvector weights and the consistency ratio, by ahpy (Saaty's random indices up to 15 items)."""
    if len(items) == 1:
        return {items[0]: 1.0}, 0.0
    ri = "saaty" if len(items) <= _SAATY_RI_MAX_N else "dd"
    comp = ahpy.Compare(name, dict(judgements), precision=10, random_index=ri)
    weights = {str(k): float(v) for k, v in comp.local_weights.items()}
    return {c: weights[c] for c in items}, float(comp.consistency_ratio)


def _worst(
    judgements: Mapping[tuple[str, str], float], weights: Mapping[str, float]
) -> tuple[tuple[str, str], float, float]:
    """The judgement furthest (on a log scale) from the ratio its weights imply: ((a, b), given, implied)."""
    best = max(judgements.items(), key=lambda kv: abs(math.log(kv[1] * weights[kv[0][1]] / weights[kv[0][0]])))
    (a, b), x = best
    return (a, b), x, weights[a] / weights[b]


def _refuse_if_inconsistent(
    judgements: Mapping[tuple[str, str], float],
    weights: Mapping[str, float],
    cr: float,
    *,
    what: str,
    where: str,
    lines: Mapping[tuple[str, str], str] | None = None,
) -> None:
    if cr <= MAX_CR:
        return
    (a, b), x, implied = _worst(judgements, weights)
    where = (lines or {}).get((a, b), where)
    raise EvaluationError(
        f"the judgements of {what} are inconsistent (consistency ratio {cr:.3f} > {MAX_CR}); the least consistent "
        f"is [{a}, {b}, {x:g}], where the other judgements imply about {implied:.2g}",
        where=where,
        fix=f"revise [{a}, {b}, {x:g}] (or the judgements it contradicts) until the ratio is at most {MAX_CR}",
    )


def compare(
    items: Sequence[str],
    judgements: Mapping[tuple[str, str], float] | None = None,
    *,
    participants: Mapping[str, Mapping[tuple[str, str], float]] | None = None,
    node: str = "ahp",
    where: str = "<ahp>",
    lines: Mapping[str, Mapping[tuple[str, str], str]] | None = None,
) -> Comparison:
    """Weights of ``items`` from one expert's ``judgements`` or from a group's (``participants``: name → judgements).

    A group is aggregated by the geometric mean of each pair's judgements (aggregation of individual judgements);
    every participant's own comparison must be consistent too. Judgements are {(a, b): x}: a is x times as
    important as b. Raises :class:`EvaluationError` when a consistency ratio exceeds :data:`MAX_CR`, at the line
    of the least consistent judgement when ``lines`` (participant name, or "" for one expert → pair → place) says.
    """
    lines = lines or {}
    items = tuple(items)
    if participants:
        per: dict[str, dict[str, Any]] = {}
        logs: dict[tuple[str, str], list[float]] = {}
        for who, js in participants.items():
            w, cr = _eigen(js, items, f"{node}:{who}")
            _refuse_if_inconsistent(js, w, cr, what=f"{who} on {node}", where=where, lines=lines.get(who))
            per[who] = {"weights": w, "cr": cr}
            for a, b in itertools.combinations(items, 2):
                x = js[(a, b)] if (a, b) in js else 1.0 / js[(b, a)]
                logs.setdefault((a, b), []).append(math.log(x))
        group = {pair: math.exp(sum(v) / len(v)) for pair, v in logs.items()}
        weights, cr = _eigen(group, items, node)
        _refuse_if_inconsistent(group, weights, cr, what=f"the group on {node}", where=where)
        spread = {}
        for c in items:
            ws = np.array([p["weights"][c] for p in per.values()])
            mean = float(ws.mean())
            spread[c] = {"min": float(ws.min()), "max": float(ws.max()), "cv": float(ws.std() / mean) if mean else 0.0}
        return Comparison(node, items, weights, cr, participants=per, spread=spread)
    weights, cr = _eigen(judgements or {}, items, node)
    _refuse_if_inconsistent(judgements or {}, weights, cr, what=node, where=where, lines=lines.get(""))
    return Comparison(node, items, weights, cr)


def consistency(
    items: Sequence[str], judgements: Mapping[tuple[str, str], float]
) -> tuple[dict[str, float], float, tuple[tuple[str, str], float, float]]:
    """Weights, consistency ratio and the least consistent judgement ((a, b), given, implied), without refusing:
    for a form that shows the ratio while judgements are entered."""
    weights, cr = _eigen(judgements, tuple(items), "form")
    return weights, cr, _worst(judgements, weights)


def from_comparison(system: IndexSystem, comparison: Comparison) -> AhpResult:
    """Criterion weights from one comparison of headings, sub-headings or criteria (an item's weight is split
    equally below it)."""
    weights: dict[str, float] = {}
    for item in comparison.items:
        for crit, w in _spread_down(system, item).items():
            weights[crit] = weights.get(crit, 0.0) + comparison.weights[item] * w
    return AhpResult(weights, (comparison,), source="form")


def _choices(system: IndexSystem, parent: str | None) -> tuple[str, ...]:
    """What may be compared under ``parent`` (None: the top): headings or criteria at the top, a heading's
    sub-headings or criteria, a sub-heading's criteria."""
    if parent is None:
        return (*(h.id for h in system.headings), *system.criteria)
    for h in system.headings:
        if h.id == parent:
            return (*(s.id for s in h.children), *h.criteria)
        for s in h.children:
            if s.id == parent:
                return s.criteria
    return ()


def _kind(system: IndexSystem, item: str) -> str:
    for node_id, level, _, _ in system.nodes():
        if node_id == item:
            return "一级指标" if level == "heading" else "二级指标"
    return "criteria"


def _spread_down(system: IndexSystem, item: str) -> dict[str, float]:
    """An item's weight split over its criteria: equally among sub-headings, then among their criteria."""
    for h in system.headings:
        if h.id == item:
            subs = [s for s in h.children if s.criteria]
            return {c: 1 / len(subs) / len(s.criteria) for s in subs for c in s.criteria}
        for s in h.children:
            if s.id == item:
                return {c: 1 / len(s.criteria) for c in s.criteria}
    return {item: 1.0}


def _parse_node(
    data: object, system: IndexSystem, parent: str | None, *, src: str, node: yaml.Node | None, loc: tuple[Any, ...]
) -> tuple[dict[str, float], list[Comparison]]:
    label = parent or "ahp"
    if not isinstance(data, dict):
        raise EvaluationError(
            f"{label!r} must be a mapping with 'criteria' and 'judgements'",
            where=_where(src, node, loc),
            fix="see the AHP file format in README.md",
        )
    for key in data:
        if key not in _NODE_KEYS:
            raise EvaluationError(
                f"unknown key {key!r} in {label!r}{did_you_mean(key, _NODE_KEYS)}",
                where=_where(src, node, (*loc, key)),
                fix=f"valid keys: {', '.join(_NODE_KEYS)}",
            )
    allowed = _choices(system, parent)
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        raise EvaluationError(
            f"{label!r} needs a non-empty list 'criteria'",
            where=_where(src, node, (*loc, "criteria")),
            fix="list the items compared here",
        )
    for k, item in enumerate(items):
        if str(item) not in allowed:
            raise EvaluationError(
                f"unknown criterion {item!r} in {label!r}{did_you_mean(item, allowed)}",
                where=_where(src, node, (*loc, "criteria", k)),
                fix=f"compare items of the index system here: {', '.join(dict.fromkeys(allowed))}",
            )
    names = tuple(str(i) for i in items)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise EvaluationError(
            f"{dup!r} is listed twice in {label!r}",
            where=_where(src, node, (*loc, "criteria")),
            fix="list each item once",
        )
    kinds = {_kind(system, n) for n in names}
    if len(kinds) > 1:
        raise EvaluationError(
            f"{label!r} mixes levels of the hierarchy ({', '.join(sorted(kinds))})",
            where=_where(src, node, (*loc, "criteria")),
            fix="compare items of one level (e.g. the 一级指标), and nest the next level under 'levels'",
        )
    where = _where(src, node, loc)
    if "participants" in data:
        if "judgements" in data:
            raise EvaluationError(
                f"{label!r} has both 'judgements' and 'participants'",
                where=where,
                fix="give one expert's 'judgements' or the group's 'participants', not both",
            )
        group = data["participants"]
        if not isinstance(group, list) or not group:
            raise EvaluationError(
                "'participants' must be a non-empty list of {name, judgements}",
                where=_where(src, node, (*loc, "participants")),
                fix="one entry per participant: {name: ..., judgements: [[a, b, x], ...]}",
            )
        parts: dict[str, dict[tuple[str, str], float]] = {}
        at: dict[str, dict[tuple[str, str], str]] = {}
        for p, entry in enumerate(group):
            ploc = (*loc, "participants", p)
            if not isinstance(entry, dict) or set(entry) != {"name", "judgements"}:
                raise EvaluationError(
                    f"participant {p + 1} must have exactly 'name' and 'judgements'",
                    where=_where(src, node, ploc),
                    fix="write {name: ..., judgements: [[a, b, x], ...]}",
                )
            who = str(entry["name"])
            if who in parts:
                raise EvaluationError(
                    f"participant {who!r} is listed twice", where=_where(src, node, ploc), fix="give unique names"
                )
            parts[who], at[who] = _check_judgements(
                entry["judgements"], names, src=src, node=node, loc=(*ploc, "judgements"), who=who
            )
        comp = compare(names, participants=parts, node=label, where=where, lines=at)
    else:
        js, at1 = _check_judgements(data.get("judgements", []), names, src=src, node=node, loc=(*loc, "judgements"))
        comp = compare(names, js, node=label, where=where, lines={"": at1})
    levels = data.get("levels") or {}
    if not isinstance(levels, dict):
        raise EvaluationError(
            "'levels' must map an item to its own comparison",
            where=_where(src, node, (*loc, "levels")),
            fix="e.g. levels: {factor_costs_labour: {criteria: [...], judgements: [...]}}",
        )
    weights: dict[str, float] = {}
    comparisons = [comp]
    for item in names:
        if item in levels:
            sub, more = _parse_node(levels[item], system, item, src=src, node=node, loc=(*loc, "levels", item))
            comparisons.extend(more)
        else:
            sub = _spread_down(system, item)
        for crit, w in sub.items():
            weights[crit] = weights.get(crit, 0.0) + comp.weights[item] * w
    for key in levels:
        if key not in names:
            raise EvaluationError(
                f"'levels' has {key!r}, which is not among the compared items{did_you_mean(key, names)}",
                where=_where(src, node, (*loc, "levels", key)),
                fix=f"nest levels under one of {', '.join(names)}",
            )
    return weights, comparisons


def parse_ahp(text: str, system: IndexSystem, *, where: str = "<ahp>") -> AhpResult:
    """Validate an AHP file's text against an index system and compute the weights (see README.md for the format)."""
    data, node = read_yaml(text, where)
    if not isinstance(data, dict) or set(data) != {"ahp"}:
        keys = sorted(data) if isinstance(data, dict) else []
        extra = [k for k in keys if k != "ahp"]
        hint = did_you_mean(extra[0], ["ahp"]) if extra else ""
        raise EvaluationError(
            "an AHP file must have one top-level key 'ahp'" + (f", not {extra[0]!r}{hint}" if extra else ""),
            where=_where(where, node, (extra[0],)) if extra else where,
            fix="start with `ahp: {criteria: [...], judgements: [[a, b, x], ...]}`",
        )
    weights, comparisons = _parse_node(data["ahp"], system, None, src=where, node=node, loc=("ahp",))
    total = sum(weights.values())
    return AhpResult({c: w / total for c, w in weights.items()}, tuple(comparisons), source=where)


def load_ahp(path: str | Path, system: IndexSystem) -> AhpResult:
    """Load an AHP judgements file and compute its weights."""
    return parse_ahp(read_text(path, "AHP file"), system, where=str(path))
