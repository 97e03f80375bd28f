"""What an export was made with: scenario, filters and weights, recorded in every exported file."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from transfer.i18n import STRINGS, criterion_label, t
from transfer.industries import CRITERION_IDS
from transfer.regions import PROVINCES
from transfer.scoring import ScoreResult

__all__ = ["FILTER_LABELS", "ExportContext"]

# translation key of each filter's label (a filter not listed is labelled by its own name)
FILTER_LABELS: dict[str, str] = {
    "regions": "sidebar.region_filter",
    "provinces": "sidebar.province_filter",
    "top": "sidebar.top_n",
    "eligible_only": "export.eligible_only",
    "min_score": "sidebar.min_score",
    "bonded_zone_only": "sidebar.must_have_bonded_zone",
}
_SCOPE_FILTERS = ("regions", "provinces")
_PROVINCE_EN = {p.name_zh: p.name_en for p in PROVINCES.values()}


def _now() -> datetime:
    return datetime.now().astimezone()


def _plain(value: Any) -> Any:
    """A filter value as plain Python, ready for JSON: numpy scalars as numbers, sequences and sets as lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return [_plain(v) for v in value]
    return value


class ExportContext(BaseModel):
    """The scenario, filters and weights behind an export, so a file says what it shows.

    Parameters
    ----------
    scenario
        Scenario name.
    weights_edited
        The weights were changed from the scenario's (e.g. with the workshop sliders).
    industry, industry_name
        Industry id and, optionally, its display name.
    origin
        Origin cluster used for routes (id or name), if any.
    lang
        Language of the labels written into the files ("zh" or "en").
    filters
        The filters the rows passed, by name: ``regions`` (macro-region ids), ``provinces`` (names), ``top``,
        ``eligible_only``, ``min_score``, ``bonded_zone_only``; any other name is written as it is.
    weights
        The weights actually used, criterion id -> weight (e.g. :meth:`from_result`).
    layers_replaced
        Names of data layers replaced by uploaded files (empty: the default data).
    created_at
        When the export was made (default: now, local time with its offset).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    weights_edited: bool = False
    industry: str | None = None
    industry_name: str | None = None
    origin: str | int | None = None
    lang: Literal["zh", "en"] = "zh"
    filters: dict[str, Any] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    layers_replaced: tuple[str, ...] = ()
    created_at: datetime = Field(default_factory=_now)

    @field_validator("filters")
    @classmethod
    def _plain_filters(cls, filters: dict[str, Any]) -> dict[str, Any]:
        return {str(k): _plain(v) for k, v in filters.items()}

    @field_validator("weights")
    @classmethod
    def _known_criteria(cls, weights: dict[str, float]) -> dict[str, float]:
        for crit, w in weights.items():
            if crit not in CRITERION_IDS:
                raise ValueError(f"unknown criterion {crit!r}; use one of {', '.join(CRITERION_IDS)}")
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight {crit!r} = {w} is negative or not a number")
        return weights

    @classmethod
    def from_result(cls, result: ScoreResult, industry: str, *, scenario: str, **fields: Any) -> ExportContext:
        """The context of an export of one industry of ``result``, with the weights that result used (normalised to
        sum to 1); ``fields`` are the other fields (filters, lang, ...)."""
        i = result._i(industry)
        weights = {c: float(w) for c, w in zip(result.criteria, result.weights[i], strict=True)}
        return cls(scenario=scenario, industry=industry, weights=weights, **fields)

    # text ----------------------------------------------------------------------------------------------------

    def _t(self, key: str, **fmt: Any) -> str:
        return t(key, self.lang, **fmt)

    def _names(self, values: Sequence[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(values)

    def scope(self) -> str:
        """The region and province filter as text ("" when the rows cover all sites)."""
        parts = []
        regions = [str(r) for r in self.filters.get("regions") or ()]
        if regions:
            key = "export.scope_region" if len(regions) == 1 else "export.scope_regions"
            parts.append(self._t(key, regions=self._names([self._t(f"region.{r}") for r in regions])))
        provinces = [str(p) for p in self.filters.get("provinces") or ()]
        if provinces:
            parts.append(self._names([p if self.lang == "zh" else _PROVINCE_EN.get(p, p) for p in provinces]))
        return " · ".join(parts)

    def scenario_label(self) -> str:
        """The scenario name, marked when the weights were edited."""
        return self.scenario + (self._t("export.weights_edited") if self.weights_edited else "")

    def _value(self, value: Any) -> str:
        if isinstance(value, bool):
            return self._t("value.yes" if value else "value.no")
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, (list, tuple)):
            return self._names([str(v) for v in value])
        return str(value)

    def filter_rows(self) -> list[tuple[str, str]]:
        """The filters other than regions and provinces (those are :meth:`scope`) as (label, value) text."""
        return [
            (self._t(FILTER_LABELS[name]) if name in FILTER_LABELS else name, self._value(value))
            for name, value in self.filters.items()
            if name not in _SCOPE_FILTERS
        ]

    def weight_rows(self) -> list[tuple[str, float]]:
        """Criteria with a positive weight as (short label, weight), largest first."""
        used = sorted(((w, c) for c, w in self.weights.items() if w > 0), key=lambda wc: (-wc[0], wc[1]))
        return [(criterion_label(c, self.lang, short=True), round(w, 4)) for w, c in used]

    def summary_rows(self) -> list[tuple[str, str]]:
        """Scenario, industry, origin, scope, filters, replaced layers and date as (label, value) text."""
        rows = [(self._t("export.scenario"), self.scenario_label())]
        if self.industry:
            name = self.industry_name or self.industry
            rows.append((self._t("col.industry"), name))  # the id is in the machine-readable metadata
        if self.origin is not None and self.origin != "":
            rows.append((self._t("col.origin"), str(self.origin)))
        rows.append((self._t("export.scope"), self.scope() or self._t("export.scope_all")))
        rows += self.filter_rows()
        layers = [self._t(f"layer.{n}") if f"layer.{n}" in STRINGS else n for n in self.layers_replaced]
        rows.append((self._t("export.layers_replaced"), self._names(layers) or self._t("export.default_data")))
        rows.append((self._t("export.created_at"), self.created_at.isoformat(sep=" ", timespec="minutes")))
        return rows

    def rows(self) -> list[tuple[str, str | float]]:
        """Everything as (label, value) rows in :attr:`lang`: the summary, then one row per weight used."""
        weights = [(self._t("export.weight_of", criterion=label), w) for label, w in self.weight_rows()]
        return [*self.summary_rows(), *weights]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (ids, not labels; the date as ISO 8601 text)."""
        return self.model_dump(mode="json")
