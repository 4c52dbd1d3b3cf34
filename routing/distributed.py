"""Travel-time tables computed on a Dask distributed cluster: the same tables as in-process, in batches.

Vicino's searches are independent per origin (walking: one bounded search per seed set; transit: one range
RAPTOR per origin), so a table splits into batches of searches whose rows are simply concatenated. This module
sends the large, shared inputs to every worker once (``Client.scatter(..., broadcast=True)``: the network's
arrays, the snapped places, the timetable and its walking links), submits one task per batch that refers to them,
and assembles the parts into exactly the table the in-process function returns (same rows, same values, same
column types): each search runs the same code on the same inputs, only on another process.

The embedded default never imports Dask: these functions are called only when a scheduler is configured
(``VICINO_DASK_SCHEDULER``). Retries of a task whose worker died are Dask's own (``retries``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data_sources.contracts import TRAVEL_TIME_COLUMNS, percentile_column
from data_sources.errors import InvalidRequestError
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.raptor import DEFAULT_PERCENTILES, travel_times_from_links
from routing.snapping import Locations
from routing.timetable import Timetable
from routing.travel_times import ids_column, walk_distances
from routing.walk_links import WalkLinks

if TYPE_CHECKING:
    from distributed import Client

#: Searches per task: large enough that scheduling (~1 ms a task) is noise, small enough to balance workers.
DEFAULT_BATCH = 512
#: A task whose worker died is run again this many times before the job fails.
DEFAULT_RETRIES = 3

Progress = Callable[[Any], None]


def searchable(network: Network) -> Network:
    """The network as the searches need it, for sending: no segment lines and no cached indexes.

    A search reads the node and segment arrays only; the lines (shapely objects, slow to serialise) and the
    lazily built indexes (sparse matrices, the STRtree, transformers) stay on the client. A worker rebuilds the
    CSR arrays it needs from the segments, once per scattered network.
    """
    return replace(network, seg_geometry=np.empty(0, dtype=object))


def batches_of(n: int, batch: int) -> list[np.ndarray]:
    """``range(n)`` cut into consecutive index arrays of at most ``batch`` items."""
    if batch < 1:
        raise InvalidRequestError(f"batch must be at least 1, got {batch}")
    return [np.arange(start, min(start + batch, n), dtype=np.int64) for start in range(0, n, batch)]


def _walk_batch(
    network: Network, origins: Locations, destinations: Locations, max_metres: float, side: str, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One batch of searches: ``index`` selects the searching side's places; returns global indices."""

    def mask_of(n: int) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        mask[index] = True
        return mask

    if side == "destinations":
        o_idx, d_idx, metres = walk_distances(
            network, origins, destinations.subset(mask_of(len(destinations))), max_metres, threads=1
        )
        return o_idx, index[d_idx], metres
    o_idx, d_idx, metres = walk_distances(
        network, origins.subset(mask_of(len(origins))), destinations, max_metres, threads=1
    )
    return index[o_idx], d_idx, metres


def travel_times_on_cluster(
    client: Client,
    network: Network,
    origins: Locations,
    destinations: Locations,
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    batch: int = DEFAULT_BATCH,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """:func:`routing.travel_times.travel_times` on a Dask cluster: the same table (rows in another order).

    The searches run from the same side as in-process (the smaller set: :func:`walk_distances` searches
    backwards from the destinations when they are no more than the origins), and that side is cut into batches,
    so every search is the in-process search and the concatenated rows are the in-process rows.
    """
    max_metres = profile.metres_in(cutoff_s) * (1 + 1e-12)  # as travel_times: a walk of exactly the cutoff counts
    side = "destinations" if len(destinations) <= len(origins) else "origins"
    n = len(destinations) if side == "destinations" else len(origins)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if len(origins) and len(destinations):
        chunks = batches_of(n, batch)
        shared = client.scatter([searchable(network), origins, destinations], broadcast=True, hash=False)
        futures = client.map(
            _walk_batch, *([f] * len(chunks) for f in shared), [max_metres] * len(chunks), [side] * len(chunks),
            chunks, retries=retries, pure=False,
        )  # fmt: skip
        if progress is not None:
            progress(futures)
        parts = client.gather(futures)
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
    batch: int = 64,
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
    table = pd.concat(client.gather(futures), ignore_index=True)
    # The in-process order: by origin id (its rank among the links' origins), then median, stable.
    _, id_rank = np.unique(links.origin_ids, return_inverse=True)
    position = pd.Index(links.origin_ids).get_indexer(table["from_id"].to_numpy())
    order = np.lexsort((table["travel_time"].to_numpy(), id_rank[position]))
    columns = [*TRAVEL_TIME_COLUMNS, *(percentile_column(float(p)) for p in percentiles)]
    return table.iloc[order].reset_index(drop=True)[columns]
