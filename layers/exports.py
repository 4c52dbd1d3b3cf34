"""Exports of accessibility layers for analysts: GeoPackage, GeoJSON, CSV and GeoParquet.

Every export carries the attribution of its sources and a metadata record (release, the inputs' content hashes,
walking profile, parameters, and whether travel times are network-based or straight-line estimates):

- GeoPackage: one table per layer plus a ``metadata`` table (``key``, ``value``);
- GeoJSON: foreign members ``metadata`` and ``attribution`` on the FeatureCollection (RFC 7946 §6.1);
- CSV: ``longitude``/``latitude`` columns plus ``method`` and ``attribution`` columns on every row;
- GeoParquet: the ``vicino`` key of the file's schema metadata (JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from data_sources.csv_safety import safe_frame
from data_sources.errors import InvalidRequestError

FORMATS = ("gpkg", "geojson", "csv", "parquet")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def metadata_json(metadata: dict[str, Any]) -> str:
    """The metadata as a JSON string (numpy numbers and dates made plain)."""
    return json.dumps(metadata, default=_json_default, ensure_ascii=False, sort_keys=True)


def layer_to_geojson(layer: gpd.GeoDataFrame, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write one layer as GeoJSON (EPSG:4326) with ``metadata`` and ``attribution`` members."""
    path = Path(path)
    document = json.loads(layer.to_crs(4326).to_json(na="null", drop_id=True))
    document["metadata"] = json.loads(metadata_json(metadata))
    document["attribution"] = metadata.get("attribution", "")
    path.write_text(json.dumps(document, ensure_ascii=False, default=_json_default), encoding="utf-8")
    return path


def layer_to_csv(layer: gpd.GeoDataFrame, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write one point layer as CSV with longitude/latitude, ``method`` and ``attribution`` columns."""
    path = Path(path)
    points = layer.to_crs(4326).geometry.representative_point()
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    frame["longitude"], frame["latitude"] = points.x.round(6), points.y.round(6)
    frame["method"] = metadata.get("method", "")
    frame["attribution"] = metadata.get("attribution", "")
    safe_frame(frame).to_csv(path, index=False)
    return path


def layer_to_parquet(layer: gpd.GeoDataFrame, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write one layer as GeoParquet with the metadata under the ``vicino`` schema key."""
    path = Path(path)
    layer.to_crs(4326).to_parquet(path, index=False)
    table = pq.read_table(path)
    schema_metadata = dict(table.schema.metadata or {})
    schema_metadata[b"vicino"] = metadata_json(metadata).encode()
    pq.write_table(table.replace_schema_metadata(schema_metadata), path)
    return path


def layers_to_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write several layers into one GeoPackage with a ``metadata`` table."""
    import pyogrio

    path = Path(path)
    path.unlink(missing_ok=True)
    for name, layer in layers.items():
        pyogrio.write_dataframe(
            layer.to_crs(4326), path, layer=name, driver="GPKG",
            layer_options={"DESCRIPTION": str(metadata.get("attribution", ""))},
        )  # fmt: skip
    flat = {key: value if isinstance(value, str) else metadata_json(value) for key, value in metadata.items()}
    table = pd.DataFrame({"key": list(flat), "value": list(flat.values())})
    pyogrio.write_dataframe(table, path, layer="metadata", driver="GPKG")
    return path


def export_layers(
    layers: dict[str, gpd.GeoDataFrame], out: str | Path, fmt: str, metadata: dict[str, Any]
) -> list[Path]:
    """Write layers in one format: a single ``.gpkg`` file, or one file per layer in the folder ``out``."""
    if fmt not in FORMATS:
        raise InvalidRequestError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    out = Path(out)
    if fmt == "gpkg":
        target = out if out.suffix == ".gpkg" else out / "layers.gpkg"
        target.parent.mkdir(parents=True, exist_ok=True)
        return [layers_to_gpkg(layers, target, metadata)]
    out.mkdir(parents=True, exist_ok=True)
    writer = {"geojson": layer_to_geojson, "csv": layer_to_csv, "parquet": layer_to_parquet}[fmt]
    written = [writer(layer, out / f"{name}.{fmt}", metadata | {"layer": name}) for name, layer in layers.items()]
    (out / "metadata.json").write_text(metadata_json(metadata), encoding="utf-8")
    return [*written, out / "metadata.json"]
