"""People use the pages in headless Chromium: a family, a school, a planner, an analyst, a language switch.

Screenshots are saved in the test artifacts folder.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import load_city_with_layers, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, next_path: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, next_path)


def _open_porto_alegre(page, live_server, path: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    """Porto Alegre loaded (walk and school layers for adults), its page ``path`` open and ready."""
    load_city_with_layers("porto_alegre", ("adult",), {"school"})
    page.goto(f"{live_server.url}/cities/porto_alegre/{path}")
    page.wait_for_selector(ready, timeout=20000)


def test_family_flow_on_porto_alegre(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("porto_alegre", ("adult",), {"school"})
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(live_server.url) and not r.url.startswith("data:") else None
        ),
    )
    page.goto(f"{live_server.url}/cities/porto_alegre/")
    page.wait_for_selector("body[data-basemap]", timeout=20000)
    page.fill("#age", "15")
    page.select_option("#minutes", "20")
    # Put the home in the centre of the map (the city centre, where the streets are).
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("body[data-results]", timeout=20000)
    page.wait_for_selector("path.isochrone", state="attached")
    items = page.locator("#results li")
    count = items.count()
    assert count >= 3
    minutes = [float(items.nth(i).get_attribute("data-minutes")) for i in range(count)]
    assert minutes == sorted(minutes) and max(minutes) <= 20
    assert page.locator(".numbered-marker").count() == count
    first_marker = page.locator(".numbered-marker").first
    assert first_marker.inner_text() == "1"
    # Filter: only health.
    page.uncheck("input[name=category][value=education]")
    page.uncheck("input[name=category][value=sport]") if page.locator("input[value=sport]").count() else None
    expect(page.locator("#results li.cat-education")).to_have_count(0, timeout=20000)
    expect(page.locator("#results li.cat-sport")).to_have_count(0, timeout=20000)
    expect(page.locator("#results li.cat-health").first).to_be_visible(timeout=20000)
    assert all(
        c == "result cat-health" for c in page.locator("#results li").evaluate_all("els => els.map(e => e.className)")
    )
    # The route to the nearest one draws.
    page.locator("#results li .route-button").first.click()
    page.wait_for_selector("path.route-line", state="attached", timeout=20000)
    assert page.locator("#results li").first.locator(".explanation").inner_text().endswith("min walk")
    assert outside == [], f"the page fetched from outside: {outside}"
    assert page.errors == []
    page.screenshot(path=str(artifacts_dir / "family_porto_alegre.png"))


def test_family_flow_by_transit(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _open_porto_alegre(page, live_server, "", "body[data-basemap]")
    page.fill("#age", "15")
    page.select_option("#minutes", "30")
    page.select_option("#mode", "transit")
    page.select_option("#day", "we")
    page.fill("#time", "14:00")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("body[data-results]", timeout=30000)
    page.wait_for_selector("path.isochrone", state="attached", timeout=30000)
    assert page.locator("path.isochrone").count() == 3  # 15, 20 and 30 minutes
    items = page.locator("#results li")
    count = items.count()
    assert count >= 3
    minutes = [float(items.nth(i).get_attribute("data-minutes")) for i in range(count)]
    assert minutes == sorted(minutes) and max(minutes) <= 30
    texts = items.locator(".explanation").all_inner_texts()
    assert any("min walk + transit" in t for t in texts)  # a place nearer on foot is a walk, and says so
    assert page.errors == []
    page.screenshot(path=str(artifacts_dir / "family_transit_porto_alegre.png"))


def test_school_flow_with_csv(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _open_porto_alegre(page, live_server, "schools/", "body[data-schools]")
    page.select_option("#minutes", "30")
    page.click("#school-button")
    page.wait_for_selector("body[data-results]", timeout=20000)
    listed = page.locator("#results li").count()
    assert listed > 0
    with page.expect_download() as download_info:
        page.click("#csv-link")
    with open(download_info.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == listed
    assert [float(r["minutes"]) for r in rows] == sorted(float(r["minutes"]) for r in rows)
    page.screenshot(path=str(artifacts_dir / "schools_porto_alegre.png"))


def test_planner_needs_login_and_shows_a_legend(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("milan", ("age_11_13",), {"nil", "census_section"})
    page.goto(f"{live_server.url}/cities/milan/planner/")
    assert "/accounts/login/" in page.url
    _login(page, live_server, "/cities/milan/planner/")
    page.wait_for_selector("body[data-areas]", timeout=20000)
    assert page.locator("body").get_attribute("data-areas") == "88"
    page.select_option("#category", "sport")
    expect(page.locator("#legend")).to_contain_text("luoghi di sport entro 15 min", timeout=20000)  # Milan: Italian
    assert page.locator("#legend li").count() >= 2
    page.locator("path.area").nth(10).hover(force=True)
    page.wait_for_selector(".leaflet-tooltip", timeout=10000)
    assert page.locator("#gaps tbody tr").count() == 10
    assert "Gini" in page.locator("#equity").inner_text()
    assert page.locator(".estimate-note").is_visible()
    page.screenshot(path=str(artifacts_dir / "planner_milan.png"))


def test_analyst_download_parses(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
    _login(page, live_server, "/cities/porto_alegre/data/")
    page.wait_for_selector("a.download[data-format=gpkg]")
    with page.expect_download() as download_info:
        page.click("a.download[data-format=gpkg]")
    with sqlite3.connect(download_info.value.path()) as gpkg:
        tables = {row[0] for row in gpkg.execute("select table_name from gpkg_contents")}
        metadata = dict(gpkg.execute("select key, value from metadata"))
    assert "walk_age_11_13_h3" in tables and metadata["city"] == "porto_alegre"
    page.screenshot(path=str(artifacts_dir / "analysts_porto_alegre.png"))


def test_language_switch(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    import_city(city_config_from_slug("milan"))
    page.goto(f"{live_server.url}/cities/milan/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.locator("#family-title").inner_text().startswith("Cosa può raggiungere")
    page.select_option("#language-select", "en")
    page.click("#language-submit")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#family-title").inner_text().startswith("What can your child reach")
    assert "Fonte: Comune di Milano" in page.locator(".leaflet-control-attribution").inner_text()
    page.screenshot(path=str(artifacts_dir / "family_milan_en.png"))


def test_planner_sites_hubs_and_compares(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
    _login(page, live_server, "/cities/porto_alegre/planner/")
    page.wait_for_selector("body[data-areas]", timeout=20000)
    page.fill("#s-new", "2")
    page.fill("#s-minutes", "10")
    page.click("#scenario-button")
    page.wait_for_selector("#scenario-table", timeout=60000)
    page.fill("#s-new", "1")
    page.click("#scenario-button")
    page.wait_for_selector("#scenario-table", timeout=60000)
    headers = page.locator("#scenario-table thead th").all_inner_texts()
    assert len(headers) == 3  # a label column and the two scenarios side by side
    after = [float(t.rstrip("%")) for t in page.locator("#scenario-table td.coverage-after").all_inner_texts()]
    assert after[1] >= after[0]  # two new hubs reach at least as many youth as one
    expect(page.locator("path.hub-site")).to_have_count(3, timeout=20000)
    with page.expect_download() as download_info:
        page.locator("#scenario-table a", has_text="CSV").first.click()
    with open(download_info.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and rows[0]["attribution"]
    page.screenshot(path=str(artifacts_dir / "planner_scenarios_porto_alegre.png"))
