"""`python manage.py export_layers CITY --format gpkg|geojson|csv|parquet|html --out PATH`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from geo.exporting import export_release_layers
from geo.models import City
from geo.shareable_maps import ShareableMapError, layer_map, profile_map, scenario_map
from layers.exports import FORMATS
from layers.html_maps import OfflineAssetError


class Command(BaseCommand):
    help = (
        "Export a city's accessibility layers with metadata and attribution; --format html writes one shareable "
        "interactive map (a layer by one indicator, a siting scenario, or a neighbourhood profile) that opens offline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("--format", choices=(*FORMATS, "html"), default="gpkg")
        parser.add_argument(
            "--out", required=True, help="a .gpkg file, or a folder (one file per layer); for html a .html file"
        )
        parser.add_argument("--layer", action="append", help="only this layer (repeatable), e.g. walk_adult_nil")
        parser.add_argument("--indicator", help="html: the indicator coloured, e.g. sport_within_15")
        parser.add_argument("--scenario", type=int, help="html: map this siting scenario (its id) instead")
        parser.add_argument("--zone", help="html: the profile of this neighbourhood or cell (its code) instead")
        parser.add_argument("--language", choices=["it", "en"], help="html: the map's language (default: the city's)")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        release = city.current_release() if city else None
        if release is None:
            raise CommandError(f"No loaded city {options['city']!r}: run load_city and compute_access first.")
        if options["format"] == "html":
            self._html(city, release, options)
            return
        try:
            written = export_release_layers(release, options["out"], options["format"], names=options["layer"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(self.style.SUCCESS(f"{len(written)} files written."))

    def _html(self, city: City, release: Any, options: dict[str, Any]) -> None:
        layers = options["layer"] or []
        if len(layers) > 1:
            raise CommandError("--format html draws one layer: give --layer once")
        language = options["language"] or (city.language if city.language in {"it", "en"} else "en")
        out = Path(options["out"])
        if out.suffix != ".html":
            out = out / f"{city.slug}-map.html"
        try:
            with translation.override(language):
                if options["scenario"] is not None:
                    scenario = release.siting_scenarios.filter(pk=options["scenario"]).first()
                    if scenario is None:
                        raise CommandError(f"No scenario {options['scenario']} for {city.name}'s current data.")
                    document = scenario_map(scenario)
                elif options["zone"]:
                    document = profile_map(release, options["zone"], layers[0] if layers else None)
                else:
                    document = layer_map(release, layers[0] if layers else None, options["indicator"])
        except (ShareableMapError, OfflineAssetError) as error:
            raise CommandError(str(error)) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(document, encoding="utf-8")
        self.stdout.write(str(out))
        self.stdout.write(self.style.SUCCESS(f"1 file written ({out.stat().st_size / 1e6:.1f} MB, opens offline)."))
