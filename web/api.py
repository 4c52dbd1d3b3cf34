"""Vicino's public API, ``/api/v1/`` (OpenAPI schema at ``/api/v1/schema/``, documentation at ``/api/v1/docs/``).

Parameters arrive as plain strings and are parsed here, so every bad value gets a JSON error naming the parameter
(``{"error": "..."}`` with a 4xx status), never a traceback: this module is the one place that turns errors into
JSON. Point queries are rate-limited per client.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError

from data_sources.contracts import CATEGORIES
from data_sources.errors import VicinoError
from geo import catalog
from geo.exporting import export_release_layers
from geo.models import AccessLayer, City, DataRelease, School
from geo.point_query import MAX_MINUTES, QueryError, isochrones, reachable_opportunities, walking_route
from layers.exports import FORMATS
from web.access import Access, neighbourhoods_group
from web.throttling import AnonymousClientThrottle

api = NinjaAPI(
    title="Vicino API",
    version="1",
    description="Opportunities within reach for children and teenagers: cities, reachable opportunities, "
    "isochrones, neighbourhood indicators, schools, layers and vector tiles. Attribution: see each city.",
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
)

point_query_throttle = [AnonymousClientThrottle(f"{settings.VICINO_RATE_LIMIT_PER_MINUTE}/m")]


class ApiError(VicinoError, ValueError):
    """A bad request parameter (HTTP 400)."""


@api.exception_handler(ApiError)
@api.exception_handler(QueryError)
def _bad_request(request: HttpRequest, error: Exception) -> HttpResponse:
    return JsonResponse({"error": str(error)}, status=400)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    details = "; ".join(
        f"{'.'.join(str(p) for p in item.get('loc', [])[1:]) or 'request'}: {item.get('msg', 'invalid')}"
        for item in error.errors
    )
    return JsonResponse({"error": details or "invalid request"}, status=400)


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = JsonResponse(
        {"error": "this data needs a login or an API token (header Authorization: Bearer <token>); see README"},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return JsonResponse({"error": str(error) or "not found"}, status=404)


# ---------------------------------------------------------------------------------------------------------------
# Parameter parsing


def parse_point(value: str | None, name: str = "near") -> tuple[float, float]:
    """``LON,LAT`` → floats, or a 400 naming the parameter."""
    if not value:
        raise ApiError(f"{name} is required, as LON,LAT (e.g. {name}=9.19,45.46)")
    parts = value.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise ApiError(f"{name}={value!r} is not LON,LAT (two decimal numbers separated by a comma)") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ApiError(f"{name}={value!r} is out of range (longitude -180..180, latitude -90..90)")
    return lon, lat


def parse_int(value: str | None, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """An integer parameter within [low, high]."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(f"{name}={value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ApiError(f"{name}={number} is out of range ({low}..{high})")
    return number


def parse_minutes_list(value: str | None) -> list[int]:
    """``5,10,15`` → [5, 10, 15] (each 1..60)."""
    if not value:
        return [5, 10, 15]
    minutes = [parse_int(part.strip(), "minutes", low=1, high=MAX_MINUTES) for part in value.split(",")]
    return sorted({m for m in minutes if m is not None})


def parse_categories(value: str | None) -> list[str] | None:
    """``sport,arts`` → checked categories."""
    if not value:
        return None
    categories = [c.strip().lower() for c in value.split(",") if c.strip()]
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ApiError(f"unknown category {', '.join(unknown)}; use {', '.join(CATEGORIES)}")
    return categories


def parse_bool(value: str | None, name: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no)."""
    if value in (None, ""):
        return False
    lowered = value.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ApiError(f"{name}={value!r} is not true or false")


def parse_mode(value: str | None) -> str:
    mode = (value or "walk").lower()
    if mode not in {"walk", "transit"}:
        raise ApiError(f"mode={value!r} is not supported; use walk or transit")
    return mode


WEEKDAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]


def parse_when(value: str | None) -> dt.datetime | None:
    """``2026-11-28T10:00`` or ``sa 10:00`` (the next such weekday) → a datetime in the city's time zone."""
    if not value:
        return None
    text = value.strip().lower()
    if text[:2] in WEEKDAYS and (len(text) == 2 or text[2] in " T"):
        hour = text[3:].strip() or "12:00"
        try:
            clock = dt.time.fromisoformat(hour)
        except ValueError:
            raise ApiError(f"open_at={value!r}: the time must be HH:MM") from None
        today = dt.date.today()
        days_ahead = (WEEKDAYS.index(text[:2]) - today.weekday()) % 7
        return dt.datetime.combine(today + dt.timedelta(days=days_ahead), clock)
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            f"open_at={value!r} is not a date-time (2026-11-28T10:00) or a weekday and time (sa 10:00)"
        ) from None


