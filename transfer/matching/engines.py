"""Min-cost-flow engines for the matcher: one arc-list network in, integral flows out."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from transfer.errors import InfeasibleError

__all__ = ["ENGINES", "FlowNetwork", "FlowSolution", "solve_network"]

ENGINES = ("networkx", "ortools")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FlowNetwork:
    """A min-cost-flow problem as flat arrays (nodes are 0 .. n_nodes - 1).

    Parameters
    ----------
    supplies
        Supply per node (positive = source, negative = sink); sums to zero.
    tails, heads
        Arc end points.
    capacities
        Arc capacity (flow units).
    costs
        Integer cost per unit of flow on the arc.
    """

    supplies: IntArray
    tails: IntArray
    heads: IntArray
    capacities: IntArray
    costs: IntArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.supplies.shape[0])

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return int(self.tails.shape[0])


@dataclass(frozen=True)
class FlowSolution:
    """Optimal integral flow per arc, its total cost, the solver status and the solve time."""

    flows: IntArray
    objective: int
    status: str
    solve_time_s: float


def solve_network(network: FlowNetwork, *, engine: str) -> FlowSolution:
    """Solve a min-cost-flow network with the named engine.

    Parameters
    ----------
    network
        The problem.
    engine
        ``"networkx"`` (network simplex, pure Python) or ``"ortools"`` (C++ cost scaling).

    Returns
    -------
    FlowSolution
        Flows in arc order.

    Raises
    ------
    InfeasibleError
        If the solver does not report an optimal solution; the message names the solver status.
    """
    if engine == "ortools":
        return _solve_ortools(network)
    if engine == "networkx":
        return _solve_networkx(network)
    raise ValueError(f"unknown engine {engine!r}")  # callers validate; this is a programming error


def _solve_ortools(network: FlowNetwork) -> FlowSolution:
    from ortools.graph.python import min_cost_flow

    start = time.perf_counter()
    smcf = min_cost_flow.SimpleMinCostFlow()
    if network.n_arcs:
        smcf.add_arcs_with_capacity_and_unit_cost(
            network.tails.astype(np.int32, copy=False),
            network.heads.astype(np.int32, copy=False),
            network.capacities,
            network.costs,
        )
    smcf.set_nodes_supplies(np.arange(network.n_nodes, dtype=np.int32), network.supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise InfeasibleError(
            f"OR-Tools min-cost flow ended with status {status.name}, not OPTIMAL",
            where="matching (engine='ortools')",
            fix="check that demand, capacities and costs are non-negative integers below 2**50; "
            "report the instance if the status is BAD_RESULT",
        )
    if network.n_arcs:
        flows = np.asarray(smcf.flows(np.arange(network.n_arcs, dtype=np.int32)), dtype=np.int64)
    else:
        flows = np.zeros(0, dtype=np.int64)
    objective = int(smcf.optimal_cost())
    return FlowSolution(flows, objective, status.name, time.perf_counter() - start)


def _solve_networkx(network: FlowNetwork) -> FlowSolution:
    import networkx as nx

    start = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_nodes_from((node, {"demand": -supply}) for node, supply in enumerate(network.supplies.tolist()))
    graph.add_edges_from(
        (tail, head, {"capacity": cap, "weight": cost})
        for tail, head, cap, cost in zip(
            network.tails.tolist(),
            network.heads.tolist(),
            network.capacities.tolist(),
            network.costs.tolist(),
            strict=True,
        )
    )
    if graph.number_of_edges() != network.n_arcs:
        raise ValueError("networkx engine needs at most one arc per (tail, head) pair")
    try:
        objective, flow_dict = nx.network_simplex(graph)
    except nx.NetworkXUnfeasible as exc:
        raise InfeasibleError(
            f"networkx network_simplex ended with status INFEASIBLE ({exc})",
            where="matching (engine='networkx')",
            fix="check that every demand node has its unmatched arc (total supply must balance)",
        ) from exc
    except nx.NetworkXUnbounded as exc:
        raise InfeasibleError(
            f"networkx network_simplex ended with status UNBOUNDED ({exc})",
            where="matching (engine='networkx')",
            fix="costs must be non-negative",
        ) from exc
    flows = np.fromiter(
        (flow_dict[tail][head] for tail, head in zip(network.tails.tolist(), network.heads.tolist(), strict=True)),
        dtype=np.int64,
        count=network.n_arcs,
    )
    return FlowSolution(flows, int(objective), "OPTIMAL", time.perf_counter() - start)
