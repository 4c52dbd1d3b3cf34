"""Where to open new youth hubs: facility location on the travel-time table, scenarios, missions, vulnerability.

Every model reads the one travel-time contract — a long, sparse frame ``from_id, to_id, travel_time`` (seconds;
only pairs within reach) — with ``from_id`` a demand point (a census section, a grid cell) and ``to_id`` a
candidate site. Demand is a Series of weights (youth, optionally × vulnerability) indexed by demand id.
Candidates are ids; ``fixed`` ones (existing hubs) are always open and never moved; ``capacities`` (per candidate,
in demand units) turn a model into its capacitated variant.

Models (the mathematics is in each class docstring):

- :class:`MaximalCovering` (MCLP): open ``p`` new sites to maximise the demand within ``T`` minutes of an open site.
- :class:`PMedian`: open ``p`` new sites to minimise total demand-weighted travel time; demand with no open site
  within ``T`` counts at a penalty time (``T + 1`` minute unless told otherwise).
- :class:`SetCovering` (LSCP): the fewest new sites that put every coverable demand point within ``T``; demand no
  candidate can cover is reported in ``uncoverable`` rather than making the model infeasible.

Each is built with ``from_travel_times(...)`` and solved with ``.solve(method=...)``. ``"greedy"`` runs a greedy
construction followed by vertex substitution (Teitz & Bart 1968): fractions of a second on city-sized instances.
``"exact"`` proves optimality: a sparse mixed-integer programme (variables only for pairs within reach) solved
with HiGHS (``highspy``), after a Lagrangian relaxation has removed the candidates that provably cannot beat the
heuristic's solution (for the uncapacitated MCLP and p-median; see :func:`_exact_uncapacitated`). The one-call
functions :func:`maximal_covering`, :func:`p_median` and :func:`set_covering` build and solve in one step.

Around the models: :func:`scenario_summary` (coverage, nearest time and inequality before/after a set of sites,
overall, per zone and per age band), :func:`rank_missions` (neighbourhoods ranked by unmet need with reasons a
planner can read), :func:`vulnerability_index` and the Milan recipe :func:`milan_vulnerability_by_nil`.

References: Church & ReVelle (1974) "The maximal covering location problem"; Toregas et al. (1971) "The location
of emergency service facilities" (LSCP); ReVelle & Swain (1970) and Hakimi (1964) for the p-median; Teitz & Bart
(1968) "Heuristic methods for estimating the generalized vertex median of a weighted graph".
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from data_sources.contracts import TRAVEL_TIME_COLUMNS
from data_sources.errors import SourceFormatError, SourceNotFoundError, VicinoError
from layers.inequality import gini, palma_ratio

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


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


class SitingInputError(VicinoError, ValueError):
    """A siting model was given inputs it cannot solve: no demand, no candidates, a bad ``p`` or ``T``..."""


class SolverError(VicinoError, RuntimeError):
    """The MILP solver is missing, failed, or stopped without any feasible solution."""


# ---------------------------------------------------------------------------------------------------------
# The instance: demand, candidates and the sparse pairs within reach
# ---------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SitingResult:
    """The sites a model opens and what they do for each demand point.

    Attributes
    ----------
    model
        ``"mclp"``, ``"capacitated_mclp"``, ``"p_median"``, ``"capacitated_p_median"`` or ``"lscp"``.
    method
        ``"exact"``, ``"greedy"`` or ``"greedy+swap"``.
    sites, new_sites, fixed_sites
        Open sites (fixed + new), the new ones, the fixed ones (candidate order).
    objective
        MCLP: demand covered within ``T`` (fixed sites' coverage included). p-median: Σ weight × minutes, where
        demand with no open site within ``T`` counts at ``penalty_min``. LSCP: the number of new sites.
    status
        ``"optimal"``, ``"time_limit"`` (best solution found, optimality not proven; see ``mip_gap``) or
        ``"heuristic"``.
    solver
        ``"highs <version>"``; ``"local search, optimality proven by the Lagrangian bound"`` when no MILP was
        needed; or the heuristic's name.
    solve_time_s
        Wall-clock seconds of the solve (model building included).
    mip_gap
        Relative gap between the solution and the solver's bound (exact method; 0 when proven optimal).
    assignment
        One row per demand point (index = demand id): ``weight``; ``site`` (the nearest open site within ``T``, or
        for capacitated models the site serving the largest share; None if none); ``travel_time_min`` (to that
        site; NaN if none); ``covered`` (share of the demand served within ``T``, 0–1); ``cost_min`` (p-median:
        the minutes counted in the objective).
    flows
        ``demand_id, site_id, share, travel_time_min``: who is served where (capacitated models may split a
        demand point between sites).
    uncoverable
        Demand ids (weight > 0) with no candidate at all within ``T``: no choice of sites can serve them.
    details
        Model sizes, the penalty, the solver's bound, swap counts, and other diagnostics.
    """

    model: str
    method: str
    sites: list[Any]
    new_sites: list[Any]
    fixed_sites: list[Any]
    objective: float
    status: str
    solver: str
    solve_time_s: float
    mip_gap: float | None
    assignment: pd.DataFrame
    flows: pd.DataFrame
    uncoverable: list[Any]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def covered_weight(self) -> float:
        """Demand served within ``T`` by the open sites."""
        return float((self.assignment["weight"] * self.assignment["covered"]).sum())

    @property
    def coverage_share(self) -> float:
        """Share (0–1) of all demand served within ``T``; NaN when total demand is 0."""
        total = float(self.assignment["weight"].sum())
        return self.covered_weight / total if total > 0 else float("nan")

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly digest (no per-demand frames)."""
        return {
            "model": self.model,
            "method": self.method,
            "sites": _plain(self.sites),
            "new_sites": _plain(self.new_sites),
            "fixed_sites": _plain(self.fixed_sites),
            "objective": self.objective,
            "status": self.status,
            "solver": self.solver,
            "solve_time_s": self.solve_time_s,
            "mip_gap": self.mip_gap,
            "covered_weight": self.covered_weight,
            "coverage_share": self.coverage_share,
            "n_uncoverable": len(self.uncoverable),
            "details": {k: _plain(v) for k, v in self.details.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _assignment_frame(
    instance: SitingInstance, site: IntArray, seconds: FloatArray, covered: FloatArray, cost_min: FloatArray | None
) -> pd.DataFrame:
    ids = instance.site_ids.to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "weight": instance.weight,
            "site": np.where(site >= 0, ids[site.clip(min=0)], None),
            "travel_time_min": seconds / 60.0,
            "covered": covered,
        },
        index=instance.demand_ids,
    )
    if cost_min is not None:
        frame["cost_min"] = cost_min
    return frame


def _flows_frame(instance: SitingInstance, entries: IntArray, share: FloatArray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "demand_id": instance.demand_ids.to_numpy()[instance.row[entries]],
            "site_id": instance.site_ids.to_numpy()[instance.col[entries]],
            "share": share,
            "travel_time_min": instance.time_s[entries] / 60.0,
        }
    )


def _nearest_flows(instance: SitingInstance, site: IntArray) -> pd.DataFrame:
    served = np.flatnonzero(site >= 0)
    if len(served) == 0:
        return _flows_frame(instance, np.zeros(0, dtype=np.int64), np.zeros(0))
    # The entry of (demand, its nearest open site): entries are sorted by demand then time.
    keys = instance.row * instance.n_sites + instance.col
    wanted = served * instance.n_sites + site[served]
    order = np.argsort(keys, kind="stable")
    entries = order[np.searchsorted(keys[order], wanted)]
    return _flows_frame(instance, entries, np.ones(len(entries)))


def _uncoverable(instance: SitingInstance) -> list[Any]:
    reachable = np.zeros(instance.n_demand, dtype=bool)
    reachable[instance.row] = True
    return instance.demand_ids[(~reachable) & (instance.weight > 0)].tolist()


# ---------------------------------------------------------------------------------------------------------
# The MILP solver (HiGHS through highspy)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Milp:
    """``min/max cost·x + offset`` subject to ``row_lower ≤ A x ≤ row_upper``, ``lower ≤ x ≤ upper``."""

    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    matrix: sparse.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    maximise: bool
    presolve: bool = True


@dataclass(frozen=True)
class _MilpSolution:
    x: FloatArray
    status: str
    objective: float
    bound: float | None
    gap: float | None
    seconds: float
    solver: str


def _solve_milp(
    milp: _Milp, *, time_limit_s: float, mip_rel_gap: float, start: FloatArray | None = None
) -> _MilpSolution:
    try:
        import highspy
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise SolverError(
            "the exact method needs HiGHS: pip install highspy==1.15.1 (or use method='greedy')"
        ) from error

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if not milp.presolve:
        highs.setOptionValue("presolve", "off")
    lp = highspy.HighsLp()
    n_rows, n_cols = milp.matrix.shape
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = milp.cost.astype(float)
    lp.col_lower_ = milp.lower.astype(float)
    lp.col_upper_ = milp.upper.astype(float)
    lp.row_lower_ = milp.row_lower.astype(float)
    lp.row_upper_ = milp.row_upper.astype(float)
    csc = sparse.csc_matrix(milp.matrix)
    csc.sum_duplicates()
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in milp.integer]
    lp.sense_ = highspy.ObjSense.kMaximize if milp.maximise else highspy.ObjSense.kMinimize
    highs.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start.astype(float).tolist()
        highs.setSolution(solution)
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.getModelStatus()
    info = highs.getInfo()
    text = highs.modelStatusToString(status)
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        label = "optimal"
    elif has_solution and status in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kInterrupt,
    ):
        label = "time_limit"
    else:
        raise SolverError(f"HiGHS stopped with status {text!r} and no usable solution")
    x = np.asarray(highs.getSolution().col_value, dtype=float)
    gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    if label == "optimal":
        gap = 0.0 if gap is None or gap <= max(mip_rel_gap, 1e-6) else gap
    version = f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
    return _MilpSolution(x, label, float(info.objective_function_value), bound, gap, seconds, f"highs {version}")


def _coo(
    rows: list[IntArray], cols: list[IntArray], values: list[FloatArray], shape: tuple[int, int]
) -> sparse.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    v = np.concatenate(values) if values else np.zeros(0)
    return sparse.csr_matrix((v, (r, c)), shape=shape)


