"""Straight-line travel-time estimates on points at known distances (routing.straight_line).

Plain pytest, no Django, no data files. Points are drawn in local metres and converted to lon/lat, as callers
hold them. Two metric CRSs: UTM zone 32N near Milan for ordinary distances (exact to a micrometre after the
round trip), and Web Mercator on the equator for the cutoff boundary: there, points on one parallel keep exactly
the same projected y, so the engine's distance is exactly the difference of x and a cutoff can be set on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyproj
import pytest

from routing.profiles import ADULT, WalkProfile, profile_for_age
from routing.straight_line import DEFAULT_DETOUR_FACTOR, METHOD_STRAIGHT_LINE, travel_times_straight_line

UTM = "EPSG:32632"
X0, Y0 = 500_000.0, 5_000_000.0
MERCATOR = "EPSG:3857"
#: A profile whose speed makes metres <-> seconds exact.
UNIT_SPEED = WalkProfile("unit", 0, 120, 1.0)

XY = tuple[float, float]


def lonlat(points: Sequence[XY], crs: str = UTM) -> tuple[np.ndarray, np.ndarray]:
    offset = (X0, Y0) if crs == UTM else (0.0, 0.0)
    x = np.array([p[0] + offset[0] for p in points])
    y = np.array([p[1] + offset[1] for p in points])
    return pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)


def estimate(
    origins: dict[object, XY],
    destinations: dict[object, XY],
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    crs: str = UTM,
    **options: float,
) -> pd.DataFrame:
    o_lon, o_lat = lonlat(list(origins.values()), crs)
    d_lon, d_lat = lonlat(list(destinations.values()), crs)
    return travel_times_straight_line(
        np.array(list(origins)), o_lon, o_lat, np.array(list(destinations)), d_lon, d_lat, cutoff_s, crs, profile,
        **options,
    )  # fmt: skip


def as_dict(frame: pd.DataFrame) -> dict[tuple, float]:
    return {(f, t): s for f, t, s in frame.itertuples(index=False)}


# O at the origin; A 1,000 m east, B 600 m north, C at (300, 400): 500 m away; S on O itself.
ORIGIN = {"O": (0.0, 0.0)}
PLACES = {"A": (1000.0, 0.0), "B": (0.0, 600.0), "C": (300.0, 400.0), "S": (0.0, 0.0)}
DISTANCE = {"A": 1000.0, "B": 600.0, "C": 500.0, "S": 0.0}


def test_times_are_distance_times_detour_over_speed() -> None:
    # Default detour 1.25 at 1.3 m/s: A = 1000 x 1.25 / 1.3 = 961.5 s, B = 576.9 s, C = 480.8 s, S = 0.
    frame = estimate(ORIGIN, PLACES, 3600)
    assert list(frame.columns) == ["from_id", "to_id", "travel_time"]
    assert as_dict(frame) == pytest.approx({("O", p): d * 1.25 / 1.3 for p, d in DISTANCE.items()}, abs=1e-6)
    assert frame["to_id"].tolist() == ["S", "C", "B", "A"]  # sorted by time
    assert frame.attrs["method"] == METHOD_STRAIGHT_LINE == "straight_line"
    assert frame.attrs["detour_factor"] == DEFAULT_DETOUR_FACTOR == 1.25


def test_detour_factor_scales_the_times() -> None:
    straight = as_dict(estimate(ORIGIN, PLACES, 3600, UNIT_SPEED, detour_factor=1.0))
    doubled = estimate(ORIGIN, PLACES, 3600, UNIT_SPEED, detour_factor=2.0)
    assert straight == pytest.approx({("O", p): d for p, d in DISTANCE.items()}, abs=1e-6)
    assert as_dict(doubled) == pytest.approx({key: 2 * s for key, s in straight.items()}, abs=1e-6)
    assert doubled.attrs["detour_factor"] == 2.0


def test_speed_scales_the_times() -> None:
    # The same 600 m x 1.25 = 750 m: 681.8 s at 1.1 m/s (6-10 years), 576.9 s at 1.3 m/s (14-17 years).
    slow = as_dict(estimate(ORIGIN, {"B": PLACES["B"]}, 3600, profile_for_age(8)))
    fast = as_dict(estimate(ORIGIN, {"B": PLACES["B"]}, 3600, profile_for_age(15)))
    assert slow == pytest.approx({("O", "B"): 750 / 1.1}, abs=1e-6)
    assert fast == pytest.approx({("O", "B"): 750 / 1.3}, abs=1e-6)


def test_cutoff_drops_farther_places() -> None:
    # 10 minutes at 1.3 m/s = 780 m of walking = 624 m in a straight line with detour 1.25: B (600) and C (500) in.
    assert set(as_dict(estimate(ORIGIN, PLACES, 600))) == {("O", "S"), ("O", "C"), ("O", "B")}


def test_cutoff_is_inclusive() -> None:
    # On the equator in Web Mercator, A's projected distance from O is exactly dx (same y).
    # With speed 1 m/s and detour 2, A's time is 2 dx seconds: a cutoff of exactly 2 dx keeps it.
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", MERCATOR, always_xy=True)
    (o_lon, a_lon), (o_lat, a_lat) = lonlat([(0.0, 0.0), (1000.0, 0.0)], MERCATOR)
    (ox, ax), (oy, ay) = to_metric.transform([o_lon, a_lon], [o_lat, a_lat])
    assert oy == ay and ax - ox == pytest.approx(1000.0, abs=1e-6)  # 1 km (true scale on the equator)
    cutoff = 2.0 * (ax - ox)
    kept = estimate({"O": (0.0, 0.0)}, {"A": (1000.0, 0.0)}, cutoff, UNIT_SPEED, crs=MERCATOR, detour_factor=2.0)
    assert as_dict(kept) == {("O", "A"): cutoff}
    just_below = np.nextafter(cutoff, 0.0)
    dropped = estimate({"O": (0.0, 0.0)}, {"A": (1000.0, 0.0)}, just_below, UNIT_SPEED, crs=MERCATOR, detour_factor=2.0)
    assert dropped.empty
    assert list(dropped.columns) == ["from_id", "to_id", "travel_time"]
    assert dropped.attrs["method"] == "straight_line"


def test_zero_distance_pairs_are_included_once() -> None:
    # Two origins on the same spot as destination S (scipy's sparse distance matrix drops exact zeros).
    origins = {"O": (0.0, 0.0), "P": (0.0, 0.0), "Q": (5000.0, 0.0)}
    frame = estimate(origins, PLACES, 0.0)  # even with a cutoff of 0
    assert as_dict(frame) == {("O", "S"): 0.0, ("P", "S"): 0.0}
    frame = estimate(origins, PLACES, 3600)
    assert len(frame) == len(frame.drop_duplicates(["from_id", "to_id"])) == 8  # O and P reach all 4; Q none
    assert as_dict(frame)[("P", "S")] == 0.0


def test_max_walk_bounds_the_estimate() -> None:
    # 6-10 year-olds walk at most 1,000 m alone: 1,000 / 1.25 = 800 m in a straight line, whatever the cutoff.
    near, far = {"D790": (790.0, 0.0)}, {"D810": (0.0, 810.0)}
    frame = estimate(ORIGIN, near | far, 3600, profile_for_age(8))
    assert as_dict(frame) == pytest.approx({("O", "D790"): 790 * 1.25 / 1.1}, abs=1e-6)
    assert len(estimate(ORIGIN, near | far, 3600, ADULT)) == 2


def test_many_to_many_matches_a_brute_force_estimate() -> None:
    rng = np.random.default_rng(3)
    origins = {f"o{k}": (float(x), float(y)) for k, (x, y) in enumerate(rng.uniform(0, 3000, (40, 2)))}
    destinations = {k: (float(x), float(y)) for k, (x, y) in enumerate(rng.uniform(0, 3000, (25, 2)))}
    cutoff = 900.0  # 1,170 m walked, 936 m straight
    expected = {
        (o, d): math.dist(po, pd_) * 1.25 / 1.3
        for o, po in origins.items()
        for d, pd_ in destinations.items()
        if math.dist(po, pd_) * 1.25 / 1.3 <= cutoff
    }
    frame = estimate(origins, destinations, cutoff)
    assert as_dict(frame) == pytest.approx(expected, abs=1e-6)
    assert len(expected) > 50
    # Sorted by origin, then time.
    assert frame.equals(frame.sort_values(["from_id", "travel_time"], kind="stable", ignore_index=True))


def test_detour_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="detour factor"):
        estimate(ORIGIN, PLACES, 600, detour_factor=0.9)
