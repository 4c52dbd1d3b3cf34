"""The frequency builder on hand-built summaries: headways, run times and the walks of a network-less city.

Every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyproj
import pytest

from data_sources.atm_summary import DEFAULT_BANDS, ServiceSummary, feed_from_summary, headway_windows
from routing.raptor import travel_time_samples
from routing.straight_line_links import PlacesXY, straight_line_links
from routing.timetable import timetable_from_feeds

H = 3600
WEDNESDAY = dt.date(2021, 9, 15)
SATURDAY = dt.date(2021, 9, 18)


def test_bands_get_their_trips_and_the_rest_is_spread_by_length() -> None:
    # 06:00-12:30, 20 trips: 8 in the peak band 07-09 (every 15 min), 2 in the off-peak band 10-12 (hourly).
    # The other 10 go to 06-07 (3,600 s), 09-10 (3,600 s) and 12:00-12:30 (+1 s: 1,801 s) in proportion:
    # 3.9996 / 3.9996 / 2.0009 -> 3 / 3 / 2 and the two largest remainders -> 4 / 4 / 2, i.e. every 900 s.
    windows = headway_windows(6 * H, 12 * H + 1800, 20, {"trips_peak": 8, "trips_offpeak": 2, "trips_evening": 0})
    assert windows == [
        (6 * H, 7 * H, 900),
        (7 * H, 9 * H, 900),
        (9 * H, 10 * H, 900),
        (10 * H, 12 * H, 3600),
        (12 * H, 12 * H + 1800, 900),
    ]
    assert sum((end - start) // headway for start, end, headway in windows) == 20


def test_a_band_the_span_does_not_reach_gives_its_trips_to_the_rest() -> None:
    # 13:00-14:00 with 5 trips, 2 of them (wrongly) in the peak band: all 5 over 3,601 s -> every 720 s.
    assert headway_windows(13 * H, 14 * H, 5, {"trips_peak": 2}) == [(13 * H, 13 * H + 3600, 720)]


def test_an_evening_past_midnight_and_a_single_trip() -> None:
    # 20:00-00:30 (88,200 s), 10 trips, 4 in the evening band 22:30-00:30: every 1,800 s there;
    # the other 6 over 20:00-22:30 (9,000 s): every 1,500 s.
    windows = headway_windows(20 * H, 24 * H + 1800, 10, {"trips_evening": 4})
    assert windows == [(20 * H, 22 * H + 1800, 1500), (22 * H + 1800, 24 * H + 1800, 1800)]
    assert headway_windows(8 * H, 8 * H, 1, {}) == [(8 * H, 8 * H + 60, 60)]


def _summary(stops: pd.DataFrame, services: list[dict[str, int | str]], length_km: float, mode: str = "bus"):
    return ServiceSummary(
        name="hand",
        stops=stops,
        variants=pd.DataFrame(
            {"variant_id": ["V"], "route_id": ["R"], "mode": [mode], "length_km": [length_km], "n_stops": [len(stops)]}
        ),
        sequences=pd.DataFrame({"variant_id": "V", "position": range(len(stops)), "stop_id": stops["stop_id"]}),
        services=pd.DataFrame(services),
    )


def _service(first: int, last: int, day: int, peak: int = 0, offpeak: int = 0, evening: int = 0, day_type="L"):
    return {"variant_id": "V", "day_type": day_type, "first_s": first, "last_s": last, "trips_day": day,
            "trips_peak": peak, "trips_offpeak": offpeak, "trips_evening": evening}  # fmt: skip


def test_run_time_is_length_over_speed_split_by_distance_between_stops() -> None:
    # Stops on a meridian at 45.00, 45.01 and 45.03 degrees: gaps of 1:2. 3 km at 18 km/h = 600 s -> 0, 200, 600.
    stops = pd.DataFrame(
        {"stop_id": ["a", "b", "c"], "stop_name": "", "stop_lat": [45.0, 45.01, 45.03], "stop_lon": [9.0, 9.0, 9.0]}
    )
    # 07:00-09:00 with 8 trips, all in the peak band (7,201 s with the last departure): every 900 s.
    feed = feed_from_summary(_summary(stops, [_service(7 * H, 9 * H, 8, peak=8)], 3.0), {"bus": 18.0})
    assert feed.stop_times["departure_time"].tolist() == [0, 200, 600]
    assert feed.frequencies[["start_time", "end_time", "headway_secs"]].values.tolist() == [[7 * H, 9 * H, 900]]
    timetable = timetable_from_feeds(feed, WEDNESDAY, window_start_s=7 * H, window_end_s=9 * H)
    arrivals, departures = timetable.pattern_times(0)
    assert departures[0].tolist() == [7 * H + 900 * k for k in range(8)]
    assert arrivals[2].tolist() == [7 * H + 600 + 900 * k for k in range(8)]
    # The day type L runs Monday to Friday only.
    assert timetable_from_feeds(feed, SATURDAY, window_start_s=7 * H, window_end_s=9 * H).n_trips == 0


def test_raptor_on_a_summary_timetable_with_straight_line_walks() -> None:
    # Two stops 3 km apart in UTM 32N; home 100 m before the first, the destination 100 m past the second.
    to_wgs = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)
    lon, lat = to_wgs.transform([500_000.0, 503_000.0], [5_000_000.0, 5_000_000.0])
    stops = pd.DataFrame({"stop_id": ["a", "b"], "stop_name": "", "stop_lat": lat, "stop_lon": lon})
    # 3 km at 18 km/h = 600 s; trips every 900 s from 07:00.
    feed = feed_from_summary(_summary(stops, [_service(7 * H, 9 * H, 8, peak=8)], 3.0), {"bus": 18.0})
    timetable = timetable_from_feeds(feed, WEDNESDAY, window_start_s=7 * H, window_end_s=8 * H)
    home = PlacesXY(np.array(["home"]), np.array([[499_900.0, 5_000_000.0]]))
    school = PlacesXY(np.array(["school"]), np.array([[503_100.0, 5_000_000.0]]))
    links = straight_line_links(timetable, home, school, 32632)
    # Each walk: 100 m x 1.25 = 125 m at 1.3 m/s = 96 s. Leaving 07:00: at the stop 07:01:36, the 07:15 trip
    # (60 s boarding slack rules out nothing earlier), off at 07:25, walk 96 s: 1,596 s. Leaving 07:14: at the
    # stop 07:15:36, too late for 07:15 (slack), next 07:30, arrive 07:40 + 96 s: 1,656 s.
    samples = travel_time_samples(timetable, links, [7 * H, 7 * H + 14 * 60], max_trip_s=H, threads=1)
    assert samples[0, :, 0].tolist() == [1596, 1656]
    assert links.access_s.tolist() == [96] and links.walk_s.size == 0  # 3.2 km is beyond the 1 km walk


def test_a_detour_factor_below_one_is_refused() -> None:
    stops = pd.DataFrame({"stop_id": ["a", "b"], "stop_name": "", "stop_lat": [45.0, 45.01], "stop_lon": [9.0, 9.0]})
    feed = feed_from_summary(_summary(stops, [_service(7 * H, 8 * H, 2, peak=2)], 1.2), {"bus": 18.0})
    timetable = timetable_from_feeds(feed, WEDNESDAY, window_start_s=7 * H, window_end_s=8 * H)
    nobody = PlacesXY(np.array([], dtype=object), np.empty((0, 2)))
    with pytest.raises(ValueError, match="detour factor"):
        straight_line_links(timetable, nobody, nobody, 32632, detour_factor=0.9)


def test_default_bands_are_two_hours_each() -> None:
    assert [(b.end_s - b.start_s) for b in DEFAULT_BANDS] == [7200, 7200, 7200]
