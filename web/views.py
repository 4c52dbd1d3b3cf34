"""Pages: families (home), schools, planners and analysts. Data comes from the API (web/api.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

from data_sources.errors import VicinoError
from geo.basemap import basemap_file
from geo.catalog import city_detail, layer_list
from geo.gaps import has_age_data
from geo.models import City, DataRelease, SitingScenario
from geo.pillars import DEFAULT_HUB_PILLARS, pillar_labels, scenario_before_after
from geo.shareable_maps import (
    ShareableMapError,
    category_label,
    layer_map,
    profile_label,
    profile_map,
    scenario_map,
)
from geo.siting import missions_for, run_scenario, scenario_export
from geo.wishes import wish_threshold
from geo.zones import city_config
from routing.profiles import DEFAULT_PROFILES
from web.access import page_access


def _city_and_release(slug: str) -> tuple[City, DataRelease]:
    city = get_object_or_404(City, slug=slug)
    release = city.current_release()
    if release is None:
        raise Http404(f"{city.name} has no data loaded yet: run `python manage.py load_city {slug}`.")
    return city, release


def _data_known(release: DataRelease) -> dict[str, int]:
    """How many of the release's opportunities say whether they take the voucher, their price, their hours: a
    filter on something no record knows cannot work, and the page says so instead of pretending."""
    places = release.opportunities
    return {
        "voucher": places.filter(voucher__isnull=False).count(),
        "price": places.filter(price__isnull=False).count(),
        "hours": places.exclude(opening_hours="").count(),
        "all": places.count(),
    }


def _loaded_cities() -> list[City]:
    """Cities with a current release (the ones a page can show), by name."""
    return sorted((c for c in City.objects.all() if c.current_release() is not None), key=lambda c: c.name)


def _context(request: HttpRequest, city: City, release: DataRelease, page: str) -> dict[str, object]:
    detail = city_detail(city, release)
    known = _data_known(release)
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
        "known": known,
        "categoryLabels": {c: category_label(c) for c in detail["categories"]},
    }
    return {
        "city": city,
        "release": release,
        "detail": detail,
        "page": page,
        "known": known,
        "category_labels": [(c, category_label(c)) for c in detail["categories"]],
        "cities": _loaded_cities(),
        "profiles": DEFAULT_PROFILES,
        "page_config": config,
    }


def _activate_city_language(request: HttpRequest, city: City) -> None:
    """A city's own language by default (its TOML's ``language``), unless the visitor chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and city.language in dict(settings.LANGUAGES):
        translation.activate(city.language)
        request.LANGUAGE_CODE = city.language


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The default city's family page when it is loaded, else the only loaded city's, else the list of cities."""
    loaded = _loaded_cities()
    asked = request.GET.get("city", "")
    if any(c.slug == asked for c in loaded):  # the city switcher: the same page of another city
        page = request.GET.get("page", "family")
        pages = {"family", "schools", "planner", "analysts", "wishes"}
        return redirect(page if page in pages else "family", city=asked)
    if any(c.slug == settings.VICINO_DEFAULT_CITY for c in loaded):
        return redirect("family", city=settings.VICINO_DEFAULT_CITY)
    if len(loaded) == 1:
        return redirect("family", city=loaded[0].slug)
    example = settings.VICINO_DEFAULT_CITY or "CITY"
    return render(request, "web/cities.html", {"cities": loaded, "example_city": example})


@page_access("families")
@require_GET
def family(request: HttpRequest, city: str) -> HttpResponse:
    return _simple_page(request, city, "family")


@page_access("schools")
@require_GET
def schools(request: HttpRequest, city: str) -> HttpResponse:
    return _simple_page(request, city, "schools")


def _simple_page(request: HttpRequest, city: str, page: str) -> HttpResponse:
    """A page that needs nothing but the common context: ``web/<page>.html`` in the city's language."""
    _, _, context = page_context(request, city, page)
    return render(request, f"web/{page}.html", context)


def page_context(request: HttpRequest, city: str, page: str) -> tuple[City, DataRelease, dict[str, object]]:
    """A city's page: the city (404 if unknown), its current release and the common context, in its language."""
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    return city_obj, release, _context(request, city_obj, release, page)


