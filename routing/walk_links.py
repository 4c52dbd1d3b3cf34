"""The walking legs of a transit journey as sparse links: home → stops, stop → stop transfers, stops → places.

:func:`walk_links` searches the street network once per origin and once per stop and keeps, as CSR arrays of
whole seconds, every stop an origin reaches within ``max_walk_m`` (access), every stop a stop reaches within
``transfer_max_m`` (transfers) and every destination a stop reaches within ``max_walk_m`` (egress), plus the
walk-only times. :mod:`routing.raptor` runs its rounds over these links; :mod:`routing.straight_line_links` builds
the same :class:`WalkLinks` from straight lines where a city has no street network.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from data_sources.errors import InvalidRequestError
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations, locations_from_points
from routing.timetable import Timetable
from routing.travel_times import walk_distances

__all__ = [
    "DEFAULT_MAX_WALK_M",
    "DEFAULT_THREADS",
    "DEFAULT_TRANSFER_MAX_M",
    "WalkLinks",
    "links_for_origins",
    "links_without_origins",
    "origin_legs",
    "links_to_stops",
    "stops_on_network",
    "walk_links",
]

DEFAULT_MAX_WALK_M = 1_000.0
DEFAULT_TRANSFER_MAX_M = 500.0
#: Threads over origins and stops (the street searches release the GIL).
DEFAULT_THREADS = max(1, min(os.cpu_count() or 1, 8))

Int32Array = npt.NDArray[np.int32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class WalkLinks:
    """Walking legs, in whole seconds (rounded to the nearest), between places and a timetable's stops (CSR tables).

    Attributes
    ----------
    origin_ids, destination_ids
        The places' ids (as in the :class:`~routing.snapping.Locations` given).
    access_ptr, access_stop, access_s
        Origin ``o`` walks to stops ``access_stop[access_ptr[o]:access_ptr[o + 1]]`` in ``access_s`` seconds.
    egress_ptr, egress_dest, egress_s
        From stop ``s`` to destinations (indices), by ``egress_ptr[s]``.
    transfer_ptr, transfer_stop, transfer_s
        From stop ``s`` to other stops, by ``transfer_ptr[s]``.
    walk_ptr, walk_dest, walk_s
        Walk-only journeys from origin ``o`` to destinations, by ``walk_ptr[o]``.
    stop_snapped
        Whether each stop lies within the snapping distance of a street (an unsnapped stop is never walked to).
    speed_m_s, max_walk_m, transfer_max_m
        The walking speed and distance limits used.
    """

    origin_ids: np.ndarray
    destination_ids: np.ndarray
    access_ptr: IntArray
    access_stop: Int32Array
    access_s: Int32Array
    egress_ptr: IntArray
    egress_dest: Int32Array
    egress_s: Int32Array
    transfer_ptr: IntArray
    transfer_stop: Int32Array
    transfer_s: Int32Array
    walk_ptr: IntArray
    walk_dest: Int32Array
    walk_s: Int32Array
    stop_snapped: npt.NDArray[np.bool_]
    speed_m_s: float
    max_walk_m: float
    transfer_max_m: float

    @property
    def n_origins(self) -> int:
        return len(self.origin_ids)

    @property
    def n_destinations(self) -> int:
        return len(self.destination_ids)

    def summary(self) -> dict[str, int]:
        """Counts for logs and benchmarks."""
        return {
            "access_legs": len(self.access_stop),
            "egress_legs": len(self.egress_dest),
            "transfer_legs": len(self.transfer_stop),
            "walk_only_pairs": len(self.walk_dest),
            "stops_snapped": int(self.stop_snapped.sum()),
            "stops_unsnapped": int((~self.stop_snapped).sum()),
        }


def _seconds(metres: np.ndarray, speed_m_s: float) -> Int32Array:
    """Walking seconds, rounded to the nearest second."""
    return np.rint(metres / speed_m_s).astype(np.int32)


def _csr(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int
) -> tuple[IntArray, Int32Array, Int32Array]:
    order = np.lexsort((cols, rows))
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
    return ptr, cols[order].astype(np.int32), values[order].astype(np.int32)


def walk_links(
    network: Network,
    timetable: Timetable,
    origins: Locations,
    destinations: Locations,
    *,
    profile: WalkProfile = ADULT,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    stop_snap_m: float = DEFAULT_MAX_SNAP_M,
    threads: int = DEFAULT_THREADS,
) -> WalkLinks:
    """Access, egress, transfer and walk-only legs on the street network.

    Parameters
    ----------
    network
        The walk network.
    timetable
        Its stops are snapped to the network (within ``stop_snap_m`` metres) like any place.
    origins, destinations
        Snapped places (:func:`routing.snapping.locations_from_points`); unsnapped ones reach nothing.
    profile
        Walking speed; its ``max_walk_m``, when set, also caps ``max_walk_m`` and ``transfer_max_m``.
    max_walk_m
        Longest access, egress and walk-only leg (metres).
    transfer_max_m
        Longest walk between two stops (metres).
    stop_snap_m
        Farthest a stop may lie from a street to be reachable on foot.
    threads
        Threads for the street searches.

    Returns
    -------
    WalkLinks
        The legs, in whole seconds (rounded to the nearest).
    """
    without_origins, stops = links_without_origins(
        network, timetable, destinations, profile=profile, max_walk_m=max_walk_m, transfer_max_m=transfer_max_m,
        stop_snap_m=stop_snap_m, threads=threads, origin_ids=np.asarray(origins.ids)[:0],
    )  # fmt: skip
    return links_for_origins(without_origins, network, stops, origins, destinations, threads=threads)


def links_without_origins(
    network: Network,
    timetable: Timetable,
    destinations: Locations,
    *,
    profile: WalkProfile = ADULT,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    stop_snap_m: float = DEFAULT_MAX_SNAP_M,
    threads: int = DEFAULT_THREADS,
    origin_ids: np.ndarray | None = None,
) -> tuple[WalkLinks, Locations]:
    """The legs of :func:`walk_links` that do not depend on the origins (egress, transfers), and the snapped stops.

    :func:`links_for_origins` adds the origins' access and walk-only legs (a point query for its one origin, a
    batch of a distributed job for its batch).
    """
    max_walk_m, transfer_max_m = _walk_limits(profile, max_walk_m, transfer_max_m)
    stops = stops_on_network(network, timetable, max_distance=stop_snap_m)
    speed = profile.speed_m_s
    s, d, m = walk_distances(network, stops, destinations, max_walk_m, threads=threads)
    egress = _csr(s, d, _seconds(m, speed), timetable.n_stops)
    transfer = _transfers(network, stops, transfer_max_m, speed, threads)
    no_origins = np.asarray(destinations.ids)[:0] if origin_ids is None else origin_ids
    links = WalkLinks(
        no_origins, np.asarray(destinations.ids), *_csr_empty(0), *egress, *transfer, *_csr_empty(0),
        stop_snapped=stops.ok.copy(), speed_m_s=speed, max_walk_m=float(max_walk_m),
        transfer_max_m=float(transfer_max_m),
    )  # fmt: skip
    return links, stops


def _walk_limits(profile: WalkProfile, max_walk_m: float, transfer_max_m: float) -> tuple[float, float]:
    """The longest leg and transfer walks, capped by the profile's longest unaccompanied walk (if any)."""
    if profile.max_walk_m is None:
        return max_walk_m, transfer_max_m
    return min(max_walk_m, profile.max_walk_m), min(transfer_max_m, profile.max_walk_m)


