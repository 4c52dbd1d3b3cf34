"""The point query behind the family map: from a home, what can a child reach, and how.

Everything here answers one request from data cached per release (the walk network, the opportunities snapped to
it, the city's outline). The home location is used for the computation only: it is never stored or logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from opening_hours import OpeningHours

from data_sources.errors import InvalidRequestError
from geo.models import DataRelease, Opportunity
from geo.networks import network_for_release
from routing.isochrone_areas import isochrone_areas
from routing.network import Network, transformer_between
from routing.profiles import WalkProfile, profile_for_age
from routing.raptor import (
    WalkLinks,
    links_for_origins,
    links_to_stops,
    percentile_indexes,
    stops_on_network,
    travel_time_samples,
    travel_times_from_links,
    walk_links,
)
from routing.reach import (
    PointNotOnNetworkError,
    metres_to_places,
    reach_from_point,
    route_from_reach,
)
from routing.snapping import Locations, locations_from_points
from routing.straight_line import DEFAULT_DETOUR_FACTOR, walk_seconds_straight_line
from routing.straight_line_links import PlacesXY, places_xy, straight_line_links, straight_line_links_for_origins
from routing.timetable import Timetable
from routing.transit_reach import transit_reach_from_point

MAX_MINUTES = 60
MAX_SNAP_M = 500.0
#: A place this close to a school (metres, straight line) with the school's name is the school itself.
SAME_PLACE_M = 60.0


def _mode_name(mode: str) -> str:
    return {"walk": _("walk"), "transit": _("walk + transit")}.get(mode, mode)


def _day_names() -> dict[str, str]:
    """Opening-hours day codes in the request's language (Mo → Mon / lun)."""
    return {"Mo": _("Mon"), "Tu": _("Tue"), "We": _("Wed"), "Th": _("Thu"), "Fr": _("Fri"), "Sa": _("Sat"),
            "Su": _("Sun")}  # fmt: skip


class QueryError(InvalidRequestError):
    """A request that cannot be answered as asked (outside the city, no timetables...): an HTTP 400."""


@dataclass(frozen=True, eq=False)
class ReleaseIndex:
    """What point queries need of a release, built once per process: the opportunities as arrays and ready-made
    GeoJSON properties, snapped to the network (if any), and the city's outline."""

    release_id: int
    opportunities: pd.DataFrame
    places: Locations | None
    network: Network | None
    outline: shapely.Geometry | None
    metric_epsg: int
    position: dict[str, int]
    category: np.ndarray
    age_min: np.ndarray
    age_max: np.ndarray
    price: np.ndarray
    voucher: np.ndarray
    name_rank: np.ndarray
    x: np.ndarray
    y: np.ndarray
    properties: list[dict[str, Any]]
    coordinates: list[list[float]]


@lru_cache(maxsize=8)
def _index(release_id: int, input_hash: str) -> ReleaseIndex:
    release = DataRelease.objects.select_related("city").get(pk=release_id)
    fields = ["id", "name", "provider", "category", "kind", "age_min", "age_max", "price", "voucher",
              "opening_hours", "address", "website", "source"]  # fmt: skip
    rows = list(Opportunity.objects.filter(release=release).values(*fields, "geom"))
    frame = pd.DataFrame(rows, columns=[*fields, "geom"])
    frame["lon"] = [g.x for g in frame["geom"]]
    frame["lat"] = [g.y for g in frame["geom"]]
    frame = frame.drop(columns="geom")
    frame["id"] = frame["id"].astype(str)
    network = network_for_release(release)
    places = None
    if network is not None and len(frame):
        places = locations_from_points(
            network, frame["id"].to_numpy(), frame["lon"].to_numpy(), frame["lat"].to_numpy(), max_distance=MAX_SNAP_M
        )
    x, y = transformer_between(4326, release.city.metric_epsg).transform(
        frame["lon"].to_numpy(), frame["lat"].to_numpy()
    )
    properties = [
        {
            "id": row["id"],
            "name": row["name"],
            "provider": row["provider"] or "",
            "category": row["category"],
            "kind": row["kind"] or "",
            "age_min": row["age_min"],
            "age_max": row["age_max"],
            "price": None if row["price"] is None else float(row["price"]),
            "voucher": row["voucher"],
            "opening_hours": row["opening_hours"] or "",
            "address": row["address"] or "",
            "website": row["website"] or "",
        }
        for row in rows_as_dicts(frame)
    ]
    as_float = lambda column: pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)  # noqa: E731
    return ReleaseIndex(
        release_id=release_id,
        opportunities=frame,
        places=places,
        network=network,
        outline=_outline(release),
        metric_epsg=release.city.metric_epsg,
        position={opportunity_id: i for i, opportunity_id in enumerate(frame["id"])},
        category=frame["category"].to_numpy(dtype=object),
        age_min=as_float("age_min"),
        age_max=as_float("age_max"),
        price=as_float("price"),
        voucher=np.array([v is True for v in frame["voucher"]]),
        name_rank=np.argsort(np.argsort(frame["name"].to_numpy(dtype=str), kind="stable"), kind="stable"),
        x=np.asarray(x),
        y=np.asarray(y),
        properties=properties,
        coordinates=[[round(lon, 6), round(lat, 6)] for lon, lat in zip(frame["lon"], frame["lat"], strict=True)],
    )


