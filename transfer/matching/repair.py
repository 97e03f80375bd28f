"""Indivisible-firm repair: turn a splittable min-cost flow into one site (or none) per firm."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["repair_indivisible"]

IntArray = npt.NDArray[np.int64]


def repair_indivisible(
    rows: IntArray,
    cols: IntArray,
    costs: IntArray,
    arc_caps: IntArray,
    flows: IntArray,
    demand: IntArray,
    capacity: IntArray,
    site_group: IntArray,
    group_capacity: IntArray,
) -> IntArray:
    """Place every split firm wholly at one site, first-fit decreasing, cheapest arc first.

    Firms whose jobs the splittable optimum already sends to a single site keep that site. The
    others (split over sites, or partly or wholly unmatched) are taken largest first; each goes
    to its cheapest candidate site whose remaining site and group capacity can take all of its
    jobs, or stays wholly unmatched.

    Parameters
    ----------
    rows, cols
        Demand and site index of each candidate arc, arcs sorted by demand index.
    costs, arc_caps
        Unit cost and capacity of each candidate arc.
    flows
        Splittable optimal flow on each candidate arc.
    demand, capacity
        Jobs per firm and per site.
    site_group, group_capacity
        Group code per site (-1 for none) and capacity per group.

    Returns
    -------
    numpy.ndarray
        New flow per candidate arc: each firm has at most one arc with positive flow, carrying
        all of its jobs.
    """
    n_demand = demand.shape[0]
    n_site = capacity.shape[0]
    positive = flows > 0
    n_positive = np.bincount(rows[positive], minlength=n_demand)
    matched = np.bincount(rows, weights=flows, minlength=n_demand).astype(np.int64)
    whole = (n_positive == 1) & (matched == demand)
    new_flows = np.where(positive & whole[rows], flows, 0).astype(np.int64)

    site_left = capacity - np.bincount(cols, weights=new_flows, minlength=n_site).astype(np.int64)
    # one extra, unlimited slot at the end stands for "in no capped group" (code -1)
    n_group = group_capacity.shape[0]
    group_codes = np.where(site_group >= 0, site_group, n_group)
    group_left = np.append(group_capacity, np.iinfo(np.int64).max) - np.bincount(
        group_codes[cols], weights=new_flows, minlength=n_group + 1
    ).astype(np.int64)

    todo = np.flatnonzero((demand > 0) & ~whole)
    todo = todo[np.argsort(-demand[todo], kind="stable")]
    indptr = np.searchsorted(rows, np.arange(n_demand + 1))
    for firm in todo.tolist():
        start, stop = int(indptr[firm]), int(indptr[firm + 1])
        if start == stop:
            continue
        jobs = int(demand[firm])
        arcs = start + np.argsort(costs[start:stop], kind="stable")
        sites = cols[arcs]
        groups = group_codes[sites]
        fits = (arc_caps[arcs] >= jobs) & (site_left[sites] >= jobs) & (group_left[groups] >= jobs)
        if not fits.any():
            continue
        pick = int(np.argmax(fits))
        new_flows[arcs[pick]] = jobs
        site_left[sites[pick]] -= jobs
        group_left[groups[pick]] -= jobs
    return new_flows
