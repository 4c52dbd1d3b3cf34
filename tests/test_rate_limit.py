"""Point-query rate limits: one count per client shared by every worker, and a forged X-Forwarded-For gains nothing.

Two throttle objects stand for two gunicorn workers (each process builds its own); they count in the database
cache, as the workers do. ``VICINO_TRUSTED_PROXIES`` decides whose X-Forwarded-For is believed.
"""

from __future__ import annotations

import ipaddress
import random

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory

from web.access import Principal
from web.security import client_ip
from web.throttling import AnonymousClientThrottle

pytestmark = pytest.mark.django_db


def _request(remote: str, forwarded: str | None = None, user: object = None) -> object:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/api/v1/cities/x/opportunities", **headers)
    request.auth = Principal(user, "token" if user else "public")
    return request


def _random_ip() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def test_the_cache_is_shared_by_processes() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_two_workers_share_one_count() -> None:
    cache.clear()
    worker_a, worker_b = AnonymousClientThrottle("4/m"), AnonymousClientThrottle("4/m")
    allowed = [(worker_a if i % 2 else worker_b).allow_request(_request("203.0.113.7")) for i in range(8)]
    assert allowed == [True] * 4 + [False] * 4  # 4 per minute in all, not 4 per worker
    assert AnonymousClientThrottle("4/m").allow_request(_request("203.0.113.8"))  # another client has its own


def test_the_cache_never_holds_a_client_address_in_clear() -> None:
    from django.db import connection

    cache.clear()
    throttle = AnonymousClientThrottle("100/m")
    for _ in range(3):
        assert throttle.allow_request(_request("203.0.113.77"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {settings.CACHES['default']['LOCATION']}")
        rows = cursor.fetchall()
    assert rows, "the throttle counted nothing in the database cache"
    assert not any("203.0.113.77" in str(key) + str(value) for key, value in rows)


def test_a_random_forwarded_for_from_an_untrusted_client_is_ignored(settings: object) -> None:
    settings.VICINO_TRUSTED_PROXIES = []  # type: ignore[attr-defined]
    cache.clear()
    throttle = AnonymousClientThrottle("3/m")
    requests = [_request("198.51.100.9", forwarded=_random_ip()) for _ in range(6)]
    assert {client_ip(r) for r in requests} == {"198.51.100.9"}
    assert [throttle.allow_request(r) for r in requests] == [True] * 3 + [False] * 3


def test_a_trusted_proxy_forwards_the_rightmost_untrusted_address(settings: object) -> None:
    settings.VICINO_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]  # type: ignore[attr-defined]
    # The client wrote a fake first hop; our proxy (10.0.0.2) appended the real address (192.0.2.44).
    request = _request("10.0.0.2", forwarded="1.2.3.4, 192.0.2.44")
    assert client_ip(request) == "192.0.2.44"
    # Two trusted proxies in a row: skip both.
    assert client_ip(_request("10.0.0.2", forwarded="1.2.3.4, 192.0.2.44, 10.0.0.9")) == "192.0.2.44"
    # Garbage from the proxy chain falls back to the proxy's own address, never to the garbage.
    assert client_ip(_request("10.0.0.2", forwarded="not-an-ip")) == "10.0.0.2"
    # The same header from outside the trusted network is ignored.
    assert client_ip(_request("192.0.2.99", forwarded="1.2.3.4")) == "192.0.2.99"
    cache.clear()
    throttle = AnonymousClientThrottle("2/m")
    forged = [_request("10.0.0.2", forwarded=f"{_random_ip()}, 192.0.2.44") for _ in range(4)]
    assert [throttle.allow_request(r) for r in forged] == [True, True, False, False]


def test_users_and_tokens_are_not_limited(django_user_model: object) -> None:
    cache.clear()
    user = django_user_model.objects.create_user("script")  # type: ignore[attr-defined]
    throttle = AnonymousClientThrottle("1/m")
    assert all(throttle.allow_request(_request("203.0.113.5", user=user)) for _ in range(5))
