"""How well a timetable rebuilt from service summaries reproduces Porto Alegre's real travel times.

Porto Alegre's two real GTFS feeds (EPTC buses, Trensurb trains) are summarised into ATM's form
(:func:`data_sources.atm_summary.summary_from_gtfs`: variants, first / last departure, trips in the day and per band,
length, stop count), rebuilt into a frequency timetable with the code Milan uses
(:func:`data_sources.atm_summary.feed_from_summary`), and both timetables are routed between H3 cells with the same
RAPTOR and the same straight-line walks (:func:`routing.summary_validation.compare_timetables`).

Runs: the bands Milan assumes (two hours) under each mode's network-wide commercial speed measured on the real feed
(the analogue of an operator's published figure); the same summary rebuilt as if the bands were one hour long; and
the speeds 20 % off either way. Departures 13:00-15:00 every 5 minutes (EPTC's sample feed runs 11:00-16:00 only),
a Wednesday, 60-minute limit, 300 origin cells drawn with seed 0, every cell a destination.
Results: ``benchmarks/results/summary_validation_poa.json``.

Run: ``VICINO_DATA_DIR=... .venv/bin/python benchmarks/bench_summary_validation_poa.py`` (about a minute).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from data_sources.atm_summary import DEFAULT_BANDS, Band, commercial_speeds_kmh, feed_from_summary, summary_from_gtfs
from data_sources.gtfs import feed_from_path
from routing.straight_line_links import places_xy
from routing.summary_validation import compare_timetables

DATA = Path(os.environ.get("VICINO_DATA_DIR", "/work/shared/data")) / "porto_alegre"
DATE = dt.date(2019, 5, 15)
METRIC_EPSG = 31982
WINDOW = (13 * 3600, 15 * 3600)
ONE_HOUR_BANDS = tuple(Band(b.column, b.start_s, b.start_s + 3600) for b in DEFAULT_BANDS)


def poa_feeds():  # type: ignore[no-untyped-def]
    """Porto Alegre's real feeds."""
    return [feed_from_path(DATA / "poa_eptc.zip", name="poa_eptc"),
            feed_from_path(DATA / "poa_trensurb.zip", name="poa_trensurb")]  # fmt: skip


def sample_cells(n: int = 300, seed: int = 0):  # type: ignore[no-untyped-def]
    cells = pd.read_csv(DATA / "poa_hexgrid.csv")
    places = places_xy(cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy(), METRIC_EPSG)
    origins = np.sort(np.random.default_rng(seed).choice(len(cells), size=n, replace=False))
    return places, origins


def main() -> None:
    feeds = poa_feeds()
    summaries = [summary_from_gtfs(feed, {"L": DATE}) for feed in feeds]
    speeds = commercial_speeds_kmh(feeds, summaries, DATE)
    places, origins = sample_cells()
    runs = {
        "two_hour_bands": (DEFAULT_BANDS, speeds),
        "one_hour_bands": (ONE_HOUR_BANDS, speeds),
        "speeds_minus_20pc": (DEFAULT_BANDS, {m: v * 0.8 for m, v in speeds.items()}),
        "speeds_plus_20pc": (DEFAULT_BANDS, {m: v * 1.2 for m, v in speeds.items()}),
    }
    result: dict[str, object] = {
        "date": DATE.isoformat(), "window": "13:00-15:00", "step_s": 300, "max_trip_s": 3600,
        "origins": int(len(origins)), "destinations": len(places), "measured_speeds_kmh": speeds,
        "summaries": [s.summary() for s in summaries],
    }  # fmt: skip
    for name, (bands, run_speeds) in runs.items():
        rebuilt = [feed_from_summary(s, run_speeds, bands=bands, validity=(DATE, DATE), name=s.name)
                   for s in summaries]  # fmt: skip
        started = time.perf_counter()
        comparison = compare_timetables(feeds, rebuilt, DATE, places, METRIC_EPSG, origins=origins, window=WINDOW)
        result[name] = comparison.as_dict() | {"seconds": round(time.perf_counter() - started, 1)}
        print(name, json.dumps(result[name]))
    out = Path(__file__).parent / "results" / "summary_validation_poa.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
