"""Milan's published lists of facilities (Comune di Milano open data) as opportunities.

Every reader returns ``(opportunities, report)`` like those of :mod:`data_sources.opportunities`:
``read = loaded + set aside + rejected`` per source, categories, pillars and ages from the editable tables
``mappings/<dataset>.csv`` (``ds629.csv``, ``ds632.csv``, ``ds32.csv``, ``ds41.csv``, ``ds724.csv``,
``ds1640.csv``, ``ds1306.csv``).

- **ds629** sport facilities (:func:`opportunities_from_sport_facilities`): one opportunity per facility ×
  sport row, with a stable id hashed from the facility, manager, sport and place; a second row with the same
  facility, manager, sport and place (the file has two such pairs, differing only in a ticketing link) is a
  duplicate id.
- **ds632** street sport areas (:func:`opportunities_from_street_sport_areas`): the file has one row per
  area × sport × month; the reader makes **one point per area** (``Codice area``) with the sports listed in
  ``kind`` and ``name`` and the monthly hours as an OSM ``opening_hours`` rule. Of each area's good rows, the one
  nearest the middle of its courts is loaded; the others are *set aside* as ``merged into area <code>`` (see
  :class:`~data_sources.validation.SourceReport`), so read = loaded + merged + rejected.
- **ds32** swimming pools and **ds41** libraries and archives (:func:`opportunities_from_swimming_pools`,
  :func:`opportunities_from_libraries`): one opportunity per row; all libraries and archives are kept (the
  archives mapped explicitly in ``ds41.csv``).

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

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import (
    WGS84,
)
from data_sources.italian_hours import HoursNotUnderstoodError, opening_hours_from_italian
from data_sources.opportunities import (
    _finish,
    _join_text,
    _mapped,
    _mapping,
    _opportunities_from_points,
    _read_features,
    _read_point_features,
    _reject_bad_geometry,
    _reject_duplicates,
    _require,
)
from data_sources.place_names import PlaceNamer
from data_sources.readers import Reader
from data_sources.validation import (
    Area,
    Rejector,
    SourceReport,
    bad_text_rejected,
    merge_pillars,
    missing_mask,
    opening_hours_valid,
    opportunities_from_frame,
    point_coordinates_from_geometry,
    text_values,
    xy_points_checked,
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
    path, frame = _read_features(path, source, report)
    _require(frame, ["obj_id", "descrizione_codice"], path)
    if "località" not in frame.columns:
        frame["località"] = np.nan
    own = text_values(frame["obj_id"]).map(lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v)
    frame["id"] = (id_prefix + own.astype(str)).where(own.notna(), np.nan)
    reject = Rejector(report, source, path, id_field="id")
    frame = bad_text_rejected(frame, reject)
    frame = reject(frame, frame["id"].isna(), "obj_id", "missing object id")
    frame = _reject_duplicates(frame, reject)
    frame = _reject_bad_geometry(frame, reject)
    frame = point_coordinates_from_geometry(frame)  # point_on_surface: on the polygon, never a centroid off it
    frame = xy_points_checked(frame, reject, area=boundary, path=path)
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
    path, frame = _read_features(path, source, report)
    _require(frame, ["Biblioteche - Sede", "Orari"], path)
    for name in ("Indirizzo", "Note", "long", "lat"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame["id"] = "ds1306-" + frame["Biblioteche - Sede"].map(library_slug).astype(str)
    frame.loc[frame["Biblioteche - Sede"].map(library_slug).isna(), "id"] = np.nan
    reject = Rejector(report, source, path, id_field="id")
    frame = bad_text_rejected(frame, reject)
    for name in ("Biblioteche - Sede", "Indirizzo", "Orari", "Note"):
        repaired = frame[name].map(repaired_text)
        for row in frame.index[(repaired != frame[name]) & repaired.notna()]:
            report.add_note(source, path, int(row), frame.at[row, "id"], name,
                            f"double-encoded UTF-8 repaired: {frame.at[row, name]!r} -> {repaired[row]!r}")  # fmt: skip
        frame[name] = repaired
    frame = reject(frame, frame["id"].isna(), "Biblioteche - Sede", "missing name")
    frame = _reject_duplicates(frame, reject)
    frame = point_coordinates_from_geometry(frame)
    frame = xy_points_checked(frame, reject, area=boundary, path=path)
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


def opportunities_from_sport_facilities(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds629",
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from Milan's municipal sport facilities (ds629), one per facility × sport row.

    The id is ``ds629-`` plus a hash of the street code, house number, facility, manager, sport and point, so it
    survives reordering; a repeated facility × sport × manager row is rejected as a duplicate id. Category and
    pillars come from ``mappings/ds629.csv`` on ``Tipo`` (the sport).

    Parameters
    ----------
    path
        ``sport_facilities_ds629.geojson``.
    boundary
        The city boundary (polygon or bbox), to reject points outside it and spot swapped coordinates.
    mapping
        A mapping table (frame or CSV path); default the shipped ``ds629.csv``.
    source
        The ``source`` of the rows and rejects.
    """
    fields = ["Codice via", "LOCALITA", "SPECIFICA_LOCALITA", "Gestore", "Tipo", "_x", "_y"]
    path, frame, report = _opportunities_from_points(
        path,
        source=source,
        mapping=_mapping(mapping, "ds629"),
        boundary=boundary,
        required=["Tipo", "VIA", "LOCALITA"],
        id_fields=fields,
        id_column=None,
        id_prefix="ds629-",
        lon_field="Longitudine",
        lat_field="Latitudine",
    )
    for name in ("SPECIFICA_LOCALITA", "Gestore", "Sito Internet"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame["address"] = [_join_text(v, loc) for v, loc in zip(frame["VIA"], frame["LOCALITA"], strict=True)]
    frame["name"] = [
        _join_text(t, _join_text(s, v, sep=", "), sep=" – ")
        for t, s, v in zip(frame["Tipo"], frame["SPECIFICA_LOCALITA"], frame["VIA"], strict=True)
    ]
    frame["provider"] = frame["Gestore"]
    frame["website"] = frame["Sito Internet"]
    return opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]), report


