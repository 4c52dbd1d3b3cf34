"""Lagrangian bounds of the uncapacitated MCLP and p-median (subgradient optimisation)."""

from __future__ import annotations

import numpy as np

from layers.siting.instance import BoolArray, FloatArray, IntArray, SitingInstance

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


def _step_control(improved: bool, stall: int, theta: float) -> tuple[int, float]:
    """Subgradient step control: a better bound resets the stall count; :data:`STALL_LIMIT` iterations without
    one halve the step factor ``theta``."""
    if improved:
        return 0, theta
    if stall + 1 >= STALL_LIMIT:
        return 0, theta / 2.0
    return stall + 1, theta


def _open_mask(n_sites: int, top: IntArray) -> BoolArray:
    """The sites in ``top`` as a boolean mask."""
    mask = np.zeros(n_sites, dtype=bool)
    mask[top] = True
    return mask


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
        improved = bound < best - tolerance
        best = bound if improved else best
        stall, theta = _step_control(improved, stall, theta)
        in_y = _open_mask(instance.n_sites, top)
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
        improved = bound > best + tolerance
        best = bound if improved else best
        stall, theta = _step_control(improved, stall, theta)
        in_y = _open_mask(instance.n_sites, top)
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
