"""Input validation for the matcher: arrays and labelled tables are checked where they enter."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from transfer.errors import LayerError, ScenarioError
from transfer.matching.engines import ENGINES

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def as_counts(values: npt.ArrayLike, name: str) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise LayerError(
            f"{name} must be one-dimensional, got shape {arr.shape}",
            where=f"matching({name})",
            fix="pass one count per demand node or site",
        )
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise LayerError(
            f"{name} must be numeric job counts, got dtype {arr.dtype}",
            where=f"matching({name})",
            fix="convert the column to integers",
        )
    if arr.size and np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            pos = int(np.argmax(bad))
            raise LayerError(
                f"{name} must be whole numbers of jobs, got {arr[pos].item()} at position {pos}",
                where=f"matching({name})",
                fix="fill missing values and round to whole jobs",
            )
    out = arr.astype(np.int64)
    if (out < 0).any():
        pos = int(np.argmax(out < 0))
        raise LayerError(
            f"{name} must not be negative, got {out[pos]} at position {pos}",
            where=f"matching({name})",
            fix="use 0 for none",
        )
    return out


def as_groups(
    site_group: npt.ArrayLike | None, group_capacity: npt.ArrayLike | None, n_site: int
) -> tuple[IntArray, IntArray]:
    if (site_group is None) != (group_capacity is None):
        raise ScenarioError(
            "site_group and group_capacity go together",
            where="solve_matching(site_group, group_capacity)",
            fix="pass both (a group code per site and a capacity per group) or neither",
        )
    if site_group is None or group_capacity is None:
        return np.full(n_site, -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    caps = as_counts(group_capacity, "group_capacity")
    codes = np.asarray(site_group)
    if codes.shape != (n_site,) or not np.issubdtype(codes.dtype, np.integer):
        raise LayerError(
            f"site_group must be {n_site} integer codes, got shape {codes.shape} and dtype {codes.dtype}",
            where="solve_matching(site_group)",
            fix="give each site a group code 0 .. n_groups - 1, or -1 for no group",
        )
    codes = codes.astype(np.int64)
    if codes.size and (codes.min() < -1 or codes.max() >= caps.shape[0]):
        raise LayerError(
            f"site_group codes must lie in -1 .. {caps.shape[0] - 1}",
            where="solve_matching(site_group)",
            fix="give group_capacity one entry per group code",
        )
    return codes, caps


def check_options(
    top_k: int | None,
    min_score: float | None,
    unmatched_penalty: float | None,
    max_share_per_site: float | None,
    engine: str,
) -> None:
    where = "solve_matching"
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ScenarioError(
            f"top_k must be a positive integer, got {top_k!r}",
            where=f"{where}(top_k)",
            fix="use e.g. top_k=10, or None for all",
        )
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise ScenarioError(
            f"min_score must lie in [0, 1], got {min_score!r}",
            where=f"{where}(min_score)",
            fix="scores are in [0, 1]",
        )
    if unmatched_penalty is not None and not (np.isfinite(unmatched_penalty) and unmatched_penalty >= 0):
        raise ScenarioError(
            f"unmatched_penalty must be a finite number >= 0, got {unmatched_penalty!r}",
            where=f"{where}(unmatched_penalty)",
            fix="use e.g. 2.0, or None to maximise matched jobs first",
        )
    if max_share_per_site is not None and not 0.0 < max_share_per_site <= 1.0:
        raise ScenarioError(
            f"max_share_per_site must lie in (0, 1], got {max_share_per_site!r}",
            where=f"{where}(max_share_per_site)",
            fix="use e.g. 0.5",
        )
    if engine not in (*ENGINES, "auto"):
        raise ScenarioError(
            f"unknown engine {engine!r}",
            where=f"{where}(engine)",
            fix=f"use one of {', '.join((*ENGINES, 'auto'))}",
        )


def candidate_arcs(
    score: Any, eligible: npt.ArrayLike | None, n_demand: int, n_site: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Candidate arcs (demand, site, score), sorted by demand then site."""
    shape = (n_demand, n_site)
    if sparse.issparse(score):
        if eligible is not None:
            raise ScenarioError(
                "eligible is for dense scores only",
                where="solve_matching(eligible)",
                fix="store only the eligible pairs in the sparse score matrix",
            )
        if score.shape != shape:
            raise LayerError(
                f"score has shape {score.shape}, expected {shape} (demand x sites)",
                where="solve_matching(score)",
                fix="one row per demand, one column per site",
            )
        csr = canonical_csr(score)
        rows = np.repeat(np.arange(n_demand, dtype=np.int64), np.diff(csr.indptr))
        cols = csr.indices.astype(np.int64)
        values = csr.data.astype(np.float64)
    else:
        dense = np.asarray(score, dtype=np.float64)
        if dense.shape != shape:
            raise LayerError(
                f"score has shape {dense.shape}, expected {shape} (demand x sites)",
                where="solve_matching(score)",
                fix="one row per demand, one column per site",
            )
        if eligible is None:
            mask = np.ones(shape, dtype=bool)
        else:
            mask = np.asarray(eligible)
            if mask.shape != shape or mask.dtype != bool:
                raise LayerError(
                    f"eligible must be a boolean array of shape {shape}, got {mask.shape} {mask.dtype}",
                    where="solve_matching(eligible)",
                    fix="pass True for allowed pairs and False for excluded ones",
                )
        r, c = np.nonzero(mask)
        rows, cols = r.astype(np.int64), c.astype(np.int64)
        values = dense[r, c]
    bad = ~((values >= -1e-9) & (values <= 1.0 + 1e-9))  # also catches NaN
    if bad.any():
        k = int(np.argmax(bad))
        raise LayerError(
            f"score {float(values[k])} at (demand, site) position ({rows[k]}, {cols[k]}) is not in [0, 1]",
            where="solve_matching(score)",
            fix="fill or clip the score, or mark the pair ineligible",
        )
    return rows, cols, np.clip(values, 0.0, 1.0)


