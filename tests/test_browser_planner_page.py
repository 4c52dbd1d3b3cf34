"""A planner uses the planner page (issue #13): numbers right and explained, "residents (no age data)" where a city
has no ages (Porto Alegre), percentages, legends in words, whole counts whole, Gini/Palma and "–" explained, the gap
table from the mission ranking's computation in Python, hub sites above the areas with a key, the scenario controls
inside the panel, and the page at its result after "Find sites". Screenshots at 1366x900 and 390x844."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import new_page, serious_violations, shoot
from tests.conftest import load_city_with_layers, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, next_path: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, live_server.url, next_path)


def _python_gaps(slug: str, level: str, category: str) -> list[dict[str, object]]:
    from geo.catalog import zones_with_indicators
    from geo.gaps import gap_rows, has_age_data
    from geo.models import City

    release = City.objects.get(slug=slug).current_release()
    zones = zones_with_indicators(release, level, "walk", "age_11_13")
    return gap_rows(zones, category, age_data=has_age_data(release))


def _gap_table(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return page.locator("#gaps tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))"
    )


def test_planner_in_porto_alegre_without_age_data(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
    page = new_page(browser, "desktop")
    _login(page, live_server, "/cities/porto_alegre/planner/")
    page.wait_for_selector("body[data-areas]", timeout=30000)
    expect(page.locator("#gaps tbody tr")).to_have_count(10, timeout=30000)
    # No ages in the data: everyone counted is a resident, and the page never calls them youth.
    assert "has no ages" in page.locator("#no-age-data").inner_text()
    for selector in ("#gaps", "#equity", "#legend", "#gaps-how"):
        text = page.locator(selector).inner_text()
        assert "youth" not in text.lower(), f"{selector} calls residents youth: {text!r}"
    assert "Residents (no age data)" in page.locator("#gaps thead").inner_text()
    # The gap table is the server's computation (geo.gaps, the mission ranking's), shown as it is.
    expected = _python_gaps("porto_alegre", "h3", "health")
    rows = _gap_table(page)
    assert [r[1] for r in rows] == [str(g["name"]) for g in expected]
    assert [int(r[2].replace(",", "")) for r in rows] == [g["people"] for g in expected]
    assert [r[3] for r in rows] == [f"{round(100 * float(g['access_share']))}%" for g in expected]
    assert [int(r[4].replace(",", "")) for r in rows] == [g["without_access"] for g in expected]
    # Shares are percentages; the legend speaks words and whole numbers; Gini and Palma say what they mean.
    equity = page.locator("#equity dd").all_inner_texts()
    assert equity[2].endswith("%") and equity[3].endswith("%")
    assert page.locator("#legend h2").inner_text() == "health places within 15 min"
    legend = page.locator("#legend li").all_inner_texts()
    assert all(re.fullmatch(r"(up to |more than )?\d+( – \d+)?", item) for item in legend[:-1]), legend
    assert legend[-1].startswith("– no data")
    assert "0 = everyone reaches as many places" in page.locator("#equity abbr").first.get_attribute("title")
    assert "0.25 = even" in page.locator("#equity abbr").nth(1).get_attribute("title")
    assert "“–” means no value" in page.locator("#dash-note").inner_text()
    # The scenario controls fit the panel (no sideways scrolling).
    assert page.evaluate("() => { const p = document.querySelector('.panel'); return p.scrollWidth <= p.clientWidth; }")
    # Porto Alegre's TOML has no vulnerability recipe: no checkbox to weight by one.
    assert page.locator("input[name=vulnerability]").count() == 0
    shoot(page, artifacts_dir, "planner_porto_alegre_desktop")
    assert serious_violations(page) == []

    # Find sites: the page opens at the result, hub sites drawn above the areas, with their key.
    page.fill("#s-new", "2")
    page.fill("#s-minutes", "10")
    page.click("#scenario-button")
    page.wait_for_selector("body[data-scrolled-to='scenario-table']", timeout=60000)
    box = page.locator("#scenario-table").bounding_box()
    assert 0 <= box["y"] < 900 / 2, f"the result is not in view: {box}"
    assert page.evaluate("() => window.scrollY") == 0
    expect(page.locator(".leaflet-hubs-pane path.hub-site")).to_have_count(2, timeout=20000)
    z = page.evaluate(
        "() => [getComputedStyle(document.querySelector('.leaflet-hubs-pane')).zIndex,"
        " getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex].map(Number)"
    )
    assert z[0] > z[1]
    assert "hub sites of scenario #" in page.locator(".hub-legend").inner_text()
    table = page.locator("#scenario-table").inner_text()
    assert "Residents (no age data) within reach of a hub" in table and "youth" not in table.lower()
    assert re.search(r"\d+%", page.locator("#scenario-table td.coverage-after").inner_text())
    assert re.search(r"no hub within reach counts as \d+ min", table)
    assert page.locator("#scenario-how summary").inner_text() == "How each figure is computed"
    shoot(page, artifacts_dir, "planner_porto_alegre_scenario_desktop")
    assert page.errors == []
    page.context.close()


def test_planner_in_milan_in_italian(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_city_with_layers("milan", ("age_11_13",), {"nil", "census_section"})
    for size in ("desktop", "phone"):
        page = new_page(browser, size)
        _login(page, live_server, "/cities/milan/planner/")
        page.wait_for_selector("body[data-areas='88']", timeout=30000)
        page.select_option("#category", "sport")
        expect(page.locator("#legend h2")).to_have_text("luoghi di sport entro 15 min", timeout=30000)
        expect(page.locator("#gaps tbody tr")).to_have_count(10, timeout=30000)
        expected = _python_gaps("milan", "nil", "sport")
        rows = _gap_table(page)
        assert [r[1] for r in rows] == [str(g["name"]) for g in expected]
        assert [int(r[4].replace(".", "")) for r in rows] == [g["without_access"] for g in expected]
        assert "Giovani 0–17" in page.locator("#gaps thead").inner_text()
        # The missions are ranked by the same computation, weighted by vulnerability, in Italian.
        missions = page.locator(".missions li").all_inner_texts()
        pattern = re.compile(r"ragazzi, vulnerabilità \d,\d\d, il \d+% ne raggiunge uno")
        assert missions and all(pattern.search(m) for m in missions)
        assert page.locator("#equity dd").nth(3).inner_text().endswith("%")
        assert page.locator("input[name=vulnerability]").count() == 1  # Milan's TOML has a [vulnerability] recipe
        shoot(page, artifacts_dir, f"planner_milan_it_{size}", full_page=size == "phone")
        if size == "desktop":
            assert serious_violations(page) == []
        assert page.errors == []
        page.context.close()
