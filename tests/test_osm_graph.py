"""Walk graphs and points of interest read from OpenStreetMap files (data_sources.osm).

Plain pytest, no Django. A tiny hand-drawn extract checks the rules and the lengths worked out by hand; the
real Porto Alegre and São Paulo extracts check scale, and osmnx (graph_from_xml, simplify_graph) is the
independent reference.
"""

from __future__ import annotations

import bz2
import gzip
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import osmium
import osmnx as ox
import pandas as pd
import pytest
import requests
import shapely
from osmnx._errors import InsufficientResponseError
from osmnx._overpass import _get_network_filter

from benchmarks.peers.osmnx_walk import walk_graph_from_xml
from data_sources.errors import DownloadError, NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.osm import (
    POI_COLUMNS,
    POI_TAGS,
    graph_from_osm_file,
    graph_from_place_online,
    graph_from_polygon_online,
    pois_from_osm_file,
    walkable_graph_stats,
    way_is_walkable,
)

ox.settings.use_cache = False

#: One thousandth of a degree of latitude, in metres: 6_371_009 m (osmnx's earth radius) x pi/180 x 0.001.
NORTH_0001 = 111.19508
#: One thousandth of a degree of longitude at 29.998 deg S: NORTH_0001 x cos(29.998 deg).
EAST_0001_AT_29998 = 96.29971

# A hand-drawn extract near Porto Alegre (lat -30.000..-29.996, lon -51.201..-51.199):
#
#        7 (motorway 105 from 6: excluded)
#        |
#   9 -- 5     6          5-9: service access=private (107): excluded
#  (11,12: pedestrian area=yes 108 around 5: excluded)
#        |     |          3-5: steps (103); 4-6: service access=private foot=yes (104)
#        3 --- 4          3-4: residential oneway=yes "Rua Um" (102), walkable both ways
#        |
#        2                1-2-3: footway (101)
#        |
#        1 --- 8          1-8: primary foot=no (106): excluded; 99 is a lone untagged node
FIXTURE_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="-30.000" lon="-51.200"/>
  <node id="2" version="1" lat="-29.999" lon="-51.200"/>
  <node id="3" version="1" lat="-29.998" lon="-51.200"><tag k="highway" v="traffic_signals"/></node>
  <node id="4" version="1" lat="-29.998" lon="-51.199"/>
  <node id="5" version="1" lat="-29.997" lon="-51.200"/>
  <node id="6" version="1" lat="-29.997" lon="-51.199"/>
  <node id="7" version="1" lat="-29.996" lon="-51.199"/>
  <node id="8" version="1" lat="-30.000" lon="-51.199"/>
  <node id="9" version="1" lat="-29.997" lon="-51.201"/>
  <node id="11" version="1" lat="-29.9965" lon="-51.2005"/>
  <node id="12" version="1" lat="-29.9965" lon="-51.1995"/>
  <node id="99" version="1" lat="-29.999" lon="-51.199"/>
  <way id="101" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="102" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="name" v="Rua Um"/></way>
  <way id="103" version="1"><nd ref="3"/><nd ref="5"/><tag k="highway" v="steps"/></way>
  <way id="104" version="1"><nd ref="4"/><nd ref="6"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/><tag k="foot" v="yes"/></way>
  <way id="105" version="1"><nd ref="6"/><nd ref="7"/><tag k="highway" v="motorway"/></way>
  <way id="106" version="1"><nd ref="1"/><nd ref="8"/><tag k="highway" v="primary"/><tag k="foot" v="no"/></way>
  <way id="107" version="1"><nd ref="5"/><nd ref="9"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
  <way id="108" version="1"><nd ref="5"/><nd ref="11"/><nd ref="12"/><nd ref="5"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
