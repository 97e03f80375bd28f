"""Explainable suitability scores: normalised criteria, weighted sums, contributions, eligibility with reasons."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.errors import ScenarioError, UnknownNameError
from transfer.i18n import Note, render_reason
from transfer.industries import CRITERIA, CRITERION_IDS, IndustryCatalogue, IndustryProfile
from transfer.names import did_you_mean, unknown_name
from transfer.sitetable import ECO_RESTRICTED_SHARE, SiteTable

if TYPE_CHECKING:
    from transfer.pairings import PairingPlan

__all__ = [
    "INDUSTRY_SPECIFIC",
    "NORMALISATION",
    "Reason",
    "ReasonKind",
    "ScoreResult",
    "ScoringOptions",
    "cluster_fit",
    "normalise",
    "pairing_bonus",
    "robustness",
    "rounded_contributions",
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
    "labour_reserve": "labour reserve",
    "labour_quality": "labour quality",
    "industrial_base": "industrial base",
    "cluster_fit": "cluster fit",
    "min_wage": "minimum wage",
    "policy_support": "policy designations",
    "dev_zones": "national development zones",
    "eco_pressure": "ecological pressure",
}
_SHORT = {c.id: LABEL_EN.get(c.id, c.label_en) for c in CRITERIA}

LABEL_ZH = {c.id: c.label_zh for c in CRITERIA}
NEUTRAL = 0.5
INDUSTRY_SPECIFIC = ("origin_cost", "cluster_fit")
# site -> industries by comparative position (modelling choices, see site_profile)
POSITION_CLUSTER_BONUS = 0.10
POSITION_TWO_HIGH_PENALTY = 0.10  # computed per industry, not columns of SiteTable.values
# sizes with heavy tails: log-transformed before scaling, so the largest cities do not all saturate at 1.0
SIZE_CRITERIA = ("labour_pool", "labour_reserve", "market_access")
NORMALISATION = (
    "winsorised min-max: values are clipped to the [p, 1-p] quantiles over all sites (p = winsor), scaled to 0..1, "
    "and flipped for criteria where lower is better; sizes with heavy tails (labour pool, labour reserve, market "
    "access) are log-transformed first and clipped only at the low end, so the largest sites stay apart; a criterion "
    "with no spread scores 0.5 everywhere"
)


ReasonKind = Literal["excluded", "strength", "weakness", "unknown"]


@dataclass(frozen=True)
class Reason:
    """One reason behind a pair's score or exclusion, kept as data; :func:`transfer.i18n.render_reason` writes it.

    Parameters
    ----------
    kind
        "excluded": a hard rule excludes the pair; "strength": a criterion that adds much to the score; "weakness": a
        weighted criterion that scores low; "unknown": weighted criteria without data.
    code
        Which reason: its text is the translation key ``"reason.<code>"`` (e.g. "needs_bonded_zone", "good").
    criterion
        The criterion it is about (None for a rule of no one criterion and for "unknown", whose criteria are in
        ``values["criteria"]``).
    values
        The numbers and names the text shows, unformatted: e.g. ``{"norm": 0.87, "weight": 0.2, "contrib": 0.174}``
        for a strength, ``{"got": 31.5, "limit": 30.0}`` for a time limit (None = unknown).
    """

    kind: ReasonKind
    code: str
    criterion: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)


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
    size_transform
        "log": the size criteria (:data:`SIZE_CRITERIA`) are scaled on log(1 + max(value, 0)) and clipped only at
        the low quantile; "none": like every other criterion.
    eco_restricted_share
        A site whose share of counties in national key ecological function zones exceeds this counts as an
        ecologically restricted area (两高一资 industries are banned there).
    eco_unknown_blocks_two_high
        Treat unknown ecological status as restricted for 两高一资 industries (precautionary rule).
    exclude_provinces
        Province names (zh) or adcodes where no industry may go in this run.
    pairing
        An origin's pairings (:func:`transfer.pairings.pairing_plan`): "bonus" adds its bonus to every score at a
        paired site, "constraint" excludes every unpaired site.
    """

    missing: Literal["neutral", "exclude"] = "neutral"
    winsor: float = 0.05
    size_transform: Literal["log", "none"] = "log"
    eco_restricted_share: float = ECO_RESTRICTED_SHARE
    eco_unknown_blocks_two_high: bool = False
    exclude_provinces: tuple[str | int, ...] = ()
    pairing: PairingPlan | None = None


