"""A council member opens a shared map from disk with no network: it draws, shows its legend and attribution.

Headless Chromium opens each exported file (a layer, a scenario, a profile; Porto Alegre and Milan) with the network
off and every non-file request aborted; screenshots are saved in the test artifacts folder (``maps/``). A hostile
neighbourhood name shows as text and runs nothing. Last, a planner downloads a map with the page's button.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from geo.models import City
from geo.siting import run_scenario
from tests.conftest import load_city_with_layers, log_in

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.__pwned=1">'
POINT_INSIDE = """(needle) => {
  // A screen point inside the zone whose tooltip contains `needle` (its path is the element hit there).
  const map = Object.keys(window).filter((k) => k.startsWith("map_")).map((k) => window[k])[0];
  let found = null;
  map.eachLayer((group) => {
    if (found || !group.eachLayer) { return; }
    group.eachLayer((zone) => {
      if (found || !zone.feature || !String(zone.feature.properties.tip || "").includes(needle)) { return; }
      const box = zone.getBounds();
      for (let i = 1; i < 20 && !found; i += 1) {
        for (let j = 1; j < 20 && !found; j += 1) {
          const lat = box.getSouth() + (i / 20) * (box.getNorth() - box.getSouth());
          const lng = box.getWest() + (j / 20) * (box.getEast() - box.getWest());
          const point = map.latLngToContainerPoint([lat, lng]);
          const rect = map.getContainer().getBoundingClientRect();
          if (document.elementFromPoint(rect.left + point.x, rect.top + point.y) === zone._path) {
            found = { x: rect.left + point.x, y: rect.top + point.y };
          }
        }
      }
    });
  });
  return found;
}"""


@pytest.fixture(scope="module")
def maps(django_db_setup, django_db_blocker, artifacts_dir: Path) -> Iterator[dict[str, Path]]:  # type: ignore[no-untyped-def]
    folder = artifacts_dir / "maps"
    folder.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        poa = load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
        milan = load_city_with_layers("milan", ("age_11_13",), {"nil"})
        milan.current_release().neighbourhoods.filter(level="nil", code="1").update(name="DUOMO " + HOSTILE)
        poa_scenario = run_scenario(poa, new=2, objective="mclp", minutes=15)
        milan_scenario = run_scenario(milan, new=2, objective="mclp", minutes=15, candidates="libraries")
        cell = poa.current_release().population_zones.filter(kind="h3").order_by("-youth_0_17").first().code
        jobs = {
            "poa-layer": ["porto_alegre", "--indicator", "education_within_15", "--language", "en"],
            "poa-scenario": ["porto_alegre", "--scenario", str(poa_scenario.pk), "--language", "en"],
            "poa-profile": ["porto_alegre", "--zone", cell, "--language", "en"],
            "milan-layer": ["milan", "--indicator", "sport_within_15"],
            "milan-scenario": ["milan", "--scenario", str(milan_scenario.pk)],
            "milan-profile": ["milan", "--zone", "1"],
        }
        files = {}
        for name, args in jobs.items():
            files[name] = folder / f"{name}.html"
            call_command("export_layers", *args, "--format", "html", "--out", str(files[name]), stdout=StringIO())
        yield files
        City.objects.filter(slug__in=["porto_alegre", "milan"]).delete()


def offline_page(browser, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    """A page with the network off: every request that is not the file itself is aborted and recorded."""
    context = browser.new_context(viewport=viewport)
    context.set_offline(True)
    outside: list[str] = []

    def route(request_route) -> None:  # type: ignore[no-untyped-def]
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.outside = outside
    return context, page


@pytest.mark.parametrize(
    ("name", "legend", "attribution"),
    [
        ("poa-layer", "education places within 15 min on foot", "OpenStreetMap contributors"),
        ("poa-scenario", "new hub", "EPTC"),
        ("poa-profile", "City median", "IPEA"),
        ("milan-layer", "luoghi di sport entro 15 min a piedi", "Comune di Milano"),
        ("milan-scenario", "nuovo hub", "Comune di Milano"),
        ("milan-profile", "Mediana della città", "ISTAT"),
    ],
)
def test_map_opens_from_disk_offline(
    browser, maps, artifacts_dir: Path, name: str, legend: str, attribution: str
) -> None:  # type: ignore[no-untyped-def]
    context, page = offline_page(browser, {"width": 1366, "height": 900})
    page.goto(maps[name].as_uri())
    page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=20000)
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator("#vicino-panel").is_visible()
    assert legend in page.locator("#vicino-panel").inner_text()
    assert attribution in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator(".vicino-attribution").is_visible()
    assert not page.locator(".leaflet-tile").count()  # no tiles: the city's own base map
    page.screenshot(path=str(artifacts_dir / f"map-{name}-desktop.png"))
    if name.endswith("layer"):
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts_dir / f"map-{name}-phone.png"))
    assert page.outside == [] and page.errors == []
    context.close()


def test_hostile_name_is_text(browser, maps, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    context, page = offline_page(browser, {"width": 1366, "height": 900})
    page.goto(maps["milan-profile"].as_uri())
    page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=20000)
    assert HOSTILE in page.locator("#vicino-panel summary").inner_text()
    page.goto(maps["milan-layer"].as_uri())
    page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=20000)
    point = page.evaluate(POINT_INSIDE, "DUOMO")
    assert point is not None
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".leaflet-tooltip", timeout=5000)
    assert HOSTILE in page.locator(".leaflet-tooltip").inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(artifacts_dir / "map-milan-layer-tooltips.png"))
    context.close()


@pytest.mark.django_db(transaction=True)
def test_planner_downloads_the_map_it_shows(live_server, browser, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]

    load_city_with_layers("milan", ("age_11_13",), {"nil"})
    page.goto(f"{live_server.url}/cities/milan/maps/layer.html")
    assert "/accounts/login/" in page.url  # the download needs a login, like the page
    log_in(page, live_server.url, "/cities/milan/planner/")
    page.wait_for_selector("body[data-areas]", timeout=20000)
    page.select_option("#category", "sport")
    expect(page.locator("#download-map")).to_have_attribute("href", re.compile(r"indicator=sport_within_15"))
    with page.expect_download() as download_info:
        page.click("#download-map")
    path = artifacts_dir / "maps" / "planner-download.html"
    download_info.value.save_as(path)
    context, offline = offline_page(browser, {"width": 1366, "height": 900})
    offline.goto(path.as_uri())
    offline.wait_for_selector("path.leaflet-interactive", state="attached", timeout=20000)
    assert "luoghi di sport entro 15 min a piedi" in offline.locator("#vicino-panel").inner_text()
    offline.screenshot(path=str(artifacts_dir / "map-planner-download.png"))
    assert offline.outside == [] and offline.errors == []
    context.close()
    # The analyst page: a neighbourhood's profile and a layer, each as a map.
    page.goto(f"{live_server.url}/cities/milan/data/")
    page.screenshot(path=str(artifacts_dir / "analysts-maps-desktop.png"), full_page=True)
    page.select_option("#profile-zone", "1")
    with page.expect_download() as download_info:
        page.click("#profile-map-button")
    profile = download_info.value
    assert profile.suggested_filename == "milan-profile-1.html"
    assert "Profilo del quartiere: DUOMO" in Path(profile.path()).read_text(encoding="utf-8")
    with page.expect_download() as download_info:
        page.click("a.download-map")
    assert "luoghi di" in Path(download_info.value.path()).read_text(encoding="utf-8")