def _group_identical_rows(r: IntArray, c: IntArray) -> tuple[IntArray, IntArray, list[IntArray]]:
    """Demand points reaching the same set of sites, merged: (demand position per row, its group, group sites)."""
    if len(r) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    order = np.lexsort((c, r))
    r, c = r[order], c[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    ends = np.r_[starts[1:], len(r)].astype(np.int64)
    groups: dict[bytes, int] = {}
    members: list[IntArray] = []
    group_of = np.empty(len(starts), dtype=np.int64)
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        sites = c[s:e]
        g = groups.setdefault(sites.tobytes(), len(groups))
        if g == len(members):
            members.append(sites)
        group_of[k] = g
    return r[starts], group_of, members


# ---------------------------------------------------------------------------------------------------------
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
# Exact method: Lagrangian bounds remove candidates that cannot beat the heuristic, then a MILP on the rest
# ---------------------------------------------------------------------------------------------------------

#: Subgradient iterations of the Lagrangian reduction.
LAGRANGIAN_ITERATIONS = 2_000
#: Every this many iterations the relaxation's sites are evaluated as a solution.
HEURISTIC_EVERY = 10
#: Halve the subgradient step after this many iterations without a better bound.
STALL_LIMIT = 20
#: Candidates in the first-stage MILP of the exact method (at least 10 p).
STAGE_CANDIDATES = 100


def _tolerance(instance: SitingInstance, scale: float) -> float:
    """Objective differences below this are ties (relative 1e-9 of the objective's scale)."""
    return 1e-9 * max(1.0, abs(scale), float(instance.weight.sum()))


def _active(rows: IntArray, n_demand: int) -> tuple[IntArray, IntArray]:
    """The demand positions present in ``rows``, and for each entry its position among them."""
    active = np.unique(rows)
    position = np.full(n_demand, -1, dtype=np.int64)
    position[active] = np.arange(len(active))
    return active, position[rows]


def _lagrangian_cover(
    instance: SitingInstance, p: int, lower_bound: float, iterations: int = LAGRANGIAN_ITERATIONS
) -> tuple[float, FloatArray, int, BoolArray | None]:
    r"""Upper bounds on the MCLP value, overall and of the best solution that opens each candidate.

    Relaxing :math:`z_i \le Σ_{j ∈ N_i} y_j` with multipliers :math:`μ_i \ge 0` gives, for any :math:`μ`,
    :math:`UB(μ) = C + Σ_i \max(0, w_i − μ_i) + \max_{|Y| = p} Σ_{j ∈ Y} σ_j` with
    :math:`σ_j = Σ_{i ∈ N_j} μ_i` (C = demand covered by fixed sites); forcing :math:`j` into :math:`Y` gives
    the bound for solutions opening :math:`j`. :math:`μ` follows subgradient steps (Held, Wolfe & Crowder
    1974) from :math:`μ = w`, where the bound is the sum of the p best standalone gains. Every few iterations
    the relaxation's sites are evaluated as a solution (a Lagrangian heuristic, Beasley 1993); the best one that
    beats ``lower_bound`` is returned last (else None).
    """
    w, fixed = instance.weight, instance.fixed
    fixed_covered = instance.covered_by(fixed)
    constant = float(w[fixed_covered].sum())
    keep = (~fixed_covered[instance.row]) & (~fixed[instance.col]) & (w[instance.row] > 0)
    active, r = _active(instance.row[keep], instance.n_demand)
    c = instance.col[keep]
    weight = w[active]
    mu = weight.copy()
    best, site_best = np.inf, np.full(instance.n_sites, np.inf)
    theta, stall, iteration = 2.0, 0, 0
    tolerance = _tolerance(instance, lower_bound)
    best_sites, best_value = None, lower_bound
    for iteration in range(1, iterations + 1):
        sigma = np.bincount(c, weights=mu[r], minlength=instance.n_sites).astype(float)
        sigma[fixed] = -np.inf
        top = np.argpartition(-sigma, p - 1)[:p]
        bound = constant + float(np.maximum(weight - mu, 0.0).sum()) + float(sigma[top].sum())
        site_bound = bound + sigma - sigma[top].min()
        site_bound[top] = bound
        np.minimum(site_best, site_bound, out=site_best)
        if bound < best - tolerance:
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= STALL_LIMIT:
                theta, stall = theta / 2.0, 0
        in_y = np.zeros(instance.n_sites, dtype=bool)
        in_y[top] = True
        if iteration % HEURISTIC_EVERY == 1:
            value = constant + float(w[instance.covered_by(in_y | fixed) & ~fixed_covered].sum())
            if value > best_value + tolerance:
                best_sites, best_value, lower_bound = in_y | fixed, value, value
        if best <= lower_bound + tolerance or theta < 1e-5:
            break
        step = np.bincount(r[in_y[c]], minlength=len(active)) - (weight - mu > 0)
        norm = float((step * step).sum())
        if norm == 0:
            break
        mu = np.maximum(mu - theta * (bound - lower_bound) / norm * step, 0.0)
    site_best[fixed] = np.inf
    return best, site_best, iteration, best_sites


def _lagrangian_median(
    instance: SitingInstance,
    p: int,
    upper_bound: float,
    fallback: FloatArray,
    iterations: int = LAGRANGIAN_ITERATIONS,
) -> tuple[float, FloatArray, int, BoolArray | None]:
    r"""Lower bounds on the p-median cost, overall and of the best solution that opens each candidate.

    Relaxing :math:`Σ_j x_{ij} + u_i = 1` with multipliers :math:`λ_i` gives, for any :math:`λ`,
    :math:`LB(λ) = C + Σ_i [λ_i + \min(0, w_i b_i − λ_i)] + \min_{|Y| = p} Σ_{j ∈ Y} ρ_j` with
    :math:`ρ_j = Σ_{i} \min(0, w_i t_{ij} − λ_i)` (C = cost of demand no new site can improve). Subgradient
    steps start from :math:`λ_i = w_i b_i`, where the bound is "fallback minus the p best standalone savings".
    As in :func:`_lagrangian_cover`, the relaxation's sites are tried as solutions every few iterations.
    """
    w, fixed = instance.weight, instance.fixed
    minutes = instance.time_s / 60.0
    keep = (~fixed[instance.col]) & (minutes < fallback[instance.row]) & (w[instance.row] > 0)
    active, r = _active(instance.row[keep], instance.n_demand)
    c = instance.col[keep]
    cost = (w[instance.row] * minutes)[keep]
    rest = np.ones(instance.n_demand, dtype=bool)
    rest[active] = False
    constant = float((w * fallback)[rest].sum())
    fallback_cost = (w * fallback)[active]
    lam = fallback_cost.copy()
    best, site_best = -np.inf, np.full(instance.n_sites, -np.inf)
    theta, stall, iteration = 2.0, 0, 0
    tolerance = _tolerance(instance, upper_bound)
    best_sites, best_value = None, upper_bound
    for iteration in range(1, iterations + 1):
        rho = np.bincount(c, weights=np.minimum(cost - lam[r], 0.0), minlength=instance.n_sites).astype(float)
        rho[fixed] = np.inf
        top = np.argpartition(rho, p - 1)[:p]
        bound = constant + float((lam + np.minimum(fallback_cost - lam, 0.0)).sum()) + float(rho[top].sum())
        site_bound = bound + rho - rho[top].max()
        site_bound[top] = bound
        np.maximum(site_best, site_bound, out=site_best)
        if bound > best + tolerance:
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= STALL_LIMIT:
                theta, stall = theta / 2.0, 0
        in_y = np.zeros(instance.n_sites, dtype=bool)
        in_y[top] = True
        if iteration % HEURISTIC_EVERY == 1:
            _, seconds = instance.nearest_open(in_y | fixed)
            value = float((w * np.where(np.isnan(seconds), fallback, np.minimum(seconds / 60.0, fallback))).sum())
            if value < best_value - tolerance:
                best_sites, best_value, upper_bound = in_y | fixed, value, value
        if best >= upper_bound - tolerance or theta < 1e-5:
            break
        served = in_y[c] & (cost < lam[r])
        step = 1.0 - np.bincount(r[served], minlength=len(active)) - (fallback_cost < lam)
        norm = float((step * step).sum())
        if norm == 0:
            break
        lam = lam + theta * (upper_bound - bound) / norm * step
    site_best[fixed] = -np.inf
    return best, site_best, iteration, best_sites


def _cover_milp(instance: SitingInstance, p: int, allowed: BoolArray) -> tuple[_Milp, IntArray, list[IntArray]]:
    """The uncapacitated MCLP over the free candidates in ``allowed``: columns ``[y (allowed), z (groups)]``."""
    w = instance.weight
    fixed_covered = instance.covered_by(instance.fixed)
    sites = np.flatnonzero(allowed)
    position = np.full(instance.n_sites, -1, dtype=np.int64)
    position[sites] = np.arange(len(sites))
    keep = (~fixed_covered[instance.row]) & allowed[instance.col] & (w[instance.row] > 0)
    demand_rows, group_of, members = _group_identical_rows(instance.row[keep], position[instance.col[keep]])
    n_y, n_groups = len(sites), len(members)
    group_weight = np.bincount(group_of, weights=w[demand_rows], minlength=n_groups)
    sizes = np.array([len(m) for m in members], dtype=np.int64)
    matrix = _coo(
        [np.arange(n_groups), np.repeat(np.arange(n_groups), sizes), np.full(n_y, n_groups)],
        [n_y + np.arange(n_groups), np.concatenate(members) if members else np.zeros(0, np.int64), np.arange(n_y)],
        [np.ones(n_groups), -np.ones(int(sizes.sum())), np.ones(n_y)],
        (n_groups + 1, n_y + n_groups),
    )
    milp = _Milp(
        cost=np.r_[np.zeros(n_y), group_weight],
        lower=np.zeros(n_y + n_groups),
        upper=np.ones(n_y + n_groups),
        integer=np.r_[np.ones(n_y, dtype=bool), np.zeros(n_groups, dtype=bool)],
        matrix=matrix,
        row_lower=np.r_[np.full(n_groups, -np.inf), p],
        row_upper=np.r_[np.zeros(n_groups), p],
        maximise=True,
        # Identical rows are already merged; on these set-cover MILPs HiGHS's presolve removed almost nothing
        # and doubled the solve time in the benchmark (benchmarks/bench_siting.py).
        presolve=False,
    )
    return milp, sites, members


def _median_milp(
    instance: SitingInstance, p: int, allowed: BoolArray, fallback: FloatArray
) -> tuple[_Milp, IntArray, IntArray, IntArray, float]:
    """The uncapacitated p-median over the free candidates in ``allowed``: columns ``[y, x (pairs), u]``."""
    w = instance.weight
    minutes = instance.time_s / 60.0
    pairs = np.flatnonzero(allowed[instance.col] & (minutes < fallback[instance.row]) & (w[instance.row] > 0))
    sites = np.flatnonzero(allowed)
    position = np.full(instance.n_sites, -1, dtype=np.int64)
    position[sites] = np.arange(len(sites))
    r, c = instance.row[pairs], position[instance.col[pairs]]
    demand_rows, row_of_pair = _active(r, instance.n_demand)
    n_y, n_e, n_u = len(sites), len(pairs), len(demand_rows)
    matrix = _coo(
        [row_of_pair, np.arange(n_u), n_u + np.arange(n_e), n_u + np.arange(n_e), np.full(n_y, n_u + n_e)],
        [n_y + np.arange(n_e), n_y + n_e + np.arange(n_u), n_y + np.arange(n_e), c, np.arange(n_y)],
        [np.ones(n_e), np.ones(n_u), np.ones(n_e), -np.ones(n_e), np.ones(n_y)],
        (n_u + n_e + 1, n_y + n_e + n_u),
    )
    rest = np.ones(instance.n_demand, dtype=bool)
    rest[demand_rows] = False
    constant = float((w * fallback)[rest].sum())
    milp = _Milp(
        cost=np.r_[np.zeros(n_y), w[r] * minutes[pairs], w[demand_rows] * fallback[demand_rows]],
        lower=np.zeros(n_y + n_e + n_u),
        upper=np.ones(n_y + n_e + n_u),
        integer=np.r_[np.ones(n_y, dtype=bool), np.zeros(n_e + n_u, dtype=bool)],
        matrix=matrix,
        row_lower=np.r_[np.ones(n_u), np.full(n_e, -np.inf), p],
        row_upper=np.r_[np.ones(n_u), np.zeros(n_e), p],
        maximise=False,
    )
    return milp, sites, pairs, demand_rows, constant


def _median_start(
    instance: SitingInstance,
    open_sites: BoolArray,
    sites: IntArray,
    pairs: IntArray,
    demand_rows: IntArray,
    fallback: FloatArray,
) -> FloatArray:
    """The p-median column vector ``[y, x, u]`` of a set of open sites (a warm start for HiGHS)."""
    y = open_sites[sites].astype(float)
    x = np.zeros(len(pairs))
    r, c, t = instance.row[pairs], instance.col[pairs], instance.time_s[pairs]
    # Pairs are sorted by demand then time: the first open pair of each demand point serves it.
    positions = np.flatnonzero(open_sites[c])
    if len(positions):
        first = np.r_[True, r[positions][1:] != r[positions][:-1]]
        chosen = positions[first]
        x[chosen[t[chosen] / 60.0 < fallback[r[chosen]]]] = 1.0
    served = np.zeros(instance.n_demand, dtype=bool)
    served[r[x > 0]] = True
    return np.r_[y, x, (~served[demand_rows]).astype(float)]


@dataclass(frozen=True)
class _ExactOutcome:
    open_sites: BoolArray
    solution: _MilpSolution
    details: dict[str, Any]


def _exact_uncapacitated(
    instance: SitingInstance,
    p: int,
    *,
    maximise: bool,
    heuristic: BoolArray,
    value_of: Callable[[BoolArray], float],
    lagrangian: Callable[[float], tuple[float, FloatArray, int, BoolArray | None]],
    improve: Callable[[BoolArray], int],
    build: Callable[[BoolArray], tuple[_Milp, IntArray]],
    start_of: Callable[[BoolArray], FloatArray],
    time_limit_s: float,
    mip_rel_gap: float,
    warm_start: bool,
    reduce: bool,
) -> _ExactOutcome:
    """Heuristic incumbent → Lagrangian reduction → MILP on the surviving candidates (shared by MCLP, p-median).

    Why it is exact: every solution that opens candidate j is worth at most its Lagrangian bound (MCLP; at least,
    for the p-median). A free candidate whose bound cannot beat the incumbent (by more than a 1e-9 relative tie
    tolerance) is in no better solution, so the MILP over the remaining candidates, or the incumbent, is optimal
    for the whole instance. When the overall bound meets the incumbent, the incumbent is proven optimal without
    a MILP.

    Steps: (1) the incumbent from greedy + swap, improved by the relaxation's own solutions (+ swaps);
    (2) the per-candidate bounds remove candidates; (3) if many remain, a first MILP over the
    :data:`STAGE_CANDIDATES` with the best bounds usually finds the optimum, which removes more candidates —
    and when no candidate outside that stage survives, the stage's optimum is the global one; (4) otherwise a
    MILP over all survivors, warm-started with the incumbent.
    """
    started = time.perf_counter()
    incumbent = float(value_of(heuristic))
    tolerance = _tolerance(instance, incumbent)
    allowed = ~instance.fixed
    reduction: dict[str, Any] = {"candidates_free": instance.n_free, "heuristic_objective": incumbent}
    better = (lambda a, b: a > b + tolerance) if maximise else (lambda a, b: a < b - tolerance)
    if reduce:
        bound, site_bound, iterations, found = lagrangian(incumbent)
        if found is not None:
            improve(found)
            if better(float(value_of(found)), incumbent):
                heuristic, incumbent = found, float(value_of(found))
                reduction["lagrangian_heuristic_objective"] = incumbent
        can_improve = better(site_bound, incumbent)
        allowed = (~instance.fixed) & (can_improve | heuristic)
        reduction.update(
            lagrangian_bound=bound,
            lagrangian_iterations=iterations,
            candidates_kept=int(allowed.sum()),
            reduction_seconds=time.perf_counter() - started,
        )
        if not better(bound, incumbent) or int(allowed.sum()) == p:
            proof = _MilpSolution(
                x=np.zeros(0),
                status="optimal",
                objective=incumbent,
                bound=bound,
                gap=0.0,
                seconds=time.perf_counter() - started,
                solver="local search, optimality proven by the Lagrangian bound",
            )
            return _ExactOutcome(heuristic, proof, reduction)
        stage_size = max(STAGE_CANDIDATES, 10 * p)
        if int(allowed.sum()) > stage_size:
            # Stage 1: a MILP over the most promising candidates (best Lagrangian bounds) finds a better incumbent,
            # which removes more candidates; if none outside the stage survives, the stage's optimum is global.
            order = np.argsort(-site_bound if maximise else site_bound, kind="stable")
            stage = np.zeros(instance.n_sites, dtype=bool)
            stage[order[:stage_size]] = True
            stage = (stage | heuristic) & allowed
            staged, stage_solution, stage_milp = _solve_restricted(
                instance, stage, build, start_of, heuristic, warm_start, mip_rel_gap,
                max(1.0, (time_limit_s - (time.perf_counter() - started)) / 2),
            )  # fmt: skip
            if better(float(value_of(staged)), incumbent):
                heuristic, incumbent = staged, float(value_of(staged))
            allowed = (~instance.fixed) & (better(site_bound, incumbent) | heuristic)
            reduction.update(
                stage_candidates=int(stage.sum()),
                stage_objective=float(value_of(staged)),
                stage_seconds=stage_solution.seconds,
                candidates_kept=int(allowed.sum()),
            )
            if stage_solution.status == "optimal" and not (allowed & ~stage).any():
                reduction.update(n_variables=stage_milp.matrix.shape[1], n_constraints=stage_milp.matrix.shape[0])
                return _ExactOutcome(heuristic, stage_solution, reduction)
    open_sites, solution, milp = _solve_restricted(
        instance, allowed, build, start_of, heuristic, warm_start, mip_rel_gap,
        max(1.0, time_limit_s - (time.perf_counter() - started)),
    )  # fmt: skip
    if better(incumbent, float(value_of(open_sites))):
        open_sites = heuristic  # only after a time limit: HiGHS found nothing as good as the incumbent
    reduction.update(
        n_variables=milp.matrix.shape[1], n_constraints=milp.matrix.shape[0], solver_seconds=solution.seconds
    )
    return _ExactOutcome(open_sites, solution, reduction)


def _solve_restricted(
    instance: SitingInstance,
    allowed: BoolArray,
    build: Callable[[BoolArray], tuple[_Milp, IntArray]],
    start_of: Callable[[BoolArray], FloatArray],
    incumbent: BoolArray,
    warm_start: bool,
    mip_rel_gap: float,
    time_limit_s: float,
) -> tuple[BoolArray, _MilpSolution, _Milp]:
    """Solve the MILP over the free candidates in ``allowed``; the open sites (fixed included) and the solution."""
    milp, sites = build(allowed)
    start = start_of(incumbent) if warm_start and not (incumbent & ~instance.fixed & ~allowed).any() else None
    solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, start=start)
    open_sites = instance.fixed.copy()
    open_sites[sites[solution.x[: len(sites)] > 0.5]] = True
    return open_sites, solution, milp


