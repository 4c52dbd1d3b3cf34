"""Logging in: a lockout after repeated wrong passwords (django-axes), and a sensible page after logging in."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a-correct-horse-2026"


@pytest.fixture
def planner(django_user_model: object) -> object:
    return django_user_model.objects.create_user("planner", password=PASSWORD, is_staff=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_ten_wrong_passwords_lock_the_username_from_that_address(url: str, planner: object, settings: object) -> None:
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    assert limit == 10
    client = Client(REMOTE_ADDR="203.0.113.20")
    codes = [client.post(url, {"username": "planner", "password": f"wrong-{i}"}).status_code for i in range(limit)]
    assert codes[: limit - 1] == [200] * (limit - 1)  # the form again, with an error
    assert codes[-1] == 429
    # Locked: even the right password is refused now, with the lockout page.
    locked = client.post(url, {"username": "planner", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out (the lock is per username and address).
    other = Client(REMOTE_ADDR="198.51.100.3")
    assert other.post(url, {"username": "planner", "password": PASSWORD}).status_code == 302


def test_the_lockout_page_explains_itself(planner: object) -> None:
    client = Client(REMOTE_ADDR="203.0.113.21", HTTP_ACCEPT_LANGUAGE="en")
    for i in range(10):
        response = client.post("/accounts/login/", {"username": "planner", "password": f"wrong-{i}"})
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()


def test_a_success_clears_the_count(planner: object) -> None:
    client = Client(REMOTE_ADDR="203.0.113.22")
    for i in range(9):
        client.post("/accounts/login/", {"username": "planner", "password": f"wrong-{i}"})
    assert client.post("/accounts/login/", {"username": "planner", "password": PASSWORD}).status_code == 302
    client.logout()
    for i in range(9):
        assert client.post("/accounts/login/", {"username": "planner", "password": f"again-{i}"}).status_code == 200


def test_without_next_a_login_goes_home_when_no_city_is_loaded(planner: object, settings: object) -> None:
    from geo.models import City, DataRelease

    # Two other cities with published data (the home page opens a lone city's family page directly).
    for slug, name, epsg in (("porto_alegre", "Porto Alegre", 31982), ("sao_paulo", "São Paulo", 31983)):
        city = City.objects.create(slug=slug, name=name, metric_epsg=epsg)
        DataRelease.objects.create(city=city, input_hash=slug * 4, status=DataRelease.Status.READY)
    settings.VICINO_DEFAULT_CITY = "milan"  # type: ignore[attr-defined]
    client = Client()
    response = client.post("/accounts/login/", {"username": "planner", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")  # the list of cities, linking to their family pages
    assert home.status_code == 200 and 'href="/cities/porto_alegre/"' in home.content.decode()


def test_without_next_a_login_goes_to_the_default_citys_planner(planner: object, settings: object) -> None:
    from geo.models import City

    City.objects.create(slug="milan", name="Milano", metric_epsg=32632)
    settings.VICINO_DEFAULT_CITY = "milan"  # type: ignore[attr-defined]
    response = Client().post("/accounts/login/", {"username": "planner", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/cities/milan/planner/"


@pytest.mark.parametrize("next_url", ["https://evil.example/phish", "//evil.example/x", "http:///evil.example"])
def test_an_off_site_next_is_ignored(planner: object, next_url: str) -> None:
    response = Client().post("/accounts/login/", {"username": "planner", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_on_site_next_is_followed(planner: object) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "planner", "password": PASSWORD, "next": "/cities/x/data/"}
    )
    assert response.status_code == 302 and response["Location"] == "/cities/x/data/"
