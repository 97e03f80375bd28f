"""Explainable suitability scores: normalised criteria, weighted sums, contributions, eligibility with reasons."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.errors import ScenarioError, UnknownNameError
from transfer.industries import CRITERIA, CRITERION_IDS, IndustryCatalogue, IndustryProfile
from transfer.sitetable import ECO_RESTRICTED_SHARE, SiteTable

__all__ = [
    "NORMALISATION",
    "ScoreResult",
    "ScoringOptions",
    "normalise",
    "robustness",
    "score",
]

DIRECTION = {c.id: c.direction for c in CRITERIA}
LABEL_EN = {
    "bonded_zone": "bonded zone",
    "sea_cost": "cost to sea gateway",
    "origin_cost": "cost to origin clusters",
    "crex_time": "time to CR Express centre",
    "air_time": "time to cargo airport",
    "market_access": "domestic market access",
    "labour_pool": "labour pool",
    "wage": "wage level",
    "policy_support": "policy designations",
    "dev_zones": "national development zones",
    "eco_pressure": "ecological pressure",
}
_SHORT = {c.id: LABEL_EN.get(c.id, c.label_en) for c in CRITERIA}

LABEL_ZH = {c.id: c.label_zh for c in CRITERIA}
NEUTRAL = 0.5
NORMALISATION = (
    "winsorised min-max: values are clipped to the [p, 1-p] quantiles over all sites (p = winsor), scaled to 0..1, "
    "and flipped for criteria where lower is better; a criterion with no spread scores 0.5 everywhere"
)


@dataclass(frozen=True)
class ScoringOptions:
    """How criteria are normalised, how missing values are treated, and which hard rules apply.

    Parameters
    ----------
    missing
        "neutral": an unknown value scores 0.5 and is flagged; "exclude": the site's weights are renormalised over
        the criteria it has.
    winsor
        Quantile clipped at both ends before min-max scaling (0 = plain min-max).
    eco_restricted_share
        A site whose share of counties in national key ecological function zones exceeds this counts as an
        ecologically restricted area (两高一资 industries are banned there).
    eco_unknown_blocks_two_high
        Treat unknown ecological status as restricted for 两高一资 industries (precautionary rule).
    exclude_provinces
        Province names (zh) or adcodes where no industry may go in this run.
    """

    missing: Literal["neutral", "exclude"] = "neutral"
    winsor: float = 0.05
    eco_restricted_share: float = ECO_RESTRICTED_SHARE
    eco_unknown_blocks_two_high: bool = False
    exclude_provinces: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class ScoreResult:
    """Scores of every industry at every site, with the parts that explain them.

    ``contributions[i, s, c]`` is weight x normalised value; summed over c it gives ``score``.
    """

    industries: tuple[str, ...]
    site_ids: tuple[int, ...]
    criteria: tuple[str, ...]
    weights: np.ndarray  # (n_industry, n_criterion), rows sum to 1
    normalised: np.ndarray  # (n_industry, n_site, n_criterion) in 0..1, NaN where unknown
    contributions: np.ndarray  # (n_industry, n_site, n_criterion)
    scores: pd.DataFrame  # industry x site
    eligible: pd.DataFrame  # industry x site, bool
    reasons: Mapping[tuple[str, int], tuple[str, ...]]  # why a pair is ineligible
    sites: pd.DataFrame  # site attributes (index adcode)
    raw: pd.DataFrame  # raw criterion values (index adcode), origin_cost per industry excluded
    options: ScoringOptions = field(default_factory=ScoringOptions)
    notes: tuple[str, ...] = ()

    def _i(self, industry: str) -> int:
        try:
            return self.industries.index(industry)
        except ValueError:
            import difflib

            raise UnknownNameError(
                f"unknown industry {industry!r}",
                suggestions=difflib.get_close_matches(industry, self.industries, n=3),
                fix=f"use one of {', '.join(self.industries)}",
            ) from None

    def contributions_frame(self, industry: str) -> pd.DataFrame:
        """Per-criterion contributions (site x criterion) for one industry; rows sum to the score."""
        return pd.DataFrame(
            self.contributions[self._i(industry)], index=pd.Index(self.site_ids, name=C.ADCODE), columns=self.criteria
        )

    def normalised_frame(self, industry: str) -> pd.DataFrame:
        """Normalised criterion values (site x criterion, 0..1, NaN unknown) as seen by one industry."""
        return pd.DataFrame(
            self.normalised[self._i(industry)], index=pd.Index(self.site_ids, name=C.ADCODE), columns=self.criteria
        )

    def explain(self, industry: str, site: int, *, n: int = 3) -> list[str]:
        """Plain-language reasons for one pair: exclusions first, then strengths, a weakness, unknown data."""
        i = self._i(industry)
        s = self.site_ids.index(int(site))
        out = list(self.reasons.get((industry, int(site)), ()))
        contrib = self.contributions[i, s]
        norm = self.normalised[i, s]
        w = self.weights[i]
        order = np.argsort(-contrib)
        strengths = [
            f"good {_SHORT[self.criteria[c]]} ({norm[c]:.2f} × weight {w[c]:.2f} = +{contrib[c]:.3f})"
            for c in order[:n]
            if w[c] > 0 and np.isfinite(norm[c]) and norm[c] >= 0.6
        ]
        out.extend(strengths)
        weak = [c for c in np.argsort(norm) if w[c] >= 0.05 and np.isfinite(norm[c]) and norm[c] <= 0.3]
        if weak:
            c = weak[0]
            out.append(f"poor {_SHORT[self.criteria[c]]} ({norm[c]:.2f}, weight {w[c]:.2f})")
        unknown = [self.criteria[c] for c in range(len(self.criteria)) if w[c] > 0 and not np.isfinite(norm[c])]
        if unknown:
            how = "scored neutral 0.5" if self.options.missing == "neutral" else "left out of the weights"
            out.append(f"unknown data ({how}): {', '.join(unknown)}")
        return out

    def shortlist(self, industry: str, *, top: int = 10, eligible_only: bool = True) -> pd.DataFrame:
        """Top sites for one industry with rank, score, eligibility, reasons and contributions."""
        i = self._i(industry)
        sc = self.scores.loc[industry]
        el = self.eligible.loc[industry]
        order = sc[el].sort_values(ascending=False) if eligible_only else sc.sort_values(ascending=False)
        ids = list(order.index[:top])
        return self._rows(i, industry, ids, rank_base=1)

    def _rows(self, i: int, industry: str, ids: Sequence[int], *, rank_base: int) -> pd.DataFrame:
        rows = []
        for r, site in enumerate(ids):
            s = self.site_ids.index(int(site))
            meta = self.sites.loc[site]
            rows.append(
                {
                    "rank": r + rank_base,
                    "industry": industry,
                    C.ADCODE: int(site),
                    C.NAME_ZH: meta[C.NAME_ZH],
                    C.NAME_EN: meta[C.NAME_EN],
                    C.PROVINCE: meta[C.PROVINCE],
                    C.REGION: meta[C.REGION],
                    "score": round(float(self.scores.iat[i, s]), 4),
                    "eligible": bool(self.eligible.iat[i, s]),
                    "reasons": self.explain(industry, int(site)),
                    "contributions": {
                        c: round(float(self.contributions[i, s, k]), 4) for k, c in enumerate(self.criteria)
                    },
                }
            )
        return pd.DataFrame(rows)

    def site_profile(self, site: int, *, top: int | None = None, eligible_only: bool = False) -> pd.DataFrame:
        """Industries ranked for one site (the investment promotion view: whom to court)."""
        site = int(site)
        if site not in self.site_ids:
            raise UnknownNameError(f"site {site} is not in this score table", fix="use `transfer sites` to list sites")
        s = self.site_ids.index(site)
        col = self.scores.iloc[:, s]
        el = self.eligible.iloc[:, s]
        order = col[el].sort_values(ascending=False) if eligible_only else col.sort_values(ascending=False)
        # eligible industries first, each group by score
        order = pd.concat([order[el[order.index]], order[~el[order.index]]])
        inds = list(order.index[: top if top is not None else len(order)])
        rows = []
        for r, ind in enumerate(inds):
            i = self.industries.index(ind)
            rows.append(
                {
                    "rank": r + 1,
                    "industry": ind,
                    C.ADCODE: site,
                    "score": round(float(self.scores.iat[i, s]), 4),
                    "eligible": bool(self.eligible.iat[i, s]),
                    "reasons": self.explain(ind, site),
                    "contributions": {
                        c: round(float(self.contributions[i, s, k]), 4) for k, c in enumerate(self.criteria)
                    },
                }
            )
        return pd.DataFrame(rows)


def normalise(values: pd.Series, direction: str, *, winsor: float = 0.05) -> pd.Series:
    """Scale one criterion to 0..1 (1 = best) by winsorised min-max; NaN stays NaN."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    finite = v.dropna()
    if finite.empty:
        return v
    lo = float(finite.quantile(winsor)) if winsor > 0 else float(finite.min())
    hi = float(finite.quantile(1 - winsor)) if winsor > 0 else float(finite.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        # no spread after clipping: fall back to the full range, else neutral
        lo, hi = float(finite.min()), float(finite.max())
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            return v.where(v.isna(), NEUTRAL)
    n = (v.clip(lo, hi) - lo) / (hi - lo)
    return 1.0 - n if direction == "min" else n


def _weights(profile: IndustryProfile, overrides: Mapping[str, Mapping[str, float]] | None) -> np.ndarray:
    w = dict(profile.weights)
    for key in ("*", profile.id):
        if overrides and key in overrides:
            for crit, val in overrides[key].items():
                if crit not in CRITERION_IDS:
                    import difflib

                    near = difflib.get_close_matches(crit, CRITERION_IDS, n=1)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    raise ScenarioError(
                        f"unknown criterion {crit!r}{hint} in the weights for {key!r}",
                        where="weights",
                        fix=f"use one of {', '.join(CRITERION_IDS)}",
                    )
                if val < 0 or not np.isfinite(val):
                    raise ScenarioError(
                        f"weight {crit!r} = {val} for {key!r} is negative or not a number",
                        where="weights",
                        fix="weights are >= 0",
                    )
                w[crit] = float(val)
    arr = np.array([w.get(c, 0.0) for c in CRITERION_IDS], dtype=float)
    total = arr.sum()
    if total <= 0:
        raise ScenarioError(
            f"all weights for {profile.id!r} are zero",
            where="weights",
            fix="give at least one criterion a positive weight",
        )
    return arr / total


def _origin_cost(table: SiteTable, profile: IndustryProfile) -> pd.Series:
    oc = table.origin_costs
    if oc.shape[1] == 0:
        return pd.Series(np.nan, index=table.values.index)
    cols = [c for c in profile.main_origins if c in oc.columns] or list(oc.columns)
    return oc[cols].mean(axis=1, skipna=False)


def score(
    table: SiteTable,
    catalogue: IndustryCatalogue,
    *,
    industries: Sequence[str] | None = None,
    weights: Mapping[str, Mapping[str, float]] | None = None,
    options: ScoringOptions | None = None,
) -> ScoreResult:
    """Score every (industry, site) pair.

    Parameters
    ----------
    table
        The site table (:func:`transfer.sitetable.build_site_table`).
    catalogue
        Industry profiles.
    industries
        Subset of industry ids (default: all, in catalogue order).
    weights
        Weight overrides: ``{"*": {criterion: w}}`` for all industries and/or ``{industry_id: {criterion: w}}``;
        a criterion set here replaces the profile's weight before normalisation.
    options
        Normalisation, missing-value and hard-rule options.
    """
    opts = options or ScoringOptions()
    ids = tuple(industries) if industries is not None else catalogue.ids
    profiles = [catalogue.get(i) for i in ids]
    vals = table.values
    site_ids = tuple(int(a) for a in vals.index)
    crit = CRITERION_IDS
    n_i, n_s, n_c = len(profiles), len(site_ids), len(crit)

    base = np.full((n_s, n_c), np.nan)
    for k, c in enumerate(crit):
        if c == "origin_cost" or c not in vals:
            continue
        base[:, k] = normalise(vals[c], DIRECTION[c], winsor=opts.winsor).to_numpy()
    k_origin = crit.index("origin_cost")

    W = np.zeros((n_i, n_c))
    N = np.repeat(base[None, :, :], n_i, axis=0)
    for i, p in enumerate(profiles):
        W[i] = _weights(p, weights)
        N[i, :, k_origin] = normalise(_origin_cost(table, p), "min", winsor=opts.winsor).to_numpy()

    missing = ~np.isfinite(N)
    if opts.missing == "neutral":
        filled = np.where(missing, NEUTRAL, N)
        contrib = W[:, None, :] * filled
    else:
        w_eff = np.where(missing, 0.0, W[:, None, :])
        tot = w_eff.sum(axis=2, keepdims=True)
        w_eff = np.divide(w_eff, tot, out=np.zeros_like(w_eff), where=tot > 0)
        contrib = w_eff * np.where(missing, 0.0, N)
    scores = pd.DataFrame(contrib.sum(axis=2), index=pd.Index(ids, name="industry"), columns=pd.Index(site_ids))

    eligible, reasons = _eligibility(table, profiles, site_ids, opts)
    notes = list(table.notes)
    if missing.any():
        cols = [crit[k] for k in range(n_c) if missing[:, :, k].any()]
        notes.append(f"unknown values ({opts.missing}) in: {', '.join(cols)}")
    return ScoreResult(
        industries=ids,
        site_ids=site_ids,
        criteria=crit,
        weights=W,
        normalised=N,
        contributions=contrib,
        scores=scores,
        eligible=eligible,
        reasons=reasons,
        sites=table.sites,
        raw=vals,
        options=opts,
        notes=tuple(notes),
    )


def _eligibility(
    table: SiteTable, profiles: Sequence[IndustryProfile], site_ids: tuple[int, ...], opts: ScoringOptions
) -> tuple[pd.DataFrame, dict[tuple[str, int], tuple[str, ...]]]:
    """Hard rules as boolean arrays (vectorised over sites), with one reason string per failed rule."""
    s = table.sites.reindex(list(site_ids))
    vals = table.values.reindex(list(site_ids))
    n_s = len(site_ids)
    excl = {str(p) for p in opts.exclude_provinces}
    prov_excl = (s[C.PROVINCE].astype(str).isin(excl) | s[C.PROVINCE_ADCODE].astype(str).isin(excl)).to_numpy()
    has_full = s["has_full_bonded_zone"].fillna(False).to_numpy(dtype=bool)
    eco = pd.to_numeric(s["eco_share"], errors="coerce").to_numpy(dtype=float)
    eco_known = np.isfinite(eco)
    crex = (
        pd.to_numeric(vals.get("crex_time"), errors="coerce").to_numpy(dtype=float)
        if "crex_time" in vals
        else (np.full(n_s, np.nan))
    )
    sea = (
        pd.to_numeric(vals.get("sea_cost"), errors="coerce").to_numpy(dtype=float)
        if "sea_cost" in vals
        else (np.full(n_s, np.nan))
    )
    provinces = s[C.PROVINCE].astype(str).to_numpy()
    ok = np.ones((len(profiles), n_s), dtype=bool)
    reasons: dict[tuple[str, int], list[str]] = {}

    def fail(i: int, pid: str, mask: np.ndarray, text: Callable[[int], str]) -> None:
        ok[i] &= ~mask
        for j in np.flatnonzero(mask):
            reasons.setdefault((pid, site_ids[int(j)]), []).append(text(int(j)))

    for i, p in enumerate(profiles):
        fail(i, p.id, prov_excl, lambda j: f"excluded: province {provinces[j]} is excluded in this scenario")
        if p.needs_bonded_zone:
            fail(
                i,
                p.id,
                ~has_full,
                lambda j: "excluded: needs a comprehensive bonded zone (综合保税区/保税港区) in the city; none listed",
            )
        if p.two_high_one_resource:
            restricted = eco_known & (np.where(eco_known, eco, 0.0) > opts.eco_restricted_share)
            fail(
                i,
                p.id,
                restricted,
                lambda j: (
                    f"excluded: 两高一资 industry banned in an ecologically restricted area ({eco[j]:.0%} of "
                    f"counties in national key ecological function zones > {opts.eco_restricted_share:.0%})"
                ),
            )
            if opts.eco_unknown_blocks_two_high:
                fail(
                    i,
                    p.id,
                    ~eco_known,
                    lambda j: "excluded: 两高一资 industry and the site's ecological status is unknown (precaution)",
                )
        if p.max_crex_time_h is not None:
            limit = float(p.max_crex_time_h)

            def crex_text(j: int, limit: float = limit) -> str:
                got = f"{crex[j]:.1f} h" if np.isfinite(crex[j]) else "unknown"
                return f"excluded: China-Europe Railway Express centre {got} away (limit {limit} h)"

            fail(i, p.id, ~np.isfinite(crex) | (np.nan_to_num(crex, nan=np.inf) > limit), crex_text)
        if p.max_sea_cost_cny_teu is not None:
            cap = float(p.max_sea_cost_cny_teu)

            def sea_text(j: int, cap: float = cap) -> str:
                got = f"{sea[j]:,.0f} CNY/TEU" if np.isfinite(sea[j]) else "unknown"
                return f"excluded: sea gateway cost {got} (limit {cap:,.0f})"

            fail(i, p.id, ~np.isfinite(sea) | (np.nan_to_num(sea, nan=np.inf) > cap), sea_text)
    frame = pd.DataFrame(ok, index=pd.Index([p.id for p in profiles], name="industry"), columns=pd.Index(site_ids))
    return frame, {k: tuple(v) for k, v in reasons.items()}


def robustness(
    result: ScoreResult,
    industry: str,
    *,
    k: int = 10,
    n_draws: int = 200,
    concentration: float = 50.0,
    seed: int = 0,
) -> pd.Series:
    """Share of weight draws in which each eligible site stays in the top ``k`` for ``industry``.

    Weights are drawn from a Dirichlet distribution centred on the chosen weights (alpha = concentration x w;
    larger concentration = less uncertainty). Criteria with zero weight stay at zero.
    """
    i = result._i(industry)
    w = result.weights[i]
    active = w > 0
    rng = np.random.default_rng(seed)
    draws = np.zeros((n_draws, len(w)))
    draws[:, active] = rng.dirichlet(concentration * w[active], size=n_draws)
    N = result.normalised[i]
    filled = np.where(np.isfinite(N), N, NEUTRAL)
    S = draws @ filled.T  # (n_draws, n_site)
    el = result.eligible.loc[industry].to_numpy()
    S[:, ~el] = -np.inf
    kk = min(k, int(el.sum()))
    if kk == 0:
        return pd.Series(0.0, index=pd.Index(result.site_ids, name=C.ADCODE), name="top_k_share")
    top = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
    counts = np.bincount(top.ravel(), minlength=len(result.site_ids))
    share = counts / n_draws
    return pd.Series(share, index=pd.Index(result.site_ids, name=C.ADCODE), name="top_k_share")
