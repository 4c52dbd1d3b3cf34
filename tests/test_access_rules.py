"""Who can see what (README): every API endpoint and page, anonymous, logged in, and with an API token.

Public by default: cities, families' point queries, schools, official neighbourhoods. A login or a token:
H3 cells and census sections, layers, downloads, tiles, the planner and the analysts' page. ``VICINO_PUBLIC_DATA``
moves a group either way, for pages and API alike.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from geo.models import City
from tests.conftest import load_city_with_layers

pytestmark = pytest.mark.django_db

HOME_POA = "-51.2177,-30.0346"
POA = "/api/v1/cities/porto_alegre"
PUBLIC_API = [
    "/api/v1/cities/",
    f"{POA}/",
    f"{POA}/opportunities?near={HOME_POA}&minutes=10",
    f"{POA}/isochrones?near={HOME_POA}&minutes=5",
    f"{POA}/route?near={HOME_POA}&to={{opportunity}}",
    f"{POA}/search?q=centro",
    f"{POA}/schools/",
    f"{POA}/schools/{{school}}/reachable?minutes=10",
    f"{POA}/schools/{{school}}/reachable?minutes=10&format=csv",
    "/api/v1/cities/milan_boundaries/neighbourhoods?level=nil",
]
PROTECTED_API = [
    f"{POA}/neighbourhoods?level=h3&profile=age_11_13",
    f"{POA}/neighbourhoods",  # no level: Porto Alegre answers with its H3 cells
    f"{POA}/layers/",
    f"{POA}/layers/walk_age_11_13_h3.csv",
    f"{POA}/layers/walk_age_11_13_h3.geojson",
    "/api/v1/tiles/porto_alegre/walk_age_11_13_h3/14/5861/9626.mvt",
]
PUBLIC_PAGES = ["/cities/porto_alegre/", "/cities/porto_alegre/schools/", "/cities/porto_alegre/basemap.geojson"]
PROTECTED_PAGES = ["/cities/porto_alegre/planner/", "/cities/porto_alegre/data/"]


@pytest.fixture(scope="module")
def cities(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from data_sources.cities import city_config_from_file
    from geo.importing import import_city

    with django_db_blocker.unblock():
        poa = load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
        import_city(city_config_from_file(Path(__file__).parent / "data" / "milan_boundaries_only.toml"))
        yield poa
        City.objects.filter(slug__in=["porto_alegre", "milan_boundaries"]).delete()


@pytest.fixture
def urls(cities: City) -> dict[str, str]:
    release = cities.current_release()
    return {
        "school": str(release.schools.order_by("pk").first().pk),
        # The nearest opportunity to the test home, so that a route exists.
        "opportunity": str(Client().get(f"{POA}/opportunities?near={HOME_POA}&minutes=10").json()["features"][0]["id"]),
    }


def _fill(url: str, ids: dict[str, str]) -> str:
    return url.replace("{opportunity}", ids["opportunity"]).replace("{school}", ids["school"])


def _token(user: object) -> str:
    from web.models import ApiToken

    return ApiToken.issue(user, "test")[1]


@pytest.mark.parametrize("url", PUBLIC_API)
def test_public_api_answers_anyone(url: str, urls: dict[str, str]) -> None:
    response = Client().get(_fill(url, urls))
    assert response.status_code == 200, response.content[:300]
    # A proxy's Basic auth header does not get in the way; a wrong token is refused even here.
    assert Client().get(_fill(url, urls), headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 200
    assert Client().get(_fill(url, urls), headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.parametrize("url", PROTECTED_API)
def test_protected_api_refuses_anonymous_and_answers_session_and_token(
    url: str, urls: dict[str, str], django_user_model: object
) -> None:
    anonymous = Client().get(url)
    assert anonymous.status_code == 401
    assert "login or an API token" in anonymous.json()["error"] and anonymous["WWW-Authenticate"] == "Bearer"
    user = django_user_model.objects.create_user("analyst")  # type: ignore[attr-defined]
    session = Client()
    session.force_login(user)
    assert session.get(url).status_code == 200
    assert Client().get(url, headers={"Authorization": f"Bearer {_token(user)}"}).status_code == 200
    bad = Client().get(url, headers={"Authorization": "Bearer vicino_not-a-token"})
    assert bad.status_code == 401
    # Another scheme (a proxy's Basic auth) is neither a token nor a login.
    assert Client().get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


def test_a_token_is_stored_hashed_records_its_use_and_can_be_revoked(django_user_model: object, cities: City) -> None:
    from web.models import ApiToken

    user = django_user_model.objects.create_user("qgis")  # type: ignore[attr-defined]
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "qgis", "--name", "QGIS", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert secret.startswith("vicino_") and secret not in {token.digest, token.prefix} and token.last_used is None
    url = f"{POA}/layers/"
    assert Client().get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    token.revoked = True
    token.save()
    assert Client().get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    user.is_active = False
    user.save()
    assert ApiToken.authenticate(_token(user)) is None


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_open_to_anyone(url: str, cities: City) -> None:
    assert Client().get(url).status_code == 200


@pytest.mark.parametrize("url", PROTECTED_PAGES)
def test_protected_pages_ask_for_a_login(url: str, cities: City, django_user_model: object) -> None:
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    session = Client()
    session.force_login(django_user_model.objects.create_user("planner"))  # type: ignore[attr-defined]
    assert session.get(url).status_code == 200
    # A token opens the API, not the pages (they are for people, with a session).
    token = _token(django_user_model.objects.get(username="planner"))  # type: ignore[attr-defined]
    assert Client().get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 302


def test_scenarios_need_a_login(cities: City) -> None:
    response = Client().post("/cities/porto_alegre/planner/scenarios/", {"new": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = Client().get("/cities/porto_alegre/planner/scenarios/1.csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_one_setting_moves_a_group_for_pages_and_api(settings: object, urls: dict[str, str]) -> None:
    settings.VICINO_PUBLIC_DATA = ["cities", "layers", "grid"]  # type: ignore[attr-defined]
    assert Client().get(f"{POA}/layers/walk_age_11_13_h3.csv").status_code == 200
    assert Client().get(f"{POA}/neighbourhoods?level=h3").status_code == 200
    assert Client().get("/cities/porto_alegre/data/").status_code == 200
    # Families' data closed: the family page and its point queries need a login now.
    assert Client().get(f"{POA}/opportunities?near={HOME_POA}").status_code == 401
    assert Client().get("/cities/porto_alegre/").status_code == 302


def test_every_api_endpoint_has_an_access_group() -> None:
    from web.access import Access
    from web.api import api

    operations = [
        (path, operation)
        for _, router in api._routers  # django-ninja has no public list of operations
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
    ]
    assert len(operations) >= 12
    for path, operation in operations:
        assert any(isinstance(auth, Access) for auth in operation.auth_callbacks), f"{path} has no access group"
