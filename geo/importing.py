"""Imports a city's sources into a new, versioned :class:`~geo.models.DataRelease`.

The pure readers in :mod:`data_sources` do the reading and validation; this module resolves where each source
is, hashes the inputs, and stores the result atomically. Same inputs → same release (idempotent); a failure
rolls back and leaves the previous release untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from data_sources.boundaries import zones_from_file
from data_sources.cities import CityConfig, SourceConfig
from data_sources.download import path_for_source, sha256_of_file
from data_sources.rejects import RejectReport
from geo.models import City, DataRelease, Neighbourhood

Progress = Callable[[str], None]


@dataclass
class ImportResult:
    """What an import did: the release, whether it was new, and per-source counts and rejects."""

    release: DataRelease
    created: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    report: RejectReport = field(default_factory=RejectReport)


def city_from_config(config: CityConfig) -> City:
    """Create or update the City row described by a configuration."""
    city, _ = City.objects.update_or_create(
        slug=config.slug,
        defaults={
            "name": config.name,
            "country": config.country,
            "metric_epsg": config.metric_epsg,
            "language": config.language,
        },
    )
    return city


def resolve_sources(
    config: CityConfig, overrides: dict[str, str | Path] | None = None
) -> dict[str, tuple[SourceConfig, Path]]:
    """Local paths of every source of a city (local file, override, or cached download)."""
    overrides = overrides or {}
    return {
        name: (
            source,
            path_for_source(source, settings.VICINO_DATA_DIR, settings.VICINO_CACHE_DIR, overrides.get(name)),
        )
        for name, source in config.sources.items()
    }


def inputs_fingerprint(paths: dict[str, tuple[SourceConfig, Path]]) -> tuple[str, dict[str, dict[str, str]]]:
    """The release key (hash over sources' content hashes and options) and the per-source input record."""
    inputs = {
        name: {
            "file": str(path),
            "sha256": sha256_of_file(path),
            "options": json.dumps(source.options, sort_keys=True),
        }
        for name, (source, path) in sorted(paths.items())
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return key, inputs


def _multipolygon(geometry: object) -> GEOSGeometry:
    return GEOSGeometry(memoryview(geometry.wkb), srid=4326)  # type: ignore[attr-defined]


def store_zones(release: DataRelease, zones: gpd.GeoDataFrame) -> int:
    """Store zones (:data:`ZONE_COLUMNS` + area_m2) in a release."""
    Neighbourhood.objects.bulk_create(
        [
            Neighbourhood(
                release=release,
                level=row.level,
                code=row.code,
                name=row.name,
                area_m2=float(row.area_m2),
                geom=_multipolygon(row.geometry),
            )
            for row in zones.itertuples(index=False)
        ],
        batch_size=500,
    )
    return len(zones)


def load_zones(release: DataRelease, source: SourceConfig, path: Path) -> tuple[int, RejectReport]:
    """Read and store one zones source."""
    zones, report = zones_from_file(
        path,
        level=source.options.get("level", source.name),
        code_field=source.options["code_field"],
        name_field=source.options.get("name_field"),
        source=source.name,
    )
    return store_zones(release, zones), report


LOADERS: dict[str, Callable[[DataRelease, SourceConfig, Path], tuple[int, RejectReport]]] = {
    "zones": load_zones,
}


def import_city(
    config: CityConfig,
    overrides: dict[str, str | Path] | None = None,
    progress: Progress = lambda message: None,
) -> ImportResult:
    """Import every source of a city into a release (or find the release these inputs already made)."""
    city = city_from_config(config)
    paths = resolve_sources(config, overrides)
    key, inputs = inputs_fingerprint(paths)
    existing = city.releases.filter(input_hash=key, status=DataRelease.Status.READY).first()
    if existing is not None:
        progress(f"Inputs unchanged: release {existing.pk} ({key[:10]}) is already loaded.")
        return ImportResult(existing, created=False, counts=existing.counts)
    report = RejectReport()
    counts: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        city.releases.filter(input_hash=key).delete()  # a FAILED leftover of the same inputs
        release = DataRelease.objects.create(city=city, input_hash=key, inputs=inputs)
        for name, (source, path) in paths.items():
            loader = LOADERS.get(source.kind)
            if loader is None:
                continue
            progress(f"Loading {name} from {path.name} ...")
            loaded, source_report = loader(release, source, path)
            report.extend(source_report)
            read = source_report.read_counts[name]
            counts[name] = {"read": read, "loaded": loaded, "rejected": source_report.rejected_count(name)}
        release.counts = counts
        release.status = DataRelease.Status.READY
        release.save(update_fields=["counts", "status"])
    return ImportResult(release, created=True, counts=counts, report=report)
