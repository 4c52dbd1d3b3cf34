"""Everything one origin reaches: the point query behind the family map.

:func:`reach_from_point` runs one bounded search from a snapped point and keeps the whole distance field, from
which :func:`travel_times_from_reach` reads the time to any destination, :func:`isochrones_from_reach` draws
the areas reachable within several cutoffs, and :func:`route_from_reach` returns the walking route to one
destination.
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

#: Half-width of the walkable band drawn around reached streets in isochrones (metres).
ISOCHRONE_BAND_M = 50.0


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


def _distance_samples(reach: Reach, budget_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's sample points on the streets reached within ``budget_m``, with their walking distance."""
    net = reach.network
    du, dv = reach.dist[net.seg_u], reach.dist[net.seg_v]
    near = np.minimum(du, dv) <= budget_m
    o_seg = int(reach.origin.segment[0])
    near[o_seg] = True
    # Only the reached segments' samples (stored by segment): a ragged gather, not a mask over every sample.
    chosen_segments = np.flatnonzero(near)
    ptr = net.segment_sample_ptr
    starts = ptr[chosen_segments]
    counts = ptr[chosen_segments + 1] - starts
    offsets = np.cumsum(counts) - counts
    chosen = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
    all_segments, all_fractions, all_x, all_y = net.segment_samples
    seg, fraction, x, y = all_segments[chosen], all_fractions[chosen], all_x[chosen], all_y[chosen]
    position = fraction * net.seg_length[seg]
    via_u = np.where(net.seg_forward[seg], du[seg] + position, np.inf)
    via_v = np.where(net.seg_backward[seg], dv[seg] + (net.seg_length[seg] - position), np.inf)
    metres = np.minimum(via_u, via_v)
    on_origin = seg == o_seg
    if on_origin.any():
        start = reach.origin.fraction[0] * net.seg_length[o_seg]
        delta = position[on_origin] - start
        direct = np.where(
            delta >= 0,
            np.where(net.seg_forward[o_seg], delta, np.inf),
            np.where(net.seg_backward[o_seg], -delta, np.inf),
        )
        metres[on_origin] = np.minimum(metres[on_origin], direct)
    keep = metres <= budget_m
    return x[keep], y[keep], metres[keep]


def isochrones_from_reach(
    reach: Reach,
    cutoffs_s: list[float],
    *,
    cell_m: float = 25.0,
    band_m: float = ISOCHRONE_BAND_M,
    decimals: int | None = 6,
) -> pd.DataFrame:
    """Areas walkable within each cutoff, as WGS84 (Multi)Polygons, largest first.

    The walking distance is sampled along the reached streets (every
    :data:`routing.network.SAMPLE_SPACING_M`), written to a ``cell_m`` raster (each cell keeps
    its smallest distance), widened by ``band_m`` on each side of the streets, and the areas within each cutoff
    are traced as filled contours. An area follows the street network (it does not cross a river or a rail
    yard the streets do not cross) and costs a few milliseconds. Coordinates are rounded to ``decimals`` (6: about
    0.1 m, what a map needs) and the few areas the rounding makes invalid are repaired: together a fraction of a
    millisecond, where ``shapely.set_precision`` cost two.
    """
    import contourpy
    from scipy import ndimage

    cutoffs = sorted((float(c) for c in cutoffs_s), reverse=True)
    budgets = [min(reach.max_metres, reach.profile.metres_in(c)) for c in cutoffs]
    x, y, metres = _distance_samples(reach, max(budgets))
    margin = band_m + 2 * cell_m
    x0, y0 = x.min() - margin, y.min() - margin
    nx_cells = int(np.ceil((x.max() + margin - x0) / cell_m)) + 1
    ny_cells = int(np.ceil((y.max() + margin - y0) / cell_m)) + 1
    unreached = max(budgets) * 10 + 1
    grid = np.full((ny_cells, nx_cells), unreached)
    np.minimum.at(grid, (((y - y0) / cell_m).astype(np.int64), ((x - x0) / cell_m).astype(np.int64)), metres)
    radius = max(1, int(round(band_m / cell_m)))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    grid = ndimage.grey_erosion(grid, footprint=(xx**2 + yy**2) <= radius**2)
    generator = contourpy.contour_generator(
        x0 + (np.arange(nx_cells) + 0.5) * cell_m,
        y0 + (np.arange(ny_cells) + 0.5) * cell_m,
        grid,
        fill_type=contourpy.FillType.OuterOffset,
    )
    traced = [generator.filled(-1.0, budget) for budget in budgets]
    # All rings of all cutoffs: to WGS84 in one transformation and to polygons in one call (from ragged arrays).
    blocks = [points for outers, _ in traced for points in outers]
    ring_ends: list[np.ndarray] = []
    polygon_rings: list[int] = []
    polygons_per_cutoff: list[int] = []
    start = 0
    for outers, offsets in traced:
        for points, offset in zip(outers, offsets, strict=True):
            ring_ends.append(start + np.asarray(offset[1:], dtype=np.int64))
            polygon_rings.append(len(offset) - 1)
            start += len(points)
        polygons_per_cutoff.append(len(outers))
    if blocks:
        stacked = np.concatenate(blocks)
        lon, lat = reach.network.to_wgs84.transform(stacked[:, 0], stacked[:, 1])
        if decimals is not None:
            lon, lat = np.round(lon, decimals), np.round(lat, decimals)
        ring_offsets = np.concatenate([[0], *ring_ends])
        polygon_offsets = np.concatenate([[0], np.cumsum(polygon_rings)])
        polygons = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, np.column_stack([lon, lat]), (ring_offsets, polygon_offsets)
        )
    else:
        polygons = np.empty(0, dtype=object)
    areas = []
    first = 0
    for count in polygons_per_cutoff:
        part = polygons[first : first + count]
        first += count
        areas.append(part[0] if count == 1 else shapely.MultiPolygon(list(part)))
    geometry = np.array(areas, dtype=object)
    if decimals is not None:
        # Rounding can fold a ring onto itself where contour points lie closer than the rounding step: repair only
        # those areas, rebuilding their polygons from the rings (no collapsed slivers, still polygons).
        invalid = ~shapely.is_valid(geometry)
        if invalid.any():
            geometry[invalid] = shapely.make_valid(geometry[invalid], method="structure", keep_collapsed=False)
    return pd.DataFrame({"cutoff_s": cutoffs, "geometry": geometry})


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
