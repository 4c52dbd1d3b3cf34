"""Walking distances on the real Porto Alegre and São Paulo walk graphs, against networkx (routing.*).

Plain pytest, no Django. Each city's walk graph is read once per module from the shared extract. The independent
reference is :func:`networkx.single_source_dijkstra_path_length` on a DiGraph holding the shortest of parallel
edges; for points snapped mid-street, the reference adds by hand the walk along the street to its end nodes,
measured on the graph edge's own geometry projected here. Run with ``-s`` to see how many pairs were compared
and the largest difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from data_sources.osm import graph_from_osm_file
from routing.network import Network, network_from_graph
from routing.profiles import ADULT
from routing.reach import reach_from_point, route_from_reach, travel_times_from_reach
from routing.snapping import DEFAULT_MAX_SNAP_M, Locations, locations_from_nodes, locations_from_points
from routing.travel_times import travel_times, walk_distances

#: city folder -> (walk graph extract, hexagonal grid, metric CRS)
CITIES = {
    "porto_alegre": ("poa_osm.pbf", "poa_hexgrid.csv", 31982),
    "sao_paulo": ("spo_osm.pbf", "spo_hexgrid.csv", 31983),
}
MAX_M = 3_000.0
SAMPLE = 30
SEED = 20_240_611
TOLERANCE_M = 1e-6

Pair = tuple[object, object]


@dataclass(eq=False)
class City:
    name: str
    graph: nx.MultiDiGraph
    network: Network
    cells: pd.DataFrame
    places: Locations
    to_metric: pyproj.Transformer
    digraph: nx.DiGraph = field(init=False)
    _lines: dict[tuple[int, int, int], shapely.LineString] = field(init=False, default_factory=dict)
    _forward: dict[int, dict[int, float]] = field(init=False, default_factory=dict)
    _backward: dict[int, dict[int, float]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # The reference graph: one edge per ordered node pair, the shortest of the parallel ones.
        self.digraph = nx.DiGraph()
        self.digraph.add_nodes_from(self.graph.nodes)
        for u, v, length in self.graph.edges(data="length"):
            if u != v and (not self.digraph.has_edge(u, v) or length < self.digraph[u][v]["length"]):
                self.digraph.add_edge(u, v, length=length)

    def distances_from(self, node: int) -> dict[int, float]:
        """networkx distances from ``node`` within MAX_M (cached)."""
        if node not in self._forward:
            self._forward[node] = nx.single_source_dijkstra_path_length(self.digraph, node, MAX_M, weight="length")
        return self._forward[node]

    def distances_to(self, node: int) -> dict[int, float]:
        """networkx distances to ``node`` within MAX_M (searching the reversed graph; cached)."""
        if node not in self._backward:
            reverse = self.digraph.reverse(copy=False)
            self._backward[node] = nx.single_source_dijkstra_path_length(reverse, node, MAX_M, weight="length")
        return self._backward[node]

    def edge_line(self, u: int, v: int, key: int) -> shapely.LineString:
        """The graph edge's geometry (or the straight line between its nodes), projected here to metres."""
        if (u, v, key) not in self._lines:
            data = self.graph.edges[u, v, key]
            if "geometry" in data:
                lon, lat = np.asarray(data["geometry"].coords).T
            else:
                nodes = self.graph.nodes
                lon, lat = np.array([nodes[u]["x"], nodes[v]["x"]]), np.array([nodes[u]["y"], nodes[v]["y"]])
            x, y = self.to_metric.transform(lon, lat)
            self._lines[(u, v, key)] = shapely.LineString(np.column_stack([x, y]))
        return self._lines[(u, v, key)]


@pytest.fixture(scope="module", params=list(CITIES))
def city(request: pytest.FixtureRequest, data_dir: Path) -> City:
    pbf, grid, epsg = CITIES[request.param]
    folder = data_dir / request.param
    graph = graph_from_osm_file(folder / pbf)
    network = network_from_graph(graph, epsg)
    cells = pd.read_csv(folder / grid)
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    return City(request.param, graph, network, cells, places, pyproj.Transformer.from_crs(4326, epsg, always_xy=True))


