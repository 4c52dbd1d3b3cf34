"""Base-map readers: Milan's roads, metro, rail and parks files and Porto Alegre's OSM extract, and bad rows.

Expected figures are counted here from the source files with the json module, independently of the reader.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from data_sources.basemap import basemap_from_source, basemap_layer_from_file, basemap_layers_from_osm
from data_sources.errors import ConfigError, NoUsableRowsError, SourceFormatError

MILAN_EPSG = 32632


def _first_name(value: object) -> str:
    if isinstance(value, list):
        value = value[0]
    return "" if value is None else str(value).strip()


@pytest.mark.parametrize("kind", ["trunk", "primary", "secondary"])
def test_every_named_road_keeps_its_name(data_dir: Path, kind: str) -> None:
    path = data_dir / f"milan/basemap/osm_{kind}_roads.geojson"
    edges = json.loads(path.read_text(encoding="utf-8"))["features"]
    frame, report = basemap_layer_from_file(
        path, layer="roads", name_field="name", class_field="highway", metric_epsg=MILAN_EPSG, source=kind
    )
    assert len(report) == 0 and report.read_counts[kind] == len(edges)
    # One feature per (name, class): each street is one feature, and every name of the source is there.
    expected = {(_first_name(e["properties"]["name"]), e["properties"]["highway"]) for e in edges}
    assert set(zip(frame["name"], frame["class"], strict=True)) == expected
    assert len(frame) == len(expected)
    assert set(frame.geometry.geom_type) <= {"LineString", "MultiLineString"}
    # The merged lines are as long as the edges, each two-way street counted once (OSMnx lists it both ways).
    undirected = {(frozenset((e["properties"]["u"], e["properties"]["v"])), e["properties"]["key"]): e for e in edges}
    total_m = sum(e["properties"]["length"] for e in undirected.values())
    assert frame.to_crs(MILAN_EPSG).length.sum() == pytest.approx(total_m, rel=0.01)


def test_a_known_road_is_drawn_where_the_source_has_it(data_dir: Path) -> None:
    path = data_dir / "milan/basemap/osm_primary_roads.geojson"
    edges = [
        e for e in json.loads(path.read_text(encoding="utf-8"))["features"] if e["properties"]["name"] == "Corso Lodi"
    ]
    frame, _ = basemap_layer_from_file(
        path, layer="roads", name_field="name", class_field="highway", metric_epsg=MILAN_EPSG
    )
    corso = frame[frame["name"] == "Corso Lodi"]
    assert len(corso) == 1
    source = shapely.union_all([shapely.geometry.shape(e["geometry"]) for e in edges])
    assert corso.geometry.iloc[0].hausdorff_distance(source) < 1e-4  # about 10 m


def test_metro_lines_and_stations_have_the_official_colours(data_dir: Path) -> None:
    colours = {"1": "#e3222b", "2": "#00914c", "3": "#f5b400", "5": "#9a6cb4"}
    lines, report = basemap_layer_from_file(
        data_dir / "milan/transit/atm_metro_routes_ds539.geojson",
        layer="metro_lines", class_field="linea", colours=colours, metric_epsg=MILAN_EPSG, source="metro",
    )  # fmt: skip
    assert report.read_counts["metro"] == 38 and len(report) == 0
    assert sorted(lines["class"]) == ["1", "2", "3", "5"]  # 38 route variants, 4 lines
    assert dict(zip(lines["class"], lines["colour"], strict=True)) == colours
    stations, report = basemap_layer_from_file(
        data_dir / "milan/transit/atm_metro_stations_ds535.geojson",
        layer="metro_stations", name_field="nome", class_field="linee", colours=colours, metric_epsg=MILAN_EPSG,
    )  # fmt: skip
    assert len(stations) == 110 and (stations["name"] != "").all()
    # A station of two lines takes its first line's colour.
    shared = stations[stations["class"] == "3,5"]
    assert len(shared) == 1 and shared["colour"].iloc[0] == colours["3"]


def test_parks_are_clipped_to_the_city(data_dir: Path) -> None:
    municipi = gpd.read_file(data_dir / "milan/boundaries/municipi_9_ds379.geojson")
    boundary = shapely.union_all(municipi.geometry.to_numpy())
    parks, report = basemap_from_source(
        data_dir / "milan/services/parks_osm_2025.geojson",
        {"layer": "parks", "name_field": "name", "clip_to_boundary": True},
        metric_epsg=MILAN_EPSG, boundary=boundary, source="parks",
    )  # fmt: skip
    read = report.read_counts["parks"]
    assert read == 1073
    assert len(parks) + report.set_aside_count("parks") + len(report) == read
    # The Parco Agricolo Sud relation (46,934 ha) is cut to the Comune, whose area is about 18,200 ha.
    assert parks.to_crs(MILAN_EPSG).area.max() / 1e4 < 18_200
    assert (
        parks.to_crs(MILAN_EPSG).within(municipi.to_crs(MILAN_EPSG).union_all().buffer(10)).all()
    )  # simplified by 4 m
    assert any("clipped" in note.message for note in report.notes)


def test_bad_rows_are_rejected_with_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    features = [
        {"type": "Feature", "properties": {"name": "Via Buona", "highway": "primary"},
         "geometry": {"type": "LineString", "coordinates": [[9.19, 45.46], [9.20, 45.47]]}},
        {"type": "Feature", "properties": {"name": "Senza geometria", "highway": "primary"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Un punto", "highway": "primary"},
         "geometry": {"type": "Point", "coordinates": [9.19, 45.46]}},
        {"type": "Feature", "properties": {"name": "<img src=x onerror=alert(1)>", "highway": "secondary"},
         "geometry": {"type": "LineString", "coordinates": [[9.18, 45.46], [9.18, 45.47]]}},
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    frame, report = basemap_layer_from_file(
        path, layer="roads", name_field="name", class_field="highway", metric_epsg=MILAN_EPSG, source="roads"
    )
    assert sorted(frame["name"]) == ["<img src=x onerror=alert(1)>", "Via Buona"]  # a name is kept as text
    messages = sorted(str(r) for r in report)
    assert messages == [
        "roads.geojson, row 2, field 'geometry': empty geometry",
        "roads.geojson, row 3, field 'geometry': a roads feature must be a line (value 'Point')",
    ]
    assert [r.id for r in sorted(report, key=lambda r: r.row)] == ["Senza geometria", "Un punto"]
    with pytest.raises(SourceFormatError, match="roads.geojson has no field 'nome'"):
        basemap_layer_from_file(path, layer="roads", name_field="nome", metric_epsg=MILAN_EPSG)
    with pytest.raises(ConfigError, match="unknown base-map layer 'streetz'"):
        basemap_layer_from_file(path, layer="streetz", metric_epsg=MILAN_EPSG)
    with pytest.raises(NoUsableRowsError, match="no usable parks features"):
        basemap_layer_from_file(path, layer="parks", metric_epsg=MILAN_EPSG)


def test_porto_alegre_osm_gives_named_main_roads_parks_and_water(data_dir: Path) -> None:
    import osmium

    path = data_dir / "porto_alegre/poa_osm.pbf"
    expected_names = set()
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if way.tags.get("highway") in {"primary", "secondary", "tertiary", "trunk", "motorway"}:
            expected_names.add(way.tags.get("name", ""))
    frame, report = basemap_layers_from_osm(path, metric_epsg=31982, source="osm")
    assert len(report) == 0
    roads = frame[frame["layer"] == "roads"]
    too_small = [s for s in report.set_aside if "too small to draw" in s.reason]
    assert set(roads["name"]) | {s.reason.split("'")[1] for s in too_small} == expected_names
    assert "Avenida Ipiranga" in expected_names
    assert (frame["layer"] == "parks").sum() >= 1 and (frame["layer"] == "water").sum() >= 1
