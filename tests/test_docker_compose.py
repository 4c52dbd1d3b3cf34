"""docker-compose.yml describes a PostGIS service, the web service and a data volume."""

from pathlib import Path

import yaml

from bin.check_compose import structural_errors

REPO = Path(__file__).resolve().parents[1]


def test_compose_file_is_consistent() -> None:
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert structural_errors(document, REPO) == []
    assert document["services"]["db"]["image"].startswith("postgis/postgis")
    web = document["services"]["web"]
    assert web["environment"]["VICINO_DB"] == "postgis"
    assert "pgdata" in document["volumes"]


def test_structural_check_catches_mistakes() -> None:
    broken = {"services": {"web": {"depends_on": {"db": {}}, "volumes": ["nope:/x"]}}}
    errors = structural_errors(broken, REPO)
    assert "service 'web' has neither image nor build" in errors
    assert "service 'web' uses undeclared volume 'nope'" in errors
    assert "service 'web' depends on unknown service 'db'" in errors


def test_the_web_service_prepares_static_files_and_has_a_health_check() -> None:
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    web = document["services"]["web"]
    assert "/health/" in " ".join(web["healthcheck"]["test"])
    without_check = {"services": {"web": {"build": {"context": "."}}}}
    assert "service 'web' has no healthcheck on /health/" in structural_errors(without_check, REPO)
    # A command of its own that forgets collectstatic (pages are 500s with DEBUG=0 without it).
    forgetful = {"services": {"web": web | {"command": "gunicorn web.wsgi"}}}
    assert any("never runs `manage.py collectstatic`" in e for e in structural_errors(forgetful, REPO))