</osm>
"""

# Points of interest: a school node, a kindergarten drawn as a closed way, a park as a multipolygon
# relation, a youth centre, a health centre, and a bench and an untagged node that are not points of interest.
POI_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="-30.0000" lon="-51.2000">
    <tag k="amenity" v="school"/><tag k="name" v="Escola Um"/><tag k="addr:street" v="Rua Um"/>
    <tag k="addr:housenumber" v="10"/><tag k="addr:city" v="Porto Alegre"/><tag k="capacity" v="300"/>
    <tag k="website" v="https://escola.example"/><tag k="opening_hours" v="Mo-Fr 07:30-17:30"/></node>
  <node id="2" version="1" lat="-30.0010" lon="-51.2010"><tag k="amenity" v="bench"/></node>
  <node id="3" version="1" lat="-30.0020" lon="-51.2020">
    <tag k="amenity" v="community_centre"/><tag k="community_centre" v="youth_centre"/></node>
  <node id="4" version="1" lat="-30.0030" lon="-51.2030">
    <tag k="healthcare" v="centre"/><tag k="name" v="Posto de Saude"/></node>
  <node id="10" version="1" lat="-30.0100" lon="-51.2100"/>
  <node id="11" version="1" lat="-30.0100" lon="-51.2080"/>
  <node id="12" version="1" lat="-30.0080" lon="-51.2080"/>
  <node id="13" version="1" lat="-30.0080" lon="-51.2100"/>
  <node id="20" version="1" lat="-30.0200" lon="-51.2200"/>
  <node id="21" version="1" lat="-30.0200" lon="-51.2100"/>
  <node id="22" version="1" lat="-30.0100" lon="-51.2100"/>
  <way id="100" version="1"><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="10"/>
    <tag k="amenity" v="kindergarten"/><tag k="name" v="Creche"/></way>
  <way id="200" version="1"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="20"/></way>
  <relation id="300" version="1"><member type="way" ref="200" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="leisure" v="park"/><tag k="name" v="Parque"/></relation>
</osm>
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fixture_osm(tmp_path: Path) -> Path:
    return _write(tmp_path / "fixture.osm", FIXTURE_OSM)


def _undirected_lengths(graph: nx.MultiDiGraph) -> dict[tuple[int, int], float]:
    return {(min(u, v), max(u, v)): length for u, v, length in graph.edges(data="length")}


def _assert_every_edge_has_its_reverse(graph: nx.MultiDiGraph) -> None:
    forward = Counter((u, v) for u, v in graph.edges())
    backward = Counter((v, u) for u, v in graph.edges())
    assert forward == backward


# ---------------------------------------------------------------------------------------------------------
# Which ways are walkable
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "residential", "oneway": "yes"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "living_street"}, True),
        ({"highway": "service"}, True),
        ({"highway": "track"}, True),
        ({"highway": "primary_link"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "trunk", "foot": "no"}, False),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "residential", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "no"}, False),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "service", "access": "no", "foot": "designated"}, True),
        ({"highway": "service", "access": "no", "foot": "permissive"}, True),
        ({"highway": "service", "access": "destination"}, True),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "proposed"}, False),
        ({"highway": "abandoned"}, False),
        ({"highway": "platform"}, False),
        ({"highway": "raceway"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "cycleway", "foot": "designated"}, True),
        ({"highway": "secondary", "sidewalk": "separate"}, False),
        ({"highway": "secondary", "sidewalk:both": "separate"}, False),
        ({"highway": "secondary", "sidewalk": "both"}, True),
        ({"building": "yes"}, False),
    ],
)
def test_way_is_walkable(tags: dict[str, str], walkable: bool) -> None:
    assert way_is_walkable(tags) is walkable


# ---------------------------------------------------------------------------------------------------------
# The hand-drawn extract
# ---------------------------------------------------------------------------------------------------------


def test_unsimplified_graph_keeps_walkable_ways_both_ways(fixture_osm: Path) -> None:
    graph = graph_from_osm_file(fixture_osm, simplify=False)

    assert sorted(graph.nodes) == [1, 2, 3, 4, 5, 6]
    assert graph.number_of_edges() == 10  # 5 segments, each in both directions
    _assert_every_edge_has_its_reverse(graph)
    assert graph.has_edge(3, 4)
    assert graph.has_edge(4, 3)  # the oneway street is walked both ways
    assert _undirected_lengths(graph) == pytest.approx(
        {
            (1, 2): NORTH_0001,
            (2, 3): NORTH_0001,
            (3, 4): EAST_0001_AT_29998,
            (3, 5): NORTH_0001,
            (4, 6): NORTH_0001,
        },
        abs=0.5,
    )
    assert graph.nodes[2] == {"y": -29.999, "x": -51.2, "street_count": 2}
    assert graph.nodes[3] == {"y": -29.998, "x": -51.2, "highway": "traffic_signals", "street_count": 3}
    assert graph.edges[3, 4, 0] == {
        "osmid": 102,
        "highway": "residential",
        "name": "Rua Um",
        "oneway": False,
        "reversed": False,
        "length": pytest.approx(EAST_0001_AT_29998, abs=0.5),
    }
    assert graph.edges[4, 3, 0]["reversed"] is True
    assert graph.edges[4, 6, 0]["access"] == "private"
    assert graph.graph["crs"] == "EPSG:4326"
    assert graph.graph["simplified"] is False


def test_simplified_graph_merges_interstitial_nodes(fixture_osm: Path) -> None:
    graph = graph_from_osm_file(fixture_osm)

    # 2 and 4 join exactly two segments each: they disappear
    assert sorted(graph.nodes) == [1, 3, 5, 6]
    assert graph.number_of_edges() == 6
    _assert_every_edge_has_its_reverse(graph)
    assert _undirected_lengths(graph) == pytest.approx(
        {(1, 3): 2 * NORTH_0001, (3, 5): NORTH_0001, (3, 6): EAST_0001_AT_29998 + NORTH_0001}, abs=0.5
    )
    merged = graph.edges[3, 6, 0]
    assert merged["osmid"] == [102, 104]
    assert merged["highway"] == ["residential", "service"]
    assert merged["name"] == "Rua Um"
    assert merged["oneway"] is False
    assert merged["reversed"] is False
    assert list(merged["geometry"].coords) == [(-51.2, -29.998), (-51.199, -29.998), (-51.199, -29.997)]
    assert list(graph.edges[6, 3, 0]["geometry"].coords) == list(merged["geometry"].coords)[::-1]
    assert graph.edges[6, 3, 0]["reversed"] is True
    assert graph.edges[1, 3, 0]["osmid"] == 101
    assert "geometry" not in graph.edges[3, 5, 0]  # a straight segment between two kept nodes
    assert dict(graph.nodes(data="street_count")) == {1: 1, 3: 3, 5: 1, 6: 1}
    assert graph.graph == {
        "created_date": graph.graph["created_date"],
        "created_with": graph.graph["created_with"],
        "crs": "EPSG:4326",
        "simplified": True,
    }
    stats = walkable_graph_stats(graph)
    assert stats["nodes"] == 4
    assert stats["edges"] == 6
    street_km = (2 * NORTH_0001 + NORTH_0001 + EAST_0001_AT_29998 + NORTH_0001) / 1000
    assert stats["street_length_km"] == pytest.approx(street_km, abs=0.001)
    assert stats["length_km"] == pytest.approx(2 * street_km, abs=0.001)


def test_simplification_matches_osmnx_on_fixture(fixture_osm: Path) -> None:
    ours = graph_from_osm_file(fixture_osm)
    reference = ox.simplify_graph(graph_from_osm_file(fixture_osm, simplify=False))
    _assert_same_topology(ours, reference)


def test_osmnx_functions_accept_the_graph(fixture_osm: Path) -> None:
    graph = graph_from_osm_file(fixture_osm)
    nodes, edges = ox.graph_to_gdfs(graph)
    assert nodes.crs == edges.crs == "EPSG:4326"
    assert edges.geometry.notna().all()
    assert ox.stats.basic_stats(graph)["n"] == 4
    assert ox.stats.count_streets_per_node(graph) == dict(graph.nodes(data="street_count"))
    assert ox.routing.shortest_path(graph, 1, 6, weight="length") == [1, 3, 6]
    assert ox.project_graph(graph).graph["crs"] != "EPSG:4326"  # projected to UTM


@pytest.mark.parametrize("suffix", [".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf"])
def test_compressed_and_pbf_files_give_the_same_graph(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"fixture{suffix}"
    if suffix == ".osm.bz2":
        path.write_bytes(bz2.compress(FIXTURE_OSM.encode()))
    elif suffix == ".osm.gz":
        path.write_bytes(gzip.compress(FIXTURE_OSM.encode()))
    else:
        xml = _write(tmp_path / "fixture.osm", FIXTURE_OSM)
        with osmium.SimpleWriter(str(path)) as writer:
            for obj in osmium.FileProcessor(str(xml)):
                writer.add(obj)
    graph = graph_from_osm_file(path)
    assert sorted(graph.nodes) == [1, 3, 5, 6]
    assert graph.number_of_edges() == 6


def test_segments_with_nodes_missing_from_the_extract_are_dropped(tmp_path: Path) -> None:
    clipped = FIXTURE_OSM.replace('<node id="6" version="1" lat="-29.997" lon="-51.199"/>', "")
    graph = graph_from_osm_file(_write(tmp_path / "clipped.osm", clipped), simplify=False)
    assert sorted(graph.nodes) == [1, 2, 3, 4, 5]
    assert graph.number_of_edges() == 8


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


def test_missing_file_raises_source_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(SourceNotFoundError, match="nowhere.osm.pbf"):
        graph_from_osm_file(missing)
    with pytest.raises(FileNotFoundError):
        graph_from_osm_file(missing)
    with pytest.raises(SourceNotFoundError):
        pois_from_osm_file(missing)


@pytest.mark.parametrize("name", ["notes.osm", "notes.pbf", "notes.osm.bz2", "notes.txt", "page.osm"])
def test_file_that_is_not_osm_raises_source_format_error(tmp_path: Path, name: str) -> None:
    text = "<html><body>not a map</body></html>" if name == "page.osm" else "just some notes\n"
    path = _write(tmp_path / name, text)
    with pytest.raises(SourceFormatError, match=re.escape(name)):
        graph_from_osm_file(path)
    with pytest.raises(ValueError, match=re.escape(name)):
        pois_from_osm_file(path)


def test_directory_raises_source_format_error(tmp_path: Path) -> None:
    folder = tmp_path / "extract.osm"
    folder.mkdir()
    with pytest.raises(SourceFormatError, match="extract.osm"):
        graph_from_osm_file(folder)


def test_file_without_walkable_ways_raises_no_usable_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "motorway.osm",
        FIXTURE_OSM.split("<way")[0]
        + ('<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way></osm>'),
    )
    with pytest.raises(NoUsableRowsError, match="motorway.osm"):
        graph_from_osm_file(path)


# ---------------------------------------------------------------------------------------------------------
# Online wrappers (never reach the network: osmnx is replaced)
# ---------------------------------------------------------------------------------------------------------


def _recorder(calls: list[tuple[Any, dict[str, Any]]], result: Any = None, error: Exception | None = None) -> Any:
    def fake(query: Any, **kwargs: Any) -> Any:
        calls.append((query, kwargs))
        if error is not None:
            raise error
        return result

    return fake


def test_graph_from_polygon_online_asks_osmnx_for_a_walk_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    expected = nx.MultiDiGraph()
    monkeypatch.setattr(ox, "graph_from_polygon", _recorder(calls, result=expected))
    polygon = shapely.box(-51.3, -30.1, -51.1, -29.9)
    assert graph_from_polygon_online(polygon) is expected
    assert calls == [(polygon, {"network_type": "walk", "simplify": True, "retain_all": True})]


def test_graph_from_place_online_asks_osmnx_for_a_walk_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    expected = nx.MultiDiGraph()
    monkeypatch.setattr(ox, "graph_from_place", _recorder(calls, result=expected))
    assert graph_from_place_online("Porto Alegre, Brazil", simplify=False) is expected
    assert calls == [("Porto Alegre, Brazil", {"network_type": "walk", "simplify": False, "retain_all": True})]


def test_online_errors_become_vicino_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(ox, "graph_from_place", _recorder(calls, error=requests.ConnectionError("offline")))
    with pytest.raises(DownloadError, match="offline"):
        graph_from_place_online("Porto Alegre, Brazil")
    monkeypatch.setattr(ox, "graph_from_place", _recorder(calls, error=InsufficientResponseError("empty")))
    with pytest.raises(NoUsableRowsError, match="empty"):
        graph_from_place_online("Nowhere")


# ---------------------------------------------------------------------------------------------------------
# Points of interest
# ---------------------------------------------------------------------------------------------------------


def test_pois_from_hand_drawn_file(tmp_path: Path) -> None:
    pois = pois_from_osm_file(_write(tmp_path / "pois.osm", POI_OSM))

    assert list(pois.columns) == POI_COLUMNS
    assert pois.crs == "EPSG:4326"
    assert (pois.geometry.geom_type == "Point").all()
    by_id = {(row.osm_type, row.osm_id): row for row in pois.itertuples()}
    assert set(by_id) == {("node", 1), ("node", 3), ("node", 4), ("way", 100), ("relation", 300)}

    school = by_id["node", 1]
    assert (school.tag_key, school.tag_value, school.name) == ("amenity", "school", "Escola Um")
    assert school.addr == "Rua Um, 10, Porto Alegre"
    assert school.capacity == "300"
    assert school.website == "https://escola.example"
    assert school.opening_hours == "Mo-Fr 07:30-17:30"
    assert (school.geometry.x, school.geometry.y) == (-51.2, -30.0)

    assert (by_id["node", 3].tag_key, by_id["node", 3].tag_value) == ("community_centre", "youth_centre")
    assert (by_id["node", 4].tag_key, by_id["node", 4].tag_value) == ("healthcare", "centre")

    kindergarten = by_id["way", 100]
    assert (kindergarten.tag_key, kindergarten.tag_value) == ("amenity", "kindergarten")
    assert kindergarten.geometry.x == pytest.approx(-51.209)  # centre of the square
    assert kindergarten.geometry.y == pytest.approx(-30.009)
    assert pd.isna(kindergarten.addr)
    assert pd.isna(kindergarten.capacity)

    park = by_id["relation", 300]
    assert (park.tag_key, park.tag_value, park.name) == ("leisure", "park", "Parque")
    triangle = shapely.Polygon([(-51.22, -30.02), (-51.21, -30.02), (-51.21, -30.01)])
    assert triangle.contains(park.geometry)


# ---------------------------------------------------------------------------------------------------------
# Real extracts: Porto Alegre and São Paulo
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poa_pbf(data_dir: Path) -> Path:
    path = data_dir / "porto_alegre" / "poa_osm.pbf"
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture(scope="module")
def spo_pbf(data_dir: Path) -> Path:
    path = data_dir / "sao_paulo" / "spo_osm.pbf"
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture(scope="module")
def poa_graph(poa_pbf: Path) -> nx.MultiDiGraph:
    return graph_from_osm_file(poa_pbf)


@pytest.fixture(scope="module")
def spo_graph(spo_pbf: Path) -> nx.MultiDiGraph:
    return graph_from_osm_file(spo_pbf)


def _bbox_of_file(path: Path) -> tuple[float, float, float, float]:
    lons, lats = [], []
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        lons.append(node.location.lon)
        lats.append(node.location.lat)
    return min(lons), min(lats), max(lons), max(lats)


def _assert_sound_walk_graph(graph: nx.MultiDiGraph, bbox: tuple[float, float, float, float]) -> None:
    assert graph.graph["crs"] == "EPSG:4326"
    assert graph.graph["simplified"] is True
    _assert_every_edge_has_its_reverse(graph)
    assert all(length > 0 for _, _, length in graph.edges(data="length"))
    assert all(oneway is False for _, _, oneway in graph.edges(data="oneway"))
    assert all(osmid is not None for _, _, osmid in graph.edges(data="osmid"))
    assert ox.stats.count_streets_per_node(graph) == dict(graph.nodes(data="street_count"))
    west, south, east, north = bbox
    assert all(west <= x <= east and south <= y <= north for _, x, y in _node_xy(graph))


def _node_xy(graph: nx.MultiDiGraph) -> list[tuple[int, float, float]]:
    return [(node, data["x"], data["y"]) for node, data in graph.nodes(data=True)]


@pytest.mark.slow
def test_porto_alegre_walk_graph(poa_graph: nx.MultiDiGraph, poa_pbf: Path) -> None:
    assert 16_000 <= poa_graph.number_of_nodes() <= 18_000  # about 17,100
    assert 45_000 <= poa_graph.number_of_edges() <= 51_000  # about 48,000
    _assert_sound_walk_graph(poa_graph, _bbox_of_file(poa_pbf))
    assert 1_700 <= walkable_graph_stats(poa_graph)["street_length_km"] <= 2_000


@pytest.mark.slow
def test_sao_paulo_walk_graph(spo_graph: nx.MultiDiGraph, spo_pbf: Path) -> None:
    assert 5_600 <= spo_graph.number_of_nodes() <= 6_200  # about 5,900
    assert 16_500 <= spo_graph.number_of_edges() <= 19_000
    _assert_sound_walk_graph(spo_graph, _bbox_of_file(spo_pbf))


def _assert_same_topology(ours: nx.MultiDiGraph, reference: nx.MultiDiGraph) -> None:
    assert set(ours.nodes) == set(reference.nodes)
    assert Counter((u, v) for u, v in ours.edges()) == Counter((u, v) for u, v in reference.edges())
    for u, v in set(ours.edges()):
        ours_edges = _length_and_ways(ours.get_edge_data(u, v).values())
        reference_edges = _length_and_ways(reference.get_edge_data(u, v).values())
        assert [ways for _, ways in ours_edges] == [ways for _, ways in reference_edges]
        assert [length for length, _ in ours_edges] == pytest.approx(
            [length for length, _ in reference_edges], abs=1e-6
        )


def _length_and_ways(edges: Iterable[dict[str, Any]]) -> list[tuple[float, tuple[int, ...]]]:
    """(length, sorted OSM way ids) of parallel edges, sorted: comparable whatever the key order."""
    rows = []
    for data in edges:
        osmid = data["osmid"]
        rows.append((data["length"], tuple(sorted(osmid if isinstance(osmid, list) else [osmid]))))
    return sorted(rows, key=lambda row: (row[1], round(row[0], 6)))


@pytest.mark.slow
@pytest.mark.parametrize("city", ["porto_alegre", "sao_paulo"])
def test_simplification_matches_osmnx_on_real_extracts(
    city: str, poa_graph: nx.MultiDiGraph, poa_pbf: Path, spo_graph: nx.MultiDiGraph, spo_pbf: Path
) -> None:
    graph, pbf = (poa_graph, poa_pbf) if city == "porto_alegre" else (spo_graph, spo_pbf)
    reference = ox.simplify_graph(graph_from_osm_file(pbf, simplify=False))
    _assert_same_topology(graph, reference)


@pytest.mark.slow
def test_sao_paulo_graph_is_within_one_percent_of_osmnx(
    spo_graph: nx.MultiDiGraph, spo_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = tmp_path / "spo.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(spo_pbf)):
            writer.add(obj)
    filter_keys = re.findall(r'\["([^"]+)"', _get_network_filter("walk"))
    monkeypatch.setattr(
        ox.settings, "useful_tags_way", list(dict.fromkeys([*ox.settings.useful_tags_way, *filter_keys]))
    )
    reference = walk_graph_from_xml(xml)  # osmnx alone, its own walk filter

    assert spo_graph.number_of_nodes() == pytest.approx(reference.number_of_nodes(), rel=0.01)
    assert spo_graph.number_of_edges() == pytest.approx(reference.number_of_edges(), rel=0.01)


def test_pois_from_porto_alegre(poa_pbf: Path) -> None:
    pois = pois_from_osm_file(poa_pbf)

    # The r5r sample extract keeps streets and a few landmarks only: no school or kindergarten is mapped in
    # it (the hex grid carries IPEA's school counts instead). What is there must be read correctly.
    assert len(pois) > 0
    assert list(pois.columns) == POI_COLUMNS
    assert all(value in POI_TAGS[key] for key, value in zip(pois["tag_key"], pois["tag_value"], strict=True))
    assert not pois.duplicated(["osm_type", "osm_id"]).any()
    assert set(pois["osm_type"]) <= {"node", "way", "relation"}
    assert (pois.geometry.geom_type == "Point").all()
    assert pois.geometry.is_valid.all()
    west, south, east, north = _bbox_of_file(poa_pbf)
    assert pois.geometry.x.between(west, east).all()
    assert pois.geometry.y.between(south, north).all()
    assert {"park", "sports_centre", "swimming_pool"} <= set(pois["tag_value"])
