"""A transit timetable as flat arrays for one service date and time window: the input of :mod:`routing.raptor`.

:func:`timetable_from_feeds` reads one or more validated GTFS feeds (the :class:`~data_sources.gtfs.GtfsFeed`
tables, taken by shape: ``routing`` never imports ``data_sources.gtfs``) and returns a :class:`Timetable`: merged
stops and RAPTOR *patterns* — the trips that call at the same stops in the same order with the same pick-up and
drop-off rules — each with a stop × trip matrix of arrival and departure times.

Choices, in the order the build makes them:

- **Times** are whole seconds since midnight of ``date`` (``int32``). A trip of the previous service day whose
  times pass 24:00 is shifted by -86,400 s (its ``25:10:00`` becomes ``01:10:00`` on ``date``); a trip of the next
  service day is shifted by +86,400 s, which matters only when ``window_end_s + max_trip_s`` passes midnight.
- **Services**: a trip runs on a day when its ``service_id`` runs then: calendar.txt weekday flag within
  ``start_date..end_date`` (inclusive), minus calendar_dates.txt removals (``exception_type`` 2), plus its
  additions (``exception_type`` 1) — the rule of :func:`data_sources.gtfs.service_ids_on`.
- **Horizon**: a journey departs in ``[window_start_s, window_end_s)`` and lasts at most ``max_trip_s``, so only
  trips with a departure at or after ``window_start_s`` and a first departure at or before
  ``window_end_s + max_trip_s`` are kept (whole trips: a kept trip keeps all its stops).
- **Untimed stops** (only timepoints timed, as POA's EPTC) get times interpolated between their timed neighbours
  by distance along the trip (``shape_dist_traveled`` where the trip gives it at every stop and it never
  decreases, else the cumulative great-circle distance between consecutive stops; by position where both
  neighbours lie at the same distance) — the rule of :func:`data_sources.gtfs.interpolate_stop_times`,
  re-implemented here because ``routing`` may not import ``data_sources.gtfs`` (a test checks they agree).
- **Frequencies** are expanded into concrete trips: each frequencies.txt window ``start..end`` of a template trip
  departs at ``start + k * headway`` for ``k = 0 .. ceil((end - start) / headway) - 1`` (the rule of
  :func:`data_sources.gtfs.expand_frequencies`), for ``exact_times`` 0 and 1 alike. R5 instead draws random
  schedules for ``exact_times`` 0 (Monte Carlo); the expansion is deterministic, and the percentiles over a
  departure window still capture the wait caused by the headway.
- **Pick-up / drop-off**: ``pickup_type`` / ``drop_off_type`` 1 ("none") forbid boarding / alighting at that
  stop; 0, 2 and 3 (phone or coordinate with the driver) allow it. Trips differing only in these rules get
  separate patterns.
- **Patterns** are sorted by departure. RAPTOR finds the earliest catchable trip of a pattern at a stop by
  binary search, which needs FIFO trips (no trip overtakes another: at every stop, a later trip arrives and
  departs no earlier). A pattern whose trips overtake each other is split greedily into FIFO sub-patterns.
- **Stops** are only those called at by a kept trip; their ids are prefixed by the feed's name
  (``"poa_eptc:1511"``) so that several feeds merge without clashes. Transfers between feeds are walked like
  any other transfer (see :mod:`routing.raptor`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["DAY_S", "FeedTables", "Timetable", "timetable_from_feeds"]

#: Seconds in a service day.
DAY_S = 86_400

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EARTH_RADIUS_M = 6_371_008.8

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


class FeedTables(Protocol):
    """What the build reads from a feed: the tables of :class:`data_sources.gtfs.GtfsFeed`, typed as it types them.

    ``stop_times`` times are ``Int64`` seconds since the service day's midnight (``<NA>`` where untimed);
    calendar dates are ``datetime64``; ``frequencies`` times are ``int`` seconds.
    """

    name: str
    stops: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame


@dataclass(frozen=True, eq=False)
class Timetable:
    """Stops and patterns of the trips usable on one date within one time window, as flat arrays.

    Times are ``int32`` seconds since midnight of ``date``. Pattern ``p`` calls at
    ``pattern_stops[pattern_stop_ptr[p]:pattern_stop_ptr[p + 1]]`` (``n_s`` stops) and has trips
    ``pattern_trip_ptr[p]:pattern_trip_ptr[p + 1]`` (``n_t`` trips, sorted by departure, FIFO). Its times are
    stored trip-major from ``pattern_time_ptr[p]``: the departure of its trip ``t`` (0-based within the pattern)
    at its ``i``-th stop is ``departures[pattern_time_ptr[p] + t * n_s + i]``, so a scan along a trip reads
    memory in order (as R5's trip schedules), and each stop's departures are sorted across trips (FIFO).

    Attributes
    ----------
    date
        The service date.
    window_start_s, window_end_s, max_trip_s
        The departure window ``[window_start_s, window_end_s)`` and the longest journey the build kept trips
        for; trips outside ``[window_start_s, window_end_s + max_trip_s]`` were dropped.
    stop_ids, stop_feed, stop_lon, stop_lat
        The stops: ``"<feed>:<stop_id>"``, the feed's name, WGS84 coordinates.
    pattern_stop_ptr, pattern_stops, pattern_pickup, pattern_dropoff
        Each pattern's stop sequence (stop indices) and whether boarding / alighting is allowed there.
    pattern_trip_ptr, pattern_time_ptr, arrivals, departures
        Each pattern's trips and its trip-major time matrices.
    pattern_route_ids
        The route (``"<feed>:<route_id>"``) of each pattern.
    trip_ids, trip_shift_s
        Each trip (in pattern order): ``"<feed>:<trip_id>"`` (``#<start>`` added for a frequency departure,
        ``@-1d`` / ``@+1d`` for a neighbouring service day) and the service-day shift applied to its times.
    stop_pattern_ptr, stop_pattern, stop_pattern_pos
        For stop ``s``, the patterns calling there and the stop's position in each
        (``stop_pattern_ptr[s]:stop_pattern_ptr[s + 1]``); a loop calling twice at a stop appears twice.
    """

    date: dt.date
    window_start_s: int
    window_end_s: int
    max_trip_s: int
    stop_ids: npt.NDArray[np.object_]
    stop_feed: npt.NDArray[np.object_]
    stop_lon: FloatArray
    stop_lat: FloatArray
    pattern_stop_ptr: IntArray
    pattern_stops: Int32Array
    pattern_pickup: BoolArray
    pattern_dropoff: BoolArray
    pattern_trip_ptr: IntArray
    pattern_time_ptr: IntArray
    arrivals: Int32Array
    departures: Int32Array
    pattern_route_ids: npt.NDArray[np.object_]
    trip_ids: npt.NDArray[np.object_]
    trip_shift_s: Int32Array
    stop_pattern_ptr: IntArray
    stop_pattern: Int32Array
    stop_pattern_pos: Int32Array

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_patterns(self) -> int:
        return len(self.pattern_stop_ptr) - 1

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    def pattern_times(self, pattern: int) -> tuple[Int32Array, Int32Array]:
        """The arrival and departure matrices of one pattern, shaped (stops, trips)."""
        n_s = int(self.pattern_stop_ptr[pattern + 1] - self.pattern_stop_ptr[pattern])
        n_t = int(self.pattern_trip_ptr[pattern + 1] - self.pattern_trip_ptr[pattern])
        start = int(self.pattern_time_ptr[pattern])
        block = slice(start, start + n_s * n_t)
        return self.arrivals[block].reshape(n_t, n_s).T, self.departures[block].reshape(n_t, n_s).T

    def stop_times_frame(self) -> pd.DataFrame:
        """Every kept stop time as a long frame: ``trip_id, stop_id, position, arrival_time, departure_time``."""
        frames = []
        for p in range(self.n_patterns):
            arrivals, departures = self.pattern_times(p)
            stops = self.stop_ids[self.pattern_stops[self.pattern_stop_ptr[p] : self.pattern_stop_ptr[p + 1]]]
            trips = self.trip_ids[self.pattern_trip_ptr[p] : self.pattern_trip_ptr[p + 1]]
            n_s, n_t = arrivals.shape
            frames.append(
                pd.DataFrame(
                    {
                        "trip_id": np.tile(trips, n_s),
                        "stop_id": np.repeat(stops, n_t),
                        "position": np.repeat(np.arange(n_s), n_t),
                        "arrival_time": arrivals.ravel(),
                        "departure_time": departures.ravel(),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["trip_id", "stop_id", "position", "arrival_time", "departure_time"])
        return pd.concat(frames, ignore_index=True).sort_values(["trip_id", "position"], ignore_index=True)

    def summary(self) -> dict[str, object]:
        """Counts for logs and benchmarks."""
        return {
            "date": self.date.isoformat(),
            "window": [self.window_start_s, self.window_end_s],
            "max_trip_s": self.max_trip_s,
            "stops": self.n_stops,
            "patterns": self.n_patterns,
            "trips": self.n_trips,
            "stop_times": int(len(self.arrivals)),
        }

    def __repr__(self) -> str:
        return (
            f"Timetable(date={self.date.isoformat()}, window={self.window_start_s}..{self.window_end_s} s, "
            f"stops={self.n_stops:,}, patterns={self.n_patterns:,}, trips={self.n_trips:,})"
        )


# --------------------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------------------


def timetable_from_feeds(
    feeds: Sequence[FeedTables] | FeedTables,
    date: dt.date | str,
    *,
    window_start_s: int,
    window_end_s: int,
    max_trip_s: int = 7_200,
) -> Timetable:
    """The timetable of the trips usable by journeys departing in a window on one date.

    Parameters
    ----------
    feeds
        One or more feeds from :func:`data_sources.gtfs.feed_from_path` (any objects with the same tables).
        Their names must differ: they prefix stop, route and trip ids.
    date
        The service date, as a :class:`datetime.date` or ``"2019-05-15"`` / ``"20190515"``.
    window_start_s, window_end_s
        Journeys depart in ``[window_start_s, window_end_s)``, seconds since midnight of ``date``.
    max_trip_s
        The longest journey considered (seconds); trips starting after ``window_end_s + max_trip_s`` are dropped.

    Returns
    -------
    Timetable
        Stops, FIFO patterns and their time matrices (see the module docstring for every choice made). A date
        without service gives a timetable with no patterns.

    Raises
    ------
    ValueError
        If the window is empty or negative, ``max_trip_s`` is negative, or two feeds share a name.
    """
    feed_list = [feeds] if not isinstance(feeds, Sequence) else list(feeds)
    if window_end_s <= window_start_s:
        msg = f"empty departure window: window_end_s ({window_end_s}) must be after window_start_s ({window_start_s})"
        raise ValueError(msg)
    if max_trip_s < 0:
        msg = f"max_trip_s must be positive or zero, not {max_trip_s}"
        raise ValueError(msg)
    names = [feed.name for feed in feed_list]
    if len(set(names)) != len(names):
        msg = f"feeds must have distinct names (they prefix ids); got {names}"
        raise ValueError(msg)
    day = pd.Timestamp(date).normalize()
    horizon_end = window_end_s + max_trip_s
    parts = [_usable_stop_times(feed, day, window_start_s, horizon_end) for feed in feed_list]
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) else None
    stops = pd.concat([_feed_stops(feed) for feed in feed_list], ignore_index=True)
    return _timetable_from_rows(rows, stops, day.date(), window_start_s, window_end_s, max_trip_s)


def _feed_stops(feed: FeedTables) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stop_id": feed.name + ":" + feed.stops["stop_id"].astype(str),
            "feed": feed.name,
            "lon": feed.stops["stop_lon"].to_numpy(dtype=float),
            "lat": feed.stops["stop_lat"].to_numpy(dtype=float),
        }
    )


def _service_ids_on(feed: FeedTables, day: pd.Timestamp) -> set[str]:
    """Service ids running on ``day`` (calendar weekday and range, then calendar_dates exceptions)."""
    calendar = feed.calendar
    services: set[str] = set()
    if not calendar.empty:
        running = (
            calendar[_WEEKDAYS[day.weekday()]].astype(bool)
            & (calendar["start_date"] <= day)
            & (calendar["end_date"] >= day)
        )
        services = set(calendar.loc[running, "service_id"])
    exceptions = feed.calendar_dates
    if not exceptions.empty:
        today = exceptions[exceptions["date"] == day]
        services |= set(today.loc[today["exception_type"] == 1, "service_id"])
        services -= set(today.loc[today["exception_type"] == 2, "service_id"])
    return services


def _usable_stop_times(feed: FeedTables, day: pd.Timestamp, window_start: int, horizon_end: int) -> pd.DataFrame:
    """Timed, expanded and shifted stop times of ``feed``'s trips within the horizon, from the days around ``day``.

    Returns rows ``trip_id, route_id, stop_id, arrival, departure, pickup, dropoff, shift`` (ids prefixed by the
    feed's name), sorted by trip then stop order.
    """
    timed = _timed_stop_times(feed)
    offsets = [-1, 0] + ([1] if horizon_end > DAY_S else [])
    pieces = []
    for offset in offsets:
        services = _service_ids_on(feed, day + pd.Timedelta(days=offset))
        trips = feed.trips[feed.trips["service_id"].isin(list(services))]
        if trips.empty:
            continue
        rows = _frequencies_expanded(feed, timed[timed["trip_id"].isin(list(trips["trip_id"]))])
        if rows.empty:
            continue
        shift = offset * DAY_S
        rows = rows.assign(arrival=rows["arrival"] + shift, departure=rows["departure"] + shift, shift=shift)
        first = rows.groupby("trip_id", sort=False)["departure"].transform("min")
        last = rows.groupby("trip_id", sort=False)["departure"].transform("max")
        rows = rows[(last >= window_start) & (first <= horizon_end)]
        if rows.empty:
            continue
        suffix = {-1: "@-1d", 0: "", 1: "@+1d"}[offset]
        route_of = trips.set_index("trip_id")["route_id"]
        rows = rows.assign(
            route_id=feed.name + ":" + route_of.reindex(rows["template_trip_id"].to_numpy()).astype(str).to_numpy(),
            trip_id=feed.name + ":" + rows["trip_id"] + suffix,
        )
        pieces.append(rows)
    columns = ["trip_id", "route_id", "stop_id", "arrival", "departure", "pickup", "dropoff", "shift"]
    if not pieces:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(pieces, ignore_index=True)
    rows["stop_id"] = feed.name + ":" + rows["stop_id"].astype(str)
    return rows[columns]


def _allowed(values: pd.Series | None, n: int) -> BoolArray:
    """GTFS pickup_type / drop_off_type as "allowed" flags: only 1 (no pick-up / drop-off) forbids."""
    if values is None:
        return np.ones(n, dtype=bool)
    text = values.astype(str).str.strip().to_numpy()
    return text != "1"


def _timed_stop_times(feed: FeedTables) -> pd.DataFrame:
    """Stop times with integer ``arrival``/``departure`` (untimed stops interpolated), flags, in trip order."""
    stop_times = feed.stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable", ignore_index=True)
    n = len(stop_times)
    arrival = stop_times["arrival_time"].to_numpy(dtype=float, na_value=np.nan)
    departure = stop_times["departure_time"].to_numpy(dtype=float, na_value=np.nan)
    # A row with only one of its times given uses it for both.
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    timed = ~np.isnan(arrival)
    if n and not timed.all():
        arrival, departure = _interpolated(feed, stop_times, arrival, departure, timed)
    return pd.DataFrame(
        {
            "trip_id": stop_times["trip_id"].to_numpy(),
            "stop_id": stop_times["stop_id"].to_numpy(),
            "arrival": arrival.astype(np.int64),
            "departure": departure.astype(np.int64),
            "pickup": _allowed(stop_times.get("pickup_type"), n),
            "dropoff": _allowed(stop_times.get("drop_off_type"), n),
        }
    )


def _trip_starts(trip_ids: np.ndarray) -> BoolArray:
    starts = np.ones(len(trip_ids), dtype=bool)
    starts[1:] = trip_ids[1:] != trip_ids[:-1]
    return starts


def _interpolated(
    feed: FeedTables, stop_times: pd.DataFrame, arrival: FloatArray, departure: FloatArray, timed: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Untimed stops timed between their timed neighbours by distance along the trip (see the module docstring)."""
    n = len(stop_times)
    starts = _trip_starts(stop_times["trip_id"].to_numpy())
    ends = np.roll(starts, -1)
    ends[-1] = True
    if not timed[starts | ends].all():
        msg = f"{feed.name}: a trip's first or last stop_time has no time: cannot interpolate"
        raise ValueError(msg)
    position = np.arange(n)
    distance = _distances_along_trips(feed, stop_times, starts)
    before = np.maximum.accumulate(np.where(timed, position, 0))
    after = np.minimum.accumulate(np.where(timed, position, n)[::-1])[::-1]
    after = np.minimum(after, n - 1)
    span = distance[after] - distance[before]
    by_distance = np.divide(distance - distance[before], span, out=np.zeros_like(span), where=span > 0)
    by_position = (position - before) / np.maximum(after - before, 1)
    fraction = np.clip(np.where(span > 0, by_distance, by_position), 0.0, 1.0)
    start = departure[before]
    estimate = np.rint(start + (arrival[after] - start) * fraction)
    return np.where(timed, arrival, estimate), np.where(timed, departure, estimate)


def _distances_along_trips(feed: FeedTables, stop_times: pd.DataFrame, starts: BoolArray) -> FloatArray:
    """Distance of each stop time from its trip's first stop: shape_dist_traveled where usable, else metres."""
    coordinates = feed.stops.set_index("stop_id")[["stop_lat", "stop_lon"]]
    located = coordinates.reindex(stop_times["stop_id"].to_numpy())
    lat, lon = located["stop_lat"].to_numpy(dtype=float), located["stop_lon"].to_numpy(dtype=float)
    phi1, phi2 = np.radians(lat[:-1]), np.radians(lat[1:])
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon[1:] - lon[:-1]) / 2) ** 2
    step = np.zeros(len(stop_times))
    step[1:] = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
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


