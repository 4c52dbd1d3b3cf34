"""API answers speak the city's language unless the client asks for another (``web.language``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOML = Path(__file__).parent / "data" / "milan_boundaries_only.toml"
NEAR = "near=9.19,45.464&minutes=15&age=10"


def _city(tmp_path: Path, slug: str, language: str) -> None:
    from data_sources.cities import city_config_from_file
    from geo.importing import import_city

    text = TOML.read_text(encoding="utf-8").replace('slug = "milan_boundaries"', f'slug = "{slug}"')
    text = text.replace('country = "IT"', f'country = "IT"\nlanguage = "{language}"')
    path = tmp_path / f"{slug}.toml"
    path.write_text(text, encoding="utf-8")
    import_city(city_config_from_file(path))


def _note(client: Client, slug: str, **headers: str) -> str:
    response = client.get(f"/api/v1/cities/{slug}/opportunities?{NEAR}", **headers)
    assert response.status_code == 200, response.content
    note = response.json()["properties"]["estimate_note"]
    assert note  # no street network: every answer says its times are straight-line estimates
    return note


def test_each_city_answers_in_its_language_unless_the_client_asks(tmp_path: Path) -> None:
    _city(tmp_path, "city_it", "it")
    _city(tmp_path, "city_en", "en")
    client = Client()
    italian, english = _note(client, "city_it"), _note(client, "city_en")
    assert italian != english
    # The client's own choice wins, for either city.
    assert _note(client, "city_it", HTTP_ACCEPT_LANGUAGE="en") == english
    assert _note(client, "city_en", HTTP_ACCEPT_LANGUAGE="it") == italian
