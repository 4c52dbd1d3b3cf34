"""Accessibility layers of a release as GeoDataFrames, with the metadata and attribution exports carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from data_sources.cities import city_config_from_slug
from data_sources.errors import ConfigError, NoDataLoadedError
from geo.models import AccessLayer, DataRelease
from layers.exports import export_layers

UNIT_KINDS = {"census_section", "h3"}
STRAIGHT_LINE_NOTE = "straight-line estimate (no street network: distance × detour factor)"


def method_note(layer: AccessLayer) -> str:
    """How a layer's travel times were made, in words: the walking method, plus the timetable's estimate note
    ("estimated from service summaries (ATM, winter 2021-22)") for a transit layer built on one."""
    walking = STRAIGHT_LINE_NOTE if layer.method == AccessLayer.Method.STRAIGHT_LINE else "walk network"
    timetable = (layer.parameters or {}).get("timetable_note") or ""
    return f"{walking}; timetable {timetable}" if timetable else walking


def attribution_for(release: DataRelease) -> str:
    """The city's attribution line (from its configuration, plus Vicino's own)."""
    try:
        parts = list(city_config_from_slug(release.city.slug).attribution)
    except ConfigError:
        parts = []
    return "; ".join([*parts, "Vicino"])


def layer_frame(layer: AccessLayer) -> gpd.GeoDataFrame:
    """One layer as a GeoDataFrame: ``origin_id``, one column per indicator, zone/cell polygons or points."""
    rows = list(layer.values.values_list("origin_id", "values", "geom"))
    values = pd.DataFrame([r[1] for r in rows], index=[r[0] for r in rows])
    geometry = [shapely.Point(r[2].x, r[2].y) for r in rows]
    release = layer.release
    is_zone = release.neighbourhoods.filter(level=layer.origin_kind).exists()  # any of the city's zone levels
    if is_zone or layer.origin_kind in UNIT_KINDS:
        if is_zone:
            shapes = dict(release.neighbourhoods.filter(level=layer.origin_kind).values_list("code", "geom"))
        else:
            shapes = dict(release.population_zones.filter(kind=layer.origin_kind).values_list("code", "geom"))
        geometry = [
            shapely.from_wkb(bytes(shapes[r[0]].wkb)) if r[0] in shapes else g
            for r, g in zip(rows, geometry, strict=True)
        ]
    frame = gpd.GeoDataFrame(values.reset_index(names="origin_id"), geometry=geometry, crs=4326)
    frame["method"] = method_note(layer)
    return frame


def release_metadata(release: DataRelease, layers: list[AccessLayer]) -> dict[str, Any]:
    """What an export says about itself: release, inputs' hashes, profiles, parameters, method, attribution."""
    methods = {layer.method for layer in layers}
    return {
        "city": release.city.slug,
        "release": release.input_hash,
        "release_created": release.created.isoformat(),
        "inputs": {name: record.get("sha256", "") for name, record in release.inputs.items()},
        "layers": {
            layer.name: {
                "mode": layer.mode,
                "profile": layer.profile,
                "origins": layer.origin_kind,
                "method": layer.method,
            }
            | {"parameters": layer.parameters}
            for layer in layers
        },
        "method": STRAIGHT_LINE_NOTE if AccessLayer.Method.STRAIGHT_LINE in methods else "walk network",
        "timetable_note": "; ".join(
            sorted({str(n) for layer in layers if (n := (layer.parameters or {}).get("timetable_note"))})
        ),
        "attribution": attribution_for(release),
        "travel_time_units": "minutes (nearest), counts (within), capacity-weighted sums (gravity, 2SFCA)",
    }


def export_release_layers(
    release: DataRelease, out: str | Path, fmt: str, *, names: list[str] | None = None
) -> list[Path]:
    """Write a release's layers (all, or those named) in one format."""
    layers = list(release.access_layers.select_related("release__city").order_by("mode", "origin_kind", "profile"))
    if names:
        layers = [layer for layer in layers if layer.name in names]
    if not layers:
        raise NoDataLoadedError(
            f"{release.city.name} has no accessibility layers: "
            f"run `python manage.py compute_access {release.city.slug}`."
        )
    frames = {layer.name: layer_frame(layer) for layer in layers}
    return export_layers(frames, out, fmt, release_metadata(release, layers))
