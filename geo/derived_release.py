"""A new release made from the served one with one catalogue replaced: no full city reload.

Publishing the providers' approved offerings changes one catalogue only; reading every source of the city again (a
large city: 15 s or more inside one write transaction) would make web writes wait for nothing. Instead the new
release copies the served release's rows in the database (``INSERT … SELECT``, in chunks of :data:`CHUNK_ROWS` rows,
each chunk its own short transaction): zones with their youth population and origin points, population units (census
sections, H3 cells), schools, transit feeds and their stops, the street network's record, every opportunity except
those of the replaced catalogue; and the base-map layers kept next to the release (files). The catalogue is then
read through the same checks as a file import (:func:`data_sources.catalogue.catalogue_from_file`, against the
city's boundary from the copied zones) and stored; its rejects are returned in the :class:`ImportResult`.

The release's ``inputs`` are the served release's with the catalogue's record (file, content hash) put in place, and
its ``input_hash`` is computed as :func:`geo.importing.inputs_fingerprint` does: a full import of the same inputs
(``import_catalogue`` with the same file) finds this release instead of loading another, and a derivation whose
inputs were loaded before finds that release. The release stays ``loading`` (never served, never computed on) until
every row is in; a failure removes it (rows and all) and the served release stays. Accessibility layers are not copied:
they depend on the opportunities and are computed again (:func:`geo.access.compute_access`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from django.db import connection, models, transaction

from data_sources import catalogue
from data_sources.cities import CityConfig
from data_sources.download import sha256_of_file
from data_sources.errors import SourceNotFoundError
from geo.basemap import copy_basemap_layers
from geo.importing import ImportResult, release_boundary, store_opportunities, summary_line
from geo.models import (
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
from geo.releases import publish_if_complete

Progress = Callable[[str], None]
logger = logging.getLogger(__name__)

#: Rows copied per transaction: each chunk holds the write lock for a fraction of a second.
CHUNK_ROWS = 2000


def catalogue_input(path: Path) -> dict[str, str]:
    """A catalogue file's record in a release's ``inputs``, as :func:`geo.importing.inputs_fingerprint` makes it."""
    return {"file": str(path), "sha256": sha256_of_file(path), "kind": "catalogue", "options": json.dumps({})}


def input_hash_of(inputs: dict[str, dict[str, str]]) -> str:
    """The release key of ``inputs`` (the same function of the same records as a full import)."""
    ordered = {name: inputs[name] for name in sorted(inputs)}
    return hashlib.sha256(json.dumps(ordered, sort_keys=True).encode()).hexdigest()


def derive_release_with_catalogue(
    served: DataRelease,
    config: CityConfig,
    path: str | Path,
    *,
    name: str,
    progress: Progress = lambda message: None,
) -> ImportResult:
    """A release equal to ``served`` with the catalogue ``name`` replaced by the file at ``path`` (or the release
    these inputs made before); see the module docstring."""
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"catalogue {path} does not exist.")
    inputs = dict(served.inputs) | {name: catalogue_input(path)}
    key = input_hash_of(inputs)
    city = served.city
    loaded = [DataRelease.Status.LOADED, DataRelease.Status.READY]
    existing = city.releases.filter(input_hash=key, status__in=loaded).first()
    if existing is not None:
        progress(f"Inputs unchanged: release {existing.pk} ({key[:10]}) is already loaded.")
        return ImportResult(existing, created=False, counts=existing.counts, publication=publish_if_complete(existing))
    with transaction.atomic():
        city.releases.filter(input_hash=key).delete()  # a failed or interrupted leftover of the same inputs
        release = DataRelease.objects.create(city=city, input_hash=key, inputs=inputs)
    try:
        return _fill(release, served, config, path, name, progress)
    except BaseException:
        _discard(release)
        raise


def _discard(release: DataRelease) -> None:
    """Remove a release that failed while it was filled (its copied rows with it); marked ``failed`` if even that
    fails, so that it is never served and the next derivation of the same inputs replaces it."""
    try:
        with transaction.atomic():
            release.delete()
    except Exception:
        logger.exception("release %s could not be removed after a failed derivation", release.pk)
        DataRelease.objects.filter(pk=release.pk).update(status=DataRelease.Status.FAILED)


def _fill(
    release: DataRelease, served: DataRelease, config: CityConfig, path: Path, name: str, progress: Progress
) -> ImportResult:
    progress(f"Copying release {served.pk} into release {release.pk} ...")
    copied = {
        "zones": _copy(Neighbourhood, served, release),
        "zone_population": _copy_population(served, release),
        "population_units": _copy(PopulationZone, served, release),
        "schools": _copy(School, served, release),
        "opportunities": _copy(Opportunity, served, release, except_source=name),
        "street_network": _copy(StreetNetwork, served, release),
        "transit_feeds": _copy(TransitFeed, served, release),
        "transit_stops": _copy_stops(served, release),
    }
    progress("  " + ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in copied.items()))
    copy_basemap_layers(served.input_hash, release.input_hash, [n for n, r in served.inputs.items()
                                                               if r.get("kind") == "basemap"])  # fmt: skip

    boundary_source = config.sources.get(config.boundary) if config.boundary else None
    boundary = release_boundary(release, boundary_source) if boundary_source is not None else None
    progress(f"Loading {name} (catalogue) from {path.name} ...")
    frame, report = catalogue.catalogue_from_file(path, boundary=boundary, source=name)
    with transaction.atomic():
        stored = store_opportunities(release, frame)
    counts = {line: numbers for line, numbers in served.counts.items() if line != name}
    counts[name] = summary_line(report, stored)
    release.counts = counts
    release.status = DataRelease.Status.LOADED
    release.save(update_fields=["counts", "status"])
    return ImportResult(release, created=True, counts=counts, report=report, publication=publish_if_complete(release))


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.local_concrete_fields if not f.primary_key]


def _copy_chunks(model: type[models.Model], select: str, params: list[object], ids: list[int]) -> int:
    """Run ``INSERT INTO <model> (<columns>) <select> AND <source>.id BETWEEN %s AND %s`` chunk by chunk of ``ids``
    (the source rows' ids, sorted), each chunk in its own transaction; the number of rows copied."""
    table, quote = model._meta.db_table, connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _columns(model))
    copied = 0
    for start in range(0, len(ids), CHUNK_ROWS):
        chunk = ids[start : start + CHUNK_ROWS]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) {select} AND src.id BETWEEN %s AND %s",
                [*params, chunk[0], chunk[-1]],
            )
        copied += len(chunk)
    return copied


