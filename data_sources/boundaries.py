"""Neighbourhoods and administrative zones (a city's neighbourhoods and districts, as its TOML's ``[zones]`` names).

Returns a GeoDataFrame with :data:`~data_sources.contracts.ZONE_COLUMNS` in EPSG:4326 (MultiPolygons) and a
reject report: features with an empty geometry, a geometry that is not a polygon, a missing code or a duplicate
code are rejected; invalid but repairable polygons are repaired (``make_valid``) and kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from data_sources.contracts import TEXT_LIMITS, WGS84, ZONE_COLUMNS, ZONE_NAME_LIMIT
from data_sources.errors import CRSError, NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport
from data_sources.validation import TOO_LONG

#: Zones whose representative point is farther than this from the city's configured centre are not the city's.
MAX_ZONE_DISTANCE_KM = 50.0


def vector_file_with_fields(
    path: Path, source: str, fields: Iterable[str | None]
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """:func:`read_vector_file`, its rows counted as read for ``source`` in a new report, the named fields required.

    Raises
    ------
    SourceFormatError
        If a named field (``None`` or empty: not asked for) is not in the file.
    """
    frame = read_vector_file(path)
    report = RejectReport()
    report.read_counts[source] += len(frame)
    missing = [f for f in fields if f and f not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"{path.name} has no field {', '.join(map(repr, missing))}; it has {', '.join(frame.columns)}."
        )
    return frame, report


def read_vector_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GeoPackage, zipped shapefile) and bring it to EPSG:4326.

    A file without a CRS (or declaring lon/lat, which is what a GeoJSON file without a ``crs`` member means) must
    have coordinates that fit lon/lat ranges; otherwise it is an error, since guessing a projected CRS would
    silently misplace every feature. The CRS the file declared is kept in ``frame.attrs["declared_crs"]``.
    """
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"{path} does not exist.")
    uri = f"zip://{path}" if path.suffix == ".zip" else str(path)
    try:
        frame = gpd.read_file(uri)
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise SourceFormatError(f"{path.name} cannot be read as a vector file: {error}") from None
    declared = "no CRS" if frame.crs is None else (frame.crs.to_string() or frame.crs.name)
    if frame.crs is None or frame.crs.equals(WGS84) or frame.crs.equals("OGC:CRS84"):
        present = frame.geometry.notna() & ~frame.geometry.is_empty if len(frame) else frame.geometry.notna()
        minx, miny, maxx, maxy = frame.geometry[present].total_bounds if present.any() else (0, 0, 0, 0)
        if not all(map(np.isfinite, (minx, miny, maxx, maxy))) or (
            max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90
        ):
            raise CRSError(
                f"{path.name} has coordinates that are not longitude/latitude (bounds {minx:.0f}, {miny:.0f}, "
                f"{maxx:.0f}, {maxy:.0f}) although it is read as {declared} (GeoJSON without a 'crs' member means "
                "longitude/latitude): they look projected. Declare the file's CRS or reproject it to EPSG:4326."
            )
        frame = frame.set_crs(WGS84, allow_override=True)
    else:
        try:
            frame = frame.to_crs(WGS84)
        except Exception as error:  # pyproj raises several types for impossible transformations
            raise CRSError(
                f"{path.name}: cannot reproject from its declared CRS {declared} to EPSG:4326: {error}"
            ) from None
    frame.attrs["declared_crs"] = declared
    return frame


def _km_between(lon1: np.ndarray, lat1: np.ndarray, lon2: float, lat2: float) -> np.ndarray:
    """Great-circle distances (km) from points to one point."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


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
    center: tuple[float, float] | None = None,
    max_distance_km: float = MAX_ZONE_DISTANCE_KM,
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
    center, max_distance_km
        The city's centre (lon, lat): a zone whose representative point lies farther than ``max_distance_km``
        from it is rejected ("outside the city"); when most zones do, the file is in another place or its
        declared CRS is wrong (degrees declared as EPSG:3857 land near 0°, 0°), and :class:`CRSError` says where
        the geometries fell.

    Returns
    -------
    zones, report
        Zones with :data:`ZONE_COLUMNS` plus ``area_m2`` (geodesic-accurate through a local equal-area CRS).
    """
    path = Path(path)
    source = source or level
    frame, report = vector_file_with_fields(path, source, (code_field, name_field))
    keep: list[int] = []
    geometries: list[MultiPolygon] = []
    seen: set[str] = set()
    # Records, not itertuples: a column name that is not a Python identifier would be renamed there.
    for index, row_values in enumerate(frame.to_dict("records"), start=1):
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
        if len(code) > TEXT_LIMITS["code"]:
            report.add(source, path, index, code_field, TOO_LONG, f"{len(code):,} characters, at most "
                       f"{TEXT_LIMITS['code']}: {code[:60]}…", code[:60])  # fmt: skip
            continue
        name = "" if not name_field or pd.isna(row_values[name_field]) else str(row_values[name_field]).strip()
        if len(name) > ZONE_NAME_LIMIT:
            report.add(source, path, index, name_field or "", TOO_LONG, f"{len(name):,} characters, at most "
                       f"{ZONE_NAME_LIMIT}: {name[:60]}…", code)  # fmt: skip
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
    if center is not None and geometries:
        points = shapely.point_on_surface(np.array(geometries, dtype=object))
        km = _km_between(shapely.get_x(points), shapely.get_y(points), center[0], center[1])
        far = km > max_distance_km
        if far.mean() > 0.5:
            minx, miny, maxx, maxy = shapely.total_bounds(np.array(geometries, dtype=object))
            raise CRSError(
                f"{path.name} (declared CRS: {frame.attrs.get('declared_crs', 'unknown')}): {int(far.sum())} of "
                f"{len(far)} zones fall more than {max_distance_km:.0f} km from the city's centre "
                f"({center[0]:.4f}, {center[1]:.4f}); in EPSG:4326 they lie within lon {minx:.4f} to {maxx:.4f}, "
                f"lat {miny:.4f} to {maxy:.4f} (median distance {np.median(km):,.0f} km). The file is of another "
                "place or declares the wrong CRS: declare the CRS its coordinates are in."
            )
        kept_geometries, kept_rows = [], []
        for row, geometry, distance, is_far in zip(keep, geometries, km, far, strict=True):
            if is_far:
                code = str(frame.iloc[row][code_field])
                report.add(
                    source, path, row + 1, "geometry", f"outside the city (over {max_distance_km:.0f} km from its "
                    "centre)", f"{distance:,.0f} km", code,
                )  # fmt: skip
                continue
            kept_rows.append(row)
            kept_geometries.append(geometry)
        keep, geometries = kept_rows, kept_geometries
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