# ---------------------------------------------------------------------------------------------------------
# Helpers: engine tables, the hand-made reference for snapped places, comparison
# ---------------------------------------------------------------------------------------------------------


def engine_table(origins: Locations, destinations: Locations, network: Network) -> dict[Pair, float]:
    o_idx, d_idx, metres = walk_distances(network, origins, destinations, MAX_M)
    return {(origins.ids[o], destinations.ids[d]): m for o, d, m in zip(o_idx, d_idx, metres, strict=True)}


def compare(name: str, what: str, found: Mapping[Pair, float], expected: Mapping[Pair, float]) -> None:
    """Same reachable pairs (up to rounding at MAX_M itself) and distances within TOLERANCE_M."""
    stray = {
        pair: found.get(pair, expected.get(pair))
        for pair in found.keys() ^ expected.keys()
        if abs(found.get(pair, expected.get(pair, 0.0)) - MAX_M) > TOLERANCE_M
    }
    assert not stray, f"{len(stray)} {what} pairs reachable on one side only, e.g. {list(stray.items())[:5]}"
    common = sorted(found.keys() & expected.keys(), key=str)
    difference = np.abs(np.array([found[p] for p in common]) - np.array([expected[p] for p in common]))
    worst = int(np.argmax(difference))
    print(f"\n{name}: {len(common):,} {what} pairs compared, largest difference {difference[worst]:.2e} m")
    assert len(common) > 1_000
    assert difference[worst] <= TOLERANCE_M, f"{common[worst]}: {found[common[worst]]} != {expected[common[worst]]}"


@dataclass(frozen=True)
class Snapped:
    """A place on a street, worked out by hand: its street (graph edge u->v) and the metres to each end."""

    segment: int
    u: int
    v: int
    to_u: float
    to_v: float
    u_to_v: bool  # the street can be walked from u to v
    v_to_u: bool

    @property
    def exits(self) -> list[tuple[int, float]]:
        """Nodes a walk leaving the place reaches first, with the metres to them."""
        return [(n, m) for n, m, ok in ((self.u, self.to_u, self.v_to_u), (self.v, self.to_v, self.u_to_v)) if ok]

    @property
    def entries(self) -> list[tuple[int, float]]:
        """Nodes a walk arriving at the place comes from, with the metres from them."""
        return [(n, m) for n, m, ok in ((self.u, self.to_u, self.u_to_v), (self.v, self.to_v, self.v_to_u)) if ok]

    def direct_to(self, other: Snapped) -> float | None:
        """The walk along the street to a place on the same street, if the street allows it."""
        if other.segment != self.segment:
            return None
        ahead = other.to_u >= self.to_u  # towards v
        return abs(other.to_u - self.to_u) if (self.u_to_v if ahead else self.v_to_u) else None


def snapped_by_hand(city: City, i: int) -> Snapped:
    """Place ``i`` of ``city.places`` on the graph edge the engine chose, with offsets measured here."""
    net = city.network
    s = int(city.places.segment[i])
    u, v, length = int(net.node_ids[net.seg_u[s]]), int(net.node_ids[net.seg_v[s]]), float(net.seg_length[s])
    point = shapely.Point(city.to_metric.transform(city.cells["lon"].iloc[i], city.cells["lat"].iloc[i]))
    # The graph edge u->v of that length nearest the point (a parallel street of the same length is another edge).
    candidates = [k for k, data in city.graph[u][v].items() if abs(data["length"] - length) < 1e-6]
    key = min(candidates, key=lambda k: city.edge_line(u, v, k).distance(point))
    line = city.edge_line(u, v, key)
    along = line.project(point, normalized=True) * length

    def walkable(a: int, b: int) -> bool:
        if a == b:  # a ring: walkable backwards when its reversed twin (another key, same length) exists
            return sum(abs(d["length"] - length) < 1e-6 for d in city.graph[a][b].values()) >= 2
        return city.graph.has_edge(a, b) and any(abs(d["length"] - length) < 1e-6 for d in city.graph[a][b].values())

    return Snapped(s, u, v, along, length - along, walkable(u, v), walkable(v, u))


