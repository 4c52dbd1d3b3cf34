"""Batches by area and the places within reach (routing.area_batches), on hand-built graphs worked out by hand.

A distributed batch gets only the places of the other side "within reach"; these tests check that the bound keeps
every place a walk can reach (also across a street recorded shorter than the straight line between its ends) and
drops the far ones, and that a Hilbert order keeps consecutive places next to each other.
"""

from __future__ import annotations

import numpy as np
import pytest

from data_sources.errors import InvalidRequestError
from routing.area_batches import area_batches, hilbert_keys, length_ratio, reach_bound, seed_points, within_reach
from routing.network import network_from_graph
from routing.travel_times import walk_distances
from tests.test_routing_hand_built import METRIC_CRS, build_graph, places


def test_hilbert_keys_on_a_2x2_and_a_4x4_grid() -> None:
    # The first-order curve visits (0,0), (0,1), (1,1), (1,0) in that order.
    assert hilbert_keys(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0]), bits=1).tolist() == [0, 1, 2, 3]
    x, y = np.meshgrid(np.arange(4), np.arange(4))
    keys = hilbert_keys(x.ravel(), y.ravel(), bits=2)
    assert sorted(keys.tolist()) == list(range(16))
    order = np.argsort(keys)
    steps = np.abs(np.diff(x.ravel()[order])) + np.abs(np.diff(y.ravel()[order]))
    assert (steps == 1).all()  # each next cell is a neighbour of the last


def test_batches_hold_every_place_once_nearby_first_unsnapped_last() -> None:
    # A 3 km straight street with places every 100 m, given in a shuffled order, and one place off the network.
    network = network_from_graph(build_graph({1: (0, 0), 2: (3000, 0)}, two_way=[(1, 2)]), METRIC_CRS)
    xs = np.random.default_rng(3).permutation(np.arange(50, 3000, 100))
    points = {f"p{int(x)}": (float(x), 5.0) for x in xs} | {"far": (1500.0, 900.0)}
    at = places(network, points)
    batches = area_batches(network, at, 10)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(at))) and len(flat) == len(at)
    assert at.ids[flat[-1]] == "far"
    # All places sit on one segment (same seed nodes): a batch of 10 holds 10 places, the last the unsnapped one.
    assert [len(b) for b in batches] == [10, 10, 10, 1]
    with pytest.raises(InvalidRequestError):
        area_batches(network, at, 0)


def test_a_street_shorter_than_its_ends_lengthens_the_reach() -> None:
    # 1 -(1000 m)- 2 -(recorded 100 m, 1000 m apart: a tunnel or a data error)- 3
    graph = build_graph({1: (0, 0), 2: (1000, 0), 3: (2000, 0)}, two_way=[(1, 2), (2, 3)])
    for u, v in ((2, 3), (3, 2)):
        graph.edges[u, v, 0]["length"] = 100.0
    network = network_from_graph(graph, METRIC_CRS)
    assert length_ratio(network) == pytest.approx(0.1)
    a = places(network, {"a": (10.0, 5.0)})
    b = places(network, {"b": (1990.0, 5.0), "c": (1500.0, 5.0)})
    # a → 2: 990 m, then 99 % (b) or 50 % (c) of the 100 m street: 1089 m and 1040 m on foot, 1980 m apart.
    _, d_idx, metres = walk_distances(network, a, b, 1200.0)
    assert dict(zip(b.ids[d_idx], np.round(metres, 6), strict=True)) == {"b": 1089.0, "c": 1040.0}
    reach = reach_bound(network, 1200.0)
    assert reach >= 12_000.0
    near = within_reach(network, a, np.array([0]), seed_points(network, b), len(b), reach)
    assert near.tolist() == [True, True]


def test_far_places_are_left_out_and_reachable_ones_kept() -> None:
    # A 10 km straight street (ratio 1): from a place at 10 m, a 1,000 m walk cannot reach 9,000 m; 500 m is reached.
    network = network_from_graph(
        build_graph({1: (0, 0), 2: (1000, 0), 3: (9000, 0), 4: (10000, 0)}, two_way=[(1, 2), (2, 3), (3, 4)]),
        METRIC_CRS,
    )
    assert length_ratio(network) == pytest.approx(1.0)
    a = places(network, {"a": (10.0, 5.0)})
    others = places(network, {"near": (500.0, 5.0), "mid": (5000.0, 5.0), "far": (9500.0, 5.0)})
    reach = reach_bound(network, 1000.0)
    near = within_reach(network, a, np.array([0]), seed_points(network, others), len(others), reach)
    # "mid" lies on the 2-3 street, whose end 2 (1,000 m away) is within 1,000 m of a's seed node 1: kept.
    assert dict(zip(others.ids, near.tolist(), strict=True)) == {"near": True, "mid": True, "far": False}
    o, d, _ = walk_distances(network, a, others, 1000.0)
    assert set(others.ids[d]) <= set(others.ids[near])
