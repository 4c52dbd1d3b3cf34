"""The opportunities contract's shared reading steps: category mapping tables, stable ids, point files.

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

Readers, one module per source family (each registered by name in :mod:`data_sources.readers`):

- a city's own reader modules for its published lists (named in its TOML's ``[city] reader_modules``);
- :mod:`data_sources.osm_opportunities`: OSM parks and points of interest;
- :mod:`data_sources.ipea_hexgrid`: IPEA's H3 grids (opportunities, and also schools and population);
- :mod:`data_sources.catalogue`: Vicino's own catalogue format.

This module holds what they share: the mapping tables and the steps from a points file to the contract.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import (
    CATEGORIES,
)
from data_sources.errors import ConfigError, NoUsableRowsError, SourceFormatError
from data_sources.place_names import PlaceNamer
from data_sources.validation import (
    DUPLICATE_ID,
    Area,
    Rejector,
    SourceReport,
    bad_text_rejected,
    duplicate_mask,
    existing_path,
    first_occurrence_rows,
    frame_from_csv_path,
    frame_from_geojson_path,
    geometry_problems,
    missing_mask,
    numbers_from_values,
    pillars_from_values,
    point_coordinates_from_geometry,
    printable_bad_text,
    text_values,
    xy_points_checked,
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


def _reject_duplicates(frame: pd.DataFrame, reject: Rejector, id_field: str = "id") -> pd.DataFrame:
    first = first_occurrence_rows(frame[id_field])
    return reject(
        frame,
        duplicate_mask(frame[id_field]),
        id_field,
        DUPLICATE_ID,
        frame[id_field].astype(str) + " (first in row " + first.astype(str) + ")",
    )


def _read_features(path: str | Path, source: str, report: SourceReport) -> tuple[Path, gpd.GeoDataFrame]:
    """A GeoJSON file's features, counted as read for ``source``.

    Raises
    ------
    NoUsableRowsError
        If the file has no feature.
    """
    path = existing_path(path)
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    return path, frame


def _reject_bad_geometry(frame: pd.DataFrame, reject: Rejector) -> pd.DataFrame:
    """Rows whose geometry is missing, empty or invalid rejected (shapely's reason; the geometry type as value)."""
    problems = geometry_problems(frame["geometry"])
    kinds = frame["geometry"].map(lambda g: g.geom_type if g is not None else "")
    return reject(frame, problems.notna(), "geometry", problems, kinds)


def _read_point_features(
    path: str | Path,
    source: str,
    report: SourceReport,
    *,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> tuple[Path, pd.DataFrame]:
    """GeoJSON features with ``_x``/``_y`` from their geometry (or from lon/lat properties where it is missing)."""
    path, frame = _read_features(path, source, report)
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
    frame = bad_text_rejected(frame, reject)
    frame = _reject_duplicates(frame, reject)
    frame = xy_points_checked(frame, reject, area=boundary, path=path)
    frame = _mapped(frame, reject, mapping)
    _finish(frame, path, report, source)
    frame["source"] = source
    return path, frame, report
