"""Isochrone areas from one search's distance field: raster, band, filled contours, GeoJSON.

The walking distance is sampled along the reached streets (every :data:`routing.network.SAMPLE_SPACING_M`),
written to a ``cell_m`` raster (each cell keeps its smallest distance), widened by ``band_m`` on each side of the
streets (a grey erosion with a disc), and the area within each cutoff is traced as filled contours. An area follows
the street network: it does not cross a river or a rail yard the streets do not cross.

One query costs well under a millisecond on Porto Alegre: the sampling, the raster and the band are one compiled
pass over the reached segments (:func:`distance_raster`), the contours come from contourpy's C++ generator, and the
areas go to WGS84 through a biquadratic interpolating a few exact points (:mod:`routing.local_transform`) and to GeoJSON
straight from the coordinate arrays, with no shapely object per vertex.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import contourpy
import numpy as np
import shapely
from numba import njit

from routing.local_transform import transform_near

if TYPE_CHECKING:
    from routing.reach import Reach

#: Half-width of the walkable band drawn around reached streets in isochrones (metres).
ISOCHRONE_BAND_M = 50.0
#: Contour vertices closer than this to the previous one are dropped before rounding (metres): a 25 m raster's
#: contour gains nothing from them, and rounding to 1e-6 degrees (~0.1 m) could fold the ring onto itself there.
MIN_VERTEX_SPACING_M = 0.25


@dataclass(frozen=True, eq=False)
class IsochroneArea:
    """The area reachable within one cutoff: a shapely (Multi)Polygon and the same area as a GeoJSON geometry."""

    cutoff_s: float
    geometry: shapely.Geometry
    geojson: dict[str, Any]


@njit(cache=True, nogil=True)
def _segments_within(dist, node_ptr, node_segments, seg_u, budget, origin_segment):  # type: ignore[no-untyped-def]
    """The origin's segment (walked from the origin even if neither end is within budget), then every segment
    with an end within ``budget``, once (from its u end if that is within budget, else from its v end)."""
    out = [origin_segment]
    for node in range(dist.shape[0]):
        if not dist[node] <= budget:
            continue
        for j in range(node_ptr[node], node_ptr[node + 1]):
            s = node_segments[j]
            if s != origin_segment and (seg_u[s] == node or not dist[seg_u[s]] <= budget):
                out.append(s)
    return np.array(out, dtype=np.int64)


@njit(cache=True, nogil=True)
def distance_raster(  # type: ignore[no-untyped-def]
    dist,
    node_ptr,
    node_segments,
    seg_u,
    seg_v,
    seg_length,
    seg_forward,
    seg_backward,
    sample_ptr,
    sample_fraction,
    sample_x,
    sample_y,
    origin_segment,
    origin_fraction,
    budget,
    cell_m,
    margin_m,
    radius_cells,
):
    """The raster of walking distances within ``budget``, widened by a disc of ``radius_cells``.

    Parameters
    ----------
    dist
        Metres to every node (inf where not reached).
    node_ptr, node_segments
        The segments at each node (:attr:`routing.network.Network.segments_at_node`): only the segments at the
        nodes reached are visited.
    seg_u, seg_v, seg_length, seg_forward, seg_backward
        The network's segments.
    sample_ptr, sample_fraction, sample_x, sample_y
        The points sampled along the segments, stored by segment (``sample_ptr``).
    origin_segment, origin_fraction
        Where the search started: its own segment is walked directly from there.
    budget
        The largest cutoff (metres); samples beyond it are not drawn.
    cell_m, margin_m
        Cell size, and the unreached margin around the reached samples (wider than the disc).
    radius_cells
        Radius of the band's disc, in cells.

    Returns
    -------
    grid, x0, y0, unreached
        ``grid[row, column]`` is the smallest distance within the disc around the cell (``unreached`` where
        none), cell (0, 0) starts at (``x0``, ``y0``). The same as sampling the reached segments, taking each
        cell's minimum and ``scipy.ndimage.grey_erosion`` with a disc footprint (tested against it).
    """
    segments = _segments_within(dist, node_ptr, node_segments, seg_u, budget, origin_segment)
    capacity = 0
    for s in segments:
        capacity += sample_ptr[s + 1] - sample_ptr[s]
    xs = np.empty(capacity, dtype=np.float64)
    ys = np.empty(capacity, dtype=np.float64)
    ms = np.empty(capacity, dtype=np.float64)
    count = 0
    x_min, y_min, x_max, y_max = np.inf, np.inf, -np.inf, -np.inf
    for s in segments:
        du, dv, length = dist[seg_u[s]], dist[seg_v[s]], seg_length[s]
        forward, backward = seg_forward[s], seg_backward[s]
        for k in range(sample_ptr[s], sample_ptr[s + 1]):
            position = sample_fraction[k] * length
            via_u = du + position if forward else np.inf
            via_v = dv + (length - position) if backward else np.inf
            metres = min(via_u, via_v)
            if s == origin_segment:
                delta = position - origin_fraction * length
                allowed = forward if delta >= 0 else backward
                metres = min(metres, abs(delta) if allowed else np.inf)
            if not metres <= budget:
                continue
            x, y = sample_x[k], sample_y[k]
            xs[count], ys[count], ms[count] = x, y, metres
            count += 1
            x_min, x_max = min(x_min, x), max(x_max, x)
            y_min, y_max = min(y_min, y), max(y_max, y)
    unreached = budget * 10 + 1
    if count == 0:
        return np.full((2, 2), unreached), 0.0, 0.0, unreached
    x0, y0 = x_min - margin_m, y_min - margin_m
    nx = int(np.ceil((x_max + margin_m - x0) / cell_m)) + 1
    ny = int(np.ceil((y_max + margin_m - y0) / cell_m)) + 1
    cells = np.full((ny, nx), unreached)
    for i in range(count):
        row = int((ys[i] - y0) / cell_m)
        column = int((xs[i] - x0) / cell_m)
        if ms[i] < cells[row, column]:
            cells[row, column] = ms[i]
    # The band: every cell takes the smallest value within the disc around it (the margin keeps the disc inside).
    # The disc is a stack of rows, row dy spanning |dx| <= width[dy]: the minimum over each half-width is taken
    # along the rows first (spans[w]), then over the disc's rows.
    r = radius_cells
    spans = np.empty((r + 1, ny, nx))
    spans[0] = cells
    for w in range(1, r + 1):
        for row in range(ny):
            for column in range(nx):
                best = spans[w - 1, row, column]
                if column >= w:
                    best = min(best, cells[row, column - w])
                if column + w < nx:
                    best = min(best, cells[row, column + w])
                spans[w, row, column] = best
    grid = np.full((ny, nx), unreached)
    for dy in range(-r, r + 1):
        width = int(np.floor(np.sqrt(r * r - dy * dy) + 1e-9))
        for row in range(max(0, -dy), min(ny, ny - dy)):
            for column in range(nx):
                value = spans[width, row + dy, column]
                if value < grid[row, column]:
                    grid[row, column] = value
    return grid, x0, y0, unreached


@njit(cache=True, nogil=True)
def _thin_rings(points, ring_offsets, spacing):  # type: ignore[no-untyped-def]
    """Closed rings without the vertices closer than ``spacing`` to the previous one kept (a ring keeps ≥ 3)."""
    out = np.empty_like(points)
    out_offsets = np.empty_like(ring_offsets)
    out_offsets[0] = 0
    n = 0
    for r in range(ring_offsets.shape[0] - 1):
        start, end = ring_offsets[r], ring_offsets[r + 1]  # points[end - 1] closes the ring (== points[start])
        first = n
        out[n] = points[start]
        n += 1
        for k in range(start + 1, end - 1):
            dx = points[k, 0] - out[n - 1, 0]
            dy = points[k, 1] - out[n - 1, 1]
            if dx * dx + dy * dy >= spacing * spacing:
                out[n] = points[k]
                n += 1
        # The last vertex kept must also stand apart from the ring's start, which closes it.
        if n - first > 1:
            dx = out[n - 1, 0] - points[start, 0]
            dy = out[n - 1, 1] - points[start, 1]
            if dx * dx + dy * dy < spacing * spacing:
                n -= 1
        if n - first < 3:  # too small to thin: kept whole
            n = first
            for k in range(start, end - 1):
                out[n] = points[k]
                n += 1
        out[n] = points[start]
        n += 1
        out_offsets[r + 1] = n
    return out[:n], out_offsets


def _contour_generator(x0: float, y0: float, cell_m: float, grid: np.ndarray) -> contourpy.ContourGenerator:
    """contourpy's serial generator over cell centres, made directly (its factory's checks and masked-array
    handling cost more than the contours; the grid has no NaN or inf to mask)."""
    ny, nx = grid.shape
    x, y = np.empty((ny, nx)), np.empty((ny, nx))  # np.meshgrid's own overhead was a tenth of the call
    x[:] = x0 + (np.arange(nx) + 0.5) * cell_m
    y[:] = (y0 + (np.arange(ny) + 0.5) * cell_m)[:, np.newaxis]
    return contourpy.SerialContourGenerator(
        x, y, grid, None, corner_mask=True, line_type=contourpy.LineType.Separate,
        fill_type=contourpy.FillType.OuterOffset, quad_as_tri=False, z_interp=contourpy.ZInterp.Linear,
    )  # fmt: skip


def isochrone_areas(
    reach: Reach,
    cutoffs_s: list[float],
    *,
    cell_m: float = 25.0,
    band_m: float = ISOCHRONE_BAND_M,
    decimals: int | None = 6,
) -> list[IsochroneArea]:
    """Areas walkable within each cutoff (WGS84), largest first.

    Coordinates are rounded to ``decimals`` (6: about 0.1 m, what a map needs; None: the contours' exact
    coordinates, transformed by pyproj). Before rounding, contour vertices closer than
    :data:`MIN_VERTEX_SPACING_M` to the previous one are dropped; an area the rounding still makes invalid is
    repaired (its polygons rebuilt from its rings, no collapsed slivers), which leaves its GeoJSON from the repair.
    """
    cutoffs = sorted((float(c) for c in cutoffs_s), reverse=True)
    budgets = [min(reach.max_metres, reach.profile.metres_in(c)) for c in cutoffs]
    net = reach.network
    _, fractions, sample_x, sample_y = net.segment_samples
    radius = max(1, int(round(band_m / cell_m)))
    node_ptr, node_segments = net.segments_at_node
    grid, x0, y0, _ = distance_raster(
        reach.dist, node_ptr, node_segments, net.seg_u, net.seg_v, net.seg_length, net.seg_forward,
        net.seg_backward, net.segment_sample_ptr, fractions, sample_x, sample_y, int(reach.origin.segment[0]),
        float(reach.origin.fraction[0]), max(budgets), cell_m, band_m + 2 * cell_m, radius,
    )  # fmt: skip
    generator = _contour_generator(x0, y0, cell_m, grid)
    # All rings of all cutoffs as one array: thinned, to WGS84 and rounded at once, polygons made in one call.
    blocks: list[np.ndarray] = []
    ring_ends: list[np.ndarray] = []
    rings_per_polygon: list[int] = []
    polygons_per_cutoff: list[int] = []
    start = 0
    for budget in budgets:
        outers, offsets = generator.filled(-1.0, budget)
        for points, offset in zip(outers, offsets, strict=True):
            blocks.append(points)
            ring_ends.append(start + offset[1:].astype(np.int64))
            rings_per_polygon.append(len(offset) - 1)
            start += len(points)
        polygons_per_cutoff.append(len(outers))
    if not blocks:
        empty = shapely.MultiPolygon()
        return [IsochroneArea(c, empty, {"type": "MultiPolygon", "coordinates": []}) for c in cutoffs]
    stacked = np.concatenate(blocks)
    ring_offsets = np.concatenate([np.zeros(1, dtype=np.int64), *ring_ends])
    if decimals is None:
        lon, lat = net.to_wgs84.transform(stacked[:, 0], stacked[:, 1])
    else:
        stacked, ring_offsets = _thin_rings(stacked, ring_offsets, MIN_VERTEX_SPACING_M)
        lon, lat = transform_near(net.to_wgs84, stacked[:, 0], stacked[:, 1])
        lon, lat = np.round(lon, decimals), np.round(lat, decimals)
    coordinates = np.column_stack([lon, lat])
    polygon_offsets = np.concatenate([[0], np.cumsum(rings_per_polygon)])
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coordinates, (ring_offsets, polygon_offsets))
    owner = np.repeat(np.arange(len(cutoffs)), polygons_per_cutoff)
    geometry = np.array(
        [polygons[owner == i][0] if count == 1 else shapely.MultiPolygon(list(polygons[owner == i]))
         for i, count in enumerate(polygons_per_cutoff)],
        dtype=object,
    )  # fmt: skip
    repaired = np.zeros(len(cutoffs), dtype=bool)
    if decimals is not None:
        repaired = ~shapely.is_valid(geometry)
        if repaired.any():
            geometry[repaired] = shapely.make_valid(geometry[repaired], method="structure", keep_collapsed=False)
    rings = _split(coordinates.tolist(), ring_offsets)
    polygon_rings = _split(rings, polygon_offsets)
    areas = []
    first = 0
    for i, count in enumerate(polygons_per_cutoff):
        mine = polygon_rings[first : first + count]
        first += count
        if repaired[i]:
            geojson = shapely.geometry.mapping(geometry[i])
        elif count == 1:
            geojson = {"type": "Polygon", "coordinates": mine[0]}
        else:
            geojson = {"type": "MultiPolygon", "coordinates": mine}
        areas.append(IsochroneArea(cutoffs[i], geometry[i], geojson))
    return areas


def _split(items: list[Any], offsets: np.ndarray) -> list[list[Any]]:
    bounds = offsets.tolist()
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
