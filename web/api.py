"""Vicino's public API, ``/api/v1/`` (OpenAPI schema at ``/api/v1/schema/``, documentation at ``/api/v1/docs/``).

Parameters are typed schemas (:mod:`web.api_params`) whose validators name the parameter in every message;
responses are declared (:mod:`web.api_responses`), so the OpenAPI document says what each answer holds. Every
error reaches the client as JSON ``{"error": "..."}``: the exception handlers below, through
:mod:`web.errors` (the one place that maps Vicino's errors to HTTP), give 4xx for the client's mistakes, 503 while
the database is unreachable and a logged 500 with an id for anything else, never a traceback. Point queries are
rate-limited per client; long lists are paged (``limit``, ``offset``; ``total`` and ``next`` in the answer).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError

from data_sources.contracts import CATEGORIES
from geo import catalog
from geo.exporting import export_release_layers
from geo.gaps import gap_rows, has_age_data
from geo.models import AccessLayer, City, DataRelease, School
from geo.point_query import isochrones, reachable_opportunities, walking_route
from geo.transit_route import transit_route
from geo.zones import zone_level_order
from layers.exports import FORMATS
from web.access import Access, neighbourhoods_group, pillars_group
from web.api_params import (
    ApiError,
    IsochroneQuery,
    NeighbourhoodQuery,
    PointQuery,
    RouteQuery,
    SchoolQuery,
    SearchQuery,
    TransitRouteQuery,
    parse_minutes_list,
    parse_point,
    parse_when,
    required_message,
)
from web.api_responses import (
    ERRORS,
    POINT_ERRORS,
    CityList,
    Feature,
    FeatureCollection,
    LayerList,
    ReachableOpportunities,
    SearchResults,
    binary,
)
from web.errors import api_error_response, json_error
from web.paging import page_of
from web.throttling import AnonymousClientThrottle


class VicinoAPI(NinjaAPI):
    """The API, whose OpenAPI document says that a token is optional: which groups of data are open to everyone is
    a deployment setting (``VICINO_PUBLIC_DATA``), so each operation accepts anonymous calls (``{}``) or a token,
    and declares the 401 it answers when its group is closed and neither a login nor a token came."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and operation.get("security") and {} not in operation["security"]:
                    operation["security"] = [{}, *operation["security"]]
        return schema


api = VicinoAPI(
    title="Vicino API",
    version="1",
    description="Opportunities within reach for children and teenagers: cities, reachable opportunities, "
    "isochrones, neighbourhood indicators, schools, layers and vector tiles. Attribution: see each city. "
    'Every error is JSON {"error": "..."} with a 4xx status (503 while the database is unavailable).',
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
)

# Wishes: the public view's counts and the city's cells (web/api_wishes.py).
api.add_router("/", "web.api_wishes.router")

# Counted per client address in the cache shared by the workers (web/throttling.py); logged-in users and API tokens
# are not limited.
point_query_throttle = [AnonymousClientThrottle(f"{settings.VICINO_RATE_LIMIT_PER_MINUTE}/m")]


