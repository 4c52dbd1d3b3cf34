"""A planner reads the Pillars section in headless Chromium: the worst-served table with rank ranges, the map of
the composite and of one pillar, the CSV link, in Italian (Milan's language) and English; desktop and phone
screenshots go to the test artifacts folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import load_city_with_layers, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planner_reads_the_pillar_index(live_server, page, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]

    from geo.pillars import compute_pillars
    from routing.profiles import profile_by_name

    city = load_city_with_layers("milan", ("age_11_13",), {"nil"})
    compute_pillars(city, profiles=(profile_by_name("age_11_13"),), draws=100, seed=5)
    log_in(page, live_server.url, "/cities/milan/planner/")
    page.wait_for_selector("body[data-pillars]", timeout=30000)
    assert page.locator("body").get_attribute("data-pillars") == "88"
    # Italian by default for Milan: the section, the pillar headings and the explanation of the range
    expect(page.locator("#pillars-title")).to_contain_text("meno serviti")
    head = page.locator("#pillar-head").inner_text()
    assert "Relazioni sociali" in head and "Spazi comuni di qualità" in head
    assert "1.000 volte" in page.locator("#pillar-interval-note").inner_text()
    rows = page.locator("#pillar-table tbody tr")
    assert rows.count() == 15
    first = rows.nth(0).locator("td")
    assert first.nth(0).inner_text().splitlines()[0] == "1"  # rank 1 = worst served comes first
    low, high = first.nth(0).locator(".range").inner_text().split("–")
    assert 1 <= int(low) <= 1 <= int(high) <= 88
    assert page.locator("#pillar-table td.weakest").count() >= 15  # each row marks its weakest pillar
    assert "format=csv" in page.locator("#pillar-csv").get_attribute("href")
    # the composite on the map, then one pillar, each with its legend
    page.select_option("#pillar-view", "composite")
    page.wait_for_selector("path.pillar-area", state="attached")
    assert page.locator("path.pillar-area").count() == 88
    expect(page.locator("#pillar-legend")).to_contain_text("il quinto meno servito")
    page.locator("#pillar-table").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "pillars_milan_it_desktop.png"))
    page.select_option("#pillar-view", "talents_creativity")
    expect(page.locator("#pillar-legend")).to_contain_text("Talenti e creatività")
    page.locator("path.pillar-area").nth(20).hover(force=True)
    page.wait_for_selector(".leaflet-tooltip", timeout=10000)
    # a context indicator, with its source, never part of the composite
    page.select_option("#pillar-view", "context_crowding")
    expect(page.locator("#pillar-legend")).to_contain_text("ISTAT")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#pillar-table").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "pillars_milan_it_phone.png"))
    # English
    page.set_viewport_size({"width": 1366, "height": 900})
    page.select_option("select[name=language]", "en")
    page.locator("select[name=language]").locator("xpath=ancestor::form").locator("button").click()
    page.wait_for_selector("body[data-pillars]", timeout=30000)
    expect(page.locator("#pillars-title")).to_contain_text("worst served")
    assert "Quality common spaces" in page.locator("#pillar-head").inner_text()
    page.locator("#pillar-table").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "pillars_milan_en_desktop.png"))
