"""Scenarios: what a set of sites changes (coverage, nearest time, inequality; before/after)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from layers.inequality import gini, palma_ratio
from layers.siting.instance import PENALTY_EXTRA_MIN, _as_demand, _as_ids, _check_minutes, _check_travel_times


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
