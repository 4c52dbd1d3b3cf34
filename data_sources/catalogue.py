"""The opportunity catalogue: a city's own list of youth opportunities (its providers' directory or any
equivalent), as CSV or GeoJSON, read into the opportunities contract.

Schema
------
One row (CSV) or one Point feature (GeoJSON, properties as below) per opportunity. A CSV is UTF-8, with a
header row and ``,`` or ``;`` as separator; a GeoJSON file gives the point as its geometry (in EPSG:4326/CRS84,
or in any CRS it declares in a ``crs`` member, which is reprojected) instead of ``longitude``/``latitude``.

=============== ========= ==================================================================================
column          required  meaning and accepted values
=============== ========= ==================================================================================
id              yes       unique within the file (the second occurrence of an id is rejected)
name            yes       the opportunity's name
provider        no        who runs it (association, school, Comune ...)
category        yes       one of ``arts``, ``health``, ``education``, ``sport``, ``stem``
pillars         yes       ``;``-separated WISH-MI pillars: ``social_relations``, ``physical_activity``,
                          ``healthcare``, ``education_training``, ``talents_creativity``,
                          ``self_determination``, ``common_spaces``
kind            no        a free, short label (``theatre_workshop``, ``football``)
age_min         no        youngest age served, whole years, 0–99 (the 0–17 band is the focus; 18+ is allowed)
age_max         no        oldest age served, whole years, 0–99, not less than ``age_min``
price           no        EUR per participation or month as the provider states it; ``0`` = free; not negative
voucher         no        whether a public voucher/bonus is accepted: ``yes``/``no``, ``true``/``false``,
                          ``sì``/``no``, ``1``/``0`` (any case)
opening_hours   no        OpenStreetMap ``opening_hours`` syntax, e.g. ``Mo-Fr 15:00-18:30; Sa 10:00-12:00``
capacity        no        places available, a whole number, not negative
address         no        street address as text
longitude       yes (CSV) WGS84 decimal degrees (a decimal comma is accepted)
latitude        yes (CSV) WGS84 decimal degrees
website         no        URL
=============== ========= ==================================================================================

Empty cells are missing values. Other columns are ignored.

Rows and rejects
----------------
Each bad row is rejected once, at its first problem, with the file, its row number (1 = first data row or
feature), the field and the reason; the checks run in this order: text that is not UTF-8, text longer than its
limit (``id`` 128 characters; ``name``, ``provider``, ``address`` 300; ``kind`` 120; ``pillars`` 200;
``opening_hours``, ``website`` 500: :data:`~data_sources.contracts.TEXT_LIMITS`), missing id, duplicate
id, missing name, coordinates (missing, unparseable, latitude/longitude swapped, out of range, outside the city
``boundary``), category (missing/unknown), pillars (missing/unknown), ages (not whole numbers, out of range,
``age_min > age_max``), price (not a number, negative), voucher (not yes/no), capacity (not a whole number,
negative), opening_hours (invalid). Fatal problems raise: no such file (:class:`SourceNotFoundError`), not a
CSV/GeoJSON or missing required columns (:class:`SourceFormatError`), no usable rows
(:class:`NoUsableRowsError`), projected coordinates without a CRS (:class:`CRSError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import CATEGORIES, OPPORTUNITY_COLUMNS
from data_sources.errors import CRSError, NoUsableRowsError, SourceFormatError
from data_sources.rejects import Reject
from data_sources.validation import (
    DUPLICATE_ID,
    INVALID_OPENING_HOURS,
    OUT_OF_RANGE,
    Area,
    Rejector,
    SourceReport,
    bad_text_rejected,
    booleans_from_values,
    duplicate_mask,
    file_kind_from_path,
    first_occurrence_rows,
    frame_from_csv_path,
    frame_from_geojson_path,
    invalid_opening_hours_mask,
    missing_mask,
    numbers_from_values,
    opportunities_from_frame,
    pillars_from_values,
    point_coordinates_from_geometry,
    points_checked,
    too_long_rejected,
    unparseable_number_mask,
)

#: Columns a CSV catalogue must have (a GeoJSON one gives the point as geometry instead of lon/lat).
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "category", "pillars", "longitude", "latitude")
#: Columns a catalogue may have.
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(
    c for c in OPPORTUNITY_COLUMNS if c not in {"id", "source", "name", "category", "pillars", "geometry"}
)

MISSING_ID = "missing id"
MISSING_NAME = "missing name"
MISSING_CATEGORY = "missing category"
UNKNOWN_CATEGORY = "unknown category"
MISSING_PILLARS = "missing pillars"
UNKNOWN_PILLAR = "unknown pillar"
AGE_NOT_WHOLE = "age is not a whole number"
AGE_OUT_OF_RANGE = "age out of range 0-99"
AGE_ORDER = "age_min greater than age_max"
PRICE_NOT_NUMBER = "price is not a number"
NEGATIVE_PRICE = "negative price"
VOUCHER_NOT_YES_NO = "voucher is not yes/no"
CAPACITY_NOT_WHOLE = "capacity is not a whole number"
NEGATIVE_CAPACITY = "negative capacity"

MAX_AGE = 99


def catalogue_from_file(
    path: str | Path, *, boundary: Area | None = None, source: str = "catalogue"
) -> tuple[gpd.GeoDataFrame, SourceReport]:
    """Read an opportunity catalogue (CSV or GeoJSON, schema in this module's docstring).

    Parameters
    ----------
    path
        The catalogue file (``.csv``/``.tsv``/``.txt`` or ``.geojson``/``.json``).
    boundary
        The city's boundary (a shapely polygon) or bounding box ``(min_lon, min_lat, max_lon, max_lat)``. With
        it, points outside are rejected and swapped latitude/longitude are recognised; without it, only the
        lon/lat range is checked.
    source
        The ``source`` value of the rows and of the rejects.

    Returns
    -------
    opportunities, report
        The good rows as an opportunities GeoDataFrame (:data:`~data_sources.contracts.OPPORTUNITY_COLUMNS`,
        EPSG:4326) and the report of rejected rows; ``read = loaded + rejected``.

    Raises
    ------
    SourceNotFoundError, SourceFormatError, NoUsableRowsError, CRSError
        See the module docstring.
    """
    path = Path(path)
    report = SourceReport()
    kind = file_kind_from_path(path)
    if kind == "csv":
        frame = frame_from_csv_path(path, report, source)
        _require_columns(frame, REQUIRED_COLUMNS, path)
        report.read_counts[source] += len(frame)
        lon_field, lat_field, lon_label, lat_label = "longitude", "latitude", "", ""
    else:
        frame, n_features = frame_from_geojson_path(path)
        report.read_counts[source] += n_features
        _require_columns(frame, REQUIRED_COLUMNS[:4], path)
        frame = point_coordinates_from_geometry(frame)
        has_geometry = frame["_x"].notna()
        for axis, name in (("_x", "longitude"), ("_y", "latitude")):
            fallback = frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index, dtype=object)
            frame[name] = frame[axis].astype(object).where(has_geometry, fallback)
        lon_field, lat_field, lon_label, lat_label = "longitude", "latitude", "geometry", "geometry"
    if report.read_counts[source] == 0:
        raise NoUsableRowsError(f"{path}: no rows")
    for name in OPTIONAL_COLUMNS:
        if name not in frame.columns:
            frame[name] = np.nan
    frame = frame.astype({c: object for c in frame.columns if c != "geometry"})

    reject = Rejector(report, source, path, id_field="id")
    frame = _checked_rows(frame, reject, boundary, path, lon_field, lat_field, lon_label, lat_label)
    if frame.empty:
        raise NoUsableRowsError(
            f"{path}: all {report.read_counts[source]} rows were rejected "
            f"(first: {report.rejects[0] if report.rejects else 'none'})"
        )
    frame["source"] = source
    opportunities = opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"])
    return opportunities, report


def catalogue_row_checked(
    row: Mapping[str, object], *, boundary: Area | None = None, source: str = "form"
) -> tuple[dict[str, object] | None, Reject | None]:
    """Check one catalogue row (a web form's values) exactly as a file's row is checked, with the same messages.

    Parameters
    ----------
    row
        Column name -> value as typed (text), with the columns of this module's schema (others are ignored;
        missing ones are empty). ``longitude``/``latitude`` give the point.
    boundary
        The city's boundary, as for :func:`catalogue_from_file`.
    source
        Named on the reject (its ``file`` too).

    Returns
    -------
    values, problem
        The row as it would load (the opportunities contract's columns with parsed numbers, ``voucher`` True,
        False or None, ``longitude``/``latitude`` floats; missing values None) and None; or None and the first
        problem, exactly as the file import would report it.
    """
    columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    frame = pd.DataFrame([{name: row.get(name) for name in columns}], index=[1], dtype=object)
    report = SourceReport()
    reject = Rejector(report, source, source, id_field="id")
    try:
        frame = _checked_rows(frame, reject, boundary, Path(source), "longitude", "latitude", "", "")
    except CRSError:  # one row out of lon/lat range looks like a projected file: for one row, say what it is
        value = f"{row.get('longitude')}, {row.get('latitude')}"
        return None, Reject(source, source, 1, "longitude", OUT_OF_RANGE, value, str(row.get("id") or ""))
    if report.rejects:
        return None, report.rejects[0]
    frame["source"] = source
    loaded = opportunities_from_frame(frame, lon=frame["_lon"], lat=frame["_lat"]).iloc[0]
    values: dict[str, object] = {}
    for name in OPPORTUNITY_COLUMNS:
        if name == "geometry":
            continue
        value = loaded[name]
        if isinstance(value, np.generic):
            value = value.item()
        missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
        blank_text = isinstance(value, str) and bool(missing_mask(pd.Series([row.get(name)], dtype=object)).iloc[0])
        values[name] = None if missing or blank_text else value
    values["longitude"] = float(loaded.geometry.x)
    values["latitude"] = float(loaded.geometry.y)
    return values, None


def _require_columns(frame: pd.DataFrame, required: tuple[str, ...], path: Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"{path}: missing required column(s) {', '.join(missing)} (it has: {', '.join(map(str, frame.columns))})"
        )


def _checked_rows(
    frame: pd.DataFrame,
    reject: Rejector,
    boundary: Area | None,
    path: Path,
    lon_field: str,
    lat_field: str,
    lon_label: str,
    lat_label: str,
) -> pd.DataFrame:
    """The rows that pass every check, in the order of the module docstring, each bad row rejected once."""
    frame = bad_text_rejected(frame, reject)
    frame = too_long_rejected(frame, reject)
    frame = reject(frame, missing_mask(frame["id"]), "id", MISSING_ID)
    first = first_occurrence_rows(frame["id"])
    frame = reject(
        frame,
        duplicate_mask(frame["id"]),
        "id",
        DUPLICATE_ID,
        frame["id"].astype(str) + " (first in row " + first.astype(str) + ")",
    )
    frame = reject(frame, missing_mask(frame["name"]), "name", MISSING_NAME)
    frame = points_checked(
        frame,
        reject,
        lon_field=lon_field,
        lat_field=lat_field,
        area=boundary,
        path=path,
        lon_label=lon_label,
        lat_label=lat_label,
    )

    frame = reject(frame, missing_mask(frame["category"]), "category", MISSING_CATEGORY)
    frame["category"] = frame["category"].map(lambda v: str(v).strip().casefold())
    frame = reject(frame, ~frame["category"].isin(CATEGORIES), "category", UNKNOWN_CATEGORY)
    frame = reject(frame, missing_mask(frame["pillars"]), "pillars", MISSING_PILLARS)
    pillars, unknown = pillars_from_values(frame["pillars"])
    frame = reject(frame, unknown.notna(), "pillars", UNKNOWN_PILLAR, unknown)
    frame["pillars"] = pillars[frame.index]

    for name in ("age_min", "age_max"):
        values = numbers_from_values(frame[name])
        not_whole = unparseable_number_mask(frame[name]) | (values.notna() & (values % 1 != 0))
        frame = reject(frame, not_whole, name, AGE_NOT_WHOLE)
        values = values[frame.index]
        frame = reject(frame, (values < 0) | (values > MAX_AGE), name, AGE_OUT_OF_RANGE)
    age_min = numbers_from_values(frame["age_min"])
    age_max = numbers_from_values(frame["age_max"])
    frame = reject(
        frame,
        age_min > age_max,
        "age_min",
        AGE_ORDER,
        frame["age_min"].astype(str) + " > " + frame["age_max"].astype(str),
    )

    frame = reject(frame, unparseable_number_mask(frame["price"]), "price", PRICE_NOT_NUMBER)
    frame = reject(frame, numbers_from_values(frame["price"]) < 0, "price", NEGATIVE_PRICE)
    voucher, not_yes_no = booleans_from_values(frame["voucher"])
    frame = reject(frame, not_yes_no, "voucher", VOUCHER_NOT_YES_NO)
    frame["voucher"] = voucher[frame.index]

    capacity = numbers_from_values(frame["capacity"])
    not_whole = unparseable_number_mask(frame["capacity"]) | (capacity.notna() & (capacity % 1 != 0))
    frame = reject(frame, not_whole, "capacity", CAPACITY_NOT_WHOLE)
    frame = reject(frame, numbers_from_values(frame["capacity"]) < 0, "capacity", NEGATIVE_CAPACITY)
    return reject(frame, invalid_opening_hours_mask(frame["opening_hours"]), "opening_hours", INVALID_OPENING_HOURS)
