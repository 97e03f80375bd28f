"""Weights from the data (entropy, CRITIC), their combination with expert weights, and the ranking methods
(weighted sum, TOPSIS, VIKOR) over a normalised site x criterion matrix (0..1, 1 = best, NaN = unknown)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pymcdm import methods as mcdm
from pymcdm import weights as mcdm_weights
from scipy import stats

from transfer.scoring import NEUTRAL

__all__ = [
    "METHODS",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "rank_agreement",
    "ranks",
    "score",
    "topsis",
    "vikor",
    "weighted_sum",
]

METHODS = ("wsum", "topsis", "vikor")
Method = Literal["wsum", "topsis", "vikor"]


def _filled(matrix: pd.DataFrame) -> np.ndarray:
    """Unknown values count as neutral (0.5), the matcher's rule."""
    x = matrix.to_numpy(dtype=float)
    return np.where(np.isfinite(x), x, NEUTRAL)


def _spread(x: np.ndarray) -> np.ndarray:
    """Columns with any spread (a constant column cannot tell sites apart)."""
    return np.ptp(x, axis=0) > 1e-12


def entropy_weights(matrix: pd.DataFrame) -> pd.Series:
    """Entropy weights: p_ij = x_ij / sum_i x_ij, e_j = -sum_i p_ij ln p_ij / ln m (0 ln 0 = 0), w_j ∝ 1 - e_j.

    Written here rather than called from pymcdm: its ``entropy_weights`` sets e_j = 0 for any column holding a
    zero, and every min-max scaled column holds one, so all weights would come out equal.
    """
    x = _filled(matrix)
    m = x.shape[0]
    col = x.sum(axis=0)
    p = np.divide(x, col, out=np.zeros_like(x), where=col > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(m) if m > 1 else np.ones(x.shape[1])
    d = np.where(_spread(x), 1.0 - e, 0.0)
    w = d / d.sum() if d.sum() > 0 else np.full(len(d), 1 / len(d))
    return pd.Series(w, index=matrix.columns, name="weight")


def critic_weights(matrix: pd.DataFrame) -> pd.Series:
    """CRITIC weights (Diakoulaki et al. 1995, by pymcdm): a criterion's standard deviation times its sum of
    (1 - correlation) with the others; a constant criterion gets 0."""
    x = _filled(matrix)
    keep = _spread(x)
    w = np.zeros(x.shape[1])
    if keep.sum() >= 2:
        w[keep] = mcdm_weights.critic_weights(x[:, keep])
    elif keep.sum() == 1:
        w[keep] = 1.0
    return pd.Series(w, index=matrix.columns, name="weight")


def combine_weights(
    subjective: Mapping[str, float],
    objective: Mapping[str, float],
    *,
    alpha: float = 0.5,
    how: Literal["linear", "multiplicative"] = "linear",
) -> pd.Series:
    """Subjective (expert) and objective (data) weights in one: ``alpha`` x subjective + (1 - alpha) x objective,
    or the normalised product (multiplicative; ``alpha`` unused)."""
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be within 0..1, got {alpha}")
    keys = list(dict.fromkeys([*subjective, *objective]))
    s = pd.Series({k: float(subjective.get(k, 0.0)) for k in keys})
    o = pd.Series({k: float(objective.get(k, 0.0)) for k in keys})
    s, o = s / s.sum(), o / o.sum()
    w = s * o if how == "multiplicative" else alpha * s + (1 - alpha) * o
    if w.sum() <= 0:
        raise ValueError("the subjective and objective weights share no criterion")
    return (w / w.sum()).rename("weight")


def weighted_sum(matrix: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Sum of weight x normalised value (unknown = 0.5), the matcher's score."""
    w = weights.reindex(matrix.columns).fillna(0.0).to_numpy()
    return pd.Series(_filled(matrix) @ (w / w.sum()), index=matrix.index, name="score")


def _pymcdm(matrix: pd.DataFrame, weights: pd.Series, method: object) -> np.ndarray:
    x = _filled(matrix)
    w = weights.reindex(matrix.columns).fillna(0.0).to_numpy()
    keep = _spread(x) & (w > 0)  # pymcdm refuses constant columns; they cannot change an order anyway
    w = w[keep] / w[keep].sum()
    with warnings.catch_warnings():
        # pymcdm warns when one site dominates (or is dominated by) all others: advice, not a fault of the data
        warnings.filterwarnings("ignore", message="Alternatives with indices", category=UserWarning)
        return np.asarray(method(x[:, keep], w, np.ones(int(keep.sum()))), dtype=float)  # type: ignore[operator]


def topsis(matrix: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """TOPSIS closeness to the ideal site (pymcdm, min-max normalised; higher is better)."""
    return pd.Series(_pymcdm(matrix, weights, mcdm.TOPSIS()), index=matrix.index, name="score")


def vikor(matrix: pd.DataFrame, weights: pd.Series, *, v: float = 0.5) -> pd.Series:
    """VIKOR as 1 - Q (pymcdm's compromise index Q, lower is better, turned so that higher is better)."""
    q = _pymcdm(matrix, weights, mcdm.VIKOR(v=v))
    return pd.Series(1.0 - q, index=matrix.index, name="score")


def score(matrix: pd.DataFrame, weights: pd.Series, method: Method) -> pd.Series:
    """The sites' scores by one method (higher is better)."""
    if method == "topsis":
        return topsis(matrix, weights)
    if method == "vikor":
        return vikor(matrix, weights)
    return weighted_sum(matrix, weights)


def ranks(scores: pd.Series) -> pd.Series:
    """Rank 1 = best; ties share the better rank."""
    return scores.rank(ascending=False, method="min").astype(int).rename("rank")


def rank_agreement(rankings: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau and Spearman's rho (scipy.stats) between every pair of rankings (columns)."""
    rows = []
    cols = list(rankings.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            tau = stats.kendalltau(rankings[a], rankings[b])
            rho = stats.spearmanr(rankings[a], rankings[b])
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "kendall_tau": float(tau.statistic),
                    "kendall_p": float(tau.pvalue),
                    "spearman_rho": float(rho.statistic),
                    "spearman_p": float(rho.pvalue),
                }
            )
    return pd.DataFrame(rows)
