"""Everything one origin reaches: the point query behind the family map.

:func:`reach_from_point` runs one bounded search from a snapped point and keeps the whole distance field, from
which :func:`travel_times_from_reach` reads the time to any destination, :func:`isochrones_from_reach` draws
the areas reachable within several cutoffs, and :func:`route_from_reach` returns the walking route to one
destination.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely import ops

from data_sources.contracts import TRAVEL_TIME_COLUMNS, WGS84
from data_sources.errors import VicinoError
from routing.kernels import single_search_distances
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations, locations_from_points

#: Half-width of the walkable band drawn around reached streets in isochrones (metres).
ISOCHRONE_BAND_M = 60.0


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

    @cached_property
    def _segment_of_pair(self) -> dict[tuple[int, int], int]:
        net = self.network
        pairs: dict[tuple[int, int], int] = {}
        order = np.argsort(net.seg_length)[::-1]  # shorter segments overwrite longer parallel ones
        for s in order:
            u, v = int(net.seg_u[s]), int(net.seg_v[s])
            if net.seg_forward[s]:
                pairs[(u, v)] = int(s)
            if net.seg_backward[s]:
                pairs[(v, u)] = int(s)
        return pairs


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
    adjacency = network.csr
    max_metres = profile.metres_in(cutoff_s)
    dist, pred = single_search_distances(
        adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64), adjacency.data.astype(np.float64),
        network.n_nodes, origin.exit_node, origin.exit_cost, max_metres,
    )  # fmt: skip
    return Reach(network, origin, dist, pred, max_metres, profile)


def _metres_to(reach: Reach, destinations: Locations) -> tuple[np.ndarray, np.ndarray]:
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
    metres, _ = _metres_to(reach, destinations)
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


def _reached_lines(reach: Reach, budget_m: float) -> list[shapely.Geometry]:
    """The street pieces walkable within ``budget_m`` (whole segments, plus partial ends)."""
    net = reach.network
    du, dv = reach.dist[net.seg_u], reach.dist[net.seg_v]
    # Metres of each segment walkable from its u end (needs u->v) and from its v end (needs v->u).
    from_u = np.where(net.seg_forward, np.clip(budget_m - du, 0, None), 0.0)
    from_v = np.where(net.seg_backward, np.clip(budget_m - dv, 0, None), 0.0)
    from_u = np.where(np.isfinite(from_u), from_u, 0.0)
    from_v = np.where(np.isfinite(from_v), from_v, 0.0)
    whole = from_u + from_v >= net.seg_length
    lines = list(net.seg_geometry[whole & (net.seg_length > 0)])
    partial = np.flatnonzero(~whole & ((from_u > 0) | (from_v > 0)))
    for s in partial:
        geometry = net.seg_geometry[s]
        scale = geometry.length / net.seg_length[s] if net.seg_length[s] > 0 else 1.0
        if from_u[s] > 0:
            lines.append(ops.substring(geometry, 0, from_u[s] * scale))
        if from_v[s] > 0:
            lines.append(ops.substring(geometry, geometry.length - from_v[s] * scale, geometry.length))
    # The walk from the point itself along its own segment.
    o = reach.origin
    seg = int(o.segment[0])
    geometry = net.seg_geometry[seg]
    position = o.fraction[0] * geometry.length
    reach_along = budget_m * (geometry.length / net.seg_length[seg] if net.seg_length[seg] > 0 else 1.0)
    lines.append(
        ops.substring(geometry, max(0.0, position - reach_along), min(geometry.length, position + reach_along))
    )
    return lines


def isochrones_from_reach(reach: Reach, cutoffs_s: list[float], *, band_m: float = ISOCHRONE_BAND_M) -> pd.DataFrame:
    """Areas walkable within each cutoff, as WGS84 (Multi)Polygons, largest first.

    Each area is the reached street network widened by ``band_m`` on each side: the places a child can get to,
    not a convex blob that crosses rivers and rail yards.
    """
    to_wgs = pyproj.Transformer.from_crs(reach.network.crs, WGS84, always_xy=True)
    rows = []
    for cutoff in sorted(cutoffs_s, reverse=True):
        budget = min(reach.max_metres, reach.profile.metres_in(cutoff))
        lines = [g for g in _reached_lines(reach, budget) if g is not None and not g.is_empty]
        area = shapely.buffer(shapely.multilinestrings(lines) if lines else shapely.Point(), band_m, quad_segs=2)
        area = shapely.simplify(area, band_m / 6)
        rows.append(
            {
                "cutoff_s": cutoff,
                "geometry": shapely.transform(area, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))),
            }
        )
    return pd.DataFrame(rows)


def route_from_reach(reach: Reach, destinations: Locations, index: int) -> shapely.LineString | None:
    """The walking route (WGS84 line) to destination ``index``, or None if it is out of reach."""
    metres, seed = _metres_to(reach, destinations.subset(np.arange(len(destinations)) == index))
    if not np.isfinite(metres[0]) or metres[0] > reach.max_metres:
        return None
    net, o = reach.network, reach.origin
    d = destinations.subset(np.arange(len(destinations)) == index)
    d_seg = int(d.segment[0]) if d.segment[0] >= 0 else -1

    def point_on(seg: int, fraction: float) -> shapely.Point:
        g = net.seg_geometry[seg]
        return shapely.line_interpolate_point(g, fraction, normalized=True)

    if seed[0] == -1:  # along the origin's own segment
        g = net.seg_geometry[int(o.segment[0])]
        a, b = sorted([o.fraction[0], d.fraction[0]])
        line = ops.substring(g, a, b, normalized=True)
    else:
        entry_node = int(d.entry_node[seed[0]])
        nodes = [entry_node]
        while reach.pred[nodes[-1]] >= 0:
            nodes.append(int(reach.pred[nodes[-1]]))
        nodes.reverse()
        coords: list[tuple[float, float]] = []
        o_seg = int(o.segment[0])
        coords.extend(point_on(o_seg, o.fraction[0]).coords)
        coords.append((net.x[nodes[0]], net.y[nodes[0]]))
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            s = reach._segment_of_pair[(a, b)]
            g = net.seg_geometry[s]
            part = list(g.coords) if net.seg_u[s] == a else list(g.coords)[::-1]
            coords.extend(part[1:])
        if d_seg >= 0:
            coords.extend(point_on(d_seg, d.fraction[0]).coords)
        line = shapely.LineString(coords)
    to_wgs = pyproj.Transformer.from_crs(net.crs, WGS84, always_xy=True)
    return shapely.transform(line, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
