"""Helpers of the page tests (issue #13): viewports, screenshots, waits, axe-core."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: The screenshots a person looked at are also copied here (the lead's review folder), when it exists.
REVIEW = Path("/work/wt/shots/pages")


def new_page(browser: Any, size: str) -> Any:
    """A fresh page at one of :data:`SIZES`, collecting script errors in ``page.errors``.

    The page's Content-Security-Policy is bypassed so that the test's own waits (``wait_for_function``) may run
    their predicates; the pages themselves run no inline script (tests/test_browser_hostile_names.py keeps the
    policy on).
    """
    context = browser.new_context(viewport=SIZES[size], accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def shoot(page: Any, artifacts_dir: Path, name: str, *, full_page: bool = False) -> Path:
    """A screenshot into the artifacts folder (and the review folder when it exists)."""
    path = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if REVIEW.is_dir() and REVIEW.resolve() != artifacts_dir.resolve():
        shutil.copy(path, REVIEW / path.name)
    return path


def answer_settled(page: Any, timeout: float = 90000) -> None:
    """Wait until the newest search has drawn (results shown, nothing in flight)."""
    page.wait_for_function(
        "document.body.dataset.results !== undefined && document.body.dataset.busy === undefined", timeout=timeout
    )


def click_map_at(page: Any, lat: float, lon: float) -> None:
    """A click on the map at a place (as Leaflet would fire it), wherever the view is."""
    page.evaluate(
        "([lat, lon]) => { const map = document.getElementById('map').leafletMap;"
        " map.fire('click', { latlng: L.latLng(lat, lon) }); }",
        [lat, lon],
    )


def axe_source() -> str:
    """axe-core's script: ``VICINO_AXE_JS``, else ``node_modules/axe-core/axe.min.js`` (bin/setup installs it)."""
    path = Path(os.environ.get("VICINO_AXE_JS") or REPO / "node_modules" / "axe-core" / "axe.min.js")
    assert path.is_file(), f"axe-core not found at {path}: run bin/setup (npm install axe-core) or set VICINO_AXE_JS"
    return path.read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (rule, impact, first targets)."""
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
