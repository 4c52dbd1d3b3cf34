"""Where `compute_access` runs its searches: in this process (the default), or on a Dask distributed cluster.

``VICINO_DASK_SCHEDULER`` (or ``compute_access --dask``) names the cluster: ``tcp://host:8786`` for an existing
scheduler (docker-compose's ``dask-scheduler``, a Kubernetes or HPC deployment made with Dask's own tools), or
``local`` / ``local:N`` for a ``distributed.LocalCluster`` of N worker processes on this machine. Empty: everything
runs in this process and Dask is never imported. Either way the tables are the same (``routing.distributed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data_sources.errors import ConfigError
from routing.network import Network
from routing.profiles import WalkProfile
from routing.raptor import transit_travel_times
from routing.snapping import Locations
from routing.timetable import Timetable
from routing.travel_times import travel_times

Progress = Callable[[str], None]


@dataclass
class Runner:
    """Runs travel-time searches in this process, or on the Dask cluster of ``client``."""

    client: Any = None
    show_progress: bool = False

    @property
    def distributed(self) -> bool:
        return self.client is not None

    def _progress(self, futures: list[Any]) -> None:
        if self.show_progress:
            from distributed import progress

            progress(futures, notebook=False)

    def walk(
        self, network: Network, origins: Locations, destinations: Locations, cutoff_s: float, profile: WalkProfile
    ) -> pd.DataFrame:
        """Walking times within ``cutoff_s`` (``routing.travel_times.travel_times``)."""
        if self.client is None:
            return travel_times(network, origins, destinations, cutoff_s, profile)
        from routing.distributed import travel_times_on_cluster

        return travel_times_on_cluster(
            self.client, network, origins, destinations, cutoff_s, profile, progress=self._progress
        )

    def transit(
        self,
        network: Network,
        timetable: Timetable,
        origins: Locations,
        destinations: Locations,
        *,
        window: tuple[int, int],
        step_s: int,
        profile: WalkProfile,
        max_trip_s: int,
    ) -> pd.DataFrame:
        """Walk + transit times over the departure window (``routing.raptor.transit_travel_times``)."""
        if self.client is None:
            return transit_travel_times(
                network, timetable, origins, destinations, departure_window=window, step_s=step_s,
                profile=profile, max_trip_s=max_trip_s,
            )  # fmt: skip
        from routing.distributed import transit_times_on_cluster

        # Each task walks its own origins' access legs on its worker; egress and transfers are sent once.
        departures = np.arange(window[0], window[1], step_s, dtype=np.int32)
        return transit_times_on_cluster(
            self.client, network, timetable, origins, destinations, departures, profile=profile,
            max_trip_s=max_trip_s, progress=self._progress,
        )  # fmt: skip


def _local_workers(address: str) -> int | None:
    """``local`` → 2 workers, ``local:N`` → N; None for a scheduler address."""
    if address == "local":
        return 2
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ConfigError(f"Dask scheduler {address!r}: write local:N with N a whole number of workers ≥ 1")
        return int(count)
    return None


@contextmanager
def runner_for(address: str, progress: Progress = lambda m: None, *, show_progress: bool = True) -> Iterator[Runner]:
    """A :class:`Runner` for the configured cluster (``address``; empty = in this process)."""
    if not address:
        yield Runner()
        return
    from distributed import Client, LocalCluster

    workers = _local_workers(address)
    if workers is not None:
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1") as cluster,
            Client(cluster) as client,
        ):
            progress(f"Dask: a local cluster of {workers} worker processes; dashboard {client.dashboard_link}")
            yield Runner(client, show_progress)
        return
    try:
        client = Client(address, timeout="30s")
    except OSError as error:
        raise ConfigError(f"Dask scheduler {address} does not answer ({error}); check VICINO_DASK_SCHEDULER") from None
    with client:
        count = len(client.scheduler_info().get("workers", {}))
        progress(f"Dask scheduler {address}: {count} workers; dashboard {client.dashboard_link}")
        yield Runner(client, show_progress)
