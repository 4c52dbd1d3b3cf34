"""Many searches run in Hilbert order over their places (near first, for the cache) and give the same rows, in the
same order, as run in input order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.osm import graph_from_osm_file
from routing import travel_times as walking
from routing.network import network_from_graph
from routing.snapping import locations_from_points
from tests.poa_streets import POA_EPSG


def test_rows_move_back_to_the_input_order_of_the_searches() -> None:
    # Run order [2, 0, 1]: run position 0 is input search 2, position 1 input search 0, position 2 input search 1.
    order = np.array([2, 0, 1])
    search = np.array([0, 0, 1, 2, 2])  # run positions, as the kernel returns them
    place = np.array([10, 11, 20, 30, 31])
    metres = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    got_search, got_place, got_metres = walking._in_input_order(order, search, place, metres)
    assert got_search.tolist() == [0, 1, 1, 2, 2]
    assert got_place.tolist() == [20, 30, 31, 10, 11]
    assert got_metres.tolist() == [3.0, 4.0, 5.0, 1.0, 2.0]


def test_a_search_that_reaches_nothing_takes_no_row() -> None:
    order = np.array([1, 0, 2])
    search = np.array([0, 2, 2])  # run position 1 (input search 0) reached nothing
    got_search, got_place, _ = walking._in_input_order(order, search, np.array([7, 8, 9]), np.zeros(3))
    assert got_search.tolist() == [1, 2, 2]
    assert got_place.tolist() == [7, 8, 9]


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_porto_alegre_all_to_all_is_the_same_near_first(data_dir: Path, threads: int) -> None:
    network = network_from_graph(graph_from_osm_file(data_dir / "porto_alegre" / "poa_osm.pbf"), POA_EPSG)
    cells = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv", dtype={"id": str})
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    assert len(places) >= walking.NEAR_FIRST_MIN_SEARCHES  # the near-first path runs
    entries = walking._seed_matrix_of(places, "entry", network.n_nodes)
    exits = walking._seed_matrix_of(places, "exit", network.n_nodes)
    # Per-search limits (as transit egress): each search keeps its own, whatever its turn.
    limits = np.linspace(600.0, 2400.0, len(places))
    for adjacency, seeds, far_side in (
        (network.csr_arrays, "exit", entries),
        (network.csr_reverse_arrays, "entry", exits),
    ):
        if seeds == "exit":
            ptr, nodes, costs = places.exit_ptr, places.exit_node, places.exit_cost
        else:
            ptr, nodes, costs = places.entry_ptr, places.entry_node, places.entry_cost
        in_order = walking._search_all(adjacency, ptr, nodes, costs, far_side, limits, threads)
        near_first = walking._search_near_first(network, adjacency, places, seeds, far_side, limits, threads)
        assert len(in_order[0]) > 40_000
        assert not np.array_equal(np.unique(in_order[0]), np.arange(len(places)))  # some cells reach nothing
        for got, expected in zip(near_first, in_order, strict=True):
            np.testing.assert_array_equal(got, expected)
