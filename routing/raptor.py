"""Walk + transit travel times over a departure window: range RAPTOR on a :class:`~routing.timetable.Timetable`.

The router is RAPTOR (Delling, Pajor and Werneck, "Round-Based Public Transit Routing", 2012) in its range
variant as R5 (Conveyal) runs it: for each origin, departure minutes are processed from the latest to the earliest
and the labels of a later minute are kept as upper bounds for the earlier ones — leaving earlier can always wait
for what leaving later catches — so each minute only explores what it improves. The kernel is compiled with numba
and releases the GIL; origins are split over threads.

Rules (R5's, unless said otherwise):

- **Walking legs** are walked on the street network (:func:`routing.travel_times.walk_distances`, segment
  snapping) at the profile's speed and converted to whole seconds (rounded to the nearest). Access (origin →
  stop) and egress (stop → destination) are each at most ``max_walk_m``; a transfer (stop → stop) at most
  ``transfer_max_m``. A walk-only journey is at most ``max_walk_m`` too (as r5r's ``max_walk_time``).
- **One walk between two rides**: a transfer walk starts where a vehicle was left (not after access or another
  transfer), and egress starts where a vehicle was left (R5's "non-transfer" arrival times).
- **Boarding slack**: a vehicle is boarded only if it departs at least ``board_slack_s`` after the rider reaches
  the stop (60 s, R5's ``MINIMUM_BOARD_WAIT_SEC``), at the first boarding as at every transfer. Staying on board
  costs nothing.
- **Limits**: at most ``max_transfers + 1`` rides; journeys longer than ``max_trip_s`` are unreachable.
- **Never worse than walking**: at every departure minute the result is ``min(walk-only, transit)``.
- **Percentiles** over the departure minutes are R5's: the value at index ``ceil(p / 100 * n) - 1`` of the ``n``
  sorted travel times (no interpolation; an unreachable minute counts as infinite). Because the walk-only time
  does not depend on the minute, ``percentile(min(walk, transit)) = min(walk, percentile(transit))``.

What makes it fast, beyond range RAPTOR itself (each keeps the answers exactly; the reference test checks):

- in range mode the access stops improve by one minute at every minute and usually still catch the same trips;
  a pattern through an improved stop is rescanned only if the improvement makes an earlier trip catchable there
  (a per-round cursor per stop and pattern finds that in amortised constant time);
- egress is walked once per minute from each stop reached by vehicle earlier than before, not once per round;
- no transfer is walked after the last allowed ride;
- times are stored trip by trip (a scan reads memory in order), legs as ``int32``, per-minute results as
  contiguous rows; each thread owns its labels, so nothing is shared but the read-only timetable.

Differences from R5 worth knowing: frequency-based trips are expanded into scheduled departures (R5 draws random
schedules for ``exact_times`` 0); walking legs come from Vicino's street searches (segment snapping, stops
snapped within 500 m) and are rounded to whole seconds; the walk-only journey obeys ``max_walk_m``.

Result contract: :func:`transit_travel_times` returns the one travel-time table ``from_id, to_id, travel_time``
(seconds) with ``travel_time`` = the **median** over the departure minutes (the 50th percentile, always computed),
extended by one column per requested percentile, ``travel_time_p5`` … ``travel_time_p95``. A pair appears when its
median is within ``max_trip_s``; a higher percentile beyond it is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from data_sources.contracts import TRAVEL_TIME_COLUMNS, percentile_column
from data_sources.errors import InvalidRequestError
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.snapping import Locations
from routing.timetable import Timetable
from routing.walk_links import (
    DEFAULT_MAX_WALK_M,
    DEFAULT_THREADS,
    DEFAULT_TRANSFER_MAX_M,
    WalkLinks,
    links_for_origins,
    links_to_stops,
    stops_on_network,
    walk_links,
)

__all__ = [
    "DEFAULT_BOARD_SLACK_S",
    "DEFAULT_MAX_TRANSFERS",
    "DEFAULT_MAX_TRIP_S",
    "DEFAULT_MAX_WALK_M",
    "DEFAULT_PERCENTILES",
    "DEFAULT_THREADS",
    "DEFAULT_TRANSFER_MAX_M",
    "UNREACHED",
    "WalkLinks",
    "links_for_origins",
    "links_to_stops",
    "percentile_column",
    "percentile_indexes",
    "stops_on_network",
    "transit_travel_times",
    "travel_time_samples",
    "travel_times_from_links",
    "walk_links",
]

#: Sentinel for "not reached" in the int32 time arrays (small enough that adding a walk never overflows).
UNREACHED = 1 << 30
DEFAULT_MAX_TRANSFERS = 3
DEFAULT_MAX_TRIP_S = 7_200
DEFAULT_BOARD_SLACK_S = 60
DEFAULT_PERCENTILES: tuple[float, ...] = (5, 25, 50, 75, 95)

Int32Array = npt.NDArray[np.int32]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


# --------------------------------------------------------------------------------------------------------------
# Compiled kernel
# --------------------------------------------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _improve(labels, k, s, t, last_round):  # type: ignore[no-untyped-def]
    """Set labels[k..last_round, s] to ``t`` where larger: a label with k rides also bounds every later round."""
    for kk in range(k, last_round + 1):
        if t < labels[kk, s]:
            labels[kk, s] = t
        else:
            break


@njit(cache=True, nogil=True, inline="always")
def _first_departure(dep_t, base, n_s, n_trips, earliest):  # type: ignore[no-untyped-def]
    """The first of trips ``0 .. n_trips - 1`` leaving the stop (``dep_t[base + x * n_s]``, sorted) at or after
    ``earliest``; ``n_trips`` when none does (binary search)."""
    lo = 0
    hi = n_trips
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep_t[base + mid * n_s] >= earliest:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True, inline="always")
def _arrive(arr, before, marked, listed, n_listed, k, s, t, max_rides):  # type: ignore[no-untyped-def]
    """Arrival at stop ``s`` at ``t`` with ``k`` rides: the stop's label before its first improvement this round
    goes to ``before``, the labels improve (:func:`_improve`), and the stop is listed once for the next round
    (``listed``); returns the new number listed."""
    if not marked[s]:
        before[s] = arr[k, s]
        marked[s] = True
        listed[n_listed] = s
        n_listed += 1
    _improve(arr, k, s, t, max_rides)
    return n_listed


@njit(cache=True, nogil=True)
def _origin_range_raptor(  # type: ignore[no-untyped-def]
    o, departures, acc_ptr, acc_stop, acc_s,
    p_stop_ptr, p_stops, p_pick, p_drop, p_trip_ptr, p_time_ptr, arr_t, dep_t,
    sp_ptr, sp_pat, sp_pos, tr_ptr, tr_stop, tr_s, eg_ptr, eg_dest, eg_s,
    max_rides, max_trip, slack,
    arr, ride, dest_best, marked, before, marked_list, next_list, ride_flag, ride_list,
    egress_flag, egress_list, pat_first, pat_list, cursor, buf,
):  # fmt: skip
    """Range RAPTOR from one origin; writes transit travel times (or UNREACHED) into ``buf[minute, dest]``.

    ``arr[k, s]``: earliest arrival at stop ``s`` with at most ``k`` rides (walks included); ``ride[k, s]``: the
    same, arriving by vehicle (egress and transfers start from these). Both are kept across departure minutes.
    ``before[s]`` is the label a stop had when this round first improved it: a pattern through a stop needs a
    new scan only if the improvement makes an earlier trip catchable there — in range mode, most access stops
    improve by one minute at each minute and catch the same trips as before, so this skips most scans.
    """
    unreached = 1 << 30
    arr[:, :] = unreached
    ride[:, :] = unreached
    dest_best[:] = unreached
    cursor[:, :] = -1
    n_dest = dest_best.shape[0]
    n_minutes = departures.shape[0]
    for m in range(n_minutes - 1, -1, -1):
        tau = departures[m]
        limit = tau + max_trip
        n_marked = 0
        n_egress = 0
        for a in range(acc_ptr[o], acc_ptr[o + 1]):
            s = acc_stop[a]
            t = tau + acc_s[a]
            if t <= limit and t < arr[0, s]:
                n_marked = _arrive(arr, before, marked, marked_list, n_marked, 0, s, t, max_rides)
        for k in range(1, max_rides + 1):
            if n_marked == 0:
                break
            # Patterns through the stops improved in the previous round, from their earliest such stop.
            n_pat = 0
            for j in range(n_marked):
                s = marked_list[j]
                marked[s] = False
                earliest = arr[k - 1, s] + slack
                previous = before[s] + slack
                for q in range(sp_ptr[s], sp_ptr[s + 1]):
                    p = sp_pat[q]
                    pos = sp_pos[q]
                    if not p_pick[p_stop_ptr[p] + pos]:
                        continue
                    # Is a trip departing in [earliest, previous)? Only then is there anything new to ride.
                    # cursor[k, q]: the first trip catchable there with an earlier (never lower) label.
                    n_t = p_trip_ptr[p + 1] - p_trip_ptr[p]
                    n_s = p_stop_ptr[p + 1] - p_stop_ptr[p]
                    base = p_time_ptr[p] + pos  # trip x departs there at dep_t[base + x * n_s]
                    lo = cursor[k, q]
                    if lo < 0:
                        lo = _first_departure(dep_t, base, n_s, n_t, earliest)
                    else:
                        while lo > 0 and dep_t[base + (lo - 1) * n_s] >= earliest:
                            lo -= 1
                    cursor[k, q] = lo
                    if lo == n_t or dep_t[base + lo * n_s] >= previous:
                        continue
                    if pat_first[p] < 0:
                        pat_first[p] = pos
                        pat_list[n_pat] = p
                        n_pat += 1
                    elif pos < pat_first[p]:
                        pat_first[p] = pos
            n_next = 0
            n_ride = 0
            for j in range(n_pat):
                p = pat_list[j]
                first = pat_first[p]
                pat_first[p] = -1
                s_off = p_stop_ptr[p]
                n_s = p_stop_ptr[p + 1] - s_off
                n_t = p_trip_ptr[p + 1] - p_trip_ptr[p]
                t_off = p_time_ptr[p]
                trip = -1
                for i in range(first, n_s):
                    s = p_stops[s_off + i]
                    base = t_off + i  # trip x at this stop: [base + x * n_s]
                    if trip >= 0 and p_drop[s_off + i]:
                        t = arr_t[base + trip * n_s]
                        if t <= limit and t < ride[k, s]:
                            _improve(ride, k, s, t, max_rides)
                            if not ride_flag[s]:
                                ride_flag[s] = True
                                ride_list[n_ride] = s
                                n_ride += 1
                            if t < arr[k, s]:
                                n_next = _arrive(arr, before, marked, next_list, n_next, k, s, t, max_rides)
                    if p_pick[s_off + i]:
                        tb = arr[k - 1, s]
                        if tb < unreached:
                            earliest = tb + slack
                            if trip < 0:
                                if dep_t[base + (n_t - 1) * n_s] >= earliest:
                                    trip = _first_departure(dep_t, base, n_s, n_t - 1, earliest)
                            elif trip > 0 and dep_t[base + (trip - 1) * n_s] >= earliest:
                                trip -= 1
                                while trip > 0 and dep_t[base + (trip - 1) * n_s] >= earliest:
                                    trip -= 1
            # Transfers and egress from the stops reached by vehicle in this round.
            for j in range(n_ride):
                s = ride_list[j]
                ride_flag[s] = False
                t = ride[k, s]
                for q in range(tr_ptr[s], tr_ptr[s + 1] if k < max_rides else tr_ptr[s]):
                    s2 = tr_stop[q]
                    t2 = t + tr_s[q]
                    if t2 <= limit and t2 < arr[k, s2]:
                        n_next = _arrive(arr, before, marked, next_list, n_next, k, s2, t2, max_rides)
                if not egress_flag[s]:
                    egress_flag[s] = True
                    egress_list[n_egress] = s
                    n_egress += 1
            marked_list, next_list = next_list, marked_list
            n_marked = n_next
        for j in range(n_marked):  # stops improved in the last allowed round
            marked[marked_list[j]] = False
        # Egress once per minute from each stop reached by vehicle earlier than before (in any round).
        for j in range(n_egress):
            s = egress_list[j]
            egress_flag[s] = False
            t = ride[max_rides, s]
            for q in range(eg_ptr[s], eg_ptr[s + 1]):
                d = eg_dest[q]
                t2 = t + eg_s[q]
                if t2 < dest_best[d]:
                    dest_best[d] = t2
        for d in range(n_dest):
            t = dest_best[d] - tau
            buf[m, d] = t if t <= max_trip else unreached


@njit(cache=True, nogil=True)
def _chunk_state(n_stops, n_patterns, n_stop_patterns, n_dest, n_minutes, max_rides):  # type: ignore[no-untyped-def]
    arr = np.empty((max_rides + 1, n_stops), dtype=np.int32)
    ride = np.empty((max_rides + 1, n_stops), dtype=np.int32)
    dest_best = np.empty(n_dest, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    before = np.empty(n_stops, dtype=np.int32)
    marked_list = np.empty(n_stops, dtype=np.int64)
    next_list = np.empty(n_stops, dtype=np.int64)
    ride_flag = np.zeros(n_stops, dtype=np.bool_)
    ride_list = np.empty(n_stops, dtype=np.int64)
    egress_flag = np.zeros(n_stops, dtype=np.bool_)
    egress_list = np.empty(n_stops, dtype=np.int64)
    pat_first = np.full(n_patterns, -1, dtype=np.int64)
    pat_list = np.empty(n_patterns, dtype=np.int64)
    cursor = np.empty((max_rides + 1, n_stop_patterns), dtype=np.int32)
    buf = np.empty((n_minutes, n_dest), dtype=np.int32)
    return (
        arr, ride, dest_best, marked, before, marked_list, next_list, ride_flag, ride_list, egress_flag, egress_list,
        pat_first, pat_list, cursor, buf,
    )  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _at_most_walk(times, o, walk_ptr, walk_dest, walk_s):  # type: ignore[no-untyped-def]
    """Cap ``times[d, :]`` (origin ``o``'s times to destination ``d``: percentiles or departure minutes) by its
    walk-only leg: never worse than walking."""
    for q in range(walk_ptr[o], walk_ptr[o + 1]):
        d = walk_dest[q]
        w = walk_s[q]
        for j in range(times.shape[1]):
            if w < times[d, j]:
                times[d, j] = w


@njit(cache=True, nogil=True)
def _percentiles_chunk(  # type: ignore[no-untyped-def]
    origins, departures, acc_ptr, acc_stop, acc_s, walk_ptr, walk_dest, walk_s, legs,
    n_stops, n_dest, max_rides, max_trip, slack, pct_index,
):  # fmt: skip
    """Percentiles of min(walk, transit) over the departure minutes, shaped (origins, destinations, percentiles).

    ``legs`` is the tuple of timetable, transfer and egress arrays (:func:`_kernel_arguments`)."""
    unreached = 1 << 30
    n_minutes = departures.shape[0]
    n_pct = pct_index.shape[0]
    out = np.full((origins.shape[0], n_dest, n_pct), unreached, dtype=np.int32)
    state = _chunk_state(n_stops, legs[0].shape[0] - 1, legs[9].shape[0], n_dest, n_minutes, max_rides)
    dest_best = state[2]
    buf = state[-1]
    row = np.empty(n_minutes, dtype=np.int32)
    for c in range(origins.shape[0]):
        o = origins[c]
        _origin_range_raptor(o, departures, acc_ptr, acc_stop, acc_s, *legs, max_rides, max_trip, slack, *state)
        for d in range(n_dest):
            if dest_best[d] - departures[n_minutes - 1] > max_trip:
                continue  # the best arrival of all is too late even for the latest departure
            lowest = unreached
            for m in range(n_minutes):
                row[m] = buf[m, d]
                lowest = min(lowest, row[m])
            if lowest >= unreached:
                continue
            row.sort()
            for p in range(n_pct):
                out[c, d, p] = row[pct_index[p]]
        _at_most_walk(out[c], o, walk_ptr, walk_dest, walk_s)
    return out


@njit(cache=True, nogil=True)
def _samples_chunk(  # type: ignore[no-untyped-def]
    origins, departures, acc_ptr, acc_stop, acc_s, walk_ptr, walk_dest, walk_s, legs,
    n_stops, n_dest, max_rides, max_trip, slack, with_walk,
):  # fmt: skip
    """Travel time at every departure minute, shaped (origins, minutes, destinations) (``legs`` as in
    :func:`_percentiles_chunk`)."""
    n_minutes = departures.shape[0]
    out = np.empty((origins.shape[0], n_minutes, n_dest), dtype=np.int32)
    state = _chunk_state(n_stops, legs[0].shape[0] - 1, legs[9].shape[0], n_dest, n_minutes, max_rides)
    buf = state[-1]
    for c in range(origins.shape[0]):
        o = origins[c]
        _origin_range_raptor(o, departures, acc_ptr, acc_stop, acc_s, *legs, max_rides, max_trip, slack, *state)
        out[c] = buf
        if with_walk:
            _at_most_walk(out[c].T, o, walk_ptr, walk_dest, walk_s)
    return out


# --------------------------------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------------------------------


def percentile_indexes(n: int, percentiles: Sequence[float]) -> IntArray:
    """R5's nearest-rank indexes: percentile ``p`` of ``n`` sorted values is the one at ``ceil(p / 100 * n) - 1``."""
    if n <= 0:
        msg = "percentiles need at least one departure time"
        raise InvalidRequestError(msg)
    return np.array([max(0, math.ceil(p / 100 * n) - 1) for p in percentiles], dtype=np.int64)


def _departure_times(window: tuple[int, int], step_s: int) -> Int32Array:
    start, end = window
    if end <= start or step_s <= 0:
        msg = f"departure window {window} with step {step_s} s has no departure"
        raise InvalidRequestError(msg)
    return np.arange(start, end, step_s, dtype=np.int32)


def _check_links(timetable: Timetable, links: WalkLinks) -> None:
    if len(links.transfer_ptr) != timetable.n_stops + 1:
        msg = "the walk links were made for another timetable (stop counts differ)"
        raise InvalidRequestError(msg)


def _check_window(timetable: Timetable, departures: np.ndarray, max_trip_s: int) -> None:
    if len(departures) and (departures.min() < timetable.window_start_s or departures.max() >= timetable.window_end_s):
        msg = (
            f"departures {int(departures.min())}..{int(departures.max())} s fall outside the timetable's window "
            f"[{timetable.window_start_s}, {timetable.window_end_s}): build it for this window"
        )
        raise InvalidRequestError(msg)
    if max_trip_s > timetable.max_trip_s:
        msg = f"max_trip_s {max_trip_s} exceeds the {timetable.max_trip_s} s the timetable kept trips for"
        raise InvalidRequestError(msg)


def _departures_checked(
    timetable: Timetable,
    links: WalkLinks,
    departure_times: Sequence[int] | np.ndarray,
    max_trip_s: int,
    max_transfers: int,
) -> Int32Array:
    """The departure times as int32, after checking them and the other arguments against the inputs."""
    departures = np.asarray(departure_times, dtype=np.int32)
    if len(departures) > 1 and (np.diff(departures) <= 0).any():
        msg = "departure_times must be strictly increasing"
        raise InvalidRequestError(msg)
    if max_transfers < 0:
        msg = f"max_transfers must be 0 or more, not {max_transfers}"
        raise InvalidRequestError(msg)
    _check_links(timetable, links)
    _check_window(timetable, departures, max_trip_s)
    return departures


def _kernel_arguments(timetable: Timetable, links: WalkLinks) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The kernels' arrays: ``head`` (access and walk-only legs, passed one by one) and ``legs`` (the timetable's
    pattern arrays, ``legs[0]`` = ``pattern_stop_ptr`` and ``legs[9]`` = ``stop_pattern``, then the transfer and
    egress legs), passed as one tuple and unpacked into :func:`_origin_range_raptor` in this order."""
    head = (links.access_ptr, links.access_stop, links.access_s, links.walk_ptr, links.walk_dest, links.walk_s)
    tail = (
        timetable.pattern_stop_ptr, timetable.pattern_stops, timetable.pattern_pickup, timetable.pattern_dropoff,
        timetable.pattern_trip_ptr, timetable.pattern_time_ptr, timetable.arrivals, timetable.departures,
        timetable.stop_pattern_ptr, timetable.stop_pattern, timetable.stop_pattern_pos,
        links.transfer_ptr, links.transfer_stop, links.transfer_s, links.egress_ptr, links.egress_dest, links.egress_s,
    )  # fmt: skip
    return head, tail


def _run_chunks(kernel: Callable[[IntArray], T], origin_index: IntArray, threads: int, chunk: int) -> list[T]:
    """Run ``kernel(origins)`` over chunks of origins on a thread pool (the kernels release the GIL)."""
    chunks = [origin_index[i : i + chunk] for i in range(0, len(origin_index), chunk)]
    if threads <= 1 or len(chunks) <= 1:
        return [kernel(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(kernel, chunks))


def travel_time_samples(
    timetable: Timetable,
    links: WalkLinks,
    departure_times: Sequence[int] | np.ndarray,
    *,
    origins: Sequence[int] | np.ndarray | None = None,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_trip_s: int = DEFAULT_MAX_TRIP_S,
    board_slack_s: int = DEFAULT_BOARD_SLACK_S,
    with_walk: bool = True,
    threads: int = DEFAULT_THREADS,
) -> Int32Array:
    """Travel time from each origin to each destination at each departure time (before any percentile).

    Parameters
    ----------
    timetable, links
        The timetable and its walking legs (:func:`walk_links`).
    departure_times
        Departure times (seconds since midnight of the timetable's date), in increasing order; range RAPTOR
        processes them from the last to the first.
    origins
        Indices into ``links.origin_ids`` (all origins by default).
    max_transfers, max_trip_s, board_slack_s
        As in :func:`transit_travel_times`.
    with_walk
        Take the walk-only journey into account (False: transit journeys only, for tests).
    threads
        Threads over origins.

    Returns
    -------
    numpy.ndarray
        ``int32`` seconds shaped (origins, departure times, destinations); :data:`UNREACHED` where nothing
        arrives within ``max_trip_s``.
    """
    departures = _departures_checked(timetable, links, departure_times, max_trip_s, max_transfers)
    origin_index = np.arange(links.n_origins, dtype=np.int64) if origins is None else np.asarray(origins, np.int64)
    head, tail = _kernel_arguments(timetable, links)

    def kernel(chunk: IntArray) -> np.ndarray:
        return _samples_chunk(
            chunk, departures, *head, tail, timetable.n_stops, links.n_destinations,
            max_transfers + 1, int(max_trip_s), int(board_slack_s), with_walk,
        )  # fmt: skip

    parts = _run_chunks(kernel, origin_index, threads, chunk=max(1, len(origin_index) // (4 * max(threads, 1))))
    if not parts:
        return np.empty((0, len(departures), links.n_destinations), dtype=np.int32)
    return np.concatenate(parts)


def transit_travel_times(
    network: Network,
    timetable: Timetable,
    origins: Locations,
    destinations: Locations,
    *,
    departure_window: tuple[int, int] | None = None,
    step_s: int = 60,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    profile: WalkProfile = ADULT,
    max_walk_m: float = DEFAULT_MAX_WALK_M,
    transfer_max_m: float = DEFAULT_TRANSFER_MAX_M,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_trip_s: int = DEFAULT_MAX_TRIP_S,
    board_slack_s: int = DEFAULT_BOARD_SLACK_S,
    links: WalkLinks | None = None,
    threads: int = DEFAULT_THREADS,
) -> pd.DataFrame:
    """Walk + transit travel times over a departure window, as the travel-time contract plus percentile columns.

    Parameters
    ----------
    network
        The walk network the places were snapped to.
    timetable
        From :func:`routing.timetable.timetable_from_feeds`, built for a window containing
        ``departure_window`` and for at least ``max_trip_s``.
    origins, destinations
        Snapped places; unsnapped ones appear in no row.
    departure_window
        ``(start, end)`` seconds since midnight of the timetable's date; departures every ``step_s`` seconds
        from ``start`` while before ``end`` (07:00–09:00 every minute = 120 departures). Defaults to the
        timetable's window.
    step_s
        Seconds between two departure times.
    percentiles
        Percentiles of the travel time over the departures, each reported as ``travel_time_p<p>``; the median
        is always computed and is ``travel_time``.
    profile
        Walking speed (and cap on walking distances, if the profile has one).
    max_walk_m
        Longest access, egress and walk-only leg (metres).
    transfer_max_m
        Longest walk between two stops (metres).
    max_transfers
        Most transfers (rides = transfers + 1).
    max_trip_s
        Longest journey (seconds); longer is unreachable.
    board_slack_s
        Least wait at a stop before boarding (seconds).
    links
        Walking legs already computed by :func:`walk_links` for these places and timetable (then ``network``,
        ``origins``, ``destinations``, ``profile``, ``max_walk_m`` and ``transfer_max_m`` are not used again).
    threads
        Threads over origins (the kernel releases the GIL).

    Returns
    -------
    pandas.DataFrame
        ``from_id, to_id, travel_time`` (float seconds: the median), then ``travel_time_p<p>`` per requested
        percentile (NaN when beyond ``max_trip_s``); one row per pair whose median is within ``max_trip_s``,
        sorted by ``from_id`` then ``travel_time``. Never worse than walking.
    """
    window = departure_window or (timetable.window_start_s, timetable.window_end_s)
    departures = _departure_times(window, step_s)
    _check_window(timetable, departures, max_trip_s)
    if links is None:
        links = walk_links(
            network, timetable, origins, destinations, profile=profile, max_walk_m=max_walk_m,
            transfer_max_m=transfer_max_m, threads=threads,
        )  # fmt: skip
    return travel_times_from_links(
        timetable, links, departures, percentiles=percentiles, max_transfers=max_transfers,
        max_trip_s=max_trip_s, board_slack_s=board_slack_s, threads=threads,
    )  # fmt: skip


def travel_times_from_links(
    timetable: Timetable,
    links: WalkLinks,
    departure_times: Sequence[int] | np.ndarray,
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    origins: Sequence[int] | np.ndarray | None = None,
    max_transfers: int = DEFAULT_MAX_TRANSFERS,
    max_trip_s: int = DEFAULT_MAX_TRIP_S,
    board_slack_s: int = DEFAULT_BOARD_SLACK_S,
    threads: int = DEFAULT_THREADS,
) -> pd.DataFrame:
    """:func:`transit_travel_times` on precomputed walking legs and explicit departure times (same result).

    ``origins`` optionally restricts the rows to some origins (indices into ``links.origin_ids``).
    """
    departures = _departures_checked(timetable, links, departure_times, max_trip_s, max_transfers)
    requested = [float(p) for p in percentiles]
    if any(not 0 < p <= 100 for p in requested):
        msg = f"percentiles must lie in (0, 100], got {list(percentiles)}"
        raise InvalidRequestError(msg)
    computed = sorted({*requested, 50.0})
    pct_index = percentile_indexes(len(departures), computed)
    head, tail = _kernel_arguments(timetable, links)

    median_at = computed.index(50.0)

    def kernel(chunk: IntArray) -> tuple[IntArray, IntArray, Int32Array]:
        values = _percentiles_chunk(
            chunk, departures, *head, tail, timetable.n_stops, links.n_destinations,
            max_transfers + 1, int(max_trip_s), int(board_slack_s), pct_index,
        )  # fmt: skip
        # Keep only the pairs in the table (memory grows with reachable pairs, not origins x destinations).
        rows, d_idx = np.nonzero(values[:, :, median_at] <= max_trip_s)
        return chunk[rows], d_idx, values[rows, d_idx]

    origin_index = np.arange(links.n_origins, dtype=np.int64) if origins is None else np.asarray(origins, np.int64)
    chunk = max(1, min(16, len(origin_index) // (4 * max(threads, 1))))
    parts = _run_chunks(kernel, origin_index, threads, chunk)
    o_idx = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    d_idx = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    values = np.concatenate([p[2] for p in parts]) if parts else np.empty((0, len(computed)), dtype=np.int32)
    del parts
    # Sorted by from_id then travel_time (stable), as the walking tables: ranks of the ids stand in for the ids.
    _, id_rank = np.unique(links.origin_ids, return_inverse=True)
    order = np.lexsort((values[:, median_at], id_rank[o_idx]))
    o_idx, d_idx, values = o_idx[order], d_idx[order], values[order]
    columns: dict[str, np.ndarray] = {
        "from_id": links.origin_ids[o_idx],
        "to_id": links.destination_ids[d_idx],
        "travel_time": values[:, median_at].astype(np.float64),
    }
    for p in requested:
        seconds = values[:, computed.index(p)].astype(np.float64)
        seconds[seconds > max_trip_s] = np.nan
        columns[percentile_column(p)] = seconds
    return pd.DataFrame(columns, columns=[*TRAVEL_TIME_COLUMNS, *(c for c in columns if c not in TRAVEL_TIME_COLUMNS)])
