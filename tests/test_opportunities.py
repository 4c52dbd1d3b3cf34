"""Readers of real open data into opportunities, schools and population (data_sources.opportunities).

Plain pytest, no Django. The real Milan, Porto Alegre and São Paulo files from the shared data folder check the
counts and the accounting (read = loaded + set aside + rejected); small hand-made frames and files check the
mapping tables, the hex-grid checks and the OSM POI mapping.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import h3
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from data_sources import ipea_hexgrid as hexgrid
from data_sources import milan_services as milan
from data_sources import opportunities as op
from data_sources import osm_opportunities as osm_op
from data_sources import validation as val
from data_sources.contracts import CATEGORIES, OPPORTUNITY_COLUMNS, PILLARS, POPULATION_COLUMNS, SCHOOL_COLUMNS
from data_sources.errors import ConfigError, CRSError, SourceFormatError

DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
MILAN = DATA_DIR / "milan"
POA_GRID = DATA_DIR / "porto_alegre" / "poa_hexgrid.csv"
SPO_GRID = DATA_DIR / "sao_paulo" / "spo_hexgrid.csv"


def _data(path: Path) -> Path:
    assert path.is_file(), f"shared data not found at {path}: set VICINO_DATA_DIR"
    return path


@pytest.fixture(scope="module")
def milan_boundary() -> shapely.Geometry:
    """The Comune di Milano: the union of its 9 Municipi."""
    return gpd.read_file(_data(MILAN / "boundaries" / "municipi_9_ds379.geojson")).union_all()


def _check_contract(frame: gpd.GeoDataFrame, extra: tuple[str, ...] = ()) -> None:
    assert list(frame.columns) == [*OPPORTUNITY_COLUMNS, *extra]
    assert frame.crs == "EPSG:4326"
    assert (frame.geom_type == "Point").all()
    assert frame["id"].is_unique
    assert frame["category"].isin(CATEGORIES).all()
    for pillars in frame["pillars"]:
        assert pillars and set(pillars.split(";")) <= set(PILLARS)


# ---- mapping tables ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ds629", "ds632", "ds32", "ds41", "parks_osm", "hexgrid", "osm", "ds724", "ds1640", "ds1306"]
)
def test_shipped_mapping_tables_are_valid(name: str) -> None:
    table = op.mapping_for_source(name)
    assert list(table.columns) == op.MAPPING_COLUMNS + op.MAPPING_AGE_COLUMNS
    assert len(table) > 0


def test_osm_mapping_covers_every_tag_the_extractor_reads() -> None:
    from data_sources.osm import POI_TAGS

    table = op.mapping_for_source("osm")
    mapped = set(zip(table["match_field"], table["match_value"], strict=True))
    missing = {(k, v) for k, values in POI_TAGS.items() for v in values} - mapped
    assert not missing


def test_bad_mapping_table_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "match_field,match_value,category,pillars,kind\nTipo,Golf,leisure,physical_activity,golf\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="unknown category 'leisure'"):
        op.mapping_from_csv(path)
    path.write_text("match_field,match_value,category,pillars,kind\nTipo,Golf,sport,fun,golf\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="pillar"):
        op.mapping_from_csv(path)
    path.write_text("match_field,category\nTipo,sport\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="match_value"):
        op.mapping_from_csv(path)


def test_categories_from_mapping_first_row_wins_and_wildcard() -> None:
    table = pd.DataFrame(
        {
            "match_field": ["tipologia", "sottotipo", "sottotipo"],
            "match_value": ["ARCHIVI", "BIBLIOTECHE  DI QUARTIERE", "*"],
            "category": ["arts", "education", "stem"],
            "pillars": ["talents_creativity", "education_training", "education_training"],
            "kind": ["archive", "library", "other"],
        }
    )
    values = {
        "tipologia": pd.Series(["ARCHIVI", "BIBLIOTECHE", "BIBLIOTECHE", "X"]),
        "sottotipo": pd.Series(["BIBLIOTECHE DI QUARTIERE", "biblioteche di  quartiere", "altro", None]),
    }
    matched = op.categories_from_mapping(values, table)
    assert matched["kind"].tolist()[:3] == ["archive", "library", "other"]
    assert matched["unmatched"].iloc[3] == "tipologia=X"


# ---- Milan: sport facilities (ds629) --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ds629(milan_boundary: shapely.Geometry) -> tuple[gpd.GeoDataFrame, val.SourceReport]:
    return milan.opportunities_from_sport_facilities(
        _data(MILAN / "services" / "sport_facilities_ds629.geojson"), boundary=milan_boundary
    )


def test_ds629_counts(ds629: tuple[gpd.GeoDataFrame, val.SourceReport], milan_boundary: shapely.Geometry) -> None:
    frame, report = ds629
    _check_contract(frame)
    assert report.read_counts["milan_ds629"] == 407
    # two rows repeat a facility x sport x manager (they differ only in a ticketing link)
    assert [r.reason for r in report] == [val.DUPLICATE_ID, val.DUPLICATE_ID]
    assert len(frame) == 405
    assert report.balance("milan_ds629", len(frame))["balanced"]
    assert (frame["category"] == "sport").all()
    assert frame.within(milan_boundary).all()
    assert frame["id"].str.fullmatch(r"ds629-[0-9a-f]{10}").all()
    assert frame["kind"].value_counts()["football_5"] == 65


def test_ds629_ids_do_not_depend_on_row_order(tmp_path: Path, ds629: tuple[gpd.GeoDataFrame, val.SourceReport]) -> None:
    path = _data(MILAN / "services" / "sport_facilities_ds629.geojson")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"].reverse()
    reversed_path = tmp_path / "ds629_reversed.geojson"
    reversed_path.write_text(json.dumps(document), encoding="utf-8")
    frame, _ = milan.opportunities_from_sport_facilities(reversed_path)
    assert set(frame["id"]) == set(ds629[0]["id"])


def test_ds629_value_missing_from_mapping_is_rejected_by_name() -> None:
    table = op.mapping_for_source("ds629")
    table = table[table["match_value"] != "Bridge"]
    frame, report = milan.opportunities_from_sport_facilities(
        _data(MILAN / "services" / "sport_facilities_ds629.geojson"), mapping=table
    )
    bridge = [r for r in report if r.reason.startswith(op.NO_MAPPING)]
    assert [(r.field, r.reason) for r in bridge] == [("Tipo", "no category mapping for Tipo=Bridge")]
    assert len(frame) == 404


# ---- Milan: street sport areas (ds632) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ds632(milan_boundary: shapely.Geometry) -> tuple[gpd.GeoDataFrame, val.SourceReport]:
    return milan.opportunities_from_street_sport_areas(
        _data(MILAN / "services" / "street_sport_areas_ds632.geojson"), boundary=milan_boundary
    )


def test_ds632_one_point_per_area(
    ds632: tuple[gpd.GeoDataFrame, val.SourceReport], milan_boundary: shapely.Geometry
) -> None:
    frame, report = ds632
    _check_contract(frame)
    assert len(frame) == 217
    assert frame["id"].str.fullmatch(r"ds632-\d+").all()
    assert frame.within(milan_boundary).all()
    assert (frame["price"] == 0).all()
    assert frame["kind"].str.split(";").map(len).sum() == 440  # distinct area x sport pairs
    first = frame.set_index("id").loc["ds632-1082"]
    assert first["kind"] == "football_7;volleyball;basketball"
    assert "Calcio a 7, Volley, Basket" in first["name"]
    assert first["opening_hours"].startswith("Jan-Feb 07:00-19:00; Mar 07:00-20:00")


def test_ds632_accounting_adds_up(ds632: tuple[gpd.GeoDataFrame, val.SourceReport]) -> None:
    frame, report = ds632
    balance = report.balance("milan_ds632", len(frame))
    assert balance["read"] == 6372
    assert balance["read"] == balance["loaded"] + balance["merged"] + balance["rejected"]
    assert balance["balanced"] and balance["merged"] == 6372 - 217 - balance["rejected"]
    merged = report.set_aside_frame()
    assert set(merged["into"]) == set(frame["id"])
    assert merged["reason"].str.fullmatch(r"merged into area \d+").all()


def test_ds632_opening_hours_are_valid_osm(ds632: tuple[gpd.GeoDataFrame, val.SourceReport]) -> None:
    hours = ds632[0]["opening_hours"].dropna()
    assert len(hours) == 64  # the areas whose rows give monthly hours
    assert not val.invalid_opening_hours_mask(hours.astype(object)).any()


def test_opening_hours_from_months() -> None:
    months = pd.Series(["GENNAIO", "FEBBRAIO", "FEBBRAIO", "MARZO", "DICEMBRE"])
    opens = pd.Series(["7", "7", "6:30", "8", None])
    closes = pd.Series(["19", "19", "18", "24", "20"])
    assert milan.opening_hours_from_months(months, opens, closes) == "Jan 07:00-19:00; Feb 06:30-19:00; Mar 08:00-24:00"
    assert milan.opening_hours_from_months(months, pd.Series([None] * 5), closes) is None


# ---- Milan: swimming pools (ds32), libraries (ds41) ------------------------------------------------------------


def test_ds32_swimming_pools(milan_boundary: shapely.Geometry) -> None:
    frame, report = milan.opportunities_from_swimming_pools(
        _data(MILAN / "services" / "swimming_pools_ds32.geojson"), boundary=milan_boundary
    )
    _check_contract(frame)
    assert report.read_counts["milan_ds32"] == 28 == len(frame)
    assert len(report) == 0
    assert frame["kind"].value_counts().to_dict() == {
        "indoor_pool": 15,
        "sports_centre": 6,
        "outdoor_lido": 4,
        "outdoor_pool_50m": 3,
    }


def test_ds41_libraries_and_archives(milan_boundary: shapely.Geometry) -> None:
    frame, report = milan.opportunities_from_libraries(
        _data(MILAN / "services" / "libraries_archives_ds41.geojson"), boundary=milan_boundary
    )
    _check_contract(frame)
    assert report.read_counts["milan_ds41"] == 232
    assert report.balance("milan_ds41", len(frame))["balanced"]
    assert len(frame) == 232 and len(report) == 0
    kinds = frame["kind"].value_counts()
    # 7 BIBLIOTECHE CENTRALI: Sormani, and 6 universities' central libraries (university libraries are 18+)
    assert kinds["neighbourhood_library"] == 24 and kinds["central_library"] == 1
    assert kinds["university_library"] == 28
    assert kinds["archive"] == 10  # 9 ARCHIVI + 1 library whose sottotipo is ARCHIVI, mapped explicitly
    assert (frame.loc[frame["kind"] == "archive", "category"] == "arts").all()
    assert frame["id"].str.startswith("ds41-h").sum() == 16  # the rows with the placeholder id 0


# ---- OSM parks, clipped to the Comune ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parks(milan_boundary: shapely.Geometry) -> tuple[gpd.GeoDataFrame, val.SourceReport]:
    return osm_op.opportunities_from_parks(
        _data(MILAN / "services" / "parks_osm_2025.geojson"), milan_boundary, source="milan_parks_osm"
    )


def test_parks_are_points_inside_the_comune(
    parks: tuple[gpd.GeoDataFrame, val.SourceReport], milan_boundary: shapely.Geometry
) -> None:
    frame, report = parks
    _check_contract(frame, extra=("area_ha", "area_ha_total"))
    assert frame.within(milan_boundary).all()
    assert 900 <= len(frame) <= 1073
    assert report.read_counts["milan_parks_osm"] == 1073
    assert report.balance("milan_parks_osm", len(frame))["balanced"]
    assert (frame["area_ha"] <= frame["area_ha_total"] + 1e-6).all()


def test_parco_agricolo_sud_is_clipped_not_dropped(
    parks: tuple[gpd.GeoDataFrame, val.SourceReport], milan_boundary: shapely.Geometry
) -> None:
    frame, report = parks
    sud = frame[frame["name"] == "Parco agricolo Sud Milano"]
    assert len(sud) == 1
    assert sud.within(milan_boundary).all()
    assert sud["area_ha_total"].iloc[0] > 40000
    assert 1000 < sud["area_ha"].iloc[0] < 10000  # only the part inside the Comune
    notes = report.notes_frame()
    assert notes.loc[notes["id"] == sud["id"].iloc[0], "message"].str.startswith("clipped").all()


def test_parks_rejects_are_explained(parks: tuple[gpd.GeoDataFrame, val.SourceReport]) -> None:
    _, report = parks
    reasons = pd.Series([r.reason for r in report])
    assert reasons.str.startswith(op.NOT_PUBLIC).sum() == 54  # access=private (53) or no (1)
    assert (reasons == osm_op.MOSTLY_OUTSIDE).sum() >= 1
    assert reasons.str.startswith(op.NOT_PUBLIC).sum() + (reasons == osm_op.MOSTLY_OUTSIDE).sum() == len(reasons)
    slivers = [r for r in report if r.reason == osm_op.MOSTLY_OUTSIDE]
    assert all(r.field == "geometry" and "ha inside" in r.value for r in slivers)


def test_park_entirely_outside_is_rejected(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"osm_type": "way", "osm_id": i, "leisure": "park", "name": name},
            "geometry": shapely.geometry.mapping(geom),
        }
        for i, (name, geom) in enumerate(
            [("in", box(0.1, 0.1, 0.2, 0.2)), ("out", box(5, 5, 6, 6)), ("across", box(0.9, 0.1, 1.1, 0.2))], start=1
        )
    ]
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    frame, report = osm_op.opportunities_from_parks(path, box(0, 0, 1, 1))
    assert frame["name"].tolist() == ["in", "across"]
    assert [(r.row, r.reason) for r in report] == [(2, val.OUTSIDE_BOUNDARY)]
    assert report.notes_frame()["id"].tolist() == ["osm-way-3"]
    assert frame["area_ha"].iloc[1] == pytest.approx(frame["area_ha_total"].iloc[1] / 2, rel=0.01)


# ---- H3 hex grids ------------------------------------------------------------------------------------------------


def test_poa_population() -> None:
    frame, report = hexgrid.population_from_hexgrid(_data(POA_GRID))
    assert list(frame.columns) == POPULATION_COLUMNS
    assert len(frame) == 1227 == report.read_counts["poa_hexgrid"]
    assert frame["population"].sum() == 812_935
    assert (frame["kind"] == "h3").all()
    assert frame["youth_0_17"].isna().all() and frame["age_0_4"].isna().all()
    assert frame["id"].map(lambda c: h3.is_valid_cell(c) and h3.get_resolution(c) == 9).all()
    grid = pd.read_csv(POA_GRID, dtype={"id": str}).set_index("id")
    points = gpd.points_from_xy(grid.loc[frame["id"], "lon"], grid.loc[frame["id"], "lat"], crs="EPSG:4326")
    assert frame.geometry.contains(gpd.GeoSeries(points, index=frame.index)).all()
    h3_area = frame["id"].map(lambda c: h3.cell_area(c, unit="m^2"))
    metric_area = frame.to_crs(frame.estimate_utm_crs()).area
    assert ((metric_area / h3_area) - 1).abs().max() < 0.01


def test_poa_schools_and_opportunities() -> None:
    schools, report = hexgrid.schools_from_hexgrid(_data(POA_GRID))
    assert list(schools.columns) == SCHOOL_COLUMNS
    assert schools["capacity"].sum() == 194
    assert report.balance("poa_hexgrid", len(schools))["balanced"]
    frame, report = hexgrid.opportunities_from_hexgrid(POA_GRID)
    _check_contract(frame)
    by_category = frame.groupby("category")["capacity"].sum().to_dict()
    assert by_category == {"education": 194, "health": 141}
    cells = frame["id"].str.split(":").str[0].nunique()
    assert report.read_counts["poa_hexgrid"] == 1227
    assert report.balance("poa_hexgrid", cells)["balanced"]
    assert (frame["capacity"] > 0).all()
    assert len(report.notes) == 5  # five cells have no healthcare count


def test_spo_grid() -> None:
    population, report = hexgrid.population_from_hexgrid(_data(SPO_GRID))
    assert len(population) == 323 == report.read_counts["spo_hexgrid"]
    assert len(report) == 0
    frame, _ = hexgrid.opportunities_from_hexgrid(SPO_GRID)
    assert set(frame["category"]) == {"education"}  # the São Paulo grid has no healthcare column
    schools, _ = hexgrid.schools_from_hexgrid(SPO_GRID)
    assert schools["capacity"].sum() == frame["capacity"].sum()


def test_hexgrid_bad_rows_are_rejected(tmp_path: Path) -> None:
    good = h3.latlng_to_cell(-30.05, -51.20, 9)
    other = h3.latlng_to_cell(-30.10, -51.15, 9)
    third = h3.latlng_to_cell(-30.02, -51.22, 9)
    lat, lon = h3.cell_to_latlng(good)
    lat2, lon2 = h3.cell_to_latlng(other)
    lat3, lon3 = h3.cell_to_latlng(third)
    lines = [
        "id,lon,lat,population,schools",
        f"{good},{lon},{lat},10,1",
        "not-a-cell,-51.2,-30.0,5,0",
        f"{good},{lon},{lat},3,0",
        f"{other},{lat2},{lon2},7,0",
        f"{third},{lon},{lat},7,0",
        f"{h3.latlng_to_cell(-30.2, -51.3, 9)},-51.3,-30.2,-4,0",
        f"{h3.cell_to_parent(good, 8)},{lon},{lat},1,0",
        f"{h3.latlng_to_cell(lat3 + 0.01, lon3, 9)},{lon3},{lat3 + 0.01},,0",
    ]
    path = tmp_path / "grid.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, report = hexgrid.population_from_hexgrid(path)
    assert {r.row: r.reason for r in report} == {
        2: hexgrid.INVALID_H3,
        3: val.DUPLICATE_ID,
        4: val.SWAPPED,
        5: hexgrid.NOT_IN_CELL,
        6: hexgrid.BAD_COUNT,
        7: hexgrid.INVALID_H3,
        8: hexgrid.MISSING_COUNT,
    }
    assert frame["id"].tolist() == [good]
    assert report.read_counts["grid"] == 8


# ---- OSM points of interest ----------------------------------------------------------------------------------


def _pois() -> gpd.GeoDataFrame:
    rows = [
        ("node", 1, "amenity", "school", "Escola A", "Mo-Fr 07:30-12:00", "30", None, Point(9.19, 45.46)),
        ("node", 2, "leisure", "playground", None, None, None, None, Point(9.20, 45.47)),
        ("node", 3, "amenity", "bench", None, None, None, None, Point(9.20, 45.47)),
        ("way", 4, "amenity", "clinic", "Clinica", "whenever", "many", None, box(9.21, 45.47, 9.22, 45.48)),
        ("node", 5, "leisure", "swimming_pool", None, None, None, "private", Point(9.20, 45.47)),
        ("node", 6, "tourism", "museum", "Museo", None, None, None, Point(12.48, 41.90)),
        ("node", 7, "community_centre", "youth_centre", "CAG", None, "-2", "yes", Point(9.18, 45.45)),
    ]
    columns = ["osm_type", "osm_id", "tag_key", "tag_value", "name", "opening_hours", "capacity", "access", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:4326")


def test_osm_pois_are_mapped(milan_boundary: shapely.Geometry) -> None:
    frame, report = osm_op.opportunities_from_osm_pois(_pois(), boundary=milan_boundary, file="milan.osm.pbf")
    _check_contract(frame)
    assert frame["id"].tolist() == ["osm-node-1", "osm-node-2", "osm-way-4", "osm-node-7"]
    assert frame["category"].tolist() == ["education", "sport", "health", "education"]
    assert frame["kind"].tolist() == ["school", "playground", "clinic", "youth_centre"]
    assert frame["capacity"].iloc[0] == 30 and frame["capacity"].iloc[1:].isna().all()
    assert frame["opening_hours"].iloc[0] == "Mo-Fr 07:30-12:00" and pd.isna(frame["opening_hours"].iloc[2])
    assert frame.geometry.iloc[2].within(box(9.21, 45.47, 9.22, 45.48))
    assert frame["name"].iloc[1] == "playground (OSM)"
    assert {r.row: r.reason for r in report} == {
        3: "no category mapping for amenity=bench",
        5: f"{op.NOT_PUBLIC} (access=private)",
        6: val.OUTSIDE_BOUNDARY,
    }
    assert {r.file for r in report} == {"milan.osm.pbf"}
    assert sorted(n.field for n in report.notes) == ["capacity", "capacity", "opening_hours"]
    assert report.balance("osm", len(frame))["balanced"]


def test_osm_pois_crs_handling() -> None:
    projected = _pois().to_crs("EPSG:32632")
    frame, _ = osm_op.opportunities_from_osm_pois(projected)
    assert frame.geometry.iloc[0].x == pytest.approx(9.19)
    with pytest.raises(CRSError):
        osm_op.opportunities_from_osm_pois(projected.set_crs(None, allow_override=True))
    unset = _pois().set_crs(None, allow_override=True)  # lon/lat without a CRS is taken as EPSG:4326
    assert len(osm_op.opportunities_from_osm_pois(unset)[0]) == 5
    with pytest.raises(SourceFormatError, match="tag_key"):
        osm_op.opportunities_from_osm_pois(_pois().drop(columns="tag_key"))


def test_osm_pois_from_the_porto_alegre_extract() -> None:
    from data_sources.osm import pois_from_osm_file

    pois = pois_from_osm_file(_data(DATA_DIR / "porto_alegre" / "poa_osm.pbf"))
    frame, report = osm_op.opportunities_from_osm_pois(pois, source="poa_osm")
    assert report.read_counts["poa_osm"] == len(pois)
    assert report.balance("poa_osm", len(frame))["balanced"]
    assert not [r for r in report if r.reason.startswith(op.NO_MAPPING)]
    private = (pois["access"] == "private").sum()
    assert sum(r.reason.startswith(op.NOT_PUBLIC) for r in report) == private
