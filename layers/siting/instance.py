"""The siting instance: demand, candidates and the sparse pairs within reach, as arrays."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from data_sources.contracts import TRAVEL_TIME_COLUMNS
from layers.siting.errors import SitingInputError

#: Largest reach a model accepts, in minutes (a walk or transit trip a child makes for an activity).
MAX_TIME_MIN = 120.0
#: Minutes added to ``T`` for demand that no open site reaches, in the p-median and in scenario times.
PENALTY_EXTRA_MIN = 1.0
#: Default wall-clock limit of the exact solver, in seconds.
DEFAULT_TIME_LIMIT_S = 300.0
#: Largest number of improving swaps the heuristic makes (it stops earlier at a local optimum).
MAX_SWAPS = 1_000

Method = Literal["exact", "greedy"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class SitingInstance:
    """Demand, candidates and the pairs within reach, as arrays (positions, not ids).

    Attributes
    ----------
    demand_ids, site_ids
        The ids, position = internal index.
    weight
        Demand weight per demand point (≥ 0).
    fixed
        Whether each candidate is an existing site (always open).
    capacity
        Per candidate, the demand it can serve (``inf`` = unlimited), or None for an uncapacitated model.
    row, col, time_s
        The pairs within ``max_time_s``: demand position, candidate position, seconds. One entry per pair (the
        shortest if the table repeated a pair), sorted by demand, then time, then candidate.
    max_time_s
        The reach ``T`` in seconds.
    """

    demand_ids: pd.Index
    site_ids: pd.Index
    weight: FloatArray
    fixed: BoolArray
    capacity: FloatArray | None
    row: IntArray
    col: IntArray
    time_s: FloatArray
    max_time_s: float

    @property
    def n_demand(self) -> int:
        return len(self.demand_ids)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    @property
    def n_free(self) -> int:
        return int((~self.fixed).sum())

    def site_entries(self, site: int) -> IntArray:
        """Positions in ``row``/``col``/``time_s`` of the pairs of one candidate."""
        order, ptr = self._by_site
        return order[ptr[site] : ptr[site + 1]]

    @property
    def _by_site(self) -> tuple[IntArray, IntArray]:
        cached = self.__dict__.get("_by_site_cache")
        if cached is None:
            order = np.argsort(self.col, kind="stable").astype(np.int64)
            ptr = np.searchsorted(self.col[order], np.arange(self.n_sites + 1)).astype(np.int64)
            cached = (order, ptr)
            object.__setattr__(self, "_by_site_cache", cached)
        return cached

    def covered_by(self, open_sites: BoolArray) -> BoolArray:
        """Whether each demand point has an open site within reach."""
        covered = np.zeros(self.n_demand, dtype=bool)
        covered[self.row[open_sites[self.col]]] = True
        return covered

    def nearest_open(self, open_sites: BoolArray) -> tuple[IntArray, FloatArray]:
        """The nearest open site (position, -1 if none within reach) and its time in seconds (NaN if none)."""
        site = np.full(self.n_demand, -1, dtype=np.int64)
        seconds = np.full(self.n_demand, np.nan)
        keep = open_sites[self.col]
        r, c, t = self.row[keep], self.col[keep], self.time_s[keep]
        if len(r):
            first = np.r_[True, r[1:] != r[:-1]]
            site[r[first]] = c[first]
            seconds[r[first]] = t[first]
        return site, seconds


def _as_demand(demand: pd.Series | Mapping[Any, float]) -> pd.Series:
    if isinstance(demand, Mapping) and not isinstance(demand, pd.Series):
        demand = pd.Series(demand, dtype=float)
    if not isinstance(demand, pd.Series):
        raise SitingInputError(f"demand must be a Series of weights indexed by demand id, not {type(demand).__name__}")
    if demand.empty:
        raise SitingInputError("demand is empty: give at least one demand point (a Series of weights by demand id)")
    if not demand.index.is_unique:
        duplicated = demand.index[demand.index.duplicated()].unique().tolist()[:5]
        raise SitingInputError(f"demand ids must be unique; repeated: {duplicated}")
    values = pd.to_numeric(demand, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        examples = demand.index[bad].tolist()[:5]
        raise SitingInputError(f"demand weights must be finite and ≥ 0; {int(bad.sum())} are not (ids {examples})")
    return pd.Series(values, index=demand.index, name=demand.name)


def _as_ids(values: Iterable[Any], what: str) -> pd.Index:
    index = pd.Index(list(values) if not isinstance(values, pd.Index) else values)
    if not index.is_unique:
        duplicated = index[index.duplicated()].unique().tolist()[:5]
        raise SitingInputError(f"{what} ids must be unique; repeated: {duplicated}")
    return index


def _check_minutes(value: float, name: str = "max_time_min") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise SitingInputError(f"{name} must be a number of minutes, not {value!r}")
    if not math.isfinite(value) or not 0 < value <= MAX_TIME_MIN:
        raise SitingInputError(f"{name} must be in (0, {MAX_TIME_MIN:g}] minutes, not {value!r}")
    return float(value)


def _check_p(p: int, n_free: int) -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise SitingInputError(f"p must be a whole number of new sites, not {p!r}")
    if p <= 0:
        raise SitingInputError(f"p must be at least 1 new site, not {p}")
    if p > n_free:
        raise SitingInputError(f"p = {p} new sites, but only {n_free} candidates are free (not fixed)")
    return int(p)


def _check_travel_times(travel_times: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(travel_times, pd.DataFrame):
        raise SitingInputError(f"travel_times must be a DataFrame {TRAVEL_TIME_COLUMNS}, not {type(travel_times)}")
    missing = [c for c in TRAVEL_TIME_COLUMNS if c not in travel_times.columns]
    if missing:
        raise SitingInputError(f"travel_times lacks columns {missing}; expected {TRAVEL_TIME_COLUMNS} (seconds)")
    seconds = pd.to_numeric(travel_times["travel_time"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(seconds) | (seconds < 0)
    if bad.any():
        raise SitingInputError(f"travel_time must be finite seconds ≥ 0; {int(bad.sum())} rows are not")
    return travel_times


def _capacity_array(capacities: pd.Series | Mapping[Any, float], site_ids: pd.Index) -> FloatArray:
    series = pd.Series(capacities, dtype=float) if not isinstance(capacities, pd.Series) else capacities
    aligned = pd.to_numeric(series, errors="coerce").reindex(site_ids)
    missing = site_ids[aligned.isna().to_numpy()].tolist()
    if missing:
        raise SitingInputError(
            f"capacities are missing (or not numbers) for {len(missing)} candidates, e.g. {missing[:5]}; "
            "give np.inf for a site without a limit"
        )
    values = aligned.to_numpy(dtype=float)
    if (values < 0).any():
        raise SitingInputError(f"capacities must be ≥ 0; negative for {site_ids[values < 0].tolist()[:5]}")
    return values


def siting_instance(
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    candidates: Iterable[Any],
    max_time_min: float,
    *,
    fixed: Iterable[Any] = (),
    capacities: pd.Series | Mapping[Any, float] | None = None,
) -> SitingInstance:
    """Check the inputs and keep the pairs within ``max_time_min`` as arrays.

    Table rows whose ids are not a demand point or a candidate are ignored (the table may cover more places);
    a demand point or candidate missing from the table simply reaches nothing.

    Raises
    ------
    SitingInputError
        Empty demand or candidates, bad weights, a ``fixed`` id that is not a candidate, ``max_time_min`` outside
        (0, 120], missing capacities, or a non-empty table none of whose rows joins a demand id to a candidate id
        (usually ids of different types: ``"12"`` and ``12``).
    """
    weights = _as_demand(demand)
    sites = _as_ids(candidates, "candidate")
    if len(sites) == 0:
        raise SitingInputError("no candidate sites: give at least one candidate id")
    max_time_s = _check_minutes(max_time_min) * 60.0
    fixed_ids = _as_ids(fixed, "fixed")
    not_candidates = fixed_ids.difference(sites)
    if len(not_candidates):
        raise SitingInputError(f"fixed sites must be among the candidates; not found: {not_candidates.tolist()[:5]}")
    table = _check_travel_times(travel_times)

    row = weights.index.get_indexer(table["from_id"])
    col = sites.get_indexer(table["to_id"])
    seconds = table["travel_time"].to_numpy(dtype=float)
    joined = (row >= 0) & (col >= 0)
    if len(table) and not joined.any():
        raise SitingInputError(
            f"none of the {len(table)} travel-time rows joins a demand id to a candidate id: check the id types "
            f"(from_id {table['from_id'].dtype} vs demand {weights.index.dtype}, "
            f"to_id {table['to_id'].dtype} vs candidates {sites.dtype})"
        )
    keep = joined & (seconds <= max_time_s + 1e-9)
    row, col, seconds = row[keep].astype(np.int64), col[keep].astype(np.int64), seconds[keep]
    # One entry per pair (the shortest), then sorted by demand, time, site.
    order = np.lexsort((seconds, col, row))
    row, col, seconds = row[order], col[order], seconds[order]
    first = np.r_[True, (row[1:] != row[:-1]) | (col[1:] != col[:-1])] if len(row) else np.zeros(0, dtype=bool)
    row, col, seconds = row[first], col[first], seconds[first]
    order = np.lexsort((col, seconds, row))

    return SitingInstance(
        demand_ids=weights.index,
        site_ids=sites,
        weight=weights.to_numpy(dtype=float),
        fixed=sites.isin(fixed_ids),
        capacity=None if capacities is None else _capacity_array(capacities, sites),
        row=row[order],
        col=col[order],
        time_s=seconds[order],
        max_time_s=max_time_s,
    )