# ---------------------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------------------


class _SitingModel:
    """Shared plumbing: an instance, ``p``, and the bookkeeping of a solve."""

    name = ""

    def __init__(self, instance: SitingInstance) -> None:
        self.instance = instance

    def _open_lists(self, open_sites: BoolArray) -> tuple[list[Any], list[Any], list[Any]]:
        ids = self.instance.site_ids
        return (
            ids[open_sites].tolist(),
            ids[open_sites & ~self.instance.fixed].tolist(),
            ids[self.instance.fixed].tolist(),
        )

    def _check_method(self, method: str) -> None:
        if method not in ("exact", "greedy"):
            raise SitingInputError(f"method must be 'exact' or 'greedy', not {method!r}")


class MaximalCovering(_SitingModel):
    r"""Maximal covering location problem (MCLP; Church & ReVelle 1974), optionally capacitated.

    Open ``p`` new sites among the free candidates, on top of the fixed ones, to maximise the demand within ``T``
    minutes of an open site.

    Notation: demand points :math:`i \in I` with weights :math:`w_i`; candidates :math:`j \in J = F \cup N`
    (fixed :math:`F`, free :math:`N`); :math:`E = \{(i, j) : t_{ij} \le T\}` the pairs within reach (the
    sparse table); :math:`N_i = \{j : (i, j) \in E\}`.

    Uncapacitated (:math:`y_j \in \{0,1\}` = site open, :math:`z_i \in [0,1]` = demand covered)::

        max   Σ_i w_i z_i
        s.t.  z_i ≤ Σ_{j ∈ N_i} y_j      ∀ i           (covered only by an open site within T)
              Σ_{j ∈ N} y_j = p                        (p new sites)
              y_j = 1                     ∀ j ∈ F       (fixed sites always open)

    :math:`z` may be continuous: for binary :math:`y` the optimum has :math:`z_i = \min(1, Σ y_j) \in \{0, 1\}`.
    Sparse reductions (exact, no loss): demand already covered by a fixed site is a constant; demand points with
    the same set :math:`N_i \cap N` are merged into one row with the summed weight.

    Capacitated, with capacities :math:`C_j` in demand units and assignment shares :math:`x_{ij} \in [0, 1]`
    for :math:`(i, j) \in E` only (a demand point may be split between sites)::

        max   Σ_{(i,j) ∈ E} w_i x_ij
        s.t.  Σ_{j ∈ N_i} x_ij ≤ 1                ∀ i
              Σ_{i : (i,j) ∈ E} w_i x_ij ≤ C_j y_j  ∀ j with C_j < ∞
              x_ij ≤ y_j                          ∀ (i, j) ∈ E
              Σ_{j ∈ N} y_j = p,   y_j = 1 ∀ j ∈ F

    The objective reported is the demand covered, fixed sites' coverage included.

    Solving. ``method="greedy"``: add the site covering the most uncovered demand, p times, then swap one new
    site for a closed candidate while that gains (Teitz–Bart vertex substitution, best improvement).
    ``method="exact"``: (1) greedy + swap gives an incumbent; (2) Lagrangian relaxation of the cover rows
    (subgradient, :func:`_lagrangian_cover`) gives an upper bound for every solution that opens a given
    candidate, and its relaxed solutions, improved by swaps, often beat the incumbent; (3) candidates whose
    bound cannot beat the incumbent are removed — if the overall bound meets the incumbent it is optimal and no
    MILP is solved; (4) HiGHS solves the MILP above over the remaining candidates. The result is optimal for
    the whole instance (ties within a relative 1e-9). ``reduce=False`` skips (2)–(3).
    """

    name = "mclp"

    def __init__(self, instance: SitingInstance, p: int) -> None:
        super().__init__(instance)
        self.p = _check_p(p, instance.n_free)

    @classmethod
    def from_travel_times(
        cls,
        travel_times: pd.DataFrame,
        demand: pd.Series | Mapping[Any, float],
        candidates: Iterable[Any],
        p: int,
        max_time_min: float,
        *,
        fixed: Iterable[Any] = (),
        capacities: pd.Series | Mapping[Any, float] | None = None,
    ) -> MaximalCovering:
        """The model for ``p`` new sites covering within ``max_time_min`` (see :func:`siting_instance`)."""
        instance = siting_instance(travel_times, demand, candidates, max_time_min, fixed=fixed, capacities=capacities)
        return cls(instance, p)

    def solve(
        self,
        method: Method = "exact",
        *,
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        mip_rel_gap: float = 0.0,
        warm_start: bool = True,
        reduce: bool = True,
        swap: bool = True,
    ) -> SitingResult:
        """Solve exactly (HiGHS) or with greedy + swap; see :class:`SitingResult`.

        Parameters
        ----------
        method
            ``"exact"`` or ``"greedy"`` (uncapacitated only).
        time_limit_s, mip_rel_gap
            Exact method: stop after this many seconds (the best solution found is returned with status
            ``"time_limit"``) or once the relative gap to the bound is this small (0 = prove optimality).
        warm_start
            Exact method: give HiGHS the greedy + swap solution as a starting incumbent.
        reduce
            Exact method: first remove the candidates whose Lagrangian bound shows they cannot beat the greedy +
            swap solution, and skip the MILP when the bound proves that solution optimal (see
            :func:`_exact_uncapacitated`). Off = one MILP over every candidate.
        swap
            Greedy method: improve the greedy solution by vertex substitution.
        """
        self._check_method(method)
        started = time.perf_counter()
        instance = self.instance
        if instance.capacity is not None:
            if method == "greedy":
                raise SitingInputError("the greedy heuristic solves uncapacitated models only; use method='exact'")
            return self._solve_capacitated(started, time_limit_s, mip_rel_gap)
        if method == "greedy":
            open_sites, details = _greedy_cover(instance, self.p, swap=swap)
            return self._result(open_sites, "greedy+swap" if swap else "greedy", started, None, details)

        w = instance.weight
        p = self.p
        heuristic, _ = _greedy_cover(instance, p, swap=True)
        members_of: dict[str, list[IntArray]] = {}

        def build(allowed: BoolArray) -> tuple[_Milp, IntArray]:
            milp, sites, members = _cover_milp(instance, p, allowed)
            members_of["members"], members_of["sites"] = members, [sites]
            return milp, sites

        def start_of(open_sites: BoolArray) -> FloatArray:
            y = open_sites[members_of["sites"][0]].astype(float)
            return np.r_[y, [min(1.0, y[m].sum()) for m in members_of["members"]]]

        outcome = _exact_uncapacitated(
            instance,
            p,
            maximise=True,
            heuristic=heuristic,
            value_of=lambda open_sites: float(w[instance.covered_by(open_sites)].sum()),
            lagrangian=lambda incumbent: _lagrangian_cover(instance, p, incumbent),
            improve=lambda open_sites: _swap_cover(instance, open_sites),
            build=build,
            start_of=start_of,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            warm_start=warm_start,
            reduce=reduce,
        )
        return self._result(outcome.open_sites, "exact", started, outcome.solution, outcome.details)

    def _result(
        self,
        open_sites: BoolArray,
        method: str,
        started: float,
        solution: _MilpSolution | None,
        details: dict[str, Any],
    ) -> SitingResult:
        instance = self.instance
        site, seconds = instance.nearest_open(open_sites)
        covered = (site >= 0).astype(float)
        sites, new_sites, fixed_sites = self._open_lists(open_sites)
        return SitingResult(
            model=self.name,
            method=method,
            sites=sites,
            new_sites=new_sites,
            fixed_sites=fixed_sites,
            objective=float((instance.weight * covered).sum()),
            status="heuristic" if solution is None else solution.status,
            solver=method if solution is None else solution.solver,
            solve_time_s=time.perf_counter() - started,
            mip_gap=None if solution is None else solution.gap,
            assignment=_assignment_frame(instance, site, seconds, covered, None),
            flows=_nearest_flows(instance, site),
            uncoverable=_uncoverable(instance),
            details={"p": self.p, "max_time_min": instance.max_time_s / 60.0, **details},
        )

    def _solve_capacitated(self, started: float, time_limit_s: float, mip_rel_gap: float) -> SitingResult:
        instance = self.instance
        capacity = instance.capacity
        assert capacity is not None
        w = instance.weight
        pairs = np.flatnonzero(w[instance.row] > 0)
        milp, layout = _capacitated_milp(instance, pairs, self.p, objective="cover")
        solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        open_sites, share = _read_capacitated(instance, solution.x, layout)
        covered = np.bincount(instance.row[pairs], weights=share, minlength=instance.n_demand)
        site, seconds = _main_site(instance, pairs, share)
        sites, new_sites, fixed_sites = self._open_lists(open_sites)
        served = share > 1e-9
        return SitingResult(
            model="capacitated_mclp",
            method="exact",
            sites=sites,
            new_sites=new_sites,
            fixed_sites=fixed_sites,
            objective=float((w * covered).sum()),
            status=solution.status,
            solver=solution.solver,
            solve_time_s=time.perf_counter() - started,
            mip_gap=solution.gap,
            assignment=_assignment_frame(instance, site, seconds, np.clip(covered, 0.0, 1.0), None),
            flows=_flows_frame(instance, pairs[served], share[served]),
            uncoverable=_uncoverable(instance),
            details={
                "p": self.p,
                "max_time_min": instance.max_time_s / 60.0,
                "n_variables": milp.matrix.shape[1],
                "n_constraints": milp.matrix.shape[0],
                "n_pairs": len(instance.row),
                "solver_objective": solution.objective,
                "solver_bound": solution.bound,
                "solver_seconds": solution.seconds,
            },
        )


