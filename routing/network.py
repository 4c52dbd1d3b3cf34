"""A street graph as arrays: the form every routing function works on.

:func:`network_from_graph` turns an osmnx-style MultiDiGraph (node ``x``/``y`` in lon/lat, edge ``length`` in
metres, optional ``geometry``) into a :class:`Network`: node coordinates in a metric CRS, a CSR adjacency (the
shortest of parallel edges) and its reverse, and one *segment* per street piece for snapping — a segment is an
edge together with its reverse twin when the street can be walked both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from scipy import sparse

from data_sources.errors import NoUsableRowsError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Spacing of the points sampled along the streets to draw isochrones (half the default 25 m raster cell).
SAMPLE_SPACING_M = 12.5


@dataclass(frozen=True, eq=False)
class Network:
    """A directed street graph as arrays, in a metric CRS.

    Attributes
    ----------
    node_ids
        The graph's node keys (OSM ids), position = internal index.
    x, y
        Node coordinates in ``crs`` (metres).
    crs
        The metric CRS of ``x``, ``y`` and the segment geometries.
    seg_u, seg_v, seg_length
        Segments: street pieces from node ``seg_u`` to ``seg_v`` of ``seg_length`` metres.
    seg_forward, seg_backward
        Whether the segment can be walked from u to v, and from v to u.
    seg_geometry
        Segment lines (metric CRS), oriented from u to v.
    """

    node_ids: IntArray
    x: FloatArray
    y: FloatArray
    crs: pyproj.CRS
    seg_u: IntArray
    seg_v: IntArray
    seg_length: FloatArray
    seg_forward: npt.NDArray[np.bool_]
    seg_backward: npt.NDArray[np.bool_]
    seg_geometry: npt.NDArray[np.object_]

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Forward adjacency: entry (i, j) = shortest direct walk from node i to node j (metres)."""
        return self._adjacency(reverse=False)

    @cached_property
    def csr_reverse(self) -> sparse.csr_matrix:
        """Reverse adjacency, for searches that run from destinations back to origins."""
        return self._adjacency(reverse=True)

    @cached_property
    def strtree(self) -> shapely.STRtree:
        return shapely.STRtree(self.seg_geometry)

    @cached_property
    def index_of_node(self) -> dict[int, int]:
        return {int(node): i for i, node in enumerate(self.node_ids)}

    @cached_property
    def csr_arrays(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The forward adjacency as (indptr, indices, weights) in the kernels' dtypes."""
        return _kernel_arrays(self.csr)

    @cached_property
    def csr_reverse_arrays(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The reverse adjacency as (indptr, indices, weights) in the kernels' dtypes."""
        return _kernel_arrays(self.csr_reverse)

    @cached_property
    def to_metric(self) -> pyproj.Transformer:
        """lon/lat → this network's metric CRS."""
        return transformer_between("EPSG:4326", self.crs)

    @cached_property
    def to_wgs84(self) -> pyproj.Transformer:
        """This network's metric CRS → lon/lat."""
        return transformer_between(self.crs, "EPSG:4326")

    @cached_property
    def segment_of_step(self) -> dict[tuple[int, int], int]:
        """For each walkable step (node a → node b), the shortest segment that makes it (for drawing routes)."""
        steps: dict[tuple[int, int], int] = {}
        for s in np.argsort(self.seg_length)[::-1]:  # shorter parallel segments overwrite longer ones
            u, v = int(self.seg_u[s]), int(self.seg_v[s])
            if self.seg_forward[s]:
                steps[(u, v)] = int(s)
            if self.seg_backward[s]:
                steps[(v, u)] = int(s)
        return steps

    @cached_property
    def segment_samples(self) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Points at most ``SAMPLE_SPACING_M`` apart along every segment, ends included, for drawing areas.

        Returns
        -------
        segment, fraction, x, y
            Each point's segment, its position along it (0 at ``seg_u``, 1 at ``seg_v``) and its coordinates.
        """
        counts = np.ceil(self.seg_length / SAMPLE_SPACING_M).astype(np.int64) + 1
        segment = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        fraction = step / np.maximum(counts[segment] - 1, 1)
        x, y = points_along_lines(self.seg_geometry, segment, fraction)
        return segment, fraction, x, y

    @cached_property
    def segment_sample_ptr(self) -> IntArray:
        """Segment ``s``'s samples are ``segment_samples[...][ptr[s]:ptr[s + 1]]`` (they are stored by segment)."""
        segment = self.segment_samples[0]
        return np.searchsorted(segment, np.arange(len(self.seg_u) + 1)).astype(np.int64)

    @cached_property
    def segments_at_node(self) -> tuple[IntArray, IntArray]:
        """The segments that end at each node, as CSR ``(ptr, segment)``: node ``n``'s are
        ``segment[ptr[n]:ptr[n + 1]]``, those that start at ``n`` (``seg_u``) first; a loop is listed once."""
        ends = np.concatenate([self.seg_u, self.seg_v[self.seg_v != self.seg_u]])
        segments = np.concatenate([np.arange(len(self.seg_u)), np.flatnonzero(self.seg_v != self.seg_u)])
        order = np.argsort(ends, kind="stable")
        ptr = np.searchsorted(ends[order], np.arange(self.n_nodes + 1)).astype(np.int64)
        return ptr, segments[order].astype(np.int64)

    def _adjacency(self, *, reverse: bool) -> sparse.csr_matrix:
        rows = np.concatenate([self.seg_u[self.seg_forward], self.seg_v[self.seg_backward]])
        cols = np.concatenate([self.seg_v[self.seg_forward], self.seg_u[self.seg_backward]])
        lengths = np.concatenate([self.seg_length[self.seg_forward], self.seg_length[self.seg_backward]])
        if reverse:
            rows, cols = cols, rows
        return csr_with_min_duplicates(rows, cols, lengths, self.n_nodes)


def points_along_lines(
    lines: npt.NDArray[np.object_], line: IntArray, fraction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Coordinates of the points at ``fraction`` (0–1, of the length) along ``lines[line]``, all at once.

    The same as ``shapely.line_interpolate_point(lines[line], fraction, normalized=True)``, without building a
    Point per sample.
    """
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    step[owner[1:] != owner[:-1]] = 0.0  # no length between the end of one line and the start of the next
    along = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(owner, np.arange(len(lines)), side="left")
    last = np.searchsorted(owner, np.arange(len(lines)), side="right") - 1
    target = along[first[line]] + fraction * (along[last[line]] - along[first[line]])
    k = np.clip(np.searchsorted(along, target, side="right") - 1, first[line], np.maximum(last[line] - 1, first[line]))
    nxt = np.minimum(k + 1, last[line])
    span = along[nxt] - along[k]
    t = np.divide(target - along[k], span, out=np.zeros_like(target), where=span > 0)
    x = coords[k, 0] + t * (coords[nxt, 0] - coords[k, 0])
    y = coords[k, 1] + t * (coords[nxt, 1] - coords[k, 1])
    return x, y


@lru_cache(maxsize=32)
def transformer_between(source: str | int | pyproj.CRS, target: str | int | pyproj.CRS) -> pyproj.Transformer:
    """A lon/lat-ordered (``always_xy``) transformer, made once per pair of CRSs: making one costs milliseconds."""
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _kernel_arrays(matrix: sparse.csr_matrix) -> tuple[IntArray, IntArray, FloatArray]:
    return matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64), matrix.data.astype(np.float64)


def csr_with_min_duplicates(
    rows: IntArray, cols: IntArray, values: FloatArray, n: int, n_cols: int | None = None
) -> sparse.csr_matrix:
    """A CSR matrix keeping the smallest value where (row, col) repeats (scipy would add them up)."""
    order = np.lexsort((values, cols, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    matrix = sparse.csr_matrix((values[first], (rows[first], cols[first])), shape=(n, n if n_cols is None else n_cols))
    # csr_matrix drops explicit zeros on some operations; zero-length edges are real connections.
    matrix.data = np.maximum(matrix.data, 1e-9)
    return matrix


def _reverse_twins(u: IntArray, v: IntArray, lengths: FloatArray) -> IntArray:
    """For each edge, the edge it pairs with as the other direction of one street (-1 if none).

    Twins have swapped ends and the same length (to the millimetre). Keys are not compared: osmnx stores a two-way
    ring as (u, u, 0) and (u, u, 1). Within a group of equal (ends, length), the k-th edge one way pairs with the
    k-th edge the other way, so parallel streets stay separate segments.
    """
    n = len(u)
    low, high = np.minimum(u, v), np.maximum(u, v)
    millimetres = np.round(lengths * 1000).astype(np.int64)
    way = (u > v).astype(np.int64)  # 0: low → high, 1: high → low; a ring's edges take turns (see below)
    order = np.lexsort((np.arange(n), millimetres, high, low))
    key_changes = np.ones(n, dtype=bool)
    sorted_low, sorted_high, sorted_mm = low[order], high[order], millimetres[order]
    key_changes[1:] = (
        (sorted_low[1:] != sorted_low[:-1]) | (sorted_high[1:] != sorted_high[:-1]) | (sorted_mm[1:] != sorted_mm[:-1])
    )
    group = np.cumsum(key_changes) - 1
    rank_in_group = np.arange(n) - np.flatnonzero(key_changes)[group]
    ring = sorted_low == sorted_high
    way_sorted = np.where(ring, rank_in_group % 2, way[order])
    # Rank of each edge among the edges of its group going its way: the k-th one way pairs with the k-th other way.
    by_way = np.lexsort((np.arange(n), way_sorted, group))
    way_changes = np.ones(n, dtype=bool)
    way_changes[1:] = (group[by_way][1:] != group[by_way][:-1]) | (way_sorted[by_way][1:] != way_sorted[by_way][:-1])
    rank_in_way = np.empty(n, dtype=np.int64)
    rank_in_way[by_way] = np.arange(n) - np.flatnonzero(way_changes)[np.cumsum(way_changes) - 1]
    pair_key = pd.MultiIndex.from_arrays([group, way_sorted, rank_in_way])
    partner_key = pd.MultiIndex.from_arrays([group, 1 - way_sorted, rank_in_way])
    partner_sorted = pair_key.get_indexer(partner_key)
    twin = np.full(n, -1, dtype=np.int64)
    found = partner_sorted >= 0
    twin[order[found]] = order[partner_sorted[found]]
    return twin


def network_from_graph(graph: nx.MultiDiGraph, metric_crs: str | int | pyproj.CRS) -> Network:
    """Arrays of an osmnx-style graph, projected to ``metric_crs``.

    Edges without a ``geometry`` are straight lines between their nodes. An edge and a reverse edge of the same
    length (as osmnx makes for two-way streets) become one two-way segment, oriented as the first of the two.
    """
    if graph.number_of_nodes() == 0:
        raise NoUsableRowsError("the street graph has no edges")
    crs = pyproj.CRS.from_user_input(metric_crs)
    transformer = transformer_between(graph.graph.get("crs", "EPSG:4326"), crs)
    n_nodes = graph.number_of_nodes()
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=n_nodes)
    node_data = [d for _, d in graph.nodes(data=True)]
    lon = np.fromiter((d["x"] for d in node_data), dtype=np.float64, count=n_nodes)
    lat = np.fromiter((d["y"] for d in node_data), dtype=np.float64, count=n_nodes)
    x, y = transformer.transform(lon, lat)
    # Plain lists of numbers, read straight from the adjacency dicts (in graph.edges order): building a tuple per
    # edge costs more than the rest of this function, mostly in the garbage collector.
    tails: list[int] = []
    heads: list[int] = []
    edge_lengths: list[float] = []
    edge_geometries: list[object] = []
    for tail, neighbours in graph.adjacency():
        for head, keyed in neighbours.items():
            for data in keyed.values():
                tails.append(tail)
                heads.append(head)
                edge_lengths.append(data.get("length", 0.0))
                edge_geometries.append(data.get("geometry"))
    if not tails:
        raise NoUsableRowsError("the street graph has no edges")
    node_index = pd.Index(node_ids)
    u = node_index.get_indexer(np.asarray(tails, dtype=np.int64))
    v = node_index.get_indexer(np.asarray(heads, dtype=np.int64))
    lengths = np.asarray(edge_lengths, dtype=np.float64)
    twin = _reverse_twins(u, v, lengths)
    keep = twin < 0  # one-way edges, and the first of each pair of twins
    keep[twin > np.arange(len(twin))] = True
    seg_u_arr, seg_v_arr = u[keep], v[keep]
    seg_length = lengths[keep]
    forward = np.ones(len(seg_u_arr), dtype=bool)
    backward = (twin >= 0)[keep]
    geometries = [edge_geometries[i] for i in np.flatnonzero(keep)]
    geometry = np.empty(len(seg_u_arr), dtype=object)
    missing = np.array([g is None for g in geometries])
    if missing.any():
        starts = np.column_stack([x[seg_u_arr[missing]], y[seg_u_arr[missing]]])
        ends = np.column_stack([x[seg_v_arr[missing]], y[seg_v_arr[missing]]])
        geometry[missing] = shapely.linestrings(np.stack([starts, ends], axis=1))
    if (~missing).any():
        lines = np.array([g for g in geometries if g is not None], dtype=object)
        geometry[~missing] = shapely.transform(
            lines, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    return Network(
        node_ids=node_ids,
        x=np.asarray(x),
        y=np.asarray(y),
        crs=crs,
        seg_u=seg_u_arr,
        seg_v=seg_v_arr,
        seg_length=seg_length,
        seg_forward=forward,
        seg_backward=backward,
        seg_geometry=geometry,
    )
