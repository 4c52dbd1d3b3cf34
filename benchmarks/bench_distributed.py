"""Travel-time tables in-process and on Dask distributed (1 and 2 workers): wall time, scaling, overhead, memory.

Run from the repository root::

    .venv/bin/python benchmarks/bench_distributed.py [--grid-nodes 1000000] [--grid-origins 100000]
        [--grid-opportunities 20000] [--quick] [--only poa_walk|poa_transit|region_walk] [--repeat 3]

Jobs (all produce the ``from_id, to_id, travel_time`` table; the cluster's table is checked equal to in-process):

- ``poa_walk``: Porto Alegre, every H3 cell to every cell within 30 min on foot (all-to-all).
- ``poa_transit``: the same cells, walk + transit, departures every minute 14:00–16:00 (range RAPTOR), walking legs
  included (in-process ``transit_travel_times``; on the cluster each task walks its own origins' access legs).
- ``region_walk``: a synthetic region: a jittered street lattice of ``--grid-nodes`` nodes, ``--grid-origins``
  origins to ``--grid-opportunities`` opportunities within 30 min; on the cluster also written in parts by the workers
  (``routing.partitioned``, as ``compute_access --parts``).

Each job runs in-process with 1 thread and with every core, then on a ``distributed.LocalCluster`` of 1 and of 2
worker processes (1 thread each) on loopback; both clusters stay up and their runs alternate, so that the ratio is
of runs taken side by side. Reported: the best of ``--repeat`` runs (each run is listed too); scaling efficiency
(1-worker time / (2 × 2-worker time)); the 1-worker run against in-process with 1 thread; in-process with 2 threads
against 1 (what this machine's two cores give without any distribution: the ceiling); the first call (which sends
the network and builds the workers' search arrays) apart; the scatter time (inputs sent to every worker once) and its
size; each worker's peak resident memory. Results go to ``benchmarks/results/distributed.json``.
On a 2-core machine a 2-worker run uses both cores; the machine's other load is printed with each run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_walk_access import GRID_CATEGORIES, grid_destinations, grid_graph  # noqa: E402

from data_sources.gtfs import feed_from_path  # noqa: E402
from data_sources.osm import graph_from_osm_file  # noqa: E402
from routing.distributed import (  # noqa: E402
    SCHEDULER_CONFIG,
    searchable,
    transit_times_on_cluster,
    travel_times_on_cluster,
)
from routing.network import network_from_graph  # noqa: E402
from routing.partitioned import travel_time_parts_on_cluster  # noqa: E402
from routing.profiles import ADULT  # noqa: E402
from routing.raptor import transit_travel_times  # noqa: E402
from routing.snapping import locations_from_points  # noqa: E402
from routing.timetable import timetable_from_feeds  # noqa: E402
from routing.travel_times import travel_times  # noqa: E402

DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR") or REPO.parent / "shared" / "data")
OUTPUT = REPO / "benchmarks" / "results" / "distributed.json"
CUTOFF_S = 30 * 60
WINDOW = (14 * 3600, 16 * 3600)
SEED = 20_261_130
#: Origins per part of the region's partitioned run: each part's searches start at the opportunities near it.
PART_ORIGINS = 2048
EPILOG = """\
On an idle machine (the figures of docs/scaling.md and the README): stop every other job first (check with
`uptime`: the load average should be below ~0.3), then from the repository root

    export VICINO_DATA_DIR=/path/to/shared/data
    .venv/bin/python benchmarks/bench_distributed.py            # POA walk + transit, 1M-node region; ~5 min

It prints the load average before and with every run, and writes benchmarks/results/distributed.json. The
goals are 2 workers >= 1.8x one worker (column 2w/1w) and one worker within 10 % of in-process with one thread
(column 1w/1t <= 1.10). --quick (a 100k-node region) or --only JOB shorten a run on a shared machine.
"""


def worker_peak_mib(client: Any) -> dict[str, float]:
    """Each worker process's peak resident set (VmHWM), MiB."""

    def peak() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    return {address: round(value, 1) for address, value in client.run(peak).items()}


