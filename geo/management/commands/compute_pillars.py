"""`python manage.py compute_pillars CITY`: the pillar index (seven wellbeing pillars) of the current release."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.errors import VicinoError
from geo.models import City
from geo.pillars import YOUTH_PROFILES, compute_pillars
from geo.transit import parse_window
from layers.pillar_index import DEFAULT_DRAWS, DEFAULT_SEED


class Command(BaseCommand):
    help = "Compute the pillar index (access per wellbeing pillar, composite, rank intervals) for a city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="a loaded city's slug (see data_sources/cities/)")
        parser.add_argument("--mode", choices=["walk", "transit"], default="walk")
        parser.add_argument("--date", help="service date for transit, YYYY-MM-DD (default: a Wednesday of the feed)")
        parser.add_argument("--window", default="07:00-09:00", help="transit departure window, HH:MM-HH:MM")
        parser.add_argument("--profile", action="append", choices=[p.name for p in YOUTH_PROFILES],
                            help="only these age bands (default: all four)")  # fmt: skip
        parser.add_argument("--origins", action="append",
                            choices=["nil", "municipio", "school", "census_section", "h3"],
                            help="origin sets (default: nil, or H3 cells in a city without NIL)")  # fmt: skip
        parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help="Monte Carlo draws for rank intervals")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No city {options['city']!r} is loaded (loaded: {known}). Run load_city first.")
        started = time.perf_counter()
        try:
            layers = compute_pillars(
                city,
                profiles=tuple(p for p in YOUTH_PROFILES if not options["profile"] or p.name in options["profile"]),
                origin_kinds=set(options["origins"]) if options["origins"] else None,
                mode=options["mode"],
                date=dt.date.fromisoformat(options["date"]) if options["date"] else None,
                window=parse_window(options["window"]),
                draws=options["draws"],
                seed=options["seed"],
                progress=lambda m: self.stdout.write(m),
            )
        except (ValueError, VicinoError) as error:
            raise CommandError(str(error)) from None
        if not layers:
            raise CommandError(f"{city.name}: no origins of the kinds asked for; nothing computed.")
        excluded = layers[0].parameters.get("excluded", {})
        for pillar, reason in excluded.items():
            self.stdout.write(self.style.WARNING(f"{pillar}: not in the composite ({reason})."))
        self.stdout.write(self.style.SUCCESS(
            f"{city.name}: {len(layers)} pillar indexes in {time.perf_counter() - started:.1f} s."))  # fmt: skip
