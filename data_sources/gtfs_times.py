"""GTFS times: parsing ``H:MM:SS``, timing untimed stops, and expanding frequency-based trips.

The one copy of these rules, used by :mod:`data_sources.gtfs` (the reader and its public helpers) and by
:mod:`routing.timetable` (the RAPTOR timetable build). ``routing`` may import this module and
:mod:`data_sources.gtfs_calendar` (see ``[tool.importlinter]`` in pyproject.toml): both read a feed only through
the :class:`~data_sources.contracts.FeedTables` protocol and import nothing else of ``data_sources`` but its
contracts and errors, so the two packages cannot drift apart again.

- **Times** are whole seconds since the service day's midnight; hours may pass 24 (``"24:30:00"`` is 88,200).
- **Untimed stops** (only timepoints timed, as POA's EPTC) get a time between their timed neighbours *a* and *b*:
  ``departure(a) + (arrival(b) - departure(a)) * (d - d_a) / (d_b - d_a)``, rounded to the second, where *d* is
  the distance along the trip (``shape_dist_traveled`` where the trip gives it at every stop and it never
  decreases, else the cumulative great-circle distance between consecutive stops), or the position in the
  sequence where *a* and *b* lie at the same distance.
- **Frequencies**: each frequencies.txt window ``start..end`` of a template trip departs at
  ``start + k * headway`` for ``k = 0 .. ceil((end - start) / headway) - 1``, for ``exact_times`` 0 and 1 alike.
  A window whose end is not after its start gives no departure (the reader rejects such rows; a hand-built
  feed may still hold one, and then nothing runs rather than the expansion failing).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_sources.contracts import FeedTables
from data_sources.errors import SourceFormatError

__all__ = [
    "distances_along_trips",
    "expand_frequencies",
    "frequency_trips_expanded",
    "gtfs_time_from_seconds",
    "interpolate_stop_times",
    "interpolated_times",
    "metres_between",
    "seconds_and_invalid_from_times",
    "seconds_from_gtfs_times",
    "time_text_or_empty",
    "trip_starts",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

_TIME_PATTERN = r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$"  # H:MM:SS or HH:MM:SS; hours may pass 24
_EARTH_RADIUS_M = 6_371_008.8


def seconds_and_invalid_from_times(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
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
    SourceFormatError
        If a non-empty value is not a time (e.g. ``"25:61:00"`` or ``"abc"``); a ``ValueError`` too.
    """
    text = times.astype(str).str.strip()
    seconds, invalid = seconds_and_invalid_from_times(text)
    if invalid.any():
        msg = f"not a GTFS time H:MM:SS: {text[invalid].iloc[0]!r} ({int(invalid.sum())} such value(s))"
        raise SourceFormatError(msg)
    return pd.Series(pd.array(seconds, dtype="Int64"), index=times.index, name=times.name)


