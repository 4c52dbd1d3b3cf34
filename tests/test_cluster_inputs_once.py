"""The network goes to every worker once per client (every layer of a city reuses it) and is dropped on release.

The cluster is started as ``geo.cluster.runner_for`` starts one (``routing.distributed.SCHEDULER_CONFIG``: no active
memory manager dropping the broadcast copies between jobs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from routing.distributed import release, travel_times_on_cluster
from routing.profiles import ADULT, DEFAULT_PROFILES
from tests.dask_cluster import dask_cluster_client  # noqa: F401 (the client fixture)
from tests.test_distributed_tables import city_inputs

pytestmark = pytest.mark.slow


def networks_held(client: object) -> list[set[str]]:
    """Per worker, the keys of the networks it holds (scattered data is keyed by its type's name)."""
    return [{k for k in keys if k.startswith("Network-")} for keys in client.has_what().values()]  # type: ignore[attr-defined]


def settled(check: Callable[[], bool]) -> bool:
    """Whether ``check`` holds within 10 s (the scheduler forgets released data asynchronously)."""
    deadline = time.monotonic() + 10
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_network_is_sent_once_and_released(client: object, data_dir: Path) -> None:
    network, cells, schools, _ = city_inputs(data_dir, "sao_paulo")
    assert networks_held(client) == [set(), set()]
    travel_times_on_cluster(client, network, cells, schools, 20 * 60, ADULT)
    first = networks_held(client)
    assert len(first) == 2 and len(first[0]) == 1 and first[0] == first[1]  # one network, on both workers
    for profile in DEFAULT_PROFILES:  # another layer of the same city: nothing new is sent, both copies stay
        time.sleep(2.5)  # longer than the active memory manager's cycle (2 s), were it running
        travel_times_on_cluster(client, network, schools, cells, 20 * 60, profile)
        assert networks_held(client) == first
    release(client)
    assert settled(lambda: networks_held(client) == [set(), set()])
