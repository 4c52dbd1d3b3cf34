"""The city's open catalogue: its approved offerings as CSV (the README's catalogue schema) and GeoJSON.

The CSV is the very file a publication imports (``geo.catalogue_publishing``), so what families see and what anyone
downloads are the same rows. Every text cell goes through :mod:`data_sources.csv_safety` (a provider's name
``=HYPERLINK(...)`` is written as text); the GeoJSON carries the licence and attribution of the city's
``[open_catalogue]`` configuration.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from data_sources.cities import city_config_from_slug
from data_sources.csv_safety import SafeDictWriter
from data_sources.errors import ConfigError
from geo.models import City
from geo.offerings import CATALOGUE_COLUMNS, approved_rows


def licence_and_attribution(city: City) -> tuple[str, str]:
    """The open catalogue's licence (may be empty: not stated) and attribution line, ending with Vicino."""
    try:
        config = city_config_from_slug(city.slug)
        licence, attribution = config.open_catalogue_licence, config.open_catalogue_attribution
    except ConfigError:
        licence, attribution = "", ""
    attribution = attribution or f"{city.name}: offerings of their providers, approved by the city"
    return licence, f"{attribution}; Vicino"


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name == "voucher":
        return "yes" if value else "no"
    if name in {"age_min", "age_max", "capacity"}:
        return int(value)
    return value


def catalogue_csv_text(rows: list[dict[str, Any]], *, licence: str | None = None, attribution: str = "") -> str:
    """Rows as a catalogue CSV (header in the README's column order; formula-safe text cells).

    With ``licence`` (the open export), every row also carries ``licence`` and ``attribution`` columns, which an
    import ignores, so the downloaded file can be imported as it is and never loses its attribution.
    """
    columns = list(CATALOGUE_COLUMNS) + (["licence", "attribution"] if licence is not None else [])
    handle = io.StringIO()
    writer = SafeDictWriter(handle, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = {name: _cell(name, row.get(name)) for name in CATALOGUE_COLUMNS}
        if licence is not None:
            cells |= {"licence": licence, "attribution": attribution}
        writer.writerow(cells)
    return handle.getvalue()


def open_catalogue_csv(city: City) -> str:
    """The city's open catalogue as CSV, with its licence and attribution on every row."""
    licence, attribution = licence_and_attribution(city)
    return catalogue_csv_text(approved_rows(city), licence=licence, attribution=attribution)


def write_catalogue_csv(city: City, path: Path) -> int:
    """Write the city's approved offerings to ``path`` (atomically); return how many rows."""
    rows = approved_rows(city)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(catalogue_csv_text(rows), encoding="utf-8")
    partial.replace(path)
    return len(rows)


def catalogue_geojson(city: City) -> dict[str, Any]:
    """The approved offerings as a GeoJSON FeatureCollection (EPSG:4326) with licence and attribution members."""
    licence, attribution = licence_and_attribution(city)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": {n: row.get(n) for n in CATALOGUE_COLUMNS if n not in {"longitude", "latitude"}},
        }
        for row in approved_rows(city)
    ]
    return {
        "type": "FeatureCollection",
        "name": f"{city.slug}_open_catalogue",
        "licence": licence,
        "attribution": attribution,
        "features": features,
    }
