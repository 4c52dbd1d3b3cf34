"""IPEA's H3 hex grids (Porto Alegre, São Paulo): population, schools and service counts per resolution-9 cell.

Three readers of one file family, each returning ``(frame, report)`` with the cell as the unit of accounting
(``read = loaded + rejected`` cells): :func:`population_from_hexgrid` (the population contract, youth by age
band), :func:`schools_from_hexgrid` (one school point per school counted in a cell, the schools contract) and
:func:`opportunities_from_hexgrid` (one opportunity per counted service, categories from
``mappings/<source>.csv`` keyed by ``count_column``). Population and schools are not opportunities; they live
here because they come from the same grid file with the same cell checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from data_sources.contracts import (
    POPULATION_COLUMNS,
    SCHOOL_COLUMNS,
    WGS84,
)
from data_sources.errors import NoUsableRowsError, SourceFormatError
from data_sources.opportunities import (
    _finish,
    _mapping,
    _named,
    _reject_duplicates,
    _require,
)
from data_sources.place_names import PlaceNamer
from data_sources.validation import (
    SWAPPED,
    Rejector,
    SourceReport,
    bad_text_rejected,
    existing_path,
    frame_from_csv_path,
    missing_mask,
    numbers_from_values,
    opportunities_from_frame,
    points_checked,
    text_values,
)

INVALID_H3 = "not a valid H3 resolution-9 cell"
NOT_IN_CELL = "lon/lat not inside its H3 cell"
MISSING_COUNT = "missing count"
BAD_COUNT = "count is not a non-negative number"

H3_RESOLUTION = 9


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
    frame = bad_text_rejected(frame, reject)
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
