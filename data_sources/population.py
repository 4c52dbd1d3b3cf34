"""Youth population: census sections with age bands, aggregated to neighbourhoods, and origin points.

Italian census sections (ISTAT 2011) give residents in 5-year bands: P14 = 0–4, P15 = 5–9, P16 = 10–14,
P17 = 15–19. Vicino's youth bands are 0–4, 5–9, 10–14 and 15–17; the 15–17 count is **estimated as 3/5 of the
15–19 band** (ages spread evenly within the band, the usual assumption when single-year ages are not
published). ``youth_0_17`` is the sum of the four bands.

Each section is assigned to the neighbourhood that contains its representative point (sections nest in NIL
almost everywhere; ``method="area_weighted"`` splits a section's counts by the share of its area in each zone
instead). A neighbourhood's origin point is the youth-weighted mean of its sections' points, so accessibility is
measured from where children live rather than from the polygon's centroid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data_sources.boundaries import read_vector_file
from data_sources.contracts import POPULATION_COLUMNS, WGS84
from data_sources.errors import NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport

YOUTH_BANDS = ["age_0_4", "age_5_9", "age_10_14", "age_15_17"]
#: Share of the census 15–19 band counted as 15–17 (3 of its 5 single years).
SHARE_15_17_OF_15_19 = 3 / 5
ISTAT_BANDS = {"P1": "population", "P14": "age_0_4", "P15": "age_5_9", "P16": "age_10_14", "P17": "age_15_19"}


def census_sections_from_files(
    sections_path: str | Path, ages_path: str | Path, *, source: str = "census"
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Join ISTAT census-section polygons with their age-band table.

    Parameters
    ----------
    sections_path
        Section polygons with a ``SEZ2011`` code.
    ages_path
        CSV with ``SEZ2011`` and ISTAT's ``P1`` (total), ``P14``–``P17`` (0–4 … 15–19).

    Returns
    -------
    sections, report
        :data:`POPULATION_COLUMNS` (``kind="census_section"``). Polygons without an age row are unpopulated
        sections and load with zero residents; age rows without a polygon (ISTAT's pseudo-sections) and rows
        with negative or inconsistent counts are rejected with their reason.
    """
    sections_path, ages_path = Path(sections_path), Path(ages_path)
    if not ages_path.exists():
        raise SourceNotFoundError(f"{ages_path} does not exist.")
    polygons = read_vector_file(sections_path)
    if "SEZ2011" not in polygons.columns:
        raise SourceFormatError(f"{sections_path.name} has no SEZ2011 field.")
    try:
        ages = pd.read_csv(ages_path, dtype={"SEZ2011": str}, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise SourceFormatError(f"{ages_path.name} is not a UTF-8 CSV: {error}") from None
    missing = [column for column in ["SEZ2011", *ISTAT_BANDS] if column not in ages.columns]
    if missing:
        raise SourceFormatError(f"{ages_path.name} lacks the columns {', '.join(missing)}.")
    report = RejectReport()
    report.read_counts[f"{source}_sections"] += len(polygons)
    report.read_counts[f"{source}_ages"] += len(ages)

    ages["row"] = np.arange(1, len(ages) + 1)
    counts = ages[list(ISTAT_BANDS)].apply(pd.to_numeric, errors="coerce")
    bad_number = counts.isna().any(axis=1) | (counts < 0).any(axis=1)
    bands_exceed_total = counts[["P14", "P15", "P16", "P17"]].sum(axis=1) > counts["P1"]
    for row in ages[bad_number].itertuples():
        field = next(c for c in ISTAT_BANDS if not (pd.to_numeric(getattr(row, c), errors="coerce") >= 0))
        report.add(f"{source}_ages", ages_path, row.row, field, "missing or negative count", getattr(row, field))
    for row in ages[~bad_number & bands_exceed_total].itertuples():
        report.add(f"{source}_ages", ages_path, row.row, "P14-P17", "youth bands exceed the total P1", id=row.SEZ2011)
    ages = ages[~bad_number & ~bands_exceed_total].copy()
    ages[list(ISTAT_BANDS)] = counts.loc[ages.index].astype(int)

    polygons["SEZ2011"] = polygons["SEZ2011"].astype("Int64").astype(str)
    duplicated = polygons["SEZ2011"].duplicated()
    for index in np.flatnonzero(duplicated):
        report.add(f"{source}_sections", sections_path, index + 1, "SEZ2011", "duplicate section code")
    polygons = polygons[~duplicated]
    invalid = polygons.geometry.isna() | polygons.geometry.is_empty
    for index in np.flatnonzero(invalid):
        report.add(f"{source}_sections", sections_path, index + 1, "geometry", "empty geometry")
    polygons = polygons[~invalid].copy()
    polygons["geometry"] = shapely.make_valid(polygons.geometry.to_numpy())

    without_polygon = ~ages["SEZ2011"].isin(polygons["SEZ2011"])
    for row in ages[without_polygon].itertuples():
        report.add(
            f"{source}_ages", ages_path, row.row, "SEZ2011",
            f"no section polygon with this code (ISTAT pseudo-section; {row.P1} residents not placed)",
            row.SEZ2011, row.SEZ2011,
        )  # fmt: skip
    merged = polygons.merge(ages[~without_polygon], on="SEZ2011", how="left")
    merged[list(ISTAT_BANDS)] = merged[list(ISTAT_BANDS)].fillna(0).astype(int)
    frame = gpd.GeoDataFrame(
        {
            "id": merged["SEZ2011"].to_numpy(),
            "kind": "census_section",
            "population": merged["P1"].to_numpy(),
            "age_0_4": merged["P14"].to_numpy(float),
            "age_5_9": merged["P15"].to_numpy(float),
            "age_10_14": merged["P16"].to_numpy(float),
            "age_15_17": merged["P17"].to_numpy(float) * SHARE_15_17_OF_15_19,
        },
        geometry=merged.geometry.to_numpy(),
        crs=WGS84,
    )
    frame["youth_0_17"] = frame[YOUTH_BANDS].sum(axis=1)
    if frame.empty:
        raise NoUsableRowsError(f"{sections_path.name}: no usable census sections.")
    return frame[POPULATION_COLUMNS], report


def population_by_zone(
    population: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    metric_crs: str | int,
    method: Literal["representative_point", "area_weighted"] = "representative_point",
) -> pd.DataFrame:
    """Sum population and youth bands of small units (census sections, cells) into zones.

    Parameters
    ----------
    population
        :data:`POPULATION_COLUMNS` frame.
    zones
        Frame with ``code`` and polygon geometry.
    metric_crs
        A metric CRS for area shares and points.
    method
        ``representative_point``: each unit counts wholly in the zone containing its representative point.
        ``area_weighted``: a unit's counts are split by the share of its area in each zone.

    Returns
    -------
    DataFrame indexed by zone ``code`` with ``population``, the youth bands, ``youth_0_17``, ``units`` and the
    youth-weighted origin point (``origin_lon``, ``origin_lat``); zones without residents get their
    representative point as origin.
    """
    value_columns = ["population", *YOUTH_BANDS, "youth_0_17"]
    units = population.to_crs(metric_crs)
    polygons = zones[["code", "geometry"]].to_crs(metric_crs)
    if method == "area_weighted":
        units = units.assign(unit_area=units.area)
        pieces = gpd.overlay(units, polygons, how="intersection", keep_geom_type=True)
        share = (pieces.area / pieces["unit_area"]).clip(upper=1.0)
        pieces[value_columns] = pieces[value_columns].mul(share, axis=0)
        pieces["point"] = pieces.representative_point()
    else:
        points = gpd.GeoDataFrame(units[value_columns], geometry=units.representative_point(), crs=units.crs)
        pieces = gpd.sjoin(points, polygons, how="inner", predicate="within").drop(columns="index_right")
        pieces["point"] = pieces.geometry
    pieces["x"], pieces["y"] = pieces["point"].x, pieces["point"].y
    weight = pieces["youth_0_17"].where(pieces["youth_0_17"] > 0, 0.0)
    pieces["wx"], pieces["wy"] = pieces["x"] * weight, pieces["y"] * weight
    pieces["w"] = weight
    grouped = pieces.groupby("code").agg(
        **{c: (c, "sum") for c in value_columns},
        units=("x", "size"),
        wx=("wx", "sum"),
        wy=("wy", "sum"),
        w=("w", "sum"),
    )
    result = pd.DataFrame(index=pd.Index(zones["code"], name="code")).join(grouped)
    result[value_columns] = result[value_columns].fillna(0.0)
    result["units"] = result["units"].fillna(0).astype(int)
    fallback = polygons.set_index("code").representative_point()
    origin_x = (result["wx"] / result["w"]).where(result["w"] > 0, fallback.x)
    origin_y = (result["wy"] / result["w"]).where(result["w"] > 0, fallback.y)
    origins = gpd.GeoSeries(gpd.points_from_xy(origin_x, origin_y), index=result.index, crs=metric_crs)
    # A weighted mean can fall outside a concave zone; then take the zone's point nearest to it.
    inside = origins.within(polygons.set_index("code").geometry.reindex(result.index))
    if not inside.all():
        outside_codes = result.index[~inside]
        zone_shapes = polygons.set_index("code").geometry
        for code in outside_codes:
            nearest = shapely.ops.nearest_points(zone_shapes[code], origins[code])[0]
            origins[code] = nearest
    origins_wgs = origins.to_crs(WGS84)
    result["origin_lon"], result["origin_lat"] = origins_wgs.x, origins_wgs.y
    return result[[*value_columns, "units", "origin_lon", "origin_lat"]]
