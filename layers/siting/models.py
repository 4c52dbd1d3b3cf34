"""The three models (MCLP, p-median, LSCP), their one solve path, and the one-call functions.

:class:`_SitingModel` holds what every model shares: the dispatch of :meth:`~_SitingModel.solve` (greedy,
exact, capacitated), the exact method's driver (:func:`~layers.siting.exact._exact_uncapacitated`), the
capacitated MILP's reading, and the construction of the :class:`SitingResult`. A model gives only its pieces:
its greedy heuristic, its objective, its Lagrangian bound, swap and MILP, and its capacitated objective.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd

from layers.siting.errors import SitingInputError
from layers.siting.exact import ExactHooks, _exact_uncapacitated
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


@dataclass(frozen=True)
class _Served:
    """How a solution serves each demand point: the objective and the columns of the assignment frame."""

    objective: float
    site: IntArray
    seconds: FloatArray
    covered: FloatArray
    cost_min: FloatArray | None = None


def _milp_details(milp: _Milp, solution: _MilpSolution, n_pairs: int) -> dict[str, Any]:
    """The size of a MILP and what the solver reported, for a result's ``details``."""
    return {
        "n_variables": milp.matrix.shape[1],
        "n_constraints": milp.matrix.shape[0],
        "n_pairs": n_pairs,
        "solver_objective": solution.objective,
        "solver_bound": solution.bound,
        "solver_seconds": solution.seconds,
    }


