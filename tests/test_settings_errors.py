"""Bad settings give one paragraph that says what to do, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from web import database

REPO = Path(__file__).resolve().parents[1]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VICINO_DB", "DATABASE_URL"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unknown_database_backend_is_named_with_the_accepted_ones(tmp_path: Path) -> None:
    result = run_manage("check", VICINO_DB="mysql", VICINO_HOME=str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "VICINO_DB='mysql' is not supported. Use one of: spatialite, postgis" in result.stderr


def test_unreachable_postgis_says_where_and_what_to_do(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = run_manage(
        "migrate",
        VICINO_DB="postgis",
        DATABASE_URL=f"postgres://u:p@127.0.0.1:{port}/nope",
        VICINO_HOME=str(tmp_path),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"could not connect to PostGIS at 127.0.0.1:{port}, database 'nope'" in result.stderr
    assert "docker compose up -d db" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_database_url_is_rejected(tmp_path: Path) -> None:
    result = run_manage("check", VICINO_DB="postgis", DATABASE_URL="mysql://x@y/z", VICINO_HOME=str(tmp_path))
    assert result.returncode == 2
    assert "DATABASE_URL='mysql://x@y/z' is not a PostgreSQL URL" in result.stderr


def test_bad_boolean_is_rejected(tmp_path: Path) -> None:
    result = run_manage("check", DEBUG="maybe", VICINO_HOME=str(tmp_path))
    assert result.returncode == 2
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_secret_key_required_without_debug(tmp_path: Path) -> None:
    environment = {"DEBUG": "0", "VICINO_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr


def test_python_without_extension_loading_names_the_python_to_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(database, "sqlite_can_load_extensions", lambda: False)
    with pytest.raises(ImproperlyConfigured) as caught:
        database.spatialite_database(tmp_path)
    message = str(caught.value)
    assert "built without SQLite extension loading" in message
    assert "/usr/bin/python3 -m venv .venv" in message
    assert "VICINO_DB=postgis" in message


def test_this_interpreter_can_load_spatialite() -> None:
    assert database.sqlite_can_load_extensions(), "the venv must be built from Debian's /usr/bin/python3"
