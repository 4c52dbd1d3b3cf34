"""Shared fixtures: the shared data folder, cities loaded once per session, and a headless browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
PLANNER_PASSWORD = "planner-test-password-2026"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; missing data is a failure, never a skip (CI must run these tests)."""
    assert DATA_DIR.is_dir(), f"shared data not found at {DATA_DIR}: set VICINO_DATA_DIR"
    return DATA_DIR


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def milan(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Milan loaded once per test module (an ImportResult; tests run in transactions rolled back to this state).

    A module that needs more (layers, pillars) defines its own ``milan`` fixture, which takes precedence.
    """
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city
    from geo.models import City

    with django_db_blocker.unblock():
        result = import_city(city_config_from_slug("milan"))
        yield result
        City.objects.filter(slug="milan").delete()


@pytest.fixture(scope="module")
def porto_alegre(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Porto Alegre loaded once per test module (its City); a module that needs layers defines its own."""
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city
    from geo.models import City

    with django_db_blocker.unblock():
        import_city(city_config_from_slug("porto_alegre"))
        yield City.objects.get(slug="porto_alegre")
        City.objects.filter(slug="porto_alegre").delete()


@pytest.fixture
def api(porto_alegre: object) -> object:
    """A test client on Porto Alegre, with no rate limit carried over from other tests."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    return Client()


@pytest.fixture
def milan_loaded(db: None) -> object:
    """Milan's configured sources loaded into a release (inside the test's transaction)."""
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    return import_city(city_config_from_slug("milan"))


def log_in(page: Any, base_url: str, next_path: str, username: str = "planner") -> None:
    """Create the user ``username`` (once, with :data:`PLANNER_PASSWORD`) and log in through the login page, which
    then goes to ``next_path``."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if not users.filter(username=username).exists():
        users.create_user(username, password=PLANNER_PASSWORD)
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PLANNER_PASSWORD)
    page.click("#login-button")


def city_with_layers_fixture(
    slug: str, profiles: tuple[str, ...], origin_kinds: set[str], then: Callable[[Any], object] | None = None
) -> Callable[..., Iterator[object]]:
    """A module-scoped fixture: the city loaded with a few layers (:func:`load_city_with_layers`), ``then(city)``
    run on it when given (more layers, pillars), yielded, and deleted after the module."""

    @pytest.fixture(scope="module")
    def city_fixture(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            city = load_city_with_layers(slug, profiles, origin_kinds)
            if then is not None:
                then(city)
            yield city
            city.delete()  # type: ignore[attr-defined]

    return city_fixture


def load_city_with_layers(slug: str, profiles: tuple[str, ...], origin_kinds: set[str]) -> object:
    """Load a city and compute a few of its layers (for API and browser tests)."""
    from data_sources.cities import city_config_from_slug
    from geo.access import compute_access
    from geo.importing import import_city
    from geo.models import City
    from routing.profiles import profile_by_name

    import_city(city_config_from_slug(slug))
    city = City.objects.get(slug=slug)
    compute_access(city, profiles=tuple(profile_by_name(p) for p in profiles), origin_kinds=origin_kinds)
    return city


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
    context = browser.new_context(viewport={"width": 1280, "height": 820}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()