class _SitingModel:
    """The one solve path of every model; subclasses give the model-specific pieces (the hooks below)."""

    name = ""
    #: Whether the objective is maximised (MCLP) or minimised (p-median, LSCP).
    maximise = True

    def __init__(self, instance: SitingInstance, p: int | None = None) -> None:
        self.instance = instance
        self.p = None if p is None else _check_p(p, instance.n_free)

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
        """Solve exactly (HiGHS) or with the greedy heuristic; see :class:`SitingResult`.

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
            Exact method (MCLP, p-median): first remove the candidates whose Lagrangian bound shows they cannot
            beat the greedy + swap solution, and skip the MILP when the bound proves that solution optimal (see
            :func:`~layers.siting.exact._exact_uncapacitated`). Off = one MILP over every candidate.
        swap
            Greedy method (MCLP, p-median): improve the greedy solution by vertex substitution.
        """
        if method not in ("exact", "greedy"):
            raise SitingInputError(f"method must be 'exact' or 'greedy', not {method!r}")
        started = time.perf_counter()
        if self.instance.capacity is not None:
            if method == "greedy":
                raise SitingInputError("the greedy heuristic solves uncapacitated models only; use method='exact'")
            return self._solve_capacitated(started, time_limit_s, mip_rel_gap)
        if method == "greedy":
            open_sites, details = self._greedy(swap)
            return self._result(open_sites, self._greedy_label(swap), started, None, details)
        return self._solve_exact(started, time_limit_s, mip_rel_gap, warm_start, reduce)

    # -- the exact method, shared by the MCLP and the p-median ---------------------------------------------

    def _solve_exact(
        self, started: float, time_limit_s: float, mip_rel_gap: float, warm_start: bool, reduce: bool
    ) -> SitingResult:
        heuristic, _ = self._greedy(True)
        outcome = _exact_uncapacitated(
            self, heuristic, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, warm_start=warm_start, reduce=reduce
        )
        return self._result(outcome.open_sites, "exact", started, outcome.solution, outcome.details)

    # -- the capacitated MILP, shared by the MCLP and the p-median -----------------------------------------

    def _solve_capacitated(self, started: float, time_limit_s: float, mip_rel_gap: float) -> SitingResult:
        instance = self.instance
        assert instance.capacity is not None and self.p is not None
        pairs = np.flatnonzero(instance.weight[instance.row] > 0)
        milp, layout = _capacitated_milp(instance, pairs, self.p, **self._capacitated_terms())
        solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        open_sites, share = _read_capacitated(instance, solution.x, layout)
        site, seconds = _main_site(instance, pairs, share)
        served = self._served_by_shares(pairs, share, site, seconds)
        keep = share > 1e-9
        return self._result(
            open_sites,
            "exact",
            started,
            solution,
            _milp_details(milp, solution, len(instance.row)),
            served=served,
            flows=_flows_frame(instance, pairs[keep], share[keep]),
            model=f"capacitated_{self.name}",
        )

    # -- the result ------------------------------------------------------------------------------------------

    def _result(
        self,
        open_sites: BoolArray,
        method: str,
        started: float,
        solution: _MilpSolution | None,
        details: dict[str, Any],
        *,
        served: _Served | None = None,
        flows: pd.DataFrame | None = None,
        model: str | None = None,
        status: tuple[str, str, float | None] | None = None,
    ) -> SitingResult:
        """The result of a set of open sites (uncapacitated: each demand point to its nearest open site)."""
        instance = self.instance
        served = self._served(open_sites) if served is None else served
        if status is None:
            status = (
                ("heuristic", method, None) if solution is None else (solution.status, solution.solver, solution.gap)
            )
        ids = instance.site_ids
        base = {} if self.p is None else {"p": self.p}
        return SitingResult(
            model=self.name if model is None else model,
            method=method,
            sites=ids[open_sites].tolist(),
            new_sites=ids[open_sites & ~instance.fixed].tolist(),
            fixed_sites=ids[instance.fixed].tolist(),
            objective=served.objective,
            status=status[0],
            solver=status[1],
            solve_time_s=time.perf_counter() - started,
            mip_gap=status[2],
            assignment=_assignment_frame(instance, served.site, served.seconds, served.covered, served.cost_min),
            flows=_nearest_flows(instance, served.site) if flows is None else flows,
            uncoverable=_uncoverable(instance),
            details={**base, "max_time_min": instance.max_time_s / 60.0, **self._details(served), **details},
        )

    # -- the model-specific pieces ---------------------------------------------------------------------------

    def _greedy(self, swap: bool) -> tuple[BoolArray, dict[str, Any]]:
        raise NotImplementedError

    def _greedy_label(self, swap: bool) -> str:
        return "greedy+swap" if swap else "greedy"

    def _served(self, open_sites: BoolArray) -> _Served:
        raise NotImplementedError

    def _details(self, served: _Served) -> dict[str, Any]:
        return {}

    def _value(self, open_sites: BoolArray) -> float:
        raise NotImplementedError

    def _lagrangian(self, incumbent: float) -> tuple[float, FloatArray, int, BoolArray | None]:
        raise NotImplementedError

    def _improve(self, open_sites: BoolArray) -> int:
        raise NotImplementedError

    def _exact_hooks(self) -> ExactHooks:
        raise NotImplementedError

    def _capacitated_terms(self) -> dict[str, Any]:
        raise NotImplementedError

    def _served_by_shares(self, pairs: IntArray, share: FloatArray, site: IntArray, seconds: FloatArray) -> _Served:
        raise NotImplementedError


class _ModelWithP(_SitingModel):
    """A model that opens ``p`` new sites (MCLP, p-median): one way to build it from the travel-time table."""

    p: int

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
        **options: Any,
    ) -> Self:
        """The model for ``p`` new sites within ``max_time_min`` (see :func:`siting_instance`); ``options`` are
        the model's own (``penalty_min`` for :class:`PMedian`)."""
        instance = siting_instance(travel_times, demand, candidates, max_time_min, fixed=fixed, capacities=capacities)
        return cls(instance, p, **options)


