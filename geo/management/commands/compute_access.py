"""`python manage.py compute_access CITY`: accessibility layers for the city's current release."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.access import compute_access
from geo.models import City
from routing.profiles import DEFAULT_PROFILES


class Command(BaseCommand):
    help = "Compute walking accessibility layers (nodes, neighbourhoods, schools, sections, H3 cells) for a city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="a loaded city's slug, e.g. milan")
        parser.add_argument("--mode", choices=["walk"], default="walk", help="walk (transit: see issue #5)")
        parser.add_argument(
            "--profile", action="append", choices=[p.name for p in DEFAULT_PROFILES], help="only these profiles"
        )
        parser.add_argument(
            "--origins",
            action="append",
            choices=["node", "nil", "municipio", "school", "census_section", "h3"],
            help="only these origin sets",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city {options['city']!r} is loaded (loaded: {known}). Run load_city first.")
        started = time.perf_counter()
        try:
            profiles = tuple(p for p in DEFAULT_PROFILES if not options["profile"] or p.name in options["profile"])
            origin_kinds = set(options["origins"]) if options["origins"] else None
            layers = compute_access(
                city, profiles=profiles, origin_kinds=origin_kinds, progress=lambda m: self.stdout.write(m)
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        method = layers[0].method if layers else "-"
        self.stdout.write(
            self.style.SUCCESS(
                f"{city.name}: {len(layers)} layers ({method}) in {time.perf_counter() - started:.1f} s."
            )
        )
