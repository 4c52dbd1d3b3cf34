"""Security headers and privacy for requests: a Content-Security-Policy, and logs without query strings."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_QUERY = re.compile(r"(/[^\s?\"]*)\?[^\s\"]*")


class ContentSecurityPolicyMiddleware:
    """Everything from this site only (Leaflet and the API docs are served locally); map tiles from the
    configured tile server, if any."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tile_host = ""
        if settings.VICINO_TILE_URL:
            parts = urlsplit(settings.VICINO_TILE_URL.replace("{s}", "a"))
            tile_host = f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
        self.policy = (
            "default-src 'self'; "
            f"img-src 'self' data: blob:{tile_host}; "
            "style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; "
            "connect-src 'self'; "
            "font-src 'self'; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class StripQueryStrings(logging.Filter):
    """Removes query strings (which may hold a home's coordinates) from logged request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = _QUERY.sub(r"\1?…", str(record.msg))
        return True
