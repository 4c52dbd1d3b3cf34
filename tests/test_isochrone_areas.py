"""Isochrone areas (routing.isochrone_areas): their extent worked out by hand, and their GeoJSON on real streets.

Hand-built: a 2 km straight two-way street along x = -1000..1000 m and, 150 m north of it, a parallel street
joined to it only at its east end (x = 1000 m). From the middle of the first street at 1.25 m/s, 300 s are 375 m
along it: the reached samples run from x = -375 to 375, the band adds 50 m on each side, so the area spans
x = -425..425 and y = -50..50, give or take one 25 m cell at each edge. The parallel street is 1,000 + 150 m away
on foot: the area must not reach it (an area follows the streets; it does not jump a river between them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from routing.isochrone_areas import isochrone_areas
from routing.network import Network, network_from_graph
from routing.profiles import ADULT
from routing.reach import reach_from_point
from tests.poa_streets import poa_network_and_homes
from tests.test_routing_hand_built import EXACT, METRIC_CRS, X0, Y0, build_graph, lonlat

CELL_M = 25.0
_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def local(geometry: shapely.Geometry) -> shapely.Geometry:
    """A lon/lat geometry in the hand-built graphs' local metres."""
    return shapely.transform(geometry, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])) - [X0, Y0])


@pytest.fixture(scope="module")
def two_streets() -> Network:
    graph = build_graph(
        {1: (-1000.0, 0.0), 2: (1000.0, 0.0), 3: (-1000.0, 150.0), 4: (1000.0, 150.0)},
        two_way=[(1, 2), (3, 4), (2, 4)],
    )
    return network_from_graph(graph, METRIC_CRS)


@pytest.mark.parametrize(("seconds", "along_m"), [(300.0, 375.0), (600.0, 750.0)])
def test_the_area_is_the_walk_along_the_street_plus_the_band(
    two_streets: Network, seconds: float, along_m: float
) -> None:
    reach = reach_from_point(two_streets, *lonlat(0.0, 0.0), seconds, EXACT)
    (area,) = isochrone_areas(reach, [seconds])
    assert area.geometry.geom_type == "Polygon" and area.geometry.is_valid
    min_x, min_y, max_x, max_y = local(area.geometry).bounds
    reach_m = along_m + 50.0
    assert abs(min_x + reach_m) <= CELL_M and abs(max_x - reach_m) <= CELL_M
    assert abs(min_y + 50.0) <= CELL_M and abs(max_y - 50.0) <= CELL_M
    assert local(area.geometry).area == pytest.approx(2 * reach_m * 100.0, rel=0.1)


def test_the_area_does_not_jump_to_a_street_it_cannot_walk_to(two_streets: Network) -> None:
    reach = reach_from_point(two_streets, *lonlat(0.0, 0.0), 600.0, EXACT)
    (area,) = isochrone_areas(reach, [600.0])
    assert local(area.geometry).bounds[3] < 100.0  # the street at y = 150 is 1,150 m away on foot
    far = reach_from_point(two_streets, *lonlat(900.0, 0.0), 600.0, EXACT)  # 100 + 150 m to the other street
    (reaching,) = isochrone_areas(far, [600.0])
    assert local(reaching.geometry).bounds[3] == pytest.approx(200.0, abs=CELL_M)


def test_areas_are_nested_largest_first_and_rounded(two_streets: Network) -> None:
    reach = reach_from_point(two_streets, *lonlat(0.0, 0.0), 600.0, EXACT)
    areas = isochrone_areas(reach, [300.0, 600.0, 450.0])
    assert [a.cutoff_s for a in areas] == [600.0, 450.0, 300.0]
    assert areas[0].geometry.buffer(1e-9).contains(areas[1].geometry)
    assert areas[1].geometry.buffer(1e-9).contains(areas[2].geometry)
    coordinates = shapely.get_coordinates(areas[0].geometry)
    np.testing.assert_allclose(coordinates * 1e6, np.round(coordinates * 1e6), atol=1e-6)


@pytest.fixture(scope="module")
def poa(data_dir: Path) -> tuple[Network, list[tuple[float, float]]]:
    return poa_network_and_homes(data_dir, n=160, random_state=61)


def test_porto_alegre_areas_are_valid_and_their_geojson_is_the_area(
    poa: tuple[Network, list[tuple[float, float]]],
) -> None:
    network, points = poa
    assert len(points) >= 120
    cutoffs = [300.0, 600.0, 900.0]
    for lon, lat in points:
        reach = reach_from_point(network, lon, lat, 900.0, ADULT)
        areas = isochrone_areas(reach, cutoffs)
        exact = isochrone_areas(reach, cutoffs, decimals=None)  # pyproj on every vertex, nothing thinned
        for area, reference in zip(areas, exact, strict=True):
            assert area.geometry.is_valid
            assert shape(area.geojson).equals(area.geometry)
            assert area.geojson["type"] in ("Polygon", "MultiPolygon")
            # Thinned before rounding, no area needed a repair (a repaired one's GeoJSON comes as tuples).
            assert isinstance(area.geojson["coordinates"], list)
            # Thinning vertices < 0.25 m apart and rounding to 1e-6 degrees move the outline by centimetres.
            union = shapely.union(area.geometry, reference.geometry).area
            assert shapely.intersection(area.geometry, reference.geometry).area / union > 0.999
        home_segment = network.seg_geometry[reach.origin.segment[0]]
        snapped = shapely.line_interpolate_point(home_segment, reach.origin.fraction[0], normalized=True)
        home = shapely.Point(network.to_wgs84.transform(snapped.x, snapped.y))
        assert all(area.geometry.contains(home) for area in areas)


def test_areas_the_rounding_breaks_are_repaired_and_their_geojson_follows(
    poa: tuple[Network, list[tuple[float, float]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without thinning, rounding to 1e-6 degrees folds rings where contour vertices crowd a cell centre (most
    # areas on Porto Alegre): each such area is rebuilt valid, and its GeoJSON is the rebuilt area.
    import routing.isochrone_areas as drawing

    monkeypatch.setattr(drawing, "MIN_VERTEX_SPACING_M", 0.0)
    network, points = poa
    repaired = 0
    for lon, lat in points[:30]:
        reach = reach_from_point(network, lon, lat, 900.0, ADULT)
        for area in isochrone_areas(reach, [300.0, 600.0, 900.0]):
            assert area.geometry.is_valid and area.geometry.geom_type in ("Polygon", "MultiPolygon")
            assert shape(area.geojson).equals(area.geometry)
            repaired += isinstance(area.geojson["coordinates"], tuple)  # shapely's mapping gives tuples
    assert repaired > 0, "no area needed a repair: the check exercised nothing"
