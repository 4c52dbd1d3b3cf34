"""``/health/``: is the service able to answer (is its database reachable)? For Docker's healthcheck and probes.

Answered by a middleware placed first, so that neither the host check (a probe calls 127.0.0.1, not the public
name) nor the HTTPS redirect stands between the probe and the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from web.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_S

HEALTH_PATH = "/health/"
logger = logging.getLogger("vicino.health")


def health() -> JsonResponse:
    """200 ``{"status": "ok", "database": "ok"}`` when one cheap query answers, else 503 ``unavailable``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_UNAVAILABLE as error:
        logger.warning("health check: database unavailable: %s", error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


class HealthCheckMiddleware:
    """Answers ``GET /health/`` itself; every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in {"GET", "HEAD"}:
            response = health()
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
