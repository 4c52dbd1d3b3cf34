"""The exact method: heuristic incumbent, Lagrangian reduction, then a MILP on the surviving candidates."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from layers.siting.instance import BoolArray, FloatArray, IntArray, SitingInstance
from layers.siting.lagrangian import STAGE_CANDIDATES, _tolerance
from layers.siting.milp import _Milp, _MilpSolution, _solve_milp

#: The two hooks of the exact method: build the MILP over the allowed candidates, and a warm start of a solution.
ExactHooks = tuple[Callable[[BoolArray], tuple[_Milp, IntArray]], Callable[[BoolArray], FloatArray]]


class ExactModel(Protocol):
    """What the exact method needs from a model (MCLP, p-median): its instance, ``p``, sense and pieces."""

    instance: SitingInstance
    p: int
    maximise: bool

    def _value(self, open_sites: BoolArray) -> float:
        """The objective of a set of open sites."""

    def _lagrangian(self, incumbent: float) -> tuple[float, FloatArray, int, BoolArray | None]:
        """Overall bound, per-candidate bounds, iterations, and the relaxation's best solution (or None)."""

    def _improve(self, open_sites: BoolArray) -> int:
        """Improve a solution in place by swaps; the number of swaps made."""

    def _exact_hooks(self) -> ExactHooks:
        """The MILP builder over allowed candidates and the warm start of a solution."""


@dataclass(frozen=True)
class _ExactOutcome:
    open_sites: BoolArray
    solution: _MilpSolution
    details: dict[str, Any]


def _exact_uncapacitated(
    model: ExactModel,
    heuristic: BoolArray,
    *,
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
    instance, p, maximise = model.instance, model.p, model.maximise
    value_of, lagrangian, improve = model._value, model._lagrangian, model._improve
    build, start_of = model._exact_hooks()
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
