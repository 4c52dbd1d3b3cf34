"""`compute_access`: accessibility layers for every origin set of a city's current release.

Origins: every network node (for maps; adult profile only), each neighbourhood level (from its youth-weighted
origin point), schools, census sections and H3 cells (with their youth, for coverage and 2SFCA). Destinations:
the release's opportunities by category. Travel times come from the walk network when the city has one, or are
straight-line estimates (flagged) when it has none. Everything of one mode is replaced in one transaction, so a
failure leaves the previous results in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from django.db import transaction

from data_sources.contracts import CATEGORIES
from data_sources.errors import NoDataLoadedError
from geo.cluster import Runner
from geo.importing import geos_from_shapely
from geo.models import AccessLayer, AccessValue, City, DataRelease
from geo.networks import network_for_release
from geo.transit import DEFAULT_WINDOW, estimate_note, service_date, timetable_for, timetabled_feeds
from geo.zones import primary_zone_level
from layers.decay import exponential, step
from layers.indicators import (
    DEFAULT_THRESHOLDS_MIN,
    access_from_ratio,
    accessibility_indicators,
    catchment_demand,
    enhanced_two_step_fca,
    supply_ratio,
    two_step_fca,
)
from layers.summaries import coverage_by_zone, equity_summary
from routing.network import Network
from routing.partitioned import TravelTimeParts
from routing.profiles import ADULT, DEFAULT_PROFILES, WalkProfile
from routing.raptor import travel_times_from_links
from routing.snapping import Locations, locations_from_nodes, locations_from_points
from routing.straight_line import DEFAULT_DETOUR_FACTOR, travel_times_straight_line
from routing.straight_line_links import places_xy, straight_line_links

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TransitJob:
    """Walk + transit settings of a compute run: the timetable, its departure window and step."""

    timetable: object
    date: dt.date
    window: tuple[int, int]
    step_s: int = 60


CUTOFF_MIN = 30
#: Catchment of 2SFCA (minutes); E2SFCA uses 0–10–20–30 minute zones.
TWO_SFCA_MIN = 15
MAX_SNAP_M = 500.0


@dataclass
class Origins:
    """One origin set: ids, points (lon/lat), optional youth demand and the zone each belongs to."""

    kind: str
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    youth: pd.Series | None = None
    zone: pd.Series | None = None


def opportunities_frame(release: DataRelease) -> pd.DataFrame:
    """The release's opportunities as destinations: id, category, capacity (1 when unknown), lon, lat."""
    rows = list(release.opportunities.values_list("id", "category", "capacity", "geom"))
    return pd.DataFrame(
        {
            "id": [str(r[0]) for r in rows],
            "category": [r[1] for r in rows],
            "capacity": [float(r[2]) if r[2] else 1.0 for r in rows],
            "lon": [r[3].x for r in rows],
            "lat": [r[3].y for r in rows],
        }
    )


def origin_sets(release: DataRelease, network: Network | None) -> list[Origins]:
    """Every origin set of a release."""
    sets: list[Origins] = []
    if network is not None:
        lon, lat = network.to_wgs84.transform(network.x, network.y)
        sets.append(Origins("node", network.node_ids.astype(str), np.asarray(lon), np.asarray(lat)))
    levels = release.neighbourhoods.order_by().values_list("level", flat=True).distinct()
    for level in sorted(levels):
        zones = list(release.neighbourhoods.filter(level=level, population__isnull=False).select_related("population"))
        if zones:
            ids = np.array([z.code for z in zones])
            sets.append(
                Origins(
                    level,
                    ids,
                    np.array([z.population.origin.x for z in zones]),
                    np.array([z.population.origin.y for z in zones]),
                    youth=pd.Series([z.population.youth_0_17 for z in zones], index=ids),
                )
            )
    schools = list(release.schools.all())
    if schools:
        sets.append(
            Origins(
                "school",
                np.array([str(s.pk) for s in schools]),
                np.array([s.geom.x for s in schools]),
                np.array([s.geom.y for s in schools]),
            )
        )
    primary = primary_zone_level(release.city)
    zone_level = primary if primary and primary in levels else None
    for kind in ("census_section", "h3"):
        units = list(release.population_zones.filter(kind=kind))
        if not units:
            continue
        ids = np.array([u.code for u in units])
        youth = pd.Series([u.youth_0_17 if u.youth_0_17 is not None else u.population or 0.0 for u in units], index=ids)
        zone = _zone_of_points(release, zone_level, ids, [u.point for u in units]) if zone_level else None
        sets.append(
            Origins(kind, ids, np.array([u.point.x for u in units]), np.array([u.point.y for u in units]), youth, zone)
        )
    return sets


