"""Walk + transit in the product: layers per release, the point query, and cities without timetables."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.test import Client

from data_sources.cities import city_config_from_file
from geo.models import City
from tests.conftest import city_with_layers_fixture

pytestmark = pytest.mark.django_db
HOME_POA = "-51.2177,-30.0346"


def _transit_layer(city: City) -> None:
    call_command("compute_access", "porto_alegre", "--mode", "transit", "--window", "14:00-14:30",
                 "--origins", "h3", "--profile", "age_14_17", stdout=StringIO())  # fmt: skip


poa = city_with_layers_fixture("porto_alegre", ("age_14_17",), {"h3"}, then=_transit_layer)


def _frame(layer) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame({v.origin_id: v.values for v in layer.values.all()}).T


def test_transit_layer_is_never_worse_than_walking(poa: City) -> None:
    release = poa.current_release()
    walk = _frame(release.access_layers.get(mode="walk", origin_kind="h3"))
    transit_layer = release.access_layers.get(mode="transit", origin_kind="h3")
    transit = _frame(transit_layer).loc[walk.index]
    assert transit_layer.parameters["date"] == "2019-04-17"  # the first Wednesday on which both feeds run
    assert transit_layer.parameters["window"] == [14 * 3600, 14 * 3600 + 1800]
    reached = walk["education_nearest_1"].notna()
    assert (transit.loc[reached, "education_nearest_1"] <= walk.loc[reached, "education_nearest_1"] + 1e-6).all()
    assert (transit["education_within_30"] >= walk["education_within_30"]).all()
    assert transit["education_within_30"].sum() > walk["education_within_30"].sum()  # the buses do help


def test_transit_point_query(poa: City) -> None:
    client = Client()
    walk = client.get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=25&age=14").json()
    transit = client.get(
        f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=25&age=14&mode=transit&open_at=we%2014:00"
    ).json()
    assert "departures Wednesday 14:00–14:30" in transit["properties"]["departure"]
    walk_minutes = {f["id"]: f["properties"]["minutes"] for f in walk["features"]}
    transit_minutes = {f["id"]: f["properties"]["minutes"] for f in transit["features"]}
    assert set(walk_minutes) <= set(transit_minutes)
    assert all(transit_minutes[k] <= walk_minutes[k] + 0.05 for k in walk_minutes)
    assert len(transit_minutes) > len(walk_minutes)


def test_city_without_timetables_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from geo.importing import import_city

    import_city(
        city_config_from_file(__import__("pathlib").Path(__file__).parent / "data" / "milan_boundaries_only.toml")
    )
    with pytest.raises(CommandError, match="has no transit timetables"):
        call_command("compute_access", "milan_boundaries", "--mode", "transit", stdout=StringIO())
    out = StringIO()
    call_command("compute_access", "milan_boundaries", "--mode", "all", "--profile", "adult", stdout=out)
    assert "has no transit timetables (its GTFS has stops and routes only): walking only" in out.getvalue()
    for endpoint in ("opportunities", "isochrones"):
        response = Client().get(f"/api/v1/cities/milan_boundaries/{endpoint}?near=9.19,45.464&minutes=10&mode=transit")
        assert response.status_code == 400, endpoint
        assert "use mode=walk" in response.json()["error"]


def test_transit_isochrones_hold_the_walk_and_the_listed_opportunities(poa: City) -> None:
    client = Client()
    when = "open_at=we%2014:00"
    base = f"/api/v1/cities/porto_alegre/isochrones?near={HOME_POA}&minutes=10,25&age=14"
    walk = client.get(base).json()
    response = client.get(f"{base}&mode=transit&{when}")
    assert response.status_code == 200
    transit = response.json()
    assert transit["properties"]["mode"] == "transit"
    assert "departures Wednesday 14:00–14:30" in transit["properties"]["departure"]
    assert [f["properties"]["minutes"] for f in transit["features"]] == [25, 10]
    assert {f["properties"]["method"] for f in transit["features"]} == {"network_transit"}
    by_minutes = {f["properties"]["minutes"]: shapely.geometry.shape(f["geometry"]) for f in transit["features"]}
    walk_25 = shapely.geometry.shape(walk["features"][0]["geometry"])
    # Never worse than walking: the walking area lies inside (up to the raster's edge cells), and buses reach farther.
    assert walk_25.difference(by_minutes[25]).area < 0.02 * walk_25.area
    assert by_minutes[25].area > 1.5 * walk_25.area
    assert by_minutes[10].difference(by_minutes[25]).area < 1e-9
    listed = client.get(
        f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=25&age=14&mode=transit&{when}"
    ).json()["features"]
    near_area = by_minutes[25].buffer(0.002)  # about 200 m: a place may lie off the street it is entered from
    inside = [near_area.contains(shapely.geometry.shape(f["geometry"])) for f in listed]
    assert len(listed) > 50 and np.mean(inside) >= 0.95
