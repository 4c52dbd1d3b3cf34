"""Readers of real open data into the opportunities contract (and schools/population from hex grids).

Every reader returns ``(frame, report)``: the loaded rows in EPSG:4326 and a
:class:`~data_sources.validation.SourceReport` that accounts for every row read, so that for each source
``read = loaded + set aside + rejected``.

Categories and pillars come from an editable mapping table per source, ``data_sources/mappings/<source>.csv``:

============ =======================================================================================
column       meaning
============ =======================================================================================
match_field  the column (for OSM POIs: the tag key; for hex grids: ``count_column``) to look at
match_value  the value that selects this row (compared without case and repeated spaces); ``*`` = any
category     one of ``arts``, ``health``, ``education``, ``sport``, ``stem``
pillars      ``;``-separated WISH-MI pillars
kind         a short English label copied to the opportunity's ``kind``
============ =======================================================================================

The first matching table row wins. A row whose value has no mapping is rejected with the reason
``no category mapping for <field>=<value>``, so a city adds a line to the table rather than editing code.

Sources
-------
- Milan ds629 sport facilities (:func:`opportunities_from_sport_facilities`): one opportunity per facility ×
  sport row, with a stable id hashed from the facility, manager, sport and place; a second row with the same
  facility, manager, sport and place (the file has two such pairs, differing only in a ticketing link) is a
  duplicate id.
- Milan ds632 street sport areas (:func:`opportunities_from_street_sport_areas`): the file has one row per
  area × sport × month; the reader makes **one point per area** (``Codice area``) with the sports listed in
  ``kind`` and ``name`` and the monthly hours as an OSM ``opening_hours`` rule. Of each area's good rows, the one
  nearest the middle of its courts is loaded; the others are *set aside* as ``merged into area <code>`` (see
  :class:`~data_sources.validation.SourceReport`), so read = loaded + merged + rejected.
- Milan ds32 swimming pools and ds41 libraries and archives (:func:`opportunities_from_swimming_pools`,
  :func:`opportunities_from_libraries`): one opportunity per row; all libraries and archives are kept (the
  archives mapped explicitly in ``ds41.csv``).
- OSM parks (:func:`opportunities_from_parks`): clipped to the city boundary and represented by a point inside
  the clipped park, with ``area_ha`` (inside the city) and ``area_ha_total``. A park with less than half its area
  and less than 1 ha inside is rejected as mostly outside; one clipped is noted in the report; private parks are
  rejected.
- H3 hex grids (IPEA's Porto Alegre and São Paulo grids): :func:`opportunities_from_hexgrid`,
  :func:`schools_from_hexgrid`, :func:`population_from_hexgrid`. Their unit of accounting is the cell.
- OSM points of interest (:func:`opportunities_from_osm_pois`), from a frame of ``tag_key``/``tag_value`` rows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from data_sources.contracts import (
    CATEGORIES,
    POPULATION_COLUMNS,
    SCHOOL_COLUMNS,
    WGS84,
)
from data_sources.errors import ConfigError, CRSError, NoUsableRowsError, SourceFormatError
from data_sources.place_names import PlaceNamer
from data_sources.validation import (
    DUPLICATE_ID,
    NON_UTF8,
    OUTSIDE_BOUNDARY,
    SWAPPED,
    Area,
    Rejector,
    SourceReport,
    area_geometry,
    bad_text_fields,
    duplicate_mask,
    existing_path,
    first_occurrence_rows,
    frame_from_csv_path,
    frame_from_geojson_path,
    geometry_problems,
    merge_pillars,
    missing_mask,
    numbers_from_values,
    opening_hours_valid,
    opportunities_from_frame,
    pillars_from_values,
    point_coordinates_from_geometry,
    points_checked,
    printable_bad_text,
    text_values,
)

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
MAPPING_COLUMNS: list[str] = ["match_field", "match_value", "category", "pillars", "kind"]
#: Optional mapping columns: the audience's ages (whole years; blank = no limit on that side).
MAPPING_AGE_COLUMNS: list[str] = ["age_min", "age_max"]
WILDCARD = "*"
#: A ``match_value`` starting with this is a case-insensitive regular expression searched in the value.
PATTERN_PREFIX = "re:"

NO_MAPPING = "no category mapping for"
NOT_PUBLIC = "not open to the public"
MOSTLY_OUTSIDE = "mostly outside the city boundary"
INVALID_H3 = "not a valid H3 resolution-9 cell"
NOT_IN_CELL = "lon/lat not inside its H3 cell"
MISSING_COUNT = "missing count"
BAD_COUNT = "count is not a non-negative number"

H3_RESOLUTION = 9


# --------------------------------------------------------------------------------------------------------------
# Mapping tables
# --------------------------------------------------------------------------------------------------------------


def mapping_from_csv(path: str | Path) -> pd.DataFrame:
    """Read and check a mapping table (columns :data:`MAPPING_COLUMNS`).

    Raises
    ------
    SourceNotFoundError
        No such file.
    ConfigError
        A column is missing, or a row has no match field/value, an unknown category or an unknown pillar.
    """
    path = existing_path(path)
    table = frame_from_csv_path(path)
    missing = [c for c in MAPPING_COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(f"{path}: mapping table lacks column(s) {', '.join(missing)}")
    ages = table[[c for c in MAPPING_AGE_COLUMNS if c in table.columns]].copy()
    table = table[MAPPING_COLUMNS].map(lambda v: str(v).strip())
    for name in MAPPING_AGE_COLUMNS:
        values = ages[name] if name in ages.columns else pd.Series(np.nan, index=table.index, dtype=object)
        numbers = numbers_from_values(values)
        bad = (~missing_mask(values) & numbers.isna()) | (numbers < 0) | (numbers > 99) | (numbers % 1 > 0)
        if bad.any():
            row = bad[bad].index[0]
            raise ConfigError(f"{path}, row {row}: {name} {values[row]!r} is not a whole number of years 0-99")
        table[name] = numbers
    for row, record in table.iterrows():
        where = f"{path}, row {row}"
        if record["age_min"] > record["age_max"]:
            raise ConfigError(f"{where}: age_min {record['age_min']:g} is above age_max {record['age_max']:g}")
        if not record["match_field"] or not record["match_value"]:
            raise ConfigError(f"{where}: empty match_field or match_value")
        if record["match_value"].startswith(PATTERN_PREFIX):
            try:
                re.compile(record["match_value"][len(PATTERN_PREFIX) :])
            except re.error as error:
                raise ConfigError(f"{where}: bad pattern {record['match_value']!r}: {error}") from None
        if record["category"] not in CATEGORIES:
            raise ConfigError(f"{where}: unknown category {record['category']!r} (use one of {', '.join(CATEGORIES)})")
        _, unknown = pillars_from_values(pd.Series([record["pillars"]]))
        if unknown.notna().any() or not record["pillars"]:
            raise ConfigError(f"{where}: unknown or missing pillar in {record['pillars']!r}")
    table["pillars"] = pillars_from_values(table["pillars"])[0]
    return table.reset_index(drop=True)


def mapping_for_source(name: str) -> pd.DataFrame:
    """The mapping table shipped in ``data_sources/mappings/<name>.csv``."""
    return mapping_from_csv(MAPPINGS_DIR / f"{name}.csv")


def _mapping(mapping: pd.DataFrame | str | Path | None, default: str) -> pd.DataFrame:
    if mapping is None:
        return mapping_for_source(default)
    if isinstance(mapping, pd.DataFrame):
        return mapping
    return mapping_from_csv(mapping)


def _key(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def categories_from_mapping(values_by_field: dict[str, pd.Series], mapping: pd.DataFrame) -> pd.DataFrame:
    """Match rows to a mapping table.

    Parameters
    ----------
    values_by_field
        For each match field of the table, the rows' values (NaN where the field does not apply to a row).
        All Series share one index.
    mapping
        A table from :func:`mapping_from_csv`.

    Returns
    -------
    DataFrame
        ``category``, ``pillars``, ``kind`` (NaN where no table row matches) and ``unmatched``: for rows without
        a match, ``field=value`` of the fields they have (for the reject reason), else NaN.
    """
    index = next(iter(values_by_field.values())).index
    best = pd.Series(np.inf, index=index)
    for field_name, group in mapping.groupby("match_field", sort=False):
        values = values_by_field.get(field_name)
        if values is None:
            continue
        present = ~missing_mask(values)
        keys = values.map(_key)
        lookup: dict[str, int] = {}
        wildcard = np.inf
        patterns: list[tuple[int, re.Pattern[str]]] = []
        for position, value in zip(group.index, group["match_value"], strict=True):
            if value == WILDCARD:
                wildcard = min(wildcard, position)
            elif value.startswith(PATTERN_PREFIX):
                patterns.append((position, re.compile(value[len(PATTERN_PREFIX) :], re.IGNORECASE)))
            else:
                lookup.setdefault(_key(value), position)
        positions = keys.map(lambda k, lk=lookup: lk.get(k, np.nan)).astype(float).fillna(wildcard)
        for position, pattern in patterns:
            hit = keys.map(lambda k, p=pattern: bool(p.search(k)))
            positions = positions.where(~hit.astype(bool) | (positions < position), float(position))
        best = np.minimum(best, positions.where(present, np.inf))
    matched = np.isfinite(best)
    outputs = ["category", "pillars", "kind", *[c for c in MAPPING_AGE_COLUMNS if c in mapping.columns]]
    out = pd.DataFrame(index=index, columns=[*outputs, "unmatched"], dtype=object)
    rows = mapping.loc[best[matched].astype(int)]
    for name in outputs:
        out.loc[matched, name] = rows[name].to_numpy()
    fields = [f for f in dict.fromkeys(mapping["match_field"]) if f in values_by_field]

    def _describe(i: object) -> str:
        parts = [f"{f}={values_by_field[f][i]}" for f in fields if not missing_mask(values_by_field[f][[i]]).iloc[0]]
        return ", ".join(parts) if parts else "(no value in " + ", ".join(fields) + ")"

    out.loc[~matched, "unmatched"] = [_describe(i) for i in index[~matched.to_numpy()]]
    return out


def _mapped(
    frame: pd.DataFrame, reject: Rejector, mapping: pd.DataFrame, values_by_field: dict[str, pd.Series] | None = None
) -> pd.DataFrame:
    """Frame with category/pillars/kind from the mapping; unmatched rows rejected ("no category mapping for X")."""
    if values_by_field is None:
        values_by_field = {f: frame[f] for f in dict.fromkeys(mapping["match_field"]) if f in frame.columns}
    if not values_by_field:
        raise SourceFormatError(
            f"{reject.file}: none of the mapping's match fields ({', '.join(dict.fromkeys(mapping['match_field']))})"
            " is a column of the file"
        )
    matched = categories_from_mapping(values_by_field, mapping)
    first_field = next(iter(values_by_field))
    frame = reject(
        frame,
        matched["unmatched"].notna(),
        first_field,
        NO_MAPPING + " " + matched["unmatched"].fillna(""),
        matched["unmatched"],
    )
    frame = frame.copy()
    for name in ("category", "pillars", "kind", *MAPPING_AGE_COLUMNS):
        if name in matched.columns:
            frame[name] = matched.loc[frame.index, name]
    return frame


# --------------------------------------------------------------------------------------------------------------
# Shared steps
# --------------------------------------------------------------------------------------------------------------


def stable_ids(frame: pd.DataFrame, fields: Iterable[str], prefix: str) -> pd.Series:
    """Ids that stay the same between runs and row orders: ``prefix`` plus a hash of the given fields."""
    fields = list(fields)

    def _one(record: pd.Series) -> str:
        text = "|".join(
            _key(printable_bad_text(record[f])) if not missing_mask(record[[f]]).iloc[0] else "" for f in fields
        )
        return f"{prefix}{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"

    return frame.apply(_one, axis=1).astype(object)


def _reject_bad_text(frame: pd.DataFrame, reject: Rejector) -> pd.DataFrame:
    bad_field = bad_text_fields(frame)
    for name in bad_field.dropna().unique():
        frame = reject(frame, bad_field == name, name, NON_UTF8, frame[name].map(printable_bad_text))
    return frame


def _reject_duplicates(frame: pd.DataFrame, reject: Rejector, id_field: str = "id") -> pd.DataFrame:
    first = first_occurrence_rows(frame[id_field])
    return reject(
        frame,
        duplicate_mask(frame[id_field]),
        id_field,
        DUPLICATE_ID,
        frame[id_field].astype(str) + " (first in row " + first.astype(str) + ")",
    )


def _read_point_features(
    path: str | Path,
    source: str,
    report: SourceReport,
    *,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> tuple[Path, pd.DataFrame]:
    """GeoJSON features with ``_x``/``_y`` from their geometry (or from lon/lat properties where it is missing)."""
    path = existing_path(path)
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    frame = point_coordinates_from_geometry(frame)
    if lon_field and lat_field and lon_field in frame.columns and lat_field in frame.columns:
        no_geometry = frame["_x"].isna()
        frame.loc[no_geometry, "_x"] = numbers_from_values(frame.loc[no_geometry, lon_field])
        frame.loc[no_geometry, "_y"] = numbers_from_values(frame.loc[no_geometry, lat_field])
    frame["_x"] = frame["_x"].astype(object)
    frame["_y"] = frame["_y"].astype(object)
    return path, frame


def _require(frame: pd.DataFrame, columns: Iterable[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{path}: missing required column(s) {', '.join(missing)}")


def _finish(frame: pd.DataFrame, path: Path, report: SourceReport, source: str) -> None:
    if frame.empty:
        raise NoUsableRowsError(
            f"{path}: all {report.read_counts[source]} rows were rejected "
            f"(first: {report.rejects[0] if report.rejects else 'none'})"
        )


def _join_text(*parts: object, sep: str = " ") -> object:
    texts = [str(p).strip() for p in parts if not missing_mask(pd.Series([p], dtype=object)).iloc[0]]
    return sep.join(t for t in texts if t) or np.nan


def _named(
    frame: pd.DataFrame, points: gpd.GeoSeries, namer: PlaceNamer | None, counts: pd.Series | None = None
) -> pd.Series:
    """The frame's ``name`` where it has one, else a readable label from its ``kind`` (never an OSM or H3 id)."""
    names = text_values(frame["name"]) if "name" in frame.columns else pd.Series(np.nan, index=frame.index)
    unnamed = names.isna()
    if unnamed.any():
        labels = (namer or PlaceNamer()).labels(
            frame.loc[unnamed, "kind"], points[unnamed], counts=None if counts is None else counts[unnamed]
        )
        names = names.astype(object)
        names[unnamed] = labels
    return names


