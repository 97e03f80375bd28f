"""Receiving-site evaluation (评价指标体系) and yearly monitoring (监测评价): an index system as data, expert and
data weights, weighted sum / TOPSIS / VIKOR, and year-by-year evaluation against one base year."""

from __future__ import annotations

from transfer.evaluation._io import EvaluationError
from transfer.evaluation.ahp import (
    MAX_CR,
    AhpResult,
    Comparison,
    compare,
    consistency,
    from_comparison,
    load_ahp,
    parse_ahp,
)
from transfer.evaluation.core import (
    WEIGHTINGS,
    Evaluation,
    MethodComparison,
    compare_methods,
    criteria_matrix,
    equal_weights,
    evaluate,
    sub_scores,
)
from transfer.evaluation.index import (
    DEFAULT_INDEX_PATH,
    Heading,
    IndexSystem,
    MonitoringIndicator,
    SubHeading,
    load_index,
    parse_index,
)
from transfer.evaluation.methods import (
    METHODS,
    combine_weights,
    critic_weights,
    entropy_weights,
    rank_agreement,
    topsis,
    vikor,
    weighted_sum,
)

__all__ = [
    "DEFAULT_INDEX_PATH",
    "MAX_CR",
    "METHODS",
    "WEIGHTINGS",
    "AhpResult",
    "Comparison",
    "Evaluation",
    "EvaluationError",
    "Heading",
    "IndexSystem",
    "MethodComparison",
    "MonitoringIndicator",
    "SubHeading",
    "combine_weights",
    "compare",
    "compare_methods",
    "consistency",
    "criteria_matrix",
    "critic_weights",
    "entropy_weights",
    "equal_weights",
    "evaluate",
    "from_comparison",
    "load_ahp",
    "load_index",
    "parse_ahp",
    "parse_index",
    "rank_agreement",
    "sub_scores",
    "topsis",
    "vikor",
    "weighted_sum",
]
