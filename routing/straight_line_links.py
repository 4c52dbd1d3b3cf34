"""RAPTOR's walking legs where a city has no street network: straight-line distance × detour factor.

The same :class:`~routing.raptor.WalkLinks` as :func:`routing.raptor.walk_links` builds on the street graph, with
every leg (access, egress, transfer, walk-only) estimated as in :mod:`routing.straight_line`: the distance in the
city's metric CRS times :data:`~routing.straight_line.DEFAULT_DETOUR_FACTOR`, at the profile's speed, within the
same limits (1 km per access / egress / walk-only leg, 500 m per transfer, capped by the profile's longest walk).
A city that later gets a network routes on it with no change here: callers choose by whether a network exists.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyproj
from scipy.spatial import cKDTree

from data_sources.contracts import WGS84
from data_sources.errors import InvalidRequestError
from routing.profiles import ADULT, WalkProfile
from routing.straight_line import DEFAULT_DETOUR_FACTOR
from routing.timetable import Timetable
from routing.walk_links import (
    DEFAULT_MAX_WALK_M,
    DEFAULT_TRANSFER_MAX_M,
    WalkLinks,
    _csr,
    _csr_empty,
    _seconds,
    _walk_limits,
)

__all__ = ["PlacesXY", "places_xy", "straight_line_links", "straight_line_links_for_origins"]


@dataclasses.dataclass(frozen=True, eq=False)
class PlacesXY:
    """Places with ids and metric coordinates (the straight-line counterpart of :class:`routing.snapping.Locations`)."""

    ids: np.ndarray
    xy: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def places_xy(ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, metric_crs: int | str) -> PlacesXY:
    """Places from WGS84 coordinates projected to ``metric_crs``."""
    transformer = pyproj.Transformer.from_crs(WGS84, metric_crs, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return PlacesXY(np.asarray(ids), np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]).reshape(-1, 2))


def _pairs(a: PlacesXY, b: PlacesXY, max_m: float, detour: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index in a, index in b, walking metres) for every pair whose estimated walk is at most ``max_m``."""
    if len(a) == 0 or len(b) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    tree_b = cKDTree(b.xy)
    hits = cKDTree(a.xy).query_ball_tree(tree_b, max_m / detour)
    rows = np.repeat(np.arange(len(a)), [len(h) for h in hits])
    cols = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=len(rows))
    metres = np.hypot(*(a.xy[rows] - b.xy[cols]).T) * detour if len(rows) else np.empty(0)
    return rows.astype(np.int64), cols, metres


def straight_line_links(
    timetable: Timetable,
    origins: PlacesXY,
    destinations: PlacesXY,
    metric_crs: int | str,
    *,
    profile: WalkProfile = ADULT,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> WalkLinks:
    """Access, egress, transfer and walk-only legs estimated from straight-line distances (no street network).

    Parameters
    ----------
    timetable
        Its stops are the transit side of the legs (every stop counts as reachable on foot).
    origins, destinations
        From :func:`places_xy` in ``metric_crs``.
    metric_crs
        The CRS the stops are projected to (the city's metric EPSG).
    profile, max_walk_m, transfer_max_m
        As in :func:`routing.raptor.walk_links`.
    detour_factor
        Walking distance / straight-line distance.

    Returns
    -------
    WalkLinks
        Legs in whole seconds, usable by every RAPTOR entry point.
    """
    if detour_factor < 1:
        raise InvalidRequestError(f"a detour factor below 1 ({detour_factor}) would beat the straight line")
    max_walk_m, transfer_max_m = _walk_limits(profile, max_walk_m, transfer_max_m)
    stops = places_xy(timetable.stop_ids, timetable.stop_lon, timetable.stop_lat, metric_crs)
    speed = profile.speed_m_s
    s, d, m = _pairs(stops, destinations, max_walk_m, detour_factor)
    egress = _csr(s, d, _seconds(m, speed), len(stops))
    a, b, m = _pairs(stops, stops, transfer_max_m, detour_factor)
    other = a != b
    transfer = _csr(a[other], b[other], _seconds(m[other], speed), len(stops))
    links = WalkLinks(
        np.asarray(origins.ids)[:0], np.asarray(destinations.ids), *_csr_empty(0), *egress, *transfer,
        *_csr_empty(0), stop_snapped=np.ones(len(stops), dtype=bool), speed_m_s=speed, max_walk_m=float(max_walk_m),
        transfer_max_m=float(transfer_max_m),
    )  # fmt: skip
    return straight_line_links_for_origins(links, timetable, origins, destinations, metric_crs,
                                           detour_factor=detour_factor)  # fmt: skip


def straight_line_links_for_origins(
    links: WalkLinks,
    timetable: Timetable,
    origins: PlacesXY,
    destinations: PlacesXY,
    metric_crs: int | str,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> WalkLinks:
    """``links`` for other origins: their access and walk-only legs estimated, egress and transfers kept."""
    if len(destinations) != links.n_destinations:
        raise InvalidRequestError(f"links lead to {links.n_destinations} destinations, {len(destinations)} given")
    stops = places_xy(timetable.stop_ids, timetable.stop_lon, timetable.stop_lat, metric_crs)
    speed = links.speed_m_s
    o, s, m = _pairs(origins, stops, links.max_walk_m, detour_factor)
    access = _csr(o, s, _seconds(m, speed), len(origins))
    o, d, m = _pairs(origins, destinations, links.max_walk_m, detour_factor)
    walk = _csr(o, d, _seconds(m, speed), len(origins))
    return dataclasses.replace(
        links, origin_ids=np.asarray(origins.ids), access_ptr=access[0], access_stop=access[1], access_s=access[2],
        walk_ptr=walk[0], walk_dest=walk[1], walk_s=walk[2],
    )  # fmt: skip


def stops_as_destinations(timetable: Timetable, metric_crs: int | str) -> PlacesXY:
    """The timetable's stops as places (for isochrones: the arrival at every stop)."""
    return places_xy(timetable.stop_ids, timetable.stop_lon, timetable.stop_lat, metric_crs)