def _transfers(
    network: Network, stops: Locations, transfer_max_m: float, speed_m_s: float, threads: int
) -> tuple[IntArray, Int32Array, Int32Array]:
    """Walks between two different stops within ``transfer_max_m``, by stop (CSR, whole seconds)."""
    a, b, m = walk_distances(network, stops, stops, transfer_max_m, threads=threads)
    other = a != b
    return _csr(a[other], b[other], _seconds(m[other], speed_m_s), len(stops))


def _csr_empty(n_rows: int) -> tuple[IntArray, Int32Array, Int32Array]:
    return np.zeros(n_rows + 1, dtype=np.int64), np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int32)


def stops_on_network(network: Network, timetable: Timetable, *, max_distance: float = DEFAULT_MAX_SNAP_M) -> Locations:
    """The timetable's stops snapped to the walk network like any place (an unsnapped stop is never walked to)."""
    return locations_from_points(
        network, timetable.stop_ids, timetable.stop_lon, timetable.stop_lat, max_distance=max_distance
    )


def links_for_origins(
    links: WalkLinks,
    network: Network,
    stops: Locations,
    origins: Locations,
    destinations: Locations,
    *,
    threads: int = DEFAULT_THREADS,
) -> WalkLinks:
    """``links`` for other origins: their access and walk-only legs are walked, the egress and transfers kept.

    Egress and transfer legs do not depend on the origins, and cost most of :func:`walk_links`; a point query
    keeps them per timetable and profile and walks only from its one origin (``stops`` as from
    :func:`stops_on_network`, ``destinations`` the places ``links`` leads to).
    """
    if len(destinations) != links.n_destinations:
        msg = f"links lead to {links.n_destinations} destinations, {len(destinations)} given"
        raise InvalidRequestError(msg)
    access, walk = origin_legs(links, network, stops, origins, destinations, threads=threads)
    return dataclasses.replace(
        links, origin_ids=np.asarray(origins.ids), access_ptr=access[0], access_stop=access[1], access_s=access[2],
        walk_ptr=walk[0], walk_dest=walk[1], walk_s=walk[2],
    )  # fmt: skip


