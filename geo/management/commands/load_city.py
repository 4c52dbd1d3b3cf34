"""`python manage.py load_city CITY`: import a city's sources into a new data release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.cities import available_cities, city_config_from_file, city_config_from_slug
from data_sources.csv_safety import safe_frame
from data_sources.errors import VicinoError
from geo.importing import import_city
from geo.reporting import summary_table


class Command(BaseCommand):
    help = "Load a city's data (boundaries, population, opportunities, network, transit) into a new release."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help=f"a city slug ({', '.join(available_cities())}) or a city .toml file")
        parser.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="NAME=PATH",
            help="use PATH for the source NAME instead of its configured file (repeatable)",
        )
        parser.add_argument("--osm", help="an OSM file (.osm.pbf/.osm/.osm.bz2) for the street network")
        parser.add_argument("--gtfs", help="a GTFS zip or folder for transit")
        parser.add_argument("--rejects", help="where to write the reject report (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = options["city"]
            config = city_config_from_file(target) if target.endswith(".toml") else city_config_from_slug(target)
            overrides = _parse_overrides(options["source"])
            for name in ("osm", "gtfs"):
                if options[name]:
                    overrides[name] = options[name]
            result = import_city(config, overrides, progress=lambda m: self.stdout.write(m))
        except VicinoError as error:
            raise CommandError(str(error)) from None
        rejects_path = Path(options["rejects"] or settings.VICINO_HOME / "rejects" / f"{config.slug}-rejects.csv")
        if result.created:
            result.report.to_csv(rejects_path)
            safe_frame(result.report.set_aside_frame()).to_csv(
                rejects_path.with_name(rejects_path.stem + "-set-aside.csv"), index=False
            )
            safe_frame(result.report.notes_frame()).to_csv(
                rejects_path.with_name(rejects_path.stem + "-notes.csv"), index=False
            )
        self.stdout.write(summary_table(result.counts))
        state = "created" if result.created else "unchanged"
        self.stdout.write(self.style.SUCCESS(f"{config.name}: release {result.release.pk} {state}."))
        if result.created:
            self.stdout.write(
                f"Reject report: {rejects_path} ({len(result.report)} rows); rows set aside and notes beside it."
            )


def _parse_overrides(pairs: list[str]) -> dict[str, str | Path]:
    overrides: dict[str, str | Path] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise CommandError(f"--source expects NAME=PATH, got {pair!r}.")
        overrides[name.strip()] = path.strip()
    return overrides
