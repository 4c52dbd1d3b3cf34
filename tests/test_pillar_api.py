"""The pillar index endpoint, ``/api/v1/cities/{city}/pillars``: JSON and CSV with the same columns, and a JSON 4xx
for every bad parameter."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from data_sources.contracts import PILLARS
from geo.models import City
from tests.conftest import city_with_layers_fixture

pytestmark = pytest.mark.django_db
URL = "/api/v1/cities/milan/pillars"


def _pillars(city: City) -> None:
    from geo.pillars import compute_pillars
    from routing.profiles import profile_by_name

    compute_pillars(city, profiles=(profile_by_name("age_11_13"),), draws=100, seed=3)


milan = city_with_layers_fixture("milan", ("age_11_13",), {"nil"}, then=_pillars)


def test_json_rows_worst_first_with_rank_intervals(milan) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["origins"] == "nil" and body["profile"] == "age_11_13" and body["mode"] == "walk"
    assert body["pillars"] == list(PILLARS) and body["method"] == "straight_line"
    rows = body["rows"]
    assert len(rows) == 88
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert {"origin_id", "name", "youth_0_17", "composite", "rank", "rank_p5", "rank_p95"} <= set(body["columns"])
    assert all(f"{p}_score" in body["columns"] for p in PILLARS)
    assert body["parameters"]["draws"] == 100 and body["parameters"]["seed"] == 3


def test_csv_has_the_same_columns_and_rows(milan) -> None:  # type: ignore[no-untyped-def]
    body = Client().get(URL).json()
    response = Client().get(URL + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "milan-pillars-nil-walk-age_11_13.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert list(rows[0].keys()) == body["columns"]
    assert [r["origin_id"] for r in rows] == [r["origin_id"] for r in body["rows"]]
    assert float(rows[0]["composite"]) == pytest.approx(body["rows"][0]["composite"])


def test_formula_like_text_is_neutralised_in_csv() -> None:
    from geo.pillars import pillar_index_csv

    text = pillar_index_csv({"columns": ["name", "rank"], "rows": [{"name": "=HYPERLINK(1)", "rank": 1}]})
    assert text.splitlines()[1] == "'=HYPERLINK(1),1"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?origins=parish", 400, "origins='parish': use one of nil, municipio, school, census_section, h3"),
        ("?profile=age_99", 400, "profile='age_99'"),
        ("?mode=bus", 400, "mode='bus'"),
        ("?format=xlsx", 400, "format='xlsx'"),
        ("?origins=h3", 404, "computed: nil/walk/age_11_13"),
        ("?profile=age_0_5", 404, "no pillar index for origins=nil, mode=walk, profile=age_0_5"),
    ],
)
def test_bad_parameters_get_json_errors(milan, query: str, status: int, message: str) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    if "origins=h3" in query:  # H3 cells are fine areas (the "grid" group): closed to anonymous calls by default
        assert client.get(URL + query).status_code == 401
        from django.contrib.auth.models import User

        client.force_login(User.objects.get_or_create(username="pillar-analyst")[0])
    response = client.get(URL + query)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_unknown_city_is_a_404(milan) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/cities/atlantis/pillars")
    assert response.status_code == 404 and "atlantis" in response.json()["error"]
