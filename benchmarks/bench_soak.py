"""Soak test of the served API on loopback: a bounded run at steady load, window by window, with worker memory drift.

Run from the repository root::

    .venv/bin/python benchmarks/bench_soak.py [--users 20] [--minutes 3] [--window 30] [--config 2x4]

It reuses ``bench_point_query``'s isolated environment (a temporary ``VICINO_HOME`` with Porto Alegre loaded,
``DEBUG=0``, gunicorn on a free 127.0.0.1 port, the rate limit raised out of the way) and its load generator
(keep-alive ``http.client`` users, ``--iso-share`` of isochrones in the mix). The run is cut into windows of
``--window`` seconds; each window reports requests/s, p50/p95/p99, errors, and every worker's resident set at its
end. The memory *drift* is each worker's resident set at the end of the run minus at the end of the first window
(the first window loads the network and caches, so it is the baseline). Bounded: at most 10 minutes, loopback
only. Results are printed and written to ``benchmarks/results/soak.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import bench_point_query as bpq

DEFAULT_OUTPUT = bpq.REPO / "benchmarks" / "results" / "soak.json"
MAX_MINUTES = 10.0


def worker_rss_mib(server: bpq.Server) -> dict[int, float]:
    """Each current worker's resident set (MiB)."""
    return {
        pid: round(rss / 1024, 1) for pid in server.workers() if (rss := bpq.proc_status_kib(pid, "VmRSS")) is not None
    }


def soak(server: bpq.Server, points: list[tuple[float, float]], args: argparse.Namespace) -> dict[str, Any]:
    """Consecutive load windows on one server; returns the per-window and overall figures."""
    windows = []
    samples: list[bpq.Sample] = []
    elapsed = 0.0
    count = max(1, round(args.minutes * 60 / args.window))
    for index in range(count):
        load = bpq.run_load(server, points, args.users, args.window, args.iso_share, args.seed + index, balance=True)
        samples.extend(load.samples)
        elapsed += load.elapsed_s
        summary = bpq.summarise(load, args.users)
        rss = worker_rss_mib(server)
        windows.append({"window": index + 1, "rss_mib": rss, **summary})
        stats = summary["endpoints"].get("all") or summary["endpoints"][bpq.OPPORTUNITIES]
        print(
            f"  window {index + 1}/{count}: {stats['rps']} req/s, p95 {stats['p95_ms']} ms, p99 {stats['p99_ms']} ms,"
            f" {stats['errors']} errors; worker RSS {sorted(rss.values())} MiB",
            flush=True,
        )
    first, last = windows[0]["rss_mib"], windows[-1]["rss_mib"]
    drift = {str(pid): round(last[pid] - first[pid], 1) for pid in last if pid in first}
    overall = {
        name: bpq.endpoint_stats([s for s in samples if s.endpoint == name], elapsed)
        for name in (bpq.OPPORTUNITIES, bpq.ISOCHRONES)
        if any(s.endpoint == name for s in samples)
    }
    overall["all"] = bpq.endpoint_stats(samples, elapsed)
    return {
        "windows": windows,
        "overall": overall,
        "elapsed_s": round(elapsed, 1),
        "rss_drift_mib": drift,
        "restarted_workers": sorted(set(last) ^ set(first)),
        "memory": server.memory_report(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=3.0, help=f"length of the soak (at most {MAX_MINUTES:.0f})")
    parser.add_argument("--window", type=float, default=30.0, help="seconds per reporting window")
    parser.add_argument("--config", default="2x4", help="gunicorn WORKERSxTHREADS or WORKERSsync (default 2x4)")
    parser.add_argument("--iso-share", type=float, default=0.25)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20_261_130)
    parser.add_argument("--data-dir", type=Path, default=bpq.DEFAULT_DATA_DIR)
    parser.add_argument("--home", type=Path, help="use (and keep) this VICINO_HOME")
    parser.add_argument("--skip-setup", action="store_true", help="reuse --home as set up by an earlier run")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be in (0, {MAX_MINUTES:.0f}]")
    if args.window <= 0 or args.users < 1:
        parser.error("--window and --users must be positive")
    if args.skip_setup and args.home is None:
        parser.error("--skip-setup needs --home")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    temporary = args.home is None
    home = Path(tempfile.mkdtemp(prefix="vicino-soak-")) if temporary else args.home.resolve()
    logs = home / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        env = bpq.bench_env(home, args.data_dir.resolve())
        print(f"VICINO_HOME={home}; load average before: {os.getloadavg()}")
        setup = {} if args.skip_setup else bpq.run_setup(env, logs)
        config = bpq.ServerConfig.parse(args.config)
        server = bpq.Server(config, env, logs)
        try:
            ready_s = server.start()
            print(f"[{config.label}] gunicorn on {bpq.HOST}:{server.port} answering after {ready_s:.1f} s")
            warmers = [c for pid in server.workers() if (c := bpq.connection_to(server, pid)) is not None]
            points, _ = bpq.filter_points(warmers, bpq.candidate_points(args.data_dir, args.seed), args.points)
            for connection in warmers:
                connection.close()
            print(f"  soak: {args.users} users, {args.minutes} min in windows of {args.window:.0f} s")
            result = soak(server, points, args)
        finally:
            server.stop()
        overall = result["overall"]["all"]
        print(
            f"\nOverall: {overall['requests']} requests, {overall['rps']} req/s, p95 {overall['p95_ms']} ms,"
            f" p99 {overall['p99_ms']} ms, {overall['errors']} errors; RSS drift per worker (MiB):"
            f" {result['rss_drift_mib']}"
        )
        report = {
            "benchmark": "soak",
            "city": bpq.CITY,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": bpq.git_commit(),
            "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "setup_s": {k: round(v, 1) for k, v in setup.items()},
            **result,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.output}")
        return 0 if overall["errors"] == 0 else 1
    finally:
        if temporary:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
