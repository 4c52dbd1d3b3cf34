"""What a solve returns: :class:`SitingResult` and the frames it carries (assignment, flows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from layers.siting.instance import FloatArray, IntArray, SitingInstance


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