def reference_from(city: City, origin: Snapped, targets: Mapping[object, Snapped], origin_id: object) -> dict:
    """Distances from one snapped place to snapped targets: exits + networkx + entries, or the direct walk."""
    return _reference(city, origin, targets, origin_id, forward=True)


def reference_to(city: City, target: Snapped, sources: Mapping[object, Snapped], target_id: object) -> dict:
    """Distances from snapped places to one snapped target, searching backwards from the target's entries."""
    return _reference(city, target, sources, target_id, forward=False)


def _reference(city: City, one: Snapped, others: Mapping[object, Snapped], one_id: object, *, forward: bool) -> dict:
    """Distances between ``one`` and each of ``others`` (from ``one`` when ``forward``, else to it) within MAX_M."""
    if forward:
        reached = [(city.distances_from(a), cost) for a, cost in one.exits]
    else:
        reached = [(city.distances_to(b), cost) for b, cost in one.entries]
    table = {}
    for other_id, other in others.items():
        legs = other.entries if forward else other.exits
        best = min(
            (cost + dist[node] + cost_leg for dist, cost in reached for node, cost_leg in legs if node in dist),
            default=np.inf,
        )
        direct = one.direct_to(other) if forward else other.direct_to(one)
        best = min(best, np.inf if direct is None else direct)
        if best <= MAX_M:
            table[(one_id, other_id) if forward else (other_id, one_id)] = best
    return table


def on_ring(city: City, i: int) -> bool:
    s = city.places.segment[i]
    return bool(city.network.seg_u[s] == city.network.seg_v[s])


# ---------------------------------------------------------------------------------------------------------
# Node to node
# ---------------------------------------------------------------------------------------------------------


def test_node_distances_match_networkx(city: City) -> None:
    net = city.network
    sample = np.random.default_rng(SEED).choice(net.node_ids, SAMPLE, replace=False)
    some, every = locations_from_nodes(net, sample), locations_from_nodes(net)
    # 30 origins, every node as destination: the engine searches forwards from the origins.
    expected = {(s, t): d for s in sample.tolist() for t, d in city.distances_from(s).items()}
    compare(city.name, "node->node (forward search)", engine_table(some, every, net), expected)
    # Every node as origin, 30 destinations: the engine searches backwards from the destinations.
    expected = {(t, s): d for s in sample.tolist() for t, d in city.distances_to(s).items()}
    compare(city.name, "node->node (backward search)", engine_table(every, some, net), expected)


# ---------------------------------------------------------------------------------------------------------
# Snapped hexagon centres
# ---------------------------------------------------------------------------------------------------------


def test_cells_snap_to_the_nearest_street(city: City) -> None:
    """Snapping checked by brute force against every street of the graph, projected here."""
    rng = np.random.default_rng(SEED)
    unsnapped = np.flatnonzero(~city.places.ok)
    sample = np.union1d(rng.choice(len(city.cells), 60, replace=False), unsnapped)
    streets = np.array([city.edge_line(u, v, k) for u, v, k in city.graph.edges(keys=True) if u <= v], dtype=object)
    x, y = city.to_metric.transform(city.cells["lon"].to_numpy()[sample], city.cells["lat"].to_numpy()[sample])
    points = shapely.points(x, y)
    nearest = shapely.distance(points[:, None], streets[None, :]).min(axis=1)
    places = city.places
    assert places.ok[sample].tolist() == (nearest <= DEFAULT_MAX_SNAP_M).tolist()
    np.testing.assert_allclose(places.snap_distance[sample], nearest, atol=TOLERANCE_M)
    ok = places.ok[sample]
    lines = city.network.seg_geometry[places.segment[sample][ok]]
    on_street = shapely.line_interpolate_point(lines, places.fraction[sample][ok], normalized=True)
    np.testing.assert_allclose(shapely.distance(points[ok], on_street), nearest[ok], atol=TOLERANCE_M)
    report = places.unsnapped()
    assert report["id"].tolist() == city.cells["id"].to_numpy()[unsnapped].tolist()
    assert (report["snap_distance"] > DEFAULT_MAX_SNAP_M).all()
    print(f"\n{city.name}: snapping of {len(sample)} cells checked, {len(unsnapped)} farther than 500 m")


