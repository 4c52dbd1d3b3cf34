"""Everything one origin reaches on foot and by transit: the distance field behind transit isochrones.

For each departure, the walking field from the point (:func:`routing.reach.reach_from_point`) is combined with
walks from every stop: the arrival there (range RAPTOR on :func:`routing.raptor.links_to_stops`, where a stop is
its own destination) plus a walk of at most the egress limit, as the opportunity list counts it. Each node keeps
the median over departures of its best time, the statistic the opportunity list reports. Times are stored as
walking-equivalent metres (seconds × speed), so :func:`routing.isochrone_areas.isochrone_areas` draws the areas
unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.raptor import (
    DEFAULT_MAX_TRANSFERS,
    WalkLinks,
    links_for_origins,
    percentile_indexes,
    travel_time_samples,
)
from routing.reach import Reach, reach_from_point
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations, locations_from_nodes
from routing.timetable import Timetable
from routing.travel_times import walk_distances


@njit(cache=True, nogil=True)
def _walk_on_from_stops(fields, arrival_m, stop, node, metres):  # type: ignore[no-untyped-def]
    """fields[d, node] = min(itself, arrival_m[d, stop] + metres) for every walk (stop → node, metres)."""
    for d in range(fields.shape[0]):
        field = fields[d]
        at_stop = arrival_m[d]
        for i in range(stop.shape[0]):
            value = at_stop[stop[i]] + metres[i]
            if value < field[node[i]]:
                field[node[i]] = value


def transit_reach_from_point(
    network: Network,
    timetable: Timetable,
    stops: Locations,
    links: WalkLinks,
    lon: float,
    lat: float,
    cutoff_s: float,
    departure_times: Sequence[int] | np.ndarray,
    profile: WalkProfile = ADULT,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
) -> Reach:
    """The walk + transit field from one point, within ``cutoff_s`` seconds.

    Parameters
    ----------
    network, timetable
        The walk network and a timetable covering the departures plus ``cutoff_s``.
    stops, links
        The timetable's stops on the network (:func:`routing.raptor.stops_on_network`) and the links to them
        (:func:`routing.raptor.links_to_stops`, built with the same ``profile``); both can be kept between queries.
    departure_times
        Seconds since midnight of the timetable's date, increasing; the field holds the median over them.
    cutoff_s
        The time budget; also the longest journey.

    Returns
    -------
    Reach
        ``dist`` in walking-equivalent metres (seconds × speed). ``pred`` is the walking tree only, and marks -1
        where transit gives the better time: a transit field has no walking route.

    Raises
    ------
    routing.reach.PointNotOnNetworkError
        The point is farther than ``max_snap_m`` from every walkable street.
    """
    walk = reach_from_point(network, lon, lat, cutoff_s, profile, max_snap_m=max_snap_m)
    own = links_for_origins(links, network, stops, walk.origin, stops, threads=1)
    arrival_s = travel_time_samples(
        timetable, own, departure_times, max_transfers=max_transfers, max_trip_s=int(cutoff_s), threads=1
    )[0].astype(np.float64)  # (departures, stops)
    arrival_s[arrival_s > cutoff_s] = np.inf
    speed = profile.speed_m_s
    fields = np.repeat(walk.dist[np.newaxis, :], len(arrival_s), axis=0)
    reached = np.flatnonzero(np.isfinite(arrival_s).any(axis=0) & stops.ok)
    if len(reached):
        # Each stop's walk is bounded by the egress limit and by the time left after its earliest arrival.
        spare_m = walk.max_metres - arrival_s[:, reached].min(axis=0) * speed
        walk_limit = np.minimum(links.max_walk_m, spare_m)
        s, node, metres = walk_distances(
            network, stops.subset(np.isin(np.arange(len(stops)), reached)), locations_from_nodes(network), walk_limit,
            threads=1,
        )  # fmt: skip
        _walk_on_from_stops(fields, arrival_s[:, reached] * speed, s, node, metres)
    # Per node, the median over departures of the best time: the opportunity list's statistic, node by node.
    median_at = percentile_indexes(len(fields), [50])[0]
    dist = np.sort(fields, axis=0)[median_at]
    dist[dist > walk.max_metres] = np.inf
    pred = walk.pred.copy()
    pred[dist < walk.dist] = -1
    return Reach(network, walk.origin, dist, pred, walk.max_metres, profile)
