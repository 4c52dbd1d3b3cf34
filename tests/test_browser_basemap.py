"""A family opens the city's page with no tile server: the base map shows the city, with its names as text.

Screenshots at desktop (1366x900) and phone (390x844) size, whole city and zoomed in on a neighbourhood, are
saved in the test artifacts folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_sources.cities import city_config_from_slug
from geo.importing import import_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def _open(browser, url: str, size: str):  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.outside = []
    page.on("request", lambda r: page.outside.append(r.url) if not r.url.startswith(url.split("/cities")[0]) else None)
    page.goto(url)
    page.wait_for_selector("body[data-basemap=ready]", timeout=30000)
    page.wait_for_selector(".leaflet-basemap-pane svg path", state="attached", timeout=30000)
    page.locator("#map").scroll_into_view_if_needed()
    return context, page


def _zoom_in(page, clicks: int) -> None:  # type: ignore[no-untyped-def]
    # Zoom in ``clicks`` levels at once, without animation (a zoom button ignores clicks while a slow machine is
    # still animating the previous zoom); the labels are placed on Leaflet's zoomend/moveend.
    # On a loaded machine the page's own first fit to the city may land after the zoom and undo it: zoom until the
    # map stays at the target.
    target = page.evaluate("() => document.getElementById('map').leafletMap.getZoom()") + clicks
    for _ in range(20):
        page.evaluate("z => document.getElementById('map').leafletMap.setZoom(z, {animate: false})", target)
        page.wait_for_timeout(400)
        if page.evaluate("() => document.getElementById('map').leafletMap.getZoom()") >= target:
            return
    raise AssertionError(f"the map did not stay at zoom {target}")


def _labels(page, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    # A long neighbourhood name is shown on a few lines ("... -\nPONTE SEVESO"): one space each.
    page.wait_for_selector(f".basemap-label-{kind}", state="attached", timeout=30000)
    return page.locator(f".basemap-label-{kind}").evaluate_all(
        "els => els.map(e => e.textContent.replace(/\\n/g, ' '))"
    )


def test_milan_family_page_shows_its_base_map(live_server, browser, artifacts_dir: Path, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    import_city(city_config_from_slug("milan"))
    nil = json.loads((data_dir / "milan/boundaries/nil_88_pgt2030_ds964.geojson").read_text(encoding="utf-8"))
    nil_names = {f["properties"]["NIL"] for f in nil["features"]}
    stations = json.loads((data_dir / "milan/transit/atm_metro_stations_ds535.geojson").read_text(encoding="utf-8"))
    station_names = {f["properties"]["nome"] for f in stations["features"]}
    for size in SIZES:
        context, page = _open(browser, f"{live_server.url}/cities/milan/", size)
        assert set(page.evaluate("document.body.dataset.basemapLayers").split()) >= {
            "zones_minor", "zones_major", "roads", "metro_lines", "metro_stations", "rail_lines", "parks",
        }  # fmt: skip
        assert page.locator(".leaflet-basemap-pane svg path").count() > 1000
        shown = _labels(page, "zones")
        assert shown and set(shown) <= nil_names  # NIL names, as text
        page.screenshot(path=str(artifacts_dir / f"basemap_milan_{size}.png"))
        _zoom_in(page, 3)
        stations_shown = _labels(page, "metro_stations")
        assert stations_shown and set(stations_shown) <= station_names
        assert _labels(page, "roads"), "no road names at neighbourhood zoom"
        # Labels are text only: no element inside any label.
        assert page.locator(".basemap-label *").count() == 0
        page.screenshot(path=str(artifacts_dir / f"basemap_milan_{size}_neighbourhood.png"))
        # The base map never catches a click meant for the map: a click sets the home.
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("body[data-home]", timeout=10000)
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert "OpenStreetMap" in attribution and "Comune di Milano" in attribution
        assert page.errors == [] and page.outside == []
        context.close()


def test_porto_alegre_family_page_shows_street_names(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    import_city(city_config_from_slug("porto_alegre"))
    for size in SIZES:
        context, page = _open(browser, f"{live_server.url}/cities/porto_alegre/", size)
        assert {"streets", "roads", "parks", "water"} <= set(
            page.evaluate("document.body.dataset.basemapLayers").split()
        )
        page.screenshot(path=str(artifacts_dir / f"basemap_porto_alegre_{size}.png"))
        _zoom_in(page, 2)
        roads = _labels(page, "roads")
        assert any(name.startswith(("Avenida", "Rua")) for name in roads)
        page.screenshot(path=str(artifacts_dir / f"basemap_porto_alegre_{size}_neighbourhood.png"))
        assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
        assert page.errors == [] and page.outside == []
        context.close()


def test_hostile_names_stay_text(browser) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.staticfiles import finders

    hostile = "<img src=x onerror=window.pwned=1>Via Roma"
    collection = {
        "type": "FeatureCollection",
        "attribution": ["<img src=x onerror=window.pwned=2>OSM"],
        "layers": ["roads"],
        "features": [
            {"type": "Feature", "properties": {"layer": "roads", "name": hostile, "class": "primary", "colour": ""},
             "geometry": {"type": "LineString", "coordinates": [[9.18, 45.46], [9.20, 45.46]]}},
            {"type": "Feature", "properties": {"layer": "label", "of": "roads", "name": hostile, "class": "primary",
             "angle": 0, "rank": 1600}, "geometry": {"type": "Point", "coordinates": [9.19, 45.46]}},
            {"type": "Feature", "properties": {"layer": "label", "of": "zones", "name": hostile + " - QUARTIERE",
             "rank": 0}, "geometry": {"type": "Point", "coordinates": [9.19, 45.465]}},
        ],
    }  # fmt: skip
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    page.route("http://vicino.test/basemap.geojson", lambda route: route.fulfill(json=collection))
    page.set_content("<div id='map' style='width:800px;height:600px'></div>")
    page.add_style_tag(path=finders.find("leaflet/leaflet.css"))
    page.add_script_tag(path=finders.find("leaflet/leaflet.js"))
    page.add_script_tag(path=finders.find("web/basemap.js"))
    page.evaluate(
        """async () => {
          const map = L.map('map').setView([45.46, 9.19], 15);
          await VicinoBasemap.addTo(map, 'http://vicino.test/basemap.geojson');
        }"""
    )
    assert page.locator("img").count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert _labels(page, "roads") == [hostile]
    assert _labels(page, "zones") == [hostile + " - QUARTIERE"]
    assert "<img src=x onerror=window.pwned=2>OSM" in page.locator(".leaflet-control-attribution").inner_text()
    context.close()
