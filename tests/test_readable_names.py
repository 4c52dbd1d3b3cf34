"""Names people recognise: unnamed parks, playgrounds and grid cells get "Giardino, Via X (NIL Y)", never an id."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data_sources import ipea_hexgrid as hexgrid
from data_sources import osm_opportunities as osm_op
from data_sources import place_names as pn
from data_sources.boundaries import zones_from_file

ID_LIKE = re.compile(r"OSM (?:way|node|relation)|H3 cell|\(OSM", re.IGNORECASE)


def _hand_built(language: str, max_street_m: float = 300.0) -> pn.PlaceNamer:
    # Via Roma runs east-west along latitude 45.46; Via Lunga 0.01° (about 1.1 km) further north.
    streets = gpd.GeoDataFrame(
        {"name": ["Via Roma", "Via Lunga"]},
        geometry=[
            shapely.LineString([(9.18, 45.46), (9.20, 45.46)]),
            shapely.LineString([(9.18, 45.47), (9.20, 45.47)]),
        ],
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame({"name": ["BRERA"]}, geometry=[shapely.box(9.185, 45.455, 9.195, 45.465)], crs="EPSG:4326")
    return pn.PlaceNamer(language=language, streets=streets, zones=zones, zone_prefix="NIL", metric_epsg=32632,
                         max_street_m=max_street_m)  # fmt: skip


def _points(*coordinates: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([shapely.Point(c) for c in coordinates], crs="EPSG:4326")


def test_labels_worked_out_by_hand() -> None:
    namer = _hand_built("it")
    # 1: 0.001° north of Via Roma (about 111 m), inside BRERA; 2: 0.004° (about 445 m) from both streets, outside
    # the zone; 3: on Via Lunga, outside the zone.
    points = _points((9.19, 45.461), (9.21, 45.465), (9.19, 45.47))
    kinds = pd.Series(["garden", "park", "playground"])
    assert namer.labels(kinds, points).tolist() == [
        "Giardino, Via Roma (NIL BRERA)",
        "Parco",
        "Area giochi, Via Lunga",
    ]
    # the source's own location text wins over the nearest street
    places = pd.Series(["via Crivelli n. 21", None, ""])
    assert namer.labels(kinds, points, places=places).tolist()[0] == "Giardino, via Crivelli n. 21 (NIL BRERA)"
    counts = pd.Series([1, 3, 2])
    kinds = pd.Series(["school", "school", "healthcare_facility"])
    assert namer.labels(kinds, points, counts=counts).tolist() == [
        "1 scuola vicino a Via Roma (NIL BRERA)",
        "3 scuole",
        "2 servizi sanitari vicino a Via Lunga",
    ]


def test_the_generic_word_follows_the_city_language() -> None:
    point = _points((9.19, 45.461))
    assert _hand_built("en").labels(pd.Series(["school"]), point, counts=pd.Series([2])).tolist() == [
        "2 schools near Via Roma (NIL BRERA)"
    ]
    assert _hand_built("pt").labels(pd.Series(["school"]), point, counts=pd.Series([1])).tolist() == [
        "1 escola perto de Via Roma (NIL BRERA)"
    ]
    # a language the table lacks falls back to English words
    assert _hand_built("fr").labels(pd.Series(["park"]), point).tolist() == ["Park, Via Roma (NIL BRERA)"]


def test_osmnx_name_lists_keep_their_first_name(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(
        {"name": ["['Viale Marche', 'Viale Lunigiana']", None, "Via Padova"]},
        geometry=[shapely.LineString([(9.1, 45.4), (9.2, 45.4)])] * 3,
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    assert pn.named_streets_from_geojson([path])["name"].tolist() == ["Viale Marche", "Via Padova"]


def test_milan_parks_without_a_name_get_a_street_and_nil(data_dir: Path) -> None:
    roads = [data_dir / f"milan/basemap/osm_{kind}_roads.geojson" for kind in ("primary", "secondary", "trunk")]
    nil, _ = zones_from_file(data_dir / "milan/boundaries/nil_88_pgt2030_ds964.geojson", level="nil",
                             code_field="ID_NIL", name_field="NIL")  # fmt: skip
    municipi, _ = zones_from_file(data_dir / "milan/boundaries/municipi_9_ds379.geojson", level="municipio",
                                  code_field="MUNICIPIO")  # fmt: skip
    streets = pn.named_streets_from_geojson(roads)
    namer = pn.PlaceNamer(language="it", streets=streets, zones=nil, zone_prefix="NIL", metric_epsg=32632,
                          max_street_m=500)  # fmt: skip
    boundary = shapely.union_all(municipi.geometry.to_numpy())
    parks, _ = osm_op.opportunities_from_parks(
        data_dir / "milan/services/parks_osm_2025.geojson", boundary, namer=namer
    )
    assert not parks["name"].str.contains(ID_LIKE).any()
    raw = gpd.read_file(data_dir / "milan/services/parks_osm_2025.geojson")
    unnamed_ids = {f"osm-{t}-{i}" for t, i, n in zip(raw["osm_type"], raw["osm_id"], raw["name"], strict=True)
                   if not isinstance(n, str) or not n.strip()}  # fmt: skip
    labelled = parks[parks["id"].isin(unnamed_ids)]
    assert len(labelled) > 100
    assert labelled["name"].str.match(r"^(Parco|Giardino|Riserva naturale|Area giochi)\b").all()
    assert labelled["name"].str.contains(r"\(NIL ").all()  # every park point lies in a NIL
    # each street named in a label is within 500 m of the park's point (checked with geopandas, not the namer)
    metric_streets = streets.to_crs(32632)
    for row in labelled.head(60).itertuples():
        match = re.match(r"^[^,(]+, (.+?) \(NIL ", row.name)
        if match:
            point = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs(32632).iloc[0]
            near = metric_streets[metric_streets["name"] == match.group(1)].distance(point).min()
            assert near <= 500, row.name
    example = parks.set_index("id").loc["osm-way-27909429", "name"]  # "park (OSM way 27909429)" before
    assert example.startswith("Parco, ") and "(NIL " in example


@pytest.mark.parametrize(("city", "epsg"), [("porto_alegre/poa", 31982), ("sao_paulo/spo", 31983)])
def test_grid_cells_are_named_after_their_nearest_street(data_dir: Path, city: str, epsg: int) -> None:
    streets = pn.named_streets_from_osm_file(data_dir / f"{city}_osm.pbf")
    namer = pn.PlaceNamer(language="en", streets=streets, metric_epsg=epsg)
    services, _ = hexgrid.opportunities_from_hexgrid(data_dir / f"{city}_hexgrid.csv", namer=namer)
    schools, _ = hexgrid.schools_from_hexgrid(data_dir / f"{city}_hexgrid.csv", namer=namer)
    for frame in (services, schools):
        assert not frame["name"].str.contains(ID_LIKE).any()
        assert frame["name"].str.match(r"^\d+ (school|schools|healthcare facility|healthcare facilities)\b").all()
    grid = pd.read_csv(data_dir / f"{city}_hexgrid.csv")
    first = grid[grid["schools"] > 0].iloc[0]
    label = schools.set_index("id").loc[first["id"], "name"]
    count = int(first["schools"])
    assert label.startswith(f"{count} school{'s' if count > 1 else ''}")
    street = label.split(" near ", 1)[1]
    point = gpd.GeoSeries([shapely.Point(first["lon"], first["lat"])], crs="EPSG:4326").to_crs(epsg).iloc[0]
    metric = streets.to_crs(epsg)
    assert metric[metric["name"] == street].distance(point).min() == pytest.approx(metric.distance(point).min())
