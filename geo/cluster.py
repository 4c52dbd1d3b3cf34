"""Where `compute_access` runs its searches: in this process (the default), or on a Dask distributed cluster.

``VICINO_DASK_SCHEDULER`` (or ``compute_access --dask``) names the cluster: ``tcp://host:8786`` for an existing
scheduler (docker-compose's ``dask-scheduler``, a Kubernetes or HPC deployment made with Dask's own tools), or
``local`` / ``local:N`` for a ``distributed.LocalCluster`` of N worker processes on this machine. Empty: everything
runs in this process and Dask is never imported. Either way the tables are the same (``routing.distributed``).

With ``parts_root`` (``compute_access --parts``) the workers write each table in parts under that folder instead of
sending it back (``routing.partitioned``): for jobs too large to gather on the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data_sources.errors import ConfigError
from routing.network import Network
from routing.profiles import WalkProfile
from routing.raptor import transit_travel_times
from routing.snapping import Locations
from routing.timetable import Timetable
from routing.travel_times import travel_times

if TYPE_CHECKING:
    from routing.partitioned import TravelTimeParts

Progress = Callable[[str], None]


@dataclass
class Runner:
    """Runs travel-time searches in this process, or on the Dask cluster of ``client``."""

    client: Any = None
    show_progress: bool = False
    parts_root: Path | None = None

    @property
    def distributed(self) -> bool:
        return self.client is not None

    @property
    def partitioned(self) -> bool:
        """Whether the tables are written in parts by the workers (never gathered on the client)."""
        return self.client is not None and self.parts_root is not None

    def _progress(self, futures: list[Any]) -> None:
        if self.show_progress:
            from distributed import progress

            progress(futures, notebook=False)

    def release(self) -> None:
        """Let the workers drop the networks and timetables sent so far (one city's, before the next city)."""
        if self.client is not None:
            from routing.distributed import release

            release(self.client)

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

    def parts(
        self,
        name: str,
        network: Network,
        origins: Locations,
        destinations: Locations,
        cutoff_s: float,
        profile: WalkProfile,
        *,
        transit: tuple[Timetable, tuple[int, int], int, int] | None = None,
    ) -> TravelTimeParts:
        """The walking (or, with ``transit`` = (timetable, window, step, longest trip), walk + transit) table, in parts.

        The rows are those ``geo.access`` makes in this process: walking, or the faster of walk + transit and
        walking within ``cutoff_s``.
        """
        from routing.partitioned import TransitSettings, new_job_folder, travel_time_parts_on_cluster

        assert self.client is not None and self.parts_root is not None, "parts need a cluster and a folder"
        settings = None
        if transit is not None:
            timetable, window, step_s, max_trip_s = transit
            departures = np.arange(window[0], window[1], step_s, dtype=np.int32)
            settings = TransitSettings(timetable, departures, max_trip_s)
        return travel_time_parts_on_cluster(
            self.client, new_job_folder(self.parts_root, name), network, origins, destinations, cutoff_s, profile,
            transit=settings, progress=self._progress,
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
def runner_for(
    address: str,
    progress: Progress = lambda m: None,
    *,
    show_progress: bool = True,
    parts_root: Path | None = None,
) -> Iterator[Runner]:
    """A :class:`Runner` for the configured cluster (``address``; empty = in this process).

    ``parts_root``: write each table in parts under this folder (needs a cluster).
    """
    if not address:
        if parts_root is not None:
            raise ConfigError("partitioned output (--parts) needs a Dask cluster: give --dask or VICINO_DASK_SCHEDULER")
        yield Runner()
        return
    import dask
    from distributed import Client, LocalCluster

    from routing.distributed import SCHEDULER_CONFIG

    # Dask logs its scheduler's, nannies' and client's comings and goings at INFO (30 lines for one local cluster),
    # which would bury this command's own lines; a worker that dies or a task that fails is still said (WARNING).
    logging.getLogger("distributed").setLevel(logging.WARNING)

    workers = _local_workers(address)
    if workers is not None:
        with dask.config.set(SCHEDULER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1")
        with (
            cluster,
            Client(cluster) as client,
        ):
            progress(f"Dask: a local cluster of {workers} worker processes; dashboard {client.dashboard_link}")
            yield Runner(client, show_progress, parts_root)
        return
    try:
        client = Client(address, timeout="30s")
    except OSError as error:
        raise ConfigError(f"Dask scheduler {address} does not answer ({error}); check VICINO_DASK_SCHEDULER") from None
    with client:
        count = len(client.scheduler_info().get("workers", {}))
        progress(f"Dask scheduler {address}: {count} workers; dashboard {client.dashboard_link}")
        yield Runner(client, show_progress, parts_root)
