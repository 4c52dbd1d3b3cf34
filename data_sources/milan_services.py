"""Milan's public playgrounds (ds724), outdoor sport facilities in parks (ds1640) and civic libraries (ds1306).

Every reader returns ``(opportunities, report)`` like those of :mod:`data_sources.opportunities`:
``read = loaded + set aside + rejected`` per source, categories, pillars and ages from the editable tables
``mappings/ds724.csv``, ``ds1640.csv``, ``ds1306.csv``.

- **ds724 / ds1640** (:func:`opportunities_from_playgrounds`, :func:`opportunities_from_park_sport_facilities`):
  MultiPolygons from the Comune's green-space database. Id ``ds724-<obj_id>`` / ``ds1640-<obj_id>`` (the
  database's object id, unique in each file; ``id_area`` is the park and repeats). The opportunity's point is
  ``shapely.point_on_surface`` of the polygon, so it always lies on the playground or court (a centroid can fall
  outside an L-shaped area). Names are readable labels ("Area giochi, via Crivelli n. 21 (NIL Porta Romana)")
  from the kind, the file's ``località`` text and the NIL (:class:`~data_sources.place_names.PlaceNamer`). Free
  (``price`` 0) and run by the Comune.
- **ds1306** (:func:`opportunities_from_civic_libraries`): the 26 civic libraries with their Italian opening-hours
  text ``Orari``, converted by :func:`~data_sources.italian_hours.opening_hours_from_italian`. A text that cannot be
  converted is kept as a note in the report (the library loads without hours: "unknown", never guessed). A library
  whose text says it is closed (``chiusa``) is set aside as closed to the public. Id ``ds1306-<name slug>`` (the
  file has no code; the slug drops ``Biblioteca`` and any parenthesis such as a temporary seat). Double-encoded
  UTF-8 (``mercoledÃ¬``) is repaired, with a note.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.errors import NoUsableRowsError
from data_sources.italian_hours import HoursNotUnderstoodError, opening_hours_from_italian
from data_sources.opportunities import (
    _finish,
    _mapped,
    _mapping,
    _reject_bad_text,
    _reject_duplicates,
    _require,
    name_key,
)
from data_sources.place_names import PlaceNamer
from data_sources.validation import (
    Area,
    Rejector,
    SourceReport,
    existing_path,
    frame_from_geojson_path,
    geometry_problems,
    opportunities_from_frame,
    point_coordinates_from_geometry,
    points_checked,
    text_values,
)

PROVIDER = "Comune di Milano"
ITALIAN_ACCENTED = frozenset("àáèéìíòóùúÀÁÈÉÌÍÒÓÙÚ")
CLOSED_TO_PUBLIC = "closed to the public"


def repaired_text(value: object) -> object:
    """Text that was UTF-8 decoded as Latin-1 (``mercoledÃ¬``) back to what was meant (``mercoledì``).

    Only a text that round-trips exactly into ASCII and Italian accented letters is changed; anything else is
    returned as it is.
    """
    if not isinstance(value, str) or "Ã" not in value:
        return value
    for encoding in ("latin-1", "cp1252"):
        try:
            repaired = value.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        # a lossy mangling (a typographic apostrophe became "Ã\x95") repairs to a wrong letter: keep the original
        if all(ord(c) < 128 or c in ITALIAN_ACCENTED for c in repaired):
            return repaired
    return value


def _polygon_opportunities(
    path: str | Path,
    *,
    source: str,
    mapping: pd.DataFrame,
    boundary: Area | None,
    id_prefix: str,
    namer: PlaceNamer | None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    report = SourceReport()
    path = existing_path(path)
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    _require(frame, ["obj_id", "descrizione_codice"], path)
    if "località" not in frame.columns:
        frame["località"] = np.nan
    own = text_values(frame["obj_id"]).map(lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v)
    frame["id"] = (id_prefix + own.astype(str)).where(own.notna(), np.nan)
    reject = Rejector(report, source, path, id_field="id")
    frame = _reject_bad_text(frame, reject)
    frame = reject(frame, frame["id"].isna(), "obj_id", "missing object id")
    frame = _reject_duplicates(frame, reject)
    problems = geometry_problems(frame["geometry"])
    frame = reject(frame, problems.notna(), "geometry", problems,
                   frame["geometry"].map(lambda g: g.geom_type if g is not None else ""))  # fmt: skip
    frame = point_coordinates_from_geometry(frame)  # point_on_surface: on the polygon, never a centroid off it
    frame = points_checked(frame, reject, lon_field="_x", lat_field="_y", area=boundary, path=path,
                           lon_label="geometry", lat_label="geometry")  # fmt: skip
    frame = _mapped(frame, reject, mapping)
    _finish(frame, path, report, source)
    namer = namer or PlaceNamer(language="it")
    points = gpd.GeoSeries(gpd.points_from_xy(frame["_lon"], frame["_lat"]), index=frame.index, crs="EPSG:4326")
    places = text_values(frame["località"])
    frame["name"] = namer.labels(frame["kind"], points, places=places)
    frame["address"] = places
    frame["provider"] = PROVIDER
    frame["price"] = 0.0
    frame["source"] = source
    return opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]), report


def opportunities_from_playgrounds(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds724",
    namer: PlaceNamer | None = None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Milan's public playgrounds (ds724 "aree gioco"), one opportunity per polygon (see the module docstring)."""
    return _polygon_opportunities(
        path, source=source, mapping=_mapping(mapping, "ds724"), boundary=boundary, id_prefix="ds724-", namer=namer
    )