def _zone_of_points(release: DataRelease, level: str, ids: np.ndarray, points: list) -> pd.Series:
    zones = list(release.neighbourhoods.filter(level=level))
    polygons = gpd.GeoDataFrame(
        {"code": [z.code for z in zones]}, geometry=[shapely.from_wkb(bytes(z.geom.wkb)) for z in zones], crs=4326
    )
    located = gpd.GeoDataFrame({"id": ids}, geometry=[shapely.Point(p.x, p.y) for p in points], crs=4326).sjoin(
        polygons, how="left", predicate="within"
    )
    return located.drop_duplicates("id").set_index("id")["code"]


def _travel_times(
    network: Network | None,
    origins: Origins,
    destinations: pd.DataFrame,
    destination_places: Locations | None,
    profile: WalkProfile,
    metric_epsg: int,
    transit: TransitJob | None = None,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame | TravelTimeParts, int]:
    """Travel times from one origin set, and how many origins could not be placed on the network.

    With a partitioned runner (``compute_access --parts``) and a street network, the table stays in parts written
    by the workers (:class:`routing.partitioned.TravelTimeParts`), read by :func:`indicators_for_parts`.
    """
    cutoff_s = CUTOFF_MIN * 60
    runner = runner or Runner()
    if transit is not None and network is None:
        # No street network: every walking leg is a straight-line estimate, as for walking.
        origin_xy = places_xy(origins.ids, origins.lon, origins.lat, metric_epsg)
        destination_xy = places_xy(
            destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy(), metric_epsg
        )
        links = straight_line_links(transit.timetable, origin_xy, destination_xy, metric_epsg, profile=profile)
        departures = np.arange(transit.window[0], transit.window[1], transit.step_s)
        tt = travel_times_from_links(transit.timetable, links, departures, max_trip_s=max(cutoff_s, 60))
        walking = travel_times_straight_line(
            origins.ids, origins.lon, origins.lat,
            destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy(),
            cutoff_s, metric_epsg, profile,
        )  # fmt: skip
        both = pd.concat([tt[["from_id", "to_id", "travel_time"]], walking], ignore_index=True)
        best = both.groupby(["from_id", "to_id"], as_index=False, sort=False)["travel_time"].min()
        return best[best["travel_time"] <= cutoff_s], 0
    if transit is not None:
        assert network is not None and destination_places is not None
        places = locations_from_points(network, origins.ids, origins.lon, origins.lat, max_distance=MAX_SNAP_M)
        if runner.partitioned:
            parts = runner.parts(
                f"{origins.kind}-{profile.name}-transit", network, places, destination_places, cutoff_s, profile,
                transit=(transit.timetable, transit.window, transit.step_s, max(cutoff_s, 60)),
            )  # fmt: skip
            return parts, int((~places.ok).sum())
        tt = runner.transit(
            network, transit.timetable, places, destination_places, window=transit.window,
            step_s=transit.step_s, profile=profile, max_trip_s=max(cutoff_s, 60),
        )  # fmt: skip
        walking = runner.walk(network, places, destination_places, cutoff_s, profile)
        both = pd.concat([tt[["from_id", "to_id", "travel_time"]], walking], ignore_index=True)
        best = both.groupby(["from_id", "to_id"], as_index=False, sort=False)["travel_time"].min()
        return best[best["travel_time"] <= cutoff_s], int((~places.ok).sum())
    if network is None:
        tt = travel_times_straight_line(
            origins.ids, origins.lon, origins.lat,
            destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy(),
            cutoff_s, metric_epsg, profile,
        )  # fmt: skip
        return tt, 0
    if origins.kind == "node":
        places = locations_from_nodes(network)
        places = type(places)(origins.ids, *list(vars(places).values())[1:])
    else:
        places = locations_from_points(network, origins.ids, origins.lon, origins.lat, max_distance=MAX_SNAP_M)
    assert destination_places is not None
    if runner.partitioned:
        name = f"{origins.kind}-{profile.name}-walk"
        parts = runner.parts(name, network, places, destination_places, cutoff_s, profile)
        return parts, int((~places.ok).sum())
    return runner.walk(network, places, destination_places, cutoff_s, profile), int((~places.ok).sum())


