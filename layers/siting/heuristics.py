"""Heuristics: greedy construction, then vertex substitution (Teitz & Bart 1968)."""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.siting.instance import MAX_SWAPS, BoolArray, FloatArray, IntArray, SitingInstance

# Heuristics: greedy construction, then vertex substitution (Teitz–Bart)
# ---------------------------------------------------------------------------------------------------------


def _best_closed(gain: FloatArray, open_sites: BoolArray) -> int:
    masked = np.where(open_sites, -np.inf, gain)
    return int(np.argmax(masked))


def _greedy_cover(instance: SitingInstance, p: int, *, swap: bool) -> tuple[BoolArray, dict[str, Any]]:
    """Greedy MCLP (largest uncovered demand first), then vertex substitution (:func:`_swap_cover`)."""
    w = instance.weight
    row, col = instance.row, instance.col
    count = _cover_count(instance, instance.fixed)
    open_sites = instance.fixed.copy()
    for _ in range(p):
        gain = np.bincount(col, weights=w[row] * (count[row] == 0), minlength=instance.n_sites)
        j = _best_closed(gain, open_sites)
        open_sites[j] = True
        count[row[instance.site_entries(j)]] += 1
    swaps = _swap_cover(instance, open_sites) if swap else 0
    return open_sites, {"swaps": swaps}


def _cover_count(instance: SitingInstance, open_sites: BoolArray) -> IntArray:
    """How many open sites reach each demand point within ``T``."""
    return np.bincount(instance.row[open_sites[instance.col]], minlength=instance.n_demand).astype(np.int64)


def _swap_cover(instance: SitingInstance, open_sites: BoolArray) -> int:
    """Best-improvement swaps of one open new site for a closed candidate until none gains (in place).

    For each open new site k: the demand only k covers is lost; with k closed, every closed candidate's gain is
    one weighted count over the pairs. The best (k, j) swap is made while it gains more than a tie tolerance.
    """
    w = instance.weight
    row, col = instance.row, instance.col
    count = _cover_count(instance, open_sites)
    tolerance = 1e-9 * max(float(w.sum()), 1.0)
    swaps = 0
    while swaps < MAX_SWAPS:
        best = (tolerance, -1, -1)
        for k in np.flatnonzero(open_sites & ~instance.fixed):
            rows_k = row[instance.site_entries(k)]
            loss = float(w[rows_k][count[rows_k] == 1].sum())
            without = count.copy()
            without[rows_k] -= 1
            gain = np.bincount(col, weights=w[row] * (without[row] == 0), minlength=instance.n_sites)
            j = _best_closed(gain, open_sites)
            if gain[j] - loss > best[0]:
                best = (float(gain[j] - loss), int(k), j)
        if best[1] < 0:
            break
        _, k, j = best
        open_sites[k], open_sites[j] = False, True
        count[row[instance.site_entries(k)]] -= 1
        count[row[instance.site_entries(j)]] += 1
        swaps += 1
    return swaps


def _fallback_minutes(instance: SitingInstance, penalty_min: float) -> FloatArray:
    """Per demand point, the minutes it costs without any new site: the nearest fixed site, or the penalty."""
    fallback = np.full(instance.n_demand, penalty_min)
    _, seconds = instance.nearest_open(instance.fixed)
    reached = np.isfinite(seconds)
    fallback[reached] = np.minimum(penalty_min, seconds[reached] / 60.0)
    return fallback


def _greedy_median(
    instance: SitingInstance, p: int, penalty_min: float, *, swap: bool
) -> tuple[BoolArray, dict[str, Any]]:
    """Greedy p-median (largest drop in weighted time first), then vertex substitution (:func:`_swap_median`)."""
    w = instance.weight
    row, col, minutes = instance.row, instance.col, instance.time_s / 60.0
    current = _fallback_minutes(instance, penalty_min)
    open_sites = instance.fixed.copy()
    for _ in range(p):
        gain = np.bincount(col, weights=w[row] * np.maximum(current[row] - minutes, 0.0), minlength=instance.n_sites)
        j = _best_closed(gain, open_sites)
        open_sites[j] = True
        entries = instance.site_entries(j)
        np.minimum.at(current, row[entries], minutes[entries])
    swaps = _swap_median(instance, open_sites, penalty_min) if swap else 0
    return open_sites, {"swaps": swaps}


