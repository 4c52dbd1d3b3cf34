"""The row checks of a GTFS feed: every table checked, each bad row dropped into the reject report.

:func:`tables_checked` takes the raw string tables of :func:`data_sources.gtfs.feed_from_path` and returns them
checked and parsed as the :mod:`data_sources.gtfs` docstring says. A row that breaks a rule never raises: it
lands in the report with its file, its data row, the field at fault and a fixed reason phrase; rejections
cascade by id (a stop_time whose stop was rejected says so).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection

import numpy as np
import pandas as pd

from data_sources.errors import NoUsableRowsError
from data_sources.gtfs_calendar import WEEKDAYS
from data_sources.gtfs_times import (
    gtfs_time_from_seconds,
    seconds_and_invalid_from_times,
    time_text_or_empty,
    trip_starts,
)
from data_sources.rejects import RejectReport
from data_sources.validation import Rejector

__all__ = ["ROW", "require_rows", "tables_checked"]

#: Working column: the data row number in the source file (1 = first row after the header).
ROW = "_row"
_ROW = ROW


def require_rows(frame: pd.DataFrame, source: str, report: RejectReport) -> None:
    """Raise :class:`NoUsableRowsError` when a table that was read has no row left."""
    if frame.empty and report.read_counts[source] > 0:
        reasons = Counter(r.reason for r in report if r.source == source).most_common(3)
        summary = "; ".join(f"{count:,} × {reason}" for reason, count in reasons)
        msg = f"{source}: all {report.read_counts[source]:,} rows were rejected ({summary})"
        raise NoUsableRowsError(msg)


def tables_checked(
    tables: dict[str, pd.DataFrame],
    source: Callable[[str], str],
    report: RejectReport,
    bbox: tuple[float, float, float, float] | None,
    *,
    has_timetables: bool,
) -> dict[str, pd.DataFrame]:
    """Every table checked in dependency order (stops, routes, calendars, trips, stop_times, frequencies, shapes).

    Parameters
    ----------
    tables
        The tables read, as strings, each with its required columns and the ``ROW`` column.
    source
        The report source of a table (``"poa_eptc.zip/stops.txt"`` for ``"stops"``).
    report
        Where rejected rows go.
    bbox
        The optional area hint of :func:`data_sources.gtfs.feed_from_path`.
    has_timetables
        Whether trips.txt was present: then trips and stop_times must keep some rows.

    Returns
    -------
    dict
        The kept rows of every table, parsed, without the ``ROW`` column.

    Raises
    ------
    NoUsableRowsError
        If stops.txt (or, with timetables, trips.txt or stop_times.txt) keeps no row.
    """

    stops = _stops_checked(tables["stops"], _rejector(report, source("stops"), "stop_id"), bbox)
    require_rows(stops, source("stops"), report)
    routes = _duplicates_dropped(tables["routes"], ["route_id"], _rejector(report, source("routes"), "route_id"))
    calendar = _calendar_checked(tables["calendar"], _rejector(report, source("calendar"), "service_id"))
    calendar_dates = _calendar_dates_checked(
        tables["calendar_dates"], _rejector(report, source("calendar_dates"), "service_id")
    )
    services_read = _ids(tables["calendar"]["service_id"], tables["calendar_dates"]["service_id"])
    services_kept = _ids(calendar["service_id"], calendar_dates["service_id"])
    trips_rejecter = _rejector(report, source("trips"), "trip_id")
    trips = _trips_checked(
        tables["trips"],
        trips_rejecter,
        routes_read=_ids(tables["routes"]["route_id"]),
        routes_kept=_ids(routes["route_id"]),
        services_read=services_read,
        services_kept=services_kept,
    )
    stop_times, trip_reasons = _stop_times_checked(
        tables["stop_times"],
        _rejector(report, source("stop_times"), "trip_id"),
        stops_read=_ids(tables["stops"]["stop_id"]),
        stops_kept=_ids(stops["stop_id"]),
        trips_read=_ids(tables["trips"]["trip_id"]),
        trips_kept=_ids(trips["trip_id"]),
    )
    trips = _trips_without_stop_times_dropped(
        trips, trips_rejecter, _ids(stop_times["trip_id"]), _ids(tables["stop_times"]["trip_id"]), trip_reasons
    )
    if has_timetables:
        require_rows(trips, source("trips"), report)
        require_rows(stop_times, source("stop_times"), report)
    frequencies = _frequencies_checked(
        tables["frequencies"],
        _rejector(report, source("frequencies"), "trip_id"),
        trips_read=_ids(tables["trips"]["trip_id"]),
        trips_kept=_ids(trips["trip_id"]),
    )
    shapes = _shapes_checked(tables["shapes"], _rejector(report, source("shapes"), "shape_id"))

    checked = {"agency": tables["agency"], "stops": stops, "routes": routes, "trips": trips}
    checked |= {"stop_times": stop_times, "calendar": calendar, "calendar_dates": calendar_dates}
    checked |= {"frequencies": frequencies, "shapes": shapes}
    return {table: frame.drop(columns=ROW).reset_index(drop=True) for table, frame in checked.items()}


def _rejector(report: RejectReport, source: str, id_field: str) -> Rejector:
    """The rejector of one table: its source names the file too, and each row's number is in the ``ROW`` column."""
    return Rejector(report, source, source, id_field, row_field=ROW)


