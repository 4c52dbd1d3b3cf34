"""Who may do what with wishes, and the anti-spam guards: CSRF on every POST, only moderators moderate, anonymous
people only wish; the per-client rate limit answers 429 JSON and keeps no address in the database; the honeypot
field and a form sent too fast are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client

from geo.models import City, Wish
from geo.wishes import moderators_group
from web.wishes import form_token

pytestmark = pytest.mark.django_db

PASSWORD = "moderator-password-2026"
SEND = "/cities/milan/wishes/send/"


def _wish(**fields: object) -> Wish:
    values = {"zone": "1", "category": "sport", "age_band": "11-13", "who": "teenager", "created": "2026-11-30"}
    return Wish.objects.create(city=City.objects.get(slug="milan"), **(values | fields))


def _user(name: str, moderator: bool) -> Client:
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    if moderator:
        user.groups.add(moderators_group())
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _form(**fields: str) -> dict[str, str]:
    base = {"subject": "category:sport", "age_band": "11-13", "who": "teenager", "zone": "1"}
    return base | {"form_token": form_token()} | fields


def _csrf(client: Client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_moderation_needs_the_csrf_token(milan) -> None:  # type: ignore[no-untyped-def]
    wish = _wish()
    moderator = _user("mod", moderator=True)
    url = f"/cities/milan/wishes/moderate/{wish.pk}/"
    assert moderator.post(url, {"action": "approve"}).status_code == 403  # no token
    wish.refresh_from_db()
    assert wish.status == "pending"
    token = _csrf(moderator, "/cities/milan/wishes/moderate/")
    response = moderator.post(url, {"action": "approve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.moderated_by) == ("approved", "mod")


def test_a_rejection_needs_a_reason(milan) -> None:  # type: ignore[no-untyped-def]
    wish = _wish()
    moderator = _user("mod", moderator=True)
    token = _csrf(moderator, "/cities/milan/wishes/moderate/")
    url = f"/cities/milan/wishes/moderate/{wish.pk}/"
    moderator.post(url, {"action": "reject", "reason": "  ", "csrfmiddlewaretoken": token})
    wish.refresh_from_db()
    assert wish.status == "pending"
    moderator.post(url, {"action": "reject", "reason": "not about Milan", "csrfmiddlewaretoken": token})
    wish.refresh_from_db()
    assert (wish.status, wish.reason) == ("rejected", "not about Milan")


def test_only_moderators_moderate(milan) -> None:  # type: ignore[no-untyped-def]
    wish = _wish()
    planner = _user("planner", moderator=False)
    token = _csrf(planner, "/cities/milan/wishes/new/")
    assert planner.get("/cities/milan/wishes/moderate/").status_code == 403
    url = f"/cities/milan/wishes/moderate/{wish.pk}/"
    assert planner.post(url, {"action": "approve", "csrfmiddlewaretoken": token}).status_code == 403
    wish.refresh_from_db()
    assert wish.status == "pending"


def test_anonymous_people_only_wish(milan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 0
    wish = _wish(text="a secret text only moderators read")
    anonymous = Client(enforce_csrf_checks=True)
    queue = anonymous.get("/cities/milan/wishes/moderate/")
    assert queue.status_code == 302 and queue["Location"].startswith("/accounts/login/")
    token = _csrf(anonymous, "/cities/milan/wishes/new/")
    url = f"/cities/milan/wishes/moderate/{wish.pk}/"
    response = anonymous.post(url, {"action": "approve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    wish.refresh_from_db()
    assert wish.status == "pending"
    # The public view shows no text and no pending wish.
    public = anonymous.get("/api/v1/cities/milan/wishes?level=zone")
    assert public.status_code == 200 and "secret" not in public.content.decode()
    # A wish without the CSRF token is refused (JSON for the page's script); with it, it is taken.
    refused = anonymous.post(SEND, _form(), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "reload the page" in refused.json()["error"]
    assert anonymous.post(SEND, _form()).status_code == 403
    sent = anonymous.post(SEND, _form(csrfmiddlewaretoken=token))
    assert sent.status_code == 201 and sent.json()["status"] == "pending"


def test_the_rate_limit_answers_429_json_and_stores_no_address(milan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 0
    settings.VICINO_WISH_RATE_PER_HOUR = 3
    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.77")
    codes = [client.post(SEND, _form()).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post(SEND, _form())
    assert refused.status_code == 429 and refused["Content-Type"] == "application/json"
    assert "Too many wishes" in refused.json()["error"] or "Troppi" in refused.json()["error"]
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert Wish.objects.count() == 3
    # Another client is not limited by this one.
    assert Client(REMOTE_ADDR="198.51.100.4").post(SEND, _form()).status_code == 201
    # The count lives in the database cache under a keyed hash: the address is nowhere in it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM vicino_cache")
        rows = cursor.fetchall()
    assert any("wishes" in key for key, _value in rows)
    assert not any("203.0.113.77" in key or "203.0.113.77" in str(value) for key, value in rows)


def test_the_honeypot_refuses(milan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 0
    response = Client().post(SEND, _form(website="http://spam.example"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "This wish could not be accepted."}
    assert not Wish.objects.exists()


def test_a_form_sent_too_fast_or_forged_is_refused(milan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.VICINO_WISH_MIN_SECONDS = 30
    fast = Client().post(SEND, _form(), HTTP_ACCEPT_LANGUAGE="en")
    assert fast.status_code == 400 and "very fast" in fast.json()["error"]
    forged = Client().post(SEND, _form(form_token="eyJ0IjoxfQ:forged"), HTTP_ACCEPT_LANGUAGE="en")
    assert forged.status_code == 400 and "expired" in forged.json()["error"]
    assert not Wish.objects.exists()


def test_a_hostile_text_is_shown_as_text_to_moderators(milan) -> None:  # type: ignore[no-untyped-def]
    hostile = '<img src=x onerror="alert(1)">=HYPERLINK("x")'
    _wish(text=hostile)
    page = _user("mod", moderator=True).get("/cities/milan/wishes/moderate/").content.decode()
    assert hostile not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;=HYPERLINK(&quot;x&quot;)" in page