@page_access("planner")
@require_GET
def planner(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release, context = page_context(request, city, "planner")
    scenarios = list(release.siting_scenarios.all()[:20])
    chosen = [s for s in scenarios if str(s.pk) in {request.GET.get("scenario"), request.GET.get("compare")}]
    missions_by_wishes = request.GET.get("missions") == "wishes"
    missions = missions_for(release, demand="wishes") if missions_by_wishes else pd.DataFrame()
    wishes_missing = missions_by_wishes and missions.empty
    if not missions_by_wishes or wishes_missing:
        missions = missions_for(release)
    age_data = has_age_data(release)
    config = context["page_config"] | {
        "ageData": age_data,
        "scenarios": [{"id": s.pk, "name": s.name, "sites": s.sites} for s in chosen],
        "pillarLabels": pillar_labels(),
        "zoneLevels": context["detail"]["zone_levels"],
        "wishesUrl": f"/api/v1/cities/{city_obj.slug}/wishes",
    }
    pillar_change = _pillar_change(request, release, chosen[0]) if chosen else {}
    context |= {
        "scenarios": scenarios,
        "compared": chosen,
        "missions_by_wishes": missions_by_wishes and not wishes_missing,
        "missions_wishes_missing": wishes_missing,
        "missions": [
            m
            | {
                "category_label": category_label(m["category"]),
                "share_pct": round(100 * float(m["access_share"])),
                "wish_count": int(m.get("wishes", 0)),
            }
            for m in (missions.head(15).to_dict(orient="records") if len(missions) else [])
        ],
        "age_data": age_data,
        "has_vulnerability": _has_vulnerability(city_obj),
        "penalty_differs": len({_penalty(s) for s in chosen}) > 1,
        "level_labels": [(level, _level_label(level)) for level in context["detail"]["zone_levels"]],
        "profile_labels": [(p.name, profile_label(p.name), p.speed_m_s) for p in DEFAULT_PROFILES],
        "candidate_sources": [
            ("h3", _("a grid of hexagonal cells")),
            ("schools", _("schools")),
            ("libraries", _("libraries")),
            ("opportunities", _("existing places (any category)")),
        ]
        + [
            (f"opportunities:{c}", _("existing %(category)s places") % {"category": category_label(c)})
            for c in context["detail"]["categories"]
        ],
        "page_config": config,
        "scenario_error": request.session.pop("scenario_error", ""),
        "pillar_labels": pillar_labels(),
        "pillar_profiles": [p for p in DEFAULT_PROFILES if p.name != "adult"],
        "pillar_change": pillar_change,
        "wish_threshold": wish_threshold(),
    }
    return render(request, "web/planner.html", context)


def _penalty(scenario: SitingScenario) -> object:
    """The minutes a scenario's summary gives people who reach no hub (None when not recorded)."""
    result = scenario.result if isinstance(scenario.result, dict) else {}
    return (result.get("overall") or {}).get("unreached_min")


def _has_vulnerability(city: City) -> bool:
    """Whether the city's TOML has a vulnerability recipe (``[vulnerability]``) the planner can weight youth by."""
    config = city_config(city)
    return config is not None and config.vulnerability is not None


def _level_label(level: str) -> str:
    """A zone level in words (NIL neighbourhoods, municipi, grid cells)."""
    return {
        "nil": _("neighbourhoods (NIL)"),
        "municipio": _("municipalities (municipi)"),
        "h3": _("hexagonal grid cells"),
        "census_section": _("census sections"),
        "bairro": _("neighbourhoods (bairros)"),
    }.get(level, level)


def _pillar_change(request: HttpRequest, release: DataRelease, scenario: SitingScenario) -> dict[str, object]:
    """What the shown scenario's new hubs change, pillar by pillar, for the NIL (before/after of the index)."""
    labels = pillar_labels()
    chosen = tuple(p for p in request.GET.getlist("hub_pillar") if p in labels) or DEFAULT_HUB_PILLARS
    profile = scenario.parameters.get("profile", "age_11_13") if isinstance(scenario.parameters, dict) else "age_11_13"
    if profile not in {p.name for p in DEFAULT_PROFILES} or profile == "adult":
        profile = "age_11_13"
    try:
        mode = str(scenario.parameters.get("mode", "walk")) if isinstance(scenario.parameters, dict) else "walk"
        frame, summary = scenario_before_after(release, scenario, hub_pillars=chosen, profile=profile, mode=mode)
    except (ValueError, VicinoError) as error:
        return {"error": str(error), "hub_pillars": chosen}
    rows = [
        {
            "name": row["name"],
            "before": row["composite_before"] * 100,
            "after": row["composite_after"] * 100,
            "rank_before": int(row["rank_before"]),
            "rank_after": int(row["rank_after"]),
            "pillars": [labels[p] for p in str(row["pillars_improved"]).split(";") if p in labels],
            "all_hub_pillars": set(str(row["pillars_improved"]).split(";")) == set(chosen),
        }
        for _code, row in frame.head(10).iterrows()
        if row["composite_gain"] > 1e-9 or row["pillars_improved"]
    ]
    return {
        "scenario": scenario,
        "rows": rows,
        "hub_pillars": chosen,
        "origins_improved": summary["origins_improved"],
        "per_pillar": [(labels[p], n) for p, n in summary["pillar_origins_improved"].items() if n],
        "profile": profile,
    }


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
            demand="wishes" if request.POST.get("demand") == "wishes" else "youth",
            created_by=request.user.get_username(),
        )
    except (ValueError, VicinoError) as error:
        request.session["scenario_error"] = str(error)
        return redirect("planner", city=city)
    previous = request.POST.get("previous", "")
    # The page opens at the result (the comparison table), not at the top.
    suffix = f"?scenario={scenario.pk}" + (f"&compare={previous}" if previous.isdigit() else "") + "#result"
    return redirect(reverse("planner", args=[city]) + suffix)


