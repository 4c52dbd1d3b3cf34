"""The public API on real data: every endpoint, and a JSON 4xx for every bad parameter."""

from __future__ import annotations

import csv
import io
import json

import mapbox_vector_tile
import pytest
from django.test import Client

from geo.models import City, School
from tests.conftest import load_city_with_layers

pytestmark = pytest.mark.django_db

HOME_POA = "-51.2177,-30.0346"  # Centro Histórico, Porto Alegre
HOME_MILAN = "9.19,45.464"  # Duomo


@pytest.fixture(scope="module")
def cities(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        poa = load_city_with_layers("porto_alegre", ("age_11_13",), {"h3", "school"})
        milan = load_city_with_layers("milan", ("age_11_13",), {"nil", "census_section"})
        yield poa, milan
        City.objects.filter(slug__in=["porto_alegre", "milan"]).delete()


@pytest.fixture
def api(cities: object, django_user_model: object) -> Client:
    """A logged-in analyst (layers, tiles and H3 cells need a login: tests/test_access_rules.py)."""
    client = Client()
    client.force_login(django_user_model.objects.create_user("analyst"))  # type: ignore[attr-defined]
    return client


def get(client: Client, url: str, language: str = "en") -> tuple[int, dict]:
    """A GET in one language (answers' explanations are translated; without a header Django's default, Italian)."""
    response = client.get(url, headers={"Accept-Language": language})
    return response.status_code, response.json()


def test_cities(api: Client) -> None:
    status, body = get(api, "/api/v1/cities/")
    assert status == 200
    assert {c["slug"] for c in body["cities"]} == {"porto_alegre", "milan"}
    status, detail = get(api, "/api/v1/cities/milan/")
    assert detail["street_network"] is False and detail["travel_times"].startswith("straight-line estimate")
    assert "Fonte: Comune di Milano" in detail["attribution"]
    status, detail = get(api, "/api/v1/cities/porto_alegre/")
    assert detail["street_network"] is True and detail["transit_timetables"] is True


def test_opportunities_are_sorted_and_explained(api: Client) -> None:
    status, body = get(api, f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=20&age=12")
    assert status == 200
    minutes = [f["properties"]["minutes"] for f in body["features"]]
    assert minutes and minutes == sorted(minutes) and max(minutes) <= 20
    first = body["features"][0]["properties"]
    assert first["explanation"].startswith(f"{max(1, round(first['minutes']))} min walk")
    assert body["properties"]["profile"] == "age_11_13" and body["properties"]["method"] == "network"


def test_category_and_time_filters(api: Client) -> None:
    _, everything = get(api, f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30")
    _, health = get(api, f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30&category=health")
    _, short = get(api, f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=10")
    assert {f["properties"]["category"] for f in health["features"]} == {"health"}
    assert len(health["features"]) < len(everything["features"])
    assert {f["id"] for f in short["features"]} < {f["id"] for f in everything["features"]}


def test_milan_straight_line_with_free_voucher_and_opening_filters(api: Client) -> None:
    status, body = get(api, f"/api/v1/cities/milan/opportunities?near={HOME_MILAN}&minutes=15&category=sport")
    assert status == 200 and body["properties"]["method"] == "straight_line"
    assert all("estimated from distance" in f["properties"]["explanation"] for f in body["features"])
    _, free = get(api, f"/api/v1/cities/milan/opportunities?near={HOME_MILAN}&minutes=30&free=true")
    assert all(f["properties"]["price"] == 0 for f in free["features"])
    _, voucher = get(api, f"/api/v1/cities/milan/opportunities?near={HOME_MILAN}&minutes=30&voucher=true")
    assert all(f["properties"]["voucher"] is True for f in voucher["features"])
    _, saturday = get(api, f"/api/v1/cities/milan/opportunities?near={HOME_MILAN}&minutes=30&open_at=sa%2010:00")
    assert all(f["properties"]["open_at_time"] is not False for f in saturday["features"])


def test_isochrones_are_nested(api: Client) -> None:
    status, body = get(api, f"/api/v1/cities/porto_alegre/isochrones?near={HOME_POA}&minutes=5,10,15&age=14")
    assert status == 200
    from shapely.geometry import Point, shape

    areas = [shape(f["geometry"]) for f in body["features"]]
    assert [f["properties"]["minutes"] for f in body["features"]] == [15, 10, 5]
    assert areas[0].area > areas[1].area > areas[2].area > 0
    assert areas[0].buffer(1e-9).contains(areas[2])
    home = Point(*map(float, HOME_POA.split(",")))
    assert all(area.contains(home) for area in areas)
    assert all(area.geom_type == "Polygon" for area in areas)  # one connected area around home, no islands


def test_route_to_an_opportunity(api: Client) -> None:
    _, body = get(api, f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=15")
    target = body["features"][0]["id"]
    status, route = get(api, f"/api/v1/cities/porto_alegre/route?near={HOME_POA}&to={target}")
    assert status == 200 and route["geometry"]["type"] == "LineString"
    assert route["geometry"]["coordinates"][-1] == pytest.approx(
        body["features"][0]["geometry"]["coordinates"], abs=1e-5
    )


def test_neighbourhoods_with_indicators(api: Client) -> None:
    status, body = get(api, "/api/v1/cities/milan/neighbourhoods?level=nil&profile=age_11_13")
    assert status == 200 and len(body["features"]) == 88
    duomo = next(f for f in body["features"] if f["properties"]["code"] == "1")["properties"]
    assert duomo["name"] == "DUOMO" and duomo["youth_0_17"] > 0 and "sport_within_15" in duomo
    assert body["properties"]["method"] == "straight_line"
    assert 0 <= body["properties"]["summary"]["equity"]["sport_within_15"]["gini"] <= 1
    status, cells = get(api, "/api/v1/cities/porto_alegre/neighbourhoods?level=h3&profile=age_11_13")
    assert status == 200 and len(cells["features"]) == 1227


def test_schools_and_reachable_csv(api: Client) -> None:
    status, schools = get(api, "/api/v1/cities/porto_alegre/schools/")
    assert (
        status == 200
        and schools["properties"]["count"] == School.objects.filter(release__city__slug="porto_alegre").count()
    )
    school_id = schools["features"][0]["id"]
    status, reach = get(api, f"/api/v1/cities/porto_alegre/schools/{school_id}/reachable?minutes=20&day=we&after=16:30")
    assert status == 200 and reach["properties"]["school"]["id"] == school_id
    response = api.get(f"/api/v1/cities/porto_alegre/schools/{school_id}/reachable?minutes=20&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [r["id"] for r in rows] == [f["id"] for f in reach["features"]]


def test_layers_list_download_and_tiles(api: Client) -> None:
    status, body = get(api, "/api/v1/cities/porto_alegre/layers/")
    names = {layer["name"] for layer in body["layers"]}
    assert {"walk_age_11_13_h3", "walk_age_11_13_school"} <= names
    response = api.get("/api/v1/cities/porto_alegre/layers/walk_age_11_13_h3.geojson")
    document = json.loads(b"".join(response.streaming_content))
    assert len(document["features"]) == 1227 and "OpenStreetMap" in document["attribution"]
    # Zoom 14 tile over central Porto Alegre.
    tile = api.get("/api/v1/tiles/porto_alegre/walk_age_11_13_h3/14/5861/9626.mvt")
    assert tile.status_code == 200 and tile["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(tile.content)
    assert len(decoded["walk_age_11_13_h3"]["features"]) > 0


def test_search_in_the_city_data(api: Client) -> None:
    status, body = get(api, "/api/v1/cities/milan/search?q=duomo")
    assert status == 200 and any(r["name"] == "DUOMO" for r in body["results"])


def test_schema_and_docs_are_local(api: Client) -> None:
    schema = api.get("/api/v1/schema/").json()
    assert "/api/v1/cities/{city}/opportunities" in schema["paths"]
    docs = api.get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


BAD_REQUESTS = [
    ("/api/v1/cities/porto_alegre/opportunities?minutes=15", 400, "near is required"),
    ("/api/v1/cities/porto_alegre/opportunities?near=abc", 400, "is not LON,LAT"),
    ("/api/v1/cities/porto_alegre/opportunities?near=-51.2,-30.0,1", 400, "is not LON,LAT"),
    ("/api/v1/cities/porto_alegre/opportunities?near=200,10", 400, "out of range"),
    ("/api/v1/cities/porto_alegre/opportunities?near=9.19,45.46", 400, "outside Porto Alegre"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=0", 400, "minutes=0 is out of range"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=999", 400, "out of range"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=ten", 400, "not a whole number"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&category=music", 400, "unknown category music"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&age=-3", 400, "age=-3 is out of range"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&free=maybe", 400, "is not true or false"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&mode=car", 400, "mode='car' is not supported"),
    (f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&open_at=someday", 400, "is not a date-time"),
    (f"/api/v1/cities/porto_alegre/isochrones?near={HOME_POA}&minutes=5,x", 400, "not a whole number"),
    (f"/api/v1/cities/porto_alegre/route?near={HOME_POA}", 400, "to is required"),
    (f"/api/v1/cities/porto_alegre/route?near={HOME_POA}&to=nope", 400, "no opportunity 'nope'"),
    ("/api/v1/cities/porto_alegre/search?q=a", 400, "at least 2 characters"),
    ("/api/v1/cities/milan/neighbourhoods?level=quartiere", 400, "no neighbourhoods at level 'quartiere'"),
    ("/api/v1/cities/porto_alegre/schools/999999/reachable", 404, "no school '999999'"),
    ("/api/v1/cities/porto_alegre/layers/nope.csv", 404, "no layer 'nope'"),
    ("/api/v1/cities/porto_alegre/layers/walk_age_11_13_h3.xls", 400, "format 'xls' is not supported"),
    ("/api/v1/tiles/porto_alegre/walk_age_11_13_h3/3/99/99.mvt", 400, "does not exist"),
    ("/api/v1/cities/atlantis/opportunities?near=0,0", 404, "unknown city 'atlantis'"),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD_REQUESTS)
def test_bad_parameters_get_json_errors(api: Client, url: str, status: int, message: str) -> None:
    response = api.get(url)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_point_queries_are_rate_limited(api: Client, settings: object) -> None:
    from django.core.cache import cache

    from web import api as api_module

    cache.clear()  # forget the requests of the tests before
    throttle = api_module.point_query_throttle[0]
    original = throttle.num_requests
    throttle.num_requests = 2
    try:
        anonymous = Client()  # logged-in users and API tokens are not rate-limited
        codes = [
            anonymous.get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}").status_code for _ in range(4)
        ]
    finally:
        throttle.num_requests = original
    assert codes[:2] == [200, 200] and 429 in codes[2:]
