"""The walk–ride–walk route of a transit answer: walk to a stop, one ride, walk to the place.

The family page's "Route" for a place reached by transit draws these legs with the line and the times. The search
tries each departure of the answer's window (every 5 minutes) and keeps the quickest single ride (over every line and
every pair of stops within walking reach of home and of the place); a route with a transfer is not drawn, so the
answer's median time (which may use one) can differ from the drawn route's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from geo.models import DataRelease, TransitStop
from geo.point_query import (
    MAX_MINUTES,
    MAX_SNAP_M,
    QueryError,
    _stop_links,
    _transit_window,
    check_point,
    index_for,
    walking_route,
)
from routing.profiles import profile_for_age
from routing.reach import PointNotOnNetworkError, metres_to_places, reach_from_point, route_from_reach


def _clock(seconds: float) -> str:
    whole = int(round(seconds)) // 60
    return f"{(whole // 60) % 24:02d}:{whole % 60:02d}"


def _leg(geometry: shapely.Geometry, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.set_precision(geometry, 1e-6)),
        "properties": properties,
    }


def transit_route(
    release: DataRelease, lon: float, lat: float, opportunity_id: str, *, age: int | None, when: dt.datetime | None
) -> dict[str, Any]:
    """The legs (GeoJSON FeatureCollection) from the point to one opportunity at the first departure of the window.

    Each leg: ``kind`` (walk or ride), ``minutes``, ``start``/``end`` (HH:MM), ``line`` (rides), ``from``/``to``
    (stop names), ``label`` (one line in the request's language). When walking all the way is as fast, the one leg
    is the walk.
    """
    index = index_for(release)
    check_point(index, lon, lat, release.city.name)
    if index.network is None or index.places is None:
        raise QueryError(_("walk–ride–walk routes need the city's street network"))
    matches = np.flatnonzero(index.opportunities["id"].to_numpy() == str(opportunity_id))
    if len(matches) == 0:
        raise QueryError(f"no opportunity {opportunity_id!r} in {release.city.name}")
    target = index.opportunities.iloc[matches[0]]
    profile = profile_for_age(age if age is not None else 18)
    window = _transit_window(release, index, when)
    tt = window.timetable
    stops, _links = _stop_links(tt, index.network, None, profile)
    limit_s = MAX_MINUTES * 60
    try:
        home = reach_from_point(index.network, lon, lat, limit_s, profile, max_snap_m=MAX_SNAP_M)
        there = reach_from_point(index.network, float(target["lon"]), float(target["lat"]), limit_s, profile,
                                 max_snap_m=MAX_SNAP_M)  # fmt: skip
    except PointNotOnNetworkError as error:
        raise QueryError(str(error)) from None
    speed = profile.speed_m_s
    access_m, _seed = metres_to_places(home, stops)
    egress_m, _seed = metres_to_places(there, stops)
    access = np.where(access_m <= home.max_metres, access_m / speed, np.inf)
    egress = np.where(egress_m <= there.max_metres, egress_m / speed, np.inf)
    walk_m, _seed = metres_to_places(home, index.places.subset(np.arange(len(index.places)) == matches[0]))
    walk_s = float(walk_m[0] / speed) if walk_m[0] <= home.max_metres else np.inf
    best: tuple[float, float, int, int, int, int] | None = None  # duration, leave, pattern, trip, board, alight
    for leave in window.departures.astype(float):
        found = _best_ride(tt, access, egress, leave)
        if found is not None and (best is None or found[0] - leave < best[0]):
            best = (found[0] - leave, leave, *found[1:])
    if best is None or best[0] >= walk_s:
        walk = walking_route(release, lon, lat, str(opportunity_id), age=age)
        minutes = max(1, round(walk_s / 60)) if np.isfinite(walk_s) else None
        walk["properties"] |= {"kind": "walk", "minutes": minutes,
                               "label": _("walk all the way: %(n)s min") % {"n": minutes}}  # fmt: skip
        return {"type": "FeatureCollection", "features": [walk], "properties": {"departure": window.label}}
    duration, start, p, k, i, j = best
    arrival = start + duration
    return _legs(release, tt, home, there, stops, access, egress, (start, arrival, p, k, i, j), (lon, lat),
                 target, window.label)  # fmt: skip


def _best_ride(
    tt: Any, access: np.ndarray, egress: np.ndarray, start: float
) -> tuple[float, int, int, int, int] | None:
    """The earliest arrival at the place leaving at ``start`` with one ride: (arrival, pattern, trip, board, alight)."""
    best: tuple[float, int, int, int, int] | None = None
    for p in range(len(tt.pattern_stop_ptr) - 1):
        a, b = int(tt.pattern_stop_ptr[p]), int(tt.pattern_stop_ptr[p + 1])
        seq = tt.pattern_stops[a:b]
        acc, egr = access[seq], egress[seq]
        board = np.flatnonzero(np.isfinite(acc) & tt.pattern_pickup[a:b])
        alight = np.flatnonzero(np.isfinite(egr) & tt.pattern_dropoff[a:b])
        if not len(board) or not len(alight) or alight.max() <= board.min():
            continue
        n_s = b - a
        n_t = int(tt.pattern_trip_ptr[p + 1] - tt.pattern_trip_ptr[p])
        base = int(tt.pattern_time_ptr[p])
        departures = tt.departures[base : base + n_t * n_s].reshape(n_t, n_s)
        arrivals = tt.arrivals[base : base + n_t * n_s].reshape(n_t, n_s)
        for i in board:
            k = int(np.searchsorted(departures[:, i], start + acc[i], side="left"))
            if k == n_t:
                continue
            later = alight[alight > i]
            if not len(later):
                continue
            totals = arrivals[k, later] + egr[later]
            j = int(later[np.argmin(totals)])
            if best is None or float(totals.min()) < best[0]:
                best = (float(totals.min()), p, k, int(i), j)
    return best


def _legs(
    release: DataRelease, tt: Any, home: Any, there: Any, stops: Any, access: np.ndarray, egress: np.ndarray,
    chosen: tuple[float, float, int, int, int, int], point: tuple[float, float], target: Any, departure: str,
) -> dict[str, Any]:  # fmt: skip
    """The three legs of the chosen ride as GeoJSON features, with their labels."""
    start, arrival, p, k, i, j = chosen
    lon, lat = point
    name = str(target["name"])
    a = int(tt.pattern_stop_ptr[p])
    seq = tt.pattern_stops[a : int(tt.pattern_stop_ptr[p + 1])]
    n_s = len(seq)
    base = int(tt.pattern_time_ptr[p])
    board_s = float(tt.departures[base + k * n_s + i])
    alight_s = float(tt.arrivals[base + k * n_s + j])
    names = _stop_names(release, [str(tt.stop_ids[seq[i]]), str(tt.stop_ids[seq[j]])])
    line = str(tt.pattern_route_ids[p]).split(":", 1)[-1]
    first = route_from_reach(home, stops, int(seq[i]))
    last = route_from_reach(there, stops, int(seq[j]))
    ride = shapely.LineString([(tt.stop_lon[s], tt.stop_lat[s]) for s in seq[i : j + 1]])
    walk_in = float(access[seq[i]])
    walk_out = float(egress[seq[j]])
    legs = [
        _leg(first if first is not None else shapely.LineString([(lon, lat), (tt.stop_lon[seq[i]], tt.stop_lat[seq[i]])]),  # noqa: E501
             kind="walk", minutes=max(1, round(walk_in / 60)), start=_clock(start), end=_clock(start + walk_in),
             to=names[0], label=_("walk %(n)s min to %(stop)s") % {"n": max(1, round(walk_in / 60)), "stop": names[0]}),
        _leg(ride, kind="ride", line=line, minutes=max(1, round((alight_s - board_s) / 60)), start=_clock(board_s),
             end=_clock(alight_s), **{"from": names[0]}, to=names[1],
             label=_("line %(line)s %(start)s → %(end)s, %(from)s → %(to)s")
             % {"line": line, "start": _clock(board_s), "end": _clock(alight_s), "from": names[0], "to": names[1]}),
        _leg(last.reverse() if last is not None else shapely.LineString([(tt.stop_lon[seq[j]], tt.stop_lat[seq[j]]),
                                                                          (target["lon"], target["lat"])]),
             kind="walk", minutes=max(1, round(walk_out / 60)), start=_clock(alight_s), end=_clock(arrival),
             **{"from": names[1]}, to=name,
             label=_("walk %(n)s min to %(place)s") % {"n": max(1, round(walk_out / 60)), "place": name}),
    ]  # fmt: skip
    return {
        "type": "FeatureCollection",
        "features": legs,
        "properties": {"departure": departure, "arrival": _clock(arrival), "minutes": round((arrival - start) / 60)},
    }


def _stop_names(release: DataRelease, stop_ids: list[str]) -> list[str]:
    """Stop names by the timetable's ``"<feed>:<stop_id>"`` (the id itself when the stop has no name)."""
    names = []
    for stop_id in stop_ids:
        feed, _colon, own = stop_id.partition(":")
        stop = TransitStop.objects.filter(feed__release=release, feed__name=feed, stop_id=own).first()
        names.append(stop.name if stop is not None and stop.name else own)
    return names
