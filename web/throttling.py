"""Rate limits of anonymous point queries, counted per client address in the shared cache.

The cache is the database (settings.CACHES), so every gunicorn worker counts against the same limit; the client
address is :func:`web.security.client_ip`, which believes ``X-Forwarded-For`` only from configured proxies.
Logged-in users and API tokens are not limited here (they are known people, and can be revoked).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from web.security import client_ip


class AnonymousClientThrottle(SimpleRateThrottle):
    """``rate`` requests (e.g. ``"120/m"``) per anonymous client address, in the default cache."""

    scope = "anonymous_point_queries"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        principal = getattr(request, "auth", None)
        if principal is not None and getattr(principal, "user", None) is not None:
            return None  # a logged-in user or a token
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
