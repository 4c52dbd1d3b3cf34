"""Read-side queries that turn stored rows into GeoJSON-ready dictionaries."""

from __future__ import annotations

import json
from typing import Any

from geo.models import DataRelease


def neighbourhoods_geojson(release: DataRelease, level: str) -> dict[str, Any]:
    """A FeatureCollection of a release's zones at one level."""
    features = [
        {
            "type": "Feature",
            "id": zone.code,
            "properties": {
                "code": zone.code,
                "name": zone.name,
                "level": zone.level,
                "area_km2": round(zone.area_m2 / 1e6, 3),
            },
            "geometry": json.loads(zone.geom.geojson),
        }
        for zone in release.neighbourhoods.filter(level=level).order_by("code")
    ]
    return {"type": "FeatureCollection", "features": features}