def opportunities_from_park_sport_facilities(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds1640",
    namer: PlaceNamer | None = None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Milan's outdoor sport facilities in parks (ds1640), one per polygon; the sport from ``descrizione_codice``."""
    return _polygon_opportunities(
        path, source=source, mapping=_mapping(mapping, "ds1640"), boundary=boundary, id_prefix="ds1640-", namer=namer
    )


def library_slug(name: object) -> object:
    """``Biblioteca Crescenzago (sede provv. ...)`` → ``crescenzago`` (:func:`name_key`); NaN for no name."""
    return name_key(name, ignore=("biblioteca",))


def opportunities_from_civic_libraries(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds1306",
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Milan's civic libraries (ds1306) with their opening hours (see the module docstring)."""
    report = SourceReport()
    path = existing_path(path)
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    _require(frame, ["Biblioteche - Sede", "Orari"], path)
    for name in ("Indirizzo", "Note", "long", "lat"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame["id"] = "ds1306-" + frame["Biblioteche - Sede"].map(library_slug).astype(str)
    frame.loc[frame["Biblioteche - Sede"].map(library_slug).isna(), "id"] = np.nan
    reject = Rejector(report, source, path, id_field="id")
    frame = _reject_bad_text(frame, reject)
    for name in ("Biblioteche - Sede", "Indirizzo", "Orari", "Note"):
        repaired = frame[name].map(repaired_text)
        for row in frame.index[(repaired != frame[name]) & repaired.notna()]:
            report.add_note(source, path, int(row), frame.at[row, "id"], name,
                            f"double-encoded UTF-8 repaired: {frame.at[row, name]!r} -> {repaired[row]!r}")  # fmt: skip
        frame[name] = repaired
    frame = reject(frame, frame["id"].isna(), "Biblioteche - Sede", "missing name")
    frame = _reject_duplicates(frame, reject)
    frame = point_coordinates_from_geometry(frame)
    frame = points_checked(frame, reject, lon_field="_x", lat_field="_y", area=boundary, path=path,
                           lon_label="geometry", lat_label="geometry")  # fmt: skip
    frame = _mapped(frame, reject, _mapping(mapping, "ds1306"))
    hours: dict[object, object] = {}
    closed = []
    for row in frame.index:
        text = frame.at[row, "Orari"]
        try:
            rule = opening_hours_from_italian(str(text) if isinstance(text, str) else "")
        except HoursNotUnderstoodError as error:
            message = f"opening hours not understood, kept as text (no hours loaded): {text!r} ({error})"
            report.add_note(source, path, int(row), frame.at[row, "id"], "Orari", message)
            hours[row] = np.nan
            continue
        if rule == "off":
            closed.append(row)
        hours[row] = rule
    for row in closed:
        note = frame.at[row, "Note"]
        report.add_set_aside(source, path, int(row), f"{CLOSED_TO_PUBLIC} (Orari: {frame.at[row, 'Orari']!r}"
                             + (f"; Note: {note!r})" if isinstance(note, str) else ")"))  # fmt: skip
    closed_frame = frame.loc[closed]
    frame = frame.drop(index=closed)
    _finish(frame, path, report, source)
    frame["opening_hours"] = pd.Series(hours)[frame.index]
    frame["name"] = frame["Biblioteche - Sede"].map(
        lambda v: v if str(v).casefold().startswith("biblio") else f"Biblioteca {v}"
    )
    frame["address"] = frame["Indirizzo"]
    frame["provider"] = PROVIDER
    frame["price"] = 0.0
    frame["source"] = source
    result = opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"])
    # the closed libraries, so that another source listing them (ds41) can set them aside too
    result.attrs["set_aside_places"] = gpd.GeoDataFrame(
        {"id": closed_frame["id"], "name": closed_frame["Biblioteche - Sede"], "source": source},
        geometry=gpd.points_from_xy(closed_frame["_lon"], closed_frame["_lat"]),
        crs="EPSG:4326",
    ).reset_index(drop=True)
    return result, report
