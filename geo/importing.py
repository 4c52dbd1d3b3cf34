"""Imports a city's sources into a new, versioned :class:`~geo.models.DataRelease`.

The pure readers in :mod:`data_sources` read and validate; this module resolves where each source is, hashes the
inputs, and stores the result atomically. Same inputs → same release (idempotent); a failure rolls the whole
import back and leaves the previous release untouched.

Sources load in dependency order: zones first, then population (census sections, grid cells), then the city's
boundary is known and points can be checked against it (opportunities, catalogues, schools, OSM, GTFS); last,
population is aggregated to every neighbourhood level.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from data_sources import (
    atm_summary,
    catalogue,
    gtfs,
    ipea_hexgrid,
    osm,
    osm_opportunities,
    place_names,
    population,
    readers,
)
from data_sources.basemap import basemap_from_source
from data_sources.boundaries import zones_from_file
from data_sources.cities import CityConfig, SourceConfig
from data_sources.contracts import TEXT_LIMITS
from data_sources.download import path_for_source, sha256_of_file
from data_sources.errors import ConfigError, DownloadError, SourceFormatError, SourceNotFoundError
from data_sources.place_names import PlaceNamer
from data_sources.rejects import RejectReport
from data_sources.validation import TOO_LONG, text_too_long
from geo.models import (
    City,
    DataRelease,
    Neighbourhood,
    NeighbourhoodPopulation,
    Opportunity,
    PopulationZone,
    School,
    StreetNetwork,
    TransitFeed,
    TransitStop,
)
from geo.releases import Publication, publish_if_complete

Progress = Callable[[str], None]

#: Order in which source kinds load (later kinds may need what earlier ones stored).
KIND_ORDER = [
    "zones", "street_names", "census_ages", "census", "hexgrid", "osm", "opportunities", "catalogue", "schools", "gtfs",
    "basemap",
]  # fmt: skip


@dataclass
class ImportResult:
    """What an import did: the release, whether it was new, and per-source counts and rejects."""

    release: DataRelease
    created: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    report: RejectReport = field(default_factory=RejectReport)
    missing: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    publication: Publication | None = None


@dataclass
class LoadContext:
    """What a loader sees: the release being built, every source's path, and the city boundary once known."""

    release: DataRelease
    config: CityConfig
    paths: dict[str, tuple[SourceConfig, Path]]
    progress: Progress
    boundary: shapely.Geometry | None = None
    population_units: list[gpd.GeoDataFrame] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    namer: PlaceNamer | None = None
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        """Say something the operator must act on (printed now, and again after the summary)."""
        self.warnings.append(message)
        self.progress(f"WARNING: {message}")


def namer_of(context: LoadContext) -> PlaceNamer:
    """Readable labels for unnamed places (built once per import, after the zones are stored).

    Street names come from the city's ``street_names`` sources and its OSM extract's named highways; zone names
    from the stored zones of the level ``[city] name_zones`` names (e.g. NIL).
    """
    if context.namer is None:
        config = context.config
        files = [path for source, path in context.paths.values() if source.kind == "street_names"]
        frames = [place_names.named_streets_from_geojson(files)] if files else []
        frames += [
            place_names.named_streets_from_osm_file(path)
            for source, path in context.paths.values()
            if source.kind == "osm"
        ]
        streets = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326") if frames else None
        zones = None
        if config.name_zones:
            stored = list(context.release.neighbourhoods.filter(level=config.name_zones))
            zones = gpd.GeoDataFrame(
                {"name": [z.name for z in stored]},
                geometry=[shapely.from_wkb(bytes(z.geom.wkb)) for z in stored],
                crs="EPSG:4326",
            )
        context.namer = place_names.PlaceNamer(
            language=config.language, streets=streets, zones=zones, zone_prefix=config.name_zone_prefix,
            metric_epsg=config.metric_epsg, max_street_m=config.name_max_street_m,
        )  # fmt: skip
    return context.namer


@dataclass
class Loaded:
    """A loader's outcome: its summary lines (one per file or table read) and its rejects."""

    lines: dict[str, dict[str, int]]
    report: RejectReport