def test_snapped_cell_distances_match_networkx(city: City) -> None:
    places = city.places
    # Rings (self-loops) are left out here: see test_places_on_rings_walk_the_short_way_to_their_junction.
    usable = np.flatnonzero(places.ok & ~np.array([places.ok[i] and on_ring(city, i) for i in range(len(places))]))
    sample = np.random.default_rng(SEED).choice(usable, SAMPLE, replace=False)
    by_hand = {places.ids[i]: snapped_by_hand(city, int(i)) for i in usable}
    chosen = {places.ids[i]: by_hand[places.ids[i]] for i in sample}
    everywhere = places.subset(np.isin(np.arange(len(places)), usable))
    few = places.subset(np.isin(np.arange(len(places)), sample))
    print(f"\n{city.name}: {len(places) - len(usable)} cells left out (not snapped, or on a ring)")
    # 30 origins to every cell: forward searches.
    expected: dict = {}
    for origin_id, origin in chosen.items():
        expected |= reference_from(city, origin, by_hand, origin_id)
    compare(city.name, "cell->cell (forward search)", engine_table(few, everywhere, city.network), expected)
    # Every cell to 30 destinations: backward searches.
    expected = {}
    for target_id, target in chosen.items():
        expected |= reference_to(city, target, by_hand, target_id)
    compare(city.name, "cell->cell (backward search)", engine_table(everywhere, few, city.network), expected)


def _ring_points(city: City) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, tuple[int, float]]]:
    """Points 10% and 90% of the way round each ring, with the ring's junction node and the short way to it."""
    net = city.network
    to_lonlat = pyproj.Transformer.from_crs(net.crs, 4326, always_xy=True)
    ids, xs, ys, expected = [], [], [], {}
    for s in np.flatnonzero(net.seg_u == net.seg_v):
        line = net.seg_geometry[s]
        for fraction in (0.1, 0.9):
            point = line.interpolate(fraction, normalized=True)
            place = f"ring{s}-{fraction}"
            ids.append(place)
            xs.append(point.x)
            ys.append(point.y)
            expected[place] = (int(net.node_ids[net.seg_u[s]]), 0.1 * float(net.seg_length[s]))
    lon, lat = to_lonlat.transform(np.array(xs), np.array(ys))
    return ids, lon, lat, expected


def test_places_on_rings_walk_the_short_way_to_their_junction(city: City) -> None:
    # A point 10% of the way round a ring of length L is 0.1 L from the junction, whichever way it is stored.
    ids, lon, lat, expected = _ring_points(city)
    places = locations_from_points(city.network, np.array(ids), lon, lat, max_distance=1.0)
    net = city.network
    keep = np.array([net.seg_u[s] == net.seg_v[s] for s in places.segment])  # another street may coincide
    places = places.subset(keep)
    junctions = locations_from_nodes(net, np.unique([expected[p][0] for p in places.ids]))
    leaving = engine_table(places, junctions, net)
    arriving = engine_table(junctions, places, net)
    wrong = [
        (
            str(p),
            round(float(expected[p][1]), 1),
            round(float(leaving.get((p, expected[p][0]), np.inf)), 1),
            round(float(arriving.get((expected[p][0], p), np.inf)), 1),
        )
        for p in places.ids
        if leaving.get((p, expected[p][0]), np.inf) > expected[p][1] + TOLERANCE_M
        or arriving.get((expected[p][0], p), np.inf) > expected[p][1] + TOLERANCE_M
    ]
    print(
        f"\n{city.name}: {len(wrong)} of {len(places)} ring places go the long way (place, expected, leaving, arriving)"
    )
    print(f"  e.g. {wrong[:2]}")
    assert not wrong


