"""Pages and the first API endpoints."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from geo.models import City, DataRelease
from geo.queries import neighbourhoods_geojson


def _city_and_release(slug: str) -> tuple[City, DataRelease]:
    city = get_object_or_404(City, slug=slug)
    release = city.current_release()
    if release is None:
        raise Http404(f"{city.name} has no data loaded yet: run `python manage.py load_city {slug}`.")
    return city, release


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page: the default city's map (or the list of cities when it is not loaded)."""
    if City.objects.filter(slug=settings.VICINO_DEFAULT_CITY).exists():
        return redirect("city-map", city=settings.VICINO_DEFAULT_CITY)
    return render(request, "web/cities.html", {"cities": City.objects.all()})


@require_GET
def city_map(request: HttpRequest, city: str) -> HttpResponse:
    """A city's neighbourhoods on a map drawn without any tile server."""
    city_obj, release = _city_and_release(city)
    context = {
        "city": city_obj,
        "release": release,
        "map_config": json.dumps(
            {
                "city": city_obj.slug,
                "neighbourhoodsUrl": f"/api/v1/cities/{city_obj.slug}/neighbourhoods",
                "tileUrl": settings.VICINO_TILE_URL,
                "tileAttribution": settings.VICINO_TILE_ATTRIBUTION,
            }
        ),
    }
    return render(request, "web/city_map.html", context)


@require_GET
def api_cities(request: HttpRequest) -> JsonResponse:
    """The cities Vicino serves, with their current release."""
    cities = []
    for city in City.objects.all():
        release = city.current_release()
        cities.append(
            {
                "slug": city.slug,
                "name": city.name,
                "country": city.country,
                "release": release.input_hash[:12] if release else None,
            }
        )
    return JsonResponse({"cities": cities})


@require_GET
def api_neighbourhoods(request: HttpRequest, city: str) -> JsonResponse:
    """The city's neighbourhoods as GeoJSON (``?level=nil`` by default)."""
    city_obj = City.objects.filter(slug=city).first()
    if city_obj is None:
        return JsonResponse({"error": f"unknown city {city!r}"}, status=404)
    release = city_obj.current_release()
    if release is None:
        return JsonResponse({"error": f"{city_obj.name} has no data loaded yet"}, status=404)
    level = request.GET.get("level", "nil")
    collection = neighbourhoods_geojson(release, level)
    if not collection["features"]:
        levels = sorted(set(release.neighbourhoods.order_by().values_list("level", flat=True)))
        return JsonResponse(
            {"error": f"no neighbourhoods at level {level!r}; available levels: {', '.join(levels)}"},
            status=400,
        )
    return JsonResponse(collection)