def _same_place(index: ReleaseIndex, lon: float, lat: float, name: str) -> np.ndarray:
    """Opportunities that are the named place at (lon, lat): its name, within :data:`SAME_PLACE_M`."""
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, index.metric_epsg, always_xy=True).transform(lon, lat)
    near = np.hypot(index.x - x, index.y - y) <= SAME_PLACE_M
    wanted = name.strip().casefold()
    names = index.opportunities["name"].astype(str).str.strip().str.casefold().to_numpy()
    return near & (names == wanted)


def rows_as_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with plain Python values (None for missing)."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _outline(release: DataRelease) -> shapely.Geometry | None:
    """The area the city's data covers: its neighbourhoods, else its grid cells, else the network's box."""
    level = release.neighbourhoods.order_by("level").values_list("level", flat=True).first()
    if level:
        shapes = release.neighbourhoods.filter(level=level).values_list("geom", flat=True)
    else:
        shapes = release.population_zones.filter(kind="h3").values_list("geom", flat=True)
    geometries = [shapely.from_wkb(bytes(g.wkb)) for g in shapes]
    if geometries:
        outline = shapely.union_all(geometries).buffer(0.002)  # about 200 m of tolerance at the edge
        shapely.prepare(outline)
        return outline
    street = getattr(release, "street_network", None)
    return shapely.from_wkb(bytes(street.bbox.wkb)) if street else None


def index_for(release: DataRelease) -> ReleaseIndex:
    """The cached query index of a release."""
    return _index(release.pk, release.input_hash)


