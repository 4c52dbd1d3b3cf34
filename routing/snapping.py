"""Snap points to the nearest street *segment* (not node): the walk along the segment counts.

A point farther than ``max_distance`` metres from every walkable segment is not snapped — it is reported, so a
home across a river from the nearest footway is never silently connected through the water.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from routing.network import Network

DEFAULT_MAX_SNAP_M = 500.0


@dataclass(frozen=True, eq=False)
class Locations:
    """Places on the network, each reachable through up to two *seeds* (segment ends) at a cost in metres.

    Attributes
    ----------
    ids
        The places' ids, in input order.
    ok
        Whether each place was snapped (False = too far from any segment; see ``snap_distance``).
    segment, fraction
        The segment snapped to and the position along it (0 = at ``seg_u``, 1 = at ``seg_v``); -1/NaN for nodes
        and for places that were not snapped.
    snap_distance
        Straight-line distance from the place to the segment (metres); 0 for nodes.
    exit_ptr, exit_node, exit_cost
        CSR-style seeds for walking *from* place i: ``exit_node[exit_ptr[i]:exit_ptr[i+1]]`` with their costs.
    entry_ptr, entry_node, entry_cost
        Seeds for walking *to* place i: the nodes it is entered from, and the remaining cost.
    """

    ids: np.ndarray
    ok: npt.NDArray[np.bool_]
    segment: npt.NDArray[np.int64]
    fraction: npt.NDArray[np.float64]
    snap_distance: npt.NDArray[np.float64]
    exit_ptr: npt.NDArray[np.int64]
    exit_node: npt.NDArray[np.int64]
    exit_cost: npt.NDArray[np.float64]
    entry_ptr: npt.NDArray[np.int64]
    entry_node: npt.NDArray[np.int64]
    entry_cost: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ids)

    def unsnapped(self) -> pd.DataFrame:
        """The places that could not be snapped, with their distance to the nearest segment (NaN = none near)."""
        return pd.DataFrame({"id": self.ids[~self.ok], "snap_distance": self.snap_distance[~self.ok]})

    def subset(self, mask: npt.NDArray[np.bool_]) -> Locations:
        """The places where ``mask`` is True."""
        return self.take(np.flatnonzero(mask))

    def take(self, keep: npt.NDArray[np.int64]) -> Locations:
        """The places at the indices ``keep``, in that order."""
        exit_ptr, exit_node, exit_cost = _take_ragged(self.exit_ptr, self.exit_node, self.exit_cost, keep)
        entry_ptr, entry_node, entry_cost = _take_ragged(self.entry_ptr, self.entry_node, self.entry_cost, keep)
        return Locations(
            self.ids[keep], self.ok[keep], self.segment[keep], self.fraction[keep], self.snap_distance[keep],
            exit_ptr, exit_node, exit_cost, entry_ptr, entry_node, entry_cost,
        )  # fmt: skip


def _take_ragged(ptr: np.ndarray, values: np.ndarray, costs: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    lengths = ptr[keep + 1] - ptr[keep]
    new_ptr = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_ptr[1:])
    positions = np.repeat(ptr[keep], lengths) + (np.arange(new_ptr[-1]) - np.repeat(new_ptr[:-1], lengths))
    return new_ptr, values[positions], costs[positions]


def locations_from_nodes(network: Network, node_ids: np.ndarray | None = None) -> Locations:
    """Network nodes as places (every node when ``node_ids`` is None); ids are the node ids."""
    if node_ids is None:
        index = np.arange(network.n_nodes, dtype=np.int64)
    else:
        lookup = network.index_of_node
        index = np.fromiter((lookup[int(n)] for n in node_ids), dtype=np.int64, count=len(node_ids))
    n = len(index)
    ptr = np.arange(n + 1, dtype=np.int64)
    zeros = np.zeros(n)
    return Locations(
        network.node_ids[index], np.ones(n, dtype=bool), np.full(n, -1, dtype=np.int64), np.full(n, np.nan), zeros,
        ptr, index, zeros, ptr.copy(), index.copy(), zeros.copy(),
    )  # fmt: skip


def locations_from_points(
    network: Network,
    ids: np.ndarray | list[object],
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    max_distance: float = DEFAULT_MAX_SNAP_M,
) -> Locations:
    """Snap lon/lat points to their nearest segment within ``max_distance`` metres."""
    ids = np.asarray(ids)
    x, y = network.to_metric.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = shapely.points(x, y)
    n = len(ids)
    segment = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    found_points, found_segments = network.strtree.query_nearest(
        points, max_distance=max_distance, return_distance=False, all_matches=False
    )
    segment[found_points] = found_segments
    ok = segment >= 0
    lines = network.seg_geometry[segment[ok]]
    distance[ok] = shapely.distance(points[ok], lines)
    fraction = np.full(n, np.nan)
    fraction[ok] = np.clip(shapely.line_locate_point(lines, points[ok], normalized=True), 0.0, 1.0)
    # Unsnapped places: how far the nearest segment is, for the report.
    if (~ok).any():
        _, far_segments = network.strtree.query_nearest(points[~ok], return_distance=False, all_matches=False)
        distance[~ok] = shapely.distance(points[~ok], network.seg_geometry[far_segments])

    seg = segment.clip(min=0)
    length = network.seg_length[seg]
    u, v = network.seg_u[seg], network.seg_v[seg]
    forward, backward = network.seg_forward[seg] & ok, network.seg_backward[seg] & ok
    to_u, to_v = fraction * length, (1.0 - fraction) * length
    # Leaving the place: towards u needs the v->u direction, towards v the u->v direction; arriving is the opposite.
    exit_ptr, exit_node, exit_cost = _two_seed_table(u, to_u, backward, v, to_v, forward)
    entry_ptr, entry_node, entry_cost = _two_seed_table(u, to_u, forward, v, to_v, backward)
    return Locations(
        ids, ok, segment, fraction, distance, exit_ptr, exit_node, exit_cost, entry_ptr, entry_node, entry_cost
    )


def _two_seed_table(
    a: np.ndarray, cost_a: np.ndarray, use_a: np.ndarray, b: np.ndarray, cost_b: np.ndarray, use_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = use_a.astype(np.int64) + use_b.astype(np.int64)
    ptr = np.zeros(len(a) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    nodes = np.column_stack([a, b])[np.column_stack([use_a, use_b])]
    costs = np.column_stack([cost_a, cost_b])[np.column_stack([use_a, use_b])]
    return ptr, nodes.astype(np.int64), costs.astype(np.float64)
