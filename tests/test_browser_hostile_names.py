"""Hostile names (from a catalogue, OSM or a schools file) are shown as text on every page, never run.

A catalogue with a ``</script>`` name, an ``<img onerror>`` name and a spreadsheet formula is imported into Milan;
a school gets a hostile name, a hub scenario chooses a hostile site. The family, schools and planner pages show each
name literally (lists, tooltips, tables), create no element from it and run no script. The Content-Security-Policy
would block inline scripts as well; these tests check the escaping itself (text, no element, no broken config).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "</script><script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'
FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE = [SCRIPT, IMAGE, FORMULA]
SHOTS = Path("/work/wt/shots/web-security")
HEADER = (
    "id,name,provider,category,pillars,kind,age_min,age_max,price,voucher,opening_hours,capacity,address,"
    "longitude,latitude,website"
)


def _milan_with_hostile_names(tmp_path: Path) -> tuple[object, tuple[float, float]]:
    """Milan, a hostile catalogue near the Duomo, and a school with a hostile name there."""
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_catalogue, import_city
    from geo.models import City, School

    config = city_config_from_slug("milan")
    import_city(config)
    lon, lat = 9.1900, 45.4640  # Piazza del Duomo
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        for i, name in enumerate(HOSTILE):
            writer.writerow([f"h-{i}", name, IMAGE, "sport", "physical_activity", "football", 6, 17, 0, "no", "", "",
                             SCRIPT, lon + 0.003 * i, lat + 0.002 * (i % 2), ""])  # fmt: skip
    import_catalogue(config, path, name="hostile")
    release = City.objects.get(slug="milan").current_release()
    School.objects.create(release=release, source="test", source_id="s-1", name=IMAGE, geom=f"POINT({lon} {lat})")
    return release, (lon, lat)


def _assert_clean(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x]").count() == 0
    assert page.errors == [], page.errors


def _shoot(page, name: str, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in {artifacts_dir, SHOTS}:
        page.screenshot(path=str(folder / f"{name}.png"))


def test_family_page_shows_hostile_names_as_text(live_server, browser, tmp_path: Path, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _milan_with_hostile_names(tmp_path)
    for size, viewport in {"desktop": (1366, 900), "phone": (390, 844)}.items():
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="en-GB")
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error, page=page: page.errors.append(str(error)))
        page.goto(f"{live_server.url}/cities/milan/")
        page.wait_for_selector("body[data-basemap]", timeout=30000)
        # Home: the formula-named opportunity, found by the place search (its name goes through the datalist too).
        page.fill("#place-search", FORMULA)
        page.wait_for_selector("#place-results option", state="attached", timeout=20000)
        assert page.locator("#place-results option").first.get_attribute("value") == FORMULA
        page.fill("#place-search", FORMULA)
        page.wait_for_selector("body[data-results]", timeout=30000)
        names = page.locator("#results li strong").all_inner_texts()
        assert set(HOSTILE) <= set(names), names
        # Hover each hostile marker: its tooltip holds the name as text.
        markers = page.locator(".numbered-marker")
        titles = [markers.nth(i).get_attribute("title") for i in range(markers.count())]
        for name in HOSTILE:
            index = names.index(name)
            assert titles[index] == name  # the marker's title attribute: text too
            # The pointer enters the marker (an event, not a mouse move: neighbouring markers may overlap it).
            markers.nth(index).dispatch_event("mouseover")
            # Shown as text: the tooltip's text is the name itself (as HTML it would be an element, or nothing).
            tooltip = page.locator(".leaflet-tooltip").filter(has_text=f"{index + 1}. {name} — ")
            tooltip.wait_for(timeout=10000)
            assert tooltip.locator("img, script").count() == 0
            if size == "desktop" and name == IMAGE:
                _shoot(page, "hostile_family_tooltip_desktop", artifacts_dir)
            markers.nth(index).dispatch_event("mouseout")
        _assert_clean(page)
        _shoot(page, f"hostile_family_{size}", artifacts_dir)
        context.close()


def test_schools_page_shows_a_hostile_school_name_as_text(  # type: ignore[no-untyped-def]
    live_server, page, tmp_path: Path, artifacts_dir: Path
) -> None:
    _milan_with_hostile_names(tmp_path)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/cities/milan/schools/")
    page.wait_for_selector("body[data-schools]", timeout=30000)
    # Milan's own schools are listed too: the hostile one (no level) is an option whose text is the name itself.
    option_texts = page.locator("#school option").all_inner_texts()
    assert IMAGE in option_texts
    page.select_option("#school", "s-1")
    page.click("#school-button")
    page.wait_for_selector("body[data-results]", timeout=30000)
    assert page.locator("#status").inner_text().startswith(IMAGE + ": ")
    # The chosen school is drawn larger in red: its tooltip holds the name as text.
    page.locator('path.school-site[stroke="#c0392b"]').dispatch_event("mouseover")  # markers may lie on top
    tooltip = page.locator(".leaflet-tooltip").filter(has_text=IMAGE)
    tooltip.wait_for(timeout=10000)
    assert tooltip.inner_text() == IMAGE
    assert set(HOSTILE) <= set(page.locator("#results li strong").all_inner_texts())
    _assert_clean(page)
    _shoot(page, "hostile_schools_desktop", artifacts_dir)
    # The CSV of what pupils reach: formulas neutralised.
    with page.expect_download() as download_info:
        page.click("#csv-link")
    with open(download_info.value.path(), encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert "'" + FORMULA in names and FORMULA not in names and SCRIPT in names


def test_planner_page_shows_a_hostile_hub_site_as_text(live_server, page, tmp_path: Path, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]

    from geo.models import SitingScenario

    release, (lon, lat) = _milan_with_hostile_names(tmp_path)
    scenario = SitingScenario.objects.create(
        release=release,
        name=SCRIPT,
        sites=[{"id": "opportunity:h-0", "name": SCRIPT, "lon": lon, "lat": lat, "fixed": False},
               {"id": "opportunity:h-1", "name": IMAGE, "lon": lon + 0.01, "lat": lat, "fixed": True}],
        result={"overall": {"coverage_before": 0.5, "coverage_after": 0.6}},
    )  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, f"/cities/milan/planner/%3Fscenario%3D{scenario.pk}")
    page.wait_for_selector("body[data-areas]", timeout=60000)
    assert page.locator("#scenario-table").inner_text().count(SCRIPT) == 1
    assert IMAGE in page.locator("#scenario-table").inner_text()
    assert SCRIPT in page.locator("#scenario-a option").first.inner_text()
    hubs = page.locator("path.hub-site")
    assert hubs.count() == 2
    for i, name in enumerate([SCRIPT, IMAGE]):
        # The pointer enters the hub (an event: the page may have scrolled it under another layer).
        hubs.nth(i).dispatch_event("mouseover")
        page.locator(".leaflet-tooltip").filter(has_text=f"#{scenario.pk} · {name}").wait_for(timeout=10000)
        hubs.nth(i).dispatch_event("mouseout")
    _assert_clean(page)
    _shoot(page, "hostile_planner_desktop", artifacts_dir)
