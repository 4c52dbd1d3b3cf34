"""The open catalogue (issue #18): the approved offerings as CSV and GeoJSON, with licence and attribution; text
a spreadsheet would run is written as text; what is not approved is never exported."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from tests.catalogue_helpers import make_people

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def people(db: None) -> dict[str, object]:
    from geo.models import City, DataRelease

    city = City.objects.create(slug="milan", name="Milano", country="IT", metric_epsg=32632, language="it")
    DataRelease.objects.create(city=city, input_hash="e" * 64, status=DataRelease.Status.READY)
    return make_people(city)


def _offering(people: dict[str, object], name: str, *, decision: str | None, provider: str = "teatro") -> object:
    from geo.models import Offering
    from geo.offerings import decide_offering

    offering = Offering.objects.create(
        provider=people[provider], name=name, category="sport", pillars="physical_activity;social_relations",
        age_min=6, age_max=11, price=12.5, capacity=15, opening_hours="Sa 10:00-12:00", longitude=9.2,
        latitude=45.47, status="submitted", address="-Via Padova 1",
    )  # fmt: skip
    if decision:
        decide_offering(offering, people["mod"], decision, reason="no", voucher=True)
    return offering


def test_the_csv_holds_the_approved_offerings_formula_safe_with_attribution(people: dict[str, object]) -> None:
    approved = _offering(people, HOSTILE, decision="approve")
    _offering(people, "Rejected one", decision="reject")
    _offering(people, "Still waiting", decision=None)
    _offering(people, "Changes asked", decision="changes")
    response = Client().get("/cities/milan/catalogue/open.csv")  # open data: no login
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="milan_open_catalogue.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "'" + HOSTILE  # a spreadsheet shows it as text, never runs it
    assert row["address"] == "'-Via Padova 1"
    assert row["id"] == f"teatro-ragazzi-{approved.pk}" and row["provider"] == "Teatro Ragazzi"
    assert (row["age_min"], row["age_max"], row["capacity"], row["price"], row["voucher"]) == ("6", "11", "15", "12.5",
                                                                                               "yes")  # fmt: skip
    assert (float(row["longitude"]), float(row["latitude"])) == (9.2, 45.47)
    assert row["pillars"] == "physical_activity;social_relations"
    assert row["licence"] == "CC-BY 4.0"  # milan.toml [open_catalogue]
    assert row["attribution"].startswith("Comune di Milano, catalogo Milano 0-18") and row["attribution"].endswith(
        "; Vicino"
    )


def test_the_geojson_holds_the_same_offerings_with_licence_and_attribution(people: dict[str, object]) -> None:
    approved = _offering(people, HOSTILE, decision="approve")
    _offering(people, "Rejected one", decision="reject")
    response = Client().get("/cities/milan/catalogue/open.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection" and body["licence"] == "CC-BY 4.0"
    assert "Comune di Milano" in body["attribution"]
    [feature] = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [9.2, 45.47]}
    assert feature["properties"]["name"] == HOSTILE  # JSON is data: the text as the provider typed it
    assert feature["properties"]["id"] == f"teatro-ragazzi-{approved.pk}" and feature["properties"]["voucher"] is True
    assert Client().get("/cities/milan/catalogue/open.xlsx").status_code == 404


def test_an_approved_version_stays_published_while_its_edit_waits(people: dict[str, object]) -> None:
    from geo.offerings import check_values, save_offering

    offering = _offering(people, "Calcio al parco", decision="approve")
    raw = {"name": "Calcio al parco (nuovo orario)", "category": "sport", "pillars": "physical_activity",
           "longitude": "9.2", "latitude": "45.47"}  # fmt: skip
    checked = check_values(offering.provider.city, raw, catalogue_id=offering.catalogue_id, provider="Teatro Ragazzi",
                           voucher=offering.voucher)  # fmt: skip
    assert checked.ok
    save_offering(offering.provider, offering, checked.values or {}, people["anna"])
    offering.refresh_from_db()
    assert offering.status == "draft"
    rows = list(csv.DictReader(io.StringIO(Client().get("/cities/milan/catalogue/open.csv").content.decode())))
    assert [r["name"] for r in rows] == ["Calcio al parco"]
