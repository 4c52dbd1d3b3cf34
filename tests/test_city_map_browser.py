"""A person opens Milan's map: 88 NIL polygons are drawn with no tile server, attribution visible."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_milan_map_draws_88_nil_without_tiles(live_server, page, artifacts_dir: Path) -> None:
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    import_city(city_config_from_slug("milan"))
    external_requests: list[str] = []
    page.on(
        "request",
        lambda request: external_requests.append(request.url) if not request.url.startswith(live_server.url) else None,
    )

    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-neighbourhoods]", timeout=15000)
    page.wait_for_selector("path.neighbourhood", state="attached")

    assert page.locator("path.neighbourhood").count() == 88
    assert page.locator("#map-status").inner_text() == "88 neighbourhoods"
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Fonte: Comune di Milano (CC-BY 4.0)" in attribution
    assert external_requests == [], f"the page fetched from outside: {external_requests}"
    page.screenshot(path=str(artifacts_dir / "milan_nil_map.png"))