@page_access("planner")
@require_GET
def export_scenario(request: HttpRequest, city: str, pk: int, fmt: str) -> HttpResponse:
    """A scenario's sites (and its per-zone before/after table) as CSV or GeoPackage."""
    city_obj, release = _city_and_release(city)
    scenario = get_object_or_404(SitingScenario, pk=pk, release=release)
    if fmt not in {"csv", "gpkg"}:
        raise Http404(f"format {fmt!r}: use csv or gpkg")
    filename, content = scenario_export(scenario, fmt)
    response = HttpResponse(content, content_type="text/csv" if fmt == "csv" else "application/geopackage+sqlite3")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _html_download(document: str, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _map_error(error: Exception) -> HttpResponse:
    return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")


@page_access("layers")
@require_GET
def layer_map_download(request: HttpRequest, city: str) -> HttpResponse:
    """A layer by one indicator as a self-contained interactive map (``?layer=NAME&indicator=COLUMN``)."""
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    layer = request.GET.get("layer") or None
    indicator = request.GET.get("indicator") or None
    if layer is None and request.GET.get("level"):
        layer = f"{request.GET.get('mode', 'walk')}_{request.GET.get('profile', 'age_11_13')}_{request.GET['level']}"
    try:
        document = layer_map(release, layer, indicator)
    except ShareableMapError as error:
        return _map_error(error)
    name = "-".join(part for part in (city_obj.slug, layer or "layer", indicator or "") if part)
    return _html_download(document, f"{_safe_filename(name)}.html")


@page_access("planner")
@require_GET
def scenario_map_download(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    """A siting scenario as a self-contained interactive map."""
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    scenario = get_object_or_404(SitingScenario, pk=pk, release=release)
    return _html_download(scenario_map(scenario), f"{city_obj.slug}-scenario-{scenario.pk}.html")


@page_access("layers")
@require_GET
def profile_map_download(request: HttpRequest, city: str) -> HttpResponse:
    """One neighbourhood's profile as a self-contained interactive map (``?zone=CODE[&layer=NAME]``)."""
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    zone = request.GET.get("zone", "")
    try:
        document = profile_map(release, zone, request.GET.get("layer") or None)
    except ShareableMapError as error:
        return _map_error(error)
    return _html_download(document, f"{_safe_filename(f'{city_obj.slug}-profile-{zone}')}.html")


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


@page_access("layers")
@require_GET
def analysts(request: HttpRequest, city: str) -> HttpResponse:
    city_obj, release = _city_and_release(city)
    _activate_city_language(request, city_obj)
    zone_layers = release.access_layers.filter(mode="walk", origin_kind__in=["nil", "municipio", "h3"])
    zone_layer = min(
        zone_layers,
        key=lambda la: (["nil", "h3", "municipio"].index(la.origin_kind), la.profile != "age_11_13"),
        default=None,
    )
    zones = list(zone_layer.values.order_by("origin_id").values_list("origin_id", flat=True)) if zone_layer else []
    names = (
        dict(release.neighbourhoods.filter(level=zone_layer.origin_kind).values_list("code", "name")) if zones else {}
    )
    context = _context(request, city_obj, release, "analysts") | {
        "layers": layer_list(release),
        "profile_layer": zone_layer.name if zone_layer else "",
        "profile_zones": sorted(((z, names.get(z, z)) for z in zones), key=lambda pair: pair[1]),
    }
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
    """The city's base map (streets, zones, roads, metro, rail, parks, labels) as GeoJSON, for maps without tiles.

    Sent gzip-compressed to clients that accept it (88 zones and their
    streets: about 1.6 MB as text, a fifth of that compressed).
    """
    city_obj, release = _city_and_release(city)
    path: Path = basemap_file(release)
    etag = f'"{path.stem}"'  # the release's input hash: a new import is a new base map
    if request.headers.get("If-None-Match") == etag:
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return not_modified
    compressed = path.with_suffix(".geojson.gz")
    if "gzip" in request.headers.get("Accept-Encoding", "") and compressed.exists():
        response = FileResponse(compressed.open("rb"), content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(path.open("rb"), content_type="application/geo+json")
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "no-cache"  # kept, but asked again each time (a 304 while the release stands)
    response["ETag"] = etag
    return response


class LoginView(auth_views.LoginView):
    """The login page. After logging in: ``next`` when it is on this site (Django ignores an off-site one), else the
    default city's planner when that city is loaded, else the home page."""

    template_name = "web/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        if City.objects.filter(slug=settings.VICINO_DEFAULT_CITY).exists():
            return reverse("planner", args=[settings.VICINO_DEFAULT_CITY])
        return reverse("home")
