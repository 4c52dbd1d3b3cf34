"""The base map drawn under the data when no tile server is configured: the city's own data, never routed on.

One GeoJSON file per release, cached under ``VICINO_HOME/basemaps`` by the release's input hash (with a gzip copy),
holds, in drawing order: parks and water, the neighbourhood outlines, the walk network's streets, the main roads,
rail and metro lines, stations, and label points (a name, what it names, an angle for road names, a rank). Each
feature has a ``layer`` property; the page styles layers and decides at which zoom a label shows.

The ``kind = "basemap"`` sources of a city (:mod:`data_sources.basemap`) are read at import time; each layer is
written to ``VICINO_HOME/basemaps/layers`` and re-read from its input file if that copy is gone.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from django.conf import settings
from shapely.ops import polylabel

from data_sources.basemap import BASEMAP_COLUMNS, basemap_from_source
from data_sources.cities import city_config_from_slug
from data_sources.contracts import WGS84
from data_sources.errors import VicinoError
from geo.models import DataRelease
from geo.networks import network_for_release

#: Bumped when the file's layout changes, so an old cached file is not served.
FORMAT_VERSION = 2
#: Layers in drawing order (bottom first).
LAYER_ORDER = [
    "parks", "water", "waterways", "zones_minor", "zones_major", "streets", "roads", "rail_lines", "metro_lines",
    "rail_stations", "metro_stations",
]  # fmt: skip
#: Distance between two labels of one long road (metres); the page hides those that would overlap.
ROAD_LABEL_SPACING_M = 900.0


def _basemap_dir() -> Path:
    return Path(settings.VICINO_HOME) / "basemaps"


def _layer_path(input_hash: str, source_name: str) -> Path:
    return _basemap_dir() / "layers" / f"{input_hash[:16]}-{source_name}.geojson"


def write_basemap_layer(input_hash: str, source_name: str, frame: gpd.GeoDataFrame) -> Path:
    """Keep one read base-map source next to the release it belongs to."""
    target = _layer_path(input_hash, source_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(frame.to_json(drop_id=True), encoding="utf-8")
    partial.replace(target)
    return target


def copy_basemap_layers(from_hash: str, to_hash: str, source_names: list[str]) -> int:
    """Keep the base-map layers read for one release next to another made of the same base-map inputs (a release
    derived from it); a layer not kept is read again from its input file when first drawn. The number copied."""
    copied = 0
    for name in source_names:
        source, target = _layer_path(from_hash, name), _layer_path(to_hash, name)
        if source.exists() and not target.exists():
            partial = target.with_suffix(".partial")
            shutil.copyfile(source, partial)
            partial.replace(target)
            copied += 1
    return copied


def _zone_levels(release: DataRelease) -> list[str]:
    """The release's zone levels, coarsest (fewest zones) first."""
    levels = release.neighbourhoods.order_by().values_list("level", flat=True).distinct()
    return sorted(levels, key=lambda level: release.neighbourhoods.filter(level=level).count())


def _release_boundary(release: DataRelease) -> shapely.Geometry | None:
    levels = _zone_levels(release)
    if not levels:
        return None
    shapes = [shapely.from_wkb(bytes(z.geom.wkb)) for z in release.neighbourhoods.filter(level=levels[0])]
    return shapely.union_all(shapes)


def _basemap_layer(release: DataRelease, source_name: str) -> gpd.GeoDataFrame:
    """A base-map source of the release, from its kept copy or read again from its input file."""
    path = _layer_path(release.input_hash, source_name)
    if path.exists():
        frame = gpd.read_file(path)
        return frame.set_crs(WGS84, allow_override=True) if len(frame) else frame
    record = release.inputs[source_name]
    options = json.loads(record.get("options", "{}"))
    frame, _ = basemap_from_source(
        record["file"],
        options,
        metric_epsg=release.city.metric_epsg,
        boundary=_release_boundary(release) if options.get("clip_to_boundary") else None,
        source=source_name,
    )
    write_basemap_layer(release.input_hash, source_name, frame)
    return frame


def _attributions(release: DataRelease) -> list[str]:
    """The attribution of each base-map source not already in the city's own attribution, once each."""
    try:
        config = city_config_from_slug(release.city.slug)
    except VicinoError:  # a city loaded from a file of its own: the page shows the city's attribution
        return []
    shown = " ".join(config.attribution)
    names = [name for name, record in release.inputs.items() if record.get("kind") == "basemap"]
    texts = [config.sources[n].attribution for n in names if n in config.sources]
    return [text for text in dict.fromkeys(texts) if text and text not in shown]


