"""Read-side views of a release for the API and pages: summaries, search, zones with indicators, tiles."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import mapbox_vector_tile
import pyproj
import shapely
from django.contrib.gis.geos import Polygon
from django.http import HttpResponse
from django.utils.translation import get_language

from data_sources.cities import city_config_from_slug
from data_sources.contracts import CATEGORIES
from data_sources.csv_safety import safe_row
from data_sources.errors import ConfigError
from geo.exporting import STRAIGHT_LINE_NOTE, attribution_for, method_note
from geo.models import AccessLayer, City, DataRelease, TransitStop
from geo.transit import estimate_note
from geo.zones import primary_zone_level, zone_level_order

_TO_MERCATOR = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)


def city_summary(city: City) -> dict[str, Any]:
    release = city.current_release()
    return {
        "slug": city.slug,
        "name": city.name,
        "country": city.country,
        "language": city.language,
        "release": release.input_hash[:12] if release else None,
        "url": f"/api/v1/cities/{city.slug}/",
    }


def city_detail(city: City, release: DataRelease) -> dict[str, Any]:
    try:
        config = city_config_from_slug(city.slug)
        center = list(config.center)
    except ConfigError:
        center = None
    network = getattr(release, "street_network", None)
    categories = sorted(set(release.opportunities.values_list("category", flat=True)))
    levels = sorted(set(release.neighbourhoods.order_by().values_list("level", flat=True)))
    order = zone_level_order(city)
    return {
        **city_summary(city),
        "release": {"id": release.input_hash[:12], "created": release.created.isoformat(), "counts": release.counts},
        "center": center,
        "categories": [c for c in CATEGORIES if c in categories],
        "zone_levels": sorted(
            levels + (["h3"] if release.population_zones.filter(kind="h3").exists() else []),
            key=lambda level: order.index(level) if level in order else len(order),
        ),
        "street_network": network is not None,
        "travel_times": "walk network" if network is not None else STRAIGHT_LINE_NOTE,
        "transit_timetables": release.transit_feeds.filter(has_timetables=True).exists(),
        "transit_estimate_note": estimate_note(release, get_language() or "en"),
        "schools": release.schools.count(),
        "opportunities": release.opportunities.count(),
        "layers": f"/api/v1/cities/{city.slug}/layers/",
        "attribution": attribution_for(release),
    }


def search_places(release: DataRelease, query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Neighbourhoods, stops and opportunities whose name contains ``query`` (case-insensitive)."""
    results: list[dict[str, Any]] = []
    for zone in release.neighbourhoods.filter(name__icontains=query).select_related("population")[:limit]:
        point = zone.population.origin if hasattr(zone, "population") else zone.geom.point_on_surface
        results.append({"kind": zone.level, "name": zone.name, "lon": point.x, "lat": point.y})
    for stop in TransitStop.objects.filter(feed__release=release, name__icontains=query)[:limit]:
        results.append({"kind": "stop", "name": stop.name, "lon": stop.geom.x, "lat": stop.geom.y})
    for opportunity in release.opportunities.filter(name__icontains=query)[:limit]:
        results.append(
            {
                "kind": opportunity.category,
                "name": opportunity.name,
                "lon": opportunity.geom.x,
                "lat": opportunity.geom.y,
            }
        )
    return results[: 3 * limit]


def _layer_for(release: DataRelease, mode: str, profile: str | None, kind: str) -> AccessLayer | None:
    layers = release.access_layers.filter(mode=mode, origin_kind=kind)
    if profile:
        return layers.filter(profile=profile).first()
    return layers.filter(profile="age_11_13").first() or layers.first()


def zones_with_indicators(release: DataRelease, level: str | None, mode: str, profile: str | None) -> dict[str, Any]:
    """Zones (neighbourhoods or H3 cells) as GeoJSON with their youth and the chosen layer's indicators."""
    levels = sorted(set(release.neighbourhoods.order_by().values_list("level", flat=True)))
    has_cells = release.population_zones.filter(kind="h3").exists()
    primary = primary_zone_level(release.city)
    level = level or (primary if primary in levels else levels[0] if levels else "h3")
    from geo.point_query import QueryError

    if level not in levels and not (level == "h3" and has_cells):
        available = levels + (["h3"] if has_cells else [])
        raise QueryError(f"no neighbourhoods at level {level!r}; available levels: {', '.join(available)}")
    layer = _layer_for(release, mode, profile, level)
    values = dict(layer.values.values_list("origin_id", "values")) if layer else {}
    features = []
    if level == "h3":
        zones = release.population_zones.filter(kind="h3")
        rows = [(z.code, z.code, z.youth_0_17, z.population, z.geom) for z in zones]
    else:
        zones = release.neighbourhoods.filter(level=level).select_related("population").order_by("code")
        rows = [
            (z.code, z.name, getattr(getattr(z, "population", None), "youth_0_17", None),
             getattr(getattr(z, "population", None), "population", None), z.geom)
            for z in zones
        ]  # fmt: skip
    for code, name, youth, population, geom in rows:
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name": name,
                    "level": level,
                    "youth_0_17": youth,
                    "population": population,
                }
                | values.get(code, {}),  # fmt: skip
                "geometry": json.loads(geom.geojson),
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "level": level,
            "mode": mode,
            "layer": layer.name if layer else None,
            "profile": layer.profile if layer else None,
            "method": layer.method if layer else None,
            "estimate_note": method_note(layer) if layer and layer.method == AccessLayer.Method.STRAIGHT_LINE else "",
            "summary": _layer_summary(release, layer),
        },
    }


