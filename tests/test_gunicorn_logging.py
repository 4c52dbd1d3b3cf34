"""gunicorn's access log never holds a home's coordinates (``?near=LON,LAT``), with Vicino's configuration."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from web import gunicorn_conf

HOME = "9.19123,45.46456"


def _config(access_log_format: str | None = None) -> Config:
    """gunicorn's configuration as ``gunicorn -c python:web.gunicorn_conf`` loads it."""
    config = Config()
    for name in ("access_log_format", "accesslog", "logger_class"):
        config.set(name, getattr(gunicorn_conf, name))
    if access_log_format:
        config.set("access_log_format", access_log_format)
    return config


def _access_line(config: Config) -> str:
    logger = config.logger_class(config)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.handlers = [handler]
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/cities/milan/opportunities?near={HOME}&minutes=15",
        "PATH_INFO": "/api/v1/cities/milan/opportunities",
        "QUERY_STRING": f"near={HOME}&minutes=15",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://vicino.example/cities/milan/?near={HOME}",
        "HTTP_USER_AGENT": "Firefox",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    logger.access(response, request, environ, dt.timedelta(milliseconds=42))
    assert len(records) == 1
    return records[0]


def test_the_production_format_logs_the_path_without_coordinates() -> None:
    config = _config()
    assert config.logger_class is gunicorn_conf.QuerylessLogger
    line = _access_line(config)
    assert '"GET /api/v1/cities/milan/opportunities HTTP/1.1" 200 1234 42ms' in line
    assert "9.19" not in line and "45.46" not in line and "near" not in line


@pytest.mark.parametrize("risky", ['"%(r)s" "%(f)s"', "%(q)s", "%({referer}i)s", "%({query_string}e)s %({raw_uri}e)s"])
def test_even_a_format_with_query_atoms_drops_them(risky: str) -> None:
    line = _access_line(_config(f"%(h)s {risky}"))
    assert "9.19" not in line and "45.46" not in line


def test_gunicorn_default_format_would_leak() -> None:
    """The reason for all this: gunicorn's own format and logger write the coordinates."""
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    config.set("logger_class", Logger)
    assert HOME in _access_line(config)
