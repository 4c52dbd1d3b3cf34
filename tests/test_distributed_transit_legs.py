"""Transit on a Dask cluster from the places: each batch walks its own access legs, the table equals in-process.

``routing.distributed.transit_times_on_cluster`` sends only the egress and transfer legs; every task walks the
access and walk-only legs of its batch of origins against the stops and destinations within reach. A real
``distributed.LocalCluster`` (2 worker processes) on the shared Porto Alegre and São Paulo extracts; a worker killed
mid-job changes nothing.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.distributed import transit_times_on_cluster
from routing.profiles import ADULT, DEFAULT_PROFILES
from routing.raptor import transit_travel_times
from tests.test_distributed_tables import city_inputs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as c,
        Client(c) as dask_client,
    ):
        yield dask_client


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
    pids = sorted(client.run(os.getpid).values())  # type: ignore[attr-defined]
    killed: list[int] = []

    def kill_when_busy() -> None:
        # Kill one worker process (by pid) once the job has started, while batches are still queued.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(len(v) for v in client.processing().values()) > 0:  # type: ignore[attr-defined]
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    got = transit_times_on_cluster(
        client, network, timetable, cells, schools, np.arange(*window, 60), max_trip_s=45 * 60, profile=ADULT,
        batch=8,
    )  # fmt: skip
    killer.join()
    assert killed, "the job finished before a worker could be killed"
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