def city_release(slug: str) -> tuple[City, DataRelease]:
    """The city and its current release (one query), or a 404."""
    release = (
        DataRelease.objects.select_related("city")
        .filter(city__slug=slug, status=DataRelease.Status.READY)
        .order_by("-created", "-id")
        .first()
    )
    if release is not None:
        return release.city, release
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404(f"unknown city {slug!r}")
    raise Http404(f"{city.name} has no data loaded yet")


# ---------------------------------------------------------------------------------------------------------------
# Endpoints


class Filters(Schema):
    """What a family or school asks for: time budget, mode, age, categories, price and voucher."""

    minutes: str | None = None
    mode: str | None = None
    age: str | None = None
    category: str | None = None
    free: str | None = None
    voucher: str | None = None


class PointQuery(Filters):
    near: str | None = None
    open_at: str | None = None


def filter_arguments(params: Filters, *, default_minutes: int) -> dict[str, Any]:
    """The parsed filters, as keyword arguments of :func:`reachable_opportunities` (400 on a bad value)."""
    return {
        "minutes": parse_int(params.minutes, "minutes", low=1, high=MAX_MINUTES, default=default_minutes),
        "age": parse_int(params.age, "age", low=0, high=99),
        "categories": parse_categories(params.category),
        "free": parse_bool(params.free, "free"),
        "voucher": parse_bool(params.voucher, "voucher"),
        "mode": parse_mode(params.mode),
    }


@api.get("/cities/", summary="Cities served, with their current release", auth=Access("cities"))
def cities(request: HttpRequest) -> dict[str, Any]:
    return {"cities": [catalog.city_summary(city) for city in City.objects.all()]}


@api.get("/cities/{city}/", summary="One city: its data release, categories, layers and attribution",
         auth=Access("cities"))  # fmt: skip
