"""A light base map drawn from the city's own data: its walk network's streets, or its boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings

from geo.models import DataRelease
from geo.networks import network_for_release


def basemap_file(release: DataRelease) -> Path:
    """A cached GeoJSON file of the release's streets (simplified, 5 decimals) or boundaries."""
    target = Path(settings.VICINO_HOME) / "basemaps" / f"{release.input_hash[:16]}.geojson"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    network = network_for_release(release)
    features = []
    if network is not None:
        lines = shapely.simplify(network.seg_geometry, 3.0)
        lines = shapely.transform(lines, lambda xy: np.column_stack(network.to_wgs84.transform(xy[:, 0], xy[:, 1])))
        merged = shapely.line_merge(shapely.union_all(lines)) if len(lines) < 5000 else shapely.multilinestrings(lines)
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(merged, 1e-5)))
        features.append({"type": "Feature", "properties": {"kind": "streets"}, "geometry": geometry})
    level = release.neighbourhoods.order_by("level").values_list("level", flat=True).first()
    for zone in release.neighbourhoods.filter(level=level) if level else []:
        outline = shapely.set_precision(shapely.from_wkb(bytes(zone.geom.wkb)).boundary, 1e-5)
        features.append({"type": "Feature", "properties": {"kind": "boundary", "name": zone.name},
                         "geometry": json.loads(shapely.to_geojson(outline))})  # fmt: skip
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    partial.replace(target)
    return target
