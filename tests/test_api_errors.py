"""Every API error reaches the client as JSON: 4xx for bad values (the two 500s of issue #14 among them), a logged
500 with an id for anything unexpected (whatever DEBUG says), one mapping of Vicino's error family to HTTP."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from data_sources.errors import (
    InvalidRequestError,
    NotFoundError,
    NoTimetablesError,
    SourceFormatError,
    VicinoError,
)
from geo import transit
from geo.point_query import QueryError
from web.api_params import ApiError
from web.errors import status_for

pytestmark = pytest.mark.django_db

HOME_POA = "-51.2177,-30.0346"  # Centro Histórico, Porto Alegre


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("isochrones?near={home}&minutes=,", "minutes=',' is not a list of whole numbers"),
        ("isochrones?near={home}&minutes=5,,10", "is not a list of whole numbers"),
        ("isochrones?near={home}&minutes=1,2,3,4,5,6,7", "at most 6"),
        ("opportunities?near={home}&mode=transit&open_at=9999-12-31T23:59", "is out of range (years 1900..2100)"),
        ("opportunities?near={home}&open_at=0001-01-01T00:00", "is out of range"),
        ("isochrones?near={home}&mode=transit&open_at=9999-12-31T23:59", "is out of range"),
        ("opportunities?near={home}&limit=0", "limit=0 is out of range (1..1000)"),
        ("opportunities?near={home}&limit=5000", "limit=5000 is out of range (1..1000)"),
        ("opportunities?near={home}&offset=-1", "offset=-1 is out of range"),
        ("opportunities?near=", "near is required"),
        ("route?near={home}&to=", "to is required"),
        ("search", "q is required: at least 2 characters"),
        ("schools/1/reachable?format=xls", "format='xls': use geojson or csv"),
    ],
)
def test_bad_values_are_json_400(api: Client, query: str, message: str) -> None:
    response = api.get("/api/v1/cities/porto_alegre/" + query.format(home=HOME_POA))
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert message in error and "Value error" not in error and "None" not in error


@pytest.mark.parametrize("debug", [True, False])
def test_an_unexpected_error_is_a_logged_json_500_without_traceback(
    api: Client, settings: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    settings.DEBUG = debug  # type: ignore[attr-defined]

    def broken(city: object) -> dict:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("geo.catalog.city_summary", broken)
    with caplog.at_level(logging.ERROR, logger="vicino.errors"):
        response = api.get("/api/v1/cities/")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal error" and len(body["id"]) == 12
    assert "secret" not in response.content.decode() and "Traceback" not in response.content.decode()
    logged = [r for r in caplog.records if body["id"] in r.getMessage()]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])


def test_an_unknown_api_address_is_json_404(api: Client) -> None:
    response = api.get("/api/v1/no/such/thing")
    assert response.status_code == 404 and "no such API address" in response.json()["error"]
    from django.contrib.auth.models import User

    api.force_login(User.objects.get_or_create(username="tile-analyst")[0])  # tiles are the "layers" group
    response = api.get("/api/v1/tiles/porto_alegre/x/-1/0/0.mvt")
    assert response.status_code == 400 and "tile -1/0/0 does not exist" in response.json()["error"]


def test_rate_limited_answers_are_json_with_retry_after(api: Client) -> None:
    from web import api as api_module

    throttle = api_module.point_query_throttle[0]
    original = throttle.num_requests
    throttle.num_requests = 1
    try:
        responses = [api.get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}") for _ in range(3)]
    finally:
        throttle.num_requests = original
    limited = [r for r in responses if r.status_code == 429]
    assert limited and "too many requests" in limited[0].json()["error"].lower()
    assert int(limited[0]["Retry-After"]) > 0


def test_the_error_family_maps_to_http_in_one_place() -> None:
    assert status_for(ApiError("x")) == 400 and status_for(QueryError("x")) == 400
    assert status_for(InvalidRequestError("x")) == 400
    assert status_for(NoTimetablesError("x")) == 400
    assert status_for(NotFoundError("x")) == 404
    # A broken input file on the server is not the client's fault.
    assert status_for(SourceFormatError("x")) == 500
    assert issubclass(transit.NoTimetablesError, VicinoError) and issubclass(transit.NoTimetablesError, ValueError)
