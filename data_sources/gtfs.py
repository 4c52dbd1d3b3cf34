"""Read a GTFS feed (zip or folder) into validated DataFrames, and work with its timetable.

The feed is split by concept: this module reads (:func:`feed_from_path`, :class:`GtfsFeed`) and gives views
(:func:`stops_frame`, :func:`feed_summary`); :mod:`data_sources.gtfs_checks` holds the row checks,
:mod:`data_sources.gtfs_calendar` the service days (:func:`service_ids_on`, :func:`trips_on`,
:func:`service_dates`, :func:`calendar_span_text`) and :mod:`data_sources.gtfs_times` the times
(:func:`seconds_from_gtfs_times`, :func:`interpolate_stop_times`, :func:`expand_frequencies`). Those names are
re-exported here, so ``from data_sources.gtfs import trips_on`` keeps working.

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

A feed with stops (and routes) but no trips.txt and stop_times.txt, such as a stops-and-routes extract, is a
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
import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import STOP_COLUMNS, WGS84
from data_sources.errors import NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.gtfs_calendar import WEEKDAYS, calendar_span_text, service_dates, service_ids_on, trips_on
from data_sources.gtfs_checks import ROW as _ROW
from data_sources.gtfs_checks import tables_checked
from data_sources.gtfs_times import (
    expand_frequencies,
    gtfs_time_from_seconds,
    interpolate_stop_times,
    seconds_from_gtfs_times,
)
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
    checked = tables_checked(tables, source, report, bbox, has_timetables=raw["trips"] is not None)
    default_name = path.stem if path.is_file() else path.name
    return GtfsFeed(name=name or default_name, path=path, **checked, report=report)


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
        The loaded feed whose tables and report are counted.

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
