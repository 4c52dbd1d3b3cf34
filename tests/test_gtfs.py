"""GTFS reading, validation, interpolation, calendars and frequencies (plain pytest, no Django).

Two kinds of tests: the real shared feeds (Porto Alegre EPTC and Trensurb, São Paulo, Milan's partial AMAT),
and tiny feeds written here whose answers are worked out by hand. The data folder is ``$VICINO_DATA_DIR``, by
default ``<checkout>/../shared/data``; missing shared data fails the real-feed tests (never a silent skip).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.contracts import STOP_COLUMNS, WGS84
from data_sources.errors import NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.gtfs import (
    REQUIRED_COLUMNS,
    GtfsFeed,
    expand_frequencies,
    feed_from_path,
    feed_summary,
    gtfs_time_from_seconds,
    interpolate_stop_times,
    seconds_from_gtfs_times,
    service_ids_on,
    stops_frame,
    trips_on,
)

DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
POA_EPTC = DATA_DIR / "porto_alegre" / "poa_eptc.zip"
POA_TRENSURB = DATA_DIR / "porto_alegre" / "poa_trensurb.zip"
SPO = DATA_DIR / "sao_paulo" / "spo_gtfs.zip"
MILAN_PARTIAL = DATA_DIR / "milan" / "transit" / "gtfs_amat_2019_partial"


def existing(path: Path) -> Path:
    """A shared data file or folder, which must be there (set VICINO_DATA_DIR to point elsewhere)."""
    assert path.exists(), f"shared data not found: {path} (set VICINO_DATA_DIR)"
    return path


def assert_every_row_accounted(feed: GtfsFeed) -> None:
    """For every table: rows read = rows kept + rows rejected, and every reject says where and why."""
    for table in REQUIRED_COLUMNS:
        source = feed.source_of(table)
        read = feed.report.read_counts[source]
        kept = len(getattr(feed, table))
        assert read == kept + feed.report.rejected_count(source), table
    for reject in feed.report:
        assert reject.source.startswith(f"{feed.path.name}/")
        assert reject.file == reject.source.rsplit("/", 1)[1]
        assert reject.row is not None and reject.row >= 1
        assert reject.reason


# --------------------------------------------------------------------------------------------------------------
# Tiny feeds written by the tests
# --------------------------------------------------------------------------------------------------------------

AGENCY = """
    agency_id,agency_name,agency_url,agency_timezone
    A,Tiny Transit,https://example.org,Europe/Rome
"""
# Three stops on one meridian: distances along it are exactly proportional to latitude (0.01° then 0.02°).
STOPS = """
    stop_id,stop_name,stop_lat,stop_lon
    S1,One,45.00,9.00
    S2,Two,45.01,9.00
    S3,Three,45.03,9.00
"""
ROUTES = """
    route_id,agency_id,route_short_name,route_type
    R1,A,1,3
"""
TRIPS = """
    route_id,service_id,trip_id
    R1,WK,T1
"""
STOP_TIMES = """
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    T1,08:00:00,08:00:00,S1,1
    T1,,,S2,2
    T1,08:30:00,08:30:00,S3,3
"""
CALENDAR = """
    service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
    WK,1,1,1,1,1,0,0,20240101,20241231
"""


def tiny_files(**changes: str | None) -> dict[str, str]:
    """The tiny feed's files (name without ``.txt`` → text); a change replaces a file, ``None`` removes it."""
    files: dict[str, str | None] = {
        "agency": AGENCY,
        "stops": STOPS,
        "routes": ROUTES,
        "trips": TRIPS,
        "stop_times": STOP_TIMES,
        "calendar": CALENDAR,
    }
    files |= changes
    return {f"{name}.txt": textwrap.dedent(text).lstrip() for name, text in files.items() if text is not None}


