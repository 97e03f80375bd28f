"""Capacity-aware matching of relocating demand (industries or firms) to receiving sites by min-cost flow."""

from __future__ import annotations

from transfer.matching.core import (
    AUTO_ORTOOLS_MIN_ARCS,
    CAPACITY,
    COST_SCALE,
    DEMAND_ID,
    JOBS,
    SCORE,
    SITE_ID,
    UTILISATION,
    Assignment,
    MatchResult,
    aggregate_blocks,
    binding_constraints,
    match_candidates,
    match_tables,
    solve_matching,
    split_into_blocks,
)

__all__ = [
    "AUTO_ORTOOLS_MIN_ARCS",
    "CAPACITY",
    "COST_SCALE",
    "DEMAND_ID",
    "JOBS",
    "SCORE",
    "SITE_ID",
    "UTILISATION",
    "Assignment",
    "MatchResult",
    "aggregate_blocks",
    "binding_constraints",
    "match_candidates",
    "match_tables",
    "solve_matching",
    "split_into_blocks",
]
