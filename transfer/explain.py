"""Why a site ranks where it does for one industry, and what single change would bring it into the top K.

``what_it_takes`` is computed by the engine: each candidate change is applied to a copy of the site table, the
industry is scored again with the same weights and options, and a bisection on the raw value finds the smallest
change (in the criterion's own unit) that puts the site into the top K. Nothing is estimated from the weights alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.errors import UnknownNameError
from transfer.i18n import render_reason
from transfer.industries import CRITERIA, IndustryCatalogue
from transfer.scoring import ScoreResult
from transfer.sitetable import BONDED_INDEX_CAP, SiteTable

__all__ = ["Explanation", "Lever", "explain", "format_value", "site_rank"]

UNITS = {c.id: c.unit for c in CRITERIA}
DIRECTION = {c.id: c.direction for c in CRITERIA}
# criteria that are designations or facts of nature, not levers a site can pull
NOT_LEVERS = {"eco_pressure": "not a lever: a national ecological designation"}
# step used to round a suggested change (in the criterion's unit), rounded in the site's favour
_STEP = {
    "persons": 1000.0,
    "CNY/TEU": 10.0,
    "CNY/year": 100.0,
    "CNY/month": 10.0,
    "h": 0.1,
    "share": 0.001,
    "years": 0.01,
    "index": 1.0,
    "count": 1.0,
}


def format_value(v: float | None, unit: str) -> str:
    """A raw criterion value as text in its unit's precision ("" when unknown)."""
    if v is None or not np.isfinite(v):
        return ""
    if unit in ("persons", "CNY/year", "CNY/TEU", "CNY/month", "count") or (unit == "index" and abs(v) >= 100):
        return f"{v:,.0f}"
    if unit == "h":
        return f"{v:,.1f}"
    return f"{v:,.3f}" if unit == "share" else f"{v:,.2f}"


@dataclass(frozen=True)
class Lever:
    """One single-criterion change and whether it brings the site into the top K."""

    criterion: str
    kind: str  # "continuous" or "discrete"
    current: float | None
    needed: float | None  # raw value after the change (None when no value of this criterion is enough)
    change: float | None  # needed - current, in the criterion's unit
    unit: str
    feasible: bool
    new_rank: int | None
    note: str = ""  # English text (note_code + the i18n key "lever.<code>" give it in other languages)
    note_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Explanation:
    """Rank, score and contributions of one (industry, site) pair, the rules that exclude it, and the levers."""

    industry: str
    site: int
    name_zh: str
    top_k: int
    eligible: bool
    rank: int | None  # among eligible sites (None when ineligible)
    n_eligible: int
    score: float
    threshold: float | None  # score of the K-th eligible site (the site itself excluded)
    contributions: dict[str, float]
    exclusions: tuple[str, ...]
    what_it_takes: tuple[Lever, ...]

    @property
    def single_change_possible(self) -> bool:
        return any(lever.feasible for lever in self.what_it_takes)

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["what_it_takes"] = [lv.as_dict() for lv in self.what_it_takes]
        d["single_change_possible"] = self.single_change_possible
        return d


def site_rank(result: ScoreResult, industry: str, site: int) -> tuple[int | None, int]:
    """Rank of a site among the eligible sites of one industry (1 = best) and the number of eligible sites."""
    sc = result.scores.loc[industry]
    el = result.eligible.loc[industry]
    n = int(el.sum())
    if not bool(el.get(site, False)):
        return None, n
    better = int((sc[el] > sc[site] + 1e-12).sum())
    return better + 1, n


