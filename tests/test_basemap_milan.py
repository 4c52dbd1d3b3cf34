"""Milan's base map as a family's page gets it: NIL outlines and names, roads, metro, rail, parks, attribution.

Expected figures are counted from the source files here (json module), not copied from the output.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from data_sources.cities import city_config_from_slug
from geo.basemap import basemap_collection
from geo.importing import ImportResult

pytestmark = pytest.mark.django_db


def _features(data_dir: Path, name: str) -> list[dict]:
    return json.loads((data_dir / name).read_text(encoding="utf-8"))["features"]


def _first(value: object) -> str:
    return (value[0] if isinstance(value, list) else value or "").strip()


def test_the_import_reports_every_basemap_row(milan: ImportResult, data_dir: Path) -> None:
    files = {
        "basemap_roads_primary": "milan/basemap/osm_primary_roads.geojson",
        "basemap_metro": "milan/transit/atm_metro_routes_ds539.geojson",
        "basemap_metro_stations": "milan/transit/atm_metro_stations_ds535.geojson",
        "basemap_parks": "milan/services/parks_osm_2025.geojson",
    }
    for source, file in files.items():
        line = milan.counts[source]
        assert line["read"] == len(_features(data_dir, file))
        assert line["read"] == line["loaded"] + line["set_aside"] + line["rejected"]
    assert milan.counts["basemap_metro"]["features"] == 4  # 38 route variants drawn as 4 lines


def test_milan_basemap_holds_every_layer(milan: ImportResult, data_dir: Path) -> None:
    collection = basemap_collection(milan.release)
    features = collection["features"]
    layers = Counter(f["properties"]["layer"] for f in features)
    nil_names = {f["properties"]["NIL"] for f in _features(data_dir, "milan/boundaries/nil_88_pgt2030_ds964.geojson")}
    assert len(nil_names) == 88
    # NIL outlines with their names, the 9 Municipi as the coarser outline.
    assert layers["zones_minor"] == 88 and layers["zones_major"] == 9
    zone_labels = [f["properties"]["name"] for f in features if f["properties"].get("of") == "zones"]
    assert sorted(zone_labels) == sorted(nil_names)
    # Metro: the 4 lines M1, M2, M3, M5 in their colours; every station with its name.
    metro = {
        f["properties"]["class"]: f["properties"]["colour"]
        for f in features
        if f["properties"]["layer"] == "metro_lines"
    }
    assert metro == {"1": "#e3222b", "2": "#00914c", "3": "#f5b400", "5": "#9a6cb4"}
    stations = _features(data_dir, "milan/transit/atm_metro_stations_ds535.geojson")
    assert layers["metro_stations"] == len(stations) == 110
    station_labels = Counter(f["properties"]["name"] for f in features if f["properties"].get("of") == "metro_stations")
    assert station_labels == Counter(s["properties"]["nome"] for s in stations)
    # Roads: one feature per (name, road type) of the three files, each with its name.
    edges = [
        e
        for kind in ("trunk", "primary", "secondary")
        for e in _features(data_dir, f"milan/basemap/osm_{kind}_roads.geojson")
    ]
    expected_roads = {(_first(e["properties"]["name"]), e["properties"]["highway"]) for e in edges}
    roads = [
        (f["properties"]["name"], f["properties"]["class"]) for f in features if f["properties"]["layer"] == "roads"
    ]
    assert sorted(roads) == sorted(expected_roads)
    road_labels = {f["properties"]["name"] for f in features if f["properties"].get("of") == "roads"}
    assert "Corso Buenos Aires" in road_labels and "" not in road_labels
    # Rail (dashed on the page) and its stations, parks with their names.
    assert layers["rail_lines"] >= 1 and layers["rail_stations"] == 21
    assert layers["parks"] == 1073
    park_labels = {f["properties"]["name"] for f in features if f["properties"].get("of") == "parks"}
    assert "Parco Sempione" in park_labels
    # Attribution of each source the city's own attribution does not already name (Milan's names both).
    assert collection["attribution"] == []
    text = " ".join(city_config_from_slug("milan").attribution)
    assert "© OpenStreetMap contributors" in text and "Fonte: Comune di Milano" in text


def test_the_basemap_is_served_compressed(milan: ImportResult, client) -> None:  # type: ignore[no-untyped-def]
    plain = client.get("/cities/milan/basemap.geojson")
    assert plain.status_code == 200 and plain["Content-Type"] == "application/geo+json"
    body = b"".join(plain.streaming_content)
    compressed = client.get("/cities/milan/basemap.geojson", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert compressed["Content-Encoding"] == "gzip"
    packed = b"".join(compressed.streaming_content)
    assert gzip.decompress(packed) == body
    assert len(packed) < len(body) / 3
    assert json.loads(body)["type"] == "FeatureCollection"
    again = client.get("/cities/milan/basemap.geojson", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again.status_code == 304