def own_peak_mib() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def sorted_table(table: pd.DataFrame) -> pd.DataFrame:
    plain = table.astype({"from_id": str, "to_id": str})
    return plain.sort_values(["from_id", "to_id"], kind="stable", ignore_index=True)


def timed(function: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, float, pd.DataFrame]:
    """The first call's wall time, the best of ``repeat`` calls, and the table."""
    times, table = [], None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        table = function()
        times.append(time.perf_counter() - started)
    assert table is not None
    return times[0], min(times), table


def poa_inputs() -> dict[str, Any]:
    network = network_from_graph(graph_from_osm_file(DATA_DIR / "porto_alegre" / "poa_osm.pbf"), 31982)
    cells = pd.read_csv(DATA_DIR / "porto_alegre" / "poa_hexgrid.csv", dtype={"id": str})
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    feeds = [feed_from_path(DATA_DIR / "porto_alegre" / f) for f in ("poa_eptc.zip", "poa_trensurb.zip")]
    timetable = timetable_from_feeds(
        feeds, "2019-05-15", window_start_s=WINDOW[0], window_end_s=WINDOW[1], max_trip_s=CUTOFF_S
    )
    return {"network": network, "places": places, "timetable": timetable}


def region_inputs(nodes: int, origins: int, opportunities: int) -> dict[str, Any]:
    graph = grid_graph(nodes)
    network = network_from_graph(graph, 32632)
    destinations = grid_destinations(graph, per_category=max(1, opportunities // GRID_CATEGORIES))
    rng = np.random.default_rng(SEED)
    lon = rng.uniform(destinations["lon"].min(), destinations["lon"].max(), origins)
    lat = rng.uniform(destinations["lat"].min(), destinations["lat"].max(), origins)
    origin_places = locations_from_points(network, np.array([f"o{i}" for i in range(origins)]), lon, lat)
    destination_places = locations_from_points(
        network, destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy()
    )
    return {"network": network, "origins": origin_places, "destinations": destination_places}


def timed_parts(client: Any, region: dict[str, Any], rows: int) -> dict[str, Any]:
    """The region's table written in parts by the workers (routing.partitioned): wall time, parts, bytes."""
    with tempfile.TemporaryDirectory(prefix="vicino-bench-parts-") as folder:
        started = time.perf_counter()
        parts = travel_time_parts_on_cluster(client, Path(folder) / "job", region["network"], region["origins"],
                                             region["destinations"], CUTOFF_S, ADULT, batch=PART_ORIGINS)  # fmt: skip
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in parts.paths)
        parts.remove()
    print(f"  {'region_walk':12} in parts: {seconds:.2f} s, {len(parts.paths)} parts of {PART_ORIGINS} origins, "
          f"{size / 2**20:.1f} MiB, rows equal: {parts.total_rows == rows}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    return {"wall_s": round(seconds, 3), "parts": len(parts.paths), "origins_per_part": PART_ORIGINS,
            "mib": round(size / 2**20, 1), "rows_equal": parts.total_rows == rows}  # fmt: skip


def run_jobs(args: argparse.Namespace) -> dict[str, Any]:
    import dask
    from distributed import Client, LocalCluster

    poa = poa_inputs()
    departures = np.arange(WINDOW[0], WINDOW[1], 60, dtype=np.int32)
    print(f"POA: {poa['network'].n_nodes} nodes, {len(poa['places'])} cells, {poa['timetable'].n_stops} stops")
    selected = args.only or ["poa_walk", "poa_transit", "region_walk"]
    region: dict[str, Any] = {}
    if "region_walk" in selected:
        started = time.perf_counter()
        region = region_inputs(args.grid_nodes, args.grid_origins, args.grid_opportunities)
        built = time.perf_counter() - started
        print(f"region: {region['network'].n_nodes} nodes, {len(region['origins'])} origins, "
              f"{len(region['destinations'])} destinations (built in {built:.1f} s)")  # fmt: skip

    jobs: dict[str, dict[str, Any]] = {
        "poa_walk": {
            "local": lambda threads: travel_times(poa["network"], poa["places"], poa["places"], CUTOFF_S, ADULT,
                                                  threads=threads),
            "cluster": lambda client: travel_times_on_cluster(client, poa["network"], poa["places"], poa["places"],
                                                              CUTOFF_S, ADULT),
            "shared": [searchable(poa["network"]), poa["places"]],
        },
        "poa_transit": {
            "local": lambda threads: transit_travel_times(poa["network"], poa["timetable"], poa["places"],
                                                          poa["places"], departure_window=WINDOW, profile=ADULT,
                                                          max_trip_s=CUTOFF_S, threads=threads),
            "cluster": lambda client: transit_times_on_cluster(client, poa["network"], poa["timetable"],
                                                               poa["places"], poa["places"], departures,
                                                               profile=ADULT, max_trip_s=CUTOFF_S),
            "shared": [searchable(poa["network"]), poa["timetable"]],
        },
        "region_walk": {
            "local": lambda threads: travel_times(region["network"], region["origins"], region["destinations"],
                                                  CUTOFF_S, ADULT, threads=threads),
            "cluster": lambda client: travel_times_on_cluster(client, region["network"], region["origins"],
                                                              region["destinations"], CUTOFF_S, ADULT),
            "shared": [searchable(region["network"])] if region else [],
            "parts": lambda client, rows: timed_parts(client, region, rows),
        },
    }  # fmt: skip
    jobs = {name: job for name, job in jobs.items() if name in selected}
    results: dict[str, Any] = {name: {} for name in jobs}
    expected: dict[str, pd.DataFrame] = {}
    cores = os.cpu_count() or 1
    for name, job in jobs.items():
        for threads in sorted({1, cores}):
            first, seconds, table = timed(lambda job=job, threads=threads: job["local"](threads), args.repeat)
            expected.setdefault(name, sorted_table(table))
            results[name][f"in_process_{threads}_thread"] = {
                "wall_s": round(seconds, 3),
                "first_call_s": round(first, 3),
                "rows": len(table),
            }
            print(f"  {name:12} in-process, {threads} thread(s): {seconds:.2f} s ({len(table)} rows), "
                  f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
        results[name]["shared_input_mib"] = round(len(pickle.dumps(job["shared"], protocol=5)) / 2**20, 1)
    # Both clusters stay up and their runs alternate (1 worker, 2 workers, 1 worker, ...): on a virtual machine whose
    # speed drifts over minutes, the ratio of two runs taken side by side is steadier than of two taken apart.
    with contextlib.ExitStack() as stack:
        clients = {}
        for workers in (1, 2):
            with dask.config.set(SCHEDULER_CONFIG):  # as compute_access starts a local cluster
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, memory_limit=0)  # fmt: skip
            stack.enter_context(cluster)
            clients[workers] = stack.enter_context(Client(cluster))
        for name, job in jobs.items():
            runs: dict[int, list[float]] = {1: [], 2: []}
            tables: dict[int, pd.DataFrame] = {}
            for workers, client in clients.items():
                started = time.perf_counter()
                sent = client.scatter(job["shared"], broadcast=True, hash=False)
                scatter_s = time.perf_counter() - started
                client.cancel(sent)
                first, _, tables[workers] = timed(lambda job=job, client=client: job["cluster"](client), 1)
                results[name][f"dask_{workers}_worker"] = {
                    "first_call_s": round(first, 3),
                    "scatter_s": round(scatter_s, 3),
                }
            for _ in range(max(1, args.repeat)):
                for workers, client in clients.items():
                    _, seconds, tables[workers] = timed(lambda job=job, client=client: job["cluster"](client), 1)
                    runs[workers].append(seconds)
            for workers, client in clients.items():
                same = sorted_table(tables[workers]).equals(expected[name])
                figures = results[name][f"dask_{workers}_worker"]
                figures |= {
                    "wall_s": round(min(runs[workers]), 3),
                    "runs_s": [round(r, 3) for r in runs[workers]],
                    "equal_to_in_process": bool(same),
                    "worker_peak_rss_mib": worker_peak_mib(client),
                }
                print(f"  {name:12} Dask, {workers} worker(s): best {figures['wall_s']:.2f} s of "
                      f"{figures['runs_s']} (first call {figures['first_call_s']:.2f} s, scatter "
                      f"{figures['scatter_s']:.2f} s), equal: {same}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
                if "parts" in job:
                    figures["parts"] = job["parts"](client, len(tables[workers]))
    for figures in results.values():
        one, two = figures["dask_1_worker"]["wall_s"], figures["dask_2_worker"]["wall_s"]
        local = figures["in_process_1_thread"]["wall_s"]
        figures["speedup_2_vs_1_worker"] = round(one / two, 2)
        figures["scaling_efficiency"] = round(one / (2 * two), 2)
        figures["one_worker_vs_in_process_1_thread"] = round(one / local, 2)
        threads = figures.get(f"in_process_{cores}_thread", figures["in_process_1_thread"])["wall_s"]
        figures["in_process_threads_speedup"] = round(local / threads, 2)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grid-nodes", type=int, default=1_000_000, help="street nodes of the synthetic region")
    parser.add_argument("--grid-origins", type=int, default=100_000, help="origins of the synthetic region")
    parser.add_argument(
        "--grid-opportunities", type=int, default=20_000,
        help="opportunities of the synthetic region (5 categories; 20,000 over its 10,000 km2, about Lombardy's "
        "schools, sports grounds and libraries together)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=3,
        help="runs per configuration: the best is reported as wall_s, the first (which sends the network to the "
        "workers and builds their search arrays) as first_call_s",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a 100k-node region, 10k origins, 2k opportunities")
    parser.add_argument("--only", action="append", choices=["poa_walk", "poa_transit", "region_walk"],
                        help="run only these jobs (repeatable; default all)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where the JSON results go")
    args = parser.parse_args(argv)
    if args.quick:
        args.grid_nodes, args.grid_origins, args.grid_opportunities = 100_000, 10_000, 2_000
    print(f"load average before: {os.getloadavg()}")
    results = run_jobs(args)
    print(f"\n{'job':<13} {'in-proc 1t':>10} {'1 worker':>9} {'2 workers':>10} {'2w/1w':>6} {'eff.':>5} {'1w/1t':>6} "
          f"{'threads 2t/1t':>13}")  # fmt: skip
    for name, f in results.items():
        print(f"{name:<13} {f['in_process_1_thread']['wall_s']:>9.2f}s {f['dask_1_worker']['wall_s']:>8.2f}s "
              f"{f['dask_2_worker']['wall_s']:>9.2f}s {f['speedup_2_vs_1_worker']:>5.2f}x "
              f"{f['scaling_efficiency']:>5.2f} {f['one_worker_vs_in_process_1_thread']:>5.2f}x "
              f"{f['in_process_threads_speedup']:>12.2f}x")  # fmt: skip
    report = {
        "benchmark": "distributed",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_after": os.getloadavg()},
        "parameters": {
            "grid_nodes": args.grid_nodes,
            "grid_origins": args.grid_origins,
            "grid_opportunities": args.grid_opportunities,
            "cutoff_s": CUTOFF_S,
            "transit_window": WINDOW,
            "repeat": args.repeat,
        },  # fmt: skip
        "client_peak_rss_mib": own_peak_mib(),
        "jobs": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
