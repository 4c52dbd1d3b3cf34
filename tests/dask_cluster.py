"""What the Dask tests share: a local cluster of two worker processes, and one worker killed (by pid) mid-job."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture(scope="module", name="client")
def dask_cluster_client() -> Iterator[object]:
    """A ``distributed.Client`` on a ``LocalCluster`` of 2 worker processes (one thread each), for the module,
    started as ``geo.cluster.runner_for`` starts one (``SCHEDULER_CONFIG``: without the active memory manager, which
    may drop the copies of the network sent to every worker, so that a killed worker took the last one)."""
    import dask
    from distributed import Client, LocalCluster

    from routing.distributed import SCHEDULER_CONFIG

    with dask.config.set(SCHEDULER_CONFIG):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    with cluster, Client(cluster) as dask_client:
        yield dask_client


def run_killing_a_worker(client: Any, job: Callable[[], T]) -> T:
    """Run ``job`` while one of the 2 worker processes is killed (SIGKILL, by pid) as soon as tasks are being
    processed; fails the test when the job finished before a worker could be killed."""
    pids = sorted(client.run(os.getpid).values())
    assert len(pids) == 2
    killed: list[int] = []

    def kill_when_busy() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(len(v) for v in client.processing().values()) > 0:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    result = job()
    killer.join()
    assert killed, "the job finished before a worker could be killed"
    return result