def write_feed(folder: Path, **changes: str | None) -> Path:
    """Write the tiny feed (with changes) into a folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tiny_files(**changes).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def rejects_of(feed: GtfsFeed, table: str) -> list[tuple[int | None, str, str]]:
    """(row, field, reason) of the rejects of one table, by row."""
    return sorted((r.row, r.field, r.reason) for r in feed.report if r.source == feed.source_of(table))


def test_tiny_feed_loads_with_parsed_columns_and_no_rejects(tmp_path: Path) -> None:
    feed = feed_from_path(write_feed(tmp_path / "tiny"))
    assert feed.name == "tiny"
    assert feed.has_timetables
    assert len(feed.report) == 0
    assert feed.stops["stop_lat"].tolist() == [45.00, 45.01, 45.03]
    assert feed.stop_times["arrival_time"].tolist() == [28800, pd.NA, 30600]
    assert feed.stop_times["stop_sequence"].dtype == np.int64
    assert feed.calendar["monday"].tolist() == [True]
    assert feed.calendar["start_date"].iloc[0] == pd.Timestamp("2024-01-01")
    assert feed.frequencies.empty and feed.shapes.empty and feed.calendar_dates.empty
    assert_every_row_accounted(feed)


def test_zip_with_bom_crlf_padded_headers_subfolder_and_no_final_newline_loads(tmp_path: Path) -> None:
    path = tmp_path / "messy.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in tiny_files().items():
            header, _, body = text.partition("\n")
            header = ", ".join(header.split(","))  # " stop_name" etc.: whitespace around header names
            raw = (header + "\n" + body).rstrip("\n").replace("\n", "\r\n")  # CRLF, no final newline
            archive.writestr(f"gtfs/{name}", "\ufeff" + raw if name == "stops.txt" else raw)
    feed = feed_from_path(path, name="messy")
    assert feed.name == "messy"
    assert feed.stops["stop_id"].tolist() == ["S1", "S2", "S3"]
    assert feed.stops["stop_name"].tolist() == ["One", "Two", "Three"]
    assert feed.stop_times["departure_time"].iloc[-1] == 30600
    assert feed.source_of("stop_times") == "messy.zip/stop_times.txt"
    assert feed.report.read_counts["messy.zip/stop_times.txt"] == 3
    assert_every_row_accounted(feed)


def test_calendar_dates_add_and_remove_services(tmp_path: Path) -> None:
    calendar = CALENDAR + "    SAT,0,0,0,0,0,1,0,20240101,20241231\n"
    calendar_dates = """
        service_id,date,exception_type
        WK,20240102,2
        SPECIAL,20240106,1
    """
    feed = feed_from_path(write_feed(tmp_path / "cal", calendar=calendar, calendar_dates=calendar_dates))
    assert service_ids_on(feed, "2024-01-01") == {"WK"}  # a Monday
    assert service_ids_on(feed, datetime.date(2024, 1, 2)) == set()  # a Tuesday, removed
    assert service_ids_on(feed, "20240106") == {"SAT", "SPECIAL"}  # a Saturday, plus an added service
    assert trips_on(feed, "2024-01-01")["trip_id"].tolist() == ["T1"]
    assert trips_on(feed, "2024-01-02").empty
    assert service_ids_on(feed, "2025-01-01") == set()
    summary = feed_summary(feed)
    assert (summary["first_service_date"], summary["last_service_date"]) == ("2024-01-01", "2024-12-31")
    assert summary["service_days"] == 366 - 52 - 1  # 2024: 366 days, 52 Sundays, 1 removed Tuesday


def test_overnight_times_past_midnight(tmp_path: Path) -> None:
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,23:50:00,23:50:00,S1,1
        T1,24:10:00,24:11:00,S2,2
        T1,24:30:00,24:30:00,S3,3
    """
    feed = feed_from_path(write_feed(tmp_path / "night", stop_times=stop_times))
    assert feed.stop_times["arrival_time"].tolist() == [85800, 87000, 88200]
    assert feed.stop_times["departure_time"].tolist() == [85800, 87060, 88200]
    assert gtfs_time_from_seconds(88200) == "24:30:00"
    parsed = seconds_from_gtfs_times(pd.Series(["24:30:00", "", "5:07:09", " 00:00:01 "]))
    assert parsed.tolist() == [88200, pd.NA, 5 * 3600 + 7 * 60 + 9, 1]
    with pytest.raises(ValueError, match="25:61:00"):
        seconds_from_gtfs_times(pd.Series(["25:61:00"]))


