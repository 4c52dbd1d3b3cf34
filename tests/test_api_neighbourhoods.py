"""The neighbourhoods endpoint serves GeoJSON and answers bad requests with JSON errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_nil_geojson(client, milan_loaded) -> None:
    response = client.get("/api/v1/cities/milan/neighbourhoods")
    assert response.status_code == 200
    collection = response.json()
    assert len(collection["features"]) == 88
    feature = next(f for f in collection["features"] if f["properties"]["code"] == "48")
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["area_km2"] == pytest.approx(2.406, abs=0.002)


def test_municipi_level(client, milan_loaded) -> None:
    assert len(client.get("/api/v1/cities/milan/neighbourhoods?level=municipio").json()["features"]) == 9


def test_unknown_level_is_a_json_400(client, milan_loaded) -> None:
    response = client.get("/api/v1/cities/milan/neighbourhoods?level=quartiere")
    assert response.status_code == 400
    assert response.json()["error"] == "no neighbourhoods at level 'quartiere'; available levels: municipio, nil"


def test_unknown_city_is_a_json_404(client) -> None:
    response = client.get("/api/v1/cities/atlantis/neighbourhoods")
    assert response.status_code == 404
    assert response.json() == {"error": "unknown city 'atlantis'"}


def test_home_redirects_to_the_default_city(client, milan_loaded) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/cities/milan/"
    page = client.get("/cities/milan/")
    assert b"leaflet/leaflet.js" in page.content and b"unpkg" not in page.content
