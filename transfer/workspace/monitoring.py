"""Yearly monitoring values in the workspace: one row per year, site and indicator (table ``monitoring_values``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import pandas as pd

from transfer.workspace import schema
from transfer.workspace.core import Workspace, WorkspaceError, _now

__all__ = ["MONITORING_COLUMNS", "load_monitoring", "monitoring_years", "save_monitoring"]

MONITORING_COLUMNS = ("year", "adcode", "indicator", "value", "source")


def save_monitoring(workspace: Workspace, values: pd.DataFrame) -> int:
    """Store monitoring rows (columns :data:`MONITORING_COLUMNS`) in one transaction; a row for a year, site and
    indicator that is already stored replaces it. Returns the number of rows written."""
    missing = [c for c in MONITORING_COLUMNS if c not in values.columns]
    if missing:
        raise WorkspaceError(
            f"monitoring rows lack the columns {', '.join(missing)}",
            where="save_monitoring(values=...)",
            fix=f"pass a frame with {', '.join(MONITORING_COLUMNS)}",
        )
    stamp = _now()
    rows = [
        (int(y), int(a), str(i), float(v), str(s), stamp, schema.new_uid())
        for y, a, i, v, s in values[list(MONITORING_COLUMNS)].itertuples(index=False, name=None)
    ]

    def save(conn: sqlite3.Connection) -> int:
        conn.executemany(
            "INSERT OR REPLACE INTO monitoring_values (year, adcode, indicator, value, source, imported_at, uid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    return workspace._transaction(save)


def load_monitoring(workspace: Workspace, *, years: Sequence[int] | None = None) -> pd.DataFrame:
    """The stored monitoring rows (all years, or the given ones), ordered by year, site and indicator."""
    query = f"SELECT {', '.join(MONITORING_COLUMNS)} FROM monitoring_values"
    args: tuple[int, ...] = ()
    if years:
        query += f" WHERE year IN ({', '.join('?' for _ in years)})"
        args = tuple(int(y) for y in years)
    rows = workspace._transaction(
        lambda conn: conn.execute(query + " ORDER BY year, adcode, indicator", args).fetchall(), write=False
    )
    return pd.DataFrame(rows, columns=list(MONITORING_COLUMNS))


def monitoring_years(workspace: Workspace) -> list[int]:
    """The years with stored monitoring values."""
    rows = workspace._transaction(
        lambda conn: conn.execute("SELECT DISTINCT year FROM monitoring_values ORDER BY year").fetchall(), write=False
    )
    return [int(y) for (y,) in rows]
