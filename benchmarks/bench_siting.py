"""Benchmark the siting models: exact (HiGHS) vs greedy + swap on a city-sized instance.

Instances: a synthetic 12 km × 12 km street grid (about Milan's built-up area) with 10,000 demand points and
2,000 candidate sites. On a perfect street grid the walking distance is the Manhattan distance, so a 15-minute
walk at 1.3 m/s reaches 1,170 m along the streets; only those pairs enter the sparse travel-time table (about
40 candidates per demand point). Demand is clustered around 25 neighbourhood centres plus a uniform
background, with log-normal youth counts; candidates are uniform. Everything is seeded. A second variant
multiplies each time by a random detour factor in [1, 1.3], so that, as on a real network, no two times tie.

For MCLP and p-median with p = 10 it records the exact time, the greedy + swap time, the greedy's gap to the
optimum (%), and memory: the process's peak RSS after each step (monotone, so a step's own peak is at most its
figure) and the peak of Python-side allocations during the step (tracemalloc; HiGHS's C++ memory is only in the
RSS). Writes benchmarks/results/siting.json.

Run: python benchmarks/bench_siting.py [--demand 10000] [--candidates 2000] [--p 10] [--minutes 15]
Goal: exact ≤ 30 s, greedy within 2 %.
"""

from __future__ import annotations

import argparse
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
from _harness import argument_parser, machine, package_version, peak_mb, timed, write_report
from scipy.spatial import cKDTree

from layers.siting import MaximalCovering, PMedian, siting_instance

WALK_M_S = 1.3
CITY_M = 12_000.0
STREET_SPACING_M = 100.0


