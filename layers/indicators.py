"""Accessibility indicators per origin and category, from a travel-time table.

All functions take the one travel-time contract — a long frame ``from_id, to_id, travel_time`` (seconds, only
pairs within the cutoff) — plus the destinations (``id``, ``category``, optional ``capacity``), and return a wide
frame indexed by origin id, one column per category and measure:

- ``nearest_times``: minutes to the 1st, 2nd, 3rd nearest opportunity (``{category}_nearest_{k}``; NaN when
  fewer are within the cutoff);
- ``cumulative_opportunities``: how many are within 5, 10, 15, 20, 30 minutes (``{category}_within_{m}``);
- ``gravity_access``: the sum of capacities (or 1) weighted by a decay of time (``{category}_gravity``);
- ``two_step_fca`` / ``enhanced_two_step_fca``: supply-to-demand ratios reachable from each origin.

Origins that reach nothing still appear when passed as ``origin_ids`` (with 0 counts and NaN times).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numba import njit

from data_sources.errors import InvalidRequestError
from layers.decay import Decay, step

DEFAULT_THRESHOLDS_MIN: tuple[int, ...] = (5, 10, 15, 20, 30)


def _codes(tt: pd.DataFrame, destinations: pd.DataFrame, origin_ids: Sequence[object] | None):
    """Integer codes for origins, destinations' categories and weights, aligned with the table rows."""
    origin_index = pd.Index(pd.unique(tt["from_id"]) if origin_ids is None else origin_ids)
    o = origin_index.get_indexer(tt["from_id"])
    destinations = destinations[destinations["category"].notna()]  # an opportunity with no category counts nowhere
    dest_index = pd.Index(destinations["id"])
    if not dest_index.is_unique:
        raise InvalidRequestError("destination ids must be unique")
    d = dest_index.get_indexer(tt["to_id"])
    minutes = tt["travel_time"].to_numpy(dtype=float) / 60.0
    keep = (o >= 0) & (d >= 0)
    if not keep.all():
        o, d, minutes = o[keep], d[keep], minutes[keep]
    categories = pd.Categorical(destinations["category"])
    c = categories.codes.astype(np.int64)[d]
    capacity = destinations["capacity"] if "capacity" in destinations else pd.Series(1.0, index=destinations.index)
    weight = capacity.fillna(1.0).to_numpy(dtype=float)[d]
    return origin_index, o.astype(np.int64, copy=False), c, list(categories.categories), minutes, weight


def nearest_times(
    tt: pd.DataFrame, destinations: pd.DataFrame, k: int = 3, *, origin_ids: Sequence[object] | None = None
) -> pd.DataFrame:
    """Minutes to the k nearest opportunities of each category (``{category}_nearest_{1..k}``)."""
    origin_index, o, c, categories, minutes, _ = _codes(tt, destinations, origin_ids)
    no_thresholds = np.empty(0)
    best, _, _ = _fold_rows(
        o, c, minutes, np.zeros(len(minutes)), no_thresholds, len(origin_index), max(1, len(categories)), k
    )
    best[np.isinf(best)] = np.nan
    columns = {
        f"{category}_nearest_{rank + 1}": best[:, ci, rank]
        for ci, category in enumerate(categories)
        for rank in range(k)
    }
    return pd.DataFrame(columns, index=origin_index.rename("origin_id"))


