"""`python manage.py compute_access CITY [CITY ...]`: layers for each city's latest release, then publish it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.errors import VicinoError
from geo.access import compute_access
from geo.cluster import Runner, runner_for
from geo.models import City
from geo.releases import publish_if_complete
from geo.transit import NoTimetablesError, parse_window
from routing.profiles import DEFAULT_PROFILES


class Command(BaseCommand):
    help = "Compute walking accessibility layers (nodes, neighbourhoods, schools, sections, H3 cells) for a city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", nargs="*", help="loaded cities' slugs, or --all")
        parser.add_argument("--all", action="store_true", help="every loaded city")
        parser.add_argument(
            "--dask",
            default=settings.VICINO_DASK_SCHEDULER,
            help="a Dask scheduler (tcp://host:8786) or local:N to run the searches on; default "
            "VICINO_DASK_SCHEDULER, empty = in this process",
        )
        parser.add_argument(
            "--parts",
            action="store_true",
            help="for jobs too large to gather: the workers write each travel-time table in parts under "
            "VICINO_HOME/jobs (a folder the workers must see too), read one part at a time; needs --dask",
        )
        parser.add_argument("--mode", choices=["walk", "transit", "all"], default="walk")
        parser.add_argument("--date", help="service date for transit, YYYY-MM-DD (default: a Wednesday of the feed)")
        parser.add_argument("--window", default="07:00-09:00", help="transit departure window, HH:MM-HH:MM")
        parser.add_argument(
            "--profile", action="append", choices=[p.name for p in DEFAULT_PROFILES], help="only these profiles"
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the release even if it lacks layers the served release has (default: only when complete)",
        )
        parser.add_argument(
            "--origins",
            action="append",
            choices=["node", "nil", "municipio", "school", "census_section", "h3"],
            help="only these origin sets",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = list(City.objects.values_list("slug", flat=True)) if options["all"] else options["city"]
        if not slugs:
            raise CommandError("Name a loaded city (its slug) or give --all.")
        cities = []
        for slug in slugs:
            city = City.objects.filter(slug=slug).first()
            if city is None:
                known = ", ".join(City.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"No city {slug!r} is loaded (loaded: {known}). Run load_city first.")
            cities.append(city)
        try:
            parts_root = Path(settings.VICINO_HOME) / "jobs" if options["parts"] else None
            with runner_for(options["dask"], progress=self.stdout.write, parts_root=parts_root) as runner:
                for city in cities:
                    try:
                        self._compute(city, runner, options)
                    finally:
                        runner.release()  # the workers keep one city's network and timetable at a time
        except (ValueError, VicinoError) as error:
            raise CommandError(str(error)) from None

    def _compute(self, city: City, runner: Runner, options: dict[str, Any]) -> None:
        """One city's layers: every requested mode, each its own set of tasks on the cluster."""
        started = time.perf_counter()
        profiles = tuple(p for p in DEFAULT_PROFILES if not options["profile"] or p.name in options["profile"])
        origin_kinds = set(options["origins"]) if options["origins"] else None
        date = dt.date.fromisoformat(options["date"]) if options["date"] else None
        window = parse_window(options["window"])
        modes = ["walk", "transit"] if options["mode"] == "all" else [options["mode"]]
        layers = []
        for mode in modes:
            try:
                layers += compute_access(
                    city, profiles=profiles, origin_kinds=origin_kinds, mode=mode, date=date, window=window,
                    progress=lambda m: self.stdout.write(m), runner=runner,
                )  # fmt: skip
            except NoTimetablesError as error:
                if options["mode"] != "all":
                    raise
                self.stdout.write(self.style.WARNING(f"{error}."))
        release = city.latest_release()
        if release is not None:
            publication = publish_if_complete(release, force=options["publish"])
            style = self.style.SUCCESS if publication.published else self.style.WARNING
            self.stdout.write(style(publication.message()))
        method = layers[0].method if layers else "-"
        where = " on the Dask cluster" if runner.distributed else ""
        where += " (written in parts)" if runner.partitioned else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{city.name}: {len(layers)} layers ({method}){where} in {time.perf_counter() - started:.1f} s."
            )
        )
