"""`compute_access` and `export_layers` on real cities: layers stored per release, flagged, exported."""

from __future__ import annotations

import json
import sqlite3
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from data_sources.cities import city_config_from_file, city_config_from_slug
from geo import access
from geo.importing import import_city
from geo.models import AccessLayer, City
from routing.profiles import profile_by_name

pytestmark = pytest.mark.django_db

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def poa(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        import_city(city_config_from_slug("porto_alegre"))
        city = City.objects.get(slug="porto_alegre")
        access.compute_access(city, profiles=(profile_by_name("age_11_13"),), origin_kinds={"node", "h3", "school"})
        yield city
        city.delete()


def test_poa_layers_on_the_network(poa: City) -> None:
    layers = {layer.name: layer for layer in poa.current_release().access_layers.all()}
    assert set(layers) == {"walk_adult_node", "walk_age_11_13_h3", "walk_age_11_13_school"}
    assert {layer.method for layer in layers.values()} == {AccessLayer.Method.NETWORK}
    node_layer = layers["walk_adult_node"]
    assert node_layer.values.count() == poa.current_release().street_network.nodes
    cells = layers["walk_age_11_13_h3"]
    assert cells.parameters["speed_m_s"] == 1.2 and cells.parameters["max_walk_m"] == 2000
    # Cells beyond the OSM extract are reported, not snapped across kilometres.
    assert cells.parameters["unsnapped_origins"] > 0


def test_indicators_are_consistent(poa: City) -> None:
    layer = poa.current_release().access_layers.get(origin_kind="node")
    frame = pd.DataFrame([v.values for v in layer.values.all()[:3000]])
    for category in ("education", "health"):
        within = [frame[f"{category}_within_{m}"] for m in (5, 10, 15, 20, 30)]
        for shorter, longer in zip(within[:-1], within[1:], strict=True):
            assert (shorter <= longer).all()
        first, second = frame[f"{category}_nearest_1"], frame[f"{category}_nearest_2"]
        assert ((first <= second) | second.isna()).all()
        assert (first.dropna() <= 30).all()
        reachable = frame[f"{category}_within_30"] > 0
        assert (first.notna() == reachable).all()


def test_coverage_and_equity_summary(poa: City) -> None:
    layer = poa.current_release().access_layers.get(origin_kind="h3")
    coverage = layer.summary["coverage_city"]
    assert 0 < coverage["education_youth_share_15"] <= 1
    assert coverage["education_youth_share_10"] <= coverage["education_youth_share_15"]
    gini = layer.summary["equity"]["education_within_15"]["gini"]
    assert 0 < gini < 1


def test_rerun_replaces_and_failure_keeps_previous(poa: City, monkeypatch: pytest.MonkeyPatch) -> None:
    before = set(poa.current_release().access_layers.values_list("pk", flat=True))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(access, "indicators_for", broken)
    with pytest.raises(RuntimeError):
        access.compute_access(poa, profiles=(profile_by_name("age_11_13"),), origin_kinds={"school"})
    assert set(poa.current_release().access_layers.values_list("pk", flat=True)) == before


def test_exports_carry_metadata_and_attribution(poa: City, tmp_path: Path) -> None:
    call_command(
        "export_layers", "porto_alegre", "--format", "gpkg", "--out", str(tmp_path / "poa.gpkg"), stdout=StringIO()
    )
    with sqlite3.connect(tmp_path / "poa.gpkg") as connection:
        metadata = dict(connection.execute("select key, value from metadata").fetchall())
    assert metadata["city"] == "porto_alegre"
    assert "© OpenStreetMap contributors" in metadata["attribution"]
    assert json.loads(metadata["inputs"])["osm"] == poa.current_release().inputs["osm"]["sha256"]
    cells = gpd.read_file(tmp_path / "poa.gpkg", layer="walk_age_11_13_h3")
    assert len(cells) == 1227 and cells.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()

    call_command(
        "export_layers", "porto_alegre", "--format", "parquet", "--out", str(tmp_path / "pq"), stdout=StringIO()
    )
    meta = json.loads(pq.read_schema(tmp_path / "pq" / "walk_adult_node.parquet").metadata[b"vicino"])
    assert meta["layer"] == "walk_adult_node" and meta["method"] == "walk network"
    nodes = gpd.read_parquet(tmp_path / "pq" / "walk_adult_node.parquet")
    assert len(nodes) == poa.current_release().street_network.nodes

    call_command("export_layers", "porto_alegre", "--format", "geojson", "--out", str(tmp_path / "gj"),
                 "--layer", "walk_age_11_13_school", stdout=StringIO())  # fmt: skip
    document = json.loads((tmp_path / "gj" / "walk_age_11_13_school.geojson").read_text())
    assert document["attribution"].startswith("© OpenStreetMap contributors")
    assert len(document["features"]) == poa.current_release().schools.count()


@pytest.fixture(scope="module")
def milan(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        import_city(city_config_from_slug("milan"))
        city = City.objects.get(slug="milan")
        access.compute_access(city, profiles=(profile_by_name("age_11_13"),), origin_kinds={"nil", "census_section"})
        yield city
        city.delete()


def test_milan_without_network_is_flagged_straight_line(milan: City, tmp_path: Path) -> None:
    layers = {layer.origin_kind: layer for layer in milan.current_release().access_layers.all()}
    assert set(layers) == {"nil", "census_section"}
    assert {layer.method for layer in layers.values()} == {AccessLayer.Method.STRAIGHT_LINE}
    assert layers["nil"].parameters["detour_factor"] == 1.25
    duomo = layers["nil"].values.get(origin_id="1").values
    # Coverage shares come from the census sections of the NIL, weighted by their youth.
    assert 0 <= duomo["sport_youth_share_10"] <= duomo["sport_youth_share_15"] <= 1
    assert duomo["sport_within_15"] >= duomo["sport_within_10"] >= 0
    call_command("export_layers", "milan", "--format", "csv", "--out", str(tmp_path), stdout=StringIO())
    rows = pd.read_csv(tmp_path / "walk_age_11_13_nil.csv")
    assert len(rows) == 88
    assert rows["method"].str.startswith("straight-line estimate").all()
    assert rows["attribution"].str.contains("Fonte: Comune di Milano").all()


def test_milan_equity_summary(milan: City) -> None:
    summary = milan.current_release().access_layers.get(origin_kind="census_section").summary
    assert set(summary["coverage_by_zone"]) <= {str(code) for code in range(1, 89)}
    assert len(summary["coverage_by_zone"]) >= 85  # a few NIL (parks, rail yards) have no resident section
    for column, values in summary["equity"].items():
        assert 0 <= values["gini"] <= 1, column


def test_compute_access_unknown_city() -> None:
    with pytest.raises(CommandError, match="No city 'atlantis' is loaded"):
        call_command("compute_access", "atlantis")


def test_export_without_layers_is_a_clear_error(tmp_path: Path) -> None:
    import_city(city_config_from_file(TESTS / "data" / "milan_boundaries_only.toml"))
    with pytest.raises(CommandError, match="has no accessibility layers"):
        call_command("export_layers", "milan_boundaries", "--format", "csv", "--out", str(tmp_path))