def _frequencies_expanded(feed: FeedTables, timed: pd.DataFrame) -> pd.DataFrame:
    """Timed stop times with each frequency-based trip replaced by its departures (``template_trip_id`` added)."""
    frequencies = feed.frequencies
    if not frequencies.empty:
        frequencies = frequencies[frequencies["trip_id"].isin(list(timed["trip_id"].unique()))]
    by_frequency = timed["trip_id"].isin(list(frequencies["trip_id"])).to_numpy()
    fixed = timed[~by_frequency].assign(template_trip_id=lambda f: f["trip_id"])
    templates = timed[by_frequency]
    if templates.empty:
        return fixed
    first_departure = templates.groupby("trip_id")["departure"].transform("first")
    offsets = templates.assign(
        arrival=templates["arrival"] - first_departure,
        departure=templates["departure"] - first_departure,
        _order=np.arange(len(templates)),
    )
    start = frequencies["start_time"].to_numpy(dtype=np.int64)
    headway = frequencies["headway_secs"].to_numpy(dtype=np.int64)
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
        arrival=expanded["arrival"] + expanded["_start"],
        departure=expanded["departure"] + expanded["_start"],
    )
    columns = [*timed.columns, "template_trip_id"]
    return pd.concat([fixed[columns], expanded[columns]], ignore_index=True)


