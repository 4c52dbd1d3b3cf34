"""OpenStreetMap opportunities: parks (from polygons) and points of interest (from tag rows).

Both return ``(frame, report)`` like every reader of :mod:`data_sources.opportunities`, with categories and
pillars from the editable tables ``mappings/osm_parks.csv`` / ``mappings/osm_pois.csv``.

- :func:`opportunities_from_parks`: clipped to the city boundary and represented by a point inside the clipped
  park, with ``area_ha`` (inside the city) and ``area_ha_total``. A park with less than half its area and less
  than 1 ha inside is rejected as mostly outside; one clipped is noted in the report; private parks are rejected.
- :func:`opportunities_from_osm_pois`: from a frame of ``tag_key``/``tag_value`` rows
  (:func:`data_sources.osm.pois_from_osm_file`); :func:`schools_from_osm_opportunities` picks the schools and
  kindergartens out of its result, as the schools contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data_sources.contracts import (
    WGS84,
)
from data_sources.errors import CRSError, NoUsableRowsError, SourceFormatError
from data_sources.opportunities import (
    NO_MAPPING,
    NOT_PUBLIC,
    _finish,
    _key,
    _mapped,
    _mapping,
    _named,
    _read_features,
    _reject_bad_geometry,
    _reject_duplicates,
    _require,
    categories_from_mapping,
    stable_ids,
)
from data_sources.place_names import PlaceNamer
from data_sources.validation import (
    OUTSIDE_BOUNDARY,
    Area,
    Rejector,
    SourceReport,
    area_geometry,
    bad_text_rejected,
    missing_mask,
    numbers_from_values,
    opening_hours_valid,
    opportunities_from_frame,
    point_coordinates_from_geometry,
    text_values,
    xy_points_checked,
)

MOSTLY_OUTSIDE = "mostly outside the city boundary"


def _osm_rows_checked(frame: pd.DataFrame, reject: Rejector, excluded_access: Iterable[str]) -> pd.DataFrame:
    """OSM features without bad text, duplicate ids, bad geometries, or an ``access`` tag closing them to the public."""
    frame = bad_text_rejected(frame, reject)
    frame = _reject_duplicates(frame, reject)
    frame = _reject_bad_geometry(frame, reject)
    access = frame["access"].map(lambda v: _key(v) if isinstance(v, str) else "")
    not_public = access.isin({_key(a) for a in excluded_access})
    return reject(frame, not_public, "access", NOT_PUBLIC + " (access=" + access + ")")


def opportunities_from_parks(
    path: str | Path,
    boundary: Area,
    *,
    mapping: pd.DataFrame | str | Path | None = None,
    source: str = "parks_osm",
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
        The city's boundary polygon (e.g. the union of its districts).
    mapping
        A mapping table; default ``mappings/parks_osm.csv`` (on ``leisure``).
    namer
        Labels a park without an OSM name ("Giardino, Via X (NIL Y)"); default the English word alone.
    """
    report = SourceReport()
    path, frame = _read_features(path, source, report)
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
    frame = _osm_rows_checked(frame, reject, excluded_access)
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
    frame = _osm_rows_checked(frame, reject, excluded_access)
    frame = point_coordinates_from_geometry(frame)
    frame = xy_points_checked(frame, reject, area=boundary, path=file)
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


#: The OSM POI kinds that are also schools (stored as schools besides opportunities).
SCHOOL_KINDS: tuple[str, ...] = ("school", "kindergarten")


def schools_from_osm_opportunities(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The schools and kindergartens among OSM POI opportunities, as :data:`~data_sources.contracts.SCHOOL_COLUMNS`.

    Parameters
    ----------
    frame
        Opportunities from :func:`opportunities_from_osm_pois`.

    Returns
    -------
    geopandas.GeoDataFrame
        One school per opportunity whose ``kind`` is in :data:`SCHOOL_KINDS`, its ``level`` that kind.
    """
    schools = frame[frame["kind"].isin(list(SCHOOL_KINDS))]
    return gpd.GeoDataFrame(
        {
            "id": schools["id"],
            "source": schools["source"],
            "name": schools["name"],
            "level": schools["kind"],
            "address": schools["address"],
            "capacity": schools["capacity"],
        },
        geometry=schools.geometry,
        crs=schools.crs,
    )