def cumulative_opportunities(
    tt: pd.DataFrame,
    destinations: pd.DataFrame,
    thresholds_min: Sequence[float] = DEFAULT_THRESHOLDS_MIN,
    *,
    origin_ids: Sequence[object] | None = None,
) -> pd.DataFrame:
    """Opportunities of each category within each threshold (``{category}_within_{m}``), travel time ≤ m."""
    origin_index, o, c, categories, minutes, _ = _codes(tt, destinations, origin_ids)
    thresholds = np.asarray(sorted(thresholds_min), dtype=float)
    bins = np.searchsorted(thresholds, minutes, side="left")  # first threshold >= minutes
    n_o, n_c, n_t = len(origin_index), max(1, len(categories)), len(thresholds)
    inside = bins < n_t
    counts = np.bincount((o[inside] * n_c + c[inside]) * n_t + bins[inside], minlength=n_o * n_c * n_t)
    cumulative = np.cumsum(counts.reshape(n_o, n_c, n_t), axis=2)
    columns = {
        f"{category}_within_{_label(m)}": cumulative[:, ci, ti]
        for ci, category in enumerate(categories)
        for ti, m in enumerate(thresholds)
    }
    return pd.DataFrame(columns, index=origin_index.rename("origin_id"))


def gravity_access(
    tt: pd.DataFrame, destinations: pd.DataFrame, decay: Decay, *, origin_ids: Sequence[object] | None = None
) -> pd.DataFrame:
    """Σ capacity × decay(minutes) per category (``{category}_gravity``)."""
    origin_index, o, c, categories, minutes, weight = _codes(tt, destinations, origin_ids)
    n_o, n_c = len(origin_index), max(1, len(categories))
    values = (
        np.bincount(o * n_c + c, weights=weight * decay(minutes), minlength=n_o * n_c).astype(float).reshape(n_o, n_c)
    )
    columns = {f"{category}_gravity": values[:, ci] for ci, category in enumerate(categories)}
    return pd.DataFrame(columns, index=origin_index.rename("origin_id"))


def two_step_fca(
    tt: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    cutoff_min: float,
    *,
    decay: Decay | None = None,
) -> pd.Series:
    """Two-step floating catchment area access (Luo & Wang 2003; with ``decay``, E2SFCA, Luo & Qi 2009).

    Step 1, for each supply site j: ``R_j = S_j / Σ_{i: t_ij ≤ d0} D_i W(t_ij)``.
    Step 2, for each demand site i: ``A_i = Σ_{j: t_ij ≤ d0} R_j W(t_ij)``.
    ``W ≡ 1`` for 2SFCA. With everything in reach and no decay, ``A_i = Σ S / Σ D`` for every i.

    Parameters
    ----------
    tt
        Travel times from demand sites (``from_id``) to supply sites (``to_id``).
    demand
        Demand per origin id (e.g. youth of an age band).
    supply
        Supply per destination id (capacity, or 1 per site).
    cutoff_min
        Catchment size d0 in minutes.
    """
    ratio = supply_ratio(catchment_demand(tt, demand, cutoff_min, decay=decay), supply)
    return access_from_ratio(tt, ratio, cutoff_min, decay=decay).reindex(demand.index).fillna(0.0).rename("access")


