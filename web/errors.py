"""The one place that turns Vicino's errors into HTTP answers.

The API answers every error as JSON ``{"error": "..."}``: the :class:`~data_sources.errors.VicinoError` family by
:data:`HTTP_STATUS`, an unreachable database as 503, anything unexpected as 500 with an id that is also logged with
its traceback (never sent to the client, whatever ``DEBUG`` says). Pages answer an unreachable database with a short
translated 503 page; other page errors are Django's.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable

from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from data_sources.errors import InvalidRequestError, NotFoundError, NoTimetablesError, VicinoError

logger = logging.getLogger("vicino.errors")

#: The family's HTTP status, most specific first; a VicinoError not listed is the server's problem (500).
HTTP_STATUS: list[tuple[type[Exception], int]] = [
    (NotFoundError, 404),
    (InvalidRequestError, 400),
    (NoTimetablesError, 400),
]

#: Errors meaning the database cannot be reached (stopped, restarting, network down).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

#: Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_AFTER_S = 30


def status_for(error: BaseException) -> int:
    """The HTTP status of an error of the Vicino family (500 for one that is not the client's doing)."""
    if isinstance(error, Http404):
        return 404
    return next((status for kind, status in HTTP_STATUS if isinstance(error, kind)), 500)


def json_error(message: str, status: int, **extra: object) -> JsonResponse:
    """``{"error": message, ...}`` with ``status``."""
    return JsonResponse({"error": message} | extra, status=status)


def database_unavailable_json() -> JsonResponse:
    response = json_error("the database is unavailable; try again shortly", 503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def database_unavailable_page(request: HttpRequest) -> HttpResponse:
    """A short page (no database needed to draw it) saying the service is back shortly."""
    response = render(request, "web/unavailable.html", {"retry_after": RETRY_AFTER_S}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def internal_error_json(request: HttpRequest, error: BaseException) -> JsonResponse:
    """A JSON 500 with an id; the traceback goes to the log under the same id, never to the client."""
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "internal error %s on %s %s", error_id, request.method, request.path,
        exc_info=(type(error), error, error.__traceback__),
    )  # fmt: skip
    return json_error("internal error", 500, id=error_id)


def api_error_response(request: HttpRequest, error: Exception) -> HttpResponse:
    """Any exception raised by an API view, as JSON: 4xx for the client's errors, 503 or 500 for the server's."""
    if isinstance(error, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable on %s: %s", request.path, error)
        return database_unavailable_json()
    if isinstance(error, (VicinoError, Http404)):
        status = status_for(error)
        if status < 500:
            return json_error(str(error) or "not found", status)
    return internal_error_json(request, error)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class ErrorResponseMiddleware:
    """An unreachable database: JSON 503 for the API, the short 503 page for pages (in DEBUG too); and under
    ``/api/`` a URL that matches no endpoint gets a JSON 404 rather than Django's HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return json_error(f"no such API address: {request.path}", 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("database unavailable on %s: %s", request.path, exception)
        return database_unavailable_json() if is_api(request) else database_unavailable_page(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: errors outside views (a middleware reaching the database) get the same answers."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable_json() if is_api(request) else database_unavailable_page(request)
    if is_api(request) and error is not None:
        return internal_error_json(request, error)
    return defaults.server_error(request)