def links_to_stops(
    network: Network,
    timetable: Timetable,
    stops: Locations,
    *,
    profile: WalkProfile = ADULT,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    threads: int = DEFAULT_THREADS,
) -> WalkLinks:
    """Links whose destinations are the stops themselves (egress: none), with no origins yet.

    The travel time to a "destination" stop is then the arrival there (by vehicle, or on foot from the origin):
    what an isochrone spreads on foot from every stop (:func:`routing.transit_reach.transit_reach_from_point`).
    """
    max_walk_m, transfer_max_m = _walk_limits(profile, max_walk_m, transfer_max_m)
    speed = profile.speed_m_s
    snapped = np.flatnonzero(stops.ok)
    egress = _csr(snapped, snapped, np.zeros(len(snapped), dtype=np.int32), timetable.n_stops)
    transfer = _transfers(network, stops, transfer_max_m, speed, threads)
    return WalkLinks(
        np.asarray(stops.ids)[:0], np.asarray(stops.ids), *_csr_empty(0), *egress, *transfer, *_csr_empty(0),
        stop_snapped=stops.ok.copy(), speed_m_s=speed, max_walk_m=float(max_walk_m),
        transfer_max_m=float(transfer_max_m),
    )  # fmt: skip


def origin_legs(
    links: WalkLinks,
    network: Network,
    stops: Locations,
    origins: Locations,
    destinations: Locations,
    *,
    threads: int = DEFAULT_THREADS,
    search_from: tuple[str | None, str | None] = (None, None),
    stop_index: np.ndarray | None = None,
    destination_index: np.ndarray | None = None,
) -> tuple[tuple[IntArray, Int32Array, Int32Array], tuple[IntArray, Int32Array, Int32Array]]:
    """The access (origin → stops) and walk-only (origin → destinations) legs of ``origins``, as CSR by origin.

    A batch of a distributed job passes only the stops and destinations within reach of its origins, with their
    indices among all of them (``stop_index``, ``destination_index``), and the sides the whole job would search
    from (``search_from``: for the access legs, then for the walk-only legs), so its legs are the job's exactly.
    """
    speed = links.speed_m_s
    o, s, m = walk_distances(network, origins, stops, links.max_walk_m, threads=threads, search_from=search_from[0])
    s = s if stop_index is None else np.asarray(stop_index)[s]
    access = _csr(o, s, _seconds(m, speed), len(origins))
    o, d, m = walk_distances(
        network, origins, destinations, links.max_walk_m, threads=threads, search_from=search_from[1]
    )
    d = d if destination_index is None else np.asarray(destination_index)[d]
    walk = _csr(o, d, _seconds(m, speed), len(origins))
    return access, walk
