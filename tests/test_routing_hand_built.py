"""Walking routes on tiny hand-built graphs whose answers are worked out by hand (routing.*).

Plain pytest, no Django, no data files. Every graph is drawn in local metres (x east, y north) around a point
of UTM zone 32N (EPSG:32632), so edge lengths are round numbers; node coordinates are converted to lon/lat as an
osmnx graph holds them, and every network is built back in EPSG:32632. Edges without ``via`` points are straight
(no ``geometry`` attribute, as osmnx); edges with ``via`` points carry a lon/lat LineString geometry.

Every walk distance is checked from both sides: ``walk_distances`` searches forwards from the origins when there
are fewer of them, backwards from the destinations otherwise, and both must give the same table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely

from routing.network import Network, network_from_graph
from routing.profiles import ADULT, WalkProfile, profile_for_age
from routing.reach import (
    PointNotOnNetworkError,
    reach_from_point,
    route_from_reach,
    travel_times_from_reach,
)
from routing.snapping import Locations, locations_from_nodes, locations_from_points
from routing.travel_times import travel_times, walk_distances

METRIC_CRS = "EPSG:32632"
X0, Y0 = 500_000.0, 5_000_000.0  # local (0, 0), near Milan
_TO_LONLAT = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)

#: A profile with an exactly representable speed, so that metres <-> seconds is exact at cutoff boundaries.
EXACT = WalkProfile("exact", 0, 120, 1.25)

XY = tuple[float, float]


# ---------------------------------------------------------------------------------------------------------
# Tiny fixtures: graphs, places, and both-sided distance tables
# ---------------------------------------------------------------------------------------------------------


def lonlat(x: float, y: float) -> XY:
    lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def _polyline_length(points: Sequence[XY]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points[:-1], points[1:], strict=True))


def build_graph(
    nodes: Mapping[int, XY],
    two_way: Iterable[tuple[int, int] | tuple[int, int, Sequence[XY]]] = (),
    one_way: Iterable[tuple[int, int] | tuple[int, int, Sequence[XY]]] = (),
) -> nx.MultiDiGraph:
    """An osmnx-style walk graph: two-way streets as an edge and its reverse twin (same key and length).

    Each street is ``(u, v)`` or ``(u, v, via)`` with ``via`` the local points between the two nodes; ``length``
    is the local polyline length, so it is exact by construction.
    """
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node, (x, y) in nodes.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat)

    def add(street: tuple[int, int] | tuple[int, int, Sequence[XY]], *, both: bool) -> None:
        u, v = street[0], street[1]
        via = list(street[2]) if len(street) == 3 else []  # type: ignore[misc]
        points = [nodes[u], *via, nodes[v]]
        length = _polyline_length(points)
        attrs: dict[str, object] = {"length": length}
        if via:
            attrs["geometry"] = shapely.LineString([lonlat(*p) for p in points])
        graph.add_edge(u, v, **attrs)
        if both:
            back: dict[str, object] = {"length": length}
            if via:
                back["geometry"] = shapely.LineString([lonlat(*p) for p in points[::-1]])
            graph.add_edge(v, u, **back)

    for street in two_way:
        add(street, both=True)
    for street in one_way:
        add(street, both=False)
    return graph


def places(network: Network, points: Mapping[str, XY], max_distance: float = 50.0) -> Locations:
    ids = list(points)
    lon, lat = zip(*(lonlat(*points[i]) for i in ids), strict=True)
    return locations_from_points(network, np.array(ids), np.array(lon), np.array(lat), max_distance=max_distance)


def nodes(network: Network, node_ids: Sequence[int] | None = None) -> Locations:
    return locations_from_nodes(network, None if node_ids is None else np.array(node_ids))


def padded(locations: Locations, n: int) -> Locations:
    """``locations`` followed by ``n`` unsnapped dummies (no seeds): steers which side ``walk_distances`` searches."""
    no_seed = np.full(n, locations.exit_ptr[-1], dtype=np.int64)
    no_entry = np.full(n, locations.entry_ptr[-1], dtype=np.int64)
    ids = np.concatenate([locations.ids.astype(object), np.array([f"pad-{k}" for k in range(n)], dtype=object)])
    return Locations(
        ids,
        np.concatenate([locations.ok, np.zeros(n, dtype=bool)]),
        np.concatenate([locations.segment, np.full(n, -1, dtype=np.int64)]),
        np.concatenate([locations.fraction, np.full(n, np.nan)]),
        np.concatenate([locations.snap_distance, np.full(n, np.nan)]),
        np.concatenate([locations.exit_ptr, no_seed]),
        locations.exit_node,
        locations.exit_cost,
        np.concatenate([locations.entry_ptr, no_entry]),
        locations.entry_node,
        locations.entry_cost,
    )


def _table(origins: Locations, destinations: Locations, triples: tuple[np.ndarray, ...]) -> dict[tuple, float]:
    o_idx, d_idx, metres = triples
    table = {(origins.ids[o], destinations.ids[d]): float(m) for o, d, m in zip(o_idx, d_idx, metres, strict=True)}
    return {
        key: m for key, m in table.items() if not str(key[0]).startswith("pad-") and not str(key[1]).startswith("pad-")
    }


def walk(network: Network, origins: Locations, destinations: Locations, max_m: float = 10_000.0) -> dict[tuple, float]:
    """``{(origin id, destination id): metres}``, checked equal from a forward and from a backward search."""
    more_destinations = padded(destinations, len(origins))  # len(destinations) > len(origins): forward search
    more_origins = padded(origins, len(destinations))  # len(destinations) <= len(origins): backward search
    assert len(more_destinations) > len(origins) and len(destinations) <= len(more_origins)
    forward = _table(origins, more_destinations, walk_distances(network, origins, more_destinations, max_m))
    backward = _table(more_origins, destinations, walk_distances(network, more_origins, destinations, max_m))
    assert forward.keys() == backward.keys(), f"forward {sorted(forward)} != backward {sorted(backward)}"
    for key, metres in forward.items():
        assert backward[key] == pytest.approx(metres, abs=1e-6), key
    return forward


def times(
    network: Network, origins: Locations, destinations: Locations, cutoff_s: float, profile: WalkProfile
) -> dict[tuple, float]:
    """``{(origin id, destination id): seconds}`` from ``travel_times``, checked equal from both sides."""
    forward = travel_times(network, origins, padded(destinations, len(origins)), cutoff_s, profile)
    backward = travel_times(network, padded(origins, len(destinations)), destinations, cutoff_s, profile)
    assert list(forward.columns) == ["from_id", "to_id", "travel_time"]
    as_dict = [
        {(f, t): s for f, t, s in frame.itertuples(index=False) if not str(f).startswith("pad-")}
        for frame in (forward, backward)
    ]
    assert as_dict[0].keys() == as_dict[1].keys()
    for key, seconds in as_dict[0].items():
        assert as_dict[1][key] == pytest.approx(seconds, abs=1e-9), key
    return as_dict[0]


def approx_table(expected: Mapping[tuple, float]) -> object:
    return pytest.approx(dict(expected), abs=1e-6)


def metric_length(line: shapely.LineString) -> float:
    return shapely.transform(line, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1]))).length


def local_xy(lon: float, lat: float) -> XY:
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x - X0), float(y - Y0)


# The straight line of the first tests:   1 ---100--- 2 ---100--- 3 ---100--- 4
LINE = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0), 4: (300.0, 0.0)}


@pytest.fixture(scope="module")
def line() -> Network:
    return network_from_graph(build_graph(LINE, two_way=[(1, 2), (2, 3), (3, 4)]), METRIC_CRS)


# ---------------------------------------------------------------------------------------------------------
# The network's arrays
# ---------------------------------------------------------------------------------------------------------


def test_two_way_street_becomes_one_segment_walkable_both_ways(line: Network) -> None:
    # 3 streets, each an edge and its reverse twin in the graph: 3 two-way segments, 100 m each.
    assert len(line.seg_u) == 3
    assert line.seg_forward.all() and line.seg_backward.all()
    assert line.seg_length.tolist() == [100.0, 100.0, 100.0]
    i = line.index_of_node
    assert line.csr[i[1], i[2]] == 100.0 and line.csr[i[2], i[1]] == 100.0
    assert line.csr[i[1], i[3]] == 0.0  # no direct street
    # the nodes are back where they were drawn (metres)
    assert line.x[i[4]] - X0 == pytest.approx(300.0, abs=1e-6) and line.y[i[4]] - Y0 == pytest.approx(0.0, abs=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Snapping mid-edge
# ---------------------------------------------------------------------------------------------------------


def test_point_mid_edge_walks_its_offsets_to_both_ends(line: Network) -> None:
    # P = (30, 4) lies 4 m off street 1-2, 30% along it: 30 m to node 1, 70 m to node 2,
    # then 100 m per street: 170 m to node 3, 270 m to node 4.
    p = places(line, {"P": (30.0, 4.0)})
    assert p.ok.tolist() == [True]
    assert p.snap_distance[0] == pytest.approx(4.0, abs=1e-6)
    seg = p.segment[0]
    ends = {int(line.node_ids[line.seg_u[seg]]), int(line.node_ids[line.seg_v[seg]])}
    assert ends == {1, 2}
    fraction_from_1 = p.fraction[0] if line.node_ids[line.seg_u[seg]] == 1 else 1.0 - p.fraction[0]
    assert fraction_from_1 == pytest.approx(0.3, abs=1e-9)
    expected = {1: 30.0, 2: 70.0, 3: 170.0, 4: 270.0}
    assert walk(line, p, nodes(line)) == approx_table({("P", n): m for n, m in expected.items()})
    # Two-way streets: walking from each node to P costs the same.
    assert walk(line, nodes(line), p) == approx_table({(n, "P"): m for n, m in expected.items()})


def test_places_on_the_same_segment_get_the_direct_walk(line: Network) -> None:
    # On street 1-2: R at 10 m, P at 30 m, Q at 80 m from node 1.
    # P-Q direct = 50 (not 30 + 80 = 110 through node 1, nor 70 + 20 = 90 through node 2); P-R = 20; R-Q = 70.
    # Each place to itself: 0. S on street 3-4 at 50 m from node 3: P-S = 70 + 100 + 50 = 220.
    pts = places(line, {"R": (10.0, 2.0), "P": (30.0, 4.0), "Q": (80.0, -3.0), "S": (250.0, 1.0)})
    along = {"R": 10.0, "P": 30.0, "Q": 80.0}
    expected = {(a, b): abs(along[a] - along[b]) for a in along for b in along}
    expected |= {("S", "S"): 0.0, ("P", "S"): 220.0, ("S", "P"): 220.0}
    expected |= {("R", "S"): 240.0, ("S", "R"): 240.0, ("Q", "S"): 170.0, ("S", "Q"): 170.0}
    assert walk(line, pts, pts) == approx_table(expected)


def test_a_limit_per_origin_bounds_each_origins_walk(line: Network) -> None:
    # P at 30 m from node 1 (as above) may walk 150 m, node 1 itself 250 m: P reaches nodes 1 and 2 (30, 70 m)
    # but not node 3 (170 m); node 1 reaches 2 and 3 (100, 200 m) but not 4 (300 m). Both search directions.
    origins = locations_from_points(
        line, np.array(["P", "N1"]), *map(np.array, zip(lonlat(30.0, 4.0), lonlat(0.0, 0.0), strict=True))
    )
    limits = np.array([150.0, 250.0])
    expected = {("P", 1): 30.0, ("P", 2): 70.0, ("N1", 1): 0.0, ("N1", 2): 100.0, ("N1", 3): 200.0}
    forward = walk_distances(line, origins, nodes(line), limits)  # fewer origins: searches from them
    backward = walk_distances(line, padded(origins, 10), nodes(line), np.concatenate([limits, np.full(10, 1.0)]))
    assert _table(origins, nodes(line), forward) == approx_table(expected)
    assert _table(padded(origins, 10), nodes(line), backward) == approx_table(expected)


# ---------------------------------------------------------------------------------------------------------
# One-way footways
# ---------------------------------------------------------------------------------------------------------

#   4 ---100--- 3
#   |           |        1 -> 2 is a one-way footway (100 m); 2-3, 3-4 and 4-1 are two-way (100 m each).
#  100         100       So 1 -> 2 = 100 m, but 2 -> 1 must go round: 2-3-4-1 = 300 m.
#   |           |
#   1 ---->---- 2
SQUARE = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (100.0, 100.0), 4: (0.0, 100.0)}


@pytest.fixture(scope="module")
def square() -> Network:
    return network_from_graph(build_graph(SQUARE, two_way=[(2, 3), (3, 4), (4, 1)], one_way=[(1, 2)]), METRIC_CRS)


def test_one_way_segment_has_one_direction(square: Network) -> None:
    i = square.index_of_node
    one_way = [s for s in range(len(square.seg_u)) if {square.seg_u[s], square.seg_v[s]} == {i[1], i[2]}]
    assert len(one_way) == 1
    s = one_way[0]
    assert (square.seg_u[s], square.seg_v[s]) == (i[1], i[2])
    assert square.seg_forward[s] and not square.seg_backward[s]
    assert square.csr[i[1], i[2]] == 100.0 and square.csr[i[2], i[1]] == 0.0
    assert square.csr_reverse[i[2], i[1]] == 100.0 and square.csr_reverse[i[1], i[2]] == 0.0


def test_one_way_footway_between_nodes_forces_the_detour(square: Network) -> None:
    table = walk(square, nodes(square), nodes(square))
    assert table[(1, 2)] == pytest.approx(100.0)
    assert table[(2, 1)] == pytest.approx(300.0)  # 2-3-4-1
    assert table[(1, 3)] == pytest.approx(200.0)  # 1-2-3 or 1-4-3, both 200
    assert table[(3, 1)] == pytest.approx(200.0)  # 3-4-1


def test_points_on_a_one_way_footway(square: Network) -> None:
    # P = (30, -4) and Q = (80, -4) lie on the one-way 1 -> 2, at 30 m and 80 m from node 1.
    # Leaving P: only towards 2 (70 m). Reaching P: only from 1 (30 m).
    #   P->2 = 70       P->3 = 70 + 100 = 170      P->1 = 70 + 300 = 370     P->Q = 50 (direct, with the flow)
    #   1->P = 30       3->P = 200 + 30 = 230      2->P = 300 + 30 = 330     Q->P = 20 + 300 + 30 = 350
    pts = places(square, {"P": (30.0, -4.0), "Q": (80.0, -4.0)})
    assert walk(square, pts, nodes(square)) == approx_table(
        {("P", 1): 370.0, ("P", 2): 70.0, ("P", 3): 170.0, ("P", 4): 270.0,
         ("Q", 1): 320.0, ("Q", 2): 20.0, ("Q", 3): 120.0, ("Q", 4): 220.0}
    )  # fmt: skip
    assert walk(square, nodes(square), pts) == approx_table(
        {(1, "P"): 30.0, (2, "P"): 330.0, (3, "P"): 230.0, (4, "P"): 130.0,
         (1, "Q"): 80.0, (2, "Q"): 380.0, (3, "Q"): 280.0, (4, "Q"): 180.0}
    )  # fmt: skip
    table = walk(square, pts, pts)
    assert table[("P", "Q")] == pytest.approx(50.0)
    assert table[("Q", "P")] == pytest.approx(350.0)


def test_one_way_footway_without_detour_is_unreachable_backwards() -> None:
    # 1 -> 2 only (100 m): 1->2 has a row, 2->1 has none; P at 30 m reaches 2 (70 m) but not 1.
    network = network_from_graph(build_graph({1: (0.0, 0.0), 2: (100.0, 0.0)}, one_way=[(1, 2)]), METRIC_CRS)
    assert walk(network, nodes(network), nodes(network)) == approx_table({(1, 1): 0.0, (1, 2): 100.0, (2, 2): 0.0})
    p = places(network, {"P": (30.0, 3.0)})
    assert walk(network, p, nodes(network)) == approx_table({("P", 2): 70.0})
    assert walk(network, nodes(network), p) == approx_table({(1, "P"): 30.0})


# ---------------------------------------------------------------------------------------------------------
# Disconnected components, parallel edges
# ---------------------------------------------------------------------------------------------------------


def test_disconnected_components_have_no_rows() -> None:
    # 1 -100- 2          5 -100- 6      (900 m of nothing in between)
    graph = build_graph({1: (0.0, 0.0), 2: (100.0, 0.0), 5: (1000.0, 0.0), 6: (1100.0, 0.0)}, two_way=[(1, 2), (5, 6)])
    network = network_from_graph(graph, METRIC_CRS)
    expected = {(1, 1): 0.0, (1, 2): 100.0, (2, 1): 100.0, (2, 2): 0.0}
    expected |= {(5, 5): 0.0, (5, 6): 100.0, (6, 5): 100.0, (6, 6): 0.0}
    assert walk(network, nodes(network), nodes(network), max_m=1e6) == approx_table(expected)
    # A point next to street 5-6 (20 m from 5) reaches only 5 and 6.
    p = places(network, {"P": (1020.0, 5.0)})
    assert walk(network, p, nodes(network), max_m=1e6) == approx_table({("P", 5): 20.0, ("P", 6): 80.0})


def test_parallel_edges_use_the_shorter() -> None:
    #   +----200 m----+      the long street 1-2 goes round by (0, 50) and (100, 50): 50 + 100 + 50 = 200 m;
    #   |             |      it is added first (key 0), the straight 100 m street second (key 1).
    #   1 ----100---- 2
    graph = build_graph({1: (0.0, 0.0), 2: (100.0, 0.0)}, two_way=[(1, 2, [(0.0, 50.0), (100.0, 50.0)]), (1, 2)])
    assert sorted(d["length"] for _, _, d in graph.edges(data=True)) == [100.0, 100.0, 200.0, 200.0]
    network = network_from_graph(graph, METRIC_CRS)
    i = network.index_of_node
    assert sorted(network.seg_length.tolist()) == [100.0, 200.0]
    for adjacency in (network.csr, network.csr_reverse):
        assert adjacency[i[1], i[2]] == 100.0 and adjacency[i[2], i[1]] == 100.0
    assert walk(network, nodes(network), nodes(network)) == approx_table(
        {(1, 1): 0.0, (1, 2): 100.0, (2, 1): 100.0, (2, 2): 0.0}
    )
    # P = (50, 53) is 3 m from the long street, half-way along it: 100 m to either node (not 50 via the short one).
    # Q = (50, -3) is on the short street: 50 m to either node. P->Q = 100 + 50 = 150.
    pts = places(network, {"P": (50.0, 53.0), "Q": (50.0, -3.0)})
    assert network.seg_length[pts.segment[0]] == 200.0 and network.seg_length[pts.segment[1]] == 100.0
    assert walk(network, pts, nodes(network)) == approx_table(
        {("P", 1): 100.0, ("P", 2): 100.0, ("Q", 1): 50.0, ("Q", 2): 50.0}
    )
    assert walk(network, pts, pts) == approx_table(
        {("P", "P"): 0.0, ("Q", "Q"): 0.0, ("P", "Q"): 150.0, ("Q", "P"): 150.0}
    )


# ---------------------------------------------------------------------------------------------------------
# Snapping distance limit
# ---------------------------------------------------------------------------------------------------------


def test_point_farther_than_max_distance_is_not_snapped_and_is_reported() -> None:
    # Street 1-2 along y = 0. N = (50, 400) is 400 m away, F = (50, 600) 600 m away; limit 500 m.
    network = network_from_graph(build_graph({1: (0.0, 0.0), 2: (100.0, 0.0)}, two_way=[(1, 2)]), METRIC_CRS)
    pts = places(network, {"N": (50.0, 400.0), "F": (50.0, 600.0)}, max_distance=500.0)
    assert pts.ok.tolist() == [True, False]
    assert pts.snap_distance[0] == pytest.approx(400.0, abs=1e-6)
    report = pts.unsnapped()
    assert report["id"].tolist() == ["F"]
    assert report["snap_distance"].iloc[0] == pytest.approx(600.0, abs=1e-6)
    # F is in no row, from either side; N walks 50 m along the street to either end (the 400 m off it is not counted).
    assert walk(network, pts, nodes(network)) == approx_table({("N", 1): 50.0, ("N", 2): 50.0})
    assert walk(network, nodes(network), pts) == approx_table({(1, "N"): 50.0, (2, "N"): 50.0})
    assert walk(network, pts, pts) == approx_table({("N", "N"): 0.0})
    table = times(network, pts, pts, 3600, ADULT)
    assert "F" not in {key for pair in table for key in pair}
    # With a larger limit F is snapped.
    assert places(network, {"F": (50.0, 600.0)}, max_distance=700.0).ok.tolist() == [True]


# ---------------------------------------------------------------------------------------------------------
# Cutoffs and profiles
# ---------------------------------------------------------------------------------------------------------


def test_cutoff_is_inclusive(line: Network) -> None:
    # At 1.25 m/s: nodes 2, 3, 4 are 80, 160, 240 s from node 1. Cutoff 240 s = 300 m exactly: node 4 is in.
    one = nodes(line, [1])
    assert times(line, one, nodes(line), 240.0, EXACT) == pytest.approx(
        {(1, 1): 0.0, (1, 2): 80.0, (1, 3): 160.0, (1, 4): 240.0}, abs=1e-9
    )
    assert times(line, one, nodes(line), 239.99, EXACT) == pytest.approx(
        {(1, 1): 0.0, (1, 2): 80.0, (1, 3): 160.0}, abs=1e-9
    )
    # walk_distances too: a node exactly at max_metres is in.
    assert walk(line, one, nodes(line), max_m=200.0) == approx_table({(1, 1): 0.0, (1, 2): 100.0, (1, 3): 200.0})


def test_cutoff_zero_keeps_only_zero_length_walks(line: Network) -> None:
    assert times(line, nodes(line, [1, 2]), nodes(line), 0.0, ADULT) == {(1, 1): 0.0, (2, 2): 0.0}


def test_travel_time_is_distance_over_profile_speed(line: Network) -> None:
    # 300 m: 300 / 1.1 = 272.7 s for an 8-year-old, 300 / 1.3 = 230.8 s for a 15-year-old.
    child, teen = profile_for_age(8), profile_for_age(15)
    assert (child.speed_m_s, child.max_walk_m) == (1.1, 1000)
    assert (teen.speed_m_s, teen.max_walk_m) == (1.3, None)
    assert profile_for_age(40) is ADULT
    one = nodes(line, [1])
    slow = times(line, one, nodes(line), 3600, child)
    fast = times(line, one, nodes(line), 3600, teen)
    assert slow == pytest.approx({(1, n): 100.0 * (n - 1) / 1.1 for n in LINE}, abs=1e-9)
    assert fast == pytest.approx({(1, n): 100.0 * (n - 1) / 1.3 for n in LINE}, abs=1e-9)
    for key in slow:
        assert slow[key] * 1.1 == pytest.approx(fast[key] * 1.3, abs=1e-9)
    # The same cutoff in time reaches less far at a slower speed: 200 s = 220 m at 1.1 m/s, 260 m at 1.3 m/s.
    assert set(times(line, one, nodes(line), 200, child)) == {(1, 1), (1, 2), (1, 3)}
    assert set(times(line, one, nodes(line), 200, teen)) == {(1, 1), (1, 2), (1, 3)}
    assert set(times(line, one, nodes(line), 240, teen)) == {(1, 1), (1, 2), (1, 3), (1, 4)}  # 312 m
    assert set(times(line, one, nodes(line), 240, child)) == {(1, 1), (1, 2), (1, 3)}  # 264 m


def test_max_walk_bounds_the_search() -> None:
    # Nodes 0..15 every 100 m. An hour at 1.1 m/s is 3,960 m, but 6-10 year-olds walk at most 1,000 m alone:
    # nodes 0..10 (1,000 m included), not 11..15. Adults (no limit, 4,680 m in an hour) reach all 16.
    chain = {k: (100.0 * k, 0.0) for k in range(16)}
    network = network_from_graph(build_graph(chain, two_way=[(k, k + 1) for k in range(15)]), METRIC_CRS)
    child = profile_for_age(8)
    assert child.metres_in(3600) == 1000.0
    reached = times(network, nodes(network, [0]), nodes(network), 3600, child)
    assert reached == pytest.approx({(0, k): 100.0 * k / 1.1 for k in range(11)}, abs=1e-9)
    assert len(times(network, nodes(network, [0]), nodes(network), 3600, ADULT)) == 16


# ---------------------------------------------------------------------------------------------------------
# Reach from a point, and routes
# ---------------------------------------------------------------------------------------------------------

#   1 ---100--- 2 ---100--- 3
#                           |          all two-way, straight
#                          100
#                           |
#                           4
CORNER = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (200.0, 0.0), 4: (200.0, -100.0), 9: (900.0, 0.0), 10: (1000.0, 0.0)}


@pytest.fixture(scope="module")
def corner() -> Network:
    graph = build_graph(CORNER, two_way=[(1, 2), (2, 3), (3, 4), (9, 10)])
    return network_from_graph(graph, METRIC_CRS)


def _destinations(network: Network) -> Locations:
    # R: street 1-2 at 80 m from 1; Q: street 3-4 at 60 m from 3; Z: on the far street 9-10.
    return places(network, {"R": (80.0, -2.0), "Q": (204.0, -60.0), "Z": (950.0, 3.0), "N4": (200.0, -100.0)})


def test_reach_agrees_with_travel_times(corner: Network, square: Network) -> None:
    # From O = (30, 3) on street 1-2 (30 m from node 1): R = 50 (direct), Q = 70 + 100 + 60 = 230,
    # N4 = 70 + 100 + 100 = 270, Z unreachable.
    lon, lat = lonlat(30.0, 3.0)
    reach = reach_from_point(corner, lon, lat, 3600, ADULT)
    dest = _destinations(corner)
    from_reach = travel_times_from_reach(reach, dest)
    assert from_reach["from_id"].tolist() == ["origin"] * 3
    assert dict(zip(from_reach["to_id"], from_reach["travel_time"] * ADULT.speed_m_s, strict=True)) == pytest.approx(
        {"R": 50.0, "Q": 230.0, "N4": 270.0}, abs=1e-6
    )
    origin = places(corner, {"origin": (30.0, 3.0)})
    assert dict(zip(from_reach["to_id"], from_reach["travel_time"], strict=True)) == pytest.approx(
        {t: s for (_, t), s in times(corner, origin, dest, 3600, ADULT).items()}, abs=1e-9
    )
    # On the one-way square, from P on the one-way footway (see test_points_on_a_one_way_footway).
    lon, lat = lonlat(30.0, -4.0)
    reach = reach_from_point(square, lon, lat, 3600, ADULT)
    both = nodes(square)
    from_reach = travel_times_from_reach(reach, both)
    expected = times(square, places(square, {"origin": (30.0, -4.0)}), both, 3600, ADULT)
    assert dict(zip(from_reach["to_id"], from_reach["travel_time"], strict=True)) == pytest.approx(
        {t: s for (_, t), s in expected.items()}, abs=1e-9
    )
    # A short cutoff: 80 s at 1.25 m/s = 100 m reaches node 2 (70 m) and nothing else.
    reach = reach_from_point(square, lon, lat, 80, EXACT)
    assert travel_times_from_reach(reach, both)["to_id"].tolist() == [2]


def test_reach_from_a_point_off_the_network_raises(corner: Network) -> None:
    lon, lat = lonlat(500.0, 800.0)
    with pytest.raises(PointNotOnNetworkError, match="nearest walkable street"):
        reach_from_point(corner, lon, lat, 600, max_snap_m=500)


def test_routes_follow_the_walk_on_straight_streets(corner: Network) -> None:
    lon, lat = lonlat(30.0, 3.0)
    reach = reach_from_point(corner, lon, lat, 3600, ADULT)
    dest = _destinations(corner)
    expected = {"R": 50.0, "Q": 230.0, "N4": 270.0}
    for k, place in enumerate(dest.ids):
        route = route_from_reach(reach, dest, k)
        if place == "Z":
            assert route is None  # another component
            continue
        assert route is not None
        assert metric_length(route) == pytest.approx(expected[place], rel=0.01)
        # It starts at the snapped origin (30, 0) and ends at the snapped destination.
        assert local_xy(*route.coords[0]) == pytest.approx((30.0, 0.0), abs=1e-6)
        end = {"R": (80.0, 0.0), "Q": (200.0, -60.0), "N4": (200.0, -100.0)}[place]
        assert local_xy(*route.coords[-1]) == pytest.approx(end, abs=1e-6)
    # Beyond the cutoff (100 m at 1.25 m/s): no route to Q.
    short = reach_from_point(corner, lon, lat, 80, EXACT)
    assert route_from_reach(short, dest, int(np.flatnonzero(dest.ids == "Q")[0])) is None


def test_route_to_the_origin_itself_is_a_line(corner: Network) -> None:
    # D is the origin O = (30, 3) itself: 0 m, 0 s. The route is a (degenerate) line, as for every other place.
    reach = reach_from_point(corner, *lonlat(30.0, 3.0), 600, ADULT)
    here = places(corner, {"D": (30.0, 3.0)})
    assert travel_times_from_reach(reach, here)["travel_time"].tolist() == [0.0]
    route = route_from_reach(reach, here, 0)
    assert isinstance(route, shapely.LineString)


#   (0,100) ---100--- 2 ---100--- 3         street 1-2 is an L (one curved segment of 200 m):
#      |                                    from node 1 = (0, 0) north to (0, 100), then east to node 2;
#     100                                   street 2-3 is straight, 100 m.
#      |
#      1
L_SHAPE = {1: (0.0, 0.0), 2: (100.0, 100.0), 3: (200.0, 100.0)}


@pytest.fixture(scope="module")
def l_shape() -> Network:
    return network_from_graph(build_graph(L_SHAPE, two_way=[(1, 2, [(0.0, 100.0)]), (2, 3)]), METRIC_CRS)


def test_walks_follow_a_curved_segment(l_shape: Network) -> None:
    # P = (-4, 50) is on the L's first leg, 50 m from node 1 and 150 m from node 2 along the street:
    # P->1 = 50, P->2 = 150, P->3 = 250. O = (200, 104) is at node 3's end of street 2-3.
    pts = places(l_shape, {"P": (-4.0, 50.0), "O": (200.0, 104.0)})
    assert walk(l_shape, pts, nodes(l_shape)) == approx_table(
        {("P", 1): 50.0, ("P", 2): 150.0, ("P", 3): 250.0, ("O", 1): 300.0, ("O", 2): 100.0, ("O", 3): 0.0}
    )


@pytest.mark.parametrize(("origin", "destination", "metres"), [((-4.0, 50.0), (200.0, 104.0), 250.0),
                                                              ((200.0, 104.0), (-4.0, 50.0), 250.0)])  # fmt: skip
def test_route_on_a_curved_segment_has_the_walk_length(
    l_shape: Network, origin: XY, destination: XY, metres: float
) -> None:
    # From P = (-4, 50): 150 m along the L to node 2, then 100 m to node 3 = 250 m (and back the same).
    # The route drawn goes straight from (0, 50) to node 2 (111.8 m): 211.8 m in all, 15% short.
    reach = reach_from_point(l_shape, *lonlat(*origin), 3600, ADULT)
    dest = places(l_shape, {"D": destination})
    tt = travel_times_from_reach(reach, dest)
    assert tt["travel_time"].iloc[0] * ADULT.speed_m_s == pytest.approx(metres, abs=1e-6)
    route = route_from_reach(reach, dest, 0)
    assert route is not None
    assert metric_length(route) == pytest.approx(metres, rel=0.01)


# ---------------------------------------------------------------------------------------------------------
# Self-loops (a street that leaves a junction and comes back to it, as osmnx stores cul-de-sac rings)
# ---------------------------------------------------------------------------------------------------------

#   (100,100) ---100--- (200,100)
#       |                   |          the ring leaves node 2 north and comes back from the east: 400 m,
#      100                 100         stored as osmnx does: edge (2, 2, key 0) one way round and
#       |                   |          edge (2, 2, key 1) with the reversed geometry, same length.
#   1 --100-- 2 ---100--- (200,0)
RING_VIA = [(100.0, 100.0), (200.0, 100.0), (200.0, 0.0)]


@pytest.fixture(scope="module")
def ring() -> Network:
    graph = build_graph({1: (0.0, 0.0), 2: (100.0, 0.0)}, two_way=[(1, 2), (2, 2, RING_VIA)])
    assert sorted(k for _, v, k in graph.edges(2, keys=True) if v == 2) == [0, 1]
    return network_from_graph(graph, METRIC_CRS)


def test_points_on_a_ring_walk_the_short_way_to_its_junction(ring: Network) -> None:
    # A = (96, 20) is 20 m up the ring's first leg from node 2; B = (120, -4) is 20 m along its last leg from 2.
    # Both are 20 m from node 2 and 120 m from node 1, in both directions (the ring is two-way).
    pts = places(ring, {"A": (96.0, 20.0), "B": (120.0, -4.0)})
    assert [ring.seg_u[s] == ring.seg_v[s] for s in pts.segment] == [True, True]
    expected = {"A": {1: 120.0, 2: 20.0}, "B": {1: 120.0, 2: 20.0}}
    assert walk(ring, pts, nodes(ring)) == approx_table(
        {(p, n): m for p, row in expected.items() for n, m in row.items()}
    )
    assert walk(ring, nodes(ring), pts) == approx_table(
        {(n, p): m for p, row in expected.items() for n, m in row.items()}
    )


def test_two_way_ring_segment_seeds_are_not_summed() -> None:
    # The same ring as a Network built directly with one two-way loop segment (as the Network docs allow).
    crs = pyproj.CRS(METRIC_CRS)
    ring = [(X0 + 100, Y0)] + [(X0 + x, Y0 + y) for x, y in RING_VIA] + [(X0 + 100, Y0)]
    geometry = np.array([shapely.LineString([(X0, Y0), (X0 + 100, Y0)]), shapely.LineString(ring)], dtype=object)
    network = Network(
        node_ids=np.array([1, 2]), x=np.array([X0, X0 + 100]), y=np.array([Y0, Y0]), crs=crs,
        seg_u=np.array([0, 1]), seg_v=np.array([1, 1]), seg_length=np.array([100.0, 400.0]),
        seg_forward=np.array([True, True]), seg_backward=np.array([True, True]), seg_geometry=geometry,
    )  # fmt: skip
    pts = places(network, {"A": (96.0, 20.0), "B": (120.0, -4.0)})
    # From node 1: 100 m to node 2, then 20 m along the ring to A or B. (Searching from A and B themselves, where
    # the seeds are a list, is right; searching from node 1 and joining through A's and B's seed matrix is not.)
    one = nodes(network, [1])
    o_idx, d_idx, metres = walk_distances(network, one, pts, 1000.0)
    assert dict(zip(pts.ids[d_idx], metres, strict=True)) == pytest.approx({"A": 120.0, "B": 120.0}, abs=1e-6)
