"""The three models (MCLP, p-median, LSCP) and the one-call functions."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from layers.siting.errors import SitingInputError
from layers.siting.exact import _exact_uncapacitated
from layers.siting.heuristics import (
    _fallback_minutes,
    _greedy_cover,
    _greedy_median,
    _greedy_set_cover,
    _swap_cover,
    _swap_median,
)
from layers.siting.instance import (
    DEFAULT_TIME_LIMIT_S,
    PENALTY_EXTRA_MIN,
    BoolArray,
    FloatArray,
    IntArray,
    Method,
    SitingInstance,
    _check_p,
    siting_instance,
)
from layers.siting.lagrangian import _lagrangian_cover, _lagrangian_median
from layers.siting.milp import (
    _capacitated_milp,
    _coo,
    _cover_milp,
    _group_identical_rows,
    _main_site,
    _median_milp,
    _median_start,
    _Milp,
    _MilpSolution,
    _read_capacitated,
    _solve_milp,
)
from layers.siting.results import SitingResult, _assignment_frame, _flows_frame, _nearest_flows, _uncoverable

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
