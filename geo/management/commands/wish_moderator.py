"""`python manage.py wish_moderator USERNAME [--remove]`: let a user moderate wishes (the "wish moderators" group)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.wishes import MODERATORS_GROUP, moderators_group


class Command(BaseCommand):
    help = f"Add a user to the {MODERATORS_GROUP!r} group (approve or reject wishes), or remove them with --remove."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}: create it first (create_first_user or the admin)")
        group = moderators_group()
        if options["remove"]:
            user.groups.remove(group)
            self.stdout.write(self.style.SUCCESS(f"{user.username} no longer moderates wishes."))
        else:
            user.groups.add(group)
            self.stdout.write(self.style.SUCCESS(f"{user.username} moderates wishes: /cities/<city>/wishes/moderate/"))