def _within(tt: pd.DataFrame, cutoff_min: float, decay: Decay | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows within the catchment and their weights ``W(t_ij)``."""
    minutes = tt["travel_time"].to_numpy(dtype=float) / 60.0
    within = minutes <= cutoff_min
    weights = decay(minutes[within]) if decay is not None else np.ones(int(within.sum()))
    return tt.loc[within, ["from_id", "to_id"]], weights


def catchment_demand(
    tt: pd.DataFrame, demand: pd.Series, cutoff_min: float, *, decay: Decay | None = None
) -> pd.Series:
    """Step 1's denominator ``Σ_{i: t_ij ≤ d0} D_i W(t_ij)`` per supply site (``to_id``).

    Sums over disjoint sets of origins add up: a table read in parts (``routing.partitioned``) sums its parts.
    """
    frame, weights = _within(tt, cutoff_min, decay)
    weighted = frame["from_id"].map(demand).fillna(0.0).to_numpy(dtype=float) * weights
    return pd.Series(weighted, index=frame["to_id"].to_numpy()).groupby(level=0).sum()


def supply_ratio(demand_by_site: pd.Series, supply: pd.Series) -> pd.Series:
    """Step 1: ``R_j = S_j / Σ D_i W(t_ij)`` for each site with demand in its catchment."""
    return supply.reindex(demand_by_site.index).fillna(0.0) / demand_by_site.where(demand_by_site > 0)


def access_from_ratio(
    tt: pd.DataFrame, ratio: pd.Series, cutoff_min: float, *, decay: Decay | None = None
) -> pd.Series:
    """Step 2: ``A_i = Σ_{j: t_ij ≤ d0} R_j W(t_ij)`` per origin with a row (``from_id``)."""
    frame, weights = _within(tt, cutoff_min, decay)
    r = frame["to_id"].map(ratio).fillna(0.0).to_numpy(dtype=float) * weights
    return pd.Series(r, index=frame["from_id"].to_numpy()).groupby(level=0).sum()


def enhanced_two_step_fca(
    tt: pd.DataFrame, demand: pd.Series, supply: pd.Series, cutoff_min: float = 30.0
) -> pd.Series:
    """E2SFCA with the 0–10 / 10–20 / 20–30 minute zones weighted 1, 0.68, 0.22 (Luo & Qi 2009)."""
    return two_step_fca(tt, demand, supply, cutoff_min, decay=step())


def accessibility_indicators(
    tt: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    k: int = 3,
    thresholds_min: Sequence[float] = DEFAULT_THRESHOLDS_MIN,
    decay: Decay,
    origin_ids: Sequence[object] | None = None,
) -> pd.DataFrame:
    """Nearest-k times, cumulative counts and gravity together: the codes are built once, the rows read once.

    The columns are those of :func:`nearest_times`, :func:`cumulative_opportunities` and :func:`gravity_access`.
    """
    origin_index, o, c, categories, minutes, weight = _codes(tt, destinations, origin_ids)
    n_o, n_c = len(origin_index), max(1, len(categories))
    thresholds = np.asarray(sorted(thresholds_min), dtype=float)
    best, counts, gravity = _fold_rows(o, c, minutes, weight * decay(minutes), thresholds, n_o, n_c, k)
    best[np.isinf(best)] = np.nan
    cumulative = np.cumsum(counts, axis=2)
    columns: dict[str, np.ndarray] = {}
    for ci, category in enumerate(categories):
        for rank in range(k):
            columns[f"{category}_nearest_{rank + 1}"] = best[:, ci, rank]
    for ci, category in enumerate(categories):
        for ti, m in enumerate(thresholds):
            columns[f"{category}_within_{_label(m)}"] = cumulative[:, ci, ti]
    for ci, category in enumerate(categories):
        columns[f"{category}_gravity"] = gravity[:, ci]
    return pd.DataFrame(columns, index=origin_index.rename("origin_id"))


@njit(cache=True)
def _fold_rows(o, c, minutes, weighted_decay, thresholds, n_origins, n_categories, k):  # type: ignore[no-untyped-def]
    """One pass over the rows: the k best times, counts per threshold band (not yet cumulative) and gravity."""
    n_thresholds = thresholds.shape[0]
    best = np.full((n_origins, n_categories, k), np.inf)
    counts = np.zeros((n_origins, n_categories, n_thresholds), dtype=np.int64)
    gravity = np.zeros((n_origins, n_categories))
    for i in range(o.shape[0]):
        oi, ci, t = o[i], c[i], minutes[i]
        row = best[oi, ci]
        if t < row[k - 1]:
            j = k - 1
            while j > 0 and row[j - 1] > t:
                row[j] = row[j - 1]
                j -= 1
            row[j] = t
        band = 0
        while band < n_thresholds and thresholds[band] < t:
            band += 1
        if band < n_thresholds:
            counts[oi, ci, band] += 1
        gravity[oi, ci] += weighted_decay[i]
    return best, counts, gravity


def _label(minutes: float) -> str:
    return str(int(minutes)) if float(minutes).is_integer() else str(minutes).replace(".", "_")