def test_unparseable_times_are_rejected_with_their_field(tmp_path: Path) -> None:
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,25:61:00,25:61:00,S2,2
        T1,08:20:00,abc,S2,3
        T1,08:30:00,08:30:00,S3,4
    """
    feed = feed_from_path(write_feed(tmp_path / "badtimes", stop_times=stop_times))
    assert rejects_of(feed, "stop_times") == [
        (2, "arrival_time", "arrival_time is not a time H:MM:SS (minutes and seconds 00-59)"),
        (3, "departure_time", "departure_time is not a time H:MM:SS (minutes and seconds 00-59)"),
    ]
    assert [r.value for r in feed.report] == ["25:61:00", "abc"]
    assert feed.stop_times["stop_sequence"].tolist() == [1, 4]
    assert_every_row_accounted(feed)


def test_stop_times_out_of_order_are_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    stops = STOPS + "    S4,Four,45.04,9.00\n"
    trips = TRIPS + "    R1,WK,T2\n"
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,08:10:00,08:10:00,S2,2
        T1,08:05:00,08:05:00,S3,3
        T1,08:20:00,08:20:00,S4,4
        T2,09:00:00,09:00:00,S1,1
        T2,09:05:00,09:05:00,S2,2
        T2,09:06:00,09:06:00,S3,2
        T2,09:10:00,09:10:00,S4,3
        T2,09:09:00,09:08:00,S4,4
    """
    feed = feed_from_path(write_feed(tmp_path / "order", stops=stops, trips=trips, stop_times=stop_times))
    assert rejects_of(feed, "stop_times") == [
        (3, "arrival_time", "times go backwards along the trip: arrival_time before an earlier stop's departure_time"),
        (7, "stop_sequence", "stop_sequence repeats an earlier row of the same trip (it must increase along the trip)"),
        (9, "departure_time", "departure_time earlier than arrival_time"),
    ]
    kept = feed.stop_times.groupby("trip_id")["stop_sequence"].agg(list).to_dict()
    assert kept == {"T1": [1, 2, 4], "T2": [1, 2, 3]}
    assert_every_row_accounted(feed)


def test_one_late_typo_is_the_row_rejected(tmp_path: Path) -> None:
    stops = STOPS + "    S4,Four,45.04,9.00\n"
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,09:10:00,09:10:00,S2,2
        T1,08:15:00,08:15:00,S3,3
        T1,08:20:00,08:20:00,S4,4
    """
    feed = feed_from_path(write_feed(tmp_path / "typo", stops=stops, stop_times=stop_times))
    [reject] = feed.report
    assert (reject.row, reject.field, reject.value) == (2, "departure_time", "09:10:00 > 08:15:00 at stop_sequence 3")
    assert reject.reason == "times go backwards along the trip: departure_time after a later stop's arrival_time"


def test_stop_times_listed_out_of_file_order_are_sorted_not_rejected(tmp_path: Path) -> None:
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:30:00,08:30:00,S3,30
        T1,08:00:00,08:00:00,S1,10
        T1,,,S2,20
    """
    feed = feed_from_path(write_feed(tmp_path / "shuffled", stop_times=stop_times))
    assert len(feed.report) == 0
    assert feed.stop_times["stop_id"].tolist() == ["S1", "S2", "S3"]