def _layer_summary(release: DataRelease, layer: AccessLayer | None) -> dict[str, Any]:
    """The equity summary of the population-unit layer with the same profile."""
    if layer is None:
        return {}
    units = release.access_layers.filter(
        mode=layer.mode, profile=layer.profile, origin_kind__in=["census_section", "h3"]
    )
    unit_layer = units.filter(origin_kind="census_section").first() or units.first()
    if unit_layer is None:
        return {}
    return {
        "equity": unit_layer.summary.get("equity", {}),
        "coverage_city": unit_layer.summary.get("coverage_city", {}),
    }


def schools_geojson(release: DataRelease) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": school.pk,
                "properties": {
                    "id": school.pk,
                    "code": school.source_id,
                    "name": school.name,
                    "level": school.level,
                    "address": school.address,
                    "management": school.management,
                    "operator": school.operator,
                    "nil": school.nil,
                },
                "geometry": {"type": "Point", "coordinates": [school.geom.x, school.geom.y]},
            }
            for school in release.schools.order_by("name", "pk")
        ],
        "properties": {"count": release.schools.count()},
    }


def reachable_csv_response(result: dict[str, Any], filename: str) -> HttpResponse:
    """A reachable-opportunities result as a CSV download (one row per opportunity, with coordinates)."""
    buffer = io.StringIO()
    columns = ["id", "name", "category", "minutes", "price", "voucher", "opening_hours", "address", "explanation"]
    writer = csv.writer(buffer)
    writer.writerow(safe_row([*columns, "longitude", "latitude"]))
    for feature in result["features"]:
        properties = feature["properties"]
        writer.writerow(safe_row([properties.get(c, "") for c in columns] + feature["geometry"]["coordinates"]))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def layer_list(release: DataRelease) -> list[dict[str, Any]]:
    slug = release.city.slug
    return [
        {
            "name": layer.name,
            "mode": layer.mode,
            "profile": layer.profile,
            "origins": layer.origin_kind,
            "method": layer.method,
            "count": layer.values.count(),
            "downloads": {
                fmt: f"/api/v1/cities/{slug}/layers/{layer.name}.{fmt}" for fmt in ("gpkg", "geojson", "csv", "parquet")
            },
            "tiles": f"/api/v1/tiles/{slug}/{layer.name}/{{z}}/{{x}}/{{y}}.mvt",
        }
        for layer in release.access_layers.order_by("mode", "origin_kind", "profile")
    ]


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A web-mercator tile's bounds in lon/lat (west, south, east, north)."""
    n = 2.0**z

    def lon(tile_x: float) -> float:
        return tile_x / n * 360.0 - 180.0

    def lat(tile_y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * tile_y / n))))

    return lon(x), lat(y + 1), lon(x + 1), lat(y)


def vector_tile(layer: AccessLayer, z: int, x: int, y: int) -> bytes:
    """One Mapbox Vector Tile of a layer: its origins (points, or zone/cell polygons) with their indicators."""
    west, south, east, north = tile_bounds(z, x, y)
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = 4326
    release = layer.release
    if release.neighbourhoods.filter(level=layer.origin_kind).exists():
        shapes = dict(
            release.neighbourhoods.filter(level=layer.origin_kind, geom__intersects=box).values_list("code", "geom")
        )
    elif layer.origin_kind in {"census_section", "h3"}:
        shapes = dict(
            release.population_zones.filter(kind=layer.origin_kind, geom__intersects=box).values_list("code", "geom")
        )
    else:
        shapes = None
    if shapes is not None:
        values_of = dict(layer.values.filter(origin_id__in=list(shapes)).values_list("origin_id", "values"))
        rows = [(code, geom, values_of.get(code)) for code, geom in shapes.items()]
    else:
        rows = [(v.origin_id, v.geom, v.values) for v in layer.values.filter(geom__intersects=box)]
    features = []
    for origin_id, geom, values in rows:
        shape = shapely.transform(shapely.from_wkb(bytes(geom.wkb)), lambda xy: _mercator(xy))
        properties = {"id": origin_id} | {k: v for k, v in (values or {}).items() if v is not None}
        features.append({"geometry": shape.wkb, "properties": properties})
    mx0, my0 = _TO_MERCATOR.transform(west, south)
    mx1, my1 = _TO_MERCATOR.transform(east, north)
    return mapbox_vector_tile.encode(
        [{"name": layer.name, "features": features}],
        default_options={"quantize_bounds": (mx0, my0, mx1, my1), "extents": 4096},
    )


def _mercator(xy: Any) -> Any:
    import numpy as np

    return np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1]))
