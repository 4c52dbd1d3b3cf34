"""``/health/`` checks the database; with the database unreachable the API answers JSON 503 and pages a short,
translated 503 page with Retry-After (never an HTML 500 or a traceback)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]


def test_health_is_ok_with_the_database(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_answers_a_probe_that_is_not_an_allowed_host(client: Client, settings: object) -> None:
    settings.ALLOWED_HOSTS = ["vicino.example.org"]  # type: ignore[attr-defined]
    assert client.get("/health/", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/cities/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # everything else still checks


@pytest.fixture
def database_down(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query fails as it does when PostGIS is stopped."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", refuse)


def test_health_is_503_without_the_database(client: Client, database_down: None) -> None:
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("debug", [True, False])
def test_api_is_json_503_without_the_database(
    client: Client, database_down: None, settings: object, debug: bool
) -> None:
    settings.DEBUG = debug  # type: ignore[attr-defined]
    for url in ["/api/v1/cities/", "/api/v1/cities/porto_alegre/opportunities?near=-51.2177,-30.0346"]:
        response = client.get(url)
        assert response.status_code == 503, url
        assert "database is unavailable" in response.json()["error"]
        assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("language", "text"), [("en", "briefly unavailable"), ("it", "momentaneamente non disponibile")]
)
def test_pages_are_a_short_503_page_without_the_database(
    client: Client, database_down: None, language: str, text: str
) -> None:
    client.cookies["django_language"] = language
    response = client.get("/cities/porto_alegre/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert text in page and "Traceback" not in page and len(page) < 4000


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_a_stopped_postgis_gives_503_everywhere() -> None:
    """A real PostGIS configuration whose server is not running (a closed port), in a fresh process."""
    script = (
        "import django, json; django.setup(); from django.test import Client; c = Client(); "
        "urls = ('/health/', '/api/v1/cities/', '/cities/milan/'); "
        "print(json.dumps([c.get(u, HTTP_HOST='127.0.0.1').status_code for u in urls]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"VICINO_DB", "DATABASE_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "web.settings",
        "VICINO_DB": "postgis",
        "DATABASE_URL": f"postgres://vicino@127.0.0.1:{_closed_port()}/vicino",
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [503, 503, 503]
