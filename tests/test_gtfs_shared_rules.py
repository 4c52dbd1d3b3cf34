"""The GTFS rules the reader and the RAPTOR timetable share: one copy, worked out by hand.

A frequency window ``start..end`` departs at ``start + k * headway`` for ``k = 0 .. ceil((end - start) /
headway) - 1``; a window whose end is not after its start departs never (the reader rejects such rows, a
hand-built feed may still hold one). An untimed stop is timed by distance between its timed neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from data_sources import gtfs_calendar, gtfs_times
from data_sources.errors import ConfigError, SourceFormatError, VicinoError
from data_sources.readers import reader_named, registered_readers
from routing import timetable


@dataclass
class HandFeed:
    """The FeedTables protocol, filled by hand."""

    name: str = "hand"
    stops: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"stop_id": ["a", "b", "c"], "stop_lat": [0.0, 0.0, 0.0], "stop_lon": [0.0, 0.001, 0.003]}
        )
    )
    trips: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"trip_id": ["t"], "route_id": ["r"], "service_id": ["s"]})
    )
    stop_times: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "trip_id": ["t", "t", "t"],
                "stop_id": ["a", "b", "c"],
                "stop_sequence": [1, 2, 3],
                "arrival_time": pd.array([0, None, 300], dtype="Int64"),
                "departure_time": pd.array([0, None, 300], dtype="Int64"),
            }
        )
    )
    calendar: pd.DataFrame = field(default_factory=pd.DataFrame)
    calendar_dates: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"service_id": ["s"], "date": [pd.Timestamp("2024-05-15")], "exception_type": [1]}
        )
    )
    frequencies: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "trip_id": ["t", "t"],
                "start_time": [3600, 9000],
                "end_time": [4500, 8400],  # 15 min at 300 s: 3 departures; the second ends before it starts
                "headway_secs": [300, 600],
                "exact_times": [0, 0],
            }
        )
    )


def test_routing_uses_the_readers_rules() -> None:
    assert timetable.service_ids_on is gtfs_calendar.service_ids_on
    assert timetable.interpolated_times is gtfs_times.interpolated_times
    assert timetable.frequency_trips_expanded is gtfs_times.frequency_trips_expanded


def test_untimed_stop_timed_by_distance() -> None:
    # b lies 1/3 of the way from a to c (same latitude, longitudes 0, 0.001, 0.003): 300 s * 1/3 = 100 s.
    timed = gtfs_times.interpolate_stop_times(HandFeed())
    assert timed["arrival_time"].tolist() == [0, 100, 300]
    assert timed["interpolated"].tolist() == [False, True, False]


def test_frequency_windows_expand_and_an_empty_window_gives_none() -> None:
    feed = HandFeed()
    expanded = gtfs_times.expand_frequencies(feed, stop_times=gtfs_times.interpolate_stop_times(feed))
    assert sorted(set(expanded["trip_id"])) == ["t#3600", "t#3900", "t#4200"]
    first = expanded[expanded["trip_id"] == "t#3900"]
    assert first["departure_time"].tolist() == [3900, 4000, 4200]


def test_timetable_has_the_same_departures() -> None:
    built = timetable.timetable_from_feeds(
        [HandFeed()], "2024-05-15", window_start_s=3000, window_end_s=5000, max_trip_s=3600
    )
    assert sorted(built.trip_ids) == ["hand:t#3600", "hand:t#3900", "hand:t#4200"]


def test_an_untimed_trip_end_is_a_source_format_error() -> None:
    feed = HandFeed()
    feed.stop_times = feed.stop_times.assign(arrival_time=pd.array([0, 100, None], dtype="Int64"))
    feed.stop_times = feed.stop_times.assign(departure_time=feed.stop_times["arrival_time"])
    with pytest.raises(SourceFormatError, match="hand: a trip's first or last stop_time has no time"):
        gtfs_times.interpolate_stop_times(feed)


def test_reader_registry_names_and_kinds() -> None:
    assert reader_named("opportunities_from_parks", "opportunities", where="x.toml").needs_boundary
    assert reader_named("schools_from_yearly_file", "schools", where="x.toml").options == ("level", "school_year")
    with pytest.raises(ConfigError, match=r"x\.toml: source 's' names an unknown reader 'nope'"):
        reader_named("nope", "schools", where="x.toml: source 's'")
    with pytest.raises(ConfigError, match="reads schools, not opportunities"):
        reader_named("schools_from_file", "opportunities", where="x.toml")
    assert {r.kind for r in registered_readers().values()} == {"opportunities", "schools"}
    assert issubclass(ConfigError, VicinoError)