class _FastRank:
    """Rank of one site for one industry after one raw value changes, re-scored like :func:`transfer.scoring.score`
    but only for the changed criterion's column (the others keep their normalised values).

    Calling it returns ``(in the top K?, new rank)``. Tests check it against a full :func:`score` of the changed
    table.
    """

    def __init__(
        self, table: SiteTable, result: ScoreResult, catalogue: IndustryCatalogue, industry: str, site: int, k: int
    ) -> None:
        self.table, self.result, self.site, self.k = table, result, site, k
        self.i = result.industries.index(industry)
        self.s = result.site_ids.index(site)
        self.N0 = result.normalised[self.i]
        self.W = result.weights[self.i]
        self.el0 = result.eligible.loc[industry].to_numpy(dtype=bool)
        excluded = result.exclusions.get((industry, site), ())
        self.only_bonded = bool(excluded) and all(r.code == "needs_bonded_zone" for r in excluded)
        self.profile = catalogue.get(industry)
        self.index = pd.Index(result.site_ids)

    def _column(self, crit: str, value: float) -> np.ndarray:
        from transfer.scoring import SIZE_CRITERIA, _origin_cost, normalise

        opts = self.result.options
        if crit == "cluster_fit":
            col = self.N0[:, self.result.criteria.index(crit)].copy()
            col[self.s] = 1.0 if value >= 1 else 0.0
            return col
        if crit == "origin_cost":
            series = _origin_cost(self.table, self.profile).reindex(self.index).astype(float)
            current = float(self.table.origin_costs.loc[self.site].mean())
            series.loc[self.site] = series.loc[self.site] + (value - current)
            return normalise(series, "min", winsor=opts.winsor).to_numpy()
        vals = pd.to_numeric(self.table.values[crit], errors="coerce").reindex(self.index).astype(float).copy()
        vals.loc[self.site] = value
        log = opts.size_transform == "log" and crit in SIZE_CRITERIA
        return normalise(vals, DIRECTION[crit], winsor=opts.winsor, log=log).to_numpy()

    def __call__(self, crit: str, value: float) -> tuple[bool, int | None]:
        from transfer.scoring import NEUTRAL

        N = self.N0.copy()
        N[:, self.result.criteria.index(crit)] = self._column(crit, value)
        el = self.el0.copy()
        if crit == "bonded_zone" and value >= 1 and self.only_bonded:
            el[self.s] = True
        missing = ~np.isfinite(N)
        if self.result.options.missing == "neutral":
            scores = np.where(missing, NEUTRAL, N) @ self.W
        else:
            w = np.where(missing, 0.0, self.W[None, :])
            tot = w.sum(axis=1, keepdims=True)
            w = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
            scores = (w * np.where(missing, 0.0, N)).sum(axis=1)
        if self.result.bonus is not None:
            scores = scores + self.result.bonus
        if not el[self.s]:
            return False, None
        rank = int((scores[el] > scores[self.s] + 1e-12).sum()) + 1
        return rank <= self.k, rank


def _with_value(table: SiteTable, site: int, criterion: str, value: float, industry: str) -> SiteTable:
    """A copy of the table with one raw value of one site changed (the input is not modified)."""
    if criterion == "origin_cost":
        oc = table.origin_costs.copy()
        current = float(oc.loc[site].mean()) if oc.shape[1] else np.nan
        oc.loc[site] = oc.loc[site] + (value - current)
        return dataclasses.replace(table, origin_costs=oc)
    if criterion == "cluster_fit":
        cl = table.clusters.copy()
        if industry not in cl.columns:
            cl[industry] = 0
        cl.loc[site, industry] = 1 if value >= 1 else 0
        return dataclasses.replace(table, clusters=cl)
    vals = table.values.copy()
    vals.loc[site, criterion] = value
    if criterion == "bonded_zone":
        sites = table.sites.copy()
        sites.loc[site, "has_full_bonded_zone"] = bool(sites.loc[site, "has_full_bonded_zone"]) or value >= 1
        return dataclasses.replace(table, values=vals, sites=sites)
    return dataclasses.replace(table, values=vals)


def _current(table: SiteTable, result: ScoreResult, criterion: str, site: int, industry: str) -> float:
    if criterion == "origin_cost":
        row = table.origin_costs.loc[site] if site in table.origin_costs.index else pd.Series(dtype=float)
        return float(row.mean()) if len(row) else float("nan")
    if criterion == "cluster_fit":
        i = result.industries.index(industry)
        k = result.criteria.index("cluster_fit")
        return float(result.normalised[i, result.site_ids.index(site), k])
    return float(pd.to_numeric(table.values.at[site, criterion], errors="coerce"))


def explain(
    table: SiteTable,
    result: ScoreResult,
    catalogue: IndustryCatalogue,
    industry: str,
    site: int,
    *,
    top_k: int = 10,
    lang: str = "en",
) -> Explanation:
    """Explain one pair and find, criterion by criterion, the smallest change that brings the site into the top K.

    Parameters
    ----------
    table, result
        The site table and the score result of the same run (``RunResult.table`` and ``RunResult.scores``).
    catalogue
        Industry profiles used for that run (re-scoring uses the run's own weights and options, kept in ``result``).
    """
    if industry not in result.industries:
        result._i(industry)  # raises UnknownNameError with suggestions
    if site not in result.site_ids:
        raise UnknownNameError(f"site {site} is not in this score table", fix="use `transfer sites` to list sites")
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    i = result.industries.index(industry)
    s = result.site_ids.index(site)
    rank, n_el = site_rank(result, industry, site)
    sc = result.scores.loc[industry]
    el = result.eligible.loc[industry]
    others = sc[el & (sc.index != site)].sort_values(ascending=False)
    threshold = float(others.iloc[top_k - 1]) if len(others) >= top_k else None
    contrib = {c: float(result.contributions[i, s, k]) for k, c in enumerate(result.criteria)}
    exclusions = tuple(render_reason(r, lang) for r in result.exclusions.get((industry, site), ()))

    in_top = _FastRank(table, result, catalogue, industry, site, top_k)

    levers: list[Lever] = []
    if rank is not None and rank <= top_k:
        return Explanation(
            industry, site, str(table.sites.at[site, C.NAME_ZH]), top_k, True, rank, n_el,
            float(sc[site]), threshold, contrib, exclusions, (),
        )  # fmt: skip
    w = result.weights[i]
    for k, crit in enumerate(result.criteria):
        unit = UNITS.get(crit, "")
        if w[k] <= 0:
            continue
        if crit in NOT_LEVERS:
            levers.append(Lever(crit, "discrete", None, None, None, unit, False, None, NOT_LEVERS[crit], "not_lever"))
            continue
        current = _current(table, result, crit, site, industry)
        if crit in ("bonded_zone", "policy_support", "dev_zones", "cluster_fit"):
            levers.append(_discrete(table, crit, current, site, industry, in_top, unit))
        else:
            levers.append(_continuous(table, result, crit, current, site, industry, in_top, unit))
    return Explanation(
        industry, site, str(table.sites.at[site, C.NAME_ZH]), top_k, bool(el.get(site, False)), rank, n_el,
        float(sc[site]), threshold, contrib, exclusions, tuple(levers),
    )  # fmt: skip


