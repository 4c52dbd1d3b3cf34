"""axe-core (npm ``axe-core``, from node_modules or ``VICINO_AXE_JS``) finds no serious or critical violation on
the pages (the family, schools and planner page tests run it too), and it does find them where they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_helpers import new_page, serious_violations, shoot

pytestmark = [pytest.mark.browser]


def test_axe_sees_a_violation(browser) -> None:  # type: ignore[no-untyped-def]
    """The check can fail: an image without a text alternative and an unlabelled field are reported."""
    page = new_page(browser, "desktop")
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="data:,">'
                     '<input type="text"></main></body></html>')  # fmt: skip
    rules = {v["rule"] for v in serious_violations(page)}
    assert {"image-alt", "label"} <= rules
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_home_and_analysts_pages_pass_axe(live_server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]

    from tests.conftest import load_city_with_layers, log_in

    # No city loaded: the home page lists none and says how to load one (a 200, not an error).
    page = new_page(browser, "desktop")
    response = page.goto(f"{live_server.url}/")
    assert response.status == 200 and "load_city" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
    # The city switcher (on every page) keeps the page: from a schools page to the same city's schools page.
    page.goto(f"{live_server.url}/cities/porto_alegre/schools/")
    assert page.locator("#city-select").input_value() == "porto_alegre"
    page.click("#city-submit")
    page.wait_for_url(f"{live_server.url}/cities/porto_alegre/schools/")
    page.goto(f"{live_server.url}/?city=porto_alegre&page=nonsense")
    page.wait_for_url(f"{live_server.url}/cities/porto_alegre/")
    log_in(page, live_server.url, "/cities/porto_alegre/data/", username="analyst")
    page.wait_for_selector("a.download")
    assert serious_violations(page) == []
    shoot(page, artifacts_dir, "analysts_porto_alegre_desktop")
    page.context.close()