@dataclass(frozen=True)
class _CapacitatedLayout:
    n_sites: int
    pairs: IntArray
    n_fallback: int


def _capacitated_milp(
    instance: SitingInstance,
    pairs: IntArray,
    p: int,
    *,
    objective: Literal["cover", "median"],
    fallback_rows: IntArray | None = None,
    fallback_cost: FloatArray | None = None,
) -> tuple[_Milp, _CapacitatedLayout]:
    """Columns ``[y (all sites), x (pairs), u (fallback per demand, median only)]``; rows as in the docstrings."""
    capacity = instance.capacity
    assert capacity is not None
    w = instance.weight
    n_s, n_e = instance.n_sites, len(pairs)
    r, c = instance.row[pairs], instance.col[pairs]
    demand_rows = np.unique(r) if fallback_rows is None else fallback_rows
    n_u = 0 if fallback_rows is None else len(fallback_rows)
    n_cols = n_s + n_e + n_u
    # Demand rows: Σ_j x_ij (+ u_i) ≤ 1 (cover) or = 1 (median).
    demand_position = np.full(instance.n_demand, -1, dtype=np.int64)
    demand_position[demand_rows] = np.arange(len(demand_rows))
    rows_i = demand_position[r]
    limited = np.flatnonzero(np.isfinite(capacity))
    site_row = np.full(n_s, -1, dtype=np.int64)
    site_row[limited] = np.arange(len(limited))
    has_cap = site_row[c] >= 0
    n_d, n_c = len(demand_rows), len(limited)
    base_cap, base_link, base_card = n_d, n_d + n_c, n_d + n_c + n_e
    rows = [rows_i, base_cap + site_row[c[has_cap]], base_cap + site_row[limited], base_link + np.arange(n_e),
            base_link + np.arange(n_e), np.full(instance.n_free, base_card)]  # fmt: skip
    cols = [n_s + np.arange(n_e), n_s + np.flatnonzero(has_cap), limited, n_s + np.arange(n_e), c,
            np.flatnonzero(~instance.fixed)]  # fmt: skip
    values = [np.ones(n_e), w[r[has_cap]], -capacity[limited], np.ones(n_e), -np.ones(n_e), np.ones(instance.n_free)]
    if n_u:
        rows.append(np.arange(n_u))
        cols.append(n_s + n_e + np.arange(n_u))
        values.append(np.ones(n_u))
    matrix = _coo(rows, cols, values, (n_d + n_c + n_e + 1, n_cols))
    lower = np.zeros(n_cols)
    lower[:n_s] = instance.fixed.astype(float)
    if objective == "cover":
        cost = np.r_[np.zeros(n_s), w[r], np.zeros(n_u)]
        demand_lower = np.full(n_d, -np.inf)
    else:
        assert fallback_cost is not None and fallback_rows is not None
        cost = np.r_[np.zeros(n_s), w[r] * instance.time_s[pairs] / 60.0, w[fallback_rows] * fallback_cost]
        demand_lower = np.ones(n_d)
    milp = _Milp(
        cost=cost,
        lower=lower,
        upper=np.ones(n_cols),
        integer=np.r_[np.ones(n_s, dtype=bool), np.zeros(n_e + n_u, dtype=bool)],
        matrix=matrix,
        row_lower=np.r_[demand_lower, np.full(n_c + n_e, -np.inf), p],
        row_upper=np.r_[np.ones(n_d), np.zeros(n_c + n_e), p],
        maximise=objective == "cover",
    )
    return milp, _CapacitatedLayout(n_s, pairs, n_u)


def _read_capacitated(
    instance: SitingInstance, x: FloatArray, layout: _CapacitatedLayout
) -> tuple[BoolArray, FloatArray]:
    open_sites = x[: layout.n_sites] > 0.5
    open_sites |= instance.fixed
    share = np.clip(x[layout.n_sites : layout.n_sites + len(layout.pairs)], 0.0, 1.0)
    share[share < 1e-9] = 0.0
    return open_sites, share


def _main_site(instance: SitingInstance, pairs: IntArray, share: FloatArray) -> tuple[IntArray, FloatArray]:
    """For each demand point, the site serving its largest share (ties: the nearer) and the time to it."""
    site = np.full(instance.n_demand, -1, dtype=np.int64)
    seconds = np.full(instance.n_demand, np.nan)
    served = share > 1e-9
    r, c, t, s = instance.row[pairs][served], instance.col[pairs][served], instance.time_s[pairs][served], share[served]
    order = np.lexsort((t, -s, r))
    r, c, t = r[order], c[order], t[order]
    if len(r):
        first = np.r_[True, r[1:] != r[:-1]]
        site[r[first]] = c[first]
        seconds[r[first]] = t[first]
    return site, seconds


