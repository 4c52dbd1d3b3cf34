"""Rate limits of anonymous clients, counted per client in the shared cache under a salted hash of the address.

The cache is the database (settings.CACHES), so every gunicorn worker counts against the same limit; the client
address is :func:`web.security.client_ip`, which believes ``X-Forwarded-For`` only from configured proxies.
Logged-in users and API tokens are not limited here (they are known people, and can be revoked).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from ninja.throttling import SimpleRateThrottle

from web.security import client_ip


def client_key(request: HttpRequest, scope: str) -> str:
    """The client's address as the cache may keep it: an HMAC of the address and the day under ``SECRET_KEY``.

    The cache is the database, so an address never goes into it in clear; the salt changes every day, so
    yesterday's keys cannot be linked to today's.
    """
    day = dt.date.today().isoformat()
    return salted_hmac(f"vicino.{scope}.client", f"{client_ip(request)}|{day}", algorithm="sha256").hexdigest()[:32]


class AnonymousClientThrottle(SimpleRateThrottle):
    """``rate`` requests (e.g. ``"120/m"``) per anonymous client address, in the default cache."""

    scope = "anonymous_point_queries"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        principal = getattr(request, "auth", None)
        if principal is not None and getattr(principal, "user", None) is not None:
            return None  # a logged-in user or a token
        return self.cache_format % {"scope": self.scope, "ident": client_key(request, self.scope)}


class WishClientThrottle(SimpleRateThrottle):
    """``rate`` wishes (e.g. ``"10/h"``) per client, for everyone (a wish needs no login).

    The cache is the database, so the client's address never goes into it: the key is an HMAC of the address and
    the day under ``SECRET_KEY`` (the salt changes every day, so yesterday's keys cannot be linked to today's), and
    each entry lives only as long as the rate's period.
    """

    scope = "wishes"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_key(request, self.scope)}
