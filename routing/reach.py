"""Everything one origin reaches: the point query behind the family map.

:func:`reach_from_point` runs one bounded search from a snapped point and keeps the whole distance field, from
which :func:`travel_times_from_reach` reads the time to any destination,
:func:`routing.isochrone_areas.isochrone_areas` draws the areas reachable within several cutoffs, and
:func:`route_from_reach` returns the walking route to one destination.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely import ops

from data_sources.contracts import TRAVEL_TIME_COLUMNS
from data_sources.errors import VicinoError
from routing.kernels import single_search_distances
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations, locations_from_points


class PointNotOnNetworkError(VicinoError, ValueError):
    """The query point is farther than the snapping distance from every walkable street."""


@dataclass(eq=False)
class Reach:
    """The distance field of one search from a point."""

    network: Network
    origin: Locations
    dist: np.ndarray
    pred: np.ndarray
    max_metres: float
    profile: WalkProfile


def reach_from_point(
    network: Network,
    lon: float,
    lat: float,
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> Reach:
    """Search from one point up to ``cutoff_s`` seconds of walking."""
    origin = locations_from_points(
        network, np.array(["origin"]), np.array([lon]), np.array([lat]), max_distance=max_snap_m
    )
    if not origin.ok[0]:
        raise PointNotOnNetworkError(
            f"the point ({lon:.5f}, {lat:.5f}) is {origin.snap_distance[0]:.0f} m from the nearest walkable street "
            f"(more than {max_snap_m:.0f} m)"
        )
    indptr, indices, weights = network.csr_arrays
    max_metres = profile.metres_in(cutoff_s) * (1 + 1e-12)  # a walk of exactly the cutoff counts
    dist, pred = single_search_distances(
        indptr, indices, weights, network.n_nodes, origin.exit_node, origin.exit_cost, max_metres
    )
    return Reach(network, origin, dist, pred, max_metres, profile)


def metres_to_places(reach: Reach, destinations: Locations) -> tuple[np.ndarray, np.ndarray]:
    """Best distance to each destination (inf if out of reach) and the entry seed used (-1 = same segment)."""
    n = len(destinations)
    counts = np.diff(destinations.entry_ptr)
    owner = np.repeat(np.arange(n), counts)
    candidate = reach.dist[destinations.entry_node] + destinations.entry_cost
    best = np.full(n, np.inf)
    np.minimum.at(best, owner, candidate)
    best_seed = np.full(n, -1, dtype=np.int64)
    seed_order = np.lexsort((candidate, owner))
    first = np.ones(len(seed_order), dtype=bool)
    first[1:] = owner[seed_order][1:] != owner[seed_order][:-1]
    best_seed[owner[seed_order][first]] = seed_order[first]
    # A destination on the origin's own segment may be reached directly along it.
    net, o = reach.network, reach.origin
    same = destinations.ok & (destinations.segment == o.segment[0])
    if same.any():
        delta = destinations.fraction[same] - o.fraction[0]
        seg = o.segment[0]
        allowed = np.where(delta >= 0, net.seg_forward[seg], net.seg_backward[seg])
        direct = np.where(allowed, np.abs(delta) * net.seg_length[seg], np.inf)
        improved = direct < best[same]
        idx = np.flatnonzero(same)[improved]
        best[idx] = direct[improved]
        best_seed[idx] = -1
    best[~destinations.ok] = np.inf
    return best, best_seed


def travel_times_from_reach(reach: Reach, destinations: Locations) -> pd.DataFrame:
    """``from_id, to_id, travel_time`` rows for the destinations within the search's reach."""
    metres, _ = metres_to_places(reach, destinations)
    within = metres <= reach.max_metres
    frame = pd.DataFrame(
        {
            "from_id": reach.origin.ids[0],
            "to_id": destinations.ids[within],
            "travel_time": metres[within] / reach.profile.speed_m_s,
        },
        columns=TRAVEL_TIME_COLUMNS,
    )
    return frame.sort_values("travel_time", kind="stable", ignore_index=True)


def _seed_side(ptr_start: int, seed: int, first_allowed: bool) -> str:
    """Which end ('u' or 'v') a place's seed number ``seed`` stands for (seeds are stored u first, then v)."""
    position = seed - ptr_start
    return "u" if position == 0 and first_allowed else "v"


def _along(geometry: shapely.LineString, fraction: float, towards: str) -> list[tuple[float, float]]:
    """Coordinates along a segment from ``fraction`` to its u end (``towards='u'``) or its v end."""
    if towards == "u":
        part = ops.substring(geometry, 0.0, fraction, normalized=True)
        coords = list(part.coords)[::-1] if part.geom_type == "LineString" else list(part.coords)
    else:
        part = ops.substring(geometry, fraction, 1.0, normalized=True)
        coords = list(part.coords)
    return coords


def route_from_reach(reach: Reach, destinations: Locations, index: int) -> shapely.LineString | None:
    """The walking route (WGS84 line, following the streets' shapes) to destination ``index``, or None."""
    one = destinations.subset(np.arange(len(destinations)) == index)
    metres, seed = metres_to_places(reach, one)
    if not np.isfinite(metres[0]) or metres[0] > reach.max_metres:
        return None
    net, o = reach.network, reach.origin
    o_seg = int(o.segment[0])
    if seed[0] == -1:  # along the origin's own segment
        a, b = sorted([o.fraction[0], one.fraction[0]])
        part = ops.substring(net.seg_geometry[o_seg], a, b, normalized=True)
        coords = list(part.coords)
        if o.fraction[0] > one.fraction[0]:
            coords.reverse()
    else:
        entry = int(seed[0])
        nodes = [int(one.entry_node[entry])]
        while reach.pred[nodes[-1]] >= 0:
            nodes.append(int(reach.pred[nodes[-1]]))
        nodes.reverse()
        exit_seed = -2 - int(reach.pred[nodes[0]])
        leaves_by = _seed_side(0, exit_seed, bool(net.seg_backward[o_seg]))
        coords = _along(net.seg_geometry[o_seg], o.fraction[0], leaves_by)
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            s = net.segment_of_step[(a, b)]
            part = list(net.seg_geometry[s].coords)
            coords.extend((part if net.seg_u[s] == a else part[::-1])[1:])
        d_seg = int(one.segment[0])
        if d_seg >= 0:
            arrives_by = _seed_side(int(one.entry_ptr[0]), entry, bool(net.seg_forward[d_seg]))
            coords.extend(_along(net.seg_geometry[d_seg], one.fraction[0], arrives_by)[::-1][1:])
    if len(coords) < 2:
        coords = coords * 2 if coords else [(net.x[0], net.y[0])] * 2
    line = shapely.LineString(coords)
    to_wgs = net.to_wgs84
    return shapely.transform(line, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