def test_stops_with_bad_coordinates_are_rejected_and_so_are_their_stop_times(tmp_path: Path) -> None:
    stops = """
        stop_id,stop_name,stop_lat,stop_lon
        S1,One,45.00,9.00
        S2,Two,abc,9.00
        S3,Three,45.03,9.00
        S4,No longitude,45.04,
        S5,Swapped out of range,95.0,45.0
        S6,Swapped in range,9.1,45.4
        S7,Null island,0,0
        S1,Duplicate,45.05,9.00
    """
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,08:10:00,08:10:00,S2,2
        T1,08:30:00,08:30:00,S3,3
    """
    folder = write_feed(tmp_path / "badstops", stops=stops, stop_times=stop_times)
    feed = feed_from_path(folder, bbox=(9.0, 45.3, 9.4, 45.6))
    assert rejects_of(feed, "stops") == [
        (2, "stop_lat", "stop_lat is not a number"),
        (4, "stop_lon", "stop_lon is empty"),
        (5, "stop_lat", "stop_lat outside -90..90 (stop_lat and stop_lon look swapped)"),
        (
            6,
            "stop_lat",
            "stop_lat and stop_lon look swapped (the stop falls in the bbox hint only with them exchanged)",
        ),
        (7, "stop_lat", "stop at 0,0 (placeholder coordinates)"),
        (8, "stop_id", "duplicate stop_id (the first row is kept)"),
    ]
    assert feed.stops["stop_id"].tolist() == ["S1", "S3"]
    values = {r.row: r.value for r in feed.report if r.source == feed.source_of("stops")}
    assert (values[2], values[6], values[8]) == ("abc", "9.1,45.4", "S1 (first at row 1)")
    assert rejects_of(feed, "stop_times") == [(2, "stop_id", "stop_id refers to a row rejected in stops.txt")]
    assert feed.stop_times["stop_id"].tolist() == ["S1", "S3"]
    assert_every_row_accounted(feed)
    without_hint = feed_from_path(folder)  # without a bbox, a plausible swapped point cannot be told
    assert "S6" in set(without_hint.stops["stop_id"])


def test_trips_with_unknown_routes_services_or_untimed_ends_are_rejected(tmp_path: Path) -> None:
    trips = """
        route_id,service_id,trip_id
        R1,WK,T1
        R9,WK,T2
        R1,NOPE,T3
        R1,WK,T4
        R1,WK,T1
        R1,WK,T5
    """
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,S1,1
        T1,08:30:00,08:30:00,S3,2
        T2,08:00:00,08:00:00,S1,1
        T4,08:00:00,08:00:00,S1,1
        T4,,,S3,2
        T9,08:00:00,08:00:00,S1,1
        T5,08:00:00,08:00:00,S1,1
    """
    feed = feed_from_path(write_feed(tmp_path / "badtrips", trips=trips, stop_times=stop_times))
    assert rejects_of(feed, "trips") == [
        (2, "route_id", "route_id not in routes.txt"),
        (3, "service_id", "service_id not in calendar.txt or calendar_dates.txt"),
        (4, "trip_id", "the trip's last stop_time has no time (needed to interpolate the others)"),
        (5, "trip_id", "duplicate trip_id (the first row is kept)"),
        (6, "trip_id", "the trip has only one usable stop_time"),
    ]
    assert rejects_of(feed, "stop_times") == [
        (3, "trip_id", "trip_id refers to a row rejected in trips.txt"),
        (4, "arrival_time", "the trip's last stop_time has no time (needed to interpolate the others)"),
        (5, "arrival_time", "the trip's last stop_time has no time (needed to interpolate the others)"),
        (6, "trip_id", "trip_id not in trips.txt"),
        (7, "arrival_time", "the trip has only one usable stop_time"),
    ]
    assert feed.trips["trip_id"].tolist() == ["T1"]
    assert_every_row_accounted(feed)


