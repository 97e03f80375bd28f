"""Evaluate every site with an index system: normalised criteria, weights, one method, sub-scores per 一级指标."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.evaluation.ahp import AhpResult
from transfer.evaluation.index import IndexSystem
from transfer.evaluation.methods import (
    METHODS,
    Method,
    combine_weights,
    critic_weights,
    entropy_weights,
    rank_agreement,
    ranks,
    score,
)
from transfer.scoring import DIRECTION, NEUTRAL, SIZE_CRITERIA, ScoringOptions, normalise
from transfer.sitetable import SiteTable

__all__ = [
    "WEIGHTINGS",
    "Evaluation",
    "MethodComparison",
    "compare_methods",
    "criteria_matrix",
    "equal_weights",
    "evaluate",
    "sub_scores",
]

WEIGHTINGS = ("equal", "ahp", "entropy", "critic", "combined")
Weighting = Literal["equal", "ahp", "entropy", "critic", "combined"]


@dataclass(frozen=True)
class Evaluation:
    """Ranks, scores and per-一级指标 sub-scores of every site, with what was (and was not) measured.

    ``table`` columns: rank, adcode, name_zh, name_en, province, score, then one sub-score column per heading id
    (weighted mean of its normalised criteria, 0..1; NaN for a heading without data or weight). ``unavailable``:
    criteria of the index system the site table does not have; ``empty``: headings and sub-headings left without
    any criterion by that.
    """

    system: IndexSystem
    method: str
    weighting: str
    weights: pd.Series  # criterion -> weight over the available criteria (sums to 1)
    table: pd.DataFrame
    normalised: pd.DataFrame  # site (adcode) x criterion, 0..1, NaN unknown
    unavailable: tuple[str, ...]
    empty: tuple[str, ...]
    ahp: AhpResult | None = None
    notes: tuple[str, ...] = ()
    unknown: Mapping[str, int] = field(default_factory=dict)  # criterion -> sites without a value


def criteria_matrix(
    table: SiteTable, system: IndexSystem, *, options: ScoringOptions | None = None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The index system's criteria normalised as the matcher does (winsorised min-max, log for sizes, flipped
    where lower is better, NaN unknown), and the criteria the site table does not have."""
    opts = options or ScoringOptions()
    vals = table.values
    have = [c for c in system.criteria if c in vals.columns]
    missing = tuple(c for c in system.criteria if c not in vals.columns)
    cols = {
        c: normalise(vals[c], DIRECTION[c], winsor=opts.winsor, log=opts.size_transform == "log" and c in SIZE_CRITERIA)
        for c in have
    }
    matrix = pd.DataFrame(cols, index=vals.index)
    matrix.index.name = C.ADCODE
    return matrix, missing


def equal_weights(system: IndexSystem, available: Sequence[str]) -> pd.Series:
    """Equal at every level: each 一级指标 with data the same share, split equally among its 二级指标 with data,
    then among their criteria."""
    avail = set(available)
    heads = [h for h in system.headings if any(c in avail for c in h.criteria)]
    w: dict[str, float] = {}
    for h in heads:
        subs = [s for s in h.children if any(c in avail for c in s.criteria)]
        for s in subs:
            crits = [c for c in s.criteria if c in avail]
            for c in crits:
                w[c] = 1 / len(heads) / len(subs) / len(crits)
    return pd.Series(w, name="weight").reindex(list(available)).fillna(0.0)


def _restricted(weights: Mapping[str, float], available: Sequence[str]) -> tuple[pd.Series, list[str]]:
    """Weights over the available criteria (renormalised), and the weighted criteria that are not available."""
    dropped = [c for c, v in weights.items() if v > 0 and c not in available]
    w = pd.Series({c: float(weights.get(c, 0.0)) for c in available}, name="weight")
    if w.sum() <= 0:
        raise ValueError("no weighted criterion has data")
    return w / w.sum(), dropped


def sub_scores(matrix: pd.DataFrame, weights: pd.Series, system: IndexSystem) -> pd.DataFrame:
    """Per 一级指标: the weighted mean of its normalised criteria (unknown = 0.5); NaN where it has no weight."""
    x = matrix.where(matrix.notna(), NEUTRAL)
    out = {}
    for h in system.headings:
        crits = [c for c in h.criteria if c in matrix.columns and weights.get(c, 0.0) > 0]
        if not crits:
            out[h.id] = pd.Series(np.nan, index=matrix.index)
            continue
        w = weights[crits]
        out[h.id] = (x[crits] * w).sum(axis=1) / w.sum()
    return pd.DataFrame(out, index=matrix.index)