def _numbers_from_strings(values: pd.Series) -> np.ndarray:
    """Finite floats from strings (NaN where empty, unparseable, infinite or 'nan')."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def _integers_from_strings(values: pd.Series) -> np.ndarray:
    """Non-negative integers from digit strings, as floats (NaN where the string is not all digits)."""
    digits = values.str.fullmatch(r"\d{1,15}").to_numpy(dtype=bool, na_value=False)
    numbers = np.full(len(values), np.nan)
    numbers[digits] = values[digits].astype(np.int64).to_numpy()
    return numbers


def _dates_from_strings(values: pd.Series) -> pd.Series:
    """Dates from ``YYYYMMDD`` strings (NaT where invalid)."""
    return pd.to_datetime(values, format="%Y%m%d", errors="coerce")


def _ids(*columns: pd.Series) -> pd.Index:
    """The distinct values of some id columns (fast membership tests without Python sets)."""
    return pd.Index(pd.concat(columns, ignore_index=True).unique())


def _drop_empty_ids(frame: pd.DataFrame, rejecter: Rejector, columns: Collection[str]) -> pd.DataFrame:
    """Rows whose id columns are all non-empty."""
    for column in columns:
        frame = rejecter(frame, frame[column].eq(""), column, f"{column} is empty")
    return frame


def _duplicates_dropped(frame: pd.DataFrame, key: list[str], rejecter: Rejector) -> pd.DataFrame:
    """Rows whose ``key`` is non-empty and not repeated; later repeats are rejected (the first row is kept)."""
    frame = _drop_empty_ids(frame, rejecter, key[:1])
    repeated = frame.duplicated(key, keep="first").to_numpy()
    if not repeated.any():
        return frame
    first_rows = frame.drop_duplicates(key).set_index(key)[_ROW]
    firsts = first_rows.reindex(pd.MultiIndex.from_frame(frame[key]) if len(key) > 1 else frame[key[0]])
    values = frame[key].astype(str).agg(" ".join, axis=1).to_numpy(dtype=object)
    values = np.array([f"{v} (first at row {first})" for v, first in zip(values, firsts, strict=True)], dtype=object)
    reason = f"duplicate {' and '.join(key)} (the first row is kept)"
    return rejecter(frame, repeated, key[-1], reason, values)


def _stops_checked(
    frame: pd.DataFrame, rejecter: Rejector, bbox: tuple[float, float, float, float] | None
) -> pd.DataFrame:
    """Stops with an id and usable WGS84 coordinates (parsed to float)."""
    frame = _drop_empty_ids(frame, rejecter, ["stop_id"])
    for column in ("stop_lat", "stop_lon"):
        # GTFS lets generic nodes and boarding areas (location_type 3, 4) omit coordinates; routing needs them.
        node = frame["location_type"].isin(["3", "4"]) if "location_type" in frame.columns else False
        reason = np.where(node, f"{column} is empty (generic node or boarding area)", f"{column} is empty")
        frame = rejecter(frame, frame[column].eq(""), column, np.broadcast_to(reason, len(frame)))
        number = _numbers_from_strings(frame[column])
        frame = rejecter(frame, np.isnan(number), column, f"{column} is not a number")
    lat = frame["stop_lat"].astype(float).to_numpy()
    lon = frame["stop_lon"].astype(float).to_numpy()
    lat_out = np.abs(lat) > 90
    reason = np.where(
        np.abs(lon) <= 90, "stop_lat outside -90..90 (stop_lat and stop_lon look swapped)", "stop_lat outside -90..90"
    )
    frame = rejecter(frame, lat_out, "stop_lat", reason)
    lat, lon = lat[~lat_out], lon[~lat_out]
    lon_out = np.abs(lon) > 180
    frame = rejecter(frame, lon_out, "stop_lon", "stop_lon outside -180..180")
    lat, lon = lat[~lon_out], lon[~lon_out]
    null_island = (lat == 0) & (lon == 0)
    frame = rejecter(frame, null_island, "stop_lat", "stop at 0,0 (placeholder coordinates)")
    lat, lon = lat[~null_island], lon[~null_island]
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        inside_swapped = (lat >= min_lon) & (lat <= max_lon) & (lon >= min_lat) & (lon <= max_lat)
        swapped = ~inside & inside_swapped
        values = np.array([f"{a},{b}" for a, b in zip(lat[swapped], lon[swapped], strict=True)], dtype=object)
        all_values = np.full(len(frame), "", dtype=object)
        all_values[swapped] = values
        frame = rejecter(
            frame,
            swapped,
            "stop_lat",
            "stop_lat and stop_lon look swapped (the stop falls in the bbox hint only with them exchanged)",
            all_values,
        )
        lat, lon = lat[~swapped], lon[~swapped]
    frame = frame.assign(stop_lat=lat, stop_lon=lon)
    return _duplicates_dropped(frame, ["stop_id"], rejecter)


def _calendar_checked(frame: pd.DataFrame, rejecter: Rejector) -> pd.DataFrame:
    """Calendar rows with 0/1 weekday flags and a valid date range (flags to bool, dates to datetime64)."""
    frame = _drop_empty_ids(frame, rejecter, ["service_id"])
    for day in WEEKDAYS:
        frame = rejecter(frame, ~frame[day].isin(["0", "1"]), day, f"{day} must be 0 or 1")
    for column in ("start_date", "end_date"):
        bad = _dates_from_strings(frame[column]).isna()
        frame = rejecter(frame, bad, column, f"{column} is not a date YYYYMMDD")
    start, end = _dates_from_strings(frame["start_date"]), _dates_from_strings(frame["end_date"])
    frame = rejecter(frame, (end < start).to_numpy(), "end_date", "end_date before start_date")
    frame = _duplicates_dropped(frame, ["service_id"], rejecter)
    flags = {day: frame[day].eq("1") for day in WEEKDAYS}
    return frame.assign(
        **flags,
        start_date=_dates_from_strings(frame["start_date"]),
        end_date=_dates_from_strings(frame["end_date"]),
    )


def _calendar_dates_checked(frame: pd.DataFrame, rejecter: Rejector) -> pd.DataFrame:
    """Calendar exceptions with a valid date and exception_type 1 or 2 (parsed), one per service and date."""
    frame = _drop_empty_ids(frame, rejecter, ["service_id"])
    frame = rejecter(frame, _dates_from_strings(frame["date"]).isna(), "date", "date is not a date YYYYMMDD")
    frame = rejecter(
        frame,
        ~frame["exception_type"].isin(["1", "2"]),
        "exception_type",
        "exception_type must be 1 (added) or 2 (removed)",
    )
    frame = _duplicates_dropped(frame, ["service_id", "date"], rejecter)
    return frame.assign(
        date=_dates_from_strings(frame["date"]), exception_type=frame["exception_type"].astype(np.int64)
    )


def _unknown_ids_dropped(
    frame: pd.DataFrame,
    rejecter: Rejector,
    column: str,
    read: pd.Index,
    kept: pd.Index,
    file: str,
) -> pd.DataFrame:
    """Rows whose ``column`` names a row of ``file``: neither absent from it nor rejected there."""
    frame = rejecter(frame, ~frame[column].isin(read).to_numpy(), column, f"{column} not in {file}")
    return rejecter(frame, ~frame[column].isin(kept).to_numpy(), column, f"{column} refers to a row rejected in {file}")


def _trips_checked(
    frame: pd.DataFrame,
    rejecter: Rejector,
    *,
    routes_read: pd.Index,
    routes_kept: pd.Index,
    services_read: pd.Index,
    services_kept: pd.Index,
) -> pd.DataFrame:
    """Trips with a unique id, a known route and a known service."""
    frame = _duplicates_dropped(frame, ["trip_id"], rejecter)
    frame = _unknown_ids_dropped(frame, rejecter, "route_id", routes_read, routes_kept, "routes.txt")
    frame = rejecter(
        frame,
        ~frame["service_id"].isin(services_read).to_numpy(),
        "service_id",
        "service_id not in calendar.txt or calendar_dates.txt",
    )
    return rejecter(
        frame,
        ~frame["service_id"].isin(services_kept).to_numpy(),
        "service_id",
        "service_id refers to rows rejected in calendar.txt / calendar_dates.txt",
    )


def _stop_times_checked(
    frame: pd.DataFrame,
    rejecter: Rejector,
    *,
    stops_read: pd.Index,
    stops_kept: pd.Index,
    trips_read: pd.Index,
    trips_kept: pd.Index,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Stop times that can be used, sorted by trip then stop_sequence, and why some trips lost all of theirs.

    Rules, in order: known trip and stop; stop_sequence a non-negative integer, unique in its trip; times
    H:MM:SS (a time given only as arrival or departure fills the other); departure not before arrival; times
    never going backwards along the trip (the fewest rows are rejected so that the rest is in order); the first
    and last stop of each trip timed (interpolation needs both) and at least two stops. A trip that breaks the
    last two rules loses all its rows, and its reason is returned for trips.txt.
    """
    frame = _drop_empty_ids(frame, rejecter, ["trip_id", "stop_id"])
    frame = _unknown_ids_dropped(frame, rejecter, "trip_id", trips_read, trips_kept, "trips.txt")
    frame = _unknown_ids_dropped(frame, rejecter, "stop_id", stops_read, stops_kept, "stops.txt")
    sequence = _integers_from_strings(frame["stop_sequence"])
    frame = rejecter(frame, np.isnan(sequence), "stop_sequence", "stop_sequence is not a non-negative integer")
    arrival, bad_arrival = seconds_and_invalid_from_times(frame["arrival_time"])
    departure, bad_departure = seconds_and_invalid_from_times(frame["departure_time"])
    reason = "{} is not a time H:MM:SS (minutes and seconds 00-59)"
    frame = rejecter(frame, bad_arrival, "arrival_time", reason.format("arrival_time"))
    arrival, departure, bad_departure = arrival[~bad_arrival], departure[~bad_arrival], bad_departure[~bad_arrival]
    frame = rejecter(frame, bad_departure, "departure_time", reason.format("departure_time"))
    arrival, departure = arrival[~bad_departure], departure[~bad_departure]
    arrival, departure = (
        np.where(np.isnan(arrival), departure, arrival),
        np.where(np.isnan(departure), arrival, departure),
    )
    frame = frame.assign(
        stop_sequence=frame["stop_sequence"].astype(np.int64),
        arrival_time=arrival,
        departure_time=departure,
    )
    if "shape_dist_traveled" in frame.columns:
        distance = _numbers_from_strings(frame["shape_dist_traveled"])
        unparseable = np.isnan(distance) & frame["shape_dist_traveled"].ne("").to_numpy()
        frame = rejecter(frame, unparseable, "shape_dist_traveled", "shape_dist_traveled is not a number")
        frame = frame.assign(shape_dist_traveled=_numbers_from_strings(frame["shape_dist_traveled"]))
    codes = pd.factorize(frame["trip_id"])[0]
    order = np.lexsort((frame[_ROW].to_numpy(), frame["stop_sequence"].to_numpy(), codes))
    frame = frame.iloc[order]
    frame = rejecter(
        frame,
        frame.duplicated(["trip_id", "stop_sequence"]).to_numpy(),
        "stop_sequence",
        "stop_sequence repeats an earlier row of the same trip (it must increase along the trip)",
    )
    frame = rejecter(
        frame,
        frame["departure_time"].to_numpy() < frame["arrival_time"].to_numpy(),
        "departure_time",
        "departure_time earlier than arrival_time",
        lambda bad: bad["departure_time"].map(time_text_or_empty),
    )
    frame = _times_going_backwards_dropped(frame, rejecter)
    frame, trip_reasons = _trips_untimed_at_ends_dropped(frame, rejecter)
    times = {
        column: pd.array(frame[column].to_numpy(dtype=float), dtype="Int64")
        for column in ("arrival_time", "departure_time")
    }
    return frame.assign(**times), trip_reasons