def gtfs_time_from_seconds(seconds: int) -> str:
    """Seconds since the service day's midnight as GTFS ``HH:MM:SS`` (88200 gives ``"24:30:00"``)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def time_text_or_empty(seconds: float) -> str:
    """A time as ``HH:MM:SS``, or an empty string for a missing one (for reject values)."""
    return "" if pd.isna(seconds) else gtfs_time_from_seconds(int(seconds))


def trip_starts(trip_ids: np.ndarray) -> BoolArray:
    """Which rows start a new trip, in rows grouped by trip."""
    starts = np.ones(len(trip_ids), dtype=bool)
    starts[1:] = trip_ids[1:] != trip_ids[:-1]
    return starts


def metres_between(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distances in metres between pairs of WGS84 points."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def distances_along_trips(stops: pd.DataFrame, stop_times: pd.DataFrame, starts: BoolArray) -> FloatArray:
    """Distance of each stop time from its trip's first stop: shape_dist_traveled where usable, else metres.

    ``stop_times`` rows are grouped by trip in stop order; ``starts`` marks each trip's first row.
    """
    coordinates = stops.set_index("stop_id")[["stop_lat", "stop_lon"]]
    located = coordinates.reindex(stop_times["stop_id"].to_numpy())
    lat, lon = located["stop_lat"].to_numpy(dtype=float), located["stop_lon"].to_numpy(dtype=float)
    step = np.zeros(len(stop_times))
    step[1:] = metres_between(lat[:-1], lon[:-1], lat[1:], lon[1:])
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


def interpolated_times(feed: FeedTables, stop_times: pd.DataFrame) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Arrival and departure seconds of ``stop_times`` with every untimed stop timed (see the module docstring).

    ``stop_times`` rows are grouped by trip in stop order (``feed.stop_times`` or a part of it); a row with
    only one of its times uses it for both.

    Returns
    -------
    tuple
        ``arrival``, ``departure`` (float seconds, no NaN) and ``timed`` (the rows the feed timed itself).

    Raises
    ------
    SourceFormatError
        If a trip's first or last stop has no time (only possible with a hand-edited table); a ``ValueError`` too.
    """
    n = len(stop_times)
    arrival = stop_times["arrival_time"].to_numpy(dtype=float, na_value=np.nan)
    departure = stop_times["departure_time"].to_numpy(dtype=float, na_value=np.nan)
    arrival, departure = (
        np.where(np.isnan(arrival), departure, arrival),
        np.where(np.isnan(departure), arrival, departure),
    )
    timed = ~np.isnan(arrival)
    if timed.all():
        return arrival, departure, timed
    starts = trip_starts(stop_times["trip_id"].to_numpy())
    ends = np.roll(starts, -1)
    ends[-1] = True
    if not timed[starts | ends].all():
        msg = f"{feed.name}: a trip's first or last stop_time has no time: cannot interpolate (was stop_times edited?)"
        raise SourceFormatError(msg)
    position = np.arange(n)
    distance = distances_along_trips(feed.stops, stop_times, starts)
    before = np.maximum.accumulate(np.where(timed, position, 0))
    after = np.minimum.accumulate(np.where(timed, position, n)[::-1])[::-1]
    after = np.minimum(after, n - 1)  # only timed rows, which need no "after", can exceed it
    span = distance[after] - distance[before]
    by_distance = np.divide(distance - distance[before], span, out=np.zeros_like(span), where=span > 0)
    by_position = (position - before) / np.maximum(after - before, 1)
    fraction = np.clip(np.where(span > 0, by_distance, by_position), 0.0, 1.0)
    start = departure[before]
    estimate = np.rint(start + (arrival[after] - start) * fraction)
    return np.where(timed, arrival, estimate), np.where(timed, departure, estimate), timed


def interpolate_stop_times(feed: FeedTables) -> pd.DataFrame:
    """The feed's stop times with every untimed stop given a time between its timed neighbours.

    The rule is the module docstring's; times never decrease along a trip afterwards. Every trip of a loaded
    feed has its first and last stop timed (trips without were rejected by
    :func:`data_sources.gtfs.feed_from_path`).

    Parameters
    ----------
    feed
        A feed from :func:`data_sources.gtfs.feed_from_path`.

    Returns
    -------
    pandas.DataFrame
        ``feed.stop_times`` with ``arrival_time`` and ``departure_time`` as ``int64`` seconds (no missing
        value) and a bool column ``interpolated`` marking the rows whose times were computed here.

    Raises
    ------
    SourceFormatError
        If a trip's first or last stop has no time (only possible with a hand-edited ``feed.stop_times``).
    """
    arrival, departure, timed = interpolated_times(feed, feed.stop_times)
    return feed.stop_times.assign(
        arrival_time=arrival.astype(np.int64), departure_time=departure.astype(np.int64), interpolated=~timed
    )