@api.exception_handler(Exception)
@api.exception_handler(Http404)
def _any_error(request: HttpRequest, error: Exception) -> HttpResponse:
    return api_error_response(request, error)


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = json_error(
        "this data needs a login or an API token (header Authorization: Bearer <token>); see README", 401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return json_error(validation_message(error.errors), 400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    response = json_error(str(error), error.status_code)
    wait = getattr(error, "wait", None)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


def validation_message(errors: list[dict[str, Any]]) -> str:
    """Pydantic's errors as our sentences: a validator's own message as is, "X is required" for a missing one."""
    messages = []
    for item in errors:
        name = ".".join(str(p) for p in item.get("loc", [])[1:]) or "request"
        # django-ninja hands over a validator's exception as its text (ctx.error) and drops the input value.
        context_error = (item.get("ctx") or {}).get("error")
        if item.get("type") == "missing":
            messages.append(required_message(name))
        elif item.get("type") == "value_error" and context_error:
            messages.append(str(context_error))
        else:
            messages.append(f"{name}: {item.get('msg', 'invalid')}")
    return "; ".join(messages) or "invalid request"


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


@api.get("/cities/", auth=Access("cities"), response={200: CityList, 500: ERRORS[500], 503: ERRORS[503]},
         summary="Cities served, with their current release")  # fmt: skip
def cities(request: HttpRequest) -> dict[str, Any]:
    return {"cities": [catalog.city_summary(city) for city in City.objects.all()]}


@api.get("/cities/{city}/", auth=Access("cities"), response={200: dict[str, Any]} | ERRORS,
         summary="One city: its data release, categories, layers and attribution")  # fmt: skip
def city_detail(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return catalog.city_detail(city_obj, release)


def release_and_point(city: str, near: str | None) -> tuple[DataRelease, float, float]:
    """The city's current release (or a 404), then the point ``near`` (or a 400): the start of a point query."""
    _, release = city_release(city)
    lon, lat = parse_point(near)
    return release, lon, lat


@api.get("/cities/{city}/opportunities", auth=Access("families"), response={200: ReachableOpportunities} | POINT_ERRORS,
         summary="Opportunities reachable from a point, sorted by travel time (paged: limit, offset)",
         throttle=point_query_throttle)  # fmt: skip
def opportunities(request: HttpRequest, city: str, params: Query[PointQuery]) -> dict[str, Any]:
    release, lon, lat = release_and_point(city, params.near)
    result = reachable_opportunities(release, lon, lat, open_at=parse_when(params.open_at), **params.filter_arguments())
    return page_of(result, request, limit=params.limit, offset=params.offset)


@api.get("/cities/{city}/isochrones", auth=Access("families"), response={200: FeatureCollection} | POINT_ERRORS,
         summary="Areas reachable from a point within several times", throttle=point_query_throttle)  # fmt: skip
def isochrones_view(request: HttpRequest, city: str, params: Query[IsochroneQuery]) -> dict[str, Any]:
    release, lon, lat = release_and_point(city, params.near)
    return isochrones(
        release, lon, lat, minutes=parse_minutes_list(params.minutes), age=params.age, mode=params.mode,
        when=parse_when(params.open_at),
    )  # fmt: skip


@api.get("/cities/{city}/route", auth=Access("families"), response={200: Feature} | POINT_ERRORS,
         summary="The walking route from a point to one opportunity", throttle=point_query_throttle)  # fmt: skip
def route(request: HttpRequest, city: str, params: Query[RouteQuery]) -> dict[str, Any]:
    release, lon, lat = release_and_point(city, params.near)
    return walking_route(release, lon, lat, params.to, age=params.age)


@api.get("/cities/{city}/transit-route", auth=Access("families"), response={200: FeatureCollection} | POINT_ERRORS,
         summary="Walk, one ride, walk from a point to one opportunity (legs with line and times)",
         throttle=point_query_throttle)  # fmt: skip
def transit_route_view(request: HttpRequest, city: str, params: Query[TransitRouteQuery]) -> dict[str, Any]:
    release, lon, lat = release_and_point(city, params.near)
    return transit_route(release, lon, lat, params.to, age=params.age, when=parse_when(params.open_at))


@api.get("/cities/{city}/search", auth=Access("families"), response={200: SearchResults} | ERRORS,
         summary="Places in the city's own data: neighbourhoods, stops, opportunities (10 of each)")  # fmt: skip
def search(request: HttpRequest, city: str, params: Query[SearchQuery]) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return {"results": catalog.search_places(release, params.q)}


@api.get("/cities/{city}/neighbourhoods", auth=Access(neighbourhoods_group), response={200: FeatureCollection} | ERRORS,
         summary="Neighbourhoods (or grid cells) with their indicators")  # fmt: skip
def neighbourhoods(request: HttpRequest, city: str, params: Query[NeighbourhoodQuery]) -> dict[str, Any]:
    city_obj, release = city_release(city)
    zones = catalog.zones_with_indicators(release, params.level, params.mode, params.profile)
    # The gap table of each category, from the mission ranking's own computation (geo.gaps), never the page's.
    age_data = has_age_data(release)
    zones["properties"]["age_data"] = age_data
    zones["properties"]["gaps"] = {c: gap_rows(zones, c, age_data=age_data) for c in CATEGORIES}
    return zones


@api.get("/cities/{city}/schools/", auth=Access("schools"), response={200: FeatureCollection} | ERRORS,
         summary="Schools of the city")  # fmt: skip
def schools(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return catalog.schools_geojson(release)


@api.get("/cities/{city}/schools/{school_id}/reachable", auth=Access("schools"),
         response={200: ReachableOpportunities} | POINT_ERRORS,
         summary="What a school's pupils reach after school (paged as JSON; format=csv is the whole list)",
         openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
         throttle=point_query_throttle)  # fmt: skip
def school_reachable(request: HttpRequest, city: str, school_id: str, params: Query[SchoolQuery]) -> Any:
    city_obj, release = city_release(city)
    # A school's own code (stable across releases, e.g. ``primary-2000``) first, then the row id of this release.
    school = School.objects.filter(release=release, source_id=school_id).order_by("pk").first()
    if school is None and school_id.isdigit():
        school = School.objects.filter(release=release, pk=school_id).first()
    if school is None:
        raise Http404(f"no school {school_id!r} in {city_obj.name}")
    when = parse_when(f"{params.day} {params.after}", "after") if params.after else None
    result = reachable_opportunities(
        release, school.geom.x, school.geom.y, open_at=when, leave_out=school.name, **params.filter_arguments()
    )
    result["properties"]["school"] = {"id": school.pk, "code": school.source_id, "name": school.name,
                                      "level": school.level}  # fmt: skip
    if params.format == "csv":
        return catalog.reachable_csv_response(result, f"{city_obj.slug}-school-{school.pk}-reachable.csv")
    return page_of(result, request, limit=params.limit, offset=params.offset)


@api.get("/cities/{city}/layers/", auth=Access("layers"), response={200: LayerList} | ERRORS,
         summary="Accessibility layers of the current release, with download links")  # fmt: skip
def layers(request: HttpRequest, city: str) -> dict[str, Any]:
    city_obj, release = city_release(city)
    return {"layers": catalog.layer_list(release), "formats": list(FORMATS)}


@api.get("/cities/{city}/layers/{name}.{fmt}", auth=Access("layers"), response=ERRORS,
         summary="Download one layer (gpkg, geojson, csv, parquet)",
         openapi_extra=binary("application/octet-stream", "The layer as a file of the asked format."))  # fmt: skip
def layer_download(request: HttpRequest, city: str, name: str, fmt: str) -> HttpResponse:
    city_obj, release = city_release(city)
    if fmt not in FORMATS:
        raise ApiError(f"format {fmt!r} is not supported; use {', '.join(FORMATS)}")
    layer = next((layer for layer in release.access_layers.all() if layer.name == name), None)
    if layer is None:
        raise Http404(f"no layer {name!r} in {city_obj.name}'s current release")
    # Keyed on the layer's own version: compute_access replaces a layer (new row, new time), never edits it.
    version = f"{layer.pk}-{layer.created:%Y%m%dT%H%M%S%f}"
    cache = Path(settings.VICINO_HOME) / "exports" / release.input_hash[:16] / version
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


@api.get("/tiles/{city}/{layer}/{z}/{x}/{y}.mvt", auth=Access("layers"), response=ERRORS,
         summary="Vector tiles of a layer (Mapbox Vector Tile)",
         openapi_extra=binary("application/vnd.mapbox-vector-tile", "One tile."))  # fmt: skip
def tiles(request: HttpRequest, city: str, layer: str, z: int, x: int, y: int) -> HttpResponse:
    city_obj, release = city_release(city)
    if not 0 <= z <= 22 or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ApiError(f"tile {z}/{x}/{y} does not exist")
    access_layer = next((a for a in release.access_layers.all() if a.name == layer), None)
    if access_layer is None:
        raise Http404(f"no layer {layer!r} in {city_obj.name}'s current release")
    data = catalog.vector_tile(access_layer, z, x, y)
    return HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")


# ---------------------------------------------------------------------------------------------------------------
# The pillar index (README, "The pillar index"): a self-contained block with its own parameter checks.

#: Origin kinds besides the city's own zone levels (``[zones] levels`` in its TOML).
_PILLAR_UNIT_ORIGINS = ("school", "census_section", "h3")
_PILLAR_PROFILES = ("age_0_5", "age_6_10", "age_11_13", "age_14_17")


@api.get("/cities/{city}/pillars", auth=Access(pillars_group), response={200: dict[str, Any]} | ERRORS,
         summary="The seven-pillar index per origin: pillar scores, composite, rank interval",
         openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}})  # fmt: skip
def pillars(
    request: HttpRequest, city: str, origins: str | None = None, mode: str | None = None,
    profile: str | None = None, format: str | None = None,
) -> Any:  # fmt: skip
    """Per origin (NIL by default, else the origin set computed): each pillar's access, score and rank, the
    composite and its rank (1 = worst served) with the 5–95 % rank interval over weights and normalisations, and
    context indicators side by side. ``format=csv`` gives the same columns as a CSV download."""
    from geo.pillars import pillar_index_csv, pillar_index_payload

    city_obj, release = city_release(city)
    origin_kind = origins or None
    origin_kinds = (*(level for level in zone_level_order(city_obj) if level not in _PILLAR_UNIT_ORIGINS),
                    *_PILLAR_UNIT_ORIGINS)  # fmt: skip
    if origin_kind is not None and origin_kind not in origin_kinds:
        raise ApiError(f"origins={origin_kind!r}: use one of {', '.join(origin_kinds)}")
    chosen_profile = profile or "age_11_13"
    if chosen_profile not in _PILLAR_PROFILES:
        raise ApiError(f"profile={chosen_profile!r}: use one of {', '.join(_PILLAR_PROFILES)}")
    if format not in (None, "json", "csv"):
        raise ApiError(f"format={format!r}: use json or csv")
    if (mode or "walk") not in ("walk", "transit"):
        raise ApiError(f"mode={mode!r}: use walk or transit")
    try:
        payload = pillar_index_payload(release, origin_kind, mode or "walk", chosen_profile)
    except LookupError as error:
        raise Http404(str(error)) from None
    if format == "csv":
        response = HttpResponse(pillar_index_csv(payload), content_type="text/csv; charset=utf-8")
        filename = f"{city_obj.slug}-pillars-{payload['origins']}-{payload['mode']}-{chosen_profile}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return payload


__all__ = ["api", "AccessLayer"]
