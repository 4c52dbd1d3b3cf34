"""A job whose task fails on the Dask cluster is a clear Vicino error naming the job and the cause, not Dask's own."""

from __future__ import annotations

import pytest

from data_sources.errors import VicinoError
from routing.distributed import ClusterJobError, gathered


def _broken_task(row: int) -> int:
    raise ValueError(f"a broken row {row}")


def test_a_failed_task_names_the_job_and_its_cause() -> None:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, Client(cluster) as client:
        assert gathered(client, client.map(abs, [-1, -2]), "a job") == [1, 2]
        futures = [client.submit(abs, -3), client.submit(_broken_task, 7, retries=1)]
        with pytest.raises(ClusterJobError) as caught:
            gathered(client, futures, "the walking job (3 × 4 places)")
    message = str(caught.value)
    assert message.startswith("the walking job (3 × 4 places) failed on the Dask cluster")
    assert "ValueError: a broken row 7" in message and "nothing of it was stored" in message
    assert isinstance(caught.value, VicinoError)
