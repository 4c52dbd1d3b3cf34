"""Benchmark walk + transit travel times on Porto Alegre: every hex cell to every hex cell over a departure window.

The job (the brief's, and close to r5r's own Porto Alegre example): 1,227 H3 cells to the same 1,227 cells, on
Wednesday 2019-05-15, departures 07:00-09:00 every minute (120), travel-time percentiles 5/25/50/75/95, walks of
at most 1 km, journeys of at most 120 minutes, at most 3 transfers, 60 s boarding slack, adult speed 1.3 m/s.

Caveat on the window: the EPTC bus feed shipped with r5r is a sample whose trips all start between 11:00 and
17:00, so at 07:00-09:00 only Trensurb's train runs. The same job is therefore also run at 14:00-16:00, when the
whole network runs (r5r's Porto Alegre examples depart at 14:00): that is the representative load.

Printed: wall times split into reading, timetable build, walking legs (access/egress/transfers/walk-only on the
street network), and RAPTOR with the percentiles and the result frame; CPU time; peak memory; pairs per second; the load
average (other work on the machine slows the wall times down). Written to benchmarks/results/transit.json.

Run: python benchmarks/bench_transit.py [--threads N] [--windows 07:00-09:00,14:00-16:00]
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from _harness import argument_parser, machine, peak_mb, write_report

from data_sources.gtfs import feed_from_path
from data_sources.osm import graph_from_osm_file
from routing.network import network_from_graph
from routing.profiles import ADULT
from routing.raptor import (
    DEFAULT_BOARD_SLACK_S,
    DEFAULT_MAX_TRANSFERS,
    DEFAULT_THREADS,
    travel_time_samples,
    travel_times_from_links,
    walk_links,
)
from routing.snapping import locations_from_points
from routing.timetable import timetable_from_feeds

DATE = "2019-05-15"  # a Wednesday inside both feeds
PERCENTILES = (5, 25, 50, 75, 95)
MAX_WALK_M = 1_000.0
MAX_TRIP_S = 120 * 60
STEP_S = 60

#: R5's published figures, with how their jobs differ from this one.
R5_FIGURES = [
    {
        "what": "r5r, full Porto Alegre job (tests_marcus/test_full_poa.R)",
        "seconds": 224.6,
        "threads": 4,
        "pairs": None,
        "differences": (
            "figure as cited in the brief; r5r's tests_marcus scripts run on the developers' full Porto Alegre data "
            "(a local data_r5r/poa folder, not the package's 0.9 MB central OSM extract and EPTC sample used here), "
            "so its network, origins and timetable are larger; its window, percentiles and departure time could not "
            "be checked offline; 4 threads of another machine; R5 also runs its own street searches per origin"
        ),
    },
    {
        "what": "r5r issue #106, Sao Paulo travel-time matrix",
        "seconds": 210.0,
        "threads": 12,
        "pairs": 102_495_376,
        "differences": (
            "10,124 x 10,124 points = 102.5M pairs (68x the 1.5M pairs here), SPTrans' full GTFS, departure "
            "06:00, max 120 min, time window not stated (r5r's 2020 default), 12 cores of a Xeon 2.3 GHz; "
            "3.5 min for the matrix after a 0.25 min graph load"
        ),
    },
]


def hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def run_window(start: int, end: int, feeds: list, network: object, places: object, threads: int) -> dict[str, object]:
    """One job: timetable, walking legs, RAPTOR; timings and counts."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    timetable = timetable_from_feeds(feeds, DATE, window_start_s=start, window_end_s=end, max_trip_s=MAX_TRIP_S)
    timings["timetable_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    links = walk_links(network, timetable, places, places, profile=ADULT, max_walk_m=MAX_WALK_M, threads=threads)  # type: ignore[arg-type]
    timings["walk_legs_s"] = time.perf_counter() - clock

    departures = np.arange(start, end, STEP_S, dtype=np.int32)
    # Compile or load the numba kernels from cache on a tiny input, timed apart.
    clock = time.perf_counter()
    travel_times_from_links(timetable, links, departures[:2], percentiles=PERCENTILES, origins=[0], threads=1)
    travel_time_samples(timetable, links, departures[:1], origins=[0], threads=1)
    timings["compile_or_cache_load_s"] = time.perf_counter() - clock

    cpu, clock = time.process_time(), time.perf_counter()
    frame = travel_times_from_links(
        timetable, links, departures, percentiles=PERCENTILES, max_transfers=DEFAULT_MAX_TRANSFERS,
        max_trip_s=MAX_TRIP_S, board_slack_s=DEFAULT_BOARD_SLACK_S, threads=threads,
    )  # fmt: skip
    timings["raptor_and_percentiles_s"] = time.perf_counter() - clock
    timings["raptor_cpu_s"] = time.process_time() - cpu

    n = len(places)  # type: ignore[arg-type]
    pairs = n * n
    median = frame["travel_time"]
    transit_faster = int((frame["travel_time_p5"] < frame["travel_time_p95"]).sum())
    return {
        "window": f"{start // 3600:02d}:{start % 3600 // 60:02d}-{end // 3600:02d}:{end % 3600 // 60:02d}",
        "departures": len(departures),
        "timetable": timetable.summary(),
        "walk_legs": links.summary(),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "pairs": pairs,
        "pairs_per_s": round(pairs / timings["raptor_and_percentiles_s"]),
        "pair_departures_per_s": round(pairs * len(departures) / timings["raptor_and_percentiles_s"]),
        "rows": len(frame),
        "rows_varying_over_window": transit_faster,
        "median_travel_time_min": round(float(median.median()) / 60, 1) if len(frame) else None,
        "peak_memory_mb_after": round(peak_mb(), 1),
    }


def main() -> None:
    parser = argument_parser(__doc__, output="transit.json", quick="one 30-minute window (07:00-07:30)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--windows", default="07:00-09:00,14:00-16:00")
    args = parser.parse_args()
    if args.quick:
        args.windows = "07:00-07:30"
    data = args.data_dir
    load_before = os.getloadavg()
    total = time.perf_counter()

    clock = time.perf_counter()
    feeds = [
        feed_from_path(data / "porto_alegre" / "poa_eptc.zip"),
        feed_from_path(data / "porto_alegre" / "poa_trensurb.zip"),
    ]
    read_feeds_s = time.perf_counter() - clock
    clock = time.perf_counter()
    network = network_from_graph(graph_from_osm_file(data / "porto_alegre" / "poa_osm.pbf"), 31982)
    cells = pd.read_csv(data / "porto_alegre" / "poa_hexgrid.csv")
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    street_s = time.perf_counter() - clock
    memory_after_street = peak_mb()

    jobs = []
    for window in args.windows.split(","):
        start, end = (hhmm(part) for part in window.split("-"))
        jobs.append(run_window(start, end, feeds, network, places, args.threads))

    result = {
        "job": {
            "city": "porto_alegre",
            "date": DATE,
            "origins": len(places),
            "destinations": len(places),
            "snapped_cells": int(places.ok.sum()),
            "percentiles": list(PERCENTILES),
            "step_s": STEP_S,
            "max_walk_m": MAX_WALK_M,
            "max_trip_s": MAX_TRIP_S,
            "max_transfers": DEFAULT_MAX_TRANSFERS,
            "board_slack_s": DEFAULT_BOARD_SLACK_S,
            "walk_speed_m_s": ADULT.speed_m_s,
        },
        "machine": machine(threads=args.threads, load_average_before=[round(x, 2) for x in load_before]),
        "read_feeds_s": round(read_feeds_s, 3),
        "street_network_and_snapping_s": round(street_s, 3),
        "peak_memory_mb_after_street_network": round(memory_after_street, 1),
        "jobs": jobs,
        "total_s": round(time.perf_counter() - total, 3),
        "peak_memory_mb": round(peak_mb(), 1),
        "r5_published": R5_FIGURES,
    }
    written = write_report(args.output, result)

    print(f"Porto Alegre, {len(places):,} x {len(places):,} hex cells ({int(places.ok.sum()):,} snapped), {DATE}, ")
    print(
        f"percentiles {PERCENTILES}, walk <= {MAX_WALK_M:.0f} m, trip <= {MAX_TRIP_S // 60} min, {args.threads} threads"
    )
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores: > 2 means contention)")
    print(f"read feeds {read_feeds_s:.2f} s, street network + snapping {street_s:.2f} s (once, shared by the jobs)")
    header = f"{'window':12} {'trips':>6} {'timetable':>9} {'walk legs':>9} {'RAPTOR':>8} {'CPU':>7} {'total':>7}"
    print(header + f" {'pairs/s':>9} {'rows':>10}")
    for job in jobs:
        t = job["timings"]
        job_total = t["timetable_s"] + t["walk_legs_s"] + t["raptor_and_percentiles_s"]
        print(
            f"{job['window']:12} {job['timetable']['trips']:6d} {t['timetable_s']:8.2f}s {t['walk_legs_s']:8.2f}s "
            f"{t['raptor_and_percentiles_s']:7.2f}s {t['raptor_cpu_s']:6.1f}s {job_total:6.2f}s "
            f"{job['pairs_per_s']:9,d} {job['rows']:10,d}"
        )
    print(
        f"peak memory {result['peak_memory_mb']:.0f} MB (resource.getrusage ru_maxrss; "
        f"{memory_after_street:.0f} MB once the street network was built)"
    )
    print("R5 published figures (other jobs; see 'differences' in the JSON):")
    for figure in R5_FIGURES:
        pairs = f"{figure['pairs']:,} pairs" if figure["pairs"] else "pairs not stated"
        print(f"  {figure['what']}: {figure['seconds']:.1f} s on {figure['threads']} threads, {pairs}")
    print(f"written to {written}")


if __name__ == "__main__":
    main()
