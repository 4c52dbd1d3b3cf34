"""`python manage.py create_first_user NAME`: the first planner account (an admin who can add the others)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Create the first user (staff and superuser). Password from VICINO_FIRST_USER_PASSWORD or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        if users.objects.exists():
            raise CommandError("Users exist already: add more in the admin (/admin/) or with `createsuperuser`.")
        password = os.environ.get("VICINO_FIRST_USER_PASSWORD") or getpass.getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from None
        users.objects.create_superuser(options["username"], options["email"], password)
        self.stdout.write(self.style.SUCCESS(f"Created {options['username']} (staff, superuser)."))