def _swap_median(instance: SitingInstance, open_sites: BoolArray, penalty_min: float) -> int:
    """Teitz–Bart vertex substitution for the p-median, best improvement, in place.

    With the nearest and second-nearest open site of every demand point, closing an open new site k sends its
    demand to the second nearest; every closed candidate's saving from there is one weighted sum over the
    pairs, so each round costs (open new sites) × (pairs).
    """
    w = instance.weight
    col, row, minutes = instance.col, instance.row, instance.time_s / 60.0
    tolerance = 1e-9 * max(float((w * penalty_min).sum()), 1.0)
    swaps = 0
    while swaps < MAX_SWAPS:
        nearest, second, first_site = _two_nearest(instance, open_sites, penalty_min)
        cost_now = float((w * nearest).sum())
        best = (tolerance, -1, -1)
        for k in np.flatnonzero(open_sites & ~instance.fixed):
            without = np.where(first_site == k, second, nearest)
            cost_without = float((w * without).sum())
            gain = np.bincount(
                col, weights=w[row] * np.maximum(without[row] - minutes, 0.0), minlength=instance.n_sites
            )
            j = _best_closed(gain, open_sites)
            improvement = cost_now - (cost_without - gain[j])
            if improvement > best[0]:
                best = (float(improvement), int(k), j)
        if best[1] < 0:
            break
        _, k, j = best
        open_sites[k], open_sites[j] = False, True
        swaps += 1
    return swaps


def _two_nearest(
    instance: SitingInstance, open_sites: BoolArray, penalty_min: float
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Minutes to the nearest and second-nearest open site (capped at the penalty), and the nearest site."""
    nearest = np.full(instance.n_demand, penalty_min)
    second = np.full(instance.n_demand, penalty_min)
    first_site = np.full(instance.n_demand, -1, dtype=np.int64)
    keep = open_sites[instance.col]
    r, c, t = instance.row[keep], instance.col[keep], instance.time_s[keep] / 60.0
    if len(r):
        first = np.r_[True, r[1:] != r[:-1]]
        is_second = np.r_[False, (~first[1:]) & first[:-1]]
        nearest[r[first]] = np.minimum(penalty_min, t[first])
        first_site[r[first]] = c[first]
        second[r[is_second]] = np.minimum(penalty_min, t[is_second])
    return nearest, second, first_site


def _greedy_set_cover(instance: SitingInstance, need: BoolArray) -> tuple[BoolArray, dict[str, Any]]:
    """Greedy set cover (most uncovered demand points first), then removal of redundant sites (latest first)."""
    row, col = instance.row, instance.col
    uncovered = need.copy()
    open_sites = instance.fixed.copy()
    chosen: list[int] = []
    while uncovered.any():
        gain = np.bincount(col, weights=uncovered[row].astype(float), minlength=instance.n_sites)
        j = _best_closed(gain, open_sites)
        if gain[j] <= 0:
            break
        open_sites[j] = True
        chosen.append(j)
        uncovered[row[instance.site_entries(j)]] = False
    count = np.zeros(instance.n_demand, dtype=np.int64)
    for j in np.flatnonzero(open_sites):
        count[row[instance.site_entries(j)]] += 1
    removed = 0
    for j in reversed(chosen):
        rows_j = row[instance.site_entries(j)]
        rows_j = rows_j[need[rows_j]]
        if (count[rows_j] >= 2).all():
            open_sites[j] = False
            count[rows_j] -= 1
            removed += 1
    return open_sites, {"redundant_removed": removed}


# ---------------------------------------------------------------------------------------------------------
