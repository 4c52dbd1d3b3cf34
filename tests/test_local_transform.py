"""routing.local_transform: a quadratic fitted to a small box reproduces pyproj, and larger boxes fall back."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from routing.local_transform import TOLERANCE, transform_near

#: Porto Alegre's metric CRS (SIRGAS 2000 / UTM 22S) and Milan's (WGS 84 / UTM 32N), each to lon/lat.
CASES = {"poa": (31982, (-51.17, -30.03)), "milan": (32632, (9.19, 45.46))}


@pytest.mark.parametrize("city", list(CASES))
@pytest.mark.parametrize("box_m", [300.0, 1_500.0, 3_000.0])
def test_within_a_tenth_of_a_millimetre_of_pyproj(city: str, box_m: float) -> None:
    epsg, (lon, lat) = CASES[city]
    to_metric = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    to_wgs84 = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)
    cx, cy = to_metric.transform(lon, lat)
    rng = np.random.default_rng(7)
    x = cx + rng.uniform(-box_m / 2, box_m / 2, 2_000)
    y = cy + rng.uniform(-box_m / 2, box_m / 2, 2_000)
    exact_lon, exact_lat = to_wgs84.transform(x, y)
    fitted_lon, fitted_lat = transform_near(to_wgs84, x, y)
    # 1e-9 degrees is about 0.1 mm: a thousand times finer than the 1e-6 degrees isochrones are rounded to.
    assert np.abs(fitted_lon - exact_lon).max() <= TOLERANCE
    assert np.abs(fitted_lat - exact_lat).max() <= TOLERANCE


def test_a_box_too_large_for_a_quadratic_is_left_to_pyproj() -> None:
    to_wgs84 = pyproj.Transformer.from_crs(31982, 4326, always_xy=True)
    rng = np.random.default_rng(8)
    x = 480_000 + rng.uniform(-100_000, 100_000, 500)  # a 200 km box: the fit is off by far more than 1e-9
    y = 6_680_000 + rng.uniform(-100_000, 100_000, 500)
    fitted = transform_near(to_wgs84, x, y)
    exact = to_wgs84.transform(x, y)
    np.testing.assert_array_equal(fitted[0], exact[0])
    np.testing.assert_array_equal(fitted[1], exact[1])


def test_few_points_are_transformed_by_pyproj() -> None:
    to_wgs84 = pyproj.Transformer.from_crs(31982, 4326, always_xy=True)
    x, y = np.array([480_000.0, 480_100.0]), np.array([6_680_000.0, 6_680_050.0])
    np.testing.assert_array_equal(transform_near(to_wgs84, x, y)[0], to_wgs84.transform(x, y)[0])
