"""`python manage.py load_city CITY`: import a city's sources into a new data release."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.cities import (
    CityConfig,
    SourceConfig,
    available_cities,
    city_config_from_file,
    city_config_from_slug,
)
from data_sources.csv_safety import safe_frame
from data_sources.errors import VicinoError
from geo.importing import import_city
from geo.reporting import summary_table, write_release_outcome


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
        parser.add_argument(
            "--gtfs",
            action="append",
            default=[],
            metavar="FEED",
            help=(
                "a GTFS zip or folder that replaces ALL of the city's configured GTFS feeds (repeatable: give each "
                "feed the city should have). A city with one configured feed keeps its source name; otherwise each "
                "feed becomes a source gtfs_<file stem>. To replace one feed of several, use --source NAME=PATH."
            ),
        )
        parser.add_argument("--rejects", help="where to write the reject report (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = options["city"]
            config = city_config_from_file(target) if target.endswith(".toml") else city_config_from_slug(target)
            overrides = _parse_overrides(options["source"])
            if options["osm"]:
                overrides["osm"] = options["osm"]
            if options["gtfs"]:
                config, feeds = with_gtfs_feeds(config, options["gtfs"])
                overrides |= feeds
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
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        write_release_outcome(self, config.name, result)
        if result.created:
            self.stdout.write(
                f"Reject report: {rejects_path} ({len(result.report)} rows); rows set aside and notes beside it."
            )


def with_gtfs_feeds(config: CityConfig, feeds: list[str]) -> tuple[CityConfig, dict[str, str | Path]]:
    """The city with its GTFS sources replaced by ``feeds``, and the overrides pointing at them.

    One feed for a city with one configured GTFS source keeps that source (its name and attribution); otherwise
    every configured GTFS source is dropped and each feed becomes a source named ``gtfs_<file stem>``.
    """
    configured = [s for s in config.sources.values() if s.kind == "gtfs"]
    if len(configured) == 1 and len(feeds) == 1:
        return config, {configured[0].name: feeds[0]}
    sources = {name: s for name, s in config.sources.items() if s.kind != "gtfs"}
    overrides: dict[str, str | Path] = {}
    for feed in feeds:
        stem = re.sub(r"[^a-z0-9_]+", "_", Path(feed).name.removesuffix(".zip").lower()).strip("_") or "feed"
        name = f"gtfs_{stem}"
        if name in sources:
            raise CommandError(f"--gtfs {feed}: two feeds would both be called {name!r}; rename one file.")
        sources[name] = SourceConfig(name, "gtfs", file=str(feed))
        overrides[name] = feed
    return replace(config, sources=sources), overrides


def _parse_overrides(pairs: list[str]) -> dict[str, str | Path]:
    overrides: dict[str, str | Path] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise CommandError(f"--source expects NAME=PATH, got {pair!r}.")
        overrides[name.strip()] = path.strip()
    return overrides