class PMedian(_SitingModel):
    r"""p-median (Hakimi 1964; ReVelle & Swain 1970) on a sparse reach, optionally capacitated.

    Open ``p`` new sites among the free candidates, on top of the fixed ones, to minimise the total
    demand-weighted travel time. Only pairs within ``T`` exist (the table is sparse); a demand point with no open
    site within ``T`` counts at the penalty time :math:`P` (default ``T + 1`` minute, ``penalty_min``), as if a
    virtual site at :math:`P` minutes were always open. This makes the model always feasible; its assignment
    reports such demand as not covered (``site`` None, ``cost_min`` = :math:`P`).

    Notation as in :class:`MaximalCovering`; :math:`t_{ij}` in minutes; :math:`b_i = \min(P, \min_{j \in F,
    (i,j) \in E} t_{ij})` the time demand :math:`i` already has without new sites. Uncapacitated
    (:math:`y_j \in \{0,1\}`, shares :math:`x_{ij} \ge 0`, fallback :math:`u_i \ge 0`)::

        min   Σ_{(i,j) ∈ E'} w_i t_ij x_ij + Σ_i w_i b_i u_i
        s.t.  Σ_{j : (i,j) ∈ E'} x_ij + u_i = 1    ∀ i        (served by a new site, or by the fallback)
              x_ij ≤ y_j                          ∀ (i,j) ∈ E'
              Σ_{j ∈ N} y_j = p

    with :math:`E' = \{(i, j) \in E : j \in N, t_{ij} < b_i\}`: a new site farther than the fixed one (or than
    the penalty) is never used, so those pairs are dropped; demand with no pair in :math:`E'` is a constant
    :math:`w_i b_i`. Continuous :math:`x` is exact here (the cheapest open option takes everything).

    Capacitated (:math:`C_j` in demand units; every site, fixed ones too, within its capacity)::

        min   Σ_{(i,j) ∈ E} w_i t_ij x_ij + Σ_i w_i P u_i
        s.t.  Σ_{j ∈ N_i} x_ij + u_i = 1               ∀ i
              Σ_{i : (i,j) ∈ E} w_i x_ij ≤ C_j y_j      ∀ j with C_j < ∞
              x_ij ≤ y_j                              ∀ (i,j) ∈ E
              Σ_{j ∈ N} y_j = p,   y_j = 1 ∀ j ∈ F

    Demand beyond every reachable site's capacity falls back to the penalty. Shares may split a demand point
    between sites. The objective reported is Σ weight × minutes (penalties included), in weight·minutes.

    Solving, as :class:`MaximalCovering`: ``"greedy"`` adds the site with the largest weighted time saving p
    times, then makes Teitz–Bart swaps (using each demand point's nearest and second-nearest open site);
    ``"exact"`` runs greedy + swap, a Lagrangian relaxation of the assignment rows
    (:func:`_lagrangian_median`) that removes candidates unable to beat the incumbent (or proves it optimal),
    then the MILP over the rest. Capacitated models go straight to the MILP.
    """

    name = "p_median"

    def __init__(self, instance: SitingInstance, p: int, penalty_min: float | None = None) -> None:
        super().__init__(instance)
        self.p = _check_p(p, instance.n_free)
        max_time_min = instance.max_time_s / 60.0
        penalty = max_time_min + PENALTY_EXTRA_MIN if penalty_min is None else penalty_min
        if isinstance(penalty, bool) or not isinstance(penalty, int | float | np.integer | np.floating):
            raise SitingInputError(f"penalty_min must be a number of minutes, not {penalty!r}")
        if not math.isfinite(penalty) or penalty < max_time_min:
            raise SitingInputError(f"penalty_min must be finite and ≥ T = {max_time_min:g} min, not {penalty!r}")
        self.penalty_min = float(penalty)

    @classmethod
    def from_travel_times(
        cls,
        travel_times: pd.DataFrame,
        demand: pd.Series | Mapping[Any, float],
        candidates: Iterable[Any],
        p: int,
        max_time_min: float,
        *,
        fixed: Iterable[Any] = (),
        capacities: pd.Series | Mapping[Any, float] | None = None,
        penalty_min: float | None = None,
    ) -> PMedian:
        """The model for ``p`` new sites; pairs beyond ``max_time_min`` are out of reach (penalty ``T + 1``)."""
        instance = siting_instance(travel_times, demand, candidates, max_time_min, fixed=fixed, capacities=capacities)
        return cls(instance, p, penalty_min)

    def solve(
        self,
        method: Method = "exact",
        *,
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        mip_rel_gap: float = 0.0,
        warm_start: bool = True,
        reduce: bool = True,
        swap: bool = True,
    ) -> SitingResult:
        """Solve exactly (HiGHS) or with greedy + swap; parameters as :meth:`MaximalCovering.solve`."""
        self._check_method(method)
        started = time.perf_counter()
        instance = self.instance
        if instance.capacity is not None:
            if method == "greedy":
                raise SitingInputError("the greedy heuristic solves uncapacitated models only; use method='exact'")
            return self._solve_capacitated(started, time_limit_s, mip_rel_gap)
        if method == "greedy":
            open_sites, details = _greedy_median(instance, self.p, self.penalty_min, swap=swap)
            return self._result(open_sites, "greedy+swap" if swap else "greedy", started, None, details)

        p = self.p
        fallback = _fallback_minutes(instance, self.penalty_min)
        heuristic, _ = _greedy_median(instance, p, self.penalty_min, swap=True)
        model_of: dict[str, tuple[IntArray, IntArray, IntArray]] = {}

        def build(allowed: BoolArray) -> tuple[_Milp, IntArray]:
            milp, sites, pairs, demand_rows, _ = _median_milp(instance, p, allowed, fallback)
            model_of["model"] = (sites, pairs, demand_rows)
            return milp, sites

        def start_of(open_sites: BoolArray) -> FloatArray:
            return _median_start(instance, open_sites, *model_of["model"], fallback)

        outcome = _exact_uncapacitated(
            instance,
            p,
            maximise=False,
            heuristic=heuristic,
            value_of=lambda open_sites: float(self._cost(open_sites)[2].sum()),
            lagrangian=lambda incumbent: _lagrangian_median(instance, p, incumbent, fallback),
            improve=lambda open_sites: _swap_median(instance, open_sites, self.penalty_min),
            build=build,
            start_of=start_of,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            warm_start=warm_start,
            reduce=reduce,
        )
        return self._result(outcome.open_sites, "exact", started, outcome.solution, outcome.details)

    def _cost(self, open_sites: BoolArray) -> tuple[IntArray, FloatArray, FloatArray]:
        """Nearest open site, its seconds, and the weighted minutes each demand point adds to the objective."""
        site, seconds = self.instance.nearest_open(open_sites)
        cost_min = np.where(site >= 0, seconds / 60.0, self.penalty_min)
        return site, seconds, self.instance.weight * np.minimum(cost_min, self.penalty_min)

    def _result(
        self,
        open_sites: BoolArray,
        method: str,
        started: float,
        solution: _MilpSolution | None,
        details: dict[str, Any],
    ) -> SitingResult:
        instance = self.instance
        site, seconds, weighted = self._cost(open_sites)
        sites, new_sites, fixed_sites = self._open_lists(open_sites)
        cost_min = np.where(site >= 0, seconds / 60.0, self.penalty_min)
        return SitingResult(
            model=self.name,
            method=method,
            sites=sites,
            new_sites=new_sites,
            fixed_sites=fixed_sites,
            objective=float(weighted.sum()),
            status="heuristic" if solution is None else solution.status,
            solver=method if solution is None else solution.solver,
            solve_time_s=time.perf_counter() - started,
            mip_gap=None if solution is None else solution.gap,
            assignment=_assignment_frame(instance, site, seconds, (site >= 0).astype(float), cost_min),
            flows=_nearest_flows(instance, site),
            uncoverable=_uncoverable(instance),
            details={
                "p": self.p,
                "max_time_min": instance.max_time_s / 60.0,
                "penalty_min": self.penalty_min,
                "mean_time_min": float(weighted.sum() / instance.weight.sum()) if instance.weight.sum() else None,
                **details,
            },
        )

    def _solve_capacitated(self, started: float, time_limit_s: float, mip_rel_gap: float) -> SitingResult:
        instance = self.instance
        w = instance.weight
        pairs = np.flatnonzero(w[instance.row] > 0)
        positive = np.flatnonzero(w > 0)
        penalty = np.full(len(positive), self.penalty_min)
        milp, layout = _capacitated_milp(
            instance, pairs, self.p, objective="median", fallback_rows=positive, fallback_cost=penalty
        )
        solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        open_sites, share = _read_capacitated(instance, solution.x, layout)
        served = np.bincount(instance.row[pairs], weights=share, minlength=instance.n_demand).clip(0.0, 1.0)
        minutes = instance.time_s[pairs] / 60.0
        weighted_time = np.bincount(instance.row[pairs], weights=share * minutes, minlength=instance.n_demand)
        cost_min = weighted_time + (1.0 - served) * self.penalty_min  # mean minutes per unit of demand
        site, seconds = _main_site(instance, pairs, share)
        sites, new_sites, fixed_sites = self._open_lists(open_sites)
        objective = float((w * cost_min).sum())
        keep = share > 1e-9
        return SitingResult(
            model="capacitated_p_median",
            method="exact",
            sites=sites,
            new_sites=new_sites,
            fixed_sites=fixed_sites,
            objective=objective,
            status=solution.status,
            solver=solution.solver,
            solve_time_s=time.perf_counter() - started,
            mip_gap=solution.gap,
            assignment=_assignment_frame(instance, site, seconds, served, cost_min),
            flows=_flows_frame(instance, pairs[keep], share[keep]),
            uncoverable=_uncoverable(instance),
            details={
                "p": self.p,
                "max_time_min": instance.max_time_s / 60.0,
                "penalty_min": self.penalty_min,
                "mean_time_min": objective / float(w.sum()) if w.sum() else None,
                "n_variables": milp.matrix.shape[1],
                "n_constraints": milp.matrix.shape[0],
                "n_pairs": len(instance.row),
                "solver_objective": solution.objective,
                "solver_bound": solution.bound,
                "solver_seconds": solution.seconds,
            },
        )


