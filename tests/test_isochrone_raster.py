"""The compiled isochrone raster (routing.isochrone_areas.distance_raster) against the numpy + scipy reference.

The reference is the drawing Vicino used before the raster was compiled, written out here: walking distance at
every sample along the segments with an end within the budget (and along the origin's own segment, walked directly
from the origin), each cell's smallest distance, then ``scipy.ndimage.grey_erosion`` with a disc footprint. The
compiled pass must give the same raster, value for value, on Porto Alegre's real streets and on a hand-built
one-way street.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from routing.isochrone_areas import distance_raster
from routing.network import Network, network_from_graph
from routing.profiles import ADULT
from routing.reach import Reach, reach_from_point
from tests.poa_streets import poa_network_and_homes
from tests.test_routing_hand_built import EXACT, build_graph, lonlat

CELL_M, BAND_M = 25.0, 50.0


def reference_raster(reach: Reach, budget: float) -> tuple[np.ndarray, float, float]:
    """Samples, per-cell minimum and grey erosion in numpy and scipy (the drawing before it was compiled)."""
    net = reach.network
    du, dv = reach.dist[net.seg_u], reach.dist[net.seg_v]
    near = np.minimum(du, dv) <= budget
    o_seg = int(reach.origin.segment[0])
    near[o_seg] = True
    all_segments, all_fractions, all_x, all_y = net.segment_samples
    chosen = near[all_segments]
    seg, fraction, x, y = all_segments[chosen], all_fractions[chosen], all_x[chosen], all_y[chosen]
    position = fraction * net.seg_length[seg]
    via_u = np.where(net.seg_forward[seg], du[seg] + position, np.inf)
    via_v = np.where(net.seg_backward[seg], dv[seg] + (net.seg_length[seg] - position), np.inf)
    metres = np.minimum(via_u, via_v)
    on_origin = seg == o_seg
    delta = position[on_origin] - reach.origin.fraction[0] * net.seg_length[o_seg]
    direct = np.where(
        delta >= 0,
        np.where(net.seg_forward[o_seg], delta, np.inf),
        np.where(net.seg_backward[o_seg], -delta, np.inf),
    )
    metres[on_origin] = np.minimum(metres[on_origin], direct)
    keep = metres <= budget
    x, y, metres = x[keep], y[keep], metres[keep]
    margin = BAND_M + 2 * CELL_M
    x0, y0 = x.min() - margin, y.min() - margin
    nx_cells = int(np.ceil((x.max() + margin - x0) / CELL_M)) + 1
    ny_cells = int(np.ceil((y.max() + margin - y0) / CELL_M)) + 1
    grid = np.full((ny_cells, nx_cells), budget * 10 + 1)
    np.minimum.at(grid, (((y - y0) / CELL_M).astype(np.int64), ((x - x0) / CELL_M).astype(np.int64)), metres)
    radius = int(round(BAND_M / CELL_M))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return ndimage.grey_erosion(grid, footprint=(xx**2 + yy**2) <= radius**2), x0, y0


def compiled_raster(reach: Reach, budget: float) -> tuple[np.ndarray, float, float]:
    net = reach.network
    _, fractions, sample_x, sample_y = net.segment_samples
    node_ptr, node_segments = net.segments_at_node
    grid, x0, y0, _ = distance_raster(
        reach.dist, node_ptr, node_segments, net.seg_u, net.seg_v, net.seg_length, net.seg_forward,
        net.seg_backward, net.segment_sample_ptr, fractions, sample_x, sample_y, int(reach.origin.segment[0]),
        float(reach.origin.fraction[0]), budget, CELL_M, BAND_M + 2 * CELL_M, int(round(BAND_M / CELL_M)),
    )  # fmt: skip
    return grid, x0, y0


def assert_same_raster(reach: Reach, budget: float) -> None:
    mine, x0, y0 = compiled_raster(reach, budget)
    theirs, rx0, ry0 = reference_raster(reach, budget)
    assert (x0, y0) == (rx0, ry0)
    assert mine.shape == theirs.shape
    np.testing.assert_array_equal(mine, theirs)


@pytest.fixture(scope="module")
def poa(data_dir: Path) -> tuple[Network, list[tuple[float, float]]]:
    network, points = poa_network_and_homes(data_dir, n=120, random_state=16)
    assert len(points) >= 100
    return network, points


def test_same_raster_as_numpy_and_scipy_on_porto_alegre(poa: tuple[Network, list[tuple[float, float]]]) -> None:
    network, points = poa
    for lon, lat in points[:60]:
        reach = reach_from_point(network, lon, lat, 900.0, ADULT)
        for budget in (ADULT.metres_in(300), reach.max_metres):
            assert_same_raster(reach, budget)


def test_same_raster_on_a_one_way_street_walked_from_its_middle() -> None:
    # A 400 m one-way street 1 -> 2 (east), a two-way street 2 -> 3 north, and a two-way street 3 -> 1 back:
    # from the middle of the one-way street, its western half is walked only round the block.
    graph = build_graph({1: (0.0, 0.0), 2: (400.0, 0.0), 3: (400.0, 300.0)}, two_way=[(2, 3), (3, 1)], one_way=[(1, 2)])
    network = network_from_graph(graph, "EPSG:32632")
    reach = reach_from_point(network, *lonlat(200.0, 0.0), 600.0, EXACT)
    for budget in (150.0, 600.0, reach.max_metres):
        assert_same_raster(reach, budget)
    # Worked out by hand: 200 m east to node 2, 300 m north to 3, 500 m back to 1 = 1,000 m; not within 750.
    assert reach.dist[network.index_of_node[2]] == pytest.approx(200.0)
    assert np.isinf(reach.dist[network.index_of_node[1]])