class MaximalCovering(_ModelWithP):
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
    maximise = True

    def _greedy(self, swap: bool) -> tuple[BoolArray, dict[str, Any]]:
        return _greedy_cover(self.instance, self.p, swap=swap)

    def _served(self, open_sites: BoolArray) -> _Served:
        site, seconds = self.instance.nearest_open(open_sites)
        covered = (site >= 0).astype(float)
        return _Served(float((self.instance.weight * covered).sum()), site, seconds, covered)

    def _value(self, open_sites: BoolArray) -> float:
        return float(self.instance.weight[self.instance.covered_by(open_sites)].sum())

    def _lagrangian(self, incumbent: float) -> tuple[float, FloatArray, int, BoolArray | None]:
        return _lagrangian_cover(self.instance, self.p, incumbent)

    def _improve(self, open_sites: BoolArray) -> int:
        return _swap_cover(self.instance, open_sites)

    def _exact_hooks(self) -> ExactHooks:
        instance, p = self.instance, self.p
        members_of: dict[str, list[IntArray]] = {}

        def build(allowed: BoolArray) -> tuple[_Milp, IntArray]:
            milp, sites, members = _cover_milp(instance, p, allowed)
            members_of["members"], members_of["sites"] = members, [sites]
            return milp, sites

        def start_of(open_sites: BoolArray) -> FloatArray:
            y = open_sites[members_of["sites"][0]].astype(float)
            return np.r_[y, [min(1.0, y[m].sum()) for m in members_of["members"]]]

        return build, start_of

    def _capacitated_terms(self) -> dict[str, Any]:
        return {"objective": "cover"}

    def _served_by_shares(self, pairs: IntArray, share: FloatArray, site: IntArray, seconds: FloatArray) -> _Served:
        instance = self.instance
        covered = np.bincount(instance.row[pairs], weights=share, minlength=instance.n_demand)
        return _Served(float((instance.weight * covered).sum()), site, seconds, np.clip(covered, 0.0, 1.0))