def check_point(index: ReleaseIndex, lon: float, lat: float, city_name: str) -> None:
    """Refuse points outside the city's data."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise QueryError(f"({lon}, {lat}) is not a longitude, latitude pair")
    if index.outline is not None and not index.outline.contains(shapely.Point(lon, lat)):
        raise QueryError(f"the point ({lon:.5f}, {lat:.5f}) is outside {city_name}")


def _timetable_note(release: DataRelease) -> str:
    """The estimated timetable's note in the request's language ("" for a real timetable)."""
    from django.utils.translation import get_language

    from geo.transit import estimate_note

    return estimate_note(release, "it" if (get_language() or "en").startswith("it") else "en")


def _estimate_note(release: DataRelease, index: ReleaseIndex, mode: str) -> str:
    """What is estimated in an answer: straight-line walks (no street network) and, for transit, a timetable
    estimated from service summaries (in Italian when the request's language is Italian)."""
    notes = []
    if index.network is None:
        notes.append(
            _("times are estimated from distance (straight line × %(factor)s): real walks may be longer")
            % {"factor": formats.number_format(DEFAULT_DETOUR_FACTOR)}
        )
    if mode == "transit":
        timetable = _timetable_note(release)
        if timetable:
            notes.append(timetable)
    return "; ".join(notes)


def _explanation(
    row: dict[str, Any],
    minutes: float,
    mode: str,
    estimate: bool,
    timetable_note: str = "",
    open_now: bool | None = None,
    hours_asked: bool = False,
) -> str:
    """One result's line in the request's language: "12 min walk · free · open Mon-Fri 09:00-18:00"."""
    notes = ([_("estimated from distance")] if estimate else []) + ([timetable_note] if timetable_note else [])
    whole = max(1, round(minutes))
    parts = [
        ngettext("%(n)d min %(mode)s", "%(n)d min %(mode)s", whole) % {"n": whole, "mode": _mode_name(mode)}
        + (f" ({'; '.join(notes)})" if notes else "")
    ]
    price = row.get("price")
    if price is not None and not pd.isna(price):
        parts.append(_("free") if float(price) == 0 else f"€{formats.number_format(float(price))}")
    if row.get("voucher") is True:
        parts.append(_("voucher accepted"))
    hours = row.get("opening_hours") or ""
    if hours:
        text = hours
        for short, name in _day_names().items():
            text = text.replace(short, name)
        parts.append(_("open %(hours)s") % {"hours": text})
    if hours_asked and open_now is None:
        parts.append(_("hours unknown"))
    return " · ".join(parts)


def _is_open(expression: str, when: dt.datetime) -> bool | None:
    if not expression:
        return None
    try:
        return bool(OpeningHours(expression).is_open(when))
    except Exception:  # an expression the loader accepted but the evaluator cannot place in time
        return None


def _seconds_to_all(
    index: ReleaseIndex, lon: float, lat: float, minutes: float, profile: WalkProfile
) -> tuple[np.ndarray, bool]:
    """Walking seconds from the point to every opportunity (inf beyond ``minutes``), and whether estimated."""
    limit_s = minutes * 60 * (1 + 1e-12)
    if index.network is None or index.places is None:
        seconds = walk_seconds_straight_line(lon, lat, index.x, index.y, index.metric_epsg, profile)
        seconds[seconds > limit_s] = np.inf
        return seconds, True
    try:
        reach = reach_from_point(index.network, lon, lat, minutes * 60, profile, max_snap_m=MAX_SNAP_M)
    except PointNotOnNetworkError as error:
        raise QueryError(str(error)) from None
    metres, _ = metres_to_places(reach, index.places)
    seconds = metres / profile.speed_m_s
    seconds[metres > reach.max_metres] = np.inf
    return seconds, False


def reachable_opportunities(
    release: DataRelease,
    lon: float,
    lat: float,
    *,
    minutes: float,
    age: int | None = None,
    categories: list[str] | None = None,
    free: bool = False,
    voucher: bool = False,
    open_at: dt.datetime | None = None,
    mode: str = "walk",
    unknown_hours: bool = True,
    leave_out: str = "",
) -> dict[str, Any]:
    """Opportunities reachable within ``minutes``, sorted by travel time, as a GeoJSON FeatureCollection.

    With ``open_at``, places whose hours say closed are left out; places whose hours are unknown are kept (and
    said to be "hours unknown") when ``unknown_hours``, else left out. ``leave_out`` names the place the question
    starts from (a school): an opportunity of that name within :data:`SAME_PLACE_M` is that place, not a
    destination.
    """
    index = index_for(release)
    check_point(index, lon, lat, release.city.name)
    profile = profile_for_age(age if age is not None else 18)
    seconds, estimate = _seconds_to_all(index, lon, lat, minutes, profile)
    walking = seconds.copy()
    departure = None
    if mode == "transit":
        seconds, departure = _with_transit(release, index, lon, lat, minutes, profile, open_at, seconds)
    keep = np.isfinite(seconds)
    if leave_out:
        keep &= ~_same_place(index, lon, lat, leave_out)
    if categories:
        keep &= np.isin(index.category, categories)
    if age is not None:
        keep &= (np.isnan(index.age_min) | (index.age_min <= age)) & (np.isnan(index.age_max) | (index.age_max >= age))
    if free:
        keep &= index.price == 0
    if voucher:
        keep &= index.voucher
    chosen = np.flatnonzero(keep)
    if open_at is not None:
        is_open = {i: _is_open(index.properties[i]["opening_hours"], open_at) for i in chosen}
        chosen = np.array(
            [i for i in chosen if is_open[i] is True or (is_open[i] is None and unknown_hours)], dtype=np.int64
        )
    chosen = chosen[np.lexsort((index.name_rank[chosen], seconds[chosen]))]
    timetable_note = _timetable_note(release) if mode == "transit" else ""
    features = []
    for i in chosen:
        base = index.properties[i]
        travel_minutes = float(seconds[i]) / 60.0
        # A transit answer whose best way is on foot (a 2-minute walk) is a walk, and says so.
        by_transit = mode == "transit" and bool(seconds[i] < walking[i])
        way = "transit" if by_transit else "walk"
        open_now = None if open_at is None else _is_open(base["opening_hours"], open_at)
        features.append(
            {
                "type": "Feature",
                "id": base["id"],
                "geometry": {"type": "Point", "coordinates": index.coordinates[i]},
                "properties": base
                | {
                    "minutes": round(travel_minutes, 1),
                    "open_at_time": open_now,
                    "hours_known": bool(base["opening_hours"]) and (open_at is None or open_now is not None),
                    "way": way,
                    "explanation": _explanation(
                        base,
                        travel_minutes,
                        way,
                        estimate,
                        timetable_note if by_transit else "",
                        open_now,
                        hours_asked=open_at is not None,
                    ),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "mode": mode,
            "minutes": minutes,
            "profile": profile.name,
            "speed_m_s": profile.speed_m_s,
            "max_walk_m": profile.max_walk_m,
            "method": "straight_line" if estimate else "network",
            "estimate_note": _estimate_note(release, index, mode),
            "count": len(features),
            "departure": departure,
        },
    }


#: A transit point query departs every 5 minutes over half an hour and reports the median.
TRANSIT_QUERY_SPAN_S = 30 * 60
TRANSIT_QUERY_STEP_S = 300
#: Point queries use one timetable per service day (all of its departures, to 00:30 the next day), built on the
#: first query of that day (~1–2 s on Porto Alegre) and kept: any later hour of that day costs only the search.
DAY_TIMETABLE_END_S = 24 * 3600 + TRANSIT_QUERY_SPAN_S


@dataclass(frozen=True)
class TransitWindow:
    """The departures of one transit point query, on the timetable of one service day."""

    timetable: Timetable
    departures: np.ndarray
    label: str


def _transit_window(release: DataRelease, index: ReleaseIndex, when: dt.datetime | None) -> TransitWindow:
    """Departures every 5 minutes over the half hour from ``when`` (default: today 15:00, after school)."""
    from geo.transit import NoTimetablesError, service_date, timetable_for, timetabled_feeds

    try:
        timetabled_feeds(release)
    except NoTimetablesError as error:
        raise QueryError(f"{error}; use mode=walk") from None
    when = when or dt.datetime.combine(dt.date.today(), dt.time(15, 0))
    start = when.hour * 3600 + when.minute * 60
    try:
        day = service_date(release, weekday=when.weekday())
        timetable = timetable_for(release, day, (0, DAY_TIMETABLE_END_S))
    except NoTimetablesError as error:
        raise QueryError(str(error)) from None
    label = _("departures %(day)s %(start)s–%(end)s, timetable of %(date)s") % {
        "day": formats.date_format(when, "l"),
        "start": f"{when:%H:%M}",
        "end": f"{(when + dt.timedelta(seconds=TRANSIT_QUERY_SPAN_S)):%H:%M}",
        "date": formats.date_format(day, "DATE_FORMAT") if isinstance(day, dt.date) else str(day),
    }
    return TransitWindow(timetable, np.arange(start, start + TRANSIT_QUERY_SPAN_S, TRANSIT_QUERY_STEP_S), label)


#: Stop links kept per process: (service day, profile) pairs of point queries, least recently used first out.
STOP_LINKS_KEPT = 24


@lru_cache(maxsize=STOP_LINKS_KEPT)
def _stop_links(
    timetable: Timetable, network: Network, places: Locations | None, profile: WalkProfile
) -> tuple[Locations, WalkLinks]:
    """The timetable's stops and the walks between them and to ``places`` (to the stops when None), no origins.

    They cost about 0.1 s on Porto Alegre and do not depend on the home, so each process keeps them per
    timetable, set of places and profile; a query then walks only from its own point.
    """
    stops = stops_on_network(network, timetable, max_distance=MAX_SNAP_M)
    if places is None:
        return stops, links_to_stops(network, timetable, stops, profile=profile, threads=1)
    no_origins = places.subset(np.zeros(len(places), dtype=bool))
    return stops, walk_links(network, timetable, no_origins, places, profile=profile, threads=1)


def _with_transit(
    release: DataRelease,
    index: ReleaseIndex,
    lon: float,
    lat: float,
    minutes: float,
    profile: WalkProfile,
    when: dt.datetime | None,
    walking: np.ndarray,
) -> tuple[np.ndarray, str]:
    """Walk + transit times (median over departures in the next half hour), never worse than walking."""
    window = _transit_window(release, index, when)
    if index.network is None or index.places is None:
        return _with_transit_straight_line(index, window, lon, lat, minutes, profile, walking), window.label
    origin = locations_from_points(
        index.network, np.array(["home"]), np.array([lon]), np.array([lat]), max_distance=MAX_SNAP_M
    )
    stops, links = _stop_links(window.timetable, index.network, index.places, profile)
    own = links_for_origins(links, index.network, stops, origin, index.places, threads=1)
    return _best_of_walk_and_transit(index, window, own, minutes, walking), window.label


def _best_of_walk_and_transit(
    index: ReleaseIndex, window: TransitWindow, own: WalkLinks, minutes: float, walking: np.ndarray
) -> np.ndarray:
    """Seconds to each place: the median transit time over the window's departures from the home's own links
    where it beats ``walking``, infinite beyond ``minutes``."""
    transit = travel_times_from_links(
        window.timetable, own, window.departures, percentiles=(50,), max_trip_s=int(minutes * 60), threads=1
    )
    best = walking.copy()
    positions = np.array([index.position[str(i)] for i in transit["to_id"]], dtype=np.int64)
    np.minimum.at(best, positions, transit["travel_time"].to_numpy(dtype=float))
    best[best > minutes * 60] = np.inf
    return best


@lru_cache(maxsize=16)
def _straight_line_stop_links(timetable: Timetable, index: ReleaseIndex, profile: WalkProfile) -> WalkLinks:
    """Straight-line egress and transfer walks of a timetable (no street network), kept per timetable and profile."""
    places = places_xy(index.opportunities["id"].to_numpy(), index.opportunities["lon"].to_numpy(),
                       index.opportunities["lat"].to_numpy(), index.metric_epsg)  # fmt: skip
    no_origins = PlacesXY(places.ids[:0], places.xy[:0])
    return straight_line_links(timetable, no_origins, places, index.metric_epsg, profile=profile)


def _with_transit_straight_line(
    index: ReleaseIndex,
    window: TransitWindow,
    lon: float,
    lat: float,
    minutes: float,
    profile: WalkProfile,
    walking: np.ndarray,
) -> np.ndarray:
    """:func:`_with_transit` where the city has no street network: every walk a straight-line estimate."""
    links = _straight_line_stop_links(window.timetable, index, profile)
    places = PlacesXY(links.destination_ids, np.column_stack([index.x, index.y]))
    home = places_xy(np.array(["home"]), np.array([lon]), np.array([lat]), index.metric_epsg)
    own = straight_line_links_for_origins(links, window.timetable, home, places, index.metric_epsg)
    return _best_of_walk_and_transit(index, window, own, minutes, walking)


def _straight_line_transit_areas(
    release: DataRelease, index: ReleaseIndex, lon: float, lat: float, minutes: list[int], profile: WalkProfile,
    window: TransitWindow,
) -> list[dict[str, Any]]:  # fmt: skip
    """Transit isochrones without a street network: around home and around every stop reached, the circle that
    the time left allows on foot (straight line × detour factor, at most the egress walk), from each stop's median
    arrival over the departures."""

    from routing.straight_line_links import stops_as_destinations

    timetable = window.timetable
    stops = stops_as_destinations(timetable, index.metric_epsg)
    no_origins = PlacesXY(stops.ids[:0], stops.xy[:0])
    links = straight_line_links(timetable, no_origins, stops, index.metric_epsg, profile=profile)
    home = places_xy(np.array(["home"]), np.array([lon]), np.array([lat]), index.metric_epsg)
    own = straight_line_links_for_origins(links, timetable, home, stops, index.metric_epsg)
    samples = travel_time_samples(timetable, own, window.departures, max_trip_s=max(minutes) * 60, threads=1)[0]
    arrival = np.sort(samples.astype(float), axis=0)[percentile_indexes(len(samples), [50])[0]]
    to_wgs = transformer_between(index.metric_epsg, 4326)
    features = []
    for m in sorted(minutes, reverse=True):
        budget = m * 60
        radius = np.minimum((budget - np.minimum(arrival, budget)) * profile.speed_m_s, links.max_walk_m)
        circles = [shapely.Point(*home.xy[0]).buffer(profile.metres_in(budget) / DEFAULT_DETOUR_FACTOR, quad_segs=12)]
        reached = np.flatnonzero((arrival < budget) & (radius > 0))
        circles += [shapely.Point(*stops.xy[i]).buffer(radius[i] / DEFAULT_DETOUR_FACTOR, quad_segs=6) for i in reached]
        area = shapely.union_all(circles)
        area = shapely.transform(area, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
        features.append(_area_feature(area, m, method="straight_line_transit"))
    return features


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if pd.isna(value):
        return None
    return value


def isochrones(
    release: DataRelease,
    lon: float,
    lat: float,
    *,
    minutes: list[int],
    age: int | None = None,
    mode: str = "walk",
    when: dt.datetime | None = None,
) -> dict[str, Any]:
    """Areas reachable within each of ``minutes`` (largest first) as a GeoJSON FeatureCollection.

    On foot, or with ``mode="transit"`` on foot and by transit: the median over departures every 5 minutes in
    the half hour from ``when``.
    """
    index = index_for(release)
    check_point(index, lon, lat, release.city.name)
    profile = profile_for_age(age if age is not None else 18)
    features = []
    departure = None
    if mode == "transit" and index.network is None:
        window = _transit_window(release, index, when)
        departure = window.label
        features = _straight_line_transit_areas(release, index, lon, lat, minutes, profile, window)
    elif mode == "transit":
        window = _transit_window(release, index, when)
        assert index.network is not None
        stops, links = _stop_links(window.timetable, index.network, None, profile)
        try:
            reach = transit_reach_from_point(
                index.network, window.timetable, stops, links, lon, lat, max(minutes) * 60, window.departures,
                profile, max_snap_m=MAX_SNAP_M,
            )  # fmt: skip
        except PointNotOnNetworkError as error:
            raise QueryError(str(error)) from None
        departure = window.label
        features = [
            _geojson_feature(area.geojson, int(area.cutoff_s // 60), method="network_transit")
            for area in isochrone_areas(reach, [m * 60 for m in minutes])
        ]
    elif index.network is None:
        x, y = transformer_between(4326, index.metric_epsg).transform(lon, lat)
        to_wgs = transformer_between(index.metric_epsg, 4326)
        for m in sorted(minutes, reverse=True):
            circle = shapely.Point(x, y).buffer(profile.metres_in(m * 60) / DEFAULT_DETOUR_FACTOR, quad_segs=16)
            ring = np.column_stack(to_wgs.transform(*np.asarray(circle.exterior.coords).T))
            features.append(_area_feature(shapely.Polygon(ring), m, method="straight_line"))
    else:
        try:
            reach = reach_from_point(index.network, lon, lat, max(minutes) * 60, profile, max_snap_m=MAX_SNAP_M)
        except PointNotOnNetworkError as error:
            raise QueryError(str(error)) from None
        features = [
            _geojson_feature(area.geojson, int(area.cutoff_s // 60), method="network")
            for area in isochrone_areas(reach, [m * 60 for m in minutes])
        ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "profile": profile.name,
            "mode": mode,
            "departure": departure,
            "estimate_note": _estimate_note(release, index, mode),
        },
    }


def _area_feature(geometry: shapely.Geometry, minutes: int, *, method: str) -> dict[str, Any]:
    """An area drawn without the street network as a GeoJSON feature, coordinates rounded to 6 decimals."""
    geometry = shapely.transform(geometry, lambda xy: np.round(xy, 6))
    return _geojson_feature(shapely.geometry.mapping(geometry), minutes, method=method)


def _geojson_feature(geometry: dict[str, Any], minutes: int, *, method: str) -> dict[str, Any]:
    """An area's GeoJSON geometry as a feature (network areas come as GeoJSON from
    :func:`routing.isochrone_areas.isochrone_areas`, coordinates already rounded to 6 decimals)."""
    return {"type": "Feature", "geometry": geometry, "properties": {"minutes": minutes, "method": method}}


def walking_route(
    release: DataRelease, lon: float, lat: float, opportunity_id: str, *, age: int | None = None
) -> dict[str, Any]:
    """The walking route from the point to one opportunity, as a GeoJSON Feature."""
    index = index_for(release)
    check_point(index, lon, lat, release.city.name)
    matches = np.flatnonzero(index.opportunities["id"].to_numpy() == str(opportunity_id))
    if len(matches) == 0:
        raise QueryError(f"no opportunity {opportunity_id!r} in {release.city.name}")
    target = index.opportunities.iloc[matches[0]]
    profile = profile_for_age(age if age is not None else 18)
    if index.network is None or index.places is None:
        line = shapely.LineString([(lon, lat), (target["lon"], target["lat"])])
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(line),
            "properties": {"method": "straight_line"},
        }
    try:
        reach = reach_from_point(index.network, lon, lat, MAX_MINUTES * 60, profile, max_snap_m=MAX_SNAP_M)
    except PointNotOnNetworkError as error:
        raise QueryError(str(error)) from None
    line = route_from_reach(reach, index.places, int(matches[0]))
    if line is None:
        raise QueryError(f"{target['name']} is more than {MAX_MINUTES} minutes' walk away")
    line = shapely.LineString([(lon, lat), *line.coords, (target["lon"], target["lat"])])
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.set_precision(line, 1e-6)),
        "properties": {"method": "network", "opportunity": target["name"]},
    }
