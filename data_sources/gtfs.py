"""Read a GTFS feed (zip or folder) into validated DataFrames, and work with its timetable.

:func:`feed_from_path` reads the files a router needs (agency, stops, routes, trips, stop_times, calendar,
calendar_dates, frequencies, shapes), checks every row and returns a :class:`GtfsFeed`. A row that breaks a rule
never raises: it lands in ``feed.report`` with its file, its data row (1 = first row after the header), the
field at fault and the reason, so that for every table ``rows read = rows kept + rows rejected``. The report's
``source`` is ``"<feed file>/<table file>"`` (e.g. ``"poa_eptc.zip/stop_times.txt"``) and is also the key of
``report.read_counts``. Only a feed that cannot be used at all raises:

- :class:`~data_sources.errors.SourceNotFoundError`: the path does not exist;
- :class:`~data_sources.errors.SourceFormatError`: not a zip or folder, a file is not UTF-8, ``stops.txt`` is
  missing, a present file lacks a required column, trips.txt comes without stop_times.txt (or the reverse), or
  a timetable comes without routes.txt or without any calendar;
- :class:`~data_sources.errors.NoUsableRowsError`: ``stops.txt`` (or a present trips.txt / stop_times.txt) has
  no data rows, or every one of its rows was rejected.

A feed with stops (and routes) but no trips.txt and stop_times.txt, such as AMAT Milan's partial extract, is a
valid "stops only" feed: ``has_timetables`` is False.

Values are stripped of surrounding whitespace and kept as strings, except these columns, which are parsed:

============== ===========================================================================================
table          parsed columns
============== ===========================================================================================
stops          ``stop_lat``, ``stop_lon``: float
stop_times     ``stop_sequence``: int; ``arrival_time``, ``departure_time``: ``Int64`` seconds since the
               service day's midnight (over 86,400 for trips past midnight), ``<NA>`` where the feed gives
               none; ``shape_dist_traveled``: float where present. Rows sorted by trip, then stop_sequence.
calendar       ``monday`` … ``sunday``: bool; ``start_date``, ``end_date``: datetime64
calendar_dates ``date``: datetime64; ``exception_type``: int (1 = service added, 2 = removed)
frequencies    ``start_time``, ``end_time``, ``headway_secs``, ``exact_times`` (0 when absent): int
shapes         ``shape_pt_lat``, ``shape_pt_lon``, ``shape_dist_traveled``: float; ``shape_pt_sequence``: int
============== ===========================================================================================

An absent optional file gives an empty table with the required columns, never ``None``. Files this module
does not use (feed_info.txt, fare_*.txt, transfers.txt, …) are not read.

Each rejected row is reported once, at its first problem, and rejections cascade by name: a stop_time whose
stop was rejected says so ("stop_id refers to a row rejected in stops.txt"). Reasons are fixed phrases, so
they can be counted; the details (the bad value, the conflicting time, the first row of a duplicate) are in
the reject's ``value``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_sources.contracts import STOP_COLUMNS, WGS84
from data_sources.errors import NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport

__all__ = [
    "REQUIRED_COLUMNS",
    "WEEKDAYS",
    "GtfsFeed",
    "expand_frequencies",
    "feed_from_path",
    "feed_summary",
    "gtfs_time_from_seconds",
    "interpolate_stop_times",
    "seconds_from_gtfs_times",
    "calendar_span_text",
    "service_dates",
    "service_ids_on",
    "stops_frame",
    "trips_on",
]

#: calendar.txt's weekday columns, Monday first (the order of :meth:`datetime.date.weekday`).
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: The tables read, each with the columns it must have (a present file without one is a format error).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency": (),
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar": ("service_id", *WEEKDAYS, "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "frequencies": ("trip_id", "start_time", "end_time", "headway_secs"),
    "shapes": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}

_ROW = "_row"  # working column: the data row number in the source file (1 = first row after the header)
_TIME_PATTERN = r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$"  # H:MM:SS or HH:MM:SS; hours may pass 24
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(eq=False, repr=False)
class GtfsFeed:
    """A validated GTFS feed: one DataFrame per table, plus where it came from and what was rejected.

    Attributes
    ----------
    name
        Short name of the feed (the zip's stem or the folder's name unless given); the ``feed`` column of
        :func:`stops_frame`.
    path
        The zip file or folder read.
    agency, stops, routes, trips, stop_times, calendar, calendar_dates, frequencies, shapes
        The kept rows of each table, typed as the module docstring says; empty when the file is absent.
    report
        Every rejected row, and ``read_counts`` keyed by ``"<feed file>/<table file>"``.
    """

    name: str
    path: Path
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
    shapes: pd.DataFrame
    report: RejectReport = field(default_factory=RejectReport)

    @property
    def has_timetables(self) -> bool:
        """Whether the feed has trips with stop times and some service calendar (False for stops-only feeds)."""
        has_service = not self.calendar.empty or bool((self.calendar_dates["exception_type"] == 1).any())
        return not self.trips.empty and not self.stop_times.empty and has_service

    def source_of(self, table: str) -> str:
        """The report source of one table, e.g. ``"poa_eptc.zip/stop_times.txt"`` for ``"stop_times"``."""
        return f"{self.path.name}/{table}.txt"

    def __repr__(self) -> str:
        counts = ", ".join(f"{table}={len(getattr(self, table)):,}" for table in REQUIRED_COLUMNS)
        return f"GtfsFeed(name={self.name!r}, {counts}, rejected={len(self.report):,})"


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


def feed_from_path(
    path: str | Path,
    *,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> GtfsFeed:
    """Read and validate a GTFS feed from a zip file or a folder.

    Parameters
    ----------
    path
        A GTFS ``.zip`` (its files may sit in one sub-folder) or a folder holding the ``.txt`` files.
    name
        Short name of the feed; defaults to the zip's stem or the folder's name.
    bbox
        Optional hint ``(min_lon, min_lat, max_lon, max_lat)`` of the area the feed serves. A stop outside it
        that would fall inside with latitude and longitude exchanged is rejected as swapped. Stops simply
        outside it are kept (regional lines leave the city).

    Returns
    -------
    GtfsFeed
        The kept rows of every table and the report of rejected ones.

    Raises
    ------
    SourceNotFoundError
        If ``path`` does not exist.
    SourceFormatError
        If the feed cannot be read as GTFS (see the module docstring).
    NoUsableRowsError
        If stops.txt, or a present trips.txt or stop_times.txt, has no rows left to keep.
    """
    path = Path(path)
    if not path.exists():
        msg = f"GTFS feed not found: {path}"
        raise SourceNotFoundError(msg)
    report = RejectReport()
    raw = _tables_from_path(path, report)
    prefix = path.name

    def source(table: str) -> str:
        return f"{prefix}/{table}.txt"

    if raw["stops"] is None:
        msg = f"{source('stops')} is missing: every GTFS feed needs stops.txt"
        raise SourceFormatError(msg)
    if (raw["trips"] is None) != (raw["stop_times"] is None):
        present, absent = ("trips", "stop_times") if raw["stop_times"] is None else ("stop_times", "trips")
        msg = f"{source(absent)} is missing although {present}.txt is present: a timetable needs both"
        raise SourceFormatError(msg)
    if raw["trips"] is not None:
        if raw["routes"] is None:
            msg = f"{source('routes')} is missing although the feed has trips.txt"
            raise SourceFormatError(msg)
        if raw["calendar"] is None and raw["calendar_dates"] is None:
            msg = f"{prefix} has trips.txt but neither calendar.txt nor calendar_dates.txt"
            raise SourceFormatError(msg)
    for table in ("stops", "trips", "stop_times"):
        frame = raw[table]
        if frame is not None and frame.empty:
            msg = f"{source(table)} has no data rows"
            raise NoUsableRowsError(msg)
    tables = {table: _with_columns(frame, table) for table, frame in raw.items()}

    stops = _stops_checked(tables["stops"], _Rejecter(report, source("stops"), "stop_id"), bbox)
    _require_rows(stops, source("stops"), report)
    routes = _duplicates_dropped(tables["routes"], ["route_id"], _Rejecter(report, source("routes"), "route_id"))
    calendar = _calendar_checked(tables["calendar"], _Rejecter(report, source("calendar"), "service_id"))
    calendar_dates = _calendar_dates_checked(
        tables["calendar_dates"], _Rejecter(report, source("calendar_dates"), "service_id")
    )
    services_read = _ids(tables["calendar"]["service_id"], tables["calendar_dates"]["service_id"])
    services_kept = _ids(calendar["service_id"], calendar_dates["service_id"])
    trips_rejecter = _Rejecter(report, source("trips"), "trip_id")
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
        _Rejecter(report, source("stop_times"), "trip_id"),
        stops_read=_ids(tables["stops"]["stop_id"]),
        stops_kept=_ids(stops["stop_id"]),
        trips_read=_ids(tables["trips"]["trip_id"]),
        trips_kept=_ids(trips["trip_id"]),
    )
    trips = _trips_without_stop_times_dropped(
        trips, trips_rejecter, _ids(stop_times["trip_id"]), _ids(tables["stop_times"]["trip_id"]), trip_reasons
    )
    if raw["trips"] is not None:
        _require_rows(trips, source("trips"), report)
        _require_rows(stop_times, source("stop_times"), report)
    frequencies = _frequencies_checked(
        tables["frequencies"],
        _Rejecter(report, source("frequencies"), "trip_id"),
        trips_read=_ids(tables["trips"]["trip_id"]),
        trips_kept=_ids(trips["trip_id"]),
    )
    shapes = _shapes_checked(tables["shapes"], _Rejecter(report, source("shapes"), "shape_id"))

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=_ROW).reset_index(drop=True)

    default_name = path.stem if path.is_file() else path.name
    return GtfsFeed(
        name=name or default_name,
        path=path,
        agency=kept(tables["agency"]),
        stops=kept(stops),
        routes=kept(routes),
        trips=kept(trips),
        stop_times=kept(stop_times),
        calendar=kept(calendar),
        calendar_dates=kept(calendar_dates),
        frequencies=kept(frequencies),
        shapes=kept(shapes),
        report=report,
    )


def _tables_from_path(path: Path, report: RejectReport) -> dict[str, pd.DataFrame | None]:
    """Every table of :data:`REQUIRED_COLUMNS` read from a zip or folder (``None`` where the file is absent)."""
    files = [f"{table}.txt" for table in REQUIRED_COLUMNS]
    if path.is_dir():
        blobs = {file: (path / file).read_bytes() for file in files if (path / file).is_file()}
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                members = _members_by_file(archive, files)
                blobs = {file: archive.read(member) for file, member in members.items()}
        except zipfile.BadZipFile as exc:
            msg = f"{path} is neither a folder nor a zip file: cannot read it as GTFS"
            raise SourceFormatError(msg) from exc
    return {
        table: (
            _frame_from_bytes(blobs[f"{table}.txt"], f"{path.name}/{table}.txt", report)
            if f"{table}.txt" in blobs
            else None
        )
        for table in REQUIRED_COLUMNS
    }


def _members_by_file(archive: zipfile.ZipFile, files: Collection[str]) -> dict[str, str]:
    """The zip member holding each wanted file: at the top, or in the shallowest sub-folder."""
    members: dict[str, str] = {}
    for member in sorted(archive.namelist(), key=lambda m: (m.count("/"), m)):
        file = member.rsplit("/", 1)[-1]
        if file in files and file not in members and not member.startswith("__MACOSX/"):
            members[file] = member
    return members


def _frame_from_bytes(raw: bytes, source: str, report: RejectReport) -> pd.DataFrame:
    """One GTFS file as a string DataFrame with stripped headers and values and a ``_row`` column.

    Accepts a UTF-8 byte order mark, CRLF line ends, a missing final newline and blank lines. A row with more
    fields than the header is rejected here (a shorter row is padded with empty values, as GTFS readers do).
    Adds the number of data rows to ``report.read_counts[source]``.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (
            f"{source} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "GTFS files must be UTF-8: re-encode it, e.g. with iconv -f latin1 -t utf-8"
        )
        raise SourceFormatError(msg) from exc
    if not text.strip():
        return pd.DataFrame({_ROW: pd.Series([], dtype=np.int64)})
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
        frame[_ROW] = np.arange(1, len(frame) + 1)
        too_long: list[tuple[int, int]] = []
    except pd.errors.ParserError:
        frame, too_long = _frame_from_text_leniently(text)
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        msg = f"{source} cannot be read as CSV: {exc}"
        raise SourceFormatError(msg) from exc
    frame.columns = [str(column).strip() for column in frame.columns]
    for column in frame.columns.drop(_ROW):
        frame[column] = frame[column].str.strip()
    report.read_counts[source] += len(frame) + len(too_long)
    header_size = len(frame.columns) - 1
    for row, size in too_long:
        report.add(source, source, row, "", "row has more fields than the header", f"{size} > {header_size}")
    return frame


