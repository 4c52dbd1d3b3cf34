"""The summary method validated where the truth is known: Porto Alegre's real GTFS, summarised and rebuilt.

Porto Alegre's feeds are summarised into ATM's form, rebuilt with the code Milan uses, and both timetables are routed
between H3 cells (40 origin cells drawn with seed 0, every cell a destination, departures 13:00-15:00 every 5 minutes,
60-minute limit). The full run (300 origins, ``benchmarks/bench_summary_validation_poa.py``) gives a median absolute
difference of 1.5 min, a 90th percentile of 4.1 min and 95 % of pairs within 5 minutes. The bounds below are loose
on purpose (a sample of origins): half of the pairs within 3 minutes, nine in ten within 7, over 85 % within 5 —
what a method worth using must meet; a wrong speed (20 % off) breaks them, which the last test checks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.atm_summary import (
    DEFAULT_BANDS,
    commercial_speeds_kmh,
    feed_from_summary,
    summary_from_gtfs,
)
from data_sources.gtfs import feed_from_path
from routing.straight_line_links import places_xy
from routing.summary_validation import compare_timetables

DATE = dt.date(2019, 5, 15)  # a Wednesday of the feeds' service period
WINDOW = (13 * 3600, 15 * 3600)


@pytest.fixture(scope="module")
def poa(data_dir: Path):  # type: ignore[no-untyped-def]
    feeds = [
        feed_from_path(data_dir / "porto_alegre/poa_eptc.zip", name="poa_eptc"),
        feed_from_path(data_dir / "porto_alegre/poa_trensurb.zip", name="poa_trensurb"),
    ]
    summaries = [summary_from_gtfs(feed, {"L": DATE}) for feed in feeds]
    cells = pd.read_csv(data_dir / "porto_alegre/poa_hexgrid.csv")
    places = places_xy(cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy(), 31982)
    origins = np.sort(np.random.default_rng(0).choice(len(cells), size=40, replace=False))
    return feeds, summaries, places, origins


def test_the_summary_has_atm_s_form_and_keeps_every_trip(poa) -> None:  # type: ignore[no-untyped-def]
    feeds, summaries, _, _ = poa
    eptc = summaries[0]
    # Every trip running that Wednesday is counted once, in the day's total of its variant.
    from data_sources.gtfs import trips_on

    assert eptc.services["trips_day"].sum() == len(trips_on(feeds[0], DATE))
    assert (
        eptc.services[["trips_peak", "trips_offpeak", "trips_evening"]].sum(axis=1) <= eptc.services["trips_day"]
    ).all()
    assert (eptc.services["last_s"] >= eptc.services["first_s"]).all()
    counts = eptc.sequences.groupby("variant_id").size()
    assert (counts.reindex(eptc.variants["variant_id"]).to_numpy() == eptc.variants["n_stops"].to_numpy()).all()
    assert set(summaries[1].variants["mode"]) == {"rail"}


def test_rebuilt_travel_times_stay_close_to_the_real_ones(poa) -> None:  # type: ignore[no-untyped-def]
    feeds, summaries, places, origins = poa
    speeds = commercial_speeds_kmh(feeds, summaries, DATE)
    assert 12 < speeds["bus"] < 30 and 30 < speeds["rail"] < 60  # plausible city bus and suburban rail speeds
    rebuilt = [feed_from_summary(s, speeds, bands=DEFAULT_BANDS, validity=(DATE, DATE)) for s in summaries]
    result = compare_timetables(feeds, rebuilt, DATE, places, 31982, origins=origins, window=WINDOW)
    assert result.transit_pairs > 5_000  # the comparison is about transit, not walking
    assert result.median_abs_min <= 3
    assert result.p90_abs_min <= 7
    assert result.within_5_min >= 0.85


def test_a_wrong_speed_shows_in_the_comparison(poa) -> None:  # type: ignore[no-untyped-def]
    feeds, summaries, places, origins = poa
    speeds = {mode: 0.8 * v for mode, v in commercial_speeds_kmh(feeds, summaries, DATE).items()}
    rebuilt = [feed_from_summary(s, speeds, bands=DEFAULT_BANDS, validity=(DATE, DATE)) for s in summaries]
    result = compare_timetables(feeds, rebuilt, DATE, places, 31982, origins=origins[:15], window=WINDOW)
    assert result.mean_signed_min > 1  # slower vehicles: later arrivals
    assert result.within_5_min < 0.85