def canonical_csr(score: Any) -> sparse.csr_array:
    if score.format == "csr":
        csr = sparse.csr_array(score)
        if csr.has_canonical_format:
            return csr
        nnz = csr.nnz
        csr = csr.copy()
    else:
        coo = sparse.coo_array(score)
        nnz = coo.nnz
        csr = coo.tocsr()
    csr.sum_duplicates()
    if csr.nnz != nnz:
        raise LayerError(
            "the sparse score matrix stores some (demand, site) pair more than once",
            where="solve_matching(score)",
            fix="store each candidate pair once",
        )
    return csr


def unique_ids(index: pd.Index, name: str) -> pd.Index:
    if index.hasnans:
        raise LayerError(
            f"{name} contains missing ids", where=f"matching({name})", fix="give every row and column an id"
        )
    if not index.is_unique:
        dup = index[index.duplicated()].unique()[:5].tolist()
        raise LayerError(f"{name} has duplicated ids {dup}", where=f"matching({name})", fix="make the ids unique")
    return index


def mismatch(ids: pd.Index, expected: pd.Index, name: str, against: str) -> None:
    missing = expected.difference(ids)
    extra = ids.difference(expected)
    if len(missing) or len(extra):
        raise LayerError(
            f"{name} ids do not match {against}: missing {list(missing[:5])}, unknown {list(extra[:5])}",
            where=f"matching({name})",
            fix=f"give {name} exactly one entry per id of {against}",
        )


def aligned(values: pd.Series, ids: pd.Index, name: str, against: str) -> IntArray:
    if not isinstance(values, pd.Series):
        raise LayerError(
            f"{name} must be a pandas Series indexed by id",
            where=f"matching({name})",
            fix="e.g. pd.Series(jobs, index=ids)",
        )
    unique_ids(values.index, f"{name}.index")
    mismatch(values.index, ids, name, against)
    return as_counts(values.reindex(ids).to_numpy(), name)


def aligned_mask(eligible: pd.DataFrame, demand_ids: pd.Index, site_ids: pd.Index) -> npt.NDArray[np.bool_]:
    mismatch(unique_ids(eligible.index, "eligible.index"), demand_ids, "eligible rows", "scores.index")
    mismatch(unique_ids(eligible.columns, "eligible.columns"), site_ids, "eligible columns", "scores.columns")
    aligned = eligible.reindex(index=demand_ids, columns=site_ids)
    if not all(pd.api.types.is_bool_dtype(t) for t in aligned.dtypes):
        raise LayerError(
            "eligible must hold only True/False",
            where="matching(eligible)",
            fix="fill missing entries and convert with .astype(bool)",
        )
    return aligned.to_numpy(dtype=bool)


def group_codes(
    site_group: pd.Series | None, group_capacity: pd.Series | None, site_ids: pd.Index
) -> tuple[IntArray | None, IntArray | None]:
    if site_group is None and group_capacity is None:
        return None, None
    if site_group is None or group_capacity is None:
        raise ScenarioError(
            "site_group and group_capacity go together",
            where="matching(site_group, group_capacity)",
            fix="pass the group of each site and the capacity of each group",
        )
    unique_ids(site_group.index, "site_group.index")
    mismatch(site_group.index, site_ids, "site_group", "the site ids")
    groups = unique_ids(group_capacity.index, "group_capacity.index")
    labels = site_group.reindex(site_ids)
    unknown = groups.difference(pd.Index(labels.dropna().unique()))
    if len(unknown):
        raise LayerError(
            f"group_capacity names groups {list(unknown[:5])} that no site belongs to",
            where="matching(group_capacity)",
            fix="check the group names against site_group",
        )
    codes = groups.get_indexer(labels.to_numpy()).astype(np.int64)  # -1 = uncapped group or NaN
    return codes, as_counts(group_capacity.to_numpy(), "group_capacity")
