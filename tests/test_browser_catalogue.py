"""The catalogue in a browser (issue #18): a provider submits an offering from the form (the map places its
entrance), a moderator approves it (and rejects another), publishes, and a family finds the approved one from the
family page; the rejected one never appears. Screenshots of the provider form, the moderator queue and the history,
at desktop and phone sizes, in Italian and English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import SIZES, answer_settled, click_map_at, serious_violations, shoot
from tests.catalogue_helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLACE = (45.46545, 9.18645)  # lat, lon: a few steps west of the Duomo, inside Milan
APPROVED = "Laboratorio di teatro Vicino <b>prova</b>"
REJECTED = "Offerta da respingere Vicino"


def _context(browser: Any, live_server: Any, size: str, language: str, state: Any = None) -> Any:
    context = browser.new_context(viewport=SIZES[size], storage_state=state, bypass_csp=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context


def _login(browser: Any, live_server: Any, username: str, next_url: str) -> Any:
    context = _context(browser, live_server, "desktop", "it")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"**{next_url}")
    return page


def _shots(browser: Any, live_server: Any, state: Any, url: str, name: str, artifacts_dir: Path, ready: str) -> None:
    """The page at desktop and phone sizes, in Italian and English (screenshots a person looks at)."""
    for language in ("it", "en"):
        for size in ("desktop", "phone"):
            context = _context(browser, live_server, size, language, state)
            page = context.new_page()
            page.goto(f"{live_server.url}{url}")
            page.wait_for_selector(ready, state="attached", timeout=30000)
            assert page.locator("html").get_attribute("lang") == language
            shoot(page, artifacts_dir, f"catalogue-{name}-{size}-{language}", full_page=True)
            if size == "desktop" and language == "it":
                assert serious_violations(page) == [], name  # axe-core: nothing serious or critical
            assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], (name, size)
            context.close()


def _fill_offering(page: Any, name: str) -> None:
    page.fill("#id_name", name)
    page.select_option("#id_category", "arts")
    page.check("input[name=pillars][value=talents_creativity]")
    page.fill("#id_kind", "teatro")
    page.fill("#id_age_min", "8")
    page.fill("#id_age_max", "14")
    page.fill("#id_price", "0")
    page.fill("#id_address", "Via Torino 2")
    page.wait_for_selector("body[data-map-ready=yes]")
    click_map_at(page, *PLACE)


def test_submit_approve_publish_then_a_family_finds_it(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_slug
    from geo.catalogue_publishing import wait_for_job
    from geo.importing import import_city
    from geo.models import CatalogueJob, City, Offering
    from tests.catalogue_helpers import make_people

    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    make_people(city)

    # The provider (Italian, the city's language) fills the form; the map click fills the coordinates.
    provider = _login(browser, live_server, "anna", "/cities/milan/catalogue/new/")
    _fill_offering(provider, APPROVED)
    expect(provider.locator("#id_longitude")).to_have_value(f"{PLACE[1]:.6f}")
    expect(provider.locator("#id_latitude")).to_have_value(f"{PLACE[0]:.6f}")
    # A mistake gets the file import's message, in Italian, at its field; nothing is saved.
    provider.fill("#id_opening_hours", "dopo la scuola")
    provider.click("#save-submit-button")
    expect(provider.locator("#field-opening_hours .error")).to_contain_text("orari non nella sintassi di OpenStreetMap")
    assert not Offering.objects.exists()
    shoot(provider, artifacts_dir, "catalogue-form-error-desktop-it", full_page=True)
    provider.fill("#id_opening_hours", "Mo-Fr 15:00-18:30")
    provider.wait_for_selector("body[data-map-ready=yes]")
    provider.click("#save-submit-button")
    provider.wait_for_url("**/cities/milan/catalogue/")
    expect(provider.locator("#offerings tbody tr")).to_have_count(1)
    expect(provider.locator("#offerings .state")).to_contain_text("in attesa di revisione")
    assert APPROVED in provider.locator("#offerings").inner_text()  # a name with markup is shown as text
    # A second offering, to be rejected.
    provider.click("#new-offering")
    _fill_offering(provider, REJECTED)
    provider.click("#save-submit-button")
    provider.wait_for_url("**/cities/milan/catalogue/")
    approved, rejected = Offering.objects.get(name=APPROVED), Offering.objects.get(name=REJECTED)
    assert (approved.longitude, approved.latitude) == (PLACE[1], PLACE[0])
    assert provider.errors == []

    # The moderator approves one (voucher yes), rejects the other with a reason, and publishes.
    moderator = _login(browser, live_server, "mod", "/cities/milan/catalogue/review/")
    item = moderator.locator(f"article[data-offering='{approved.pk}']")
    # A link shows the moderator the place on the family page (the offering is not there yet).
    link = item.locator(".family-link").get_attribute("href")
    assert link == f"/cities/milan/?at={PLACE[0]:.5f},{PLACE[1]:.5f}&age=10&minutes=15&mode=walk"
    item.locator("select[name=voucher]").select_option("yes")
    item.locator(".approve-button").click()
    moderator.wait_for_load_state()
    item = moderator.locator(f"article[data-offering='{rejected.pk}']")
    item.locator("input[name=reason]").fill("Non è un'attività per ragazzi")
    item.locator(".reject-button").click()
    expect(moderator.locator("#queue-empty")).to_be_visible()
    moderator.click("#publish-button")
    # The job's id from the page it shows: no read of the test's shared in-memory database while the job's thread
    # writes to it (SQLite's shared cache answers "table is locked" at once instead of waiting).
    row = moderator.wait_for_selector("#jobs tr[data-job]", state="attached", timeout=30000)
    job = CatalogueJob(pk=int(row.get_attribute("data-job")))
    wait_for_job(job, timeout=300)
    job.refresh_from_db()
    assert job.status == "done", job.message
    moderator.reload()
    expect(moderator.locator(f"#jobs tr[data-job='{job.pk}'] .job-progress")).to_have_text("completata")
    # The provider sees the decisions and the moderator's reason.
    provider.reload()
    expect(provider.locator(f"tr[data-offering='{rejected.pk}'] .reason")).to_contain_text("Non è un'attività")
    expect(provider.locator(f"tr[data-offering='{approved.pk}'] .state")).to_contain_text("approvata")

    # A family clicks home at the offering's door: it is the first result; the rejected one is nowhere.
    family = browser.new_context(viewport=SIZES["desktop"], bypass_csp=True).new_page()
    family.goto(f"{live_server.url}/cities/milan/")
    family.wait_for_selector("body[data-basemap]", timeout=30000)
    click_map_at(family, *PLACE)
    answer_settled(family)
    names = family.locator("#results li .name").all_inner_texts()
    assert names and names[0] == APPROVED, names[:5]
    assert REJECTED not in names
    assert not family.locator("#voucher").is_disabled()  # one place now says it takes the voucher
    shoot(family, artifacts_dir, "catalogue-family-finds-offering-desktop-it")

    # Screenshots of the three pages at both sizes in both languages.
    provider_state = provider.context.storage_state()
    moderator_state = moderator.context.storage_state()
    _shots(browser, live_server, provider_state, f"/cities/milan/catalogue/{approved.pk}/", "form", artifacts_dir,
           "body[data-basemap]")  # fmt: skip
    _shots(browser, live_server, provider_state, "/cities/milan/catalogue/", "offerings", artifacts_dir, "#offerings")
    Offering.objects.filter(pk=rejected.pk).update(status="submitted")  # a queue with one item to show
    _shots(browser, live_server, moderator_state, "/cities/milan/catalogue/review/", "queue", artifacts_dir, "#jobs")
    _shots(browser, live_server, moderator_state, f"/cities/milan/catalogue/{approved.pk}/history/", "history",
           artifacts_dir, "#history")  # fmt: skip