def indicators_for(
    tt: pd.DataFrame, destinations: pd.DataFrame, origins: Origins
) -> tuple[pd.DataFrame, dict[str, object]]:
    """All indicators of one origin set (wide frame indexed by origin id) and their parameters."""
    ids = list(origins.ids)
    parts = [accessibility_indicators(tt, destinations, k=3, decay=exponential(), origin_ids=ids)]
    if origins.youth is not None and origins.youth.sum() > 0:
        for category in sorted(destinations["category"].unique()):
            supply = destinations.loc[destinations["category"] == category].set_index("id")["capacity"]
            in_category = tt[tt["to_id"].isin(supply.index)]
            parts.append(
                pd.DataFrame(
                    {
                        f"{category}_2sfca": two_step_fca(in_category, origins.youth, supply, TWO_SFCA_MIN),
                        f"{category}_e2sfca": enhanced_two_step_fca(in_category, origins.youth, supply),
                    }
                ).reindex(ids)
            )
    frame = pd.concat([p.reindex(ids) for p in parts], axis=1)
    return frame, _indicator_parameters()


def _indicator_parameters() -> dict[str, object]:
    return {
        "cutoff_min": CUTOFF_MIN,
        "thresholds_min": list(DEFAULT_THRESHOLDS_MIN),
        "nearest_k": 3,
        "gravity": "exponential, beta = ln 2 / 6 min (weight halves every 6 minutes), weight = capacity or 1",
        "2sfca_min": TWO_SFCA_MIN,
        "e2sfca": "zones 0-10/10-20/20-30 min weighted 1/0.68/0.22; demand = youth 0-17, supply = capacity or 1",
    }


def indicators_for_parts(
    parts: TravelTimeParts, destinations: pd.DataFrame, origins: Origins
) -> tuple[pd.DataFrame, dict[str, object]]:
    """:func:`indicators_for` from a table in parts, read one part at a time (never the whole table at once).

    Every origin's rows are in one part, so the per-origin indicators come part by part. 2SFCA and E2SFCA need
    every origin's demand at each opportunity first: a first pass over the parts sums it, a second pass reads
    each origin's access from the ratios (the same formulas as :func:`layers.indicators.two_step_fca`).
    """
    ids = list(origins.ids)
    youth = origins.youth if origins.youth is not None and origins.youth.sum() > 0 else None
    categories = sorted(destinations["category"].unique())
    supplies = {c: destinations.loc[destinations["category"] == c].set_index("id")["capacity"] for c in categories}
    variants = {"2sfca": (TWO_SFCA_MIN, None), "e2sfca": (float(CUTOFF_MIN), step())}
    ratios: dict[tuple[str, str], pd.Series] = {}
    if youth is not None:
        sums: dict[tuple[str, str], list[pd.Series]] = {(c, v): [] for c in categories for v in variants}
        for tt in parts.tables():
            for category, supply in supplies.items():
                in_category = tt[tt["to_id"].isin(supply.index)]
                for variant, (cutoff, decay) in variants.items():
                    sums[category, variant].append(catchment_demand(in_category, youth, cutoff, decay=decay))
        for (category, variant), found in sums.items():
            ratios[category, variant] = supply_ratio(_summed(found), supplies[category])
    local: list[pd.DataFrame] = []
    access: dict[tuple[str, str], list[pd.Series]] = {key: [] for key in ratios}
    for tt in parts.tables():
        reached = pd.unique(np.asarray(tt["from_id"]))
        local.append(accessibility_indicators(tt, destinations, k=3, decay=exponential(), origin_ids=reached))
        for (category, variant), ratio in ratios.items():
            in_category = tt[tt["to_id"].isin(supplies[category].index)]
            cutoff, decay = variants[variant]
            access[category, variant].append(access_from_ratio(in_category, ratio, cutoff, decay=decay))
    empty = parts.empty_table()
    frame = pd.concat(local) if local else accessibility_indicators(empty, destinations, k=3, decay=exponential())
    has_rows = set(frame.index)
    unreached = [i for i in ids if i not in has_rows]
    # Origins without a row: what the in-process table gives them (no opportunity within reach).
    nothing = accessibility_indicators(empty, destinations, k=3, decay=exponential(), origin_ids=unreached)
    columns = [pd.concat([frame, nothing]).reindex(ids)]
    if youth is not None:
        for category in categories:
            columns.append(
                pd.DataFrame(
                    {
                        f"{category}_{variant}": _summed(access[category, variant]).reindex(youth.index).fillna(0.0)
                        for variant in variants
                    }
                ).reindex(ids)
            )
    return pd.concat(columns, axis=1), _indicator_parameters()


