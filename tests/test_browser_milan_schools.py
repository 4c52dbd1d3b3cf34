"""A Milan teacher picks a school on the schools page (headless Chromium) and sees what pupils reach on foot.

Screenshots at desktop and phone sizes are saved in the test artifacts folder.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_a_milan_school(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    import_city(city_config_from_slug("milan"))
    for size, viewport in (("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(f"{live_server.url}/cities/milan/schools/")
        page.wait_for_selector("body[data-schools]", timeout=30000)
        assert page.locator("body").get_attribute("data-schools") == "526"
        # Milan's page is in Italian: the schools are grouped by level and told apart by management and NIL
        assert page.locator("#school optgroup").count() == 3
        option = page.locator("#school option[value='lower_secondary-3002']")
        assert "LUCA BELTRAMI" in option.inner_text() and "DUOMO" in option.inner_text()
        assert "statale" in option.inner_text()
        page.select_option("#school", "lower_secondary-3002")
        page.fill("#age", "12")
        page.select_option("#minutes", "15")
        page.click("#school-button")
        page.wait_for_selector("body[data-results]", timeout=30000)
        listed = page.locator("#results li").count()
        assert listed > 0
        assert "LUCA BELTRAMI" in page.locator("#status").inner_text()
        with page.expect_download() as download_info:
            page.click("#csv-link")
        with open(download_info.value.path(), encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == listed
        assert all(float(r["minutes"]) <= 15 for r in rows)
        page.screenshot(path=str(artifacts_dir / f"schools_milan_{size}.png"), full_page=size == "phone")
        assert errors == []
        context.close()
