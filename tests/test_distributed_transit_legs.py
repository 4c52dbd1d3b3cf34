"""Transit on a Dask cluster from the places: each batch walks its own access legs, the table equals in-process.

``routing.distributed.transit_times_on_cluster`` sends only the egress and transfer legs; every task walks the
access and walk-only legs of its batch of origins against the stops and destinations within reach. A real
``distributed.LocalCluster`` (2 worker processes) on the shared Porto Alegre and São Paulo extracts; a worker killed
mid-job changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.distributed import transit_times_on_cluster
from routing.profiles import ADULT, DEFAULT_PROFILES
from routing.raptor import transit_travel_times
from tests.dask_cluster import dask_cluster_client, run_killing_a_worker  # noqa: F401 (the client fixture)
from tests.test_distributed_tables import city_inputs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("city", ["porto_alegre", "sao_paulo"])
def test_transit_from_places_equals_in_process(client: object, data_dir: Path, city: str) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, city)
    window = (timetable.window_start_s, timetable.window_end_s)
    departures = np.arange(window[0], window[1], 120, dtype=np.int32)
    # Cells to schools (fewer destinations than origins), and schools to cells (the other search sides).
    for origins, destinations in ((cells, schools), (schools, cells)):
        expected = transit_travel_times(
            network, timetable, origins, destinations, departure_window=window, step_s=120, percentiles=(25, 50, 75),
            max_trip_s=45 * 60, profile=ADULT,
        )  # fmt: skip
        got = transit_times_on_cluster(
            client, network, timetable, origins, destinations, departures, percentiles=(25, 50, 75),
            max_trip_s=45 * 60, profile=ADULT, batch=37,
        )  # fmt: skip
        assert len(expected) > 100
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_profile_with_a_walking_cap_equals_in_process(client: object, data_dir: Path) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, "porto_alegre")
    capped = next(p for p in DEFAULT_PROFILES if p.max_walk_m is not None)
    window = (timetable.window_start_s, timetable.window_start_s + 10 * 60)
    expected = transit_travel_times(
        network, timetable, cells, schools, departure_window=window, max_trip_s=45 * 60, profile=capped
    )
    got = transit_times_on_cluster(
        client, network, timetable, cells, schools, np.arange(*window, 60), max_trip_s=45 * 60, profile=capped,
        batch=64,
    )  # fmt: skip
    assert len(expected) > 100
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_killed_worker_is_retried_with_its_batches_legs(client: object, data_dir: Path) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, "porto_alegre")
    window = (timetable.window_start_s, timetable.window_end_s)
    expected = transit_travel_times(
        network, timetable, cells, schools, departure_window=window, max_trip_s=45 * 60, profile=ADULT
    )
    got = run_killing_a_worker(
        client,
        lambda: transit_times_on_cluster(
            client, network, timetable, cells, schools, np.arange(*window, 60), max_trip_s=45 * 60, profile=ADULT,
            batch=8,
        ),
    )  # fmt: skip
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