_MONTHS = {
    "GENNAIO": "Jan",
    "FEBBRAIO": "Feb",
    "MARZO": "Mar",
    "APRILE": "Apr",
    "MAGGIO": "May",
    "GIUGNO": "Jun",
    "LUGLIO": "Jul",
    "AGOSTO": "Aug",
    "SETTEMBRE": "Sep",
    "OTTOBRE": "Oct",
    "NOVEMBRE": "Nov",
    "DICEMBRE": "Dec",
}


def _clock(value: object) -> str | None:
    """``7`` → ``07:00``, ``6:30``/``6.30`` → ``06:30``; None when it is not a time of day (24:00 allowed)."""
    if not isinstance(value, str | int | float) or missing_mask(pd.Series([value], dtype=object)).iloc[0]:
        return None
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?", str(value).strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}"


def opening_hours_from_months(months: pd.Series, opens: pd.Series, closes: pd.Series) -> str | None:
    """An OSM ``opening_hours`` rule from monthly hours (Italian month names), e.g. ``Jan-Feb 07:00-19:00; ...``.

    Within a month the earliest opening and the latest closing are taken (the area is open while any of its
    courts is). Consecutive months with the same hours are joined. Returns None when no month has usable hours.
    """
    by_month: dict[str, tuple[str, str]] = {}
    for month, opening, closing in zip(months, opens, closes, strict=True):
        code = _MONTHS.get(str(month).strip().upper())
        start, end = _clock(opening), _clock(closing)
        if code is None or start is None or end is None:
            continue
        old = by_month.get(code)
        by_month[code] = (min(old[0], start), max(old[1], end)) if old else (start, end)
    if not by_month:
        return None
    rules: list[str] = []
    order = list(_MONTHS.values())
    run: list[str] = []
    for code in order + [""]:
        if run and (code not in by_month or by_month[code] != by_month[run[0]]):
            span = run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}"
            rules.append(f"{span} {by_month[run[0]][0]}-{by_month[run[0]][1]}")
            run = []
        if code in by_month:
            run.append(code)
    text = "; ".join(rules)
    return text if opening_hours_valid(text) else None


