"""Yearly monitoring values in the workspace: one row per year, site and indicator (table ``monitoring_values``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from transfer.workspace.core import WorkspaceError

if TYPE_CHECKING:
    from transfer.workspace import WorkspaceAPI

__all__ = ["MONITORING_COLUMNS", "load_monitoring", "monitoring_years", "save_monitoring"]

MONITORING_COLUMNS = ("year", "adcode", "indicator", "value", "source")


def save_monitoring(workspace: WorkspaceAPI, values: pd.DataFrame) -> int:
    """Store monitoring rows (columns :data:`MONITORING_COLUMNS`) in one transaction; a row for a year, site and
    indicator that is already stored replaces it. Returns the number of rows written."""
    missing = [c for c in MONITORING_COLUMNS if c not in values.columns]
    if missing:
        raise WorkspaceError(
            f"monitoring rows lack the columns {', '.join(missing)}",
            where="save_monitoring(values=...)",
            fix=f"pass a frame with {', '.join(MONITORING_COLUMNS)}",
        )
    rows = [
        (int(y), int(a), str(i), float(v), str(s))
        for y, a, i, v, s in values[list(MONITORING_COLUMNS)].itertuples(index=False, name=None)
    ]
    return workspace.save_monitoring_rows(rows)


def load_monitoring(workspace: WorkspaceAPI, *, years: Sequence[int] | None = None) -> pd.DataFrame:
    """The stored monitoring rows (all years, or the given ones), ordered by year, site and indicator."""
    return pd.DataFrame(workspace.load_monitoring_rows(years), columns=list(MONITORING_COLUMNS))


def monitoring_years(workspace: WorkspaceAPI) -> list[int]:
    """The years with stored monitoring values."""
    return sorted({int(row[0]) for row in workspace.load_monitoring_rows()})
