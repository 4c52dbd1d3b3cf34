"""`python manage.py import_opportunities FILE --city CITY`: add an opportunity catalogue to a city."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.cities import city_config_from_file, city_config_from_slug
from data_sources.errors import VicinoError
from geo.importing import import_catalogue
from geo.reporting import summary_table, write_release_outcome


class Command(BaseCommand):
    help = "Import an opportunity catalogue (CSV or GeoJSON, schema in README) into a new release of a city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the catalogue (.csv or .geojson)")
        parser.add_argument("--city", required=True, help="the city slug (data_sources/cities/) or a city .toml file")
        parser.add_argument("--name", default="catalogue", help="a name for this catalogue (default: catalogue)")
        parser.add_argument("--rejects", help="where to write the reject report (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            city = options["city"]
            config = city_config_from_file(city) if city.endswith(".toml") else city_config_from_slug(city)
            result = import_catalogue(
                config, options["file"], name=options["name"], progress=lambda m: self.stdout.write(m)
            )
        except VicinoError as error:
            raise CommandError(str(error)) from None
        rejects_path = Path(
            options["rejects"] or settings.VICINO_HOME / "rejects" / f"{config.slug}-{options['name']}-rejects.csv"
        )
        if result.created:
            result.report.to_csv(rejects_path)
        self.stdout.write(summary_table(result.counts))
        write_release_outcome(self, config.name, result)
        if result.created:
            self.stdout.write(f"Reject report: {rejects_path} ({len(result.report)} rows)")
