"""Walking travel times in Vicino's one result contract: a long, sparse ``from_id, to_id, travel_time`` table.

Searches run from the smaller side: with fewer destinations than origins (the usual case: every node or cell
against a few hundred schools), one bounded Dijkstra runs backwards from each destination; otherwise forwards from
each origin. Each search is seeded at the ends of the segment its place was snapped to, so the walk along that
segment counts, and places on the same segment also get their direct walk. Searches run in parallel threads on a
compiled kernel (:mod:`routing.kernels`).
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from scipy import sparse

from data_sources.contracts import TRAVEL_TIME_COLUMNS
from data_sources.errors import InvalidRequestError
from routing.area_batches import area_batches
from routing.kernels import bounded_searches
from routing.network import Network, csr_with_min_duplicates
from routing.profiles import ADULT, WalkProfile
from routing.snapping import Locations

DEFAULT_THREADS = max(1, min(os.cpu_count() or 1, 8))
#: From this many searches on, they run in Hilbert order over their places, so that one search after another walks
#: the same streets (in cache): 2.2× faster on the 1 M-node region's 20,000 searches. The rows come back in the
#: input order, so the result does not change; below it, ordering costs more than it saves.
NEAR_FIRST_MIN_SEARCHES = 256


def _search_all(
    adjacency: tuple[np.ndarray, np.ndarray, np.ndarray],
    seed_ptr: np.ndarray,
    seed_nodes: np.ndarray,
    seed_costs: np.ndarray,
    far_side: sparse.csr_matrix,
    limits: np.ndarray,
    threads: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches (each to its own limit), split over threads; returns (search, place, metres) reached."""
    n_searches = len(seed_ptr) - 1
    indptr, indices, weights = adjacency
    n = len(indptr) - 1
    place_ptr, place_index = far_side.indptr.astype(np.int64), far_side.indices.astype(np.int64)
    place_cost = far_side.data - 1.0  # stored +1 (see _seed_matrix)
    # Searches differ in cost (a dense centre against the edge of town): a few chunks per thread balance them.
    chunks = np.array_split(np.arange(n_searches), max(1, min(4 * threads if threads > 1 else 1, n_searches)))

    def run(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(chunk) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        start, stop = seed_ptr[chunk[0]], seed_ptr[chunk[-1] + 1]
        local_ptr = seed_ptr[chunk[0] : chunk[-1] + 2] - start
        s, place, dist = bounded_searches(
            indptr, indices, weights, n, local_ptr, seed_nodes[start:stop], seed_costs[start:stop],
            limits[chunk[0] : chunk[-1] + 1], place_ptr, place_index, place_cost, far_side.shape[1],
        )  # fmt: skip
        return s + chunk[0], place, dist

    if len(chunks) == 1:
        return run(chunks[0])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(run, chunks))
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def _search_near_first(
    network: Network,
    adjacency: tuple[np.ndarray, np.ndarray, np.ndarray],
    places: Locations,
    seeds: str,
    far_side: sparse.csr_matrix,
    limits: np.ndarray,
    threads: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_search_all` from each of ``places`` (through its ``"entry"`` or ``"exit"`` seeds), run near first.

    The rows are those of the searches in input order, exactly as :func:`_search_all` returns them.
    """
    if len(places) < NEAR_FIRST_MIN_SEARCHES:
        ordered, order = places, None
    else:
        [order] = area_batches(network, places, len(places))
        ordered, limits = places.take(order), limits[order]
    if seeds == "entry":
        ptr, nodes, costs = ordered.entry_ptr, ordered.entry_node, ordered.entry_cost
    else:
        ptr, nodes, costs = ordered.exit_ptr, ordered.exit_node, ordered.exit_cost
    search, place, metres = _search_all(adjacency, ptr, nodes, costs, far_side, np.ascontiguousarray(limits), threads)
    return (search, place, metres) if order is None else _in_input_order(order, search, place, metres)


def _in_input_order(
    order: np.ndarray, search: np.ndarray, place: np.ndarray, metres: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of searches run in ``order`` (``search`` = position in it), moved to the input order of the searches.

    Each search's rows stay together and in their own order, as the kernel returned them.
    """
    if len(search) > 1 and np.any(search[1:] < search[:-1]):
        by_search = np.argsort(search, kind="stable")
        search, place, metres = search[by_search], place[by_search], metres[by_search]
    counts = np.bincount(search, minlength=len(order))
    starts = np.cumsum(counts) - counts
    run_position = np.empty_like(order)
    run_position[order] = np.arange(len(order))
    counts, starts = counts[run_position], starts[run_position]
    rows = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    return order[search[rows]], place[rows], metres[rows]


def _seed_matrix(ptr: np.ndarray, nodes: np.ndarray, costs: np.ndarray, n_nodes: int) -> sparse.csr_matrix:
    """(n_nodes × n_places) matrix of seed costs, +1 so that a zero cost stays stored.

    A place on a ring has both its seeds at the ring's one node: the smaller cost is kept.
    """
    places = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    return csr_with_min_duplicates(nodes, places, costs + 1.0, n_nodes, len(ptr) - 1)


#: Places' seed matrices, kept while their Locations live: a point query (one origin) walks to the same opportunities
#: and stops every time, and a batch of a Dask job (routing.distributed) searches towards the same scattered places
#: as the worker's other batches; building the matrix (~2.5 ms on Porto Alegre's opportunities, far more for a
#: region's origins) cost more than a point query's search.
_SEED_MATRICES: weakref.WeakKeyDictionary[Locations, dict[tuple[str, int], sparse.csr_matrix]] = (
    weakref.WeakKeyDictionary()
)


def _seed_matrix_of(places: Locations, side: str, n_nodes: int) -> sparse.csr_matrix:
    """The (n_nodes × places) seed matrix for walking out of (``side="exit"``) or into (``"entry"``) ``places``."""
    cached = _SEED_MATRICES.setdefault(places, {})
    key = (side, n_nodes)
    if key not in cached:
        if side == "exit":
            cached[key] = _seed_matrix(places.exit_ptr, places.exit_node, places.exit_cost, n_nodes)
        else:
            cached[key] = _seed_matrix(places.entry_ptr, places.entry_node, places.entry_cost, n_nodes)
    return cached[key]


def _min_per_pair(a: np.ndarray, b: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(a) == 0:
        return a, b, value
    order = np.lexsort((value, b, a))
    a, b, value = a[order], b[order], value[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], value[first]


def _same_segment_pairs(
    network: Network, origins: Locations, destinations: Locations, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct walks between places snapped to the same segment."""
    o_idx = np.flatnonzero(origins.ok & (origins.segment >= 0))
    d_idx = np.flatnonzero(destinations.ok & (destinations.segment >= 0))
    if len(o_idx) == 0 or len(d_idx) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    # An inner join on the segment, in numpy (a pandas merge costs ~10 ms even for one origin): destinations
    # sorted by segment, each origin's matches found by binary search; pairs in origin order, then destination order.
    d_seg = destinations.segment[d_idx]
    order = np.argsort(d_seg, kind="stable")
    sorted_seg = d_seg[order]
    o_seg = origins.segment[o_idx]
    lo = np.searchsorted(sorted_seg, o_seg, side="left")
    counts = np.searchsorted(sorted_seg, o_seg, side="right") - lo
    if counts.sum() == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    pair_o = np.repeat(o_idx, counts)
    pair_d = d_idx[order[np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))]]
    seg = origins.segment[pair_o]
    delta = destinations.fraction[pair_d] - origins.fraction[pair_o]
    allowed = np.where(delta >= 0, network.seg_forward[seg], network.seg_backward[seg])
    metres = np.abs(delta) * network.seg_length[seg]
    keep = allowed & (metres <= limit)
    return pair_o[keep], pair_d[keep], metres[keep]


def walk_distances(
    network: Network,
    origins: Locations,
    destinations: Locations,
    max_metres: float | np.ndarray,
    *,
    threads: int = DEFAULT_THREADS,
    search_from: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest walking distances within ``max_metres`` as (origin index, destination index, metres).

    ``max_metres`` is one distance, or one per origin (then searches from the origins stop at their own limit:
    the egress walks of a transit isochrone, each from a stop reached at a different time).

    ``search_from`` (``"origins"`` or ``"destinations"``) fixes the side the searches start from; by default the
    smaller side. A batch of a larger job (:mod:`routing.distributed`) fixes the side the whole job would search
    from, so that its distances are the job's to the last bit (sums of the same lengths in the same order).
    """
    if search_from not in (None, "origins", "destinations"):
        raise InvalidRequestError(f"search_from must be 'origins' or 'destinations', got {search_from!r}")
    if len(origins) == 0 or len(destinations) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    per_origin = np.broadcast_to(np.asarray(max_metres, dtype=np.float64), (len(origins),))
    largest = float(per_origin.max())
    side = search_side(len(origins), len(destinations)) if search_from is None else search_from
    if side == "destinations":
        exits = _seed_matrix_of(origins, "exit", network.n_nodes)
        d_idx, o_idx, metres = _search_near_first(
            network, network.csr_reverse_arrays, destinations, "entry", exits, np.full(len(destinations), largest),
            threads,
        )  # fmt: skip
    else:
        entries = _seed_matrix_of(destinations, "entry", network.n_nodes)
        o_idx, d_idx, metres = _search_near_first(
            network, network.csr_arrays, origins, "exit", entries, per_origin, threads
        )
    same_o, same_d, same_m = _same_segment_pairs(network, origins, destinations, largest)
    if len(same_o):
        o_idx, d_idx, metres = _min_per_pair(
            np.concatenate([o_idx, same_o]), np.concatenate([d_idx, same_d]), np.concatenate([metres, same_m])
        )
    if np.ndim(max_metres) > 0:
        within = metres <= per_origin[o_idx]
        o_idx, d_idx, metres = o_idx[within], d_idx[within], metres[within]
    return o_idx, d_idx, metres


def search_side(n_origins: int, n_destinations: int) -> str:
    """The side :func:`walk_distances` searches from by default: the smaller one (destinations on a tie)."""
    return "destinations" if n_destinations <= n_origins else "origins"


def ids_column(ids: np.ndarray, index: np.ndarray) -> pd.Categorical | np.ndarray:
    """``ids[index]`` as a pandas Categorical over the places' ids (plain values if the ids repeat).

    A table holds millions of rows but only as many distinct ids as places: as codes into the ids, it is built
    without copying a string per row, and ``Index.get_indexer`` (the indicators, siting) reads the codes instead
    of hashing every row.
    """
    categories = pd.Index(ids)
    if not categories.is_unique or categories.hasnans:
        return ids[index]
    return pd.Categorical.from_codes(index, dtype=pd.CategoricalDtype(categories), validate=False)


def travel_times(
    network: Network,
    origins: Locations,
    destinations: Locations,
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    threads: int = DEFAULT_THREADS,
    sort: bool = False,
) -> pd.DataFrame:
    """Walking times (seconds) from every origin to every destination within ``cutoff_s``.

    The profile's speed turns metres into seconds, and its maximum unaccompanied walk (if any) also bounds the
    search. Places that were not snapped appear in no row (see ``Locations.unsnapped``).

    Returns
    -------
    DataFrame
        ``from_id, to_id, travel_time`` (seconds, float); sorted by ``from_id`` then ``travel_time`` when
        ``sort`` (the indicators do not need it, and sorting millions of rows costs more than the searches).
        The id columns are categorical (see :func:`ids_column`).
    """
    max_metres = profile.metres_in(cutoff_s) * (1 + 1e-12)  # a walk of exactly the cutoff counts, despite rounding
    o_idx, d_idx, metres = walk_distances(network, origins, destinations, max_metres, threads=threads)
    frame = pd.DataFrame(
        {
            "from_id": ids_column(origins.ids, o_idx),
            "to_id": ids_column(destinations.ids, d_idx),
            "travel_time": metres / profile.speed_m_s,
        },
        columns=TRAVEL_TIME_COLUMNS,
    )
    if sort:
        frame = frame.sort_values(["from_id", "travel_time"], kind="stable", ignore_index=True)
    return frame