def _times_going_backwards_dropped(frame: pd.DataFrame, rejecter: Rejector) -> pd.DataFrame:
    """Rows of sorted stop times with the fewest rows removed so that times never decrease along a trip."""
    trip_ids = frame["trip_id"].to_numpy()
    arrival = frame["arrival_time"].to_numpy(dtype=float)
    departure = frame["departure_time"].to_numpy(dtype=float)
    starts = trip_starts(trip_ids)
    codes = np.cumsum(starts) - 1
    latest = pd.Series(np.where(np.isnan(departure), -np.inf, departure)).groupby(codes).cummax().to_numpy()
    latest_before = np.roll(latest, 1)
    latest_before[starts] = -np.inf
    broken = np.unique(codes[arrival < latest_before])
    if broken.size == 0:
        return frame
    bounds = np.append(np.flatnonzero(starts), len(frame))
    sequence = frame["stop_sequence"].to_numpy()
    fields = np.full(len(frame), "", dtype=object)
    reasons = np.full(len(frame), "", dtype=object)
    values = np.full(len(frame), "", dtype=object)
    for code in broken:
        lo, hi = bounds[code], bounds[code + 1]
        fields[lo:hi], reasons[lo:hi], values[lo:hi] = _rows_out_of_time_order(
            arrival[lo:hi], departure[lo:hi], sequence[lo:hi]
        )
    for field_name in ("arrival_time", "departure_time"):
        at_fault = fields == field_name
        frame = rejecter(frame, at_fault, field_name, reasons, values)
        fields, reasons, values = fields[~at_fault], reasons[~at_fault], values[~at_fault]
    return frame


