"""Wishes follow each city's own configuration, never Milan's: Porto Alegre (no neighbourhoods, Portuguese) places a
wish by its resolution-8 cell alone, offers the walking profiles' age bands and all seven pillars, and rejects
Portuguese insults from its own word list."""

from __future__ import annotations

import h3
import pytest
from django.test import Client

from geo.models import City, Wish
from geo.wishes import age_bands, blocked_words, city_pillars
from web.wishes import form_token

pytestmark = pytest.mark.django_db

CENTRO = (-30.0277, -51.2287)  # Porto Alegre's historic centre


@pytest.fixture(scope="module")
def porto_alegre(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_slug
    from geo.importing import import_city

    with django_db_blocker.unblock():
        yield import_city(city_config_from_slug("porto_alegre"))
        City.objects.filter(slug="porto_alegre").delete()


def _send(**fields: str) -> object:
    data = {"subject": "pillar:common_spaces", "age_band": "6-10", "who": "family", "form_token": form_token()}
    return Client().post("/cities/porto_alegre/wishes/send/", data | fields, HTTP_ACCEPT_LANGUAGE="en")


def test_porto_alegre_wishes_by_cell(porto_alegre, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 0
    city = City.objects.get(slug="porto_alegre")
    assert age_bands(city) == ["0-5", "6-10", "11-13", "14-17"]
    assert len(city_pillars(city)) == 7
    assert "caralho" in blocked_words(city) and "idiot" in blocked_words(city)
    cells = Client().get("/api/v1/cities/porto_alegre/wishes/cells").json()
    assert cells["properties"]["level"] == "" and all(f["properties"]["zones"] == [] for f in cells["features"])
    cell = h3.latlng_to_cell(*CENTRO, 8)
    assert cell in {f["properties"]["id"] for f in cells["features"]}
    assert _send(cell=cell).status_code == 201
    assert _send(zone="1").status_code == 400  # no zones here: a zone cannot be chosen
    rude = _send(cell=cell, text="que praça de merda").json()
    assert rude["status"] == "rejected"
    assert list(Wish.objects.order_by("id").values_list("cell", "zone", "status")) == [
        (cell, "", "pending"), (cell, "", "rejected")
    ]  # fmt: skip
    page = Client().get("/cities/porto_alegre/wishes/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="wish-zone"' not in page  # no list of neighbourhoods to offer
