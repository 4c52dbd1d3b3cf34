"""Schools as their own layer: a city's schools file in Vicino's documented format.

Schema (CSV, UTF-8, header row; or GeoJSON points with the same properties):

=========== ========= =====================================================================
column      required  meaning
=========== ========= =====================================================================
id          yes       unique within the file
name        yes       the school's name
level       no        ``kindergarten``, ``primary``, ``lower_secondary``, ``upper_secondary``…
address     no        street address
capacity    no        pupils, a whole number, not negative
longitude   yes (CSV) WGS84 decimal degrees
latitude    yes (CSV) WGS84 decimal degrees
=========== ========= =====================================================================

Rows with a missing or duplicate id, a missing name, bad coordinates (missing, unparseable, swapped, out of range,
outside the city) or a bad capacity are rejected with their reason; the others load.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import SCHOOL_COLUMNS, WGS84
from data_sources.errors import NoUsableRowsError, SourceFormatError
from data_sources.rejects import RejectReport
from data_sources.validation import (
    DUPLICATE_ID,
    Area,
    Rejector,
    bad_text_rejected,
    duplicate_mask,
    file_kind_from_path,
    frame_from_csv_path,
    frame_from_geojson_path,
    missing_mask,
    numbers_from_values,
    point_coordinates_from_geometry,
    points_checked,
    too_long_rejected,
    unparseable_number_mask,
)

REQUIRED = ("id", "name")


def schools_from_file(
    path: str | Path, *, boundary: Area | None = None, source: str = "schools"
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Read a schools file (schema in the module docstring) into :data:`SCHOOL_COLUMNS`."""
    path = Path(path)
    report = RejectReport()
    if file_kind_from_path(path) == "csv":
        frame = frame_from_csv_path(path, report, source)
        report.read_counts[source] += len(frame)
        lon_label = lat_label = ""
        required = (*REQUIRED, "longitude", "latitude")
    else:
        frame, n_features = frame_from_geojson_path(path)
        report.read_counts[source] += n_features
        frame = point_coordinates_from_geometry(frame)
        frame["longitude"], frame["latitude"] = frame["_x"], frame["_y"]
        lon_label = lat_label = "geometry"
        required = REQUIRED
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{path}: missing required column(s) {', '.join(missing)}")
    for name in ("level", "address", "capacity"):
        if name not in frame.columns:
            frame[name] = np.nan
    frame = frame.astype({c: object for c in frame.columns if c != "geometry"})
    reject = Rejector(report, source, path, id_field="id")
    frame = bad_text_rejected(frame, reject)
    frame = too_long_rejected(frame, reject)
    frame = reject(frame, missing_mask(frame["id"]), "id", "missing id")
    frame = reject(frame, duplicate_mask(frame["id"]), "id", DUPLICATE_ID)
    frame = reject(frame, missing_mask(frame["name"]), "name", "missing name")
    frame = points_checked(frame, reject, lon_field="longitude", lat_field="latitude", area=boundary, path=path,
                           lon_label=lon_label, lat_label=lat_label)  # fmt: skip
    capacity = numbers_from_values(frame["capacity"])
    not_whole = unparseable_number_mask(frame["capacity"]) | (capacity.notna() & (capacity % 1 != 0))
    frame = reject(frame, not_whole, "capacity", "capacity is not a whole number")
    frame = reject(frame, numbers_from_values(frame["capacity"]) < 0, "capacity", "negative capacity")
    if frame.empty:
        raise NoUsableRowsError(f"{path}: all {report.read_counts[source]} rows were rejected")
    capacity = numbers_from_values(frame["capacity"])
    schools = gpd.GeoDataFrame(
        {
            "id": frame["id"].astype(str).str.strip().to_numpy(),
            "source": source,
            "name": frame["name"].astype(str).str.strip().to_numpy(),
            "level": frame["level"].where(~missing_mask(frame["level"]), "").astype(str).to_numpy(),
            "address": frame["address"].where(~missing_mask(frame["address"]), "").astype(str).to_numpy(),
            "capacity": pd.array(capacity.to_numpy(), dtype="Int64"),
        },
        geometry=gpd.points_from_xy(frame["_lon"].astype(float), frame["_lat"].astype(float)),
        crs=WGS84,
    )
    return schools[SCHOOL_COLUMNS], report
