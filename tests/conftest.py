"""Shared fixtures: the shared data folder, loaded cities, and a headless browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR", REPO.parent / "shared" / "data")).resolve()
ARTIFACTS = Path(os.environ.get("VICINO_TEST_ARTIFACTS", REPO / "test-artifacts"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; missing data is a failure, never a skip (CI must run these tests)."""
    assert DATA_DIR.is_dir(), f"shared data not found at {DATA_DIR}: set VICINO_DATA_DIR"
    return DATA_DIR


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def milan_loaded(db: None) -> object:
    """Milan's configured sources loaded into a release (inside the test's transaction)."""
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    return import_city(city_config_from_slug("milan"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
