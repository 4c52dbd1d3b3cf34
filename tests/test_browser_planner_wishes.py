"""A planner shows the wishes beside the gaps: the toggle outlines the NIL where at least 5 approved wishes agree,
listed with their subjects, and the hub form offers to weight youth by wishes. Screenshots desktop and phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SIZES, new_page, shoot
from tests.conftest import PLANNER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_planner_sees_wishes_beside_the_gaps(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city
    from geo.models import City, Wish

    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    common = {"city": city, "age_band": "14-17", "who": "teenager", "created": "2026-11-30", "status": "approved"}
    Wish.objects.bulk_create(
        [Wish(zone="21", pillar="social_relations", **common) for _ in range(6)]  # Buenos Aires - Porta Venezia: shown
        + [Wish(zone="1", category="arts", **common) for _ in range(4)]  # Duomo: below the threshold
    )
    get_user_model().objects.create_user("planner", password=PLANNER_PASSWORD)
    page = new_page(browser, "desktop")
    page.goto(f"{live_server.url}/accounts/login/?next=/cities/milan/planner/")
    page.fill("#id_username", "planner")
    page.fill("#id_password", PLANNER_PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("body[data-areas='88']", timeout=30000)
    assert page.locator("path.wish-area").count() == 0
    page.check("#show-wishes")
    page.wait_for_selector("body[data-wish-areas='1']")
    assert page.locator("path.wish-area").count() == 1
    expect(page.locator("#wishes-status")).to_contain_text("1 zona con desideri concordi")
    listed = "BUENOS AIRES - PORTA VENEZIA - PORTA MONFORTE — Relazioni sociali: 6 desideri"
    expect(page.locator("#wishes-areas")).to_contain_text(listed)
    assert "DUOMO" not in page.locator("#wishes-areas").inner_text()  # 4 wishes: below the threshold
    assert page.locator("#s-demand-wishes").is_visible()
    page.wait_for_timeout(300)
    shoot(page, artifacts_dir, "wishes-planner-it-desktop")
    page.set_viewport_size(SIZES["phone"])
    page.locator("#show-wishes").scroll_into_view_if_needed()
    shoot(page, artifacts_dir, "wishes-planner-it-phone")
    page.uncheck("#show-wishes")
    page.wait_for_function("document.body.dataset.wishAreas === undefined")
    assert page.locator("path.wish-area").count() == 0
    assert page.errors == []
