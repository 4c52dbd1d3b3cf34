"""Base-map layers: what a map shows under the data when there is no tile server (roads, metro, rail, parks, water).

These layers are drawn, never routed on. A reader keeps only what a map needs — the layer, a name, a class (the
road type, the metro line) and a colour — simplifies the geometry and returns it in EPSG:4326. Lines that share a
name and class are merged into one feature (one street, one metro line), so the map has few, long features.

Two readers:

- :func:`basemap_layer_from_file`: one layer from a vector file (GeoJSON, GeoPackage, zipped shapefile), e.g.
  OSM main roads or a city's own metro lines.
- :func:`basemap_layers_from_osm`: main roads with their names, parks and water from an OpenStreetMap extract.

Rows with no geometry or the wrong kind of geometry are rejected (file, row, field, reason); rows entirely outside
the city boundary (when clipping is asked for) are set aside.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from data_sources.boundaries import vector_file_with_fields
from data_sources.contracts import WGS84
from data_sources.errors import ConfigError, NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport

#: The columns of a base-map frame (EPSG:4326).
BASEMAP_COLUMNS = ["layer", "name", "class", "colour", "geometry"]

#: Each layer and the geometry it holds.
LAYER_GEOMETRIES = {
    "roads": "line",
    "metro_lines": "line",
    "rail_lines": "line",
    "waterways": "line",
    "metro_stations": "point",
    "rail_stations": "point",
    "parks": "polygon",
    "water": "polygon",
}

_GEOMETRY_TYPES = {
    "line": ("LineString", "MultiLineString"),
    "point": ("Point", "MultiPoint"),
    "polygon": ("Polygon", "MultiPolygon"),
}

#: OSM ``highway`` values drawn as main roads.
OSM_MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: OSM tags drawn as parks and as water.
OSM_PARKS = (("leisure", "park"), ("leisure", "garden"), ("leisure", "nature_reserve"))
OSM_WATER = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"), ("landuse", "basin"))
OSM_WATERWAYS = (("waterway", "river"), ("waterway", "canal"))


def _text(value: Any) -> str:
    """A name as plain text: the first of a list of names (OSMnx merges), empty for a missing value."""
    if isinstance(value, list | tuple | np.ndarray):  # GeoJSON lists come as arrays from pyogrio
        value = value[0] if len(value) else ""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):  # a list written as text: "['Viale Ezio', 'Piazza …']"
        text = text[1:-1].split(",")[0].strip().strip("'\"")
    return text


def basemap_layer_from_file(
    path: str | Path,
    *,
    layer: str,
    metric_epsg: int,
    name_field: str = "",
    class_field: str = "",
    colours: Mapping[str, str] | None = None,
    simplify_m: float = 3.0,
    boundary: shapely.Geometry | None = None,
    source: str = "basemap",
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Read one base-map layer from a vector file.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or zipped shapefile (any declared CRS; lon/lat when none is declared).
    layer
        One of :data:`LAYER_GEOMETRIES` (``roads``, ``metro_lines``, ``parks`` ...).
    metric_epsg
        A metric CRS of the city, for simplifying in metres.
    name_field, class_field
        The attributes holding each feature's name and class (road type, metro line); empty for none.
    colours
        Colour of each class (a metro line's official colour); a station of several lines (``"3,5"``) takes its
        first line's colour.
    simplify_m
        Simplification tolerance in metres (0 keeps every vertex).
    boundary
        When given (EPSG:4326), features are clipped to it; those entirely outside are set aside.
    source
        Name used in the reject report.

    Returns
    -------
    frame, report
        :data:`BASEMAP_COLUMNS`, lines merged per (name, class); every input row is loaded, set aside or rejected.
    """
    if layer not in LAYER_GEOMETRIES:
        raise ConfigError(f"unknown base-map layer {layer!r}; known layers: {', '.join(LAYER_GEOMETRIES)}.")
    path = Path(path)
    frame, report = vector_file_with_fields(path, source, (name_field, class_field))
    wanted = _GEOMETRY_TYPES[LAYER_GEOMETRIES[layer]]
    names = frame[name_field] if name_field else pd.Series("", index=frame.index)
    classes = frame[class_field] if class_field else pd.Series("", index=frame.index)
    rows: list[dict[str, Any]] = []
    for index, (geometry, name, cls) in enumerate(zip(frame.geometry, names, classes, strict=True), start=1):
        if geometry is None or geometry.is_empty:
            report.add(source, path, index, "geometry", "empty geometry", id=_text(name))
            continue
        if geometry.geom_type not in wanted:
            report.add(
                source, path, index, "geometry", f"a {layer} feature must be a {LAYER_GEOMETRIES[layer]}",
                geometry.geom_type, _text(name),
            )  # fmt: skip
            continue
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        if boundary is not None:
            clipped = shapely.intersection(geometry, boundary)
            clipped = _part_of_type(clipped, wanted)
            if clipped is None:
                report.add_set_aside(source, path, index, "outside the city boundary (not drawn)")
                continue
            if not clipped.equals(geometry):
                report.add_note(source, path, index, _text(name), "geometry", "clipped to the city boundary")
            geometry = clipped
        cls_text = _text(cls)
        if cls_text.endswith(".0") and cls_text[:-2].isdigit():
            cls_text = cls_text[:-2]
        rows.append({"layer": layer, "name": _text(name), "class": cls_text, "rows": [index], "geometry": geometry})
    if not rows:
        raise NoUsableRowsError(f"{path.name}: no usable {layer} features (read {len(frame)}, none kept).")
    result = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    return _finish(result, metric_epsg, simplify_m, colours, report, source, path), report