def _feature(geometry: shapely.Geometry, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": json.loads(shapely.to_geojson(geometry))}


def _area_label_point(geometry: shapely.Geometry) -> shapely.Point:
    """The point of an area farthest from its edge (its largest part's), where a name reads best."""
    largest = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    if largest.geom_type != "Polygon":
        return largest.representative_point()
    return polylabel(largest, tolerance=1e-5)


def _road_labels(frame: gpd.GeoDataFrame, metric_epsg: int) -> list[dict[str, Any]]:
    """Label points along named lines, one per ~900 m of each piece, with the line's angle on the map (degrees)."""
    named = frame[frame["name"].fillna("") != ""]
    if named.empty:
        return []
    metric = named.to_crs(metric_epsg)
    points, properties = [], []
    for row, geometry in zip(named.itertuples(index=False), metric.geometry, strict=True):
        for part in getattr(geometry, "geoms", [geometry]):
            length = part.length
            if length < 120:
                continue
            count = max(1, int(length // ROAD_LABEL_SPACING_M))
            for i in range(count):
                at = (i + 0.5) * length / count
                a, b = part.interpolate(max(at - 25, 0)), part.interpolate(min(at + 25, length))
                angle = -math.degrees(math.atan2(b.y - a.y, b.x - a.x))  # screen y points down
                angle = (angle + 90) % 180 - 90  # never upside down
                points.append(part.interpolate(at))
                properties.append({"layer": "label", "of": row.layer, "name": row.name, "class": row[2],
                                   "angle": round(angle, 1), "rank": round(length)})  # fmt: skip
    if not points:
        return []
    wgs84 = gpd.GeoSeries(points, crs=metric_epsg).to_crs(WGS84)
    return [_feature(p, **props) for p, props in zip(wgs84, properties, strict=True)]


def _streets_feature(release: DataRelease) -> dict[str, Any] | None:
    network = network_for_release(release)
    if network is None:
        return None
    lines = shapely.simplify(network.seg_geometry, 3.0)
    lines = shapely.transform(lines, lambda xy: np.column_stack(network.to_wgs84.transform(xy[:, 0], xy[:, 1])))
    merged = shapely.line_merge(shapely.union_all(lines)) if len(lines) < 5000 else shapely.multilinestrings(lines)
    return _feature(shapely.set_precision(merged, 1e-5), layer="streets")


def basemap_collection(release: DataRelease) -> dict[str, Any]:
    """The release's base map as a GeoJSON FeatureCollection (see the module docstring)."""
    layers: dict[str, list[dict[str, Any]]] = {name: [] for name in LAYER_ORDER}
    labels: list[dict[str, Any]] = []
    levels = _zone_levels(release)
    for position, level in enumerate(levels):
        layer = "zones_minor" if position == len(levels) - 1 and len(levels) > 1 else "zones_major"
        for zone in release.neighbourhoods.filter(level=level):
            shape = shapely.from_wkb(bytes(zone.geom.wkb))
            outline = shapely.set_precision(shapely.simplify(shape.boundary, 2e-5), 1e-5)
            layers[layer].append(_feature(outline, layer=layer, name=zone.name, level=level))
            if position == len(levels) - 1:  # the finest level is the one a family knows by name
                labels.append(_feature(_area_label_point(shape), layer="label", of="zones", name=zone.name, rank=0))
    streets = _streets_feature(release)
    if streets is not None:
        layers["streets"].append(streets)
    metric_epsg = release.city.metric_epsg
    for name, record in sorted(release.inputs.items()):
        if record.get("kind") != "basemap":
            continue
        frame = _basemap_layer(release, name)
        if frame.empty:
            continue
        frame = frame.reindex(columns=BASEMAP_COLUMNS).fillna({"name": "", "class": "", "colour": ""})
        for row in frame.itertuples(index=False):
            properties = {"layer": row.layer, "name": row.name, "class": row[2], "colour": row.colour}
            layers.setdefault(row.layer, []).append(_feature(row.geometry, **properties))
            if not row.name:
                continue
            if row.geometry.geom_type in ("Point", "MultiPoint"):
                labels.append(_feature(row.geometry, layer="label", of=row.layer, name=row.name, rank=0,
                                       colour=row.colour, **{"class": row[2]}))  # fmt: skip
            elif row.geometry.geom_type in ("Polygon", "MultiPolygon"):
                area_ha = float(gpd.GeoSeries([row.geometry], crs=WGS84).to_crs(metric_epsg).area.iloc[0]) / 1e4
                labels.append(_feature(_area_label_point(row.geometry), layer="label", of=row.layer, name=row.name,
                                       rank=round(area_ha, 2), **{"class": row[2]}))  # fmt: skip
        labels.extend(
            _road_labels(frame[frame.geometry.geom_type.isin(["LineString", "MultiLineString"])], metric_epsg)
        )
    features = [f for name in [*LAYER_ORDER, *sorted(set(layers) - set(LAYER_ORDER))] for f in layers[name]]
    return {
        "type": "FeatureCollection",
        "attribution": _attributions(release),
        "layers": sorted({f["properties"]["layer"] for f in features}),
        "features": features + labels,
    }


def basemap_file(release: DataRelease) -> Path:
    """The release's base map as a cached GeoJSON file (a ``.gz`` copy sits next to it)."""
    target = _basemap_dir() / f"{release.input_hash[:16]}-v{FORMAT_VERSION}.geojson"
    if target.exists() and target.with_suffix(".geojson.gz").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(basemap_collection(release), ensure_ascii=False, separators=(",", ":"))
    for path, data in ((target.with_suffix(".geojson.gz"), gzip.compress(text.encode(), 6)), (target, text.encode())):
        partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.partial")  # two requests at once
        partial.write_bytes(data)
        partial.replace(path)
    return target