class PMedian(_ModelWithP):
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
    maximise = False

    def __init__(self, instance: SitingInstance, p: int, penalty_min: float | None = None) -> None:
        super().__init__(instance, p)
        max_time_min = instance.max_time_s / 60.0
        penalty = max_time_min + PENALTY_EXTRA_MIN if penalty_min is None else penalty_min
        if isinstance(penalty, bool) or not isinstance(penalty, int | float | np.integer | np.floating):
            raise SitingInputError(f"penalty_min must be a number of minutes, not {penalty!r}")
        if not math.isfinite(penalty) or penalty < max_time_min:
            raise SitingInputError(f"penalty_min must be finite and ≥ T = {max_time_min:g} min, not {penalty!r}")
        self.penalty_min = float(penalty)

    def _greedy(self, swap: bool) -> tuple[BoolArray, dict[str, Any]]:
        return _greedy_median(self.instance, self.p, self.penalty_min, swap=swap)

    def _cost(self, open_sites: BoolArray) -> tuple[IntArray, FloatArray, FloatArray]:
        """Nearest open site, its seconds, and the weighted minutes each demand point adds to the objective."""
        site, seconds = self.instance.nearest_open(open_sites)
        cost_min = np.where(site >= 0, seconds / 60.0, self.penalty_min)
        return site, seconds, self.instance.weight * np.minimum(cost_min, self.penalty_min)

    def _served(self, open_sites: BoolArray) -> _Served:
        site, seconds, weighted = self._cost(open_sites)
        cost_min = np.where(site >= 0, seconds / 60.0, self.penalty_min)
        return _Served(float(weighted.sum()), site, seconds, (site >= 0).astype(float), cost_min)

    def _details(self, served: _Served) -> dict[str, Any]:
        total = float(self.instance.weight.sum())
        return {"penalty_min": self.penalty_min, "mean_time_min": served.objective / total if total else None}

    def _value(self, open_sites: BoolArray) -> float:
        return float(self._cost(open_sites)[2].sum())

    def _lagrangian(self, incumbent: float) -> tuple[float, FloatArray, int, BoolArray | None]:
        return _lagrangian_median(self.instance, self.p, incumbent, _fallback_minutes(self.instance, self.penalty_min))

    def _improve(self, open_sites: BoolArray) -> int:
        return _swap_median(self.instance, open_sites, self.penalty_min)

    def _exact_hooks(self) -> ExactHooks:
        instance, p = self.instance, self.p
        fallback = _fallback_minutes(instance, self.penalty_min)
        model_of: dict[str, tuple[IntArray, IntArray, IntArray]] = {}

        def build(allowed: BoolArray) -> tuple[_Milp, IntArray]:
            milp, sites, pairs, demand_rows, _ = _median_milp(instance, p, allowed, fallback)
            model_of["model"] = (sites, pairs, demand_rows)
            return milp, sites

        def start_of(open_sites: BoolArray) -> FloatArray:
            return _median_start(instance, open_sites, *model_of["model"], fallback)

        return build, start_of

    def _capacitated_terms(self) -> dict[str, Any]:
        positive = np.flatnonzero(self.instance.weight > 0)
        penalty = np.full(len(positive), self.penalty_min)
        return {"objective": "median", "fallback_rows": positive, "fallback_cost": penalty}

    def _served_by_shares(self, pairs: IntArray, share: FloatArray, site: IntArray, seconds: FloatArray) -> _Served:
        instance = self.instance
        served = np.bincount(instance.row[pairs], weights=share, minlength=instance.n_demand).clip(0.0, 1.0)
        minutes = instance.time_s[pairs] / 60.0
        weighted_time = np.bincount(instance.row[pairs], weights=share * minutes, minlength=instance.n_demand)
        cost_min = weighted_time + (1.0 - served) * self.penalty_min  # mean minutes per unit of demand
        return _Served(float((instance.weight * cost_min).sum()), site, seconds, served, cost_min)


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
    maximise = False

    def __init__(self, instance: SitingInstance) -> None:
        super().__init__(instance)

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

    def _need(self) -> BoolArray:
        """The demand points a cover must reach: weight > 0, some candidate within T, no fixed site within T."""
        instance = self.instance
        need = np.zeros(instance.n_demand, dtype=bool)
        need[instance.row] = True
        return need & (instance.weight > 0) & ~instance.covered_by(instance.fixed)

    def _greedy(self, swap: bool) -> tuple[BoolArray, dict[str, Any]]:
        """Most uncovered demand points first, then drop redundant sites (``swap`` does not apply)."""
        return _greedy_set_cover(self.instance, self._need())

    def _greedy_label(self, swap: bool) -> str:
        return "greedy"

    def _served(self, open_sites: BoolArray) -> _Served:
        site, seconds = self.instance.nearest_open(open_sites)
        n_new = int((open_sites & ~self.instance.fixed).sum())
        return _Served(float(n_new), site, seconds, (site >= 0).astype(float))

    def _solve_exact(
        self, started: float, time_limit_s: float, mip_rel_gap: float, warm_start: bool, reduce: bool
    ) -> SitingResult:
        """The MILP over every free candidate, started from the greedy cover (large covers can reach the time
        limit: the result then has status ``"time_limit"`` and its ``mip_gap``)."""
        instance = self.instance
        need = self._need()
        greedy_open, details = _greedy_set_cover(instance, need)
        if not need.any():
            return self._result(
                greedy_open, "exact", started, None, details, status=("optimal", "none (nothing left to cover)", 0.0)
            )
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
        start = greedy_open[~instance.fixed].astype(float) if warm_start else None
        solution = _solve_milp(milp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, start=start)
        open_sites = instance.fixed.copy()
        open_sites[np.flatnonzero(~instance.fixed)[solution.x > 0.5]] = True
        details = {
            "greedy_objective": float((greedy_open & ~instance.fixed).sum()),
            **_milp_details(milp, solution, len(instance.row)),
        }
        return self._result(open_sites, "exact", started, solution, details)


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