def _fifo_groups(departures: np.ndarray, arrivals: np.ndarray) -> list[list[int]]:
    """Split trips (rows, sorted by departure) into groups in which no trip overtakes the one before it."""
    groups: list[list[int]] = []
    for t in range(departures.shape[0]):
        for group in groups:
            last = group[-1]
            if (departures[t] >= departures[last]).all() and (arrivals[t] >= arrivals[last]).all():
                group.append(t)
                break
        else:
            groups.append([t])
    return groups


def _timetable_from_rows(
    rows: pd.DataFrame | None,
    stops: pd.DataFrame,
    date: dt.date,
    window_start_s: int,
    window_end_s: int,
    max_trip_s: int,
) -> Timetable:
    """Group usable stop times into FIFO patterns and lay them out as arrays."""
    if rows is None or rows.empty:
        rows = pd.DataFrame(
            {
                "trip_id": pd.Series([], dtype=object),
                "route_id": pd.Series([], dtype=object),
                "stop_id": pd.Series([], dtype=object),
                "arrival": pd.Series([], dtype=np.int64),
                "departure": pd.Series([], dtype=np.int64),
                "pickup": pd.Series([], dtype=bool),
                "dropoff": pd.Series([], dtype=bool),
                "shift": pd.Series([], dtype=np.int64),
            }
        )
    served = pd.unique(rows["stop_id"].to_numpy())
    stop_table = stops.drop_duplicates("stop_id").set_index("stop_id").reindex(served)
    stop_index = pd.Series(np.arange(len(served)), index=served)
    stop_code = stop_index.reindex(rows["stop_id"].to_numpy()).to_numpy(dtype=np.int64)
    arrival = rows["arrival"].to_numpy(dtype=np.int64)
    departure = rows["departure"].to_numpy(dtype=np.int64)
    pickup = rows["pickup"].to_numpy(dtype=bool)
    dropoff = rows["dropoff"].to_numpy(dtype=bool)
    trip_ids = rows["trip_id"].to_numpy()
    starts = np.flatnonzero(_trip_starts(trip_ids)) if len(rows) else np.empty(0, dtype=np.int64)
    bounds = np.append(starts, len(rows))

    # Pattern key: the stop sequence with its pick-up and drop-off rules.
    groups: dict[tuple[int, ...], list[int]] = {}
    for i in range(len(starts)):
        a, b = bounds[i], bounds[i + 1]
        key = (*stop_code[a:b].tolist(), -1, *pickup[a:b].tolist(), -1, *dropoff[a:b].tolist())
        groups.setdefault(key, []).append(i)

    pattern_stops: list[np.ndarray] = []
    pattern_pickup: list[np.ndarray] = []
    pattern_dropoff: list[np.ndarray] = []
    pattern_arrivals: list[np.ndarray] = []
    pattern_departures: list[np.ndarray] = []
    pattern_routes: list[str] = []
    trip_order: list[int] = []
    route_ids = rows["route_id"].to_numpy()
    for trips in groups.values():
        a0, b0 = bounds[trips[0]], bounds[trips[0] + 1]
        n_s = b0 - a0
        index = np.array([np.arange(bounds[t], bounds[t] + n_s) for t in trips])  # (trips, stops)
        deps, arrs = departure[index], arrival[index]
        order = np.lexsort(deps.T[::-1])
        deps, arrs = deps[order], arrs[order]
        trips_sorted = [trips[o] for o in order]
        for group in _fifo_groups(deps, arrs):
            pattern_stops.append(stop_code[a0:b0])
            pattern_pickup.append(pickup[a0:b0])
            pattern_dropoff.append(dropoff[a0:b0])
            pattern_departures.append(deps[group].ravel())  # trip-major
            pattern_arrivals.append(arrs[group].ravel())
            pattern_routes.append(str(route_ids[a0]))
            trip_order.extend(trips_sorted[g] for g in group)

    n_patterns = len(pattern_stops)
    stop_counts = np.array([len(s) for s in pattern_stops], dtype=np.int64)
    time_counts = np.array([len(t) for t in pattern_departures], dtype=np.int64)
    trip_counts = np.where(stop_counts > 0, time_counts // np.maximum(stop_counts, 1), 0)
    stop_ptr = np.zeros(n_patterns + 1, dtype=np.int64)
    np.cumsum(stop_counts, out=stop_ptr[1:])
    trip_ptr = np.zeros(n_patterns + 1, dtype=np.int64)
    np.cumsum(trip_counts, out=trip_ptr[1:])
    time_ptr = np.zeros(n_patterns + 1, dtype=np.int64)
    np.cumsum(time_counts, out=time_ptr[1:])

    def flat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)

    all_stops = flat(pattern_stops, np.int64)
    first_rows = bounds[np.asarray(trip_order, dtype=np.int64)] if trip_order else np.empty(0, dtype=np.int64)
    # stop -> (pattern, position) index
    owner = np.repeat(np.arange(n_patterns, dtype=np.int64), stop_counts)
    position = np.arange(len(all_stops), dtype=np.int64) - np.repeat(stop_ptr[:-1], stop_counts)
    by_stop = np.lexsort((position, owner, all_stops))
    stop_pattern_ptr = np.zeros(len(served) + 1, dtype=np.int64)
    np.cumsum(np.bincount(all_stops, minlength=len(served)), out=stop_pattern_ptr[1:])
    return Timetable(
        date=date,
        window_start_s=int(window_start_s),
        window_end_s=int(window_end_s),
        max_trip_s=int(max_trip_s),
        stop_ids=np.asarray(served, dtype=object),
        stop_feed=stop_table["feed"].to_numpy(dtype=object),
        stop_lon=stop_table["lon"].to_numpy(dtype=np.float64),
        stop_lat=stop_table["lat"].to_numpy(dtype=np.float64),
        pattern_stop_ptr=stop_ptr,
        pattern_stops=all_stops.astype(np.int32),
        pattern_pickup=flat(pattern_pickup, np.bool_),
        pattern_dropoff=flat(pattern_dropoff, np.bool_),
        pattern_trip_ptr=trip_ptr,
        pattern_time_ptr=time_ptr,
        arrivals=flat(pattern_arrivals, np.int32),
        departures=flat(pattern_departures, np.int32),
        pattern_route_ids=np.asarray(pattern_routes, dtype=object),
        trip_ids=np.asarray(trip_ids[first_rows], dtype=object),
        trip_shift_s=rows["shift"].to_numpy(dtype=np.int32)[first_rows],
        stop_pattern_ptr=stop_pattern_ptr,
        stop_pattern=owner[by_stop].astype(np.int32),
        stop_pattern_pos=position[by_stop].astype(np.int32),
    )