@dataclass(frozen=True)
class ScoreResult:
    """Scores of every industry at every site, with the parts that explain them.

    ``contributions[i, s, c]`` is weight x normalised value; summed over c, plus ``bonus[s]`` (the pairing bonus of
    a paired site, 0 elsewhere), it gives ``score``.
    """

    industries: tuple[str, ...]
    site_ids: tuple[int, ...]
    criteria: tuple[str, ...]
    weights: np.ndarray  # (n_industry, n_criterion), rows sum to 1
    normalised: np.ndarray  # (n_industry, n_site, n_criterion) in 0..1, NaN where unknown
    contributions: np.ndarray  # (n_industry, n_site, n_criterion)
    scores: pd.DataFrame  # industry x site
    eligible: pd.DataFrame  # industry x site, bool
    reasons: Mapping[tuple[str, int], tuple[str, ...]]  # why a pair is ineligible (English text of exclusions)
    sites: pd.DataFrame  # site attributes (index adcode)
    raw: pd.DataFrame  # raw criterion values (index adcode), origin_cost per industry excluded
    options: ScoringOptions = field(default_factory=ScoringOptions)
    notes: tuple[str, ...] = ()
    exclusions: Mapping[tuple[str, int], tuple[Reason, ...]] = field(default_factory=dict)  # the same, as data
    two_high: Mapping[str, bool] = field(default_factory=dict)  # industry id -> 两高一资 (for the site direction)
    note_items: tuple[Note, ...] = ()  # the notes as codes and values, rendered in the page language at the edge
    bonus: np.ndarray | None = None  # (n_site,) pairing bonus added to every industry's score; None without one

    def _i(self, industry: str) -> int:
        try:
            return self.industries.index(industry)
        except ValueError:
            fix = f"use one of {', '.join(self.industries)}"
            raise unknown_name("industry", industry, self.industries, n=3, fix=fix) from None

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

    def reasons_for(self, industry: str, site: int, *, n: int = 3) -> list[Reason]:
        """Why one pair scores as it does, as data: the rules that exclude it, then up to ``n`` strengths (criteria
        among the ``n`` largest contributions with a normalised value of at least 0.6), the weakest weighted
        criterion (weight at least 0.05, value at most 0.3), and the weighted criteria without data."""
        i = self._i(industry)
        s = self.site_ids.index(int(site))
        out = list(self.exclusions.get((industry, int(site)), ()))
        paired = _pairing_reason(self.options.pairing, int(site))
        if paired is not None:
            out.append(paired)
        contrib = self.contributions[i, s]
        norm = self.normalised[i, s]
        w = self.weights[i]
        for c in np.argsort(-contrib)[:n]:
            if w[c] > 0 and np.isfinite(norm[c]) and norm[c] >= 0.6:
                values = {"norm": float(norm[c]), "weight": float(w[c]), "contrib": float(contrib[c])}
                out.append(Reason("strength", "good", self.criteria[c], values))
        weak = [c for c in np.argsort(norm) if w[c] >= 0.05 and np.isfinite(norm[c]) and norm[c] <= 0.3]
        if weak:
            c = weak[0]
            out.append(Reason("weakness", "poor", self.criteria[c], {"norm": float(norm[c]), "weight": float(w[c])}))
        unknown = tuple(self.criteria[c] for c in range(len(self.criteria)) if w[c] > 0 and not np.isfinite(norm[c]))
        if unknown:
            out.append(Reason("unknown", "unknown", None, {"criteria": unknown, "missing": self.options.missing}))
        return out

    def explain(self, industry: str, site: int, *, n: int = 3, lang: str = "en") -> list[str]:
        """Plain-language reasons for one pair (:meth:`reasons_for` written in ``lang``, "en" or "zh"): exclusions
        first, then strengths, a weakness, unknown data."""
        return [render_reason(r, lang) for r in self.reasons_for(industry, site, n=n)]

    def shortlist(self, industry: str, *, top: int = 10, eligible_only: bool = True, lang: str = "en") -> pd.DataFrame:
        """Top sites for one industry with rank, score, eligibility, reasons and contributions."""
        self._i(industry)  # unknown industry -> UnknownNameError with suggestions
        sc = self.scores.loc[industry]
        el = self.eligible.loc[industry]
        order = sc[el].sort_values(ascending=False) if eligible_only else sc.sort_values(ascending=False)
        ids = list(order.index[:top])
        return self.rows(industry, ids, lang=lang)

    def rows(self, industry: str, ids: Sequence[int], *, lang: str = "en") -> pd.DataFrame:
        """Shortlist rows (rank 1.. in the given order) for chosen sites of one industry, e.g. after filtering."""
        return self._rows(self._i(industry), industry, ids, rank_base=1, lang=lang)

    def _rows(self, i: int, industry: str, ids: Sequence[int], *, rank_base: int, lang: str = "en") -> pd.DataFrame:
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
                    # the printed score is the sum of the printed contributions (they add up exactly) and, in a
                    # run with a pairing bonus, of the printed pairing_bonus
                    "score": self._printed(i, s),
                    "eligible": bool(self.eligible.iat[i, s]),
                    "reasons": self.explain(industry, int(site), lang=lang),
                    "contributions": rounded_contributions(self.contributions[i, s], self.criteria),
                    **self._bonus_column(s),
                }
            )
        return pd.DataFrame(rows)

    def _printed(self, i: int, s: int) -> float:
        """The score as printed: the printed contributions plus the printed pairing bonus."""
        bonus = self._bonus_column(s).get("pairing_bonus", 0.0)
        return round(_printed_score(self.contributions[i, s]) + bonus, 4)

    def _bonus_column(self, s: int) -> dict[str, float]:
        return {} if self.bonus is None else {"pairing_bonus": round(float(self.bonus[s]), 4)}

    def positions(self, site: int) -> pd.DataFrame:
        """Where one site stands in every industry's list: rank among the eligible sites, their number and the
        percentile in the whole list (1 = first; ineligible sites rank below every eligible one; NaN when the site
        is ineligible for that industry)."""
        site = int(site)
        s = self.site_ids.index(site)
        rows = []
        for i, ind in enumerate(self.industries):
            el = self.eligible.iloc[i].to_numpy(dtype=bool)
            sc = self.scores.iloc[i].to_numpy(dtype=float)
            n = int(el.sum())
            if el[s]:
                rank = int((sc[el] > sc[s] + 1e-12).sum()) + 1
                # over the whole list (ineligible sites rank below every eligible one), so rank 9 of 60 eligible
                # counts like rank 9 of 281: both are 9th in that industry's list
                n_all = len(sc)
                pct = 1.0 - (rank - 1) / (n_all - 1) if n_all > 1 else 1.0
                sd = float(sc[el].std())
                z = (sc[s] - float(sc[el].mean())) / sd if sd > 0 else 0.0
            else:
                rank, pct, z = None, np.nan, np.nan
            rows.append({"industry": ind, "position_rank": rank, "n_eligible": n, "percentile": pct, "z": z})
        return pd.DataFrame(rows)

    def site_profile(
        self,
        site: int,
        *,
        top: int | None = None,
        eligible_only: bool = False,
        by: Literal["position", "score"] = "position",
        lang: str = "en",
    ) -> pd.DataFrame:
        """Industries ranked for one site (the investment promotion view: whom to court).

        ``by="position"`` (default) ranks industries by the site's comparative position in each industry's list:
        ``position_score`` = its percentile in the industry's list (1 = first, 0 = last of all sites), plus
        :data:`POSITION_CLUSTER_BONUS` x cluster fit (a same-sector cluster adds 0.10, a related one 0.05), minus
        :data:`POSITION_TWO_HIGH_PENALTY` for 两高一资 industries (the policy restricts their processing trade, 473号);
        ties go to the larger standardised score (z among the eligible sites). Industries scored with different
        weight profiles are thus compared by standing, not by raw scores. ``by="score"`` ranks by the raw score.
        Ineligible industries come last either way.
        """
        site = int(site)
        if site not in self.site_ids:
            raise UnknownNameError(f"site {site} is not in this score table", fix="use `transfer sites` to list sites")
        s = self.site_ids.index(site)
        pos = self.positions(site).set_index("industry")
        k_cl = self.criteria.index("cluster_fit") if "cluster_fit" in self.criteria else None
        frame = pos.assign(
            score=self.scores.iloc[:, s].reindex(pos.index).to_numpy(),
            eligible=self.eligible.iloc[:, s].reindex(pos.index).to_numpy(dtype=bool),
            cluster_fit=[
                float(np.nan_to_num(self.normalised[self.industries.index(ind), s, k_cl])) if k_cl is not None else 0.0
                for ind in pos.index
            ],
        )
        two_high = pd.Series(
            [bool(self.two_high.get(ind, False)) for ind in frame.index], index=frame.index, dtype=float
        )
        frame["position_score"] = (
            frame["percentile"] + POSITION_CLUSTER_BONUS * frame["cluster_fit"] - POSITION_TWO_HIGH_PENALTY * two_high
        )
        keys = ["eligible", "position_score", "z"] if by == "position" else ["eligible", "score"]
        frame = frame.sort_values(keys, ascending=False, na_position="last", kind="mergesort")
        if eligible_only:
            frame = frame[frame["eligible"]]
        inds = list(frame.index[: top if top is not None else len(frame)])
        rows = []
        for r, ind in enumerate(inds):
            i = self.industries.index(ind)
            rank = frame.at[ind, "position_rank"]
            rows.append(
                {
                    "rank": r + 1,
                    "industry": ind,
                    C.ADCODE: site,
                    "position_rank": None if pd.isna(rank) else int(rank),
                    "n_eligible": int(frame.at[ind, "n_eligible"]),
                    "percentile": None
                    if pd.isna(frame.at[ind, "percentile"])
                    else round(float(frame.at[ind, "percentile"]), 3),
                    "cluster_fit": round(float(frame.at[ind, "cluster_fit"]), 2),
                    "position_score": None
                    if pd.isna(frame.at[ind, "position_score"])
                    else round(float(frame.at[ind, "position_score"]), 3),
                    "score": self._printed(i, s),
                    "eligible": bool(self.eligible.iat[i, s]),
                    "reasons": self.explain(ind, site, lang=lang),
                    "contributions": rounded_contributions(self.contributions[i, s], self.criteria),
                    **self._bonus_column(s),
                }
            )
        return pd.DataFrame(rows)