def basemap_layers_from_osm(
    path: str | Path,
    *,
    metric_epsg: int,
    simplify_m: float = 3.0,
    source: str = "basemap",
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Main roads (with their names), parks and water from an OpenStreetMap extract.

    Roads are the ways tagged ``highway`` = one of :data:`OSM_MAIN_ROADS` (class = that value); parks and water
    are closed ways and multipolygons with the tags of :data:`OSM_PARKS` and :data:`OSM_WATER`; rivers and canals
    are lines (:data:`OSM_WATERWAYS`). An extract with none of them gives an empty frame, not an error.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"OSM file not found: {path}")
    road_tags = [("highway", value) for value in OSM_MAIN_ROADS]
    area_tags = [*OSM_PARKS, *OSM_WATER]
    pairs = [*road_tags, *area_tags, *OSM_WATERWAYS]
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(osmium.filter.TagFilter(*area_tags))
        .with_filter(osmium.filter.TagFilter(*pairs))
    )
    factory = osmium.geom.WKBFactory()
    report = RejectReport()
    rows: list[dict[str, Any]] = []
    try:
        for obj in processor:
            if obj.is_node():
                continue
            tags = obj.tags
            row_id = f"{'relation' if obj.is_area() and not obj.from_way() else 'way'}/{obj.id}"
            if obj.is_area():
                layer = "parks" if any(tags.get(k) == v for k, v in OSM_PARKS) else "water"
                report.read_counts[source] += 1
                try:
                    geometry = shapely.from_wkb(factory.create_multipolygon(obj))
                except RuntimeError as error:  # a broken ring in the extract
                    report.add(source, path, None, "geometry", f"not a valid area: {error}", id=row_id)
                    continue
                cls = tags.get("leisure") or tags.get("natural") or tags.get("landuse") or tags.get("waterway") or ""
            elif obj.is_way():
                highway = tags.get("highway", "")
                waterway = tags.get("waterway", "")
                if highway in OSM_MAIN_ROADS:
                    layer, cls = "roads", highway
                elif ("waterway", waterway) in OSM_WATERWAYS:
                    layer, cls = "waterways", waterway
                else:  # a closed park or water way: read as an area above
                    continue
                report.read_counts[source] += 1
                try:
                    geometry = shapely.from_wkb(factory.create_linestring(obj))
                except RuntimeError as error:  # nodes missing from the extract
                    report.add(source, path, None, "geometry", f"no line: {error}", id=row_id)
                    continue
            else:
                continue
            name = tags.get("name", "").strip()
            rows.append({"layer": layer, "name": name, "class": cls, "rows": [row_id], "geometry": geometry})
    except RuntimeError as error:
        raise SourceFormatError(f"cannot read {path} as OpenStreetMap data: {error}") from None
    columns = ["layer", "name", "class", "rows", "geometry"]
    result = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=WGS84)
    return _finish(result, metric_epsg, simplify_m, None, report, source, path), report