def opportunities_from_street_sport_areas(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds632",
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from Milan's free street-sport areas (ds632): one point per area (``Codice area``).

    The file repeats each area × sport for the 12 months. Each row is checked (coordinates, sport mapping in
    ``mappings/ds632.csv``); the good rows of an area make one opportunity: id ``ds632-<code>``, the sports in
    ``kind`` (``;``-separated mapping kinds) and in ``name``, the union of their pillars, ``price`` 0 (the areas
    are free), and ``opening_hours`` from the monthly hours where the file has them. The point is the good row
    nearest the middle of the area's courts; the area's other good rows are set aside as ``merged into area
    <code>`` in the report (``report.merged[source]``), so read = loaded + merged + rejected.
    """
    report = SourceReport()
    path, frame = _read_point_features(path, source, report, lon_field="Longitudine", lat_field="Latitudine")
    _require(frame, ["Codice area", "Tipo"], path)
    for name in ("VIA", "LOCALITA", "SPECIFICA_LOCALITA", "Mese", "Orario apertura", "Orario chiusura"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame["area"] = text_values(frame["Codice area"]).map(
        lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v
    )
    frame["id"] = "ds632-" + frame["area"].astype(str)
    reject = Rejector(report, source, path, id_field="id")
    frame = bad_text_rejected(frame, reject)
    frame = reject(frame, frame["area"].isna(), "Codice area", "missing area code")
    frame = xy_points_checked(frame, reject, area=boundary, path=path)
    frame = _mapped(frame, reject, _mapping(mapping, "ds632"))
    _finish(frame, path, report, source)

    records = []
    for code, rows in frame.groupby("area", sort=False):
        points = rows[["_lon", "_lat"]].drop_duplicates()
        middle = points.mean()
        distance = (rows["_lon"] - middle["_lon"]) ** 2 + (rows["_lat"] - middle["_lat"]) ** 2
        keep = distance.idxmin()
        for row in rows.index:
            if row != keep:
                report.add_set_aside(source, path, int(row), f"merged into area {code}", into=f"ds632-{code}")
        sports = list(dict.fromkeys(rows["Tipo"].map(lambda v: str(v).strip())))
        first = rows.loc[keep]
        place = _join_text(first["VIA"], first["LOCALITA"])
        place = place[:1].upper() + place[1:] if isinstance(place, str) else f"Area {code}"
        records.append(
            {
                "row": keep,
                "id": f"ds632-{code}",
                "source": source,
                "name": f"{place} – street sport: {', '.join(sports)}",
                "provider": "Comune di Milano",
                "category": rows["category"].mode().iloc[0],
                "pillars": merge_pillars(rows["pillars"]),
                "kind": ";".join(dict.fromkeys(rows["kind"])),
                "price": 0.0,
                "opening_hours": opening_hours_from_months(
                    rows["Mese"], rows["Orario apertura"], rows["Orario chiusura"]
                ),
                "address": _join_text(place, first["SPECIFICA_LOCALITA"], sep=", "),
                "_lon": first["_lon"],
                "_lat": first["_lat"],
            }
        )
    areas = pd.DataFrame.from_records(records).set_index("row")
    return opportunities_from_frame(areas, lon=areas["_lon"], lat=areas["_lat"]), report


def opportunities_from_swimming_pools(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds32",
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from Milan's municipal swimming pools and bathing centres (ds32), one per row.

    Id ``ds32-<OBJECTID>``; category and pillars from ``mappings/ds32.csv`` on ``TIPOLOGIA``.
    """
    path, frame, report = _opportunities_from_points(
        path,
        source=source,
        mapping=_mapping(mapping, "ds32"),
        boundary=boundary,
        required=["OBJECTID", "TIPOLOGIA", "DENOMINAZIONE"],
        id_fields=["DENOMINAZIONE", "INDIRIZZO", "TIPOLOGIA"],
        id_column="OBJECTID",
        id_prefix="ds32-",
        lon_field="x",
        lat_field="y",
    )
    frame["name"] = frame["DENOMINAZIONE"]
    frame["address"] = frame["INDIRIZZO"] if "INDIRIZZO" in frame.columns else np.nan
    return opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]), report