def _weights(
    weighting: Weighting,
    matrix: pd.DataFrame,
    system: IndexSystem,
    ahp: AhpResult | None,
    *,
    alpha: float,
    objective: Literal["entropy", "critic"],
) -> tuple[pd.Series, list[str]]:
    available = list(matrix.columns)
    notes: list[str] = []
    if weighting in ("ahp", "combined") and ahp is not None:
        subjective, dropped = _restricted(ahp.weights, available)
        if dropped:
            notes.append(
                "AHP weight on criteria without data was left out and the rest renormalised: " + ", ".join(dropped)
            )
    else:
        subjective = equal_weights(system, available)
    if weighting == "ahp":
        if ahp is None:
            raise ValueError("AHP weights need an AHP file")
        return subjective, notes
    if weighting == "entropy":
        return entropy_weights(matrix), notes
    if weighting == "critic":
        return critic_weights(matrix), notes
    if weighting == "combined":
        obj = entropy_weights(matrix) if objective == "entropy" else critic_weights(matrix)
        label = "AHP" if ahp is not None else "equal"
        notes.append(f"combined weights = {alpha:g} x {label} + {1 - alpha:g} x {objective}")
        return combine_weights(subjective.to_dict(), obj.to_dict(), alpha=alpha), notes
    return subjective, notes


def evaluate(
    table: SiteTable,
    system: IndexSystem,
    *,
    weighting: Weighting = "equal",
    ahp: AhpResult | None = None,
    method: Method = "wsum",
    alpha: float = 0.5,
    objective: Literal["entropy", "critic"] = "entropy",
    options: ScoringOptions | None = None,
) -> Evaluation:
    """Rank every site of ``table`` with ``system``.

    Parameters
    ----------
    weighting
        "equal" (equal at every level), "ahp" (needs ``ahp``), "entropy" or "critic" (from the data), "combined"
        (``alpha`` x AHP, or equal without an AHP file, + (1 - ``alpha``) x the ``objective`` weights).
    method
        "wsum" (the matcher's weighted sum), "topsis" or "vikor" (by pymcdm, on the same normalised values).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    matrix, unavailable = criteria_matrix(table, system, options=options)
    weights, notes = _weights(weighting, matrix, system, ahp, alpha=alpha, objective=objective)
    scores = score(matrix, weights, method)
    subs = sub_scores(matrix, weights, system)
    sites = table.sites
    out = pd.DataFrame(
        {
            "rank": ranks(scores),
            C.ADCODE: matrix.index,
            C.NAME_ZH: sites[C.NAME_ZH].reindex(matrix.index),
            C.NAME_EN: sites[C.NAME_EN].reindex(matrix.index),
            C.PROVINCE: sites[C.PROVINCE].reindex(matrix.index),
            "score": scores.round(4),
        },
        index=matrix.index,
    )
    out = pd.concat([out, subs.round(4)], axis=1).reset_index(drop=True).sort_values(["rank", C.ADCODE])
    out = out.reset_index(drop=True)
    empty = tuple(node_id for node_id, _, _, crits in system.nodes() if not any(c in matrix.columns for c in crits))
    if unavailable:
        notes.append("not in the site table (industry-specific or no data), not evaluated: " + ", ".join(unavailable))
    if empty:
        notes.append("headings without any criterion with data: " + ", ".join(empty))
    unknown = {c: int(matrix[c].isna().sum()) for c in matrix.columns if matrix[c].isna().any()}
    if unknown:
        parts = ", ".join(f"{c} ({n} sites)" for c, n in unknown.items())
        notes.append(f"unknown values count as neutral (0.5): {parts}")
    return Evaluation(
        system=system,
        method=method,
        weighting=weighting,
        weights=weights,
        table=out,
        normalised=matrix,
        unavailable=unavailable,
        empty=empty,
        ahp=ahp,
        notes=tuple(notes),
        unknown=unknown,
    )


@dataclass(frozen=True)
class MethodComparison:
    """The rank of every site under each method, their agreement, and the sites whose rank differs most."""

    ranks: pd.DataFrame  # adcode, name_zh, name_en, province, rank_<method> ..., rank_range
    agreement: pd.DataFrame  # a, b, kendall_tau, kendall_p, spearman_rho, spearman_p
    most_different: pd.DataFrame  # the rows of `ranks` with the largest rank_range


def compare_methods(
    evaluation: Evaluation, *, methods: Sequence[Method] = ("wsum", "topsis", "vikor"), top: int = 10
) -> MethodComparison:
    """Rank with each method under the evaluation's weights, and compare the rankings."""
    m, w = evaluation.normalised, evaluation.weights
    ranked = pd.DataFrame({f"rank_{k}": ranks(score(m, w, k)) for k in methods}, index=m.index)
    meta = evaluation.table.set_index(C.ADCODE)[[C.NAME_ZH, C.NAME_EN, C.PROVINCE]].reindex(m.index)
    frame = pd.concat([meta, ranked], axis=1)
    frame["rank_range"] = ranked.max(axis=1) - ranked.min(axis=1)
    frame = frame.reset_index().sort_values(f"rank_{methods[0]}", kind="mergesort").reset_index(drop=True)
    agreement = rank_agreement(ranked.rename(columns=lambda c: c.removeprefix("rank_")))
    most = frame.sort_values(["rank_range", f"rank_{methods[0]}"], ascending=[False, True]).head(top)
    return MethodComparison(frame, agreement, most.reset_index(drop=True))
