"""The walk + transit field behind transit isochrones (routing.transit_reach), on the hand-built street and feed.

The street, stops and 1 m/s walking of ``tests/test_raptor_hand_built.py`` (metres are seconds). Line 1 leaves A
at 08:00 and reaches B at 08:10; boarding needs 60 s at the stop; walks from a stop stop after 1,000 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.isochrone_areas import isochrone_areas
from routing.network import Network
from routing.raptor import links_to_stops, stops_on_network
from routing.reach import PointNotOnNetworkError, reach_from_point
from routing.transit_reach import transit_reach_from_point
from tests.test_raptor_hand_built import LINE_1, MONDAY, ONE_M_S, X, hms, lonlat, street, timetable, write_feed

__all__ = ["street"]  # the fixture, shared with the RAPTOR tests


def field_at(street: Network, folder: Path, departures: list[str], cutoff_s: float) -> dict[str, float]:
    """Seconds from O to each named node (inf when not reached), the median over the departures."""
    taus = [hms(d) for d in departures]
    table = timetable(folder, MONDAY, taus[0], taus[-1] + 60)
    stops = stops_on_network(street, table, max_distance=5.0)
    links = links_to_stops(street, table, stops, profile=ONE_M_S)
    reach = transit_reach_from_point(street, table, stops, links, *lonlat("O"), cutoff_s, taus, ONE_M_S)
    node = {name: int(np.argmin(np.abs(street.x - street.x.min() - (x - X["O"])))) for name, x in X.items()}
    return {name: float(reach.dist[i]) for name, i in node.items()}


def test_one_departure_rides_then_walks_on(street: Network, tmp_path: Path) -> None:
    # Leave O at 07:57:00, walk 100 s to A (07:58:40), board at 08:00 (60 s slack met), off at B 08:10 = 780 s.
    field = field_at(street, write_feed(tmp_path, [LINE_1]), ["07:57:00"], 1_200)
    assert field["O"] == pytest.approx(0, abs=1e-3) and field["A"] == pytest.approx(100)
    assert field["B"] == pytest.approx(780)  # by bus: walking there would take 3,100 s
    assert field["B2"] == pytest.approx(900)  # then 120 m on foot
    assert np.isinf(field["C"])  # 2,880 m past B2: beyond the 1,000 m walk and the 1,200 s budget


def test_the_field_is_the_median_over_departures(street: Network, tmp_path: Path) -> None:
    # 07:55 → B in 900 s; 07:57 → 780 s; 07:58 arrives at A at 07:59:40, too late to board (slack): B unreached.
    # Sorted (780, 900, inf): the median (R5's index 1 of 3) is 900.
    field = field_at(street, write_feed(tmp_path, [LINE_1]), ["07:55:00", "07:57:00", "07:58:00"], 1_200)
    assert field["B"] == pytest.approx(900)
    assert field["B2"] == pytest.approx(1_020)


def test_without_buses_the_field_is_the_walk(street: Network, tmp_path: Path) -> None:
    folder = write_feed(tmp_path, [LINE_1])
    table = timetable(folder, MONDAY, hms("09:00:00"), hms("09:01:00"))  # line 1 has left
    stops = stops_on_network(street, table, max_distance=5.0)
    links = links_to_stops(street, table, stops, profile=ONE_M_S)
    reach = transit_reach_from_point(street, table, stops, links, *lonlat("O"), 1_200, [hms("09:00:00")], ONE_M_S)
    walk = reach_from_point(street, *lonlat("O"), 1_200, ONE_M_S)
    np.testing.assert_array_equal(reach.dist, walk.dist)
    assert isochrone_areas(reach, [600])[0].geometry.equals(isochrone_areas(walk, [600])[0].geometry)


def test_a_point_off_the_street_is_refused(street: Network, tmp_path: Path) -> None:
    folder = write_feed(tmp_path, [LINE_1])
    table = timetable(folder, MONDAY, hms("07:57:00"), hms("07:58:00"))
    stops = stops_on_network(street, table, max_distance=5.0)
    links = links_to_stops(street, table, stops, profile=ONE_M_S)
    lon, lat = lonlat("A")
    with pytest.raises(PointNotOnNetworkError, match="from the nearest walkable street"):
        transit_reach_from_point(street, table, stops, links, lon, lat + 0.05, 1_200, [hms("07:57:00")], ONE_M_S)