def _frame_from_text_leniently(text: str) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """CSV text row by row: the frame of well-formed rows, and (row, field count) of rows with too many fields."""
    records = (record for record in csv.reader(io.StringIO(text)) if record)
    header = next(records)
    rows: list[list[str]] = []
    numbers: list[int] = []
    too_long: list[tuple[int, int]] = []
    for number, record in enumerate(records, start=1):
        if len(record) > len(header):
            too_long.append((number, len(record)))
            continue
        rows.append(record + [""] * (len(header) - len(record)))
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame[_ROW] = np.asarray(numbers, dtype=np.int64)
    return frame, too_long


def _with_columns(frame: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """A read table with its required columns checked, or an empty one with them when the file is absent."""
    required = REQUIRED_COLUMNS[table]
    if frame is None or (frame.empty and len(frame.columns) == 1):
        return pd.DataFrame({column: pd.Series([], dtype=str) for column in required} | {_ROW: []}).astype(
            {_ROW: np.int64}
        )
    missing = [column for column in required if column not in frame.columns]
    if missing and not frame.empty:
        msg = f"{table}.txt lacks the required column(s) {', '.join(missing)} (it has {list(frame.columns[:-1])})"
        raise SourceFormatError(msg)
    return frame.assign(**{column: pd.Series([], dtype=str) for column in missing})


def _require_rows(frame: pd.DataFrame, source: str, report: RejectReport) -> None:
    """Raise :class:`NoUsableRowsError` when a table that was read has no row left."""
    if frame.empty and report.read_counts[source] > 0:
        reasons = Counter(r.reason for r in report if r.source == source).most_common(3)
        summary = "; ".join(f"{count:,} × {reason}" for reason, count in reasons)
        msg = f"{source}: all {report.read_counts[source]:,} rows were rejected ({summary})"
        raise NoUsableRowsError(msg)


# --------------------------------------------------------------------------------------------------------------
# Validation, one table at a time (every check drops rows into the report, never silently)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class _Rejecter:
    """Drops rows of one table into the report, with the table's source name and id column."""

    report: RejectReport
    source: str
    id_field: str

    def drop(
        self,
        frame: pd.DataFrame,
        mask: np.ndarray | pd.Series,
        field_name: str,
        reason: str | np.ndarray,
        value: np.ndarray | pd.Series | Callable[[pd.DataFrame], pd.Series] | None = None,
    ) -> pd.DataFrame:
        """The rows of ``frame`` outside ``mask``; each row inside it is reported with its reason.

        ``reason`` is one string or an array aligned with ``frame``. ``value`` (the value at fault) is an array
        aligned with ``frame``, or a function of the rejected rows (so it is only computed when some are), and
        defaults to the row's ``field_name``.
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return frame
        bad = frame[mask]
        if value is None:
            values = bad[field_name].to_numpy() if field_name in bad.columns else itertools.repeat("")
        elif callable(value):
            values = np.asarray(value(bad), dtype=object)
        else:
            values = np.asarray(value, dtype=object)[mask]
        reasons = itertools.repeat(reason) if isinstance(reason, str) else np.asarray(reason, dtype=object)[mask]
        ids = bad[self.id_field].to_numpy() if self.id_field in bad.columns else itertools.repeat("")
        for row, val, why, ident in zip(bad[_ROW].to_numpy(), values, reasons, ids, strict=False):
            self.report.add(self.source, self.source, int(row), field_name, str(why), val, ident)
        return frame[~mask]


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


def _drop_empty_ids(frame: pd.DataFrame, rejecter: _Rejecter, columns: Collection[str]) -> pd.DataFrame:
    """Rows whose id columns are all non-empty."""
    for column in columns:
        frame = rejecter.drop(frame, frame[column].eq(""), column, f"{column} is empty")
    return frame


def _duplicates_dropped(frame: pd.DataFrame, key: list[str], rejecter: _Rejecter) -> pd.DataFrame:
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
    return rejecter.drop(frame, repeated, key[-1], reason, values)


def _stops_checked(
    frame: pd.DataFrame, rejecter: _Rejecter, bbox: tuple[float, float, float, float] | None
) -> pd.DataFrame:
    """Stops with an id and usable WGS84 coordinates (parsed to float)."""
    frame = _drop_empty_ids(frame, rejecter, ["stop_id"])
    for column in ("stop_lat", "stop_lon"):
        # GTFS lets generic nodes and boarding areas (location_type 3, 4) omit coordinates; routing needs them.
        node = frame["location_type"].isin(["3", "4"]) if "location_type" in frame.columns else False
        reason = np.where(node, f"{column} is empty (generic node or boarding area)", f"{column} is empty")
        frame = rejecter.drop(frame, frame[column].eq(""), column, np.broadcast_to(reason, len(frame)))
        number = _numbers_from_strings(frame[column])
        frame = rejecter.drop(frame, np.isnan(number), column, f"{column} is not a number")
    lat = frame["stop_lat"].astype(float).to_numpy()
    lon = frame["stop_lon"].astype(float).to_numpy()
    lat_out = np.abs(lat) > 90
    reason = np.where(
        np.abs(lon) <= 90, "stop_lat outside -90..90 (stop_lat and stop_lon look swapped)", "stop_lat outside -90..90"
    )
    frame = rejecter.drop(frame, lat_out, "stop_lat", reason)
    lat, lon = lat[~lat_out], lon[~lat_out]
    lon_out = np.abs(lon) > 180
    frame = rejecter.drop(frame, lon_out, "stop_lon", "stop_lon outside -180..180")
    lat, lon = lat[~lon_out], lon[~lon_out]
    null_island = (lat == 0) & (lon == 0)
    frame = rejecter.drop(frame, null_island, "stop_lat", "stop at 0,0 (placeholder coordinates)")
    lat, lon = lat[~null_island], lon[~null_island]
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        inside_swapped = (lat >= min_lon) & (lat <= max_lon) & (lon >= min_lat) & (lon <= max_lat)
        swapped = ~inside & inside_swapped
        values = np.array([f"{a},{b}" for a, b in zip(lat[swapped], lon[swapped], strict=True)], dtype=object)
        all_values = np.full(len(frame), "", dtype=object)
        all_values[swapped] = values
        frame = rejecter.drop(
            frame,
            swapped,
            "stop_lat",
            "stop_lat and stop_lon look swapped (the stop falls in the bbox hint only with them exchanged)",
            all_values,
        )
        lat, lon = lat[~swapped], lon[~swapped]
    frame = frame.assign(stop_lat=lat, stop_lon=lon)
    return _duplicates_dropped(frame, ["stop_id"], rejecter)


def _calendar_checked(frame: pd.DataFrame, rejecter: _Rejecter) -> pd.DataFrame:
    """Calendar rows with 0/1 weekday flags and a valid date range (flags to bool, dates to datetime64)."""
    frame = _drop_empty_ids(frame, rejecter, ["service_id"])
    for day in WEEKDAYS:
        frame = rejecter.drop(frame, ~frame[day].isin(["0", "1"]), day, f"{day} must be 0 or 1")
    for column in ("start_date", "end_date"):
        bad = _dates_from_strings(frame[column]).isna()
        frame = rejecter.drop(frame, bad, column, f"{column} is not a date YYYYMMDD")
    start, end = _dates_from_strings(frame["start_date"]), _dates_from_strings(frame["end_date"])
    frame = rejecter.drop(frame, (end < start).to_numpy(), "end_date", "end_date before start_date")
    frame = _duplicates_dropped(frame, ["service_id"], rejecter)
    flags = {day: frame[day].eq("1") for day in WEEKDAYS}
    return frame.assign(
        **flags,
        start_date=_dates_from_strings(frame["start_date"]),
        end_date=_dates_from_strings(frame["end_date"]),
    )


def _calendar_dates_checked(frame: pd.DataFrame, rejecter: _Rejecter) -> pd.DataFrame:
    """Calendar exceptions with a valid date and exception_type 1 or 2 (parsed), one per service and date."""
    frame = _drop_empty_ids(frame, rejecter, ["service_id"])
    frame = rejecter.drop(frame, _dates_from_strings(frame["date"]).isna(), "date", "date is not a date YYYYMMDD")
    frame = rejecter.drop(
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
    rejecter: _Rejecter,
    column: str,
    read: pd.Index,
    kept: pd.Index,
    file: str,
) -> pd.DataFrame:
    """Rows whose ``column`` names a row of ``file``: neither absent from it nor rejected there."""
    frame = rejecter.drop(frame, ~frame[column].isin(read).to_numpy(), column, f"{column} not in {file}")
    return rejecter.drop(
        frame, ~frame[column].isin(kept).to_numpy(), column, f"{column} refers to a row rejected in {file}"
    )


def _trips_checked(
    frame: pd.DataFrame,
    rejecter: _Rejecter,
    *,
    routes_read: pd.Index,
    routes_kept: pd.Index,
    services_read: pd.Index,
    services_kept: pd.Index,
) -> pd.DataFrame:
    """Trips with a unique id, a known route and a known service."""
    frame = _duplicates_dropped(frame, ["trip_id"], rejecter)
    frame = _unknown_ids_dropped(frame, rejecter, "route_id", routes_read, routes_kept, "routes.txt")
    frame = rejecter.drop(
        frame,
        ~frame["service_id"].isin(services_read).to_numpy(),
        "service_id",
        "service_id not in calendar.txt or calendar_dates.txt",
    )
    return rejecter.drop(
        frame,
        ~frame["service_id"].isin(services_kept).to_numpy(),
        "service_id",
        "service_id refers to rows rejected in calendar.txt / calendar_dates.txt",
    )


def _stop_times_checked(
    frame: pd.DataFrame,
    rejecter: _Rejecter,
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
    frame = rejecter.drop(frame, np.isnan(sequence), "stop_sequence", "stop_sequence is not a non-negative integer")
    arrival, bad_arrival = _seconds_and_invalid_from_times(frame["arrival_time"])
    departure, bad_departure = _seconds_and_invalid_from_times(frame["departure_time"])
    reason = "{} is not a time H:MM:SS (minutes and seconds 00-59)"
    frame = rejecter.drop(frame, bad_arrival, "arrival_time", reason.format("arrival_time"))
    arrival, departure, bad_departure = arrival[~bad_arrival], departure[~bad_arrival], bad_departure[~bad_arrival]
    frame = rejecter.drop(frame, bad_departure, "departure_time", reason.format("departure_time"))
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
        frame = rejecter.drop(frame, unparseable, "shape_dist_traveled", "shape_dist_traveled is not a number")
        frame = frame.assign(shape_dist_traveled=_numbers_from_strings(frame["shape_dist_traveled"]))
    codes = pd.factorize(frame["trip_id"])[0]
    order = np.lexsort((frame[_ROW].to_numpy(), frame["stop_sequence"].to_numpy(), codes))
    frame = frame.iloc[order]
    frame = rejecter.drop(
        frame,
        frame.duplicated(["trip_id", "stop_sequence"]).to_numpy(),
        "stop_sequence",
        "stop_sequence repeats an earlier row of the same trip (it must increase along the trip)",
    )
    frame = rejecter.drop(
        frame,
        frame["departure_time"].to_numpy() < frame["arrival_time"].to_numpy(),
        "departure_time",
        "departure_time earlier than arrival_time",
        lambda bad: bad["departure_time"].map(_time_text_or_empty),
    )
    frame = _times_going_backwards_dropped(frame, rejecter)
    frame, trip_reasons = _trips_untimed_at_ends_dropped(frame, rejecter)
    times = {
        column: pd.array(frame[column].to_numpy(dtype=float), dtype="Int64")
        for column in ("arrival_time", "departure_time")
    }
    return frame.assign(**times), trip_reasons


def _trip_starts(trip_ids: np.ndarray) -> np.ndarray:
    """Which rows start a new trip, in rows grouped by trip."""
    starts = np.ones(len(trip_ids), dtype=bool)
    starts[1:] = trip_ids[1:] != trip_ids[:-1]
    return starts


def _times_going_backwards_dropped(frame: pd.DataFrame, rejecter: _Rejecter) -> pd.DataFrame:
    """Rows of sorted stop times with the fewest rows removed so that times never decrease along a trip."""
    trip_ids = frame["trip_id"].to_numpy()
    arrival = frame["arrival_time"].to_numpy(dtype=float)
    departure = frame["departure_time"].to_numpy(dtype=float)
    starts = _trip_starts(trip_ids)
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
        frame = rejecter.drop(frame, at_fault, field_name, reasons, values)
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


def _trips_untimed_at_ends_dropped(frame: pd.DataFrame, rejecter: _Rejecter) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sorted stop times without the trips whose first or last stop is untimed or that have a single stop."""
    trip_ids = frame["trip_id"].to_numpy()
    untimed = np.isnan(frame["arrival_time"].to_numpy(dtype=float))
    starts = _trip_starts(trip_ids)
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
    frame = rejecter.drop(
        frame,
        bad,
        "arrival_time",
        reasons.fillna("").to_numpy(),
        lambda rows: rows["arrival_time"].map(_time_text_or_empty),
    )
    return frame, trip_reasons


def _trips_without_stop_times_dropped(
    trips: pd.DataFrame,
    rejecter: _Rejecter,
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
    return rejecter.drop(trips, lost, "trip_id", reasons)


def _frequencies_checked(
    frame: pd.DataFrame, rejecter: _Rejecter, *, trips_read: pd.Index, trips_kept: pd.Index
) -> pd.DataFrame:
    """Headway windows of known trips with start < end, a positive headway and no overlap within a trip."""
    frame = _drop_empty_ids(frame, rejecter, ["trip_id"])
    frame = _unknown_ids_dropped(frame, rejecter, "trip_id", trips_read, trips_kept, "trips.txt")
    for column in ("start_time", "end_time"):
        seconds, _ = _seconds_and_invalid_from_times(frame[column])
        frame = rejecter.drop(frame, np.isnan(seconds), column, f"{column} is not a time H:MM:SS")
        frame = frame.assign(**{column: seconds[~np.isnan(seconds)].astype(np.int64)})
    headway = _integers_from_strings(frame["headway_secs"])
    frame = rejecter.drop(
        frame, ~(headway > 0), "headway_secs", "headway_secs must be a positive whole number of seconds"
    )
    if "exact_times" not in frame.columns:
        frame = frame.assign(exact_times="")
    frame = rejecter.drop(
        frame, ~frame["exact_times"].isin(["", "0", "1"]), "exact_times", "exact_times must be empty, 0 or 1"
    )
    frame = rejecter.drop(
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
    return rejecter.drop(frame, overlaps, "start_time", reason, np.array(values, dtype=object)).sort_values(_ROW)


def _shapes_checked(frame: pd.DataFrame, rejecter: _Rejecter) -> pd.DataFrame:
    """Shape points with coordinates in range and a unique non-negative sequence per shape (parsed)."""
    frame = _drop_empty_ids(frame, rejecter, ["shape_id"])
    for column, limit in (("shape_pt_lat", 90), ("shape_pt_lon", 180)):
        number = _numbers_from_strings(frame[column])
        frame = rejecter.drop(frame, np.isnan(number), column, f"{column} is not a number")
        number = number[~np.isnan(number)]
        frame = rejecter.drop(frame, np.abs(number) > limit, column, f"{column} outside -{limit}..{limit}")
    sequence = _integers_from_strings(frame["shape_pt_sequence"])
    frame = rejecter.drop(
        frame, np.isnan(sequence), "shape_pt_sequence", "shape_pt_sequence is not a non-negative integer"
    )
    if "shape_dist_traveled" in frame.columns:
        distance = _numbers_from_strings(frame["shape_dist_traveled"])
        unparseable = np.isnan(distance) & frame["shape_dist_traveled"].ne("").to_numpy()
        frame = rejecter.drop(frame, unparseable, "shape_dist_traveled", "shape_dist_traveled is not a number")
        frame = frame.assign(shape_dist_traveled=_numbers_from_strings(frame["shape_dist_traveled"]))
    frame = frame.assign(
        shape_pt_lat=frame["shape_pt_lat"].astype(float),
        shape_pt_lon=frame["shape_pt_lon"].astype(float),
        shape_pt_sequence=frame["shape_pt_sequence"].astype(np.int64),
    )
    return _duplicates_dropped(frame, ["shape_id", "shape_pt_sequence"], rejecter)


# --------------------------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------------------------


def _seconds_and_invalid_from_times(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after midnight of ``H:MM:SS`` strings (NaN if empty or invalid), and which were invalid.

    Vectorised with Arrow's regular expressions (RE2, in C++), so millions of stop times parse in a blink.
    """
    text = pa.array(times, type=pa.large_string(), from_pandas=True)
    parts = pc.extract_regex(text, pattern=_TIME_PATTERN)
    hours, minutes, seconds = (
        pc.cast(pc.struct_field(parts, name), pa.float64()).to_numpy(zero_copy_only=False) for name in "hms"
    )
    total = hours * 3600 + minutes * 60 + seconds
    invalid = np.isnan(total) & pc.greater(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    return total, invalid


def seconds_from_gtfs_times(times: pd.Series) -> pd.Series:
    """GTFS times ``H:MM:SS`` as integer seconds since the service day's midnight (vectorised).

    Hours may pass 24 for trips running after midnight: ``"24:30:00"`` is 88,200.

    Parameters
    ----------
    times
        Strings; empty ones mean "no time".

    Returns
    -------
    pandas.Series
        ``Int64`` seconds with the index of ``times``; ``<NA>`` where a time is empty.

    Raises
    ------
    ValueError
        If a non-empty value is not a time (e.g. ``"25:61:00"`` or ``"abc"``).
    """
    text = times.astype(str).str.strip()
    seconds, invalid = _seconds_and_invalid_from_times(text)
    if invalid.any():
        msg = f"not a GTFS time H:MM:SS: {text[invalid].iloc[0]!r} ({int(invalid.sum())} such value(s))"
        raise ValueError(msg)
    return pd.Series(pd.array(seconds, dtype="Int64"), index=times.index, name=times.name)


def gtfs_time_from_seconds(seconds: int) -> str:
    """Seconds since the service day's midnight as GTFS ``HH:MM:SS`` (88200 gives ``"24:30:00"``)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _time_text_or_empty(seconds: float) -> str:
    """A time as ``HH:MM:SS``, or an empty string for a missing one (for reject values)."""
    return "" if pd.isna(seconds) else gtfs_time_from_seconds(int(seconds))


# --------------------------------------------------------------------------------------------------------------
# Interpolation, calendars, frequencies
# --------------------------------------------------------------------------------------------------------------


def _metres_between(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distances in metres between pairs of WGS84 points."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def interpolate_stop_times(feed: GtfsFeed) -> pd.DataFrame:
    """The feed's stop times with every untimed stop given a time between its timed neighbours.

    An untimed stop between the timed stops *a* (before) and *b* (after) of its trip gets
    ``departure(a) + (arrival(b) - departure(a)) * (d - d_a) / (d_b - d_a)``, rounded to the second, as both
    arrival and departure, where *d* is the distance along the trip: ``shape_dist_traveled`` when the trip gives
    it at every stop and it never decreases, else the cumulative straight-line (great-circle) distance between
    consecutive stops. Where *a* and *b* are at the same distance, the stop's position in the sequence is used
    instead. Times never decrease along a trip afterwards. Every trip of a loaded feed has its first and last
    stop timed (trips without were rejected by :func:`feed_from_path`).

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.

    Returns
    -------
    pandas.DataFrame
        ``feed.stop_times`` with ``arrival_time`` and ``departure_time`` as ``int64`` seconds (no missing
        value) and a bool column ``interpolated`` marking the rows whose times were computed here.

    Raises
    ------
    ValueError
        If a trip's first or last stop has no time (only possible with a hand-edited ``feed.stop_times``).
    """
    stop_times = feed.stop_times
    arrival = stop_times["arrival_time"].to_numpy(dtype=float, na_value=np.nan)
    departure = stop_times["departure_time"].to_numpy(dtype=float, na_value=np.nan)
    timed = ~np.isnan(arrival)
    trip_ids = stop_times["trip_id"].to_numpy()
    starts = _trip_starts(trip_ids)
    ends = np.roll(starts, -1)
    if len(ends):
        ends[-1] = True
    if not timed[starts | ends].all():
        msg = "a trip's first or last stop_time has no time: cannot interpolate (was feed.stop_times edited?)"
        raise ValueError(msg)
    if timed.all():
        return stop_times.assign(
            arrival_time=arrival.astype(np.int64), departure_time=departure.astype(np.int64), interpolated=False
        )
    position = np.arange(len(stop_times))
    distance = _distances_along_trips(feed, stop_times, starts)
    before = np.maximum.accumulate(np.where(timed, position, 0))
    after = np.minimum.accumulate(np.where(timed, position, len(stop_times))[::-1])[::-1]
    after = np.minimum(after, len(stop_times) - 1)  # only timed rows, which need no "after", can exceed it
    span = distance[after] - distance[before]
    by_distance = np.divide(distance - distance[before], span, out=np.zeros_like(span), where=span > 0)
    by_position = (position - before) / np.maximum(after - before, 1)
    fraction = np.clip(np.where(span > 0, by_distance, by_position), 0.0, 1.0)
    start = departure[before]
    estimate = np.rint(start + (arrival[after] - start) * fraction)
    return stop_times.assign(
        arrival_time=np.where(timed, arrival, estimate).astype(np.int64),
        departure_time=np.where(timed, departure, estimate).astype(np.int64),
        interpolated=~timed,
    )


def _distances_along_trips(feed: GtfsFeed, stop_times: pd.DataFrame, starts: np.ndarray) -> np.ndarray:
    """Distance of each stop time from its trip's first stop: shape_dist_traveled where usable, else metres."""
    coordinates = feed.stops.set_index("stop_id")[["stop_lat", "stop_lon"]]
    located = coordinates.reindex(stop_times["stop_id"].to_numpy())
    lat, lon = located["stop_lat"].to_numpy(), located["stop_lon"].to_numpy()
    step = np.zeros(len(stop_times))
    step[1:] = _metres_between(lat[:-1], lon[:-1], lat[1:], lon[1:])
    step[starts | np.isnan(step)] = 0.0
    total = np.cumsum(step)
    first_row = np.maximum.accumulate(np.where(starts, np.arange(len(stop_times)), 0))
    metres = total - total[first_row]
    if "shape_dist_traveled" not in stop_times.columns:
        return metres
    shape_distance = stop_times["shape_dist_traveled"].to_numpy(dtype=float, na_value=np.nan)
    decreasing = np.zeros(len(stop_times), dtype=bool)
    decreasing[1:] = shape_distance[1:] < shape_distance[:-1]
    unusable_row = np.isnan(shape_distance) | (decreasing & ~starts)
    codes = np.cumsum(starts) - 1
    unusable_trip = np.bincount(codes, weights=unusable_row, minlength=codes.max(initial=-1) + 1) > 0
    return np.where(unusable_trip[codes], metres, shape_distance)


def _timestamp_from_date(date: dt.date | str) -> pd.Timestamp:
    """A day as a midnight Timestamp, from a date or a string ``YYYY-MM-DD`` / ``YYYYMMDD``."""
    return pd.Timestamp(date).normalize()


def service_ids_on(feed: GtfsFeed, date: dt.date | str) -> set[str]:
    """The service ids running on one date.

    A service runs when calendar.txt has its weekday flag set on a date within ``start_date..end_date``
    (inclusive), unless calendar_dates.txt removes that date (``exception_type`` 2); calendar_dates.txt can also
    add a date (``exception_type`` 1), with or without a calendar.txt row.

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.
    date
        The day, as a :class:`datetime.date` or a string ``"2019-05-15"`` / ``"20190515"``.

    Returns
    -------
    set of str
        The running service ids (empty when none run).
    """
    day = _timestamp_from_date(date)
    calendar = feed.calendar
    running = calendar[WEEKDAYS[day.weekday()]] & (calendar["start_date"] <= day) & (calendar["end_date"] >= day)
    services = set(calendar.loc[running, "service_id"])
    exceptions = feed.calendar_dates[feed.calendar_dates["date"] == day]
    services |= set(exceptions.loc[exceptions["exception_type"] == 1, "service_id"])
    services -= set(exceptions.loc[exceptions["exception_type"] == 2, "service_id"])
    return services


def trips_on(feed: GtfsFeed, date: dt.date | str) -> pd.DataFrame:
    """The rows of ``feed.trips`` whose service runs on ``date`` (see :func:`service_ids_on`)."""
    return feed.trips[feed.trips["service_id"].isin(list(service_ids_on(feed, date)))]


def service_dates(feed: GtfsFeed) -> pd.DatetimeIndex:
    """Every date on which at least one service of the feed runs, in order.

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.

    Returns
    -------
    pandas.DatetimeIndex
        Midnight of each service date (empty for a feed without calendars).
    """
    calendar, exceptions = feed.calendar, feed.calendar_dates
    bounds = [calendar["start_date"].min(), calendar["end_date"].max(), exceptions["date"].min()]
    bounds += [exceptions["date"].max()]
    known = [bound for bound in bounds if not pd.isna(bound)]
    if not known:
        return pd.DatetimeIndex([])
    days = pd.date_range(min(known), max(known), freq="D")
    active = np.zeros(len(days), dtype=bool)
    if not calendar.empty:
        patterns = calendar.drop_duplicates([*WEEKDAYS, "start_date", "end_date"])
        flags = patterns[list(WEEKDAYS)].to_numpy(dtype=bool)[:, days.day_of_week].T  # (days, patterns)
        day_values = days.to_numpy()[:, None]
        in_range = (day_values >= patterns["start_date"].to_numpy()[None, :]) & (
            day_values <= patterns["end_date"].to_numpy()[None, :]
        )
        active = (flags & in_range).any(axis=1)
    active |= days.isin(exceptions.loc[exceptions["exception_type"] == 1, "date"])
    for day in pd.DatetimeIndex(exceptions.loc[exceptions["exception_type"] == 2, "date"].unique()):
        index = days.get_loc(day)
        active[index] = active[index] and bool(service_ids_on(feed, day))
    return days[active]


def calendar_span_text(feed: GtfsFeed) -> str:
    """What a feed's calendars cover, in words an operator can check against the files.

    Used when a feed has no service day (:func:`service_dates` is empty): the text names the date range of
    calendar.txt and of calendar_dates.txt, and how many services each lists, e.g. ``"calendar.txt 2019-03-01 to
    2019-12-31 (3 services, no weekday flag set); calendar_dates.txt: none"``.
    """
    parts = []
    calendar, exceptions = feed.calendar, feed.calendar_dates
    if calendar.empty:
        parts.append("calendar.txt: none")
    else:
        flags = calendar[list(WEEKDAYS)].to_numpy(dtype=bool)
        detail = f"{calendar['service_id'].nunique()} services"
        if not flags.any():
            detail += ", no weekday flag set"
        elif (calendar["end_date"] < calendar["start_date"]).all():
            detail += ", every end_date before its start_date"
        parts.append(
            f"calendar.txt {calendar['start_date'].min():%Y-%m-%d} to {calendar['end_date'].max():%Y-%m-%d} ({detail})"
        )
    if exceptions.empty:
        parts.append("calendar_dates.txt: none")
    else:
        added = int((exceptions["exception_type"] == 1).sum())
        removed = int((exceptions["exception_type"] == 2).sum())
        parts.append(
            f"calendar_dates.txt {exceptions['date'].min():%Y-%m-%d} to {exceptions['date'].max():%Y-%m-%d} "
            f"({added} dates added, {removed} removed)"
        )
    return "; ".join(parts)


def _trip_ids_from(trips: pd.DataFrame | Collection[str]) -> list[str]:
    """Trip ids from a trips frame, a collection of ids or a single id."""
    if isinstance(trips, pd.DataFrame):
        return list(trips["trip_id"])
    if isinstance(trips, str):
        return [trips]
    return list(trips)


def expand_frequencies(
    feed: GtfsFeed,
    trips: pd.DataFrame | Collection[str] | None = None,
    *,
    stop_times: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stop times with every frequency-based trip replaced by its concrete departures.

    Each frequencies.txt window ``start_time..end_time`` of a trip gives departures at
    ``start_time + k * headway_secs`` for ``k = 0 .. ceil((end_time - start_time) / headway_secs) - 1``, the same
    for ``exact_times`` 0 and 1 (a router treating 0 as "on average" can use the headway instead). Each
    departure becomes a trip ``"{trip_id}#{start seconds}"`` whose times are the template trip's times shifted
    so that its first departure falls on the window's start. Trips without frequencies are kept as they are.

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.
    trips
        Only expand and keep these trips: a trips frame (such as :func:`trips_on`), trip ids or one trip id.
        All trips by default.
    stop_times
        Stop times to expand instead of ``feed.stop_times``, typically :func:`interpolate_stop_times` (templates
        with untimed stops otherwise give untimed stops).

    Returns
    -------
    pandas.DataFrame
        The columns of the stop times plus ``template_trip_id`` (the trips.txt id; equal to ``trip_id`` for
        trips without frequencies); rows grouped by trip, in stop_sequence order, trips without frequencies
        first, then departures by template trip and start time.
    """
    stop_times = feed.stop_times if stop_times is None else stop_times
    frequencies = feed.frequencies
    if trips is not None:
        ids = _trip_ids_from(trips)
        stop_times = stop_times[stop_times["trip_id"].isin(ids)]
        frequencies = frequencies[frequencies["trip_id"].isin(ids)]
    by_frequency = stop_times["trip_id"].isin(list(frequencies["trip_id"])).to_numpy()
    fixed = stop_times[~by_frequency].assign(template_trip_id=lambda f: f["trip_id"])
    templates = stop_times[by_frequency].sort_values(["trip_id", "stop_sequence"], kind="stable")
    if templates.empty:
        return fixed.reset_index(drop=True)
    first_departure = templates.groupby("trip_id")["departure_time"].transform("first")
    offsets = templates.assign(
        arrival_time=templates["arrival_time"] - first_departure,
        departure_time=templates["departure_time"] - first_departure,
        _order=np.arange(len(templates)),
    )
    start = frequencies["start_time"].to_numpy(dtype=np.int64)
    headway = frequencies["headway_secs"].to_numpy(dtype=np.int64)
    count = -((start - frequencies["end_time"].to_numpy(dtype=np.int64)) // headway)  # ceil((end - start) / h)
    window = np.repeat(np.arange(len(frequencies)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    departures = pd.DataFrame(
        {
            "template_trip_id": frequencies["trip_id"].to_numpy()[window],
            "_start": start[window] + headway[window] * k,
        }
    )
    expanded = departures.merge(
        offsets.rename(columns={"trip_id": "template_trip_id"}), on="template_trip_id", how="inner"
    ).sort_values(["template_trip_id", "_start", "_order"], kind="stable")
    expanded = expanded.assign(
        trip_id=expanded["template_trip_id"] + "#" + expanded["_start"].astype(str),
        arrival_time=expanded["arrival_time"] + expanded["_start"],
        departure_time=expanded["departure_time"] + expanded["_start"],
    )
    columns = [*stop_times.columns, "template_trip_id"]
    return pd.concat([fixed[columns], expanded[columns]], ignore_index=True)


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------


def stops_frame(feed: GtfsFeed) -> gpd.GeoDataFrame:
    """The feed's stops as the stops contract: :data:`~data_sources.contracts.STOP_COLUMNS`, EPSG:4326 points.

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (stop_id), ``feed`` (the feed's name), ``name`` (stop_name, empty if the feed has none) and
        ``geometry``, one row per kept stop (all location types).
    """
    stops = feed.stops
    names = stops["stop_name"] if "stop_name" in stops.columns else pd.Series("", index=stops.index, dtype=str)
    frame = gpd.GeoDataFrame(
        {"id": stops["stop_id"], "feed": feed.name, "name": names},
        geometry=gpd.points_from_xy(stops["stop_lon"], stops["stop_lat"]),
        crs=WGS84,
    )
    return frame[STOP_COLUMNS]


def feed_summary(feed: GtfsFeed) -> dict[str, object]:
    """Counts that describe a feed, for logs, admin pages and tests.

    Parameters
    ----------
    feed
        A feed from :func:`feed_from_path`.

    Returns
    -------
    dict
        ``name``; the kept rows of each table under its name (``stops``, ``trips``, …); ``read`` and
        ``rejected``: rows per table (``read == kept + rejected`` for each); ``has_timetables``;
        ``untimed_stop_times``; ``frequency_trips``; ``first_service_date``, ``last_service_date`` (ISO
        strings or None) and ``service_days``.
    """
    dates = service_dates(feed)
    summary: dict[str, object] = {"name": feed.name}
    summary |= {table: len(getattr(feed, table)) for table in REQUIRED_COLUMNS}
    summary["read"] = {table: feed.report.read_counts[feed.source_of(table)] for table in REQUIRED_COLUMNS}
    summary["rejected"] = {table: feed.report.rejected_count(feed.source_of(table)) for table in REQUIRED_COLUMNS}
    summary |= {
        "has_timetables": feed.has_timetables,
        "untimed_stop_times": int(feed.stop_times["arrival_time"].isna().sum()),
        "frequency_trips": int(feed.frequencies["trip_id"].nunique()),
        "first_service_date": dates[0].date().isoformat() if len(dates) else None,
        "last_service_date": dates[-1].date().isoformat() if len(dates) else None,
        "service_days": len(dates),
    }
    return summary
