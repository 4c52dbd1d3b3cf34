"""Security of requests: a Content-Security-Policy, logs without query strings, and the client's address."""

from __future__ import annotations

import ipaddress
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


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or, when that is a trusted proxy (``VICINO_TRUSTED_PROXIES``), the
    rightmost address of ``X-Forwarded-For`` that is not a trusted proxy (a client can write anything on the left
    of that header, so only the hops our proxies appended count)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _is_trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            return hop if _is_address(hop) else remote
    return hops[0] if hops and _is_address(hops[0]) else remote


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.VICINO_TRUSTED_PROXIES)