def city_detail(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return catalog.city_detail(city_obj, release)


@api.get("/cities/{city}/opportunities", summary="Opportunities reachable from a point, sorted by travel time",
         throttle=point_query_throttle, auth=Access("families"))  # fmt: skip
def opportunities(request: HttpRequest, city: str, params: Query[PointQuery]) -> dict[str, Any]:
    city_obj, release = city_release(city)
    lon, lat = parse_point(params.near)
    filters = filter_arguments(params, default_minutes=15)
    return reachable_opportunities(release, lon, lat, open_at=parse_when(params.open_at), **filters)


@api.get("/cities/{city}/isochrones", summary="Areas reachable from a point within several times",
         throttle=point_query_throttle, auth=Access("families"))  # fmt: skip
def isochrones_view(request: HttpRequest, city: str, params: Query[PointQuery]) -> dict[str, Any]:
    city_obj, release = city_release(city)
    lon, lat = parse_point(params.near)
    return isochrones(
        release, lon, lat, minutes=parse_minutes_list(params.minutes), age=parse_int(params.age, "age", low=0, high=99),
        mode=parse_mode(params.mode), when=parse_when(params.open_at),
    )  # fmt: skip


@api.get("/cities/{city}/route", summary="The walking route from a point to one opportunity",
         throttle=point_query_throttle, auth=Access("families"))  # fmt: skip
def route(
    request: HttpRequest, city: str, near: str | None = None, to: str | None = None, age: str | None = None
) -> dict[str, Any]:
    city_obj, release = city_release(city)
    lon, lat = parse_point(near)
    if not to:
        raise ApiError("to is required: the id of an opportunity")
    return walking_route(release, lon, lat, to, age=parse_int(age, "age", low=0, high=99))


@api.get("/cities/{city}/search", summary="Places in the city's own data: neighbourhoods, stops, opportunities",
         auth=Access("families"))  # fmt: skip
def search(request: HttpRequest, city: str, q: str | None = None) -> dict[str, Any]:
    city_obj, release = city_release(city)
    if not q or len(q.strip()) < 2:
        raise ApiError("q must have at least 2 characters")
    return {"results": catalog.search_places(release, q.strip())}


@api.get("/cities/{city}/neighbourhoods", summary="Neighbourhoods (or grid cells) with their indicators",
         auth=Access(neighbourhoods_group))  # fmt: skip
def neighbourhoods(
    request: HttpRequest, city: str, level: str | None = None, mode: str | None = None, profile: str | None = None
) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return catalog.zones_with_indicators(release, level, parse_mode(mode), profile)


@api.get("/cities/{city}/schools/", summary="Schools of the city", auth=Access("schools"))
def schools(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return catalog.schools_geojson(release)


class SchoolQuery(Filters):
    day: str | None = None
    after: str | None = None
    format: str | None = None


@api.get("/cities/{city}/schools/{school_id}/reachable", summary="What a school's pupils reach after school",
         throttle=point_query_throttle, auth=Access("schools"))  # fmt: skip
def school_reachable(request: HttpRequest, city: str, school_id: str, params: Query[SchoolQuery]) -> Any:
    city_obj, release = city_release(city)
    school = School.objects.filter(release=release, pk=school_id if school_id.isdigit() else -1).first()
    if school is None:
        raise Http404(f"no school {school_id!r} in {city_obj.name}")
    when = None
    if params.after:
        when = parse_when(f"{(params.day or 'mo')[:2]} {params.after}")
    filters = filter_arguments(params, default_minutes=20)
    result = reachable_opportunities(release, school.geom.x, school.geom.y, open_at=when, **filters)
    result["properties"]["school"] = {"id": school.pk, "name": school.name}
    if (params.format or "geojson") == "csv":
        return catalog.reachable_csv_response(result, f"{city_obj.slug}-school-{school.pk}-reachable.csv")
    if params.format not in (None, "geojson"):
        raise ApiError(f"format={params.format!r}: use geojson or csv")
    return result


@api.get("/cities/{city}/layers/", summary="Accessibility layers of the current release, with download links",
         auth=Access("layers"))  # fmt: skip
def layers(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return {"layers": catalog.layer_list(release), "formats": list(FORMATS)}


@api.get("/cities/{city}/layers/{name}.{fmt}", summary="Download one layer (gpkg, geojson, csv, parquet)",
         auth=Access("layers"))  # fmt: skip
def layer_download(request: HttpRequest, city: str, name: str, fmt: str) -> HttpResponse:
    city_obj, release = city_release(city)
    if fmt not in FORMATS:
        raise ApiError(f"format {fmt!r} is not supported; use {', '.join(FORMATS)}")
    if not any(layer.name == name for layer in release.access_layers.all()):
        raise Http404(f"no layer {name!r} in {city_obj.name}'s current release")
    cache = Path(settings.VICINO_HOME) / "exports" / release.input_hash[:16]
    target = cache / f"{name}.{fmt}"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as scratch:
            out = Path(scratch) / f"{name}.gpkg" if fmt == "gpkg" else Path(scratch)
            written = export_release_layers(release, out, fmt, names=[name])
            Path(written[0]).replace(target)
    content_types = {
        "gpkg": "application/geopackage+sqlite3",
        "geojson": "application/geo+json",
        "csv": "text/csv",
        "parquet": "application/vnd.apache.parquet",
    }
    return FileResponse(target.open("rb"), as_attachment=True, filename=target.name, content_type=content_types[fmt])


@api.get("/tiles/{city}/{layer}/{z}/{x}/{y}.mvt", summary="Vector tiles of a layer (Mapbox Vector Tile)",
         auth=Access("layers"))  # fmt: skip
def tiles(request: HttpRequest, city: str, layer: str, z: int, x: int, y: int) -> HttpResponse:
    city_obj, release = city_release(city)
    if not 0 <= z <= 22 or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ApiError(f"tile {z}/{x}/{y} does not exist")
    access_layer = next((a for a in release.access_layers.all() if a.name == layer), None)
    if access_layer is None:
        raise Http404(f"no layer {layer!r} in {city_obj.name}'s current release")
    data = catalog.vector_tile(access_layer, z, x, y)
    return HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")


__all__ = ["api", "AccessLayer"]
