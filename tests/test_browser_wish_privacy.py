"""A wish made from the map leaves no exact place and no address behind: every request the browser sends, every
column of every stored wish, the rate-limit cache and every log line of the flow (caplog on the root, django.request
and django.server loggers, at DEBUG) hold neither the tapped coordinates (to more than 3 decimals) nor the client's
IP address."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection

from tests.browser_helpers import click_map_at, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAP = (45.478437, 9.227051)  # in Città Studi, chosen with 6 decimals so that any trace of it is recognisable
CLIENT_IP = "127.0.0.1"  # the live server's client (the browser); forwarded addresses are tested too
FORWARDED_IP = "198.51.100.23"
_NUMBER = re.compile(r"-?\d+\.\d{4,}")


def _traces_of_the_tap(text: str) -> list[str]:
    """Numbers with more than 3 decimals within 0.001° of the tap's latitude or longitude."""
    found = []
    for match in _NUMBER.finditer(text):
        value = float(match.group())
        if abs(value - TAP[0]) < 1e-3 or abs(value - TAP[1]) < 1e-3:
            found.append(match.group())
    return found


def test_no_coordinates_and_no_address_are_kept(live_server, browser, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city
    from geo.models import Wish

    settings.VICINO_WISH_MIN_SECONDS = 0
    settings.VICINO_TRUSTED_PROXIES = []
    import_city(city_config_from_slug("milan"))
    server_logger = logging.getLogger("django.server")  # it does not propagate: listen to it directly
    server_logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    for name in ("django.request", "django.server", "vicino", "django.security"):
        caplog.set_level(logging.DEBUG, logger=name)
    sent: list[str] = []
    try:
        page = new_page(browser, "desktop")
        page.set_extra_http_headers({"X-Forwarded-For": FORWARDED_IP})
        page.on("request", lambda r: sent.append(f"{r.method} {r.url} {r.post_data or ''} {r.headers}"))
        page.goto(f"{live_server.url}/cities/milan/wishes/new/")
        page.wait_for_selector("body[data-cells]")
        click_map_at(page, *TAP)
        page.wait_for_selector("body[data-cell]")
        page.select_option("#wish-subject", "pillar:social_relations")
        page.fill("#wish-text", "Un posto dove stare insieme dopo la scuola")
        page.click("#wish-send")
        page.wait_for_selector("body[data-wish]")
        assert page.locator("body").get_attribute("data-wish") == "pending"
        # The same through the list, and a refused one (a bad cell), so that error paths are logged too.
        page.select_option("#wish-zone", index=3)
        page.click("#wish-send")
        page.wait_for_function("document.querySelector('#wish-result').textContent.length > 5")
        page.evaluate("document.getElementById('wish-cell').value = '8f1f9a4a3ffffff'")
        page.click("#wish-send")
        page.wait_for_selector("body[data-wish^='error-4']")
    finally:
        server_logger.removeHandler(caplog.handler)

    # What the browser sent: the cell and the zone, never the point.
    posts = [s for s in sent if s.startswith("POST")]
    assert len(posts) == 3 and all("cell=" in p or 'name="cell"' in p for p in posts)
    assert [t for s in sent for t in _traces_of_the_tap(s)] == []

    rows = list(Wish.objects.values())
    assert len(rows) == 2
    assert set(rows[0]) == {f.attname for f in Wish._meta.concrete_fields}  # every column read
    stored = " ".join(str(value) for row in rows for value in row.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM vicino_cache")
        stored += " " + " ".join(f"{k} {v}" for k, v in cursor.fetchall())
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the flow logged nothing: the capture is not listening"
    for where, text in (("stored", stored), ("logged", logged)):
        assert _traces_of_the_tap(text) == [], where
        assert CLIENT_IP not in text and FORWARDED_IP not in text, where