class SetCovering(_SitingModel):
    r"""Location set covering problem (LSCP; Toregas et al. 1971): the fewest new sites covering all within ``T``.

    Every demand point with weight > 0 that some candidate reaches within ``T`` must be within ``T`` of an open
    site; demand no candidate reaches is left out of the constraints and reported in
    :attr:`SitingResult.uncoverable` (so the model is always feasible). Zero-weight demand needs no cover.

    Notation as in :class:`MaximalCovering`; :math:`I^+` the coverable demand points with :math:`w_i > 0` not
    already covered by a fixed site::

        min   Σ_{j ∈ N} y_j
        s.t.  Σ_{j ∈ N_i ∩ N} y_j ≥ 1    ∀ i ∈ I^+
              y_j ∈ {0, 1},  y_j = 1 ∀ j ∈ F

    Demand points with identical :math:`N_i \cap N` give identical rows and are merged. The objective reported is
    the number of new sites; ``sites`` also lists the fixed ones.
    """

    name = "lscp"

    @classmethod
    def from_travel_times(
        cls,
        travel_times: pd.DataFrame,
        demand: pd.Series | Mapping[Any, float],
        candidates: Iterable[Any],
        max_time_min: float,
        *,
        fixed: Iterable[Any] = (),
    ) -> SetCovering:
        """The model covering within ``max_time_min`` (see :func:`siting_instance`)."""
        return cls(siting_instance(travel_times, demand, candidates, max_time_min, fixed=fixed))

    def solve(
        self, method: Method = "exact", *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, mip_rel_gap: float = 0.0
    ) -> SitingResult:
        """Solve exactly (HiGHS) or greedily (most uncovered demand points first, then drop redundant sites).

        The exact method starts HiGHS from the greedy cover. Large covers (tens of sites among thousands of
        candidates) can reach ``time_limit_s``: the result then has status ``"time_limit"`` and its ``mip_gap``.
        """
        self._check_method(method)
        started = time.perf_counter()
        instance = self.instance
        need = np.zeros(instance.n_demand, dtype=bool)
        need[instance.row] = True
        need &= (instance.weight > 0) & ~instance.covered_by(instance.fixed)
        if method == "greedy" or not need.any():
            open_sites, details = _greedy_set_cover(instance, need)
            label = "greedy" if method == "greedy" else "exact"
            return self._result(open_sites, label, started, None, details, trivially_optimal=method == "exact")

        free_position = np.cumsum(~instance.fixed) - 1
        keep = need[instance.row] & ~instance.fixed[instance.col]
        _, _, members = _group_identical_rows(instance.row[keep], free_position[instance.col[keep]])
        n_free, n_rows = instance.n_free, len(members)
        sizes = np.array([len(m) for m in members], dtype=np.int64)
        matrix = _coo([np.repeat(np.arange(n_rows), sizes)], [np.concatenate(members)], [np.ones(int(sizes.sum()))],
                      (n_rows, n_free))  # fmt: skip
        milp = _Milp(
            cost=np.ones(n_free),
            lower=np.zeros(n_free),
            upper=np.ones(n_free),
            integer=np.ones(n_free, dtype=bool),
            matrix=matrix,
            row_lower=np.ones(n_rows),
            row_upper=np.full(n_rows, np.inf),
            maximise=False,
        )
        greedy_open, _ = _greedy_set_cover(instance, need)
        start = greedy_open[~instance.fixed].astype(float)
        solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, start=start)
        open_sites = instance.fixed.copy()
        open_sites[np.flatnonzero(~instance.fixed)[solution.x > 0.5]] = True
        details = {
            "greedy_objective": float((greedy_open & ~instance.fixed).sum()),
            "n_variables": n_free,
            "n_constraints": n_rows,
            "n_pairs": len(instance.row),
            "solver_objective": solution.objective,
            "solver_bound": solution.bound,
            "solver_seconds": solution.seconds,
        }
        return self._result(open_sites, "exact", started, solution, details)

    def _result(
        self,
        open_sites: BoolArray,
        method: str,
        started: float,
        solution: _MilpSolution | None,
        details: dict[str, Any],
        *,
        trivially_optimal: bool = False,
    ) -> SitingResult:
        instance = self.instance
        site, seconds = instance.nearest_open(open_sites)
        sites, new_sites, fixed_sites = self._open_lists(open_sites)
        if solution is not None:
            status, solver, gap = solution.status, solution.solver, solution.gap
        elif trivially_optimal:
            status, solver, gap = "optimal", "none (nothing left to cover)", 0.0
        else:
            status, solver, gap = "heuristic", method, None
        return SitingResult(
            model=self.name,
            method=method,
            sites=sites,
            new_sites=new_sites,
            fixed_sites=fixed_sites,
            objective=float(len(new_sites)),
            status=status,
            solver=solver,
            solve_time_s=time.perf_counter() - started,
            mip_gap=gap,
            assignment=_assignment_frame(instance, site, seconds, (site >= 0).astype(float), None),
            flows=_nearest_flows(instance, site),
            uncoverable=_uncoverable(instance),
            details={"max_time_min": instance.max_time_s / 60.0, **details},
        )


