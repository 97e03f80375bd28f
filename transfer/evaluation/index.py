"""The index system as data: 一级指标 → 二级指标 → site criteria, plus the yearly monitoring indicators."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transfer.evaluation._io import EvaluationError, KeyedValueError, read_text, read_yaml, validation_error
from transfer.industries import CRITERION_IDS
from transfer.names import did_you_mean

__all__ = [
    "DEFAULT_INDEX_PATH",
    "Heading",
    "IndexSystem",
    "MonitoringIndicator",
    "SubHeading",
    "load_index",
    "parse_index",
]

DEFAULT_INDEX_PATH = Path(__file__).resolve().parent.parent.parent / "geodata" / "index_system.yaml"
_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubHeading(_Strict):
    """A 二级指标: the site criteria it is measured by."""

    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    criteria: tuple[str, ...] = ()
    note: str = ""

    @field_validator("criteria")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, crit in enumerate(value):
            if crit not in CRITERION_IDS:
                hint = did_you_mean(crit, CRITERION_IDS)
                raise KeyedValueError(f"unknown criterion {crit!r}{hint}", loc=(i,))
        return value

    @model_validator(mode="after")
    def _said(self) -> SubHeading:
        if not self.criteria and not self.note:
            raise ValueError(f"二级指标 {self.id!r} has no criteria; say why in its 'note' (no data today?)")
        return self


class Heading(_Strict):
    """A 一级指标 and its 二级指标."""

    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    children: tuple[SubHeading, ...] = Field(min_length=1)
    note: str = ""

    @property
    def criteria(self) -> tuple[str, ...]:
        """Every criterion under this heading, in file order."""
        return tuple(c for sub in self.children for c in sub.criteria)


class MonitoringIndicator(_Strict):
    """A yearly indicator collected per site (a column of the monitoring template)."""

    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    direction: Literal["max", "min"] = "max"
    heading: str
    size: bool = False  # a heavy-tailed size: scaled on a log scale like the matcher's size criteria
    census: dict[int, str] = Field(default_factory=dict)  # census year -> column of geodata/census.csv
    source: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> MonitoringIndicator:
        if self.census and not self.source:
            raise ValueError(f"indicator {self.id!r} takes census values but names no 'source'")
        return self


class IndexSystem(_Strict):
    """A validated index system (see ``geodata/index_system.yaml``)."""

    name: str = Field(min_length=1)
    title: dict[Literal["zh", "en"], str] = Field(default_factory=dict)
    headings: tuple[Heading, ...] = Field(min_length=1)
    monitoring: tuple[MonitoringIndicator, ...] = ()
    source_path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> IndexSystem:
        seen: dict[str, str] = {}
        for h, heading in enumerate(self.headings):
            if heading.id in seen:
                raise KeyedValueError(f"id {heading.id!r} is used twice", loc=("headings", h, "id"))
            seen[heading.id] = "heading"
            for s, sub in enumerate(heading.children):
                if sub.id in seen:
                    raise KeyedValueError(f"id {sub.id!r} is used twice", loc=("headings", h, "children", s, "id"))
                seen[sub.id] = "sub"
        where: dict[str, str] = {}
        for h, heading in enumerate(self.headings):
            for s, sub in enumerate(heading.children):
                for c, crit in enumerate(sub.criteria):
                    if crit in where:
                        raise KeyedValueError(
                            f"criterion {crit!r} is listed under {where[crit]!r} and again under {sub.id!r}",
                            loc=("headings", h, "children", s, "criteria", c),
                        )
                    where[crit] = sub.id
        ids = [h.id for h in self.headings]
        for m, ind in enumerate(self.monitoring):
            if ind.heading not in ids:
                raise KeyedValueError(
                    f"monitoring indicator {ind.id!r} names heading {ind.heading!r}{did_you_mean(ind.heading, ids)}",
                    loc=("monitoring", m, "heading"),
                )
        return self

    def label(self, lang: str) -> str:
        """The title in ``lang`` (its name when it has none)."""
        first: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
        other: Literal["zh", "en"] = "en" if lang == "zh" else "zh"
        return self.title.get(first) or self.title.get(other) or self.name

    @property
    def criteria(self) -> tuple[str, ...]:
        """Every criterion of the system, in file order."""
        return tuple(c for h in self.headings for c in h.criteria)

    def heading_of(self, criterion: str) -> Heading:
        """The 一级指标 a criterion belongs to."""
        for h in self.headings:
            if criterion in h.criteria:
                return h
        raise KeyError(criterion)

    def nodes(self) -> Iterator[tuple[str, str, str, Sequence[str]]]:
        """(id, level, parent id, criteria) of every heading and sub-heading, for names and AHP levels."""
        for h in self.headings:
            yield h.id, "heading", "", h.criteria
            for sub in h.children:
                yield sub.id, "sub", h.id, sub.criteria

    def node_name(self, node_id: str, lang: str) -> str:
        """The zh or en name of a heading, sub-heading or monitoring indicator (a criterion id is returned as is)."""
        for h in self.headings:
            if h.id == node_id:
                return h.name_zh if lang == "zh" else h.name_en
            for sub in h.children:
                if sub.id == node_id:
                    return sub.name_zh if lang == "zh" else sub.name_en
        for ind in self.monitoring:
            if ind.id == node_id:
                return ind.name_zh if lang == "zh" else ind.name_en
        return node_id


def parse_index(text: str, *, where: str = "<index system>") -> IndexSystem:
    """Validate index-system YAML text."""
    data, node = read_yaml(text, where)
    if not isinstance(data, dict):
        raise EvaluationError("an index system must be a mapping of keys", where=where, fix="start with `name: ...`")
    try:
        system = IndexSystem.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, IndexSystem, node, where, fix="see geodata/index_system.yaml") from None
    return system.model_copy(update={"source_path": where})


def load_index(path: str | Path | None = None) -> IndexSystem:
    """Load and validate an index-system file (default: ``geodata/index_system.yaml``)."""
    p = Path(path) if path is not None else DEFAULT_INDEX_PATH
    return parse_index(read_text(p, "index system file"), where=str(p))