def _discrete(table, crit, current, site, industry, in_top, unit) -> Lever:
    cur = 0.0 if not np.isfinite(current) else current
    if crit == "bonded_zone":
        if cur >= BONDED_INDEX_CAP:  # the index is capped: another zone changes nothing
            return Lever(crit, "discrete", current, None, None, unit, False, None, "already at the cap", "already_best")
        steps = [min(cur + 1.0, BONDED_INDEX_CAP)]
        note, code = "a comprehensive bonded zone (综合保税区)", "bonded"
    elif crit == "cluster_fit":
        steps = [1.0] if cur < 1 else []
        note, code = "a named cluster of this industry in the prefecture", "cluster"
    elif crit == "policy_support":
        steps = [cur + 1.0, cur + 2.0]
        note = "one more national designation per step (key receiving site, processing-trade park, demo zone)"
        code = "designation"
    else:
        top = float(pd.to_numeric(table.values[crit], errors="coerce").max())
        steps = [cur + n for n in range(1, int(max(top - cur, 0)) + 2)]
        note, code = "one more national development zone per step", "dev_zone"
    for v in steps:
        ok, rk = in_top(crit, v)
        if ok:
            return Lever(crit, "discrete", current, v, v - cur, unit, True, rk, note, code)
    return Lever(
        crit, "discrete", current, None, None, unit, False, None, note + ": not enough on its own", code + "_no"
    )


def _continuous(table, result, crit, current, site, industry, in_top, unit) -> Lever:
    direction = DIRECTION.get(crit, "max")
    if crit == "origin_cost":
        col = table.origin_costs.mean(axis=1)
    else:
        col = pd.to_numeric(table.values[crit], errors="coerce")
    col = col.drop(index=site, errors="ignore").dropna()
    if col.empty:
        return Lever(crit, "continuous", None, None, None, unit, False, None, "no other site has a value", "no_values")
    best = float(col.max() if direction == "max" else col.min())
    if not np.isfinite(current):
        current_f = float(col.median())
        note = "unknown today; search starts from the median of the other sites"
    else:
        current_f = current
        note = ""
    if (direction == "max" and current_f >= best) or (direction == "min" and current_f <= best):
        return Lever(
            crit,
            "continuous",
            current,
            None,
            None,
            unit,
            False,
            None,
            "already the best of all sites: no room to improve",
            "already_best",
        )
    ok, _ = in_top(crit, best)
    if not ok:
        return Lever(
            crit, "continuous", current, None, None, unit, False, None,
            (note + "; " if note else "") + "not enough on its own, even at the best value of any site",
            "best_not_enough",
        )  # fmt: skip
    lo, hi = current_f, best  # lo fails, hi succeeds
    for _ in range(40):
        mid = (lo + hi) / 2
        if in_top(crit, mid)[0]:
            hi = mid
        else:
            lo = mid
        # stop at a quarter of the rounding step, or at 0.2 % of the searched range for wide ranges
        if abs(hi - lo) <= max(_STEP.get(unit, 1e-3) / 4, 0.002 * abs(best - current_f)):
            break
    step = _STEP.get(unit, 1e-3)
    needed = float(np.ceil(hi / step) * step) if direction == "max" else float(np.floor(hi / step) * step)
    ok, rk = in_top(crit, needed)
    if not ok:  # rounding lost it: take the exact bisection bound
        needed = hi
        ok, rk = in_top(crit, needed)
    code = "unknown_start" if note else ""
    return Lever(crit, "continuous", current, needed, needed - current_f, unit, ok, rk, note, code)