def _pairing_reason(plan: PairingPlan | None, site: int) -> Reason | None:
    """The reason a paired site shows in a run with a pairing option (None for an unpaired site or no option)."""
    mark = plan.marks.get(site) if plan is not None else None
    if plan is None or mark is None:
        return None
    values: dict[str, Any] = {"with": mark.via_zh, "scheme": mark.scheme, "year": mark.year, "ref": mark.ref}
    if plan.mode == "bonus":
        return Reason("strength", "paired_bonus", None, {**values, "bonus": plan.bonus_of(site)})
    return Reason("strength", "paired", None, values)


def pairing_bonus(plan: PairingPlan | None, site_ids: Sequence[int]) -> np.ndarray | None:
    """The pairing bonus of every site (None without a bonus-mode pairing)."""
    if plan is None or plan.mode != "bonus":
        return None
    return np.array([plan.bonus_of(int(s)) for s in site_ids], dtype=float)


def _printed_score(contrib: np.ndarray, digits: int = 4) -> float:
    return round(float(round(float(np.asarray(contrib, dtype=float).sum()) * 10**digits)) / 10**digits, digits)


def rounded_contributions(contrib: np.ndarray, criteria: Sequence[str], *, digits: int = 4) -> dict[str, float]:
    """Contributions rounded so that they add up exactly to the score rounded to the same digits.

    Each value is rounded, then the rounding remainder (a few units of the last digit) is put on the largest
    contributions first (largest-remainder method), so printed parts always sum to the printed score.
    """
    scale = 10**digits
    raw = np.asarray(contrib, dtype=float) * scale
    floor = np.floor(raw)
    target = round(float(raw.sum()))
    short = target - int(floor.sum())
    order = np.argsort(-(raw - floor), kind="mergesort")
    units = floor.copy()
    if short > 0:
        units[order[:short]] += 1
    elif short < 0:
        units[order[::-1][:-short]] -= 1
    return {c: float(u) / scale for c, u in zip(criteria, units, strict=True)}