def _opportunities_from_points(
    path: str | Path,
    *,
    source: str,
    mapping: pd.DataFrame,
    boundary: Area | None,
    required: Iterable[str],
    id_fields: Iterable[str] | None,
    id_column: str | None,
    id_prefix: str,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> tuple[Path, pd.DataFrame, SourceReport]:
    """The common steps of the point readers: read, id, bad text, duplicates, coordinates, mapping."""
    report = SourceReport()
    path, frame = _read_point_features(path, source, report, lon_field=lon_field, lat_field=lat_field)
    _require(frame, required, path)
    if id_column is not None:
        own = text_values(frame[id_column])
        placeholder = own.isna() | (own == "0")
        hashed = stable_ids(frame, id_fields or [], id_prefix + "h")
        frame["id"] = (id_prefix + own.astype(str)).where(~placeholder, hashed)
    else:
        frame["id"] = stable_ids(frame, id_fields or [], id_prefix)
    reject = Rejector(report, source, path, id_field="id")
    frame = _reject_bad_text(frame, reject)
    frame = _reject_duplicates(frame, reject)
    frame = points_checked(
        frame,
        reject,
        lon_field="_x",
        lat_field="_y",
        area=boundary,
        path=path,
        lon_label="geometry",
        lat_label="geometry",
    )
    frame = _mapped(frame, reject, mapping)
    _finish(frame, path, report, source)
    frame["source"] = source
    return path, frame, report


# --------------------------------------------------------------------------------------------------------------
# Milan open data
# --------------------------------------------------------------------------------------------------------------


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
    frame = _reject_bad_text(frame, reject)
    frame = reject(frame, frame["area"].isna(), "Codice area", "missing area code")
    frame = points_checked(
        frame,
        reject,
        lon_field="_x",
        lat_field="_y",
        area=boundary,
        path=path,
        lon_label="geometry",
        lat_label="geometry",
    )
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


def opportunities_from_parks(
    path: str | Path,
    boundary: Area,
    *,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "milan_parks_osm",
    min_inside_share: float = 0.5,
    min_inside_ha: float = 1.0,
    excluded_access: Iterable[str] = ("private", "no"),
    namer: PlaceNamer | None = None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from OSM park/garden polygons, clipped to the city and represented by points.

    Each park is clipped to ``boundary``. A park entirely outside is rejected (``outside the city boundary``);
    one with less than ``min_inside_share`` of its area *and* less than ``min_inside_ha`` inside is rejected as
    ``mostly outside the city boundary`` (a sliver of a neighbouring comune's park); a park kept but clipped gets a
    note in the report. The point is a representative point of the clipped polygon, so it is always inside. Extra
    columns ``area_ha`` (inside the city, computed in the local UTM zone) and ``area_ha_total`` (whole park).
    Parks with ``access`` in ``excluded_access`` are rejected (not open to the public). An invalid
    ``opening_hours`` tag is dropped with a note rather than rejecting the park. ``fee=no`` gives ``price`` 0.

    Parameters
    ----------
    path
        ``parks_osm_2025.geojson`` (OSM polygons with ``osm_type``, ``osm_id``, ``leisure``...).
    boundary
        The city's boundary polygon (for Milan the union of the 9 Municipi).
    mapping
        A mapping table; default ``mappings/parks_osm.csv`` (on ``leisure``).
    namer
        Labels a park without an OSM name ("Giardino, Via X (NIL Y)"); default the English word alone.
    """
    report = SourceReport()
    path = existing_path(path)
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    _require(frame, ["osm_type", "osm_id", "leisure"], path)
    for name in ("name", "access", "opening_hours", "operator", "fee"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame["id"] = (
        "osm-"
        + text_values(frame["osm_type"]).astype(str)
        + "-"
        + text_values(frame["osm_id"])
        .map(lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v)
        .astype(str)
    )
    reject = Rejector(report, source, path, id_field="id")
    frame = _reject_bad_text(frame, reject)
    frame = _reject_duplicates(frame, reject)
    problems = geometry_problems(frame["geometry"])
    frame = reject(
        frame,
        problems.notna(),
        "geometry",
        problems,
        frame["geometry"].map(lambda g: g.geom_type if g is not None else ""),
    )
    access = frame["access"].map(lambda v: _key(v) if isinstance(v, str) else "")
    frame = reject(
        frame, access.isin({_key(a) for a in excluded_access}), "access", NOT_PUBLIC + " (access=" + access + ")"
    )
    frame = _mapped(frame, reject, _mapping(mapping, "parks_osm"))

    area = area_geometry(boundary)
    geoms = gpd.GeoSeries(frame["geometry"].to_numpy(), index=frame.index, crs=WGS84)
    utm = gpd.GeoSeries([area], crs=WGS84).estimate_utm_crs()
    inside = geoms.intersection(area)
    total_ha = geoms.to_crs(utm).area / 1e4
    inside_ha = inside.to_crs(utm).area / 1e4
    share = (inside_ha / total_ha).where(total_ha > 0, 0.0)
    described = pd.Series(
        [f"{i:.3f} of {t:.3f} ha inside" for i, t in zip(inside_ha, total_ha, strict=True)], index=frame.index
    )
    frame = reject(frame, inside.is_empty | (inside_ha <= 0), "geometry", OUTSIDE_BOUNDARY, described)
    frame = reject(
        frame, (share < min_inside_share) & (inside_ha < min_inside_ha), "geometry", MOSTLY_OUTSIDE, described
    )
    _finish(frame, path, report, source)
    clipped = share[frame.index] < 0.999
    for row in frame.index[clipped.to_numpy()]:
        report.add_note(
            source, path, int(row), frame.at[row, "id"], "geometry", f"clipped to the city boundary: {described[row]}"
        )

    oh = frame["opening_hours"]
    bad_oh = oh.map(lambda v: isinstance(v, str) and bool(v.strip()) and not opening_hours_valid(v.strip()))
    for row in frame.index[bad_oh.to_numpy(dtype=bool)]:
        report.add_note(
            source, path, int(row), frame.at[row, "id"], "opening_hours", f"invalid opening_hours dropped: {oh[row]!r}"
        )
    frame["opening_hours"] = oh.where(~bad_oh.astype(bool), np.nan)

    points = shapely.point_on_surface(inside[frame.index].to_numpy())
    frame["name"] = _named(frame, gpd.GeoSeries(points, index=frame.index, crs=WGS84), namer)
    frame["provider"] = frame["operator"]
    frame["price"] = frame["fee"].map(lambda v: 0.0 if isinstance(v, str) and _key(v) == "no" else np.nan)
    frame["source"] = source
    frame["area_ha"] = inside_ha[frame.index].round(4)
    frame["area_ha_total"] = total_ha[frame.index].round(4)
    return opportunities_from_frame(
        frame, lon=shapely.get_x(points), lat=shapely.get_y(points), extra=["area_ha", "area_ha_total"]
    ), report


# --------------------------------------------------------------------------------------------------------------
# H3 hex grids (IPEA: Porto Alegre, São Paulo)
# --------------------------------------------------------------------------------------------------------------


def _hexgrid_cells(
    path: str | Path, source: str, report: SourceReport, count_columns: Iterable[str]
) -> tuple[Path, pd.DataFrame]:
    """Validated grid cells: good H3 res-9 ids, unique, lon/lat inside the cell, counts non-negative numbers.

    Missing counts stay NaN (each caller decides); unparseable or negative counts reject the cell.
    """
    path = existing_path(path)
    frame = frame_from_csv_path(path, report, source)
    _require(frame, ["id", "lon", "lat"], path)
    report.read_counts[source] += len(frame)
    if report.read_counts[source] == 0:
        raise NoUsableRowsError(f"{path}: no rows")
    frame["id"] = text_values(frame["id"])
    reject = Rejector(report, source, path, id_field="id")
    frame = _reject_bad_text(frame, reject)
    frame = reject(frame, frame["id"].isna(), "id", "missing id")
    valid = frame["id"].map(lambda c: h3.is_valid_cell(c) and h3.get_resolution(c) == H3_RESOLUTION)
    frame = reject(frame, ~valid.astype(bool), "id", INVALID_H3)
    frame = _reject_duplicates(frame, reject)
    frame = points_checked(frame, reject, lon_field="lon", lat_field="lat", path=path)
    lon, lat = frame["_lon"], frame["_lat"]
    in_cell = pd.Series(
        [h3.latlng_to_cell(y, x, H3_RESOLUTION) == c for c, x, y in zip(frame["id"], lon, lat, strict=True)],
        index=frame.index,
    )
    swapped = pd.Series(
        [
            abs(x) <= 90 and h3.latlng_to_cell(x, y, H3_RESOLUTION) == c
            for c, x, y in zip(frame["id"], lon, lat, strict=True)
        ],
        index=frame.index,
    )
    pair = lon.astype(str) + ", " + lat.astype(str)
    frame = reject(frame, ~in_cell & swapped, "lat", SWAPPED, pair)
    frame = reject(frame, ~in_cell, "lon", NOT_IN_CELL, pair)
    for name in count_columns:
        if name not in frame.columns:
            continue
        values = numbers_from_values(frame[name])
        bad = (~missing_mask(frame[name]) & values.isna()) | (values < 0)
        frame = reject(frame, bad, name, BAD_COUNT)
        frame[name] = numbers_from_values(frame[name])
    return path, frame


def _default_source(path: str | Path) -> str:
    return Path(path).stem


def opportunities_from_hexgrid(
    path: str | Path,
    *,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str | None = None,
    namer: PlaceNamer | None = None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from an H3 grid's counts: one row per cell and count column with a count above 0.

    The mapping (default ``mappings/hexgrid.csv``, ``match_field`` = ``count_column``) says which count
    columns are opportunities: ``schools`` → education, ``healthcare`` → health; columns the file lacks are
    skipped. Each row's ``capacity`` is the count, its id ``<cell>:<column>``, its point the cell's lon/lat.

    The accounting unit is the cell: ``read = cells with an opportunity + cells set aside (all counts 0 or
    missing) + rejected cells``; a missing count is noted and taken as no opportunity.
    """
    source = source or _default_source(path)
    table = _mapping(mapping, "hexgrid")
    table = table[table["match_field"] == "count_column"]
    report = SourceReport()
    path, frame = _hexgrid_cells(path, source, report, table["match_value"])
    columns = [c for c in table["match_value"] if c in frame.columns]
    if not columns:
        raise SourceFormatError(f"{path}: none of the mapped count columns ({', '.join(table['match_value'])})")
    _finish(frame, path, report, source)
    pieces = []
    for column in columns:
        rule = table[table["match_value"] == column].iloc[0]
        for row in frame.index[frame[column].isna().to_numpy()]:
            report.add_note(source, path, int(row), frame.at[row, "id"], column, "missing count, no opportunity")
        has = frame[frame[column] > 0]
        piece = pd.DataFrame(
            {
                "id": has["id"] + ":" + column,
                "source": source,
                "name": np.nan,
                "category": rule["category"],
                "pillars": rule["pillars"],
                "kind": rule["kind"],
                "capacity": has[column],
                "_lon": has["_lon"],
                "_lat": has["_lat"],
                "_cell": has["id"],
            },
            index=has.index,
        )
        pieces.append(piece)
    rows = pd.concat(pieces).sort_index(kind="stable")
    index_name = rows.index.name
    rows = rows.reset_index(names="_row")
    points = gpd.GeoSeries(gpd.points_from_xy(rows["_lon"], rows["_lat"]), index=rows.index, crs=WGS84)
    # "3 schools near Rua X": the count, the generic word in the city's language and the nearest named street
    rows["name"] = _named(rows, points, namer, counts=rows["capacity"])
    rows = rows.set_index("_row").rename_axis(index_name)
    empty = ~frame.index.isin(rows.index)
    for row in frame.index[empty]:
        report.add_set_aside(source, path, int(row), f"no {' or '.join(columns)} in the cell (counts are 0)")
    return opportunities_from_frame(rows, lon=rows["_lon"], lat=rows["_lat"]), report


def schools_from_hexgrid(
    path: str | Path, *, column: str = "schools", source: str | None = None, namer: PlaceNamer | None = None
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Schools (:data:`~data_sources.contracts.SCHOOL_COLUMNS`) from an H3 grid: one row per cell with schools.

    ``id`` is the H3 cell, ``capacity`` the number of schools in it (not pupils), ``level`` unknown (NaN), the
    point the cell's lon/lat. Cells with 0 or missing schools are set aside in the report.
    """
    source = source or _default_source(path)
    report = SourceReport()
    path, frame = _hexgrid_cells(path, source, report, [column])
    _require(frame, [column], path)
    _finish(frame, path, report, source)
    has = frame[frame[column] > 0]
    for row in frame.index[~frame.index.isin(has.index)]:
        report.add_set_aside(source, path, int(row), f"no {column} in the cell (count is 0 or missing)")
    schools = gpd.GeoDataFrame(
        {
            "id": has["id"].astype("str"),
            "source": source,
            "name": _named(
                pd.DataFrame({"kind": "school"}, index=has.index),
                gpd.GeoSeries(gpd.points_from_xy(has["_lon"], has["_lat"]), index=has.index, crs=WGS84),
                namer,
                counts=has[column],
            ).astype("str"),
            "level": pd.Series(np.nan, index=has.index, dtype="str"),
            "address": pd.Series(np.nan, index=has.index, dtype="str"),
            "capacity": has[column].astype(float),
        },
        geometry=gpd.points_from_xy(has["_lon"], has["_lat"]),
        crs=WGS84,
    )
    return schools[SCHOOL_COLUMNS].reset_index(drop=True), report


def cell_polygon(cell: str) -> Polygon:
    """The polygon (lon/lat) of an H3 cell."""
    return Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def population_from_hexgrid(
    path: str | Path, *, column: str = "population", source: str | None = None
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Population zones (:data:`~data_sources.contracts.POPULATION_COLUMNS`) from an H3 grid, one per cell.

    ``id`` is the H3 index (checked: a valid resolution-9 cell containing the row's lon/lat), ``kind`` ``h3``,
    the geometry the cell's hexagon; the age-band and ``youth_0_17`` columns are NaN (the grids have no ages).
    A cell with a missing or negative population is rejected.
    """
    source = source or _default_source(path)
    report = SourceReport()
    path, frame = _hexgrid_cells(path, source, report, [column])
    _require(frame, [column], path)
    reject = Rejector(report, source, path, id_field="id")
    frame = reject(frame, frame[column].isna(), column, MISSING_COUNT)
    _finish(frame, path, report, source)
    zones = pd.DataFrame({"id": frame["id"].astype("str"), "kind": "h3", "population": frame[column]})
    for name in POPULATION_COLUMNS[3:-1]:
        zones[name] = np.nan
    geometry = gpd.GeoSeries([cell_polygon(c) for c in frame["id"]], index=frame.index, crs=WGS84)
    result = gpd.GeoDataFrame(zones, geometry=geometry, crs=WGS84)
    return result[POPULATION_COLUMNS].reset_index(drop=True), report


# --------------------------------------------------------------------------------------------------------------
# OSM points of interest
# --------------------------------------------------------------------------------------------------------------


def opportunities_from_osm_pois(
    pois: gpd.GeoDataFrame,
    mapping: pd.DataFrame | str | Path | None = None,
    *,
    boundary: Area | None = None,
    source: str = "osm",
    file: str | Path = "osm_pois",
    excluded_access: Iterable[str] = ("private", "no"),
    namer: PlaceNamer | None = None,
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Opportunities from raw OSM points of interest, one per row whose tag the mapping knows.

    Parameters
    ----------
    pois
        One row per OSM element (as :func:`data_sources.osm.pois_from_osm_file` gives): ``tag_key``,
        ``tag_value``, ``geometry`` (required); ``name``, ``opening_hours``, ``website``, ``capacity``, ``addr``,
        ``access`` and an element id (``id``, or ``osm_type`` + ``osm_id``) when known. Polygons are
        represented by a point on their surface. A frame with no CRS is taken as EPSG:4326 unless its
        coordinates look projected (:class:`CRSError`); another CRS is reprojected.
    mapping
        Default ``mappings/osm.csv``: ``match_field`` is the tag key, ``match_value`` the tag value.
    boundary
        The city's boundary, to reject POIs outside it.
    source, file
        Named on the rows and the rejects (``file`` can be the PBF the POIs came from).
    excluded_access
        ``access`` values that make a POI not open to the public (rejected).

    Returns
    -------
    opportunities, report
        ``id`` is ``osm-<type>-<id>`` (plus ``:<key>=<value>`` when an element has several rows; a hash of tag,
        name and geometry when the frame has no element id). Tags without a mapping are rejected
        (``no category mapping for amenity=bench``). OSM tag problems that do not make the
        POI useless (bad ``opening_hours`` or ``capacity``) are dropped with a note.
    """
    missing = [c for c in ("tag_key", "tag_value", "geometry") if c not in pois.columns]
    if missing:
        raise SourceFormatError(f"{file}: the POI frame lacks column(s) {', '.join(missing)}")
    frame = pd.DataFrame(pois.drop(columns="geometry")).astype(object)
    geoms = np.asarray(pois.geometry.to_numpy(), dtype=object)
    if pois.crs is None:
        present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        if present.any():
            bounds = shapely.bounds(geoms[present])
            projected = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
            if projected.mean() > 0.5:
                raise CRSError(f"{file}: the POI frame has no CRS and its coordinates look projected")
    elif pois.crs.to_epsg() != 4326:
        geoms = np.asarray(gpd.GeoSeries(geoms, crs=pois.crs).to_crs(WGS84).to_numpy(), dtype=object)
    frame["geometry"] = geoms
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    report = SourceReport()
    report.read_counts[source] += len(frame)
    if frame.empty:
        raise NoUsableRowsError(f"{file}: no POIs")
    for name in ("name", "opening_hours", "website", "capacity", "addr", "access"):
        if name not in frame.columns:
            frame[name] = np.nan
    tag = text_values(frame["tag_key"]).astype(str) + "=" + text_values(frame["tag_value"]).astype(str)
    if "id" in frame.columns:
        element = text_values(frame["id"])
    elif {"osm_type", "osm_id"} <= set(frame.columns):
        element = "osm-" + text_values(frame["osm_type"]).astype(str) + "-" + text_values(frame["osm_id"]).astype(str)
    else:
        element = pd.Series(np.nan, index=frame.index, dtype=object)
    repeated = element.notna() & element.duplicated(keep=False)
    frame["_hash_base"] = [shapely.to_wkb(g, hex=True) if g is not None else "" for g in geoms]
    hashed = stable_ids(frame, ["tag_key", "tag_value", "name", "_hash_base"], "osm-h")
    frame["id"] = element.where(~repeated, element.astype(str) + ":" + tag).where(element.notna(), hashed)

    reject = Rejector(report, source, file, id_field="id")
    frame = _reject_bad_text(frame, reject)
    frame = _reject_duplicates(frame, reject)
    problems = geometry_problems(frame["geometry"])
    frame = reject(
        frame,
        problems.notna(),
        "geometry",
        problems,
        frame["geometry"].map(lambda g: g.geom_type if g is not None else ""),
    )
    access = frame["access"].map(lambda v: _key(v) if isinstance(v, str) else "")
    frame = reject(
        frame, access.isin({_key(a) for a in excluded_access}), "access", NOT_PUBLIC + " (access=" + access + ")"
    )
    frame = point_coordinates_from_geometry(frame)
    frame = points_checked(
        frame,
        reject,
        lon_field="_x",
        lat_field="_y",
        area=boundary,
        path=file,
        lon_label="geometry",
        lat_label="geometry",
    )
    table = _mapping(mapping, "osm")
    keys = frame["tag_key"].map(_key)
    values_by_field = {f: frame["tag_value"].where(keys == _key(f)) for f in dict.fromkeys(table["match_field"])}
    matched = categories_from_mapping(values_by_field, table)
    frame = reject(
        frame, matched["unmatched"].notna(), "tag_value", NO_MAPPING + " " + tag[frame.index], tag[frame.index]
    )
    for name in ("category", "pillars", "kind"):
        frame[name] = matched.loc[frame.index, name]
    _finish(frame, Path(str(file)), report, source)

    oh = frame["opening_hours"]
    bad_oh = oh.map(lambda v: isinstance(v, str) and bool(v.strip()) and not opening_hours_valid(v.strip()))
    capacity = numbers_from_values(frame["capacity"])
    bad_capacity = (~missing_mask(frame["capacity"]) & capacity.isna()) | (capacity < 0) | (capacity % 1 > 0)
    for row in frame.index:
        if bad_oh[row]:
            report.add_note(
                source,
                file,
                int(row),
                frame.at[row, "id"],
                "opening_hours",
                f"invalid opening_hours dropped: {oh[row]!r}",
            )
        if bad_capacity[row]:
            report.add_note(
                source,
                file,
                int(row),
                frame.at[row, "id"],
                "capacity",
                f"capacity is not a non-negative whole number, dropped: {frame.at[row, 'capacity']!r}",
            )
    frame["opening_hours"] = oh.where(~bad_oh.astype(bool), np.nan)
    frame["capacity"] = capacity.where(~bad_capacity, np.nan)
    if namer is None:
        frame["name"] = [
            n if not missing_mask(pd.Series([n], dtype=object)).iloc[0] else f"{v} (OSM)"
            for n, v in zip(frame["name"], frame["tag_value"], strict=True)
        ]
    else:
        points = gpd.GeoSeries(gpd.points_from_xy(frame["_lon"], frame["_lat"]), index=frame.index, crs=WGS84)
        frame["name"] = _named(frame, points, namer)
    frame["address"] = frame["addr"]
    frame["source"] = source
    return opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]), report
