"""gunicorn settings for Vicino's production server: ``gunicorn -c python:web.gunicorn_conf web.wsgi``.

A family's home reaches the API as a query string (``?near=LON,LAT``); the access log must never keep it. The
format logs the path without its query (``%(U)s``, not ``%(r)s``) and no referrer, and :class:`QuerylessLogger`
strips query strings from every logged value, so even a format changed later by an operator (e.g. with
``GUNICORN_CMD_ARGS``) cannot write one.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_QUERY = re.compile(r"\?[^\s\"]*")

#: Apache's common format with the path instead of the request line, the duration and the user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
accesslog = "-"  # to standard output (the container's log)


class QuerylessLogger(Logger):
    """gunicorn's logger, with query strings removed from every atom of the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "?" in value:
                atoms[key] = _QUERY.sub("", value)
            if key == "q" or "query_string" in key:
                atoms[key] = ""
        return atoms


logger_class = QuerylessLogger