def test_frequency_trip_expands_to_the_hand_computed_departures(tmp_path: Path) -> None:
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,06:00:00,06:00:00,S1,1
        T1,06:09:00,06:10:00,S2,2
    """
    frequencies = """
        trip_id,start_time,end_time,headway_secs,exact_times
        T1,06:00:00,07:00:00,1200,1
        T1,07:00:00,07:30:00,900,1
        T1,08:00:00,08:25:00,600,0
        T1,09:00:00,09:00:00,600,0
        T1,10:00:00,11:00:00,0,0
        T1,07:10:00,07:20:00,300,0
    """
    feed = feed_from_path(write_feed(tmp_path / "freq", stop_times=stop_times, frequencies=frequencies))
    assert rejects_of(feed, "frequencies") == [
        (4, "end_time", "end_time not after start_time"),
        (5, "headway_secs", "headway_secs must be a positive whole number of seconds"),
        (6, "start_time", "window starts before the end of an earlier window of the same trip"),
    ]
    assert sorted(r.value for r in feed.report) == ["0", "07:10:00 < 07:30:00", "09:00:00"]
    assert_every_row_accounted(feed)
    expanded = expand_frequencies(feed)
    # 06:00-07:00 every 20 min: 3; 07:00-07:30 every 15 min: 2; 08:00-08:25 every 10 min: ceil(25/10) = 3.
    starts = [6 * 3600, 6 * 3600 + 1200, 6 * 3600 + 2400, 7 * 3600, 7 * 3600 + 900, 8 * 3600, 8 * 3600 + 600]
    starts += [8 * 3600 + 1200]
    assert expanded["trip_id"].unique().tolist() == [f"T1#{start}" for start in starts]
    assert set(expanded["template_trip_id"]) == {"T1"}
    assert expanded["arrival_time"].tolist() == [t for start in starts for t in (start, start + 540)]
    assert expanded["departure_time"].tolist() == [t for start in starts for t in (start, start + 600)]
    assert expanded.groupby("trip_id", sort=False)["stop_sequence"].agg(list).map(tuple).unique().tolist() == [(1, 2)]
    assert expand_frequencies(feed, trips=[]).empty
    assert len(expand_frequencies(feed, trips_on(feed, "2024-01-01"))) == len(expanded)


@pytest.mark.parametrize(
    ("stops", "stop_times", "expected"),
    [
        # By straight-line distance: 0.01° of 0.03° along the meridian → 1/3 of 30 min after 08:00.
        (STOPS, STOP_TIMES, 8 * 3600 + 600),
        # By shape_dist_traveled when the trip gives it: 100 of 400 → 1/4 of 30 min.
        (
            STOPS,
            """
            trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled
            T1,08:00:00,08:00:00,S1,1,0
            T1,,,S2,2,100
            T1,08:30:00,08:30:00,S3,3,400
            """,
            8 * 3600 + 450,
        ),
        # By stop_sequence position when the stops do not move: 1 of 2 → half of 30 min.
        (
            """
            stop_id,stop_name,stop_lat,stop_lon
            S1,One,45.0,9.0
            S2,Two,45.0,9.0
            S3,Three,45.0,9.0
            """,
            STOP_TIMES,
            8 * 3600 + 900,
        ),
    ],
    ids=["distance", "shape_dist_traveled", "sequence"],
)
def test_interpolation_of_one_untimed_middle_stop(tmp_path: Path, stops: str, stop_times: str, expected: int) -> None:
    feed = feed_from_path(write_feed(tmp_path / "interp", stops=stops, stop_times=stop_times))
    timed = interpolate_stop_times(feed)
    assert timed["arrival_time"].tolist() == [28800, expected, 30600]
    assert timed["departure_time"].tolist() == [28800, expected, 30600]
    assert timed["interpolated"].tolist() == [False, True, False]
    assert timed["arrival_time"].dtype == np.int64
    assert feed.stop_times["arrival_time"].isna().sum() == 1  # the feed itself is left as read


def test_rows_with_too_many_fields_are_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    stops = STOPS + "    S4,Four,45.04,9.00,surplus\n"
    feed = feed_from_path(write_feed(tmp_path / "wide", stops=stops))
    assert rejects_of(feed, "stops") == [(4, "", "row has more fields than the header")]
    assert [r.value for r in feed.report] == ["5 > 4"]
    assert len(feed.stops) == 3
    assert_every_row_accounted(feed)


def test_stops_only_feed_has_no_timetables(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "stops_only", trips=None, stop_times=None, calendar=None)
    feed = feed_from_path(folder)
    assert not feed.has_timetables
    assert len(feed.stops) == 3 and len(feed.routes) == 1
    assert feed.trips.empty and feed.stop_times.empty
    assert interpolate_stop_times(feed).empty
    assert expand_frequencies(feed).empty
    assert service_ids_on(feed, "2024-01-01") == set()


def test_empty_stops_raises_no_usable_rows(tmp_path: Path) -> None:
    with pytest.raises(NoUsableRowsError, match=r"empty_header/stops\.txt has no data rows"):
        feed_from_path(write_feed(tmp_path / "empty_header", stops="stop_id,stop_name,stop_lat,stop_lon\n"))
    with pytest.raises(NoUsableRowsError, match=r"stops\.txt"):
        feed_from_path(write_feed(tmp_path / "zero_bytes", stops=""))
    with pytest.raises(NoUsableRowsError, match=r"all 1 rows were rejected \(1 × stop_lat is not a number\)"):
        feed_from_path(write_feed(tmp_path / "all_bad", stops="stop_id,stop_lat,stop_lon\nS1,north,east\n"))


def test_missing_stops_raises_source_format_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"stops\.txt is missing"):
        feed_from_path(write_feed(tmp_path / "nostops", stops=None))


def test_non_utf8_stops_raises_source_format_error_naming_the_file(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "latin1")
    (folder / "stops.txt").write_bytes("stop_id,stop_name,stop_lat,stop_lon\nS1,São João,45.0,9.0\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match=r"latin1/stops\.txt is not UTF-8"):
        feed_from_path(folder)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stop_times": None}, r"stop_times\.txt is missing although trips\.txt is present"),
        ({"trips": None}, r"trips\.txt is missing although stop_times\.txt is present"),
        ({"routes": None}, r"routes\.txt is missing"),
        ({"calendar": None}, r"neither calendar\.txt nor calendar_dates\.txt"),
        ({"stops": "stop_id,stop_name\nS1,One\n"}, r"stops\.txt lacks the required column\(s\) stop_lat, stop_lon"),
    ],
)
def test_structurally_broken_feeds_raise_source_format_error(
    tmp_path: Path, changes: dict[str, str | None], message: str
) -> None:
    with pytest.raises(SourceFormatError, match=message):
        feed_from_path(write_feed(tmp_path / "broken", **changes))


def test_missing_path_and_non_zip_file_raise(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError):
        feed_from_path(tmp_path / "nowhere.zip")
    not_a_zip = tmp_path / "feed.zip"
    not_a_zip.write_text("hello", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="neither a folder nor a zip"):
        feed_from_path(not_a_zip)


def test_stops_frame_follows_the_stops_contract(tmp_path: Path) -> None:
    stops = stops_frame(feed_from_path(write_feed(tmp_path / "contract"), name="tiny"))
    assert list(stops.columns) == STOP_COLUMNS
    assert stops.crs == WGS84
    assert stops["id"].tolist() == ["S1", "S2", "S3"]
    assert set(stops["feed"]) == {"tiny"}
    assert (stops.geometry.x.tolist(), stops.geometry.y.tolist()) == ([9.0, 9.0, 9.0], [45.0, 45.01, 45.03])


# --------------------------------------------------------------------------------------------------------------
# Real feeds
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poa_eptc() -> GtfsFeed:
    return feed_from_path(existing(POA_EPTC))


def test_poa_eptc_counts_and_accounting(poa_eptc: GtfsFeed) -> None:
    summary = feed_summary(poa_eptc)
    read = summary["read"]
    assert isinstance(read, dict)
    assert (read["stops"], read["routes"], read["trips"], read["stop_times"]) == (3986, 115, 2374, 130019)
    assert (len(poa_eptc.stops), len(poa_eptc.routes), len(poa_eptc.trips)) == (3986, 115, 2374)
    assert len(poa_eptc.stop_times) == 130019
    assert summary["untimed_stop_times"] == 125271
    assert summary["service_days"] == 66
    assert (summary["first_service_date"], summary["last_service_date"]) == ("2019-04-15", "2019-07-15")
    assert_every_row_accounted(poa_eptc)


def test_poa_eptc_interpolation_fills_every_time_in_order(poa_eptc: GtfsFeed) -> None:
    timed = interpolate_stop_times(poa_eptc)
    assert len(timed) == 130019
    assert timed["interpolated"].sum() == 125271
    arrival, departure = timed["arrival_time"].to_numpy(), timed["departure_time"].to_numpy()
    assert not np.isnan(arrival.astype(float)).any()
    assert (departure >= arrival).all()
    same_trip = timed["trip_id"].to_numpy()[1:] == timed["trip_id"].to_numpy()[:-1]
    assert (arrival[1:][same_trip] >= departure[:-1][same_trip]).all()
    assert (np.diff(timed["stop_sequence"].to_numpy())[same_trip] > 0).all()


def test_poa_eptc_service_calendar(poa_eptc: GtfsFeed) -> None:
    wednesday = service_ids_on(poa_eptc, "2019-05-15")
    assert wednesday
    assert len(trips_on(poa_eptc, "2019-05-15")) > 0
    assert service_ids_on(poa_eptc, "2019-08-01") == set()  # after the calendar's end
    assert service_ids_on(poa_eptc, "2019-04-14") == set()  # before its start
    assert service_ids_on(poa_eptc, "2019-05-01") < wednesday  # Labour Day removes 54 weekday services


def test_poa_trensurb_loads_despite_missing_final_newlines() -> None:
    feed = feed_from_path(existing(POA_TRENSURB))
    assert (len(feed.stops), len(feed.routes), len(feed.trips), len(feed.stop_times)) == (24, 2, 1248, 14855)
    assert "agency_name" in feed.agency.columns  # the header has " agency_name"
    assert feed.has_timetables
    assert len(feed.report) == 0
    assert_every_row_accounted(feed)


def frequency_departures_in_zip(path: Path) -> int:
    """Departures of frequencies.txt counted straight from the zip: the sum of ceil((end - start) / headway)."""
    with zipfile.ZipFile(path) as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("frequencies.txt"), encoding="utf-8-sig")))

    def seconds(text: str) -> int:
        hours, minutes, secs = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + secs

    return sum(
        math.ceil((seconds(row["end_time"]) - seconds(row["start_time"])) / int(row["headway_secs"])) for row in rows
    )


def test_spo_frequencies_expand_to_the_independently_counted_departures() -> None:
    feed = feed_from_path(existing(SPO))
    assert (len(feed.stops), len(feed.routes), len(feed.trips), len(feed.frequencies)) == (654, 19, 36, 704)
    assert_every_row_accounted(feed)
    expanded = expand_frequencies(feed, stop_times=interpolate_stop_times(feed))
    departures = frequency_departures_in_zip(SPO)
    assert departures == 7948
    assert expanded["trip_id"].nunique() == departures
    stops_per_trip = feed.stop_times.groupby("trip_id").size()
    departures_per_trip = expanded.groupby("template_trip_id")["trip_id"].nunique()
    assert len(expanded) == int((stops_per_trip * departures_per_trip).sum())
    first_window = feed.frequencies.sort_values(["trip_id", "start_time"]).iloc[0]
    first = expanded[expanded["trip_id"] == f"{first_window['trip_id']}#{first_window['start_time']}"]
    assert first["departure_time"].iloc[0] == first_window["start_time"]


def test_milan_partial_amat_is_a_stops_only_feed() -> None:
    feed = feed_from_path(existing(MILAN_PARTIAL), bbox=(8.9, 45.3, 9.5, 45.7))
    assert len(feed.stops) == 4987
    assert not feed.has_timetables
    assert_every_row_accounted(feed)
    stops = stops_frame(feed)
    assert len(stops) == 4987 and stops["id"].is_unique


def test_corrupted_real_feed_still_accounts_for_every_row(tmp_path: Path) -> None:
    """Trensurb with 2% of the cells of stops.txt and stop_times.txt replaced by junk (fixed seed)."""
    junk = ["", "abc", "25:61:00", "-1", "99:59:59", "1.5", "nan", "24:30:00", "MR", "7"]
    rng = np.random.default_rng(7)
    corrupted = tmp_path / "trensurb_corrupted.zip"
    with zipfile.ZipFile(existing(POA_TRENSURB)) as source, zipfile.ZipFile(corrupted, "w") as target:
        for name in source.namelist():
            rows = list(csv.reader(io.StringIO(source.read(name).decode("utf-8"))))
            if name in {"stops.txt", "stop_times.txt"}:
                for row in rows[1:]:
                    for column in np.flatnonzero(rng.random(len(row)) < 0.02):
                        row[column] = junk[rng.integers(len(junk))]
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            target.writestr(name, text.getvalue())
    feed = feed_from_path(corrupted)
    assert_every_row_accounted(feed)
    assert feed.report.rejected_count(feed.source_of("stops")) > 0
    assert feed.report.rejected_count(feed.source_of("stop_times")) > 100
    timed = interpolate_stop_times(feed)
    same_trip = timed["trip_id"].to_numpy()[1:] == timed["trip_id"].to_numpy()[:-1]
    assert (timed["arrival_time"].to_numpy()[1:][same_trip] >= timed["departure_time"].to_numpy()[:-1][same_trip]).all()