def _copy(model: type[models.Model], served: DataRelease, release: DataRelease, *, except_source: str = "") -> int:
    """Copy the rows of a model that belong to a release straight (``release_id`` replaced), but those of
    ``except_source`` (a model with a ``source`` field)."""
    quote = connection.ops.quote_name
    rows = model.objects.filter(release=served)
    selected = ", ".join("%s" if c == "release_id" else f"src.{quote(c)}" for c in _columns(model))
    select = f"SELECT {selected} FROM {quote(model._meta.db_table)} src WHERE src.release_id = %s"
    params: list[object] = [release.pk, served.pk]
    if except_source:
        rows = rows.exclude(source=except_source)
        select += " AND src.source <> %s"
        params.append(except_source)
    ids = sorted(rows.values_list("id", flat=True))
    return _copy_chunks(model, select, params, ids) if ids else 0


def _copy_children(
    model: type[models.Model],
    parent: type[models.Model],
    parent_field: str,
    keys: tuple[str, ...],
    served: DataRelease,
    release: DataRelease,
) -> int:
    """Copy the ``model`` rows whose ``parent_field`` points at a ``parent`` row of ``served`` onto the copied parent
    of ``release`` that has the same ``keys`` (zone level and code, feed name)."""
    quote = connection.ops.quote_name
    parents = quote(parent._meta.db_table)
    column = f"{parent_field}_id"
    selected = ", ".join("copied.id" if c == column else f"src.{quote(c)}" for c in _columns(model))
    same = " AND ".join(f"copied.{quote(k)} = prior.{quote(k)}" for k in keys)
    select = (
        f"SELECT {selected} FROM {quote(model._meta.db_table)} src "
        f"JOIN {parents} prior ON prior.id = src.{quote(column)} "
        f"JOIN {parents} copied ON copied.release_id = %s AND {same} "
        "WHERE prior.release_id = %s"
    )  # fmt: skip
    ids = sorted(model.objects.filter(**{f"{parent_field}__release": served}).values_list("id", flat=True))
    return _copy_chunks(model, select, [release.pk, served.pk], ids) if ids else 0


def _copy_population(served: DataRelease, release: DataRelease) -> int:
    """Copy each zone's youth population onto the copied zone of the same level and code."""
    return _copy_children(NeighbourhoodPopulation, Neighbourhood, "neighbourhood", ("level", "code"), served, release)


def _copy_stops(served: DataRelease, release: DataRelease) -> int:
    """Copy each feed's stops onto the copied feed of the same name."""
    return _copy_children(TransitStop, TransitFeed, "feed", ("name",), served, release)
