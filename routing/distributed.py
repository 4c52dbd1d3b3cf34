"""Travel-time tables computed on a Dask distributed cluster: the same tables as in-process, in batches.

Vicino's searches are independent per origin (walking: one bounded search per seed set; transit: one range
RAPTOR per origin), so a table splits into batches of searches whose rows are simply concatenated. The large,
shared inputs go to every worker once (``Client.scatter(..., broadcast=True)``, kept on the cluster while the
client's object lives, so the many layers of one city send their network once): the network's arrays, the
timetable and the stop-to-stop and egress walking links. Each task gets only its own batch, searching places that
lie close together (:mod:`routing.area_batches`) and the places of the other side within reach of them, and
returns compact arrays (int32 indices, float64 metres or seconds) that the client turns into exactly the
table the in-process function returns (same rows, same values, same column types): each search runs the same
code on the same inputs, from the same side, only on another process.

The places of a job go to every worker once too (with their indices as ids, :func:`indexed`), and a task gets only
index arrays: its batch and the places of the other side within reach of it, which the worker takes out of the
broadcast places. Broadcast data is on every worker, so a task whose worker died runs again on another (Dask's own
``retries``) and a restarted worker fetches what it lacks from the others.

The embedded default never imports Dask: these functions are called only when a scheduler is configured
(``VICINO_DASK_SCHEDULER``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data_sources.contracts import TRAVEL_TIME_COLUMNS, percentile_column
from data_sources.errors import InvalidRequestError, VicinoError
from routing.area_batches import area_batches, reach_bound, seed_points, within_reach
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.raptor import DEFAULT_PERCENTILES, travel_times_from_links
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations
from routing.timetable import Timetable
from routing.travel_times import ids_column, search_side, walk_distances
from routing.walk_links import (
    DEFAULT_MAX_WALK_M,
    DEFAULT_TRANSFER_MAX_M,
    WalkLinks,
    links_without_origins,
    origin_legs,
)

if TYPE_CHECKING:
    from distributed import Client, Future

#: Searches per task at most: large enough that scheduling (~1 ms a task) and a task's own set-up (arrays the size of
#: the network: ~1.6 ms on the 1 M-node region) are noise, small enough to balance workers.
DEFAULT_BATCH = 512
#: Transit origins per task at most: range RAPTOR costs ~4 ms an origin, so a task lasts ~0.13 s and the last tasks of
#: two workers end within that of each other (64 a task measured 1.73-1.83x on 2 workers, 32 1.84-1.87x).
DEFAULT_TRANSIT_BATCH = 32
#: Tasks per worker thread at least, when the job is small enough that the largest batches would leave fewer: the
#: last tasks then end close together (longest first, :func:`largest_first`).
TASKS_PER_THREAD = 4
#: A task whose worker died is run again this many times before the job fails.
DEFAULT_RETRIES = 3

Progress = Callable[[Any], None]

#: Dask settings for a cluster Vicino starts (``geo.cluster``, the tests, the benchmark):
#:
#: - no active memory manager, which would drop the broadcast copies of the network and timetable between two jobs
#:   (its ReduceReplicas policy keeps one copy of data no task waits for), so that every later layer's tasks fetch
#:   them again from another worker;
#: - glibc's own memory trimming in the workers, not Dask's ``MALLOC_TRIM_THRESHOLD_=65536``: setting the threshold
#:   switches off glibc's adaptive mmap threshold, so every array above 128 KiB (a search's per-node distances, the
#:   seed matrix) is mapped and unmapped again, page by page, in every task. Measured on the 1 M-node region: the
#:   same 157 tasks took 3.66 s instead of 2.90 s in one process, and 1.82 s instead of 1.29 s as two processes side
#:   by side (the page faults of both contend in the kernel).
#:
#: An existing cluster gets the same from ``deploy/dask/vicino.yaml`` (``DASK_CONFIG=deploy/dask``: the image holds
#: the folder and docker-compose.yml sets it; ``tests/test_dask_worker_settings.py`` keeps the two in agreement).
SCHEDULER_CONFIG = {
    "distributed.scheduler.active-memory-manager.start": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

#: Inputs already on the cluster, by the client's object and the client: sent once, while the object lives.
_ON_CLUSTER: weakref.WeakKeyDictionary[Any, dict[str, Future]] = weakref.WeakKeyDictionary()


class ClusterJobError(VicinoError, RuntimeError):
    """A job whose tasks failed on the Dask cluster even after their retries (nothing of it is kept)."""


def gathered(client: Client, futures: list[Future], what: str) -> list[Any]:
    """The results of ``futures``, or a :class:`ClusterJobError` naming the job ``what`` and the first failure.

    Dask retries a task whose worker died (``retries``); what still fails here is a task that raised, or a cluster
    that lost every worker. The caller stores nothing of the job, so the layers served before stay served.
    """
    try:
        return client.gather(futures)
    except Exception as error:
        raise ClusterJobError(
            f"{what} failed on the Dask cluster ({type(error).__name__}: {error}); nothing of it was stored"
        ) from error


def searchable(network: Network) -> Network:
    """The network as the searches need it, for sending: no segment lines and no cached indexes.

    A search reads the node and segment arrays only; the lines (shapely objects, slow to serialise) and the
    lazily built indexes (sparse matrices, the STRtree, transformers) stay on the client. A worker rebuilds the
    CSR arrays it needs from the segments, once per scattered network.
    """
    return replace(network, seg_geometry=np.empty(0, dtype=object))


def on_cluster(client: Client, value: Any, prepare: Callable[[Any], Any] = lambda v: v) -> Future:
    """``prepare(value)`` on every worker (sent once per client while ``value`` lives), as a future for tasks."""
    sent = _ON_CLUSTER.setdefault(value, {})
    future = sent.get(client.id)
    if future is None or future.status != "finished":
        [future] = client.scatter([prepare(value)], broadcast=True, hash=False)
        sent[client.id] = future
    return future


def release(client: Client) -> None:
    """Let the cluster drop every input :func:`on_cluster` sent through ``client`` (e.g. after a city's layers)."""
    for sent in list(_ON_CLUSTER.values()):
        future = sent.pop(client.id, None)
        if future is not None:
            future.release()


def batch_for(client: Client, n: int, largest: int) -> int:
    """Places per task for a job of ``n``: at most ``largest``, and small enough for :data:`TASKS_PER_THREAD` tasks
    on each of the cluster's worker threads."""
    threads = max(1, sum(client.nthreads().values()))
    return max(1, min(largest, -(-n // (TASKS_PER_THREAD * threads))))


def batches_of(n: int, batch: int) -> list[np.ndarray]:
    """``range(n)`` cut into consecutive index arrays of at most ``batch`` items."""
    if batch < 1:
        raise InvalidRequestError(f"batch must be at least 1, got {batch}")
    return [np.arange(start, min(start + batch, n), dtype=np.int64) for start in range(0, n, batch)]


def compact_index(index: np.ndarray) -> np.ndarray:
    """Indices as int32 when they fit (half the bytes to send and store), else int64."""
    return index.astype(np.int32) if len(index) == 0 or index.max() < 2**31 else index.astype(np.int64)


def indexed(places: Locations) -> Locations:
    """``places`` with their indices as ids: how a job's places travel to the workers (no strings sent)."""
    return replace(places, ids=compact_index(np.arange(len(places), dtype=np.int64)))


def chosen(mask: np.ndarray) -> np.ndarray:
    """The indices where ``mask`` is True, compact: what a task gets instead of the places themselves."""
    return compact_index(np.flatnonzero(mask))


def places_part(places: Locations, which: np.ndarray) -> Locations:
    """The places ``which`` names (mask or indices), in index order, with their indices among all places as ids."""
    mask = np.zeros(len(places), dtype=bool)
    mask[which] = True
    return replace(places.subset(mask), ids=compact_index(np.flatnonzero(mask)))


def largest_first(batches: list[Any], costs: Sequence[float]) -> list[Any]:
    """``batches`` by decreasing estimated cost, the order ``client.map`` runs them in.

    The longest tasks start first and the short ones fill the gaps at the end, so no worker is left with one long
    task while the others idle (longest-processing-time-first scheduling). A transit batch costs about its origins
    times the stops within walking reach of them (correlation 0.78 with the measured task time on Porto Alegre).
    """
    order = np.argsort(-np.asarray(costs, dtype=np.float64), kind="stable")
    return [batches[i] for i in order]


def _local_batches(
    network: Network, search: Locations, far: Locations, max_metres: float, batch: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Batches of ``search`` by area, each with the places of ``far`` within reach (indices), largest first."""
    reach = reach_bound(network, max_metres)
    far_points = seed_points(network, far)
    parts, costs = [], []
    for index in area_batches(network, search, batch):
        near = within_reach(network, search, index, far_points, len(far), reach)
        if near.any() and search.ok[index].any():
            parts.append((compact_index(index), chosen(near)))
            costs.append(len(index) * int(near.sum()))
    return largest_first(parts, costs)


def _walk_batch(
    network: Network, search: Locations, far: Locations, side: str, max_metres: float, part: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One batch of searches from ``search`` (the job's searching side) towards ``far``: global indices, metres.

    ``search`` and ``far`` are the job's broadcast places; ``part`` the batch's indices into ``search`` and those of
    the places of ``far`` within reach of it.
    """
    search, far = places_part(search, part[0]), places_part(far, part[1])
    if side == "destinations":
        o, d, metres = walk_distances(network, far, search, max_metres, threads=1, search_from=side)
        return far.ids[o], search.ids[d], metres
    o, d, metres = walk_distances(network, search, far, max_metres, threads=1, search_from=side)
    return search.ids[o], far.ids[d], metres


def travel_times_on_cluster(
    client: Client,
    network: Network,
    origins: Locations,
    destinations: Locations,
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    batch: int | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """:func:`routing.travel_times.travel_times` on a Dask cluster: the same table (rows in another order).

    The searches run from the same side as in-process (the smaller set: :func:`walk_distances` searches
    backwards from the destinations when they are no more than the origins). That side is cut into batches by
    area, and each batch gets only the places of the other side within reach, so every search is the in-process
    search, every same-segment pair is joined in the batch that holds it, and the rows are the in-process rows.
    ``batch`` places per task (default :func:`batch_for`: at most :data:`DEFAULT_BATCH`).
    """
    max_metres = profile.metres_in(cutoff_s) * (1 + 1e-12)  # as travel_times: a walk of exactly the cutoff counts
    side = search_side(len(origins), len(destinations))
    search, far = (destinations, origins) if side == "destinations" else (origins, destinations)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if len(origins) and len(destinations):
        batch = batch if batch is not None else batch_for(client, len(search), DEFAULT_BATCH)
        batches = _local_batches(network, search, far, max_metres, batch)
        if batches:
            shared = [on_cluster(client, network, searchable), *(on_cluster(client, p, indexed) for p in (search, far))]
            futures = client.map(
                _walk_batch, *([f] * len(batches) for f in shared), [side] * len(batches),
                [max_metres] * len(batches), batches, retries=retries, pure=False,
            )  # fmt: skip
            if progress is not None:
                progress(futures)
            parts = gathered(client, futures, f"the walking job ({len(origins)} × {len(destinations)} places)")
    o_idx = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    d_idx = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
    metres = np.concatenate([p[2] for p in parts]) if parts else np.empty(0)
    return pd.DataFrame(
        {
            "from_id": ids_column(origins.ids, o_idx),
            "to_id": ids_column(destinations.ids, d_idx),
            "travel_time": metres / profile.speed_m_s,
        },
        columns=TRAVEL_TIME_COLUMNS,
    )


def _transit_batch(
    timetable: Timetable,
    links: WalkLinks,
    departures: np.ndarray,
    options: dict[str, Any],
    origins: np.ndarray,
) -> pd.DataFrame:
    return travel_times_from_links(timetable, links, departures, origins=origins, threads=1, **options)


def transit_travel_times_on_cluster(
    client: Client,
    timetable: Timetable,
    links: WalkLinks,
    departure_times: Sequence[int] | np.ndarray,
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    batch: int | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`routing.raptor.travel_times_from_links` on a Dask cluster: the same table, in the same order.

    The timetable and the walking links go to every worker once; each task runs range RAPTOR for a batch of
    origins (``travel_times_from_links(..., origins=batch)``) and the parts are sorted as the in-process table
    (by origin id, then median travel time).
    """
    departures = np.asarray(departure_times)
    percentiles = list(percentiles)
    if batch is None:
        batch = batch_for(client, links.n_origins, DEFAULT_TRANSIT_BATCH)
    chunks = batches_of(links.n_origins, batch)
    options = {"percentiles": percentiles, **options}
    if not chunks:
        return travel_times_from_links(timetable, links, departures, threads=1, **options)
    shared_timetable, shared_links = client.scatter([timetable, links], broadcast=True, hash=False)
    futures = client.map(
        _transit_batch, [shared_timetable] * len(chunks), [shared_links] * len(chunks), [departures] * len(chunks),
        [options] * len(chunks), chunks, retries=retries, pure=False,
    )  # fmt: skip
    if progress is not None:
        progress(futures)
    table = pd.concat(gathered(client, futures, f"the transit job ({len(chunks)} batches)"), ignore_index=True)
    # The in-process order: by origin id (its rank among the links' origins), then median, stable.
    _, id_rank = np.unique(links.origin_ids, return_inverse=True)
    position = pd.Index(links.origin_ids).get_indexer(table["from_id"].to_numpy())
    order = np.lexsort((table["travel_time"].to_numpy(), id_rank[position]))
    columns = [*TRAVEL_TIME_COLUMNS, *(percentile_column(float(p)) for p in percentiles)]
    return table.iloc[order].reset_index(drop=True)[columns]


def transit_batch(
    network: Network,
    timetable: Timetable,
    links: WalkLinks,
    departures: np.ndarray,
    options: dict[str, Any],
    sides: tuple[str, str],
    places: tuple[Locations, Locations, Locations],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range RAPTOR for one batch of ``places`` (origins, stops, destinations), walking the origins' access and
    walk-only legs here on the worker (a Dask task as it is).

    Returns global origin and destination indices and, per row, the seconds of each column after ``to_id`` (float,
    NaN beyond the longest trip, as the table).
    """
    origins, stops, destinations = places
    access, walk = origin_legs(
        links, network, stops, origins, destinations, threads=1, search_from=sides, stop_index=stops.ids,
        destination_index=destinations.ids,
    )  # fmt: skip
    local = replace(
        links, origin_ids=origins.ids, access_ptr=access[0], access_stop=access[1], access_s=access[2],
        walk_ptr=walk[0], walk_dest=walk[1], walk_s=walk[2],
    )  # fmt: skip
    table = travel_times_from_links(timetable, local, departures, threads=1, **options)
    values = table.iloc[:, 2:].to_numpy(dtype=np.float64)
    return table["from_id"].to_numpy(), table["to_id"].to_numpy(), values


def _transit_part(
    network: Network,
    timetable: Timetable,
    links: WalkLinks,
    departures: np.ndarray,
    options: dict[str, Any],
    sides: tuple[str, str],
    origins: Locations,
    stops: Locations,
    destinations: Locations,
    part: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`transit_batch` for the places ``part`` names (indices into the job's broadcast places)."""
    places = tuple(places_part(p, index) for p, index in zip((origins, stops, destinations), part, strict=True))
    return transit_batch(network, timetable, links, departures, options, sides, places)  # type: ignore[arg-type]


def transit_times_on_cluster(
    client: Client,
    network: Network,
    timetable: Timetable,
    origins: Locations,
    destinations: Locations,
    departure_times: Sequence[int] | np.ndarray,
    *,
    profile: WalkProfile = ADULT,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    stop_snap_m: float = DEFAULT_MAX_SNAP_M,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    batch: int | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`routing.raptor.transit_travel_times` on a Dask cluster from the places: the same table, same order.

    Only the legs that do not depend on the origins (egress and stop-to-stop transfers) are walked here and sent
    to every worker once, with the network and the timetable. Each task gets a batch of origins that lie close
    together, and only the stops and destinations within walking reach of them: it walks their access and
    walk-only legs (searching from the side the whole job would), then runs range RAPTOR for them.
    """
    departures = np.asarray(departure_times)
    percentiles = list(percentiles)
    options = {"percentiles": percentiles, **options}
    links, stops = links_without_origins(
        network, timetable, destinations, profile=profile, max_walk_m=max_walk_m, transfer_max_m=transfer_max_m,
        stop_snap_m=stop_snap_m, origin_ids=compact_index(np.empty(0, np.int64)),
    )  # fmt: skip
    # Destinations travel as their indices: the ids are put back once, on the client.
    links = replace(links, destination_ids=compact_index(np.arange(len(destinations))))
    sides = (search_side(len(origins), len(stops)), search_side(len(origins), len(destinations)))
    reach = reach_bound(network, links.max_walk_m)
    stop_points, destination_points = seed_points(network, stops), seed_points(network, destinations)
    if batch is None:
        batch = batch_for(client, len(origins), DEFAULT_TRANSIT_BATCH)
    batches, costs = [], []
    for index in area_batches(network, origins, batch):
        if not origins.ok[index].any():
            continue
        near_stops = within_reach(network, origins, index, stop_points, len(stops), reach)
        near_destinations = within_reach(network, origins, index, destination_points, len(destinations), reach)
        batches.append((compact_index(index), chosen(near_stops), chosen(near_destinations)))
        costs.append(len(index) * int(near_stops.sum()))
    batches = largest_first(batches, costs)
    columns = [*TRAVEL_TIME_COLUMNS, *(percentile_column(float(p)) for p in percentiles)]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if batches:
        shared = [
            on_cluster(client, network, searchable),
            on_cluster(client, timetable),
            *client.scatter([links, departures, options], broadcast=True, hash=False),
        ]
        places = [on_cluster(client, p, indexed) for p in (origins, stops, destinations)]
        futures = client.map(
            _transit_part, *([f] * len(batches) for f in shared), [sides] * len(batches),
            *([f] * len(batches) for f in places), batches, retries=retries, pure=False,
        )  # fmt: skip
        if progress is not None:
            progress(futures)
        parts = gathered(client, futures, f"the transit job ({len(origins)} × {len(destinations)} places)")
    o_idx = np.concatenate([p[0] for p in parts]).astype(np.int64) if parts else np.empty(0, np.int64)
    d_idx = np.concatenate([p[1] for p in parts]).astype(np.int64) if parts else np.empty(0, np.int64)
    values = np.concatenate([p[2] for p in parts]) if parts else np.empty((0, len(columns) - 2))
    # The in-process order: by origin id (its rank among the origins), then median, stable. A task's rows are
    # already in that order for each of its origins (and every origin is in one task), so ordering the origins is
    # enough: a stable sort on one integer key instead of the two-key sort in-process.
    _, id_rank = np.unique(np.asarray(origins.ids), return_inverse=True)
    order = np.argsort(id_rank[o_idx], kind="stable")
    table = {"from_id": np.asarray(origins.ids)[o_idx[order]], "to_id": np.asarray(destinations.ids)[d_idx[order]]}
    table |= {name: values[order, i] for i, name in enumerate(columns[2:])}
    return pd.DataFrame(table, columns=columns)
