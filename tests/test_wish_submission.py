"""Making a wish through the page's endpoint on Milan's real data: a good wish is stored pending with only a cell and
its NIL; every bad input is a 4xx JSON error naming the problem (bad cell ids, unknown subject or age band); the text
checks reject contact details (removed before storing) and insults (kept for a moderator)."""

from __future__ import annotations

import h3
import pytest
from django.test import Client

from geo.models import City, Wish
from web.wishes import form_token

pytestmark = pytest.mark.django_db

URL = "/cities/milan/wishes/send/"
# Piazza del Duomo; its resolution-8 cell is in NIL 1 (DUOMO).
DUOMO = (45.4642, 9.1900)


@pytest.fixture(autouse=True)
def _fast_form(settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 0
    settings.VICINO_WISH_RATE_PER_HOUR = 1000


def _post(client: Client, **fields: str) -> object:
    data = {"subject": "category:sport", "age_band": "11-13", "who": "teenager", "text": "", "form_token": form_token()}
    return client.post(URL, data | fields, HTTP_ACCEPT_LANGUAGE="en")


def test_a_wish_from_a_cell_is_stored_pending_with_its_nil(milan) -> None:  # type: ignore[no-untyped-def]
    cell = h3.latlng_to_cell(*DUOMO, 8)
    response = _post(Client(), cell=cell, text="Un campo da basket coperto", subject="pillar:physical_activity")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    wish = Wish.objects.get()
    assert (wish.cell, wish.zone, wish.pillar, wish.category) == (cell, "1", "physical_activity", "")
    assert wish.text == "Un campo da basket coperto" and wish.status == "pending" and not wish.automatic
    assert wish.city == City.objects.get(slug="milan") and wish.created is not None


def test_a_wish_from_the_list_needs_no_map(milan) -> None:  # type: ignore[no-untyped-def]
    response = _post(Client(), zone="1", subject="category:arts", age_band="0-5", who="child_with_parent")
    assert response.status_code == 201
    wish = Wish.objects.get()
    assert (wish.cell, wish.zone, wish.category) == ("", "1", "arts")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cell": "not-a-cell"}, "is not an H3 cell id"),
        ({"cell": "ffffffffffffffff"}, "is not an H3 cell id"),
        ({"cell": h3.latlng_to_cell(*DUOMO, 9)}, "has resolution 9"),
        ({"cell": h3.latlng_to_cell(*DUOMO, 7)}, "has resolution 7"),
        ({"cell": h3.latlng_to_cell(41.9028, 12.4964, 8)}, "is not in Milano"),  # Rome
        ({"zone": "999"}, "is not one of Milano's areas"),
        ({"cell": h3.latlng_to_cell(*DUOMO, 8), "zone": "50"}, "does not overlap cell"),
        ({}, "say roughly where"),
        ({"zone": "1", "subject": "pillar:flying"}, "subject 'pillar:flying' is not known"),
        ({"zone": "1", "subject": "category:<script>"}, "is not known"),
        ({"zone": "1", "age_band": "18-99"}, "age_band '18-99' is not one of 0-5, 6-10, 11-13, 14-17"),
        ({"zone": "1", "who": "robot"}, "who 'robot' is not one of"),
        ({"zone": "1", "text": "x" * 281}, "text has 281 characters; at most 280"),
    ],
)
def test_bad_input_is_a_4xx_json_error(milan, fields: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    response = _post(Client(), **fields)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]
    assert not Wish.objects.exists()


def test_contact_details_are_rejected_automatically_and_never_stored(milan) -> None:  # type: ignore[no-untyped-def]
    response = _post(Client(), zone="1", text="Un campo! scrivete a luca.b@example.com o 333 1234567")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "rejected" and "contact details" in body["message"]
    wish = Wish.objects.get()
    assert wish.status == "rejected" and wish.automatic
    assert "luca.b@example.com" not in wish.text and "1234567" not in wish.text
    assert wish.text == "Un campo! scrivete a [e-mail] o [phone]"
    assert wish.reason.startswith("contact details (email, phone)")


def test_insults_are_rejected_automatically_but_kept_for_a_moderator(milan) -> None:  # type: ignore[no-untyped-def]
    response = _post(Client(), zone="1", text="questo quartiere è stupido")
    assert response.json()["status"] == "rejected"
    wish = Wish.objects.get()
    assert wish.text == "questo quartiere è stupido"
    assert wish.reason == "blocked words: stupido" and wish.automatic


def test_the_api_reads_the_cells_with_their_nil(milan, client: Client) -> None:  # type: ignore[no-untyped-def]
    cells = client.get("/api/v1/cities/milan/wishes/cells").json()
    assert cells["properties"] == {"resolution": 8, "level": "nil", "cells": len(cells["features"])}
    ids = {f["properties"]["id"] for f in cells["features"]}
    assert h3.latlng_to_cell(*DUOMO, 8) in ids
    assert all(h3.get_resolution(c) == 8 for c in ids)
    # Milan's Comune is about 182 km²: a resolution-8 cell is 0.74 km², and the edge cells overlap the border.
    assert 182 / 0.74 < len(ids) < 2 * 182 / 0.74
    assert {f["properties"]["zone"] for f in cells["features"]} <= {str(n) for n in range(1, 200)}
    # Every NIL can be named from the map: a small one may hold no cell's larger part, but some cell overlaps it.
    assert len({z for f in cells["features"] for z in f["properties"]["zones"]}) == 88
    assert all(f["properties"]["zones"][0] == f["properties"]["zone"] for f in cells["features"])


def test_an_unknown_city_is_a_404_json(milan) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/cities/atlantis/wishes/send/", {"form_token": form_token(), "zone": "1"})
    assert response.status_code == 404 and "atlantis" in response.json()["error"]
