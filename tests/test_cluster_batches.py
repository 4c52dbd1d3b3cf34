"""How a cluster job is cut: enough tasks for every worker thread, and the costliest tasks first."""

from __future__ import annotations

from typing import Any

import pytest

from routing.distributed import DEFAULT_BATCH, batch_for, largest_first
from tests.dask_cluster import dask_cluster_client  # noqa: F401 (the client fixture)


def test_the_costliest_batches_come_first_and_ties_keep_their_order() -> None:
    batches = ["a", "b", "c", "d"]
    assert largest_first(batches, [1, 5, 3, 5]) == ["b", "d", "c", "a"]


@pytest.mark.slow
def test_a_small_job_gets_several_tasks_per_worker_and_a_large_one_the_largest_batches(client: Any) -> None:
    threads = sum(client.nthreads().values())
    assert threads == 2
    # 1,227 places on 2 threads: 8 tasks of at most ceil(1227 / 8) = 154 places.
    assert batch_for(client, 1227, DEFAULT_BATCH) == 154
    # A region's 20,000 opportunities: capped at the largest batch (40 tasks).
    assert batch_for(client, 20_000, DEFAULT_BATCH) == DEFAULT_BATCH
    # Fewer places than tasks wanted: one place a task, never zero.
    assert batch_for(client, 3, DEFAULT_BATCH) == 1