def name_key(name: object, ignore: Iterable[str] = ("biblioteca",)) -> object:
    """A place name reduced for matching: ``Biblioteca Crescenzago (sede provv. ...)`` → ``crescenzago``.

    Lower case, accents and parentheses removed, the ``ignore`` words dropped, words joined by ``-``; NaN for no
    name.
    """
    if not isinstance(name, str) or not name.strip():
        return np.nan
    text = re.sub(r"\([^)]*\)", " ", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    dropped = {w.casefold() for w in ignore}
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in dropped]
    return "-".join(words) or np.nan


def _set_aside_same_places(
    frame: pd.DataFrame,
    report: SourceReport,
    source: str,
    path: Path,
    same_places: gpd.GeoDataFrame,
    within_m: float,
) -> pd.DataFrame:
    """Set aside rows that are a place another source already lists (same :func:`name_key`, within ``within_m``)."""
    if same_places is None or same_places.empty:
        return frame
    keys = same_places["name"].map(name_key)
    lookup = {k: i for i, k in zip(same_places.index, keys, strict=True) if isinstance(k, str)}
    utm = same_places.estimate_utm_crs()
    theirs = same_places.geometry.to_crs(utm)
    ours = gpd.GeoSeries(gpd.points_from_xy(frame["_lon"], frame["_lat"]), index=frame.index, crs=WGS84).to_crs(utm)
    drop = []
    for row, name in zip(frame.index, frame["name"], strict=True):
        other = lookup.get(name_key(name))
        if other is not None and ours[row].distance(theirs[other]) <= within_m:
            other_id = same_places.at[other, "id"]
            report.add_set_aside(source, path, int(row),
                                 f"the same place as {other_id} of {same_places.at[other, 'source']} (it is "
                                 "counted there)",
                                 into=other_id)  # fmt: skip
            drop.append(row)
    return frame.drop(index=drop)


def opportunities_from_libraries(
    path: str | Path,
    *,
    boundary: Area | None = None,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_ds41",
    same_places: gpd.GeoDataFrame | None = None,
    same_place_within_m: float = 2000.0,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from Milan's libraries and archives (ds41), one per row.

    Id ``ds41-<id>``; 16 rows carry the placeholder id ``0`` and get ``ds41-h`` plus a hash of name and address
    instead. Category, pillars and ages from ``mappings/ds41.csv`` (university libraries by name first, then
    ``tipologia`` ARCHIVI, then ``sottotipo``). ``same_places`` (opportunities another source loaded, e.g. the civic
    libraries of ds1306 with their opening hours): a row with the same :func:`name_key` within
    ``same_place_within_m`` is set aside as that place, so a family does not see one library twice.
    """
    path, frame, report = _opportunities_from_points(
        path,
        source=source,
        mapping=_mapping(mapping, "ds41"),
        boundary=boundary,
        required=["id", "denominaz", "tipologia", "sottotipo"],
        id_fields=["denominaz", "indirizzo"],
        id_column="id",
        id_prefix="ds41-",
        lon_field="long_x_4326",
        lat_field="lat_y_4326",
    )
    frame["name"] = frame["denominaz"]
    frame = _set_aside_same_places(frame, report, source, path, same_places, same_place_within_m)
    for target, name in (("address", "indirizzo"), ("provider", "ente"), ("website", "url")):
        frame[target] = frame[name] if name in frame.columns else np.nan
    return opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]), report


#: The readers Milan's TOML names (``[city] reader_modules``; see :mod:`data_sources.readers`).
READERS: dict[str, Reader] = {
    "opportunities_from_sport_facilities": Reader(opportunities_from_sport_facilities, "opportunities"),
    "opportunities_from_street_sport_areas": Reader(opportunities_from_street_sport_areas, "opportunities"),
    "opportunities_from_swimming_pools": Reader(opportunities_from_swimming_pools, "opportunities"),
    "opportunities_from_libraries": Reader(opportunities_from_libraries, "opportunities"),
    "opportunities_from_civic_libraries": Reader(opportunities_from_civic_libraries, "opportunities"),
    "opportunities_from_playgrounds": Reader(opportunities_from_playgrounds, "opportunities"),
    "opportunities_from_park_sport_facilities": Reader(opportunities_from_park_sport_facilities, "opportunities"),
}