def grid_instance(
    n_demand: int, n_candidates: int, minutes: float, *, detour: float = 0.0, seed: int = 7
) -> tuple[pd.DataFrame, pd.Series]:
    """A travel-time table (Manhattan walking on a 100 m street grid, within ``minutes``) and demand weights.

    ``detour`` > 0 multiplies each pair's time by a random factor in [1, 1 + detour] (an irregular street network:
    times become all different, as on a real network, instead of multiples of 100 m), then drops pairs beyond
    ``minutes``.
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(1_000, CITY_M - 1_000, size=(25, 2))
    clustered = int(0.7 * n_demand)
    around = centres[rng.integers(0, len(centres), clustered)] + rng.normal(0, 800, size=(clustered, 2))
    background = rng.uniform(0, CITY_M, size=(n_demand - clustered, 2))
    demand_xy = np.clip(np.vstack([around, background]), 0, CITY_M)
    site_xy = rng.uniform(0, CITY_M, size=(n_candidates, 2))
    # Places sit on street corners of the grid.
    demand_xy = np.round(demand_xy / STREET_SPACING_M) * STREET_SPACING_M
    site_xy = np.round(site_xy / STREET_SPACING_M) * STREET_SPACING_M
    reach_m = minutes * 60 * WALK_M_S
    pairs = cKDTree(demand_xy).sparse_distance_matrix(cKDTree(site_xy), reach_m, p=1, output_type="coo_matrix")
    # sparse_distance_matrix drops zero distances (same corner): add them back as 0-second pairs.
    same = cKDTree(demand_xy).query_ball_point(site_xy, r=0.5, p=1)
    extra_rows = np.array([i for hits in same for i in hits], dtype=np.int64)
    extra_cols = np.array([j for j, hits in enumerate(same) for _ in hits], dtype=np.int64)
    rows = np.r_[pairs.row, extra_rows]
    cols = np.r_[pairs.col, extra_cols]
    metres = np.r_[pairs.data, np.zeros(len(extra_rows))]
    table = pd.DataFrame(
        {"from_id": rows.astype(np.int64), "to_id": cols.astype(np.int64) + 1_000_000, "travel_time": metres / WALK_M_S}
    )
    weights = pd.Series(np.round(rng.lognormal(np.log(60), 0.8, n_demand)), index=np.arange(n_demand), name="youth")
    if detour > 0:
        table["travel_time"] *= rng.uniform(1.0, 1.0 + detour, len(table))
        table = table[table["travel_time"] <= minutes * 60].reset_index(drop=True)
    return table, weights


def _measure(step: Any) -> tuple[Any, float, float, float]:
    tracemalloc.start()
    value, seconds = timed(step)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, seconds, python_peak / 2**20, peak_mb()


def bench_variant(args: argparse.Namespace, detour: float) -> dict[str, Any]:
    """Build one instance, then time greedy + swap and exact (with and without warm start) for both models."""
    (table, weights), build_s, _, _ = _measure(
        lambda: grid_instance(args.demand, args.candidates, args.minutes, detour=detour)
    )
    candidates = np.arange(args.candidates) + 1_000_000
    instance, instance_s, instance_py, instance_rss = _measure(
        lambda: siting_instance(table, weights, candidates, args.minutes)
    )
    per_demand = np.bincount(instance.row, minlength=instance.n_demand)
    report: dict[str, Any] = {
        "instance": {
            "kind": "synthetic 12 km street grid, Manhattan walking at 1.3 m/s"
            + (f", times × U(1, {1 + detour:g}) detours" if detour else ""),
            "n_demand": args.demand,
            "n_candidates": args.candidates,
            "p": args.p,
            "max_time_min": args.minutes,
            "pairs_within_reach": len(instance.row),
            "candidates_per_demand_mean": float(per_demand.mean()),
            "demand_with_no_candidate_share": float((per_demand == 0).mean()),
            "total_weight": float(weights.sum()),
            "table_seconds": build_s,
            "instance_seconds": instance_s,
            "instance_python_peak_mb": instance_py,
            "process_peak_rss_mb": instance_rss,
        },
        "models": {},
    }
    print(
        f"\n{report['instance']['kind']}: {args.demand} demand × {args.candidates} candidates, "
        f"{len(instance.row):,} pairs within {args.minutes:g} min ({per_demand.mean():.1f} per demand point)"
    )
    print(f"{'model':9} {'exact s':>8} {'status':>8} {'greedy s':>9} {'gap %':>7} {'exact obj':>13} {'greedy obj':>13}")
    models = {"mclp": (MaximalCovering(instance, args.p), True), "p_median": (PMedian(instance, args.p), False)}
    for name, (model, maximise) in models.items():
        greedy, greedy_s, greedy_py, greedy_rss = _measure(lambda model=model: model.solve("greedy"))
        exact, exact_s, exact_py, exact_rss = _measure(
            lambda model=model: model.solve("exact", time_limit_s=args.time_limit)
        )
        cold, cold_s, _, _ = _measure(
            lambda model=model: model.solve("exact", time_limit_s=args.time_limit, warm_start=False)
        )
        best = exact.objective
        gap = (best - greedy.objective) / best * 100 if maximise else (greedy.objective - best) / best * 100
        report["models"][name] = {
            "exact": {
                **exact.summary(),
                "seconds": exact_s,
                "python_peak_mb": exact_py,
                "process_peak_rss_mb": exact_rss,
            },
            "exact_without_warm_start": {"seconds": cold_s, "objective": cold.objective, "status": cold.status},
            "greedy_swap": {
                **greedy.summary(),
                "seconds": greedy_s,
                "python_peak_mb": greedy_py,
                "process_peak_rss_mb": greedy_rss,
            },
            "greedy_gap_percent": gap,
            "same_sites": sorted(exact.new_sites) == sorted(greedy.new_sites),
        }
        kept = exact.details.get("candidates_kept", args.candidates)
        print(
            f"{name:9} {exact_s:8.2f} {exact.status:>8} {greedy_s:9.2f} {gap:7.3f} {exact.objective:13.1f} "
            f"{greedy.objective:13.1f}   ({kept} candidates left for the MILP; no warm start {cold_s:.2f} s)"
        )
    return report


def main() -> None:
    parser = argument_parser(__doc__, output="siting.json", quick="1,000 demand points × 200 candidates, p = 5")
    parser.add_argument("--demand", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=2_000)
    parser.add_argument("--p", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    if args.quick:
        args.demand, args.candidates, args.p = 1_000, 200, 5

    report: dict[str, Any] = {
        "baseline_rss_mb": peak_mb(),
        "variants": {},
        "machine": machine(highspy=package_version("highspy")),
    }
    for label, detour in (("street_grid", 0.0), ("street_grid_with_detours", 0.3)):
        report["variants"][label] = bench_variant(args, detour)
    report["peak_rss_mb"] = peak_mb()
    print(f"\npeak RSS of the whole run: {report['peak_rss_mb']:.0f} MB (baseline {report['baseline_rss_mb']:.0f} MB)")
    print(f"wrote {write_report(args.output, report)}")


if __name__ == "__main__":
    main()
