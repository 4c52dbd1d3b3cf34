"""``python manage.py create_api_token USER [--name TEXT]``: a new API token, printed once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for USER (for QGIS, scripts, notebooks); it is printed once and stored hashed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="the username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'QGIS on Anna's laptop'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}: create one with `python manage.py createsuperuser`")
        if not user.is_active:
            raise CommandError(f"user {options['user']!r} is not active")
        _, secret = ApiToken.issue(user, options["name"])
        self.stdout.write(secret)
        self.stderr.write(
            "Keep it secret; send it as the header `Authorization: Bearer <token>`. Revoke it in the admin."
        )
