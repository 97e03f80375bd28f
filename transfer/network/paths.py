"""Shortest-path engines on the arc table: scipy.sparse.csgraph (default) and a networkx baseline."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from transfer.errors import NetworkError

__all__ = [
    "ENGINES",
    "along_tree",
    "arc_matrix",
    "limited_times",
    "nearest_tree",
    "path_to",
    "sorted_arc_keys",
    "to_networkx",
]

ENGINES = ("scipy", "networkx")
NO_PRED = -9999


def arc_matrix(
    arcs: pd.DataFrame, n: int, weight: str, *, modes: Sequence[str] | None = None, reverse: bool = False
) -> sparse.csr_matrix:
    """Sparse matrix of one arc weight (optionally only some modes; reverse swaps direction)."""
    a = arcs if modes is None else arcs[arcs["mode"].isin(modes)]
    u, v = a["u"].to_numpy(), a["v"].to_numpy()
    if reverse:
        u, v = v, u
    return sparse.csr_matrix((a[weight].to_numpy(dtype=float) + 1e-12, (u, v)), shape=(n, n))


def to_networkx(arcs: pd.DataFrame, n: int) -> nx.DiGraph:
    """The arc table as a networkx DiGraph (attributes: mode, distance_km, time_h, cost_cny_teu, weight)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    cols = ["u", "v", "mode", "distance_km", "time_h", "cost_cny_teu", "gen_cost"]
    g.add_edges_from(
        (int(u), int(v), {"mode": m, "distance_km": d, "time_h": t, "cost_cny_teu": c, "weight": w})
        for u, v, m, d, t, c, w in arcs[cols].itertuples(index=False, name=None)
    )
    return g


def nearest_tree(
    rev: sparse.csr_matrix | nx.DiGraph, targets: Sequence[int], *, engine: str, limit: float = np.inf
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Least cost from every node to the nearest of ``targets``, the next hop towards it and which target.

    ``rev`` is the reversed graph (a sparse matrix for scipy, a reversed DiGraph for networkx).
    """
    targets = [int(t) for t in targets]
    if not targets:
        raise NetworkError(
            "no target nodes for a shortest-path query",
            where="nearest_tree",
            fix="check that hubs of the requested type exist in the network",
        )
    if engine == "scipy":
        assert isinstance(rev, sparse.csr_matrix)
        dist, pred, src = dijkstra(
            rev, directed=True, indices=targets, min_only=True, return_predecessors=True, limit=limit
        )
        return dist, pred.astype(np.int64), src.astype(np.int64)
    if engine == "networkx":
        assert isinstance(rev, nx.DiGraph)
        n = rev.number_of_nodes()
        dist_d, paths = nx.multi_source_dijkstra(rev, set(targets), weight="weight")
        dist = np.full(n, np.inf)
        pred = np.full(n, NO_PRED, dtype=np.int64)
        src = np.full(n, NO_PRED, dtype=np.int64)
        for node, d in dist_d.items():
            dist[node] = d
            p = paths[node]
            src[node] = p[0]
            if len(p) > 1:
                pred[node] = p[-2]
        return dist, pred, src
    raise NetworkError(f"unknown engine '{engine}'", where="accessibility(engine=...)", fix=f"use one of {ENGINES}")


def sorted_arc_keys(arcs: pd.DataFrame, n: int, column: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Arc keys u*n+v in ascending order and the matching values of one arc column."""
    keys = arcs["u"].to_numpy(dtype=np.int64) * n + arcs["v"].to_numpy(dtype=np.int64)
    order = np.argsort(keys)
    return keys[order], arcs[column].to_numpy(dtype=float)[order]


def along_tree(
    pred: NDArray[np.int64], keyed: tuple[NDArray[np.int64], NDArray[np.float64]], n: int
) -> NDArray[np.float64]:
    """Sum of an arc value along each node's tree path to its root (pointer doubling, vectorised).

    ``pred`` comes from a reversed-graph search, so the arc used at node x is x -> pred[x] in the
    original graph;
    ``keyed`` is the output of sorted_arc_keys.
    """
    skeys, svals = keyed
    has = pred >= 0
    acc = np.zeros(n)
    q = np.arange(n, dtype=np.int64)[has] * n + pred[has]
    pos = np.searchsorted(skeys, q)
    acc[has] = svals[np.minimum(pos, len(skeys) - 1)]
    ptr = np.where(has, pred, NO_PRED)
    while (ptr >= 0).any():
        m = ptr >= 0
        acc[m] += acc[ptr[m]]
        nxt = np.full(n, NO_PRED, dtype=np.int64)
        nxt[m] = ptr[ptr[m]]
        ptr = nxt
    return acc


def path_to(pred_forward: NDArray[np.int64], source: int, target: int) -> list[int]:
    """Node sequence source..target from a forward search's predecessor array (empty if unreachable)."""
    if source == target:
        return [source]
    if pred_forward[target] < 0:
        return []
    seq = [target]
    while seq[-1] != source:
        seq.append(int(pred_forward[seq[-1]]))
    return seq[::-1]


def limited_times(
    g: sparse.csr_matrix | nx.DiGraph,
    sources: Sequence[int] | NDArray[np.int64],
    columns: Sequence[int] | NDArray[np.int64],
    *,
    engine: str,
    limit: float,
    batch: int = 32,
) -> NDArray[np.float64]:
    """Matrix sources x columns of least weights up to ``limit`` (inf beyond)."""
    src = [int(s) for s in sources]
    cols = np.asarray(columns, dtype=np.int64)
    if engine == "scipy":
        assert isinstance(g, sparse.csr_matrix)
        rows = [
            dijkstra(g, directed=True, indices=src[i : i + batch], limit=limit)[:, cols]
            for i in range(0, len(src), batch)
        ]
        return np.vstack(rows) if rows else np.zeros((0, len(cols)))
    assert isinstance(g, nx.DiGraph)
    pos = {int(c): j for j, c in enumerate(cols)}
    out = np.full((len(src), len(cols)), np.inf)
    for i, s in enumerate(src):
        for node, t in nx.single_source_dijkstra_path_length(g, s, cutoff=limit, weight="weight").items():
            if node in pos:
                out[i, pos[node]] = t
    return out