def frequency_trips_expanded(
    stop_times: pd.DataFrame,
    frequencies: pd.DataFrame,
    *,
    arrival: str = "arrival_time",
    departure: str = "departure_time",
) -> pd.DataFrame:
    """``stop_times`` with each frequency-based trip replaced by its departures (the module docstring's rule).

    Parameters
    ----------
    stop_times
        Timed stop times grouped by trip in stop order, with integer ``arrival`` and ``departure`` columns.
    frequencies
        frequencies.txt rows (``trip_id``, ``start_time``, ``end_time``, ``headway_secs`` as ints).
    arrival, departure
        The names of the time columns.

    Returns
    -------
    pandas.DataFrame
        The columns of ``stop_times`` plus ``template_trip_id``; trips without frequencies first (as they
        were), then departures ``"{trip_id}#{start seconds}"`` by template trip and start time.
    """
    if not frequencies.empty:
        frequencies = frequencies[frequencies["trip_id"].isin(list(stop_times["trip_id"].unique()))]
    by_frequency = stop_times["trip_id"].isin(list(frequencies["trip_id"])).to_numpy()
    fixed = stop_times[~by_frequency].assign(template_trip_id=lambda f: f["trip_id"])
    templates = stop_times[by_frequency]
    if templates.empty:
        return fixed.reset_index(drop=True)
    first_departure = templates.groupby("trip_id")[departure].transform("first")
    offsets = templates.assign(
        **{arrival: templates[arrival] - first_departure, departure: templates[departure] - first_departure},
        _order=np.arange(len(templates)),
    )
    start = frequencies["start_time"].to_numpy(dtype=np.int64)
    headway = frequencies["headway_secs"].to_numpy(dtype=np.int64)
    # ceil((end - start) / headway), and no departure for a window that ends before it starts
    count = np.maximum(-((start - frequencies["end_time"].to_numpy(dtype=np.int64)) // headway), 0)
    window = np.repeat(np.arange(len(frequencies)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    departures = pd.DataFrame(
        {"template_trip_id": frequencies["trip_id"].to_numpy()[window], "_start": start[window] + headway[window] * k}
    )
    expanded = departures.merge(
        offsets.rename(columns={"trip_id": "template_trip_id"}), on="template_trip_id", how="inner"
    ).sort_values(["template_trip_id", "_start", "_order"], kind="stable")
    expanded = expanded.assign(
        trip_id=expanded["template_trip_id"] + "#" + expanded["_start"].astype(str),
        **{arrival: expanded[arrival] + expanded["_start"], departure: expanded[departure] + expanded["_start"]},
    )
    columns = [*stop_times.columns, "template_trip_id"]
    return pd.concat([fixed[columns], expanded[columns]], ignore_index=True)


def _trip_ids_from(trips: pd.DataFrame | Collection[str]) -> list[str]:
    """Trip ids from a trips frame, a collection of ids or a single id."""
    if isinstance(trips, pd.DataFrame):
        return list(trips["trip_id"])
    if isinstance(trips, str):
        return [trips]
    return list(trips)


def expand_frequencies(
    feed: FeedTables,
    trips: pd.DataFrame | Collection[str] | None = None,
    *,
    stop_times: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stop times with every frequency-based trip replaced by its concrete departures.

    Each departure becomes a trip ``"{trip_id}#{start seconds}"`` whose times are the template trip's times
    shifted so that its first departure falls on the window's start (the module docstring's rule; a router
    treating ``exact_times`` 0 as "on average" can use the headway instead). Trips without frequencies are kept
    as they are.

    Parameters
    ----------
    feed
        A feed from :func:`data_sources.gtfs.feed_from_path`.
    trips
        Only expand and keep these trips: a trips frame (such as :func:`data_sources.gtfs_calendar.trips_on`),
        trip ids or one trip id. All trips by default.
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
    templates = stop_times["trip_id"].isin(list(frequencies["trip_id"])).to_numpy()
    ordered = pd.concat(
        [stop_times[~templates], stop_times[templates].sort_values(["trip_id", "stop_sequence"], kind="stable")]
    )
    return frequency_trips_expanded(ordered, frequencies)