def _summed(parts: list[pd.Series]) -> pd.Series:
    """Series from several parts added up by index (a sum over disjoint sets of origins)."""
    return pd.concat(parts).groupby(level=0).sum() if parts else pd.Series(dtype=float)


def json_safe(value: object) -> object:
    """Numbers that JSON can hold: NaN and ±inf become None (recursively), numpy scalars plain Python."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _store_layer(
    release: DataRelease,
    origins: Origins,
    profile: WalkProfile,
    method: str,
    rows: list[AccessValue],
    parameters: dict[str, object],
    summary: dict[str, object],
    mode: str = "walk",
) -> AccessLayer:
    """Store a layer and its value rows (made by :func:`_value_rows`)."""
    layer = AccessLayer.objects.create(
        release=release, mode=mode, profile=profile.name, origin_kind=origins.kind, method=method,
        parameters=json_safe(parameters), summary=json_safe(summary),
    )  # fmt: skip
    for row in rows:
        row.layer = layer
    AccessValue.objects.bulk_create(rows, batch_size=2000)
    return layer


def _value_rows(origins: Origins, frame: pd.DataFrame) -> list[AccessValue]:
    """A layer's value rows, made before its write transaction begins (the Python work out of the lock)."""
    values = json_safe(frame.astype(float).round(4).to_dict(orient="records"))
    return [
        AccessValue(origin_id=str(i), geom=geos_from_shapely(shapely.Point(x, y)), values=v)
        for i, x, y, v in zip(origins.ids, origins.lon, origins.lat, values, strict=True)
    ]