def basemap_from_source(
    path: str | Path,
    options: Mapping[str, Any],
    *,
    metric_epsg: int,
    boundary: shapely.Geometry | None,
    source: str,
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Read a ``kind = "basemap"`` source as its city configuration describes it.

    ``reader = "osm"`` reads an OSM extract; otherwise ``layer``, ``name_field``, ``class_field``, ``colours``,
    ``simplify_m`` and ``clip_to_boundary`` describe a vector file.
    """
    simplify_m = float(options.get("simplify_m", 3.0))
    if options.get("reader") == "osm":
        return basemap_layers_from_osm(path, metric_epsg=metric_epsg, simplify_m=simplify_m, source=source)
    if "layer" not in options:
        raise ConfigError(f"base-map source {source!r} lacks 'layer' (one of {', '.join(LAYER_GEOMETRIES)}).")
    return basemap_layer_from_file(
        path,
        layer=options["layer"],
        metric_epsg=metric_epsg,
        name_field=options.get("name_field", ""),
        class_field=options.get("class_field", ""),
        colours=options.get("colours"),
        simplify_m=simplify_m,
        boundary=boundary if options.get("clip_to_boundary") else None,
        source=source,
    )


def _part_of_type(geometry: shapely.Geometry, wanted: tuple[str, ...]) -> shapely.Geometry | None:
    """The parts of a clipped geometry of the wanted type (a polygon cut by a boundary may leave lines)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in wanted:
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in wanted and not g.is_empty]
    return shapely.union_all(parts) if parts else None


def _finish(
    frame: gpd.GeoDataFrame,
    metric_epsg: int,
    simplify_m: float,
    colours: Mapping[str, str] | None,
    report: RejectReport,
    source: str,
    path: Path,
) -> gpd.GeoDataFrame:
    """Merge lines per (layer, name, class), simplify in metres, colour by class, 5 decimals (about 1 m).

    A feature too small to draw at that precision (a 5 m loop) is set aside, each of its input rows named.
    """
    if frame.empty:
        return gpd.GeoDataFrame(columns=BASEMAP_COLUMNS, geometry="geometry", crs=WGS84)
    metric = frame.to_crs(metric_epsg)
    is_line = metric.geometry.geom_type.isin(_GEOMETRY_TYPES["line"])
    merged = []
    if is_line.any():
        for (layer, name, cls), group in metric[is_line].groupby(["layer", "name", "class"], sort=True):
            line = shapely.line_merge(shapely.union_all(group.geometry.to_numpy()))
            rows = [row for rows in group["rows"] for row in rows]
            merged.append({"layer": layer, "name": name, "class": cls, "rows": rows, "geometry": line})
    others = metric[~is_line].to_dict("records")
    metric = gpd.GeoDataFrame([*merged, *others], geometry="geometry", crs=metric_epsg)
    if simplify_m > 0:
        metric["geometry"] = metric.geometry.simplify(simplify_m, preserve_topology=True)
    result = metric.to_crs(WGS84)
    result["geometry"] = shapely.set_precision(result.geometry.to_numpy(), 1e-5)
    empty = result.geometry.is_empty
    for row in result[empty].itertuples(index=False):
        for input_row in row.rows:
            number, osm_id = (input_row, "") if isinstance(input_row, int) else (None, f", OSM {input_row}")
            reason = f"too small to draw at about 1 m ({row.layer} {row.name!r}{osm_id})"
            report.add_set_aside(source, path, number, reason)
    result = result[~empty]
    colours = dict(colours or {})
    result["colour"] = [colours.get(str(c).split(",")[0].strip(), "") for c in result["class"]]
    return result[BASEMAP_COLUMNS].reset_index(drop=True)
