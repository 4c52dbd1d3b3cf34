"""Neighbourhoods and administrative zones (Milan's 88 NIL and 9 Municipi, or any city's equivalent).

Returns a GeoDataFrame with :data:`~data_sources.contracts.ZONE_COLUMNS` in EPSG:4326 (MultiPolygons) and a
reject report: features with an empty geometry, a geometry that is not a polygon, a missing code or a duplicate
code are rejected; invalid but repairable polygons are repaired (``make_valid``) and kept.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from data_sources.contracts import WGS84, ZONE_COLUMNS
from data_sources.errors import CRSError, NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport


def read_vector_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GeoPackage, zipped shapefile) and bring it to EPSG:4326.

    A file without a CRS is taken as lon/lat only if its coordinates fit lon/lat ranges; otherwise it is an
    error, since guessing a projected CRS would silently misplace every feature.
    """
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"{path} does not exist.")
    uri = f"zip://{path}" if path.suffix == ".zip" else str(path)
    try:
        frame = gpd.read_file(uri)
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise SourceFormatError(f"{path.name} cannot be read as a vector file: {error}") from None
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds if len(frame) else (0, 0, 0, 0)
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise CRSError(
                f"{path.name} declares no CRS and its coordinates are not longitude/latitude "
                f"(bounds {minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}). "
                "Declare its CRS or reproject it to EPSG:4326."
            )
        return frame.set_crs(WGS84)
    return frame.to_crs(WGS84)


def _as_multipolygon(geometry: BaseGeometry) -> MultiPolygon | None:
    """Polygonal part of a geometry as a MultiPolygon (None if it has none)."""
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    polygons = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    if not polygons:
        return None
    merged = shapely.union_all(polygons)
    return merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])


def zones_from_file(
    path: str | Path,
    *,
    level: str,
    code_field: str,
    name_field: str | None = None,
    source: str | None = None,
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Read neighbourhood/zone polygons.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or zipped shapefile.
    level
        What these zones are (``nil``, ``municipio``...), stored with each one.
    code_field, name_field
        The attributes holding each zone's code and name (name defaults to ``"<level> <code>"``).
    source
        Name used in the reject report (defaults to ``level``).

    Returns
    -------
    zones, report
        Zones with :data:`ZONE_COLUMNS` plus ``area_m2`` (geodesic-accurate through a local equal-area CRS).
    """
    path = Path(path)
    source = source or level
    frame = read_vector_file(path)
    report = RejectReport()
    report.read_counts[source] += len(frame)
    missing = [f for f in (code_field, name_field) if f and f not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"{path.name} has no field {', '.join(map(repr, missing))}; it has {', '.join(frame.columns)}."
        )
    keep: list[int] = []
    geometries: list[MultiPolygon] = []
    seen: set[str] = set()
    for index, row in enumerate(frame.itertuples(index=False), start=1):
        row_values = row._asdict()
        raw_code = row_values[code_field]
        code = "" if pd.isna(raw_code) else str(raw_code).strip()
        if code.endswith(".0") and code[:-2].isdigit():
            code = code[:-2]
        geometry = row_values["geometry"]
        if not code:
            report.add(source, path, index, code_field, "missing code")
            continue
        if code in seen:
            report.add(source, path, index, code_field, "duplicate code", code, code)
            continue
        if geometry is None or geometry.is_empty:
            report.add(source, path, index, "geometry", "empty geometry", id=code)
            continue
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        polygonal = _as_multipolygon(geometry)
        if polygonal is None or polygonal.is_empty:
            report.add(source, path, index, "geometry", f"not a polygon ({geometry.geom_type})", id=code)
            continue
        seen.add(code)
        keep.append(index - 1)
        geometries.append(polygonal)
    if not keep:
        raise NoUsableRowsError(f"{path.name}: no usable zones (read {len(frame)}, all rejected).")
    zones = frame.iloc[keep].copy()
    codes = zones[code_field].astype(str).str.replace(r"\.0$", "", regex=True).str.strip()
    names = zones[name_field].astype(str).str.strip() if name_field else level + " " + codes
    result = gpd.GeoDataFrame(
        {"code": codes.to_numpy(), "name": names.to_numpy(), "level": level},
        geometry=gpd.GeoSeries(geometries, crs=WGS84),
        crs=WGS84,
    )[ZONE_COLUMNS]
    result["area_m2"] = result.geometry.to_crs(result.estimate_utm_crs()).area
    return result, report