def compute_access(
    city: City,
    *,
    profiles: tuple[WalkProfile, ...] = DEFAULT_PROFILES,
    origin_kinds: set[str] | None = None,
    mode: str = "walk",
    date: dt.date | None = None,
    window: tuple[int, int] = DEFAULT_WINDOW,
    progress: Progress = lambda m: None,
    runner: Runner | None = None,
) -> list[AccessLayer]:
    """Compute and store the layers of the city's latest release, replacing the earlier ones of that mode.

    The latest release may not be published yet (it lacks layers the served one has, see :mod:`geo.releases`):
    the caller publishes it with :func:`geo.releases.publish_if_complete` once its layers exist.

    Parameters
    ----------
    profiles
        Walking profiles to compute (network nodes always use the adult profile).
    origin_kinds
        Only these origin sets (``node``, ``nil``, ``municipio``, ``school``, ``census_section``, ``h3``); all by
        default.
    mode
        ``walk``, or ``transit`` (walk + public transport over the departure ``window`` on ``date``; the reported
        time is the median over departures every minute, never worse than walking). Network nodes are walk only.
    """
    release = city.latest_release()
    if release is None:
        raise NoDataLoadedError(f"{city.name} has no data loaded: run `python manage.py load_city {city.slug}` first.")
    network = network_for_release(release)
    transit = None
    timetable_note = ""
    if mode == "transit":
        timetabled_feeds(release)  # says clearly when the city has none
        timetable_note = estimate_note(release)
        if network is None:
            progress(f"{city.name} has no street network: walks to, from and between stops are straight-line.")
        if timetable_note:
            progress(f"Timetable {timetable_note}.")
        day = service_date(release, date=date)
        transit = TransitJob(timetable_for(release, day, window), day, window)
        progress(f"Transit on {day} departing {window[0] // 3600:02d}:{window[0] % 3600 // 60:02d}-"
                 f"{window[1] // 3600:02d}:{window[1] % 3600 // 60:02d}, every minute.")  # fmt: skip
    method = AccessLayer.Method.NETWORK if network is not None else AccessLayer.Method.STRAIGHT_LINE
    if network is None:
        progress(
            f"{city.name} has no street network: travel times are straight-line estimates "
            f"(distance × {DEFAULT_DETOUR_FACTOR} detour factor)."
        )
    destinations = opportunities_frame(release)
    destination_places = None
    unsnapped_destinations = 0
    if network is not None and len(destinations):
        destination_places = locations_from_points(
            network, destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy(),
            max_distance=MAX_SNAP_M,
        )  # fmt: skip
        unsnapped_destinations = int((~destination_places.ok).sum())
        if unsnapped_destinations:
            progress(f"{unsnapped_destinations} opportunities are over {MAX_SNAP_M:.0f} m from any walkable street.")
    categories = [c for c in CATEGORIES if c in set(destinations["category"])]
    computed: list[tuple[Origins, WalkProfile, pd.DataFrame, dict[str, object], dict[str, object]]] = []
    for origins in origin_sets(release, network):
        if origin_kinds is not None and origins.kind not in origin_kinds:
            continue
        if transit is not None and origins.kind == "node":
            continue
        for profile in (ADULT,) if origins.kind == "node" else profiles:
            tt, unsnapped = _travel_times(
                network, origins, destinations, destination_places, profile, city.metric_epsg, transit, runner
            )
            if isinstance(tt, TravelTimeParts):
                try:  # a missing part raises here, before anything is stored: the earlier layers stay
                    frame, parameters = indicators_for_parts(tt, destinations, origins)
                finally:
                    tt.remove()
            else:
                frame, parameters = indicators_for(tt, destinations, origins)
            parameters |= {
                "speed_m_s": profile.speed_m_s,
                "max_walk_m": profile.max_walk_m,
                "detour_factor": DEFAULT_DETOUR_FACTOR if network is None else None,
                "unsnapped_origins": unsnapped,
                "unsnapped_destinations": unsnapped_destinations,
                "max_snap_m": MAX_SNAP_M,
                "pairs": tt.total_rows if isinstance(tt, TravelTimeParts) else len(tt),
            }
            if transit is not None:
                parameters |= {
                    "date": transit.date.isoformat(),
                    "window": [transit.window[0], transit.window[1]],
                    "step_s": transit.step_s,
                    "travel_time": "median over departures; walking when faster",
                    "timetable_note": timetable_note,
                }
            summary: dict[str, object] = {}
            if origins.youth is not None and origins.kind in {"census_section", "h3"}:
                columns = [f"{c}_within_15" for c in categories] + [f"{c}_gravity" for c in categories]
                summary["equity"] = equity_summary(frame, origins.youth, columns)
                if origins.zone is not None:
                    shares = coverage_by_zone(frame, origins.youth, origins.zone, categories)
                    summary["coverage_by_zone"] = shares.drop(index="__city__").round(4).to_dict(orient="index")
                    summary["coverage_city"] = shares.loc["__city__"].round(4).to_dict()
                else:
                    city_shares = coverage_by_zone(
                        frame, origins.youth, pd.Series("city", index=origins.youth.index), categories
                    )
                    summary["coverage_city"] = city_shares.loc["__city__"].round(4).to_dict()
            computed.append((origins, profile, frame, parameters, summary))
            pairs = parameters["pairs"]
            progress(f"  {origins.kind:15} {profile.name:10} {len(origins.ids):6d} origins, {pairs:8d} pairs")
    # Computed first, stored after: a write transaction (one writer at a time on SQLite) lasts the storing only, and
    # a failure while computing leaves the release's earlier layers of this mode as they were. Layers replacing
    # others are stored in one transaction (readers never see some replaced and some gone); a release with none of
    # this mode yet (a new release, not served before its layers exist) gets them one transaction per layer.
    replacing = release.access_layers.filter(mode=mode).exists()
    with transaction.atomic() if replacing else nullcontext():
        release.access_layers.filter(mode=mode).delete()
        layers = []
        for origins, profile, frame, parameters, summary in computed:
            rows = _value_rows(origins, frame)  # one layer's rows at a time: frames are small, model rows are not
            with transaction.atomic():
                layers.append(_store_layer(release, origins, profile, method, rows, parameters, summary, mode))
        with transaction.atomic():
            _attach_zone_coverage(release, layers)
    return layers


def _attach_zone_coverage(release: DataRelease, layers: list[AccessLayer]) -> None:
    """Copy each zone's youth coverage shares (from the census-section layer) onto the NIL layer's values."""
    primary = primary_zone_level(release.city)
    for layer in layers:
        coverage = layer.summary.get("coverage_by_zone")
        if not coverage or layer.origin_kind != "census_section":
            continue
        target = next(
            (t for t in layers if (t.origin_kind, t.profile, t.mode) == (primary, layer.profile, layer.mode)), None
        )
        if target is None:
            continue
        for value in target.values.all():
            shares = coverage.get(value.origin_id, {})
            value.values |= {k: v for k, v in shares.items() if k != "youth_0_17"}
            value.save(update_fields=["values"])
