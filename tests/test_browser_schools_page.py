"""A teacher uses the schools page (issue #13): the map zooms to the chosen school, the school itself is not one of
its destinations, the CSV button appears only with results (and downloads them), and a city without schools says how
to add them in words a school can act on. Screenshots at 1366x900 and 390x844."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import new_page, serious_violations, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _import(slug: str) -> None:
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    import_city(city_config_from_slug(slug))


def test_teacher_in_porto_alegre(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _import("porto_alegre")
    from geo.models import City

    release = City.objects.get(slug="porto_alegre").current_release()
    # Porto Alegre's schools are also education opportunities, at the very same spot.
    school = release.schools.order_by("source_id").first()
    twin = next(o for o in release.opportunities.filter(name=school.name) if o.geom.distance(school.geom) == 0)
    page = new_page(browser, "desktop")
    page.goto(f"{live_server.url}/cities/porto_alegre/schools/")
    page.wait_for_selector("body[data-schools]", timeout=30000)
    assert page.locator("#csv-link").is_hidden()  # nothing to download yet
    page.select_option("#school", school.source_id)
    # The map zooms to the chosen school at once.
    page.wait_for_selector(f"body[data-zoomed-to='{school.source_id}']")
    centre = page.evaluate(
        "() => { const c = document.getElementById('map').leafletMap.getCenter(); return [c.lat, c.lng]; }"
    )
    assert math.dist(centre, (school.geom.y, school.geom.x)) < 1e-4
    assert page.evaluate("() => document.getElementById('map').leafletMap.getZoom()") >= 15
    page.select_option("#minutes", "15")
    page.click("#school-button")
    page.wait_for_selector("body[data-results]", timeout=30000)
    ids = page.locator("#results li").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert ids and str(twin.pk) not in ids, "the school is listed as its own destination"
    expect(page.locator("#csv-link")).to_be_visible()
    with page.expect_download() as download:
        page.click("#csv-link")
    with open(download.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(ids) and str(twin.pk) not in {r.get("id") for r in rows}
    # The view holds the school and what its pupils reach.
    assert page.evaluate(
        "([lat, lon]) => document.getElementById('map').leafletMap.getBounds().contains(L.latLng(lat, lon))",
        [school.geom.y, school.geom.x],
    )
    shoot(page, artifacts_dir, "schools_porto_alegre_desktop")
    assert serious_violations(page) == []
    # Nothing within reach (the arts: Porto Alegre has none): no CSV button, and the status says what to try.
    page.select_option("#category", "health")
    page.select_option("#minutes", "10")
    page.fill("#age", "6")
    page.evaluate("() => { delete document.body.dataset.results; }")
    page.click("#school-button")
    page.wait_for_selector("body[data-results]", timeout=30000)
    if page.locator("body").get_attribute("data-results") == "0":
        assert page.locator("#csv-link").is_hidden()
        assert "try a longer time" in page.locator("#status").inner_text()
    else:
        assert page.locator("#csv-link").is_visible()
    assert page.errors == []
    page.context.close()

    # A city without schools: the page says so, and how to add them.
    release.schools.all().delete()
    phone = new_page(browser, "phone")
    phone.goto(f"{live_server.url}/cities/porto_alegre/schools/")
    note = phone.locator("#no-schools").inner_text()
    assert "has no schools in Vicino yet" in note and "spreadsheet (CSV) with one row per school" in note
    shoot(phone, artifacts_dir, "schools_porto_alegre_no_schools_phone", full_page=True)
    phone.context.close()


def test_teacher_in_milan_in_italian(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _import("milan")
    for size in ("desktop", "phone"):
        page = new_page(browser, size)
        page.goto(f"{live_server.url}/cities/milan/schools/")
        page.wait_for_selector("body[data-schools]", timeout=30000)
        page.select_option("#school", "lower_secondary-3002")
        page.wait_for_selector("body[data-zoomed-to='lower_secondary-3002']")
        page.fill("#age", "12")
        page.select_option("#minutes", "15")
        page.click("#school-button")
        page.wait_for_selector("body[data-results]", timeout=30000)
        first = page.locator("#results li .explanation").first.inner_text()
        assert " min a piedi" in first and "walk" not in first
        assert page.locator("#csv-link").is_visible()
        shoot(page, artifacts_dir, f"schools_milan_it_{size}", full_page=size == "phone")
        if size == "desktop":
            assert serious_violations(page) == []
        assert page.errors == []
        page.context.close()
