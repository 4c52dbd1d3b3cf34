"""Milan's family page by walk + public transport (issue #11): the base map, transit bands, the estimate named.

Milan has no street network offline and no GTFS with trip times: its transit answers come from the timetable
estimated from ATM's service summaries, with straight-line walks. The page must draw the transit areas over the
city's own base map and say, in Italian, that the times are estimates from ATM's summaries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_helpers import answer_settled, new_page, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Piazzale Loreto, on metro M1 and M2: buses, trams and the metro run from there.
LORETO = (45.4859, 9.2165)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_parent_in_milan_sees_transit_bands_on_the_base_map(  # type: ignore[no-untyped-def]
    live_server, browser, artifacts_dir: Path, size: str
) -> None:
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    import_city(city_config_from_slug("milan"))
    page = new_page(browser, size)
    page.goto(
        f"{live_server.url}/cities/milan/?at={LORETO[0]},{LORETO[1]}&age=12&minutes=30&mode=transit&day=we&time=15:00"
    )
    page.wait_for_selector("body[data-basemap]", timeout=60000)
    answer_settled(page, timeout=120000)
    # The base map is drawn under the answer: NIL outlines, metro lines and stations.
    layers = set((page.locator("body").get_attribute("data-basemap-layers") or "").split())
    assert {"zones_minor", "metro_lines", "metro_stations"} <= layers
    # Transit areas: one band per time (10/20/30 minutes), as SVG paths.
    page.wait_for_selector("path.isochrone", state="attached", timeout=120000)
    assert page.locator("path.isochrone").count() >= 3
    # More is reached by transit than on foot, and the answer says how the times were estimated (Italian page).
    results = int(page.locator("body").get_attribute("data-results"))
    assert results > 0
    ways = set(page.locator("#results li").evaluate_all("ls => ls.map(l => l.dataset.way)"))
    assert "transit" in ways
    text = page.locator("body").inner_text()
    assert "stima dai riepiloghi del servizio ATM, inverno 2021-22" in text
    assert re.search(r"partenze|partenza", page.locator("#status").inner_text(), re.IGNORECASE)
    assert page.errors == []
    shoot(page, artifacts_dir, f"family_milan_transit_{size}")
    page.context.close()
