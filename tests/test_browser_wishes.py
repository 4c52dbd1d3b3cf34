"""A child with a parent makes a wish from the map in headless Chromium; it shows on the public view only once a
moderator has approved it and it is the fifth that agrees (the threshold). Screenshots of the form, the public view
and the moderation queue, desktop and phone, Italian and English, go to the test artifacts folder; axe-core finds no
serious or critical violation on the three pages."""

from __future__ import annotations

from pathlib import Path

import h3
import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SIZES, click_map_at, new_page, serious_violations, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAP = (45.464213, 9.190047)  # by the Duomo
PASSWORD = "moderator-password-2026"


def _switch_language(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=language]", code)
    page.locator("#language-submit").click()
    page.wait_for_load_state()


def _map_ready(page) -> None:  # type: ignore[no-untyped-def]
    """The base map drawn and fitted (its zoom animation over) before a screenshot."""
    page.wait_for_selector("body[data-basemap='ready']")
    page.wait_for_timeout(400)


def test_a_wish_from_the_map_shows_after_approval_at_the_threshold(
    live_server, browser, artifacts_dir: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city
    from geo.models import City, Wish
    from geo.wishes import moderators_group

    settings.VICINO_WISH_MIN_SECONDS = 1
    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    cell = h3.latlng_to_cell(*TAP, 8)
    Wish.objects.bulk_create(
        [Wish(city=city, cell=cell, zone="1", category="sport", age_band="6-10", who="family", created="2026-11-29",
              status="approved") for _ in range(4)]
    )  # fmt: skip
    base = live_server.url

    # The public view: four agreeing wishes are not enough, and the page says why.
    public = new_page(browser, "desktop")
    public.goto(f"{base}/cities/milan/wishes/")
    public.wait_for_selector("body[data-wish-areas]")
    assert public.locator("body").get_attribute("data-wish-areas") == "0"
    expect(public.locator("#wishes-why")).to_contain_text("almeno 5 desideri approvati")
    _map_ready(public)
    assert serious_violations(public) == []
    shoot(public, artifacts_dir, "wishes-public-empty-it-desktop")

    # The form, in Italian (Milan's language): tap the map, choose, write, send.
    form = new_page(browser, "desktop")
    form.goto(f"{base}/cities/milan/wishes/new/")
    form.wait_for_selector("body[data-cells]")
    assert int(form.locator("body").get_attribute("data-cells")) > 250
    click_map_at(form, *TAP)
    form.wait_for_selector(f"body[data-cell='{cell}']")
    expect(form.locator("#wish-place")).to_contain_text("DUOMO")
    assert form.locator("#wish-zone").input_value() == "1"  # the list follows the map
    form.select_option("#wish-subject", "category:sport")
    form.select_option("#wish-age", "6-10")
    form.select_option("#wish-who", "child_with_parent")
    form.fill("#wish-text", "Un campo da basket vicino a scuola")
    expect(form.locator("#wish-count")).to_have_text("34 / 280")
    _map_ready(form)
    assert serious_violations(form) == []
    shoot(form, artifacts_dir, "wishes-form-it-desktop")
    form.wait_for_timeout(1100)  # a person takes at least a second (VICINO_WISH_MIN_SECONDS here)
    form.click("#wish-send")
    form.wait_for_selector("body[data-wish]")
    assert form.locator("body").get_attribute("data-wish") == "pending", form.locator("#wish-result").inner_text()
    expect(form.locator("#wish-result")).to_contain_text("Grazie")
    shoot(form, artifacts_dir, "wishes-form-sent-it-desktop")
    wish = Wish.objects.get(status="pending")
    assert (wish.cell, wish.zone, wish.category, wish.who) == (cell, "1", "sport", "child_with_parent")

    # Pending: still nothing on the public view.
    public.reload()
    public.wait_for_selector("body[data-wish-areas]")
    assert public.locator("body").get_attribute("data-wish-areas") == "0"

    # A moderator approves it from the queue.
    user = get_user_model().objects.create_user("moderator", password=PASSWORD)
    user.groups.add(moderators_group())
    queue = new_page(browser, "desktop")
    queue.goto(f"{base}/accounts/login/?next=/cities/milan/wishes/moderate/")
    queue.fill("#id_username", "moderator")
    queue.fill("#id_password", PASSWORD)
    queue.click("#login-button")
    row = queue.locator(f"#pending tr[data-wish='{wish.pk}']")
    expect(row).to_contain_text("Un campo da basket vicino a scuola")
    expect(row).to_contain_text("DUOMO")
    assert serious_violations(queue) == []
    shoot(queue, artifacts_dir, "wishes-moderation-it-desktop", full_page=True)
    row.locator("button.approve").click()
    expect(queue.locator(".messages")).to_contain_text(f"Desiderio {wish.pk} approvato")
    wish.refresh_from_db()
    assert wish.status == "approved" and wish.moderated_by == "moderator"

    # The fifth agreeing wish: the Duomo shows, on the map and in the list, NIL and cell.
    public.reload()
    public.wait_for_selector("body[data-wish-areas='1']")
    expect(public.locator("#wishes-list")).to_contain_text("DUOMO")
    expect(public.locator("#wishes-list")).to_contain_text("Sport: 5 desideri")
    assert public.locator("path.wish-area").count() == 1
    _map_ready(public)
    shoot(public, artifacts_dir, "wishes-public-it-desktop")
    public.select_option("#wishes-level", "cell")
    public.wait_for_function("document.getElementById('status').textContent.startsWith('1 ')")
    assert public.locator("path.wish-area").count() == 1
    public.select_option("#wishes-level", "zone")

    # English, and phones.
    for page, name in ((public, "public"), (form, "form"), (queue, "moderation")):
        page.set_viewport_size(SIZES["phone"])
        if name == "form":
            page.goto(f"{base}/cities/milan/wishes/new/")
            page.wait_for_selector("body[data-cells]")
        if name != "moderation":
            page.reload()
            _map_ready(page)
        shoot(page, artifacts_dir, f"wishes-{name}-it-phone", full_page=name == "moderation")
        _switch_language(page, "en")
        page.set_viewport_size(SIZES["desktop"])
        if name != "moderation":
            _map_ready(page)
        if name == "public":
            page.wait_for_selector("body[data-wish-areas='1']")
            expect(page.locator("#wishes-why")).to_contain_text("at least 5 approved wishes agree")
            expect(page.locator("#wishes-list")).to_contain_text("Sport: 5 wishes")
        if name == "form":
            page.wait_for_selector("body[data-cells]")
            expect(page.locator("#wish-title")).to_contain_text("What do you wish were nearer")
        if name == "moderation":
            expect(page.locator("#decided")).to_contain_text("approved")
        shoot(page, artifacts_dir, f"wishes-{name}-en-desktop", full_page=name == "moderation")
        page.set_viewport_size(SIZES["phone"])
        if name != "moderation":
            page.reload()
            _map_ready(page)
        shoot(page, artifacts_dir, f"wishes-{name}-en-phone", full_page=name == "moderation")
    for page in (public, form, queue):
        assert page.errors == []
