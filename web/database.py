"""Database configuration for the two supported backends, and plain explanations of what goes wrong.

SpatiaLite (the embedded default) needs a Python whose ``sqlite3`` can load extensions; PostGIS needs a
reachable server. Both failures are turned into one paragraph that says what to do.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_DATABASE_URL = "postgres://vicino:vicino@127.0.0.1:5432/vicino"


def sqlite_can_load_extensions() -> bool:
    """Whether this interpreter's sqlite3 module allows loading SQLite extensions (SpatiaLite)."""
    return hasattr(sqlite3.Connection, "enable_load_extension")


def spatialite_database(home: Path) -> dict[str, Any]:
    """Django DATABASES entry for the SpatiaLite file under ``VICINO_HOME``."""
    if not sqlite_can_load_extensions():
        raise ImproperlyConfigured(
            f"This Python ({sys.executable}, SQLite {sqlite3.sqlite_version}) was built without SQLite "
            "extension loading, so SpatiaLite cannot be used. Build the virtual environment from Debian's "
            "Python instead: `/usr/bin/python3 -m venv .venv` (bin/setup does this), or use PostGIS with "
            "VICINO_DB=postgis and DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME."
        )
    return {
        "ENGINE": "django.contrib.gis.db.backends.spatialite",
        "NAME": str(home / "vicino.sqlite3"),
        # Write-ahead log, synced at checkpoints: a commit (e.g. a rate-limit count in the database cache, on every
        # anonymous point query) costs ~0.1 ms instead of an fsync (~10 ms); readers never wait for the writer.
        # A transaction takes the write lock when it begins (BEGIN IMMEDIATE), waiting up to ``timeout`` for another
        # writer: one begun as a reader fails at once ("database is locked") when it comes to write after another
        # connection (a web request, the publication thread) committed in between.
        "OPTIONS": {
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        },
        # Opening a connection loads mod_spatialite and reads its schema (~9 ms): keep connections open.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": None},
    }


def postgis_database(url: str) -> dict[str, Any]:
    """Django DATABASES entry parsed from a ``postgres://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgis"} or not parts.path.strip("/"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is not a PostgreSQL URL. Use postgres://USER:PASSWORD@HOST:PORT/NAME."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a port that is not a number.") from None
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"connect_timeout": 5},
    }


def explain_connection_failure(settings_database: dict[str, Any], error: BaseException) -> str:
    """One paragraph telling the user why the database could not be reached and what to do."""
    engine = settings_database.get("ENGINE", "")
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if engine.endswith("postgis"):
        where = f"{settings_database.get('HOST') or 'localhost'}:{settings_database.get('PORT') or 5432}"
        return (
            f"Vicino could not connect to PostGIS at {where}, database {settings_database.get('NAME')!r} "
            f"({first_line}). Start the server (`docker compose up -d db`), check DATABASE_URL, or use the "
            "embedded database instead by unsetting VICINO_DB (SpatiaLite needs no server)."
        )
    return (
        f"Vicino could not open its SpatiaLite database {settings_database.get('NAME')!r} ({first_line}). "
        "Check that VICINO_HOME points to a writable folder and that the SpatiaLite extension is installed "
        "(Debian: apt-get install libsqlite3-mod-spatialite)."
    )
