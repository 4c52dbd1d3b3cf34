"""The public view of wishes is k-anonymous: an area and subject appear only once at least VICINO_WISH_THRESHOLD
approved wishes agree; pending and rejected wishes, and wishes on other subjects or areas, never make up the count."""

from __future__ import annotations

import h3
import pytest
from django.test import Client

from geo.models import City, Wish

pytestmark = pytest.mark.django_db

DUOMO_CELL = h3.latlng_to_cell(45.4642, 9.1900, 8)


def _wishes(n: int, **fields: object) -> None:
    values = {"zone": "1", "category": "sport", "age_band": "11-13", "who": "teenager", "created": "2026-11-30",
              "status": "approved"}  # fmt: skip
    city = City.objects.get(slug="milan")
    Wish.objects.bulk_create([Wish(city=city, **(values | fields)) for _ in range(n)])


def _areas(level: str = "zone") -> list[dict[str, object]]:
    response = Client().get(f"/api/v1/cities/milan/wishes?level={level}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return [f["properties"] for f in response.json()["features"]]


def test_four_agreeing_wishes_show_nothing_five_show(milan) -> None:  # type: ignore[no-untyped-def]
    _wishes(4)
    _wishes(3, status="pending")
    _wishes(3, status="rejected", reason="off topic")
    _wishes(4, category="", pillar="social_relations")  # another subject in the same NIL
    _wishes(4, zone="2")  # the same subject in another NIL
    assert _areas() == []
    _wishes(1)
    areas = _areas()
    sport = {"subject": "category:sport", "label": "Sport", "wishes": 5}
    assert areas == [{"area": "1", "name": "DUOMO", "subjects": [sport]}]


def test_cells_follow_the_same_rule(milan) -> None:  # type: ignore[no-untyped-def]
    _wishes(4, cell=DUOMO_CELL)
    _wishes(2)  # the same NIL, no cell: counts for the NIL only
    assert _areas("cell") == []
    assert [a["area"] for a in _areas("zone")] == ["1"]
    _wishes(1, cell=DUOMO_CELL)
    cells = _areas("cell")
    assert [(c["area"], c["subjects"][0]["wishes"]) for c in cells] == [(DUOMO_CELL, 5)]


def test_the_threshold_is_a_setting_and_the_answer_says_why(milan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_THRESHOLD = 3
    _wishes(3)
    body = Client().get("/api/v1/cities/milan/wishes", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["properties"]["threshold"] == 3 and body["properties"]["areas"] == 1
    assert "at least 3 approved wishes agree" in body["properties"]["note"]
    italian = Client().get("/api/v1/cities/milan/wishes", HTTP_ACCEPT_LANGUAGE="it").json()
    assert "almeno 3" in italian["properties"]["note"]


def test_a_bad_level_is_a_400(milan) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/cities/milan/wishes?level=house")
    assert response.status_code == 400 and "level" in response.json()["error"]