# ---------------------------------------------------------------------------------------------------------
# Reach from a point, and routes
# ---------------------------------------------------------------------------------------------------------


def _reach_sample(city: City) -> np.ndarray:
    return np.random.default_rng(SEED + 1).choice(np.flatnonzero(city.places.ok), 5, replace=False)


def test_reach_agrees_with_travel_times(city: City) -> None:
    cutoff_s = 1_800.0  # 2,340 m at 1.3 m/s
    n_pairs = 0
    for i in _reach_sample(city):
        lon, lat = city.cells["lon"].iloc[i], city.cells["lat"].iloc[i]
        from_reach = travel_times_from_reach(reach_from_point(city.network, lon, lat, cutoff_s), city.places)
        origin = city.places.subset(np.arange(len(city.places)) == i)
        table = travel_times(city.network, origin, city.places, cutoff_s)
        assert dict(zip(from_reach["to_id"], from_reach["travel_time"], strict=True)) == pytest.approx(
            dict(zip(table["to_id"], table["travel_time"], strict=True)), abs=1e-9
        )
        n_pairs += len(table)
    print(f"\n{city.name}: reach and travel_times agree on {n_pairs} pairs")
    assert n_pairs > 100


def _route_errors(city: City, *, curved: bool) -> tuple[int, list[tuple]]:
    """Routes from 5 cells on straight (or curved) streets to up to 40 reached cells, with their walk lengths.

    From straight streets only destinations on straight streets are kept. Returns the number of routes checked
    and those whose length is off the travel distance by more than 1%.
    """
    net, places = city.network, city.places
    straight = np.array([len(g.coords) == 2 for g in net.seg_geometry])
    on_straight = places.ok & straight[places.segment.clip(min=0)]
    starts = np.flatnonzero(places.ok & ~on_straight) if curved else np.flatnonzero(on_straight)
    checked, errors = 0, []
    for i in np.random.default_rng(SEED + 2).choice(starts, 5, replace=False):
        reach = reach_from_point(net, city.cells["lon"].iloc[i], city.cells["lat"].iloc[i], 1_200.0)
        table = travel_times_from_reach(reach, places if curved else places.subset(on_straight))
        table = table[table["travel_time"] > 0].head(40)
        for to_id, seconds in zip(table["to_id"], table["travel_time"], strict=True):
            route = route_from_reach(reach, places, int(np.flatnonzero(places.ids == to_id)[0]))
            assert route is not None
            metres = seconds * ADULT.speed_m_s
            length = shapely.transform(
                route, lambda xy: np.column_stack(city.to_metric.transform(xy[:, 0], xy[:, 1]))
            ).length
            checked += 1
            if abs(length - metres) > 0.01 * metres:
                errors.append((str(places.ids[i]), str(to_id), round(metres, 1), round(length, 1)))
    return checked, errors


def test_routes_between_straight_streets_have_the_walk_length(city: City) -> None:
    checked, errors = _route_errors(city, curved=False)
    print(f"\n{city.name}: {checked} routes between straight streets checked")
    assert checked > 50
    assert not errors, errors[:5]


def test_routes_from_curved_streets_have_the_walk_length(city: City) -> None:
    checked, errors = _route_errors(city, curved=True)
    print(f"\n{city.name}: {len(errors)} of {checked} routes off by more than 1%, e.g. {errors[:3]}")
    assert not errors