def _longest_chain_in_time_order(arrival: np.ndarray, departure: np.ndarray) -> np.ndarray:
    """Mask of the most timed rows (in order) in which each row arrives no earlier than the previous departs.

    A longest non-decreasing subsequence by patience sorting, O(n log n); NaN (untimed) rows are left out. Of
    equally long chains, the one whose rows come latest wins.
    """
    tail_ends: list[float] = []  # tail_ends[k]: the smallest departure that ends a chain of k + 1 rows
    tail_rows: list[int] = []
    parent = np.full(len(arrival), -1)
    for row in np.flatnonzero(~np.isnan(arrival)):
        k = bisect_right(tail_ends, arrival[row])
        parent[row] = tail_rows[k - 1] if k > 0 else -1
        if k == len(tail_ends):
            tail_ends.append(departure[row])
            tail_rows.append(row)
        elif departure[row] <= tail_ends[k]:
            tail_ends[k], tail_rows[k] = departure[row], row
    kept = np.zeros(len(arrival), dtype=bool)
    row = tail_rows[-1] if tail_rows else -1
    while row >= 0:
        kept[row], row = True, parent[row]
    return kept


def _rows_out_of_time_order(
    arrival: np.ndarray, departure: np.ndarray, sequence: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fewest timed rows of one trip to remove so that the others never go back in time.

    Untimed rows are never removed. Of equally small choices, the rows that come later are removed (the chain
    is searched backwards in time from the last stop), so a single time that goes back is the one rejected.
    Returns, per row, the field at fault (empty for rows kept), a reason naming the kept stop it conflicts
    with, and the time at fault.
    """
    timed = np.flatnonzero(~np.isnan(arrival))
    kept = _longest_chain_in_time_order(-departure[::-1], -arrival[::-1])[::-1]
    removed = np.zeros(len(arrival), dtype=bool)
    removed[timed] = ~kept[timed]
    fields = np.full(len(arrival), "", dtype=object)
    reasons = np.full(len(arrival), "", dtype=object)
    values = np.full(len(arrival), "", dtype=object)
    kept_rows = np.flatnonzero(kept)
    for row in np.flatnonzero(removed):
        before = kept_rows[kept_rows < row]
        after = kept_rows[kept_rows > row]
        if before.size and arrival[row] < departure[before[-1]]:
            other = before[-1]
            fields[row] = "arrival_time"
            reasons[row] = "times go backwards along the trip: arrival_time before an earlier stop's departure_time"
            values[row] = (
                f"{gtfs_time_from_seconds(int(arrival[row]))} < {gtfs_time_from_seconds(int(departure[other]))} "
                f"at stop_sequence {sequence[other]}"
            )
        else:
            other = after[0]
            fields[row] = "departure_time"
            reasons[row] = "times go backwards along the trip: departure_time after a later stop's arrival_time"
            values[row] = (
                f"{gtfs_time_from_seconds(int(departure[row]))} > {gtfs_time_from_seconds(int(arrival[other]))} "
                f"at stop_sequence {sequence[other]}"
            )
    return fields, reasons, values


def _trips_untimed_at_ends_dropped(frame: pd.DataFrame, rejecter: Rejector) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sorted stop times without the trips whose first or last stop is untimed or that have a single stop."""
    trip_ids = frame["trip_id"].to_numpy()
    untimed = np.isnan(frame["arrival_time"].to_numpy(dtype=float))
    starts = trip_starts(trip_ids)
    ends = np.roll(starts, -1)
    if len(ends):
        ends[-1] = True
    trip_reasons: dict[str, str] = {}
    checks = (
        (starts & ends, "the trip has only one usable stop_time"),
        (starts & untimed, "the trip's first stop_time has no time (needed to interpolate the others)"),
        (ends & untimed, "the trip's last stop_time has no time (needed to interpolate the others)"),
    )
    for where, reason in checks:
        for trip_id in trip_ids[where]:
            trip_reasons.setdefault(trip_id, reason)
    if not trip_reasons:
        return frame, trip_reasons
    reasons = frame["trip_id"].map(trip_reasons)
    bad = reasons.notna().to_numpy()
    frame = rejecter(
        frame,
        bad,
        "arrival_time",
        reasons.fillna("").to_numpy(),
        lambda rows: rows["arrival_time"].map(time_text_or_empty),
    )
    return frame, trip_reasons


def _trips_without_stop_times_dropped(
    trips: pd.DataFrame,
    rejecter: Rejector,
    trips_with_stop_times: pd.Index,
    trips_in_stop_times_file: pd.Index,
    trip_reasons: dict[str, str],
) -> pd.DataFrame:
    """Trips that kept at least two stop times; the others are rejected with the reason found in stop_times."""
    lost = ~trips["trip_id"].isin(trips_with_stop_times).to_numpy()
    if not lost.any():
        return trips
    reasons = np.array(
        [
            trip_reasons.get(
                trip_id,
                "all its stop_times were rejected (see stop_times.txt)"
                if trip_id in trips_in_stop_times_file
                else "no stop_times in stop_times.txt",
            )
            for trip_id in trips["trip_id"].to_numpy()
        ],
        dtype=object,
    )
    return rejecter(trips, lost, "trip_id", reasons)


def _frequencies_checked(
    frame: pd.DataFrame, rejecter: Rejector, *, trips_read: pd.Index, trips_kept: pd.Index
) -> pd.DataFrame:
    """Headway windows of known trips with start < end, a positive headway and no overlap within a trip."""
    frame = _drop_empty_ids(frame, rejecter, ["trip_id"])
    frame = _unknown_ids_dropped(frame, rejecter, "trip_id", trips_read, trips_kept, "trips.txt")
    for column in ("start_time", "end_time"):
        seconds, _ = seconds_and_invalid_from_times(frame[column])
        frame = rejecter(frame, np.isnan(seconds), column, f"{column} is not a time H:MM:SS")
        frame = frame.assign(**{column: seconds[~np.isnan(seconds)].astype(np.int64)})
    headway = _integers_from_strings(frame["headway_secs"])
    frame = rejecter(frame, ~(headway > 0), "headway_secs", "headway_secs must be a positive whole number of seconds")
    if "exact_times" not in frame.columns:
        frame = frame.assign(exact_times="")
    frame = rejecter(
        frame, ~frame["exact_times"].isin(["", "0", "1"]), "exact_times", "exact_times must be empty, 0 or 1"
    )
    frame = rejecter(
        frame,
        frame["end_time"].to_numpy() <= frame["start_time"].to_numpy(),
        "end_time",
        "end_time not after start_time",
        lambda bad: bad["end_time"].map(gtfs_time_from_seconds),
    )
    frame = frame.assign(
        headway_secs=frame["headway_secs"].astype(np.int64),
        exact_times=frame["exact_times"].replace("", "0").astype(np.int64),
    )
    frame = frame.sort_values(["trip_id", "start_time", _ROW], kind="stable")
    previous_end = frame.groupby("trip_id")["end_time"].shift().to_numpy(dtype=float, na_value=np.nan)
    overlaps = frame["start_time"].to_numpy() < previous_end
    values = [
        f"{gtfs_time_from_seconds(start)} < {gtfs_time_from_seconds(int(end))}" if hit else ""
        for start, end, hit in zip(frame["start_time"], np.nan_to_num(previous_end), overlaps, strict=True)
    ]
    reason = "window starts before the end of an earlier window of the same trip"
    return rejecter(frame, overlaps, "start_time", reason, np.array(values, dtype=object)).sort_values(_ROW)


def _shapes_checked(frame: pd.DataFrame, rejecter: Rejector) -> pd.DataFrame:
    """Shape points with coordinates in range and a unique non-negative sequence per shape (parsed)."""
    frame = _drop_empty_ids(frame, rejecter, ["shape_id"])
    for column, limit in (("shape_pt_lat", 90), ("shape_pt_lon", 180)):
        number = _numbers_from_strings(frame[column])
        frame = rejecter(frame, np.isnan(number), column, f"{column} is not a number")
        number = number[~np.isnan(number)]
        frame = rejecter(frame, np.abs(number) > limit, column, f"{column} outside -{limit}..{limit}")
    sequence = _integers_from_strings(frame["shape_pt_sequence"])
    frame = rejecter(frame, np.isnan(sequence), "shape_pt_sequence", "shape_pt_sequence is not a non-negative integer")
    if "shape_dist_traveled" in frame.columns:
        distance = _numbers_from_strings(frame["shape_dist_traveled"])
        unparseable = np.isnan(distance) & frame["shape_dist_traveled"].ne("").to_numpy()
        frame = rejecter(frame, unparseable, "shape_dist_traveled", "shape_dist_traveled is not a number")
        frame = frame.assign(shape_dist_traveled=_numbers_from_strings(frame["shape_dist_traveled"]))
    frame = frame.assign(
        shape_pt_lat=frame["shape_pt_lat"].astype(float),
        shape_pt_lon=frame["shape_pt_lon"].astype(float),
        shape_pt_sequence=frame["shape_pt_sequence"].astype(np.int64),
    )
    return _duplicates_dropped(frame, ["shape_id", "shape_pt_sequence"], rejecter)
