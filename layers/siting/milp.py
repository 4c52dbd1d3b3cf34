"""The MILP solver (HiGHS through highspy) and the sparse formulations of the models."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse

from layers.siting.errors import SolverError
from layers.siting.instance import BoolArray, FloatArray, IntArray, SitingInstance
from layers.siting.lagrangian import _active


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