def summary_line(report: RejectReport, loaded: int, source: str | None = None) -> dict[str, int]:
    """read / loaded / set aside / rejected of one input (one source of ``report``, or all of it).

    Set-aside rows were read and are fine but have no row of their own (merged into another, or a grid cell with
    nothing in it); ``read = loaded + set_aside + rejected`` holds for every line.
    """
    if source is None:
        read, set_aside, rejected = sum(report.read_counts.values()), report.set_aside_count(), len(report)
    else:
        read, set_aside = report.read_counts[source], report.set_aside_count(source)
        rejected = report.rejected_count(source)
    return {"read": read, "loaded": loaded, "set_aside": set_aside, "rejected": rejected}


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
) -> tuple[dict[str, tuple[SourceConfig, Path]], dict[str, str]]:
    """Local paths of a city's sources (local file, override, or cached download), and the optional ones missing.

    A source marked ``optional = true`` that cannot be found or downloaded is skipped with its reason (a schools file
    that is not offline); any other missing source stops the import.
    """
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(config.sources))
    if unknown:
        raise ConfigError(
            f"{config.name} has no source called {', '.join(unknown)}; its sources are {', '.join(config.sources)}."
        )
    paths: dict[str, tuple[SourceConfig, Path]] = {}
    missing: dict[str, str] = {}
    for name, source in config.sources.items():
        try:
            path = path_for_source(source, settings.VICINO_DATA_DIR, settings.VICINO_CACHE_DIR, overrides.get(name))
        except (SourceNotFoundError, DownloadError) as error:
            if not source.options.get("optional") or name in overrides:
                raise
            missing[name] = str(error)
            continue
        paths[name] = (source, path)
    return paths, missing


def inputs_fingerprint(paths: dict[str, tuple[SourceConfig, Path]]) -> tuple[str, dict[str, dict[str, str]]]:
    """The release key (hash over sources' content hashes and options) and the per-source input record."""
    inputs = {
        name: {
            "file": str(path),
            "sha256": sha256_of_file(path),
            "kind": source.kind,
            "options": json.dumps(source.options, sort_keys=True),
        }
        for name, (source, path) in sorted(paths.items())
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return key, inputs


# ---------------------------------------------------------------------------------------------------------------
# Geometry conversion (shapely -> GEOS through WKB)


def geos_from_shapely(geometry: shapely.Geometry) -> GEOSGeometry:
    """A Django GEOS geometry (SRID 4326) from a shapely one."""
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry, output_dimension=2)), srid=4326)


def multipolygon_from_shapely(geometry: shapely.Geometry) -> MultiPolygon:
    """A GEOS MultiPolygon from a shapely Polygon or MultiPolygon."""
    geos = geos_from_shapely(geometry)
    return MultiPolygon(geos, srid=4326) if isinstance(geos, Polygon) else geos