def normalise(values: pd.Series, direction: str, *, winsor: float = 0.05, log: bool = False) -> pd.Series:
    """Scale one criterion to 0..1 (1 = best) by winsorised min-max; NaN stays NaN.

    With ``log`` the values are first mapped to log(1 + max(value, 0)) and only the low end is clipped, so a heavy
    upper tail keeps its order instead of saturating.
    """
    series = pd.to_numeric(values, errors="coerce").astype(float)
    v = series.to_numpy(dtype=float, copy=True)  # numpy from here: this runs ~30 times per score()
    if log:
        v = np.log1p(np.clip(v, 0.0, None))
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return pd.Series(v, index=series.index)
    lo = float(np.quantile(finite, winsor)) if winsor > 0 else float(finite.min())
    hi = float(np.quantile(finite, 1 - winsor)) if winsor > 0 and not log else float(finite.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        # no spread after clipping: fall back to the full range, else neutral
        lo, hi = float(finite.min()), float(finite.max())
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            return pd.Series(np.where(np.isnan(v), np.nan, NEUTRAL), index=series.index)
    n = (np.clip(v, lo, hi) - lo) / (hi - lo)
    return pd.Series(1.0 - n if direction == "min" else n, index=series.index)


def _weights(profile: IndustryProfile, overrides: Mapping[str, Mapping[str, float]] | None) -> np.ndarray:
    w = dict(profile.weights)
    for key in ("*", profile.id):
        if overrides and key in overrides:
            for crit, val in overrides[key].items():
                if crit not in CRITERION_IDS:
                    raise ScenarioError(
                        f"unknown criterion {crit!r}{did_you_mean(crit, CRITERION_IDS)} in the weights for {key!r}",
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


def cluster_fit(table: SiteTable, catalogue: IndustryCatalogue, industry: str) -> pd.Series:
    """Cluster fit of every site for one industry: 1 with a named cluster of the industry, else the highest
    relatedness (catalogue's relatedness table) of the site's clusters, else 0; NaN without a cluster layer."""
    cl = table.clusters
    if cl.shape[1] == 0:
        return pd.Series(np.nan, index=table.values.index)
    rel = np.array([catalogue.related(industry, str(other)) for other in cl.columns])
    has = cl.reindex(table.values.index).fillna(0).to_numpy() > 0
    return pd.Series((has * rel[None, :]).max(axis=1), index=table.values.index)


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
        if c in INDUSTRY_SPECIFIC or c not in vals:
            continue
        log = opts.size_transform == "log" and c in SIZE_CRITERIA
        base[:, k] = normalise(vals[c], DIRECTION[c], winsor=opts.winsor, log=log).to_numpy()
    k_origin = crit.index("origin_cost")
    k_cluster = crit.index("cluster_fit")

    W = np.zeros((n_i, n_c))
    N = np.repeat(base[None, :, :], n_i, axis=0)
    for i, p in enumerate(profiles):
        W[i] = _weights(p, weights)
        N[i, :, k_origin] = normalise(_origin_cost(table, p), "min", winsor=opts.winsor).to_numpy()
        N[i, :, k_cluster] = cluster_fit(table, catalogue, p.id).to_numpy()  # already 0..1 (0, relatedness, 1)

    missing = ~np.isfinite(N)
    if opts.missing == "neutral":
        filled = np.where(missing, NEUTRAL, N)
        contrib = W[:, None, :] * filled
    else:
        w_eff = np.where(missing, 0.0, W[:, None, :])
        tot = w_eff.sum(axis=2, keepdims=True)
        w_eff = np.divide(w_eff, tot, out=np.zeros_like(w_eff), where=tot > 0)
        contrib = w_eff * np.where(missing, 0.0, N)
    bonus = pairing_bonus(opts.pairing, site_ids)
    total = contrib.sum(axis=2) + (bonus[None, :] if bonus is not None else 0.0)
    scores = pd.DataFrame(total, index=pd.Index(ids, name="industry"), columns=pd.Index(site_ids))

    eligible, exclusions = _eligibility(table, profiles, site_ids, opts)
    reasons = {k: tuple(render_reason(r, "en") for r in v) for k, v in exclusions.items()}
    notes = list(table.notes)
    note_items = [Note("text", {"text": n}) for n in table.notes]
    if missing.any():
        cols = [crit[k] for k in range(n_c) if missing[:, :, k].any()]
        note_items.append(Note("unknown_values", {"how": opts.missing, "criteria": tuple(cols)}))
        notes.append(note_items[-1].render("en", labels=False))
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
        exclusions=exclusions,
        sites=table.sites,
        raw=vals,
        options=opts,
        notes=tuple(notes),
        note_items=tuple(note_items),
        two_high={p.id: bool(p.two_high_one_resource) for p in profiles},
        bonus=bonus,
    )


def _eligibility(
    table: SiteTable, profiles: Sequence[IndustryProfile], site_ids: tuple[int, ...], opts: ScoringOptions
) -> tuple[pd.DataFrame, dict[tuple[str, int], tuple[Reason, ...]]]:
    """Hard rules as boolean arrays (vectorised over sites), with one reason per failed rule."""
    s = table.sites.reindex(list(site_ids))
    vals = table.values.reindex(list(site_ids))
    n_s = len(site_ids)
    excl = {str(p) for p in opts.exclude_provinces}
    prov_excl = (s[C.PROVINCE].astype(str).isin(excl) | s[C.PROVINCE_ADCODE].astype(str).isin(excl)).to_numpy()
    has_full = s["has_full_bonded_zone"].fillna(False).to_numpy(dtype=bool)
    eco = pd.to_numeric(s["eco_share"], errors="coerce").to_numpy(dtype=float)
    eco_known = np.isfinite(eco)
    nan = np.full(n_s, np.nan)
    crex = pd.to_numeric(vals["crex_time"], errors="coerce").to_numpy(dtype=float) if "crex_time" in vals else nan
    sea = pd.to_numeric(vals["sea_cost"], errors="coerce").to_numpy(dtype=float) if "sea_cost" in vals else nan
    provinces = s[C.PROVINCE].astype(str).to_numpy()
    plan = opts.pairing
    unpaired = None
    if plan is not None and plan.mode == "constraint":
        unpaired = np.array([int(c) not in plan.marks for c in site_ids], dtype=bool)
    ok = np.ones((len(profiles), n_s), dtype=bool)
    origin_zh = plan.origin_zh if plan is not None else ""

    def not_paired(j: int) -> Reason:
        return Reason("excluded", "not_paired", None, {"origin": origin_zh})

    codes: dict[tuple[str, int], list[Reason]] = {}

    def fail(i: int, pid: str, mask: np.ndarray, reason: Callable[[int], Reason]) -> None:
        ok[i] &= ~mask
        for j in np.flatnonzero(mask):
            codes.setdefault((pid, site_ids[int(j)]), []).append(reason(int(j)))

    def known(v: float) -> float | None:
        return float(v) if np.isfinite(v) else None

    for i, p in enumerate(profiles):
        fail(i, p.id, prov_excl, lambda j: Reason("excluded", "excluded_province", None, {"province": provinces[j]}))
        if unpaired is not None:
            fail(i, p.id, unpaired, not_paired)
        if p.needs_bonded_zone:
            fail(i, p.id, ~has_full, lambda j: Reason("excluded", "needs_bonded_zone", "bonded_zone"))
        if p.two_high_one_resource:
            share = opts.eco_restricted_share
            restricted = eco_known & (np.where(eco_known, eco, 0.0) > share)

            def eco_ban(j: int, share: float = share) -> Reason:
                return Reason("excluded", "eco_ban", "eco_pressure", {"share": float(eco[j]), "limit": share})

            fail(i, p.id, restricted, eco_ban)
            if opts.eco_unknown_blocks_two_high:
                fail(i, p.id, ~eco_known, lambda j: Reason("excluded", "eco_unknown", "eco_pressure"))
        if p.max_crex_time_h is not None:
            limit = float(p.max_crex_time_h)

            def crex_limit(j: int, limit: float = limit) -> Reason:
                return Reason("excluded", "crex_limit", "crex_time", {"got": known(crex[j]), "limit": limit})

            fail(i, p.id, ~np.isfinite(crex) | (np.nan_to_num(crex, nan=np.inf) > limit), crex_limit)
        if p.max_sea_cost_cny_teu is not None:
            cap = float(p.max_sea_cost_cny_teu)

            def sea_limit(j: int, cap: float = cap) -> Reason:
                return Reason("excluded", "sea_limit", "sea_cost", {"got": known(sea[j]), "limit": cap})

            fail(i, p.id, ~np.isfinite(sea) | (np.nan_to_num(sea, nan=np.inf) > cap), sea_limit)
    frame = pd.DataFrame(ok, index=pd.Index([p.id for p in profiles], name="industry"), columns=pd.Index(site_ids))
    return frame, {k: tuple(v) for k, v in codes.items()}


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
    known = np.isfinite(N)
    if result.options.missing == "exclude":
        # as in score(): each site's weights are renormalised over the criteria it has
        num = (draws[:, None, :] * np.where(known, N, 0.0)[None, :, :]).sum(axis=2)
        den = (draws[:, None, :] * known[None, :, :]).sum(axis=2)
        S = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    else:
        S = draws @ np.where(known, N, NEUTRAL).T  # (n_draws, n_site)
    if result.bonus is not None:
        S = S + result.bonus[None, :]
    el = result.eligible.loc[industry].to_numpy()
    S[:, ~el] = -np.inf
    kk = min(k, int(el.sum()))
    if kk == 0:
        return pd.Series(0.0, index=pd.Index(result.site_ids, name=C.ADCODE), name="top_k_share")
    top = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
    counts = np.bincount(top.ravel(), minlength=len(result.site_ids))
    share = counts / n_draws
    return pd.Series(share, index=pd.Index(result.site_ids, name=C.ADCODE), name="top_k_share")