def maximal_covering(
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    candidates: Iterable[Any],
    p: int,
    max_time_min: float,
    *,
    fixed: Iterable[Any] = (),
    capacities: pd.Series | Mapping[Any, float] | None = None,
    method: Method = "exact",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> SitingResult:
    """Open ``p`` new sites maximising the demand within ``max_time_min`` (:class:`MaximalCovering`)."""
    model = MaximalCovering.from_travel_times(
        travel_times, demand, candidates, p, max_time_min, fixed=fixed, capacities=capacities
    )
    return model.solve(method, time_limit_s=time_limit_s)


def p_median(
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    candidates: Iterable[Any],
    p: int,
    max_time_min: float,
    *,
    fixed: Iterable[Any] = (),
    capacities: pd.Series | Mapping[Any, float] | None = None,
    penalty_min: float | None = None,
    method: Method = "exact",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> SitingResult:
    """Open ``p`` new sites minimising demand-weighted minutes (:class:`PMedian`)."""
    model = PMedian.from_travel_times(
        travel_times, demand, candidates, p, max_time_min, fixed=fixed, capacities=capacities, penalty_min=penalty_min
    )
    return model.solve(method, time_limit_s=time_limit_s)


def set_covering(
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    candidates: Iterable[Any],
    max_time_min: float,
    *,
    fixed: Iterable[Any] = (),
    method: Method = "exact",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> SitingResult:
    """The fewest new sites putting every coverable demand point within ``max_time_min`` (:class:`SetCovering`)."""
    return SetCovering.from_travel_times(travel_times, demand, candidates, max_time_min, fixed=fixed).solve(
        method, time_limit_s=time_limit_s
    )


# ---------------------------------------------------------------------------------------------------------
# Scenarios: what a set of sites changes
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScenarioSummary:
    """Before/after a change of sites: coverage, nearest time and inequality.

    Attributes
    ----------
    overall
        ``demand``, ``covered_before``/``_after`` (weight within ``T``), ``coverage_before``/``_after``/``_change``
        (shares 0–1), ``newly_covered``, ``no_longer_covered``, ``mean_nearest_min_before``/``_after`` (weighted;
        demand reaching no site counts at ``cutoff + 1`` min), ``unreached_before``/``_after`` (share of demand
        reaching no site within the table's cutoff), ``max_time_min``, ``unreached_min``.
    by_zone
        Per zone (None without ``zones``): ``demand``, ``coverage_before``, ``coverage_after``,
        ``coverage_change``, ``newly_covered``, ``mean_nearest_min_before``, ``mean_nearest_min_after``.
    inequality
        Rows ``nearest_time`` (minutes, penalised, across demand points), ``sites_within`` (sites within ``T``,
        across demand points) and, with zones, ``zone_coverage`` (coverage share across zones); columns
        ``gini_before``, ``gini_after``, ``gini_change``, ``palma_before``, ``palma_after``, ``palma_change``.
        All weighted by demand. For times a higher value is worse, so a falling Gini means times became more even.
    by_age_band
        Per age band (None without ``age_bands``): ``youth``, ``covered_before``, ``covered_after``,
        ``newly_covered``, ``coverage_before``, ``coverage_after``.
    per_demand
        Per demand point: ``weight``, ``nearest_min_before``/``_after`` (NaN = none in the table),
        ``covered_before``/``_after``, ``sites_within_before``/``_after``, and ``zone`` when given.
    """

    overall: pd.Series
    by_zone: pd.DataFrame | None
    inequality: pd.DataFrame
    by_age_band: pd.DataFrame | None
    per_demand: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: frames as ``{row: {column: value}}`` (NaN/inf as None)."""

        def clean(frame: pd.DataFrame | None) -> dict[str, Any] | None:
            if frame is None:
                return None
            values = frame.astype(float).replace([np.inf, -np.inf], np.nan)
            return {
                str(k): {c: (None if pd.isna(v) else float(v)) for c, v in row.items()}
                for k, row in values.to_dict(orient="index").items()
            }

        overall = {k: (None if pd.isna(v) or np.isinf(v) else float(v)) for k, v in self.overall.items()}
        return {
            "overall": overall,
            "by_zone": clean(self.by_zone),
            "inequality": clean(self.inequality),
            "by_age_band": clean(self.by_age_band),
        }


def _nearest_and_count(
    table: pd.DataFrame, demand_index: pd.Index, sites: pd.Index, max_time_s: float
) -> tuple[pd.Series, pd.Series]:
    rows = table[table["to_id"].isin(sites) & table["from_id"].isin(demand_index)]
    seconds = pd.to_numeric(rows["travel_time"]).astype(float)
    nearest = seconds.groupby(rows["from_id"]).min().reindex(demand_index) / 60.0
    within = (
        rows.loc[seconds <= max_time_s + 1e-9]
        .drop_duplicates(["from_id", "to_id"])
        .groupby("from_id")
        .size()
        .reindex(demand_index, fill_value=0)
    )
    return nearest, within.astype(float)


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def scenario_summary(
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    before_sites: Iterable[Any],
    after_sites: Iterable[Any],
    max_time_min: float,
    *,
    zones: pd.Series | Mapping[Any, Any] | None = None,
    age_bands: pd.DataFrame | None = None,
    cutoff_min: float | None = None,
) -> ScenarioSummary:
    """Coverage, nearest-site time and their inequality before and after a change of sites.

    Parameters
    ----------
    travel_times
        ``from_id`` (demand), ``to_id`` (site), ``travel_time`` (seconds): every pair the table has is used for
        the nearest time; coverage counts pairs within ``max_time_min``.
    demand
        Weights (youth, optionally × vulnerability) by demand id.
    before_sites, after_sites
        Site ids open before (e.g. the fixed hubs) and after (e.g. ``result.sites``).
    max_time_min
        The coverage threshold ``T``.
    zones
        Demand id → zone code (NIL, Municipio); demand without a zone counts only city-wide.
    age_bands
        Demand id × age band counts (e.g. ``age_0_4 ... age_15_17``); missing rows count as 0.
    cutoff_min
        The table's own cutoff (default: its largest time, rounded up to a minute, and at least ``T``). Demand
        reaching no site in the table counts at ``cutoff_min + 1`` minute in mean times and inequality.

    Returns
    -------
    ScenarioSummary
    """
    weights = _as_demand(demand)
    threshold_min = _check_minutes(max_time_min)
    table = _check_travel_times(travel_times)
    before, after = _as_ids(before_sites, "before"), _as_ids(after_sites, "after")
    if cutoff_min is None:
        largest = float(pd.to_numeric(table["travel_time"]).max()) / 60.0 if len(table) else 0.0
        cutoff = max(threshold_min, math.ceil(largest)) if math.isfinite(largest) else threshold_min
    else:
        cutoff = _check_minutes(cutoff_min, "cutoff_min")
    unreached_min = cutoff + PENALTY_EXTRA_MIN

    index = weights.index
    frame = pd.DataFrame({"weight": weights}, index=index)
    for label, sites in (("before", before), ("after", after)):
        nearest, within = _nearest_and_count(table, index, sites, threshold_min * 60.0)
        frame[f"nearest_min_{label}"] = nearest
        frame[f"covered_{label}"] = (nearest <= threshold_min + 1e-9).fillna(False).astype(bool)
        frame[f"sites_within_{label}"] = within
    penalised = {
        s: frame[f"nearest_min_{s}"].fillna(unreached_min).clip(upper=unreached_min) for s in ("before", "after")
    }

    w = frame["weight"]
    total = float(w.sum())
    newly = frame["covered_after"] & ~frame["covered_before"]
    lost = frame["covered_before"] & ~frame["covered_after"]
    covered_before = float(w[frame["covered_before"]].sum())
    covered_after = float(w[frame["covered_after"]].sum())
    share = (lambda x: x / total) if total > 0 else (lambda x: float("nan"))
    overall = pd.Series(
        {
            "demand": total,
            "covered_before": covered_before,
            "covered_after": covered_after,
            "coverage_before": share(covered_before),
            "coverage_after": share(covered_after),
            "coverage_change": share(covered_after) - share(covered_before),
            "newly_covered": float(w[newly].sum()),
            "no_longer_covered": float(w[lost].sum()),
            "mean_nearest_min_before": _weighted_mean(penalised["before"], w),
            "mean_nearest_min_after": _weighted_mean(penalised["after"], w),
            "unreached_before": share(float(w[frame["nearest_min_before"].isna()].sum())),
            "unreached_after": share(float(w[frame["nearest_min_after"].isna()].sum())),
            "max_time_min": threshold_min,
            "unreached_min": unreached_min,
        }
    )

    by_zone = None
    inequality_rows: dict[str, dict[str, float]] = {}
    for name, values in (
        ("nearest_time", penalised),
        ("sites_within", {s: frame[f"sites_within_{s}"] for s in ("before", "after")}),
    ):
        inequality_rows[name] = _inequality_row(values["before"], values["after"], w)
    if zones is not None:
        zone = (pd.Series(zones) if not isinstance(zones, pd.Series) else zones).reindex(index)
        frame["zone"] = zone
        grouped = frame.assign(
            w_before=w * frame["covered_before"],
            w_after=w * frame["covered_after"],
            w_new=w * newly,
            t_before=w * penalised["before"],
            t_after=w * penalised["after"],
        ).groupby("zone")
        sums = grouped[["weight", "w_before", "w_after", "w_new", "t_before", "t_after"]].sum()
        denominator = sums["weight"].where(sums["weight"] > 0)
        by_zone = pd.DataFrame(
            {
                "demand": sums["weight"],
                "coverage_before": sums["w_before"] / denominator,
                "coverage_after": sums["w_after"] / denominator,
                "coverage_change": (sums["w_after"] - sums["w_before"]) / denominator,
                "newly_covered": sums["w_new"],
                "mean_nearest_min_before": sums["t_before"] / denominator,
                "mean_nearest_min_after": sums["t_after"] / denominator,
            }
        )
        by_zone.index.name = "zone"
        inequality_rows["zone_coverage"] = _inequality_row(
            by_zone["coverage_before"].fillna(0.0), by_zone["coverage_after"].fillna(0.0), by_zone["demand"]
        )
    inequality = pd.DataFrame.from_dict(inequality_rows, orient="index")

    by_age_band = None
    if age_bands is not None:
        bands = age_bands.reindex(index).fillna(0.0).astype(float)
        youth = bands.sum()
        before_y = bands[frame["covered_before"].to_numpy()].sum()
        after_y = bands[frame["covered_after"].to_numpy()].sum()
        by_age_band = pd.DataFrame(
            {
                "youth": youth,
                "covered_before": before_y,
                "covered_after": after_y,
                "newly_covered": bands[newly.to_numpy()].sum(),
                "coverage_before": before_y / youth.where(youth > 0),
                "coverage_after": after_y / youth.where(youth > 0),
            }
        )
        by_age_band.index.name = "age_band"
    return ScenarioSummary(overall, by_zone, inequality, by_age_band, frame)


def _inequality_row(before: pd.Series, after: pd.Series, weights: pd.Series) -> dict[str, float]:
    g0, g1 = gini(before, weights), gini(after, weights)
    p0, p1 = palma_ratio(before, weights), palma_ratio(after, weights)
    return {
        "gini_before": g0,
        "gini_after": g1,
        "gini_change": g1 - g0,
        "palma_before": p0,
        "palma_after": p1,
        "palma_change": p1 - p0 if math.isfinite(p0) and math.isfinite(p1) else float("nan"),
    }


# ---------------------------------------------------------------------------------------------------------
# Missions: where unmet need is largest
# ---------------------------------------------------------------------------------------------------------

_CATEGORY_LABELS = {"arts": "an arts", "health": "a health", "education": "an education", "sport": "a sport",
                    "stem": "a STEM"}  # fmt: skip


def _category_phrase(category: str) -> str:
    if category in _CATEGORY_LABELS:
        return _CATEGORY_LABELS[category]
    label = category.replace("_", " ")
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def _vulnerability_tier(top_share: float) -> str:
    for limit, label in ((0.10, "top 10%"), (0.25, "top 25%"), (0.50, "top half")):
        if top_share <= limit + 1e-12:
            return label
    return "bottom half"


def rank_missions(
    zones: pd.DataFrame,
    *,
    categories: Sequence[str] | None = None,
    youth_column: str = "youth",
    vulnerability_column: str = "vulnerability",
    access_prefix: str = "access_",
    name_column: str | None = "name",
    max_time_min: float = 15,
    top: int | None = None,
) -> pd.DataFrame:
    """Neighbourhoods ranked by unmet need = youth × vulnerability × (1 − access share), per category.

    Parameters
    ----------
    zones
        One row per zone (index = zone code) with ``youth`` (count), ``vulnerability`` (0–1, e.g. from
        :func:`vulnerability_index`) and, per category, ``access_{category}``: the share (0–1) of the zone's youth
        who reach an opportunity of that category within ``max_time_min`` (e.g. from
        :func:`layers.summaries.coverage_by_zone`).
    categories
        The categories to rank (default: every ``access_*`` column).
    name_column
        A column with a readable zone name (used in the reason when present).
    max_time_min
        The threshold the access shares refer to (only used in the reasons).
    top
        Keep only the ``top`` rows overall.

    Returns
    -------
    DataFrame
        One row per zone and category, highest unmet need first: ``zone``, ``name``, ``category``, ``youth``,
        ``vulnerability``, ``vulnerability_tier`` (top 10% / top 25% / top half / bottom half of zones),
        ``access_share``, ``unmet_need`` (youth who lack access, weighted by vulnerability), ``rank`` (1 = most
        need overall), ``rank_in_category``, ``reason`` (e.g. "1,240 youth, vulnerability 0.80 (top 10%), 23%
        reach a sport opportunity within 15 min").

    Raises
    ------
    SitingInputError
        Missing columns, no categories, negative youth, vulnerability or access outside 0–1, or missing access for
        a zone with youth.
    """
    if not isinstance(zones, pd.DataFrame) or zones.empty:
        raise SitingInputError("zones must be a non-empty DataFrame (one row per zone)")
    for column in (youth_column, vulnerability_column):
        if column not in zones.columns:
            raise SitingInputError(f"zones lacks the column {column!r}")
    if categories is None:
        categories = [c[len(access_prefix) :] for c in zones.columns if str(c).startswith(access_prefix)]
    if not categories:
        raise SitingInputError(f"no categories: give categories or columns named {access_prefix}<category>")
    missing = [f"{access_prefix}{c}" for c in categories if f"{access_prefix}{c}" not in zones.columns]
    if missing:
        raise SitingInputError(f"zones lacks access columns {missing}")
    minutes = _check_minutes(max_time_min)
    youth = pd.to_numeric(zones[youth_column], errors="coerce")
    vulnerability = pd.to_numeric(zones[vulnerability_column], errors="coerce")
    if youth.isna().any() or (youth < 0).any():
        raise SitingInputError(f"{youth_column} must be counts ≥ 0 for every zone")
    if vulnerability.isna().any() or ((vulnerability < 0) | (vulnerability > 1)).any():
        raise SitingInputError(f"{vulnerability_column} must be in [0, 1] for every zone")
    top_share = vulnerability.rank(ascending=False, method="min") / len(vulnerability)
    names = zones[name_column] if name_column and name_column in zones.columns else pd.Series(zones.index, zones.index)

    parts = []
    for category in categories:
        access = pd.to_numeric(zones[f"{access_prefix}{category}"], errors="coerce")
        unknown = access.isna() & (youth > 0)
        if unknown.any() or ((access < 0) | (access > 1)).any():
            raise SitingInputError(
                f"{access_prefix}{category} must be a share in [0, 1] for every zone with youth "
                f"(bad or missing for {zones.index[unknown | (access < 0) | (access > 1)].tolist()[:5]})"
            )
        access = access.fillna(0.0)
        parts.append(
            pd.DataFrame(
                {
                    "zone": zones.index,
                    "name": names.to_numpy(),
                    "category": category,
                    "youth": youth.to_numpy(dtype=float),
                    "vulnerability": vulnerability.to_numpy(dtype=float),
                    "vulnerability_tier": [_vulnerability_tier(s) for s in top_share],
                    "access_share": access.to_numpy(dtype=float),
                    "unmet_need": (youth * vulnerability * (1.0 - access)).to_numpy(dtype=float),
                }
            )
        )
    ranked = pd.concat(parts, ignore_index=True)
    ranked = ranked.sort_values(["unmet_need", "youth"], ascending=[False, False], kind="stable", ignore_index=True)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    ranked["rank_in_category"] = ranked.groupby("category").cumcount() + 1
    ranked["reason"] = [
        f"{y:,.0f} youth, vulnerability {v:.2f} ({tier}), {a:.0%} reach {_category_phrase(c)} opportunity "
        f"within {minutes:g} min"
        for y, v, tier, a, c in zip(
            ranked["youth"], ranked["vulnerability"], ranked["vulnerability_tier"], ranked["access_share"],
            ranked["category"], strict=True,
        )
    ]  # fmt: skip
    return ranked if top is None else ranked.head(top)


# ---------------------------------------------------------------------------------------------------------
# Vulnerability
# ---------------------------------------------------------------------------------------------------------


def vulnerability_index(
    frame: pd.DataFrame,
    columns: Sequence[str],
    weights: Sequence[float] | Mapping[str, float] | None = None,
    *,
    invert: Sequence[str] = (),
    rescale: bool = True,
) -> pd.Series:
    """A 0–1 composite: each indicator min–max normalised, then their weighted mean (min–max rescaled).

    ``x'_k = (x_k − min x_k) / (max x_k − min x_k)`` (``1 − x'_k`` for columns in ``invert``, where a higher
    value means *less* vulnerable; a constant column gives 0), then ``V = Σ_k a_k x'_k / Σ_k a_k`` over the
    indicators a zone has (missing values drop out of that zone's mean), and with ``rescale`` the result is
    min–max rescaled so the least vulnerable zone is 0 and the most vulnerable 1 (the scale is relative to the
    zones given, not absolute).

    Parameters
    ----------
    frame
        One row per zone.
    columns
        The indicator columns; higher = more vulnerable unless listed in ``invert``.
    weights
        One weight ≥ 0 per column (sequence in column order, or a mapping by column); default equal.

    Raises
    ------
    SitingInputError
        No columns, missing columns, bad weights, or a zone with no indicator at all.
    """
    if not columns:
        raise SitingInputError("vulnerability_index needs at least one indicator column")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SitingInputError(f"vulnerability_index: frame lacks columns {missing}")
    unknown = [c for c in invert if c not in columns]
    if unknown:
        raise SitingInputError(f"vulnerability_index: invert names columns not in columns: {unknown}")
    if weights is None:
        a = np.ones(len(columns))
    elif isinstance(weights, Mapping):
        absent = [c for c in columns if c not in weights]
        if absent:
            raise SitingInputError(f"vulnerability_index: no weight for {absent}")
        a = np.array([float(weights[c]) for c in columns])
    else:
        a = np.asarray(list(weights), dtype=float)
        if len(a) != len(columns):
            raise SitingInputError(f"vulnerability_index: {len(a)} weights for {len(columns)} columns")
    if not np.isfinite(a).all() or (a < 0).any() or a.sum() <= 0:
        raise SitingInputError("vulnerability_index: weights must be finite, ≥ 0, and not all 0")

    normalised = pd.DataFrame(index=frame.index)
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        low, high = values.min(), values.max()
        scaled = (values - low) / (high - low) if high > low else values * 0.0
        normalised[column] = 1.0 - scaled if column in invert else scaled
    present = normalised.notna().to_numpy()
    if not present.any(axis=1).all():
        empty = frame.index[~present.any(axis=1)].tolist()[:5]
        raise SitingInputError(f"vulnerability_index: zones with no indicator value: {empty}")
    weight_matrix = present * a
    index = (normalised.fillna(0.0).to_numpy() * weight_matrix).sum(axis=1) / weight_matrix.sum(axis=1)
    result = pd.Series(index, index=frame.index, name="vulnerability")
    if rescale:
        low, high = result.min(), result.max()
        result = (result - low) / (high - low) if high > low else result * 0.0
    return result


#: Weights of the Milan per-NIL recipe (see :func:`milan_vulnerability_by_nil`).
MILAN_VULNERABILITY_WEIGHTS: dict[str, float] = {"foreign_share": 0.5, "density": 0.25, "turnover": 0.25}
#: Residents added at the city-wide rate when smoothing a NIL's shares (small-area shrinkage).
MILAN_SHRINKAGE_RESIDENTS = 500.0

_NIL_DEMOGRAPHICS = "nil_demographics_2021_derived_milano_platform.csv"
_NIL_SERVICES = "nil_service_counts_derived_milano_platform.csv"
_DEMOGRAPHICS_COLUMNS = ["id_nil", "nil", "popolazione_totale", "pct_stranieri", "densita_abitanti_km2",
                         "immigrati", "emigrati"]  # fmt: skip
_SERVICES_COLUMNS = ["id_nil", "famiglie_con_figli_minorenni", "famiglie_totali_tipologie"]


def _milan_population_dir(data_dir: str | Path) -> Path:
    base = Path(data_dir)
    for folder in (base / "milan" / "population", base / "population", base):
        if (folder / _NIL_DEMOGRAPHICS).is_file():
            return folder
    raise SourceNotFoundError(
        f"{_NIL_DEMOGRAPHICS} not found under {base} (looked in milan/population/, population/ and the folder itself)"
    )


def _read_nil_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise SourceNotFoundError(f"missing {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise SourceFormatError(f"{path.name} cannot be read as CSV: {error}") from error
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise SourceFormatError(f"{path.name} lacks columns {absent}")
    if frame["id_nil"].duplicated().any():
        raise SourceFormatError(f"{path.name} repeats id_nil values")
    return frame[columns].set_index(frame["id_nil"].astype(int).astype(str).rename("nil"))


def _shrunk_share(count: pd.Series, population: pd.Series, k: float) -> pd.Series:
    city = float(count.sum() / population.sum())
    return (count + k * city) / (population + k)


def milan_vulnerability_components(data_dir: str | Path) -> pd.DataFrame:
    """The indicators of the Milan per-NIL vulnerability recipe, one row per NIL (index = ``id_nil`` as a string).

    Columns: ``name``, ``population``, ``foreign_share`` (foreign residents / residents, smoothed),
    ``density`` (residents per km²), ``turnover`` ((registrations + deregistrations) / residents, smoothed), and
    for information only ``minors_household_share`` (households with at least one child under 18 / all
    households; not in the index: it measures how many children there are, which the youth weight already
    counts). See :func:`milan_vulnerability_by_nil` for sources and caveats.

    Raises
    ------
    SourceNotFoundError
        The NIL files are not under ``data_dir``.
    SourceFormatError
        A file cannot be read or lacks a column.
    """
    folder = _milan_population_dir(data_dir)
    demographics = _read_nil_csv(folder / _NIL_DEMOGRAPHICS, _DEMOGRAPHICS_COLUMNS)
    services = _read_nil_csv(folder / _NIL_SERVICES, _SERVICES_COLUMNS)
    population = pd.to_numeric(demographics["popolazione_totale"], errors="coerce").fillna(0.0)
    foreign = pd.to_numeric(demographics["pct_stranieri"], errors="coerce").fillna(0.0) / 100.0 * population
    moves = pd.to_numeric(demographics["immigrati"], errors="coerce").fillna(0.0) + pd.to_numeric(
        demographics["emigrati"], errors="coerce"
    ).fillna(0.0)
    k = MILAN_SHRINKAGE_RESIDENTS
    households = services.reindex(demographics.index)
    minors = pd.to_numeric(households["famiglie_con_figli_minorenni"], errors="coerce")
    all_households = pd.to_numeric(households["famiglie_totali_tipologie"], errors="coerce")
    components = pd.DataFrame(
        {
            "name": demographics["nil"].astype(str),
            "population": population,
            "foreign_share": _shrunk_share(foreign, population, k),
            "density": pd.to_numeric(demographics["densita_abitanti_km2"], errors="coerce").fillna(0.0),
            "turnover": _shrunk_share(moves, population, k),
            "minors_household_share": minors / all_households.where(all_households > 0),
        }
    )
    return components.sort_index(key=lambda s: s.astype(int))


def milan_vulnerability_by_nil(data_dir: str | Path, weights: Mapping[str, float] | None = None) -> pd.Series:
    """A 0–1 vulnerability index for Milan's 88 NIL, from the shared per-NIL data (index = ``id_nil`` string).

    Recipe (``vulnerability_index`` of three NIL indicators, weights :data:`MILAN_VULNERABILITY_WEIGHTS`):

    - ``foreign_share`` (0.5): share of foreign residents (``pct_stranieri``, 2021). In Italy households of
      foreign citizens face absolute poverty several times as often as Italian ones (ISTAT), and newly arrived
      families meet language and information barriers to activities. A proxy for disadvantage, not a measure of
      any family; never label a neighbourhood by it.
    - ``density`` (0.25): residents per km² (``densita_abitanti_km2``), a proxy for crowding and little private
      space. Weak on its own: some dense central NILs are affluent.
    - ``turnover`` (0.25): registrations plus deregistrations per resident (``immigrati + emigrati``), i.e.
      residential instability and newly arrived families with few local ties. Also high near universities.

    The two shares are smoothed towards the city-wide rate as if each NIL had
    :data:`MILAN_SHRINKAGE_RESIDENTS` more residents at that rate: it matters only for NILs of a few hundred
    residents (parks, farmland) and gives Parco Sempione (0 residents) the city values instead of NaN.
    Each indicator is min–max normalised across the 88 NIL, then weighted and rescaled to 0–1.

    Not used, and why:

    - A single-parent share: ``famiglie_con_figli_minorenni`` (nil_service_counts) merges couples with children
      and single parents with children, so single parents cannot be separated. Its share of households is given
      by :func:`milan_vulnerability_components` for information; it counts children, which the demand weight
      already does.
    - ``istat2011_zone_decentramento_indicators_milano.csv`` has the classic deprivation indicators (low
      education, unemployment, renting, crowding; Caranci et al. 2010), but per Municipio (9 zones) and for 2011:
      every NIL of a Municipio would get the same value, hiding the contrasts inside a Municipio (Municipio 8
      holds both CityLife and Quarto Oggiaro). Census sections (istat2011_census_sections_*) carry only age bands.
    - Service counts (schools, social services): they are supply, which the access layers already measure.

    Caveats (see /work/shared/data/milan/SOURCES.md): both NIL files are DERIVED by a third party (Milano-Platform)
    from Comune di Milano ds205 and other datasets, matched to NIL by name and not re-checked; the year is assumed
    to be 2021; min–max makes the index relative to Milan and sensitive to outliers (Parco Forlanini – Cavriano,
    2,180 residents with 66% foreign residents, scores 1.0). Treat the index as a ranking aid next to local
    knowledge, not as a measurement.

    Parameters
    ----------
    data_dir
        The shared data folder (``.../shared/data``), the ``milan`` folder, or its ``population`` folder.
    weights
        Override the weights (by component name; any column of :func:`milan_vulnerability_components`).
    """
    components = milan_vulnerability_components(data_dir)
    chosen = dict(MILAN_VULNERABILITY_WEIGHTS if weights is None else weights)
    index = vulnerability_index(components, list(chosen), chosen)
    index.index.name = "nil"
    return index


def solve_objective(
    objective: str,
    travel_times: pd.DataFrame,
    demand: pd.Series | Mapping[Any, float],
    candidates: Iterable[Any],
    p: int,
    max_time_min: float,
    *,
    fixed: Iterable[Any] = (),
    method: Method = "exact",
) -> SitingResult:
    """One model by name: ``mclp`` (:func:`maximal_covering`), ``pmedian`` (:func:`p_median`) or ``lscp``
    (:func:`set_covering`, which ignores ``p``). Plain arguments in and out, so that a scenario sweep can run each
    combination as a task on a cluster."""
    if objective == "mclp":
        return maximal_covering(travel_times, demand, candidates, p, max_time_min, fixed=fixed, method=method)
    if objective == "pmedian":
        return p_median(travel_times, demand, candidates, p, max_time_min, fixed=fixed, method=method)
    if objective == "lscp":
        return set_covering(travel_times, demand, candidates, max_time_min, fixed=fixed, method=method)
    raise SitingInputError(f"unknown objective {objective!r}; use mclp, pmedian or lscp")