def _value(value: Any) -> Any:
    """None for pandas' missing values, plain Python otherwise."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value.item() if isinstance(value, np.generic) else value


def _text(value: Any, field_name: str) -> str:
    """A value as stored text; readers and :func:`without_overlong_text` have rejected longer ones, never cut."""
    text = str(_value(value) or "")
    limit = TEXT_LIMITS[field_name]
    if len(text) > limit:
        raise SourceFormatError(f"{field_name} of {len(text)} characters reached storage unchecked (limit {limit})")
    return text


def without_overlong_text(
    frame: gpd.GeoDataFrame, report: RejectReport, source: str, file: str | Path, id_column: str = "id"
) -> gpd.GeoDataFrame:
    """The rows whose text fits :data:`TEXT_LIMITS`; each other row is rejected (file, id, field), never cut."""
    keep = np.ones(len(frame), dtype=bool)
    for name, limit in TEXT_LIMITS.items():
        if name not in frame.columns:
            continue
        for position, value in enumerate(frame[name].to_numpy(dtype=object)):
            if keep[position] and text_too_long(value, limit):
                keep[position] = False
                text = str(value).strip()
                report.add(
                    source, file, None, name, TOO_LONG, f"{len(text):,} characters, at most {limit:,}: {text[:60]}…",
                    frame[id_column].iloc[position],
                )  # fmt: skip
    return frame if keep.all() else frame[keep]


# ---------------------------------------------------------------------------------------------------------------
# Storing frames


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
                geom=multipolygon_from_shapely(row.geometry),
            )
            for row in zones.itertuples(index=False)
        ],
        batch_size=500,
    )
    return len(zones)


def store_population_units(release: DataRelease, units: gpd.GeoDataFrame) -> int:
    """Store census sections or grid cells with their youth counts."""
    points = units.geometry.representative_point()
    PopulationZone.objects.bulk_create(
        [
            PopulationZone(
                release=release,
                kind=row.kind,
                code=str(row.id),
                population=_value(row.population),
                age_0_4=_value(row.age_0_4),
                age_5_9=_value(row.age_5_9),
                age_10_14=_value(row.age_10_14),
                age_15_17=_value(row.age_15_17),
                youth_0_17=_value(row.youth_0_17),
                geom=multipolygon_from_shapely(row.geometry),
                point=geos_from_shapely(point),
            )
            for row, point in zip(units.itertuples(index=False), points, strict=True)
        ],
        batch_size=1000,
    )
    return len(units)


def _place_fields(release: DataRelease, row: Any) -> dict[str, Any]:
    """The fields every stored place has (opportunities and schools): its source and id there, name, address,
    capacity and point."""
    return {
        "release": release, "source": str(row.source), "source_id": str(row.id), "name": _text(row.name, "name"),
        "address": _text(row.address, "address"), "capacity": _value(row.capacity),
        "geom": geos_from_shapely(row.geometry),
    }  # fmt: skip


def store_opportunities(release: DataRelease, frame: gpd.GeoDataFrame) -> int:
    """Store an opportunities frame (:data:`OPPORTUNITY_COLUMNS`)."""
    rows = []
    for row in frame.itertuples(index=False):
        price = _value(row.price)
        rows.append(
            Opportunity(
                **_place_fields(release, row),
                provider=_text(row.provider, "provider"),
                category=row.category,
                pillars=str(_value(row.pillars) or ""),
                kind=_text(row.kind, "kind"),
                age_min=_value(row.age_min),
                age_max=_value(row.age_max),
                price=None if price is None else round(float(price), 2),
                voucher=_value(row.voucher),
                opening_hours=_text(row.opening_hours, "opening_hours"),
                website=_text(row.website, "website"),
            )
        )
    Opportunity.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def store_schools(release: DataRelease, frame: gpd.GeoDataFrame) -> int:
    """Store a schools frame (:data:`SCHOOL_COLUMNS`)."""
    School.objects.bulk_create(
        [
            School(
                **_place_fields(release, row),
                level=_text(row.level, "level"),
                management=_text(getattr(row, "management", None), "management"),
                operator=_text(getattr(row, "operator", None), "operator"),
                nil=_text(getattr(row, "nil", None), "nil"),
            )
            for row in frame.itertuples(index=False)
        ],
        batch_size=1000,
    )
    return len(frame)


# ---------------------------------------------------------------------------------------------------------------
# Loaders, one per source kind


def load_zones(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """Neighbourhood or district polygons."""
    zones, report = zones_from_file(
        path,
        level=source.options.get("level", source.name),
        code_field=source.options["code_field"],
        name_field=source.options.get("name_field"),
        source=source.name,
        # (0, 0) is what a configuration without ``center`` gets: no city lies there, so no check then.
        center=context.config.center if context.config.center != (0.0, 0.0) else None,
    )
    return Loaded({source.name: summary_line(report, store_zones(context.release, zones))}, report)


def load_census(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """ISTAT census sections joined with their age bands (the ``ages_source`` source)."""
    ages_path = context.paths[source.options["ages_source"]][1]
    sections, report = population.census_sections_from_files(path, ages_path, source=source.name)
    context.population_units.append(sections)
    loaded = store_population_units(context.release, sections)
    sections_line, ages_line = f"{source.name}_sections", f"{source.name}_ages"
    ages_loaded = report.read_counts[ages_line] - report.rejected_count(ages_line)
    return Loaded(
        {
            sections_line: summary_line(report, loaded, sections_line),
            ages_line: summary_line(report, ages_loaded, ages_line),
        },
        report,
    )


def load_census_ages(context: LoadContext, source: SourceConfig, path: Path) -> Loaded | None:
    """The age table is read by :func:`load_census`, which reports it on its own line."""
    return None


def load_hexgrid(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """An H3 grid with population, and schools/healthcare counts (IPEA's Access to Opportunities grids)."""
    cells, cells_report = ipea_hexgrid.population_from_hexgrid(path)
    context.population_units.append(cells)
    namer = namer_of(context)
    schools, schools_report = ipea_hexgrid.schools_from_hexgrid(path, namer=namer)
    services, services_report = ipea_hexgrid.opportunities_from_hexgrid(path, source=source.name, namer=namer)
    lines = {
        f"{source.name}/population": summary_line(cells_report, store_population_units(context.release, cells)),
        f"{source.name}/schools": summary_line(schools_report, store_schools(context.release, schools)),
        # Read counts cells; a cell yields one opportunity per service it has (``<cell>:schools``, ``:healthcare``).
        f"{source.name}/opportunities": summary_line(services_report, services["id"].str.split(":").str[0].nunique())
        | {"opportunities": store_opportunities(context.release, services)},
    }
    report = RejectReport()
    for part in (cells_report, schools_report, services_report):
        report.extend(part)
    return Loaded(lines, report)


def load_opportunities(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """A published list of facilities, read by the registered reader the city configuration names."""
    where = f"{context.config.path.name}: source {source.name!r}"
    reader = readers.reader_named(
        str(source.options.get("reader", "")), "opportunities", where=where, modules=context.config.reader_modules
    )
    same_as = source.options.get("same_places_as")
    same_places = None
    if same_as:
        if same_as not in context.frames:
            raise ConfigError(f"{where} has same_places_as = {same_as!r}, "
                              "which must be an opportunities source listed before it")  # fmt: skip
        same_places = context.frames[same_as]
    frame, report = reader(
        path, boundary=context.boundary, source=source.name, namer=namer_of(context), same_places=same_places
    )
    frame = without_overlong_text(frame, report, source.name, path)
    places = frame[["id", "name", "geometry"]].assign(source=source.name)
    set_aside_places = frame.attrs.get("set_aside_places")
    if set_aside_places is not None and len(set_aside_places):
        places = pd.concat([places, set_aside_places.assign(source=source.name)], ignore_index=True)
    context.frames[source.name] = gpd.GeoDataFrame(places, geometry="geometry", crs="EPSG:4326")
    return Loaded({source.name: summary_line(report, store_opportunities(context.release, frame))}, report)


def load_catalogue(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """An opportunity catalogue in Vicino's documented schema."""
    frame, report = catalogue.catalogue_from_file(path, boundary=context.boundary, source=source.name)
    return Loaded({source.name: summary_line(report, store_opportunities(context.release, frame))}, report)


def load_schools(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """A schools file: Vicino's documented format (:mod:`data_sources.schools`) or a city's own reader.

    ``reader = "<name>"`` names a registered reader (:func:`data_sources.readers.registered_readers`);
    the options it declares (``level``, ``school_year``) are passed to it as keyword arguments.
    """
    where = f"{context.config.path.name}: source {source.name!r}"
    reader = readers.reader_named(
        str(source.options.get("reader", "schools_from_file")), "schools", where=where,
        modules=context.config.reader_modules,
    )  # fmt: skip
    frame, report = reader(path, boundary=context.boundary, source=source.name, options=source.options)
    frame = without_overlong_text(frame, report, source.name, path)
    return Loaded({source.name: summary_line(report, store_schools(context.release, frame))}, report)


def graph_cache_path(sha256: str) -> Path:
    """Where the walk graph built from an OSM file with this content hash is cached."""
    return settings.VICINO_CACHE_DIR / "graphs" / f"walk-{sha256[:24]}.pickle"


def load_osm(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """The walk graph (cached by content hash) and the children's points of interest of an OSM extract."""
    sha = sha256_of_file(path)
    cache = graph_cache_path(sha)
    if cache.exists():
        context.progress(f"  walk graph from cache {cache.name}")
        with cache.open("rb") as handle:
            graph = pickle.load(handle)
    else:
        context.progress(f"  building the walk graph from {path.name}")
        graph = osm.graph_from_osm_file(path)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial")
        with partial.open("wb") as handle:
            pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    stats = osm.walkable_graph_stats(graph)
    xs = [data["x"] for _, data in graph.nodes(data=True)]
    ys = [data["y"] for _, data in graph.nodes(data=True)]
    StreetNetwork.objects.create(
        release=context.release,
        source_file=str(path),
        graph_path=str(cache),
        sha256=sha,
        nodes=int(stats["nodes"]),
        edges=int(stats["edges"]),
        length_km=float(stats["length_km"]),
        bbox=Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys))),
    )
    context.progress("  points of interest")
    pois = osm.pois_from_osm_file(path)
    graph_counts = {"graph_nodes": int(stats["nodes"]), "graph_edges": int(stats["edges"])}
    if pois.empty:
        context.progress(f"  {path.name} has no points of interest for children (a street-only extract)")
        return Loaded({f"{source.name}/pois": summary_line(RejectReport(), 0) | graph_counts}, RejectReport())
    frame, report = osm_opportunities.opportunities_from_osm_pois(
        pois, boundary=context.boundary, source=source.name, file=path.name, namer=namer_of(context)
    )
    frame = without_overlong_text(frame, report, source.name, path)
    loaded = store_opportunities(context.release, frame)
    store_schools(context.release, osm_opportunities.schools_from_osm_opportunities(frame))
    line = summary_line(report, loaded) | graph_counts
    return Loaded({f"{source.name}/pois": line}, report)


def load_gtfs(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """A GTFS feed: validated, its stops stored; timetables stay in the feed file for the transit router.

    With ``reader = "atm_summary"`` the source is a folder of ATM's service summaries, turned into a frequency
    feed (:mod:`data_sources.atm_summary`); its ``estimate_note`` / ``estimate_note_it`` label every result.
    """
    extra: dict[str, str] = {}
    if source.options.get("reader") == "atm_summary":
        feed = atm_summary.feed_from_atm_folder(path, name=source.name)
        extra = {
            "reader": "atm_summary",
            "estimate_note": str(source.options.get("estimate_note", "estimated from service summaries")),
            "estimate_note_it": str(source.options.get("estimate_note_it", "stima dai riepiloghi del servizio")),
        }
    else:
        feed = gtfs.feed_from_path(path, name=source.name)
    stops = without_overlong_text(gtfs.stops_frame(feed), feed.report, feed.source_of("stops"), path)
    dates = gtfs.service_dates(feed) if feed.has_timetables else pd.DatetimeIndex([])
    if feed.has_timetables and not len(dates):
        context.warn(
            f"GTFS feed {source.name!r} ({path.name}) has trips but no day on which any service runs "
            f"({gtfs.calendar_span_text(feed)}): transit cannot be computed from it. Give a feed with current "
            f"calendars (load_city {context.config.slug} --gtfs FEED.zip)."
        )
    record = TransitFeed.objects.create(
        release=context.release,
        name=source.name,
        path=str(path),
        sha256=sha256_of_file(path),
        has_timetables=feed.has_timetables,
        first_service_date=dates.min().date() if len(dates) else None,
        last_service_date=dates.max().date() if len(dates) else None,
        counts={k: int(v) for k, v in gtfs.feed_summary(feed).items() if isinstance(v, int | np.integer)} | extra,
    )
    TransitStop.objects.bulk_create(
        [
            TransitStop(
                feed=record, stop_id=str(row.id), name=_text(row.name, "name"), geom=geos_from_shapely(row.geometry)
            )
            for row in stops.itertuples(index=False)
        ],
        batch_size=2000,
    )
    lines = {}
    for table in ("stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "frequencies"):
        table_source = feed.source_of(table)
        if feed.report.read_counts[table_source]:
            kept = len(stops) if table == "stops" else len(getattr(feed, table))
            lines[f"{source.name}/{table}"] = summary_line(feed.report, kept, table_source)
    if extra:  # the summaries' own files: every row loaded or rejected
        for file_source, read in feed.report.read_counts.items():
            kept = read - feed.report.rejected_count(file_source)
            lines[f"{source.name}/{file_source.split('/')[-1]}"] = summary_line(feed.report, kept, file_source)
    return Loaded(lines, feed.report)


def load_basemap(context: LoadContext, source: SourceConfig, path: Path) -> Loaded:
    """A base-map layer (drawn, never routed on): read, checked, and written next to the release's base map."""
    from geo.basemap import write_basemap_layer

    frame, report = basemap_from_source(
        path, source.options, metric_epsg=context.config.metric_epsg, boundary=context.boundary, source=source.name
    )
    write_basemap_layer(context.release.input_hash, source.name, frame)
    loaded = report.read_counts[source.name] - report.rejected_count(source.name) - report.set_aside_count(source.name)
    return Loaded({source.name: summary_line(report, loaded, source.name) | {"features": len(frame)}}, report)


def load_street_names(context: LoadContext, source: SourceConfig, path: Path) -> Loaded | None:
    """A named-street layer is a lookup for readable labels (:func:`namer_of` reads it), not rows of its own."""
    return None


LOADERS: dict[str, Callable[[LoadContext, SourceConfig, Path], Loaded | None]] = {
    "zones": load_zones,
    "street_names": load_street_names,
    "census_ages": load_census_ages,
    "census": load_census,
    "hexgrid": load_hexgrid,
    "osm": load_osm,
    "opportunities": load_opportunities,
    "catalogue": load_catalogue,
    "gtfs": load_gtfs,
    "schools": load_schools,
    "basemap": load_basemap,
}


def boundary_of(context: LoadContext) -> shapely.Geometry | None:
    """The city's boundary (EPSG:4326) from the source its configuration names, once that source is stored."""
    name = context.config.boundary
    if not name or name not in context.paths:
        return None
    return release_boundary(context.release, context.paths[name][0])


def release_boundary(release: DataRelease, source: SourceConfig) -> shapely.Geometry | None:
    """The union of a release's stored zones of the boundary ``source`` (its level of zones, or its H3 cells)."""
    if source.kind == "zones":
        level = source.options.get("level", source.name)
        geometries = release.neighbourhoods.filter(level=level).values_list("geom", flat=True)
    else:
        geometries = release.population_zones.filter(kind="h3").values_list("geom", flat=True)
    return union_of_stored(geometries)


def union_of_stored(geometries: Iterable[GEOSGeometry]) -> shapely.Geometry | None:
    """The union of stored geometries (GEOS, from the database) as one shapely geometry; None when there are none."""
    shapes = [shapely.from_wkb(bytes(g.wkb)) for g in geometries]
    return shapely.union_all(shapes) if shapes else None


def derive_h3_cells(context: LoadContext) -> int:
    """H3 resolution-9 cells over the city with youth moved from census sections (area-weighted).

    Porto Alegre and São Paulo come with such a grid; a city with census sections gets the same layer.
    """
    if context.boundary is None or any(kind == "h3" for kind in _unit_kinds(context)):
        return 0
    census = [u for u in context.population_units if (u["kind"] == "census_section").any()]
    if not census:
        return 0
    from layers.grids import h3_cells_covering, population_on_cells

    sections = pd.concat(census, ignore_index=True)
    cells = h3_cells_covering(context.boundary)
    value_columns = ["population", *population.YOUTH_BANDS, "youth_0_17"]
    counts = population_on_cells(sections, cells, value_columns, context.config.metric_epsg)
    cells = cells.join(counts, on="id")
    cells["kind"] = "h3"
    store_population_units(context.release, cells)
    return len(cells)


def _unit_kinds(context: LoadContext) -> set[str]:
    return {kind for units in context.population_units for kind in units["kind"].unique()}


def aggregate_population(context: LoadContext) -> int:
    """Youth counts and youth-weighted origin points for every stored neighbourhood."""
    if not context.population_units:
        return 0
    units = pd.concat(context.population_units, ignore_index=True)
    created = 0
    for level in context.release.neighbourhoods.order_by().values_list("level", flat=True).distinct():
        zones_qs = list(context.release.neighbourhoods.filter(level=level))
        zones = gpd.GeoDataFrame(
            {"code": [z.code for z in zones_qs]},
            geometry=[shapely.from_wkb(bytes(z.geom.wkb)) for z in zones_qs],
            crs="EPSG:4326",
        )
        table = population.population_by_zone(units, zones, metric_crs=context.config.metric_epsg)
        NeighbourhoodPopulation.objects.bulk_create(
            [
                NeighbourhoodPopulation(
                    neighbourhood=zone,
                    units=int(table.at[zone.code, "units"]),
                    origin=geos_from_shapely(
                        shapely.Point(table.at[zone.code, "origin_lon"], table.at[zone.code, "origin_lat"])
                    ),
                    **{c: float(table.at[zone.code, c]) for c in ["population", *population.YOUTH_BANDS, "youth_0_17"]},
                )
                for zone in zones_qs
            ]
        )
        created += len(zones_qs)
    return created


def import_city(
    config: CityConfig,
    overrides: dict[str, str | Path] | None = None,
    progress: Progress = lambda message: None,
) -> ImportResult:
    """Import every source of a city into a release (or find the release these inputs already made)."""
    city = city_from_config(config)
    paths, missing = resolve_sources(config, overrides)
    for name, reason in missing.items():
        progress(f"No {name} for {config.name}: {reason} (optional: the import goes on without it).")
    key, inputs = inputs_fingerprint(paths)
    loaded_statuses = [DataRelease.Status.LOADED, DataRelease.Status.READY]
    existing = city.releases.filter(input_hash=key, status__in=loaded_statuses).first()
    if existing is not None:
        progress(f"Inputs unchanged: release {existing.pk} ({key[:10]}) is already loaded.")
        return ImportResult(
            existing, created=False, counts=existing.counts, missing=missing, publication=publish_if_complete(existing)
        )
    report = RejectReport()
    counts: dict[str, dict[str, int]] = {}
    ordered = sorted(paths.items(), key=lambda item: KIND_ORDER.index(item[1][0].kind))
    with transaction.atomic():
        city.releases.filter(input_hash=key).delete()  # a FAILED leftover of the same inputs
        release = DataRelease.objects.create(city=city, input_hash=key, inputs=inputs)
        context = LoadContext(release, config, paths, progress)
        for name, (source, path) in ordered:
            needs_boundary = {"opportunities", "catalogue", "schools", "osm", "gtfs", "basemap"}
            if source.kind in needs_boundary and context.boundary is None:
                context.boundary = boundary_of(context)
            loader = LOADERS.get(source.kind)
            if loader is None:
                raise ConfigError(f"{config.path.name}: source {name!r} has unknown kind {source.kind!r}.")
            progress(f"Loading {name} ({source.kind}) from {path.name} ...")
            loaded = loader(context, source, path)
            if loaded is None:
                continue
            report.extend(loaded.report)
            counts.update(loaded.lines)
        if context.boundary is None:
            context.boundary = boundary_of(context)
        aggregated = aggregate_population(context)
        if aggregated:
            progress(f"Aggregated youth population to {aggregated} neighbourhoods.")
        cells = derive_h3_cells(context)
        if cells:
            progress(f"Moved youth from census sections onto {cells} H3 cells (resolution 9).")
        release.counts = counts
        release.status = DataRelease.Status.LOADED
        release.save(update_fields=["counts", "status"])
        publication = publish_if_complete(release)
    return ImportResult(
        release,
        created=True,
        counts=counts,
        report=report,
        missing=missing,
        warnings=context.warnings,
        publication=publication,
    )


def import_catalogue(
    config: CityConfig,
    path: str | Path,
    *,
    name: str = "catalogue",
    overrides: dict[str, str | Path] | None = None,
    progress: Progress = lambda message: None,
) -> ImportResult:
    """Import an opportunity catalogue into a new release of the city, keeping catalogues imported before.

    The new release holds the city's configured sources plus every catalogue of the latest release (published
    or not), with this one added (or replaced, when ``name`` was imported before). Importing the same file again
    finds the same release.
    """
    if not Path(path).exists():
        raise SourceNotFoundError(f"catalogue {path} does not exist.")
    sources = dict(config.sources)
    overrides = dict(overrides or {})
    city = City.objects.filter(slug=config.slug).first()
    current = city.latest_release() if city else None
    if current is not None:
        for source_name, record in current.inputs.items():
            if record.get("kind") == "catalogue" and source_name not in sources and Path(record["file"]).exists():
                sources[source_name] = SourceConfig(source_name, "catalogue", file=record["file"])
                overrides[source_name] = record["file"]
    sources[name] = SourceConfig(name, "catalogue", file=str(path))
    overrides[name] = path
    return import_city(replace(config, sources=sources), overrides, progress)
