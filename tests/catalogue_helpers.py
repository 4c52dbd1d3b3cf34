"""Helpers of the catalogue management tests (issue #18): people, providers and a valid offering in Milan."""

from __future__ import annotations

from typing import Any

PASSWORD = "catalogue-test-password-2026"
#: A valid offering a provider types in: a point near the Duomo, inside Milan's municipi.
VALID = {
    "name": "Laboratorio di teatro per ragazzi",
    "category": "arts",
    "pillars": ["talents_creativity", "social_relations"],
    "kind": "theatre_workshop",
    "age_min": "8",
    "age_max": "14",
    "price": "0",
    "opening_hours": "Mo-Fr 15:00-18:30",
    "capacity": "20",
    "address": "Piazza del Duomo 1",
    "website": "",
    "longitude": "9.1900",
    "latitude": "45.4640",
}


def make_people(city: Any) -> dict[str, Any]:
    """Two providers (one member each, plus one member of both), a moderator and a plain user."""
    from django.contrib.auth.models import User

    from geo.models import Provider, ProviderMembership
    from geo.offerings import moderators_group

    people = {name: User.objects.create_user(name, password=PASSWORD) for name in
              ("anna", "bruno", "carla", "mod", "plain")}  # fmt: skip
    teatro = Provider.objects.create(city=city, name="Teatro Ragazzi", slug="teatro-ragazzi")
    sport = Provider.objects.create(city=city, name="Polisportiva Nord", slug="polisportiva-nord")
    ProviderMembership.objects.create(provider=teatro, user=people["anna"])
    ProviderMembership.objects.create(provider=sport, user=people["bruno"])
    ProviderMembership.objects.create(provider=teatro, user=people["carla"])
    ProviderMembership.objects.create(provider=sport, user=people["carla"])
    people["mod"].groups.add(moderators_group())  # made by the migration (made again after a test's flush)
    return people | {"teatro": teatro, "sport": sport}


def offering_post(provider: Any, **changes: Any) -> dict[str, Any]:
    """The form's POST data: the valid offering with ``changes``."""
    return {"provider": str(provider.pk), **VALID, **changes}
