"""Pages: families (home), schools, planners and analysts. Data comes from the API (web/api.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

from data_sources.errors import VicinoError
from geo.basemap import basemap_file
from geo.catalog import city_detail, layer_list
from geo.models import City, DataRelease, SitingScenario
from geo.siting import missions_for, run_scenario, scenario_file
from routing.profiles import DEFAULT_PROFILES
from web.access import page_access


def _city_and_release(slug: str) -> tuple[City, DataRelease]:
    city = get_object_or_404(City, slug=slug)
    release = city.current_release()
    if release is None:
        raise Http404(f"{city.name} has no data loaded yet: run `python manage.py load_city {slug}`.")
    return city, release


def _context(request: HttpRequest, city: City, release: DataRelease, page: str) -> dict[str, object]:
    detail = city_detail(city, release)
    config = {
        "city": city.slug,
        "cityName": city.name,
        "center": detail["center"],
        "categories": detail["categories"],
        "streetNetwork": detail["street_network"],
        "transit": detail["transit_timetables"],
        "estimateNote": "" if detail["street_network"] else detail["travel_times"],
        "basemapUrl": f"/cities/{city.slug}/basemap.geojson",
        "api": f"/api/v1/cities/{city.slug}",
        "tileUrl": settings.VICINO_TILE_URL,
        "tileAttribution": settings.VICINO_TILE_ATTRIBUTION,
        "attribution": detail["attribution"],
        "language": translation.get_language(),
    }
    return {
        "city": city,
        "release": release,
        "detail": detail,
        "page": page,
        "cities": City.objects.all(),
        "profiles": DEFAULT_PROFILES,
        "page_config": config,
    }


def _activate_city_language(request: HttpRequest, city: City) -> None:
    """A city's own language by default (Italian for Milan), unless the visitor chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and city.language in dict(settings.LANGUAGES):
        translation.activate(city.language)
        request.LANGUAGE_CODE = city.language


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The default city's family page (or the list of cities when it is not loaded)."""
    if City.objects.filter(slug=settings.VICINO_DEFAULT_CITY).exists():
        return redirect("family", city=settings.VICINO_DEFAULT_CITY)
    return render(request, "web/cities.html", {"cities": City.objects.all()})


@page_access("families")
@require_GET
def family(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    return render(request, "web/family.html", _context(request, city_obj, release, "family"))


@page_access("schools")
@require_GET
def schools(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    return render(request, "web/schools.html", _context(request, city_obj, release, "schools"))


@page_access("planner")
@require_GET
def planner(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    context = _context(request, city_obj, release, "planner")
    scenarios = list(release.siting_scenarios.all()[:20])
    chosen = [s for s in scenarios if str(s.pk) in {request.GET.get("scenario"), request.GET.get("compare")}]
    missions = missions_for(release)
    config = context["page_config"] | {"scenarios": [{"id": s.pk, "name": s.name, "sites": s.sites} for s in chosen]}
    context |= {
        "scenarios": scenarios,
        "compared": chosen,
        "missions": missions.head(15).to_dict(orient="records") if len(missions) else [],
        "candidate_sources": ["h3", "schools", "libraries", "opportunities"]
        + [f"opportunities:{c}" for c in context["detail"]["categories"]],
        "page_config": config,
        "scenario_error": request.session.pop("scenario_error", ""),
    }
    return render(request, "web/planner.html", context)


@page_access("planner")
@require_POST
def create_scenario(request: HttpRequest, city: str) -> HttpResponse:
    """Run a siting scenario from the planner's form, then show it on the planner page."""
    city_obj, _ = _city_and_release(city)

    def ids(name: str) -> list[str]:
        return [part.strip() for part in request.POST.get(name, "").split(",") if part.strip()]

    try:
        scenario = run_scenario(
            city_obj,
            new=int(request.POST.get("new", "3")),
            objective=request.POST.get("objective", "mclp"),
            minutes=float(request.POST.get("minutes", "15")),
            candidates=request.POST.get("candidates", "h3"),
            mode=request.POST.get("mode", "walk"),
            profile=request.POST.get("profile", "age_11_13"),
            pinned=ids("pin"),
            forbidden=ids("forbid"),
            vulnerability=request.POST.get("vulnerability") == "on",
            created_by=request.user.get_username(),
        )
    except (ValueError, VicinoError) as error:
        request.session["scenario_error"] = str(error)
        return redirect("planner", city=city)
    previous = request.POST.get("previous", "")
    suffix = f"?scenario={scenario.pk}" + (f"&compare={previous}" if previous.isdigit() else "")
    return redirect(reverse("planner", args=[city]) + suffix)


@page_access("planner")
@require_GET
def export_scenario(request: HttpRequest, city: str, pk: int, fmt: str) -> HttpResponse:
    """A scenario's sites (and its per-zone before/after table) as CSV or GeoPackage."""
    city_obj, release = _city_and_release(city)
    scenario = get_object_or_404(SitingScenario, pk=pk, release=release)
    if fmt not in {"csv", "gpkg"}:
        raise Http404(f"format {fmt!r}: use csv or gpkg")
    path = scenario_file(scenario, fmt)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@page_access("layers")
@require_GET
def analysts(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    context = _context(request, city_obj, release, "analysts") | {"layers": layer_list(release)}
    return render(request, "web/analysts.html", context)


@require_GET
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponse:
    """The JavaScript translations of one language (the page names it, so it matches the page's language)."""
    if language not in dict(settings.LANGUAGES):
        raise Http404(f"unknown language {language!r}")
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)


@page_access("cities")
@require_GET
def basemap(request: HttpRequest, city: str) -> HttpResponse:
    """The city's own streets (or boundaries) as a GeoJSON base map, for maps without a tile server."""
    city_obj, release = _city_and_release(city)
    path: Path = basemap_file(release)
    return FileResponse(path.open("rb"), content_type="application/geo+json")


class LoginView(auth_views.LoginView):
    """The login page. After logging in: ``next`` when it is on this site (Django ignores an off-site one), else the
    default city's planner when that city is loaded, else the home page."""

    template_name = "web/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        if City.objects.filter(slug=settings.VICINO_DEFAULT_CITY).exists():
            return reverse("planner", args=[settings.VICINO_DEFAULT_CITY])
        return reverse("home")
