"""`python manage.py export_layers CITY --format gpkg|geojson|csv|parquet --out PATH`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.exporting import export_release_layers
from geo.models import City
from layers.exports import FORMATS


class Command(BaseCommand):
    help = "Export a city's accessibility layers with metadata and attribution."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("--format", choices=FORMATS, default="gpkg")
        parser.add_argument("--out", required=True, help="a .gpkg file, or a folder (one file per layer)")
        parser.add_argument("--layer", action="append", help="only this layer (repeatable), e.g. walk_adult_nil")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        release = city.current_release() if city else None
        if release is None:
            raise CommandError(f"No loaded city {options['city']!r}: run load_city and compute_access first.")
        try:
            written = export_release_layers(release, options["out"], options["format"], names=options["layer"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{len(written)} files written."))
