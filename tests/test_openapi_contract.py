"""The OpenAPI document is true: required parameters are required, every answer's body and error codes are
declared, and schemathesis (every check) finds no difference between the document and the running app.

The schemathesis run drives the Django WSGI application in process (no server) on Porto Alegre's real data,
with a bounded number of examples per operation (about a minute in all on this machine).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from geo.models import City

pytestmark = pytest.mark.django_db

#: A schema-valid request the schema cannot fully judge may be refused with 400: a point outside the city, a
#: neighbourhood level or profile the city does not have, a category list with an unknown name. Every other
#: expectation of the checks is schemathesis' default.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
            }
        },
    }
)
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), config=CONFIG)
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def porto_alegre(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from tests.conftest import load_city_with_layers

    with django_db_blocker.unblock():
        load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
        yield
        City.objects.filter(slug="porto_alegre").delete()


@pytest.fixture
def in_process(porto_alegre: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No rate limit, and the test's own database connection kept across requests (as Django's test client does:
    the WSGI handler would otherwise close it after each request, which ends the test's transaction on PostGIS)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from web import api as api_module

    monkeypatch.setattr(api_module.point_query_throttle[0], "num_requests", 10**9)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_required_parameters_and_responses_are_declared(client: object) -> None:
    schema = client.get("/api/v1/schema/").json()  # type: ignore[attr-defined]
    paths = schema["paths"]
    for path, required in [
        ("/api/v1/cities/{city}/opportunities", {"city", "near"}),
        ("/api/v1/cities/{city}/isochrones", {"city", "near"}),
        ("/api/v1/cities/{city}/route", {"city", "near", "to"}),
        ("/api/v1/cities/{city}/search", {"city", "q"}),
    ]:
        parameters = paths[path]["get"]["parameters"]
        assert {p["name"] for p in parameters if p.get("required")} == required, path
    for path, item in paths.items():
        responses = item["get"]["responses"]
        assert 200 in responses or "200" in responses, path
        ok = responses.get("200") or responses.get(200)
        assert ok.get("content"), f"{path}: the 200 answer has no declared body"
        for status in ("400", "404", "500", "503"):
            error = responses.get(status) or responses.get(int(status))
            if path.endswith("/cities/") and status in {"400", "404"}:
                continue  # the list of cities takes no parameter
            assert error and "Error" in str(error["content"]["application/json"]["schema"]), (path, status)
    minutes = next(
        p for p in paths["/api/v1/cities/{city}/opportunities"]["get"]["parameters"] if p["name"] == "minutes"
    )
    number, empty = minutes["schema"]["anyOf"]  # a whole number, or empty for the default
    assert number == {"type": "integer", "minimum": 1, "maximum": 60} and empty == {"type": "string", "maxLength": 0}
    assert minutes["schema"]["default"] == 15


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_app_matches_its_openapi_document(case: schemathesis.Case, in_process: None) -> None:
    if case.path_parameters and "city" in case.path_parameters:
        case.path_parameters["city"] = "porto_alegre"  # a loaded city, so that the cases reach the real work
    case.call_and_validate()
