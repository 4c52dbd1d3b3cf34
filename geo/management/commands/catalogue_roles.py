"""`python manage.py catalogue_roles ...`: providers, their people, and the city's catalogue moderators.

catalogue_roles provider CITY SLUG "Organisation name" [--member USER ...]
catalogue_roles moderator USER [--remove]
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.models import City, Provider, ProviderMembership
from geo.offerings import moderators_group


class Command(BaseCommand):
    help = "Create a provider (with its members) or make a user a catalogue moderator."

    def add_arguments(self, parser: CommandParser) -> None:
        roles = parser.add_subparsers(dest="role", required=True)
        provider = roles.add_parser("provider", help="create or update a provider of a city")
        provider.add_argument("city", help="a loaded city's slug")
        provider.add_argument("slug", help="a short name for the provider, e.g. teatro-ragazzi")
        provider.add_argument("name", help="the organisation's name")
        provider.add_argument("--member", action="append", default=[], help="a username (repeatable)")
        moderator = roles.add_parser("moderator", help="make a user a catalogue moderator")
        moderator.add_argument("user")
        moderator.add_argument("--remove", action="store_true", help="remove the user from the moderators")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if options["role"] == "moderator":
            user = users.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}: create it first (admin or createsuperuser).")
            group = moderators_group()
            if options["remove"]:
                user.groups.remove(group)
                self.stdout.write(f"{user.username} is no longer a catalogue moderator.")
            else:
                user.groups.add(group)
                self.stdout.write(self.style.SUCCESS(f"{user.username} is a catalogue moderator."))
            return
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"No city {options['city']!r} is loaded. Run load_city first.")
        provider, created = Provider.objects.update_or_create(
            city=city, slug=options["slug"], defaults={"name": options["name"]}
        )
        for username in options["member"]:
            user = users.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}: create it first (admin or createsuperuser).")
            ProviderMembership.objects.get_or_create(provider=provider, user=user)
        members = ", ".join(provider.members.values_list("username", flat=True)) or "none yet"
        self.stdout.write(self.style.SUCCESS(
            f"Provider {provider.name} ({city.slug}/{provider.slug}) {'created' if created else 'updated'}; "
            f"members: {members}."))  # fmt: skip
