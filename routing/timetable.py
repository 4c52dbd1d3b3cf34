"""A transit timetable as flat arrays for one service date and time window: the input of :mod:`routing.raptor`.

:func:`timetable_from_feeds` reads one or more validated GTFS feeds (the :class:`~data_sources.gtfs.GtfsFeed`
tables, taken by shape, :class:`~data_sources.contracts.FeedTables`) and returns a :class:`Timetable`: merged
stops and RAPTOR *patterns* — the trips that call at the same stops in the same order with the same pick-up and
drop-off rules — each with a stop × trip matrix of arrival and departure times.

Choices, in the order the build makes them:

- **Times** are whole seconds since midnight of ``date`` (``int32``). A trip of the previous service day whose
  times pass 24:00 is shifted by -86,400 s (its ``25:10:00`` becomes ``01:10:00`` on ``date``); a trip of the next
  service day is shifted by +86,400 s, which matters only when ``window_end_s + max_trip_s`` passes midnight.
- **Services**: a trip runs on a day when its ``service_id`` runs then —
  :func:`data_sources.gtfs_calendar.service_ids_on`.
- **Horizon**: a journey departs in ``[window_start_s, window_end_s)`` and lasts at most ``max_trip_s``, so only
  trips with a departure at or after ``window_start_s`` and a first departure at or before
  ``window_end_s + max_trip_s`` are kept (whole trips: a kept trip keeps all its stops).
- **Untimed stops** (only timepoints timed, as POA's EPTC) get times interpolated between their timed neighbours
  by distance along the trip — :func:`data_sources.gtfs_times.interpolated_times`.
- **Frequencies** are expanded into concrete trips, for ``exact_times`` 0 and 1 alike —
  :func:`data_sources.gtfs_times.frequency_trips_expanded`. R5 instead draws random schedules for
  ``exact_times`` 0 (Monte Carlo); the expansion is deterministic, and the percentiles over a departure window
  still capture the wait caused by the headway.

  These three rules are the reader's own (one copy in ``data_sources.gtfs_calendar`` / ``gtfs_times``, which
  ``routing`` may import; it still never imports ``data_sources.gtfs``).
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

import numpy as np
import numpy.typing as npt
import pandas as pd

from data_sources.contracts import FeedTables
from data_sources.errors import InvalidRequestError
from data_sources.gtfs_calendar import service_ids_on
from data_sources.gtfs_times import frequency_trips_expanded, interpolated_times, trip_starts

__all__ = ["DAY_S", "FeedTables", "Timetable", "timetable_from_feeds"]

#: Seconds in a service day.
DAY_S = 86_400


IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


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
        raise InvalidRequestError(msg)
    if max_trip_s < 0:
        msg = f"max_trip_s must be positive or zero, not {max_trip_s}"
        raise InvalidRequestError(msg)
    names = [feed.name for feed in feed_list]
    if len(set(names)) != len(names):
        msg = f"feeds must have distinct names (they prefix ids); got {names}"
        raise InvalidRequestError(msg)
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


def _usable_stop_times(feed: FeedTables, day: pd.Timestamp, window_start: int, horizon_end: int) -> pd.DataFrame:
    """Timed, expanded and shifted stop times of ``feed``'s trips within the horizon, from the days around ``day``.

    Returns rows ``trip_id, route_id, stop_id, arrival, departure, pickup, dropoff, shift`` (ids prefixed by the
    feed's name), sorted by trip then stop order.
    """
    timed = _timed_stop_times(feed)
    offsets = [-1, 0] + ([1] if horizon_end > DAY_S else [])
    pieces = []
    for offset in offsets:
        services = service_ids_on(feed, day + pd.Timedelta(days=offset))
        trips = feed.trips[feed.trips["service_id"].isin(list(services))]
        if trips.empty:
            continue
        rows = frequency_trips_expanded(
            timed[timed["trip_id"].isin(list(trips["trip_id"]))],
            feed.frequencies,
            arrival="arrival",
            departure="departure",
        )
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
    arrival, departure, _ = interpolated_times(feed, stop_times)
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
    starts = np.flatnonzero(trip_starts(trip_ids)) if len(rows) else np.empty(0, dtype=np.int64)
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
