"""Milan's playgrounds (ds724), park sport facilities (ds1640) and civic libraries (ds1306): points on the
polygons, categories and audiences from the mapping tables, opening hours that the family API's open_at honours."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from django.test import Client

from data_sources import milan_services as ms

SERVICES = "milan/services"


def _polygons(path: Path) -> dict[str, shapely.Geometry]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {str(f["properties"]["obj_id"]): shapely.geometry.shape(f["geometry"]) for f in features}


@pytest.mark.parametrize(
    ("reader", "file", "prefix"),
    [
        (ms.opportunities_from_playgrounds, "playgrounds_ds724.geojson", "ds724-"),
        (ms.opportunities_from_park_sport_facilities, "park_sport_facilities_ds1640.geojson", "ds1640-"),
    ],
)
def test_every_access_point_lies_on_its_polygon(data_dir: Path, reader, file: str, prefix: str) -> None:  # type: ignore[no-untyped-def]
    path = data_dir / SERVICES / file
    polygons = _polygons(path)
    frame, report = reader(path, source="s")
    assert len(frame) == len(polygons) and report.read_counts["s"] == len(polygons)
    assert report.rejected_count("s") == 0 and report.set_aside_count("s") == 0
    for row in frame.itertuples():
        polygon = polygons[row.id.removeprefix(prefix)]
        assert polygon.buffer(1e-9).contains(row.geometry), row.id
    # the centroid is not always on the area (a ring or an L): where it falls outside, ours still does not
    outside = [k for k, p in polygons.items() if not p.contains(p.centroid)]
    assert outside, "the file has no area whose centroid falls outside it: this check would prove nothing"


def test_an_l_shaped_playground_gets_a_point_on_it_not_its_centroid(tmp_path: Path) -> None:
    # An L of two 100 m arms, 10 m wide: the centroid lies in the empty corner, off the playground.
    d = 1e-4  # about 8-11 m
    ring = [(9.19, 45.46), (9.19 + 10 * d, 45.46), (9.19 + 10 * d, 45.46 + d), (9.19 + d, 45.46 + d),
            (9.19 + d, 45.46 + 10 * d), (9.19, 45.46 + 10 * d), (9.19, 45.46)]  # fmt: skip
    polygon = shapely.Polygon(ring)
    assert not polygon.contains(polygon.centroid)
    feature = {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.MultiPolygon([polygon])),
        "properties": {"obj_id": 7, "descrizione_codice": "Area Gioco", "località": "via Padova n. 1"},
    }
    path = tmp_path / "l.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    frame, _ = ms.opportunities_from_playgrounds(path)
    assert polygon.contains(frame.geometry.iloc[0])
    assert frame["id"].iloc[0] == "ds724-7" and frame["name"].iloc[0] == "Area giochi, via Padova n. 1"
    assert (frame["age_min"].iloc[0], frame["age_max"].iloc[0]) == (0, 12)
    assert frame["price"].iloc[0] == 0


def test_park_sports_map_to_their_kinds(data_dir: Path) -> None:
    path = data_dir / SERVICES / "park_sport_facilities_ds1640.geojson"
    frame, report = ms.opportunities_from_park_sport_facilities(path, source="s")
    descriptions = {str(k): v for k, v in _descriptions(path).items()}
    kinds = dict(zip(frame["id"].str.removeprefix("ds1640-"), frame["kind"], strict=True))
    basket = [k for k, v in descriptions.items() if "pallavolo/basket" in v]
    assert len(basket) == 216 and {kinds[k] for k in basket} == {"basketball_volleyball"}
    football = [k for k, v in descriptions.items() if "calcio" in v.lower() or "calcetto" in v.lower()]
    assert {kinds[k] for k in football} == {"football"}
    assert set(frame["category"]) == {"sport"}


def _descriptions(path: Path) -> dict[object, str]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["obj_id"]: f["properties"]["descrizione_codice"] for f in features}


def test_civic_libraries_hours_notes_and_closures(data_dir: Path) -> None:
    frame, report = ms.opportunities_from_civic_libraries(data_dir / SERVICES / "civic_libraries_ds1306.geojson",
                                                          source="c")  # fmt: skip
    assert report.read_counts["c"] == 26
    assert len(frame) == 24 and report.set_aside_count("c") == 2 and report.rejected_count("c") == 0
    assert set(report.set_aside_frame()["reason"].str.split(" [(]").str[0]) == {"closed to the public"}
    notes = report.notes_frame()
    not_understood = notes[notes["message"].str.startswith("opening hours not understood")]
    assert set(not_understood["id"]) == {"ds1306-calvairate", "ds1306-harar"}
    assert "9.30-14-30" in not_understood.set_index("id").loc["ds1306-harar", "message"]
    by_id = frame.set_index("id")
    assert pd.isna(by_id.loc["ds1306-harar", "opening_hours"])  # unknown, never guessed
    assert by_id.loc["ds1306-accursio", "opening_hours"] == "Tu,Th 09:30-14:30; We,Fr 14:00-19:00; Sa 09:30-14:00"
    assert by_id.loc["ds1306-niguarda", "opening_hours"] == "Tu-We 14:00-19:00; Th-Sa 09:30-14:30"  # "mercoledì"


def test_audiences_from_the_ds41_mapping_table(data_dir: Path) -> None:
    frame, _ = ms.opportunities_from_libraries(data_dir / SERVICES / "libraries_archives_ds41.geojson", source="l")
    universities = frame[frame["name"].str.contains("UNIVERSIT|POLITECNICO")]
    assert len(universities) >= 25
    assert (universities["kind"] == "university_library").all() and (universities["age_min"] == 18).all()
    archives = frame[frame["kind"] == "archive"]
    assert len(archives) == 10 and (archives["age_min"] == 14).all()
    neighbourhood = frame[frame["kind"] == "neighbourhood_library"]
    assert len(neighbourhood) == 24 and neighbourhood["age_min"].isna().all()


def test_ds41_sets_aside_the_libraries_ds1306_lists(data_dir: Path) -> None:
    civic, _ = ms.opportunities_from_civic_libraries(data_dir / SERVICES / "civic_libraries_ds1306.geojson")
    places = gpd.GeoDataFrame(civic[["id", "name"]].assign(source="civic"), geometry=civic.geometry, crs=civic.crs)
    frame, report = ms.opportunities_from_libraries(
        data_dir / SERVICES / "libraries_archives_ds41.geojson", source="l", same_places=places
    )
    set_aside = report.set_aside_frame()
    assert len(frame) + len(set_aside) == 232
    assert len(set_aside) == 24  # the 24 open civic libraries, each once
    assert set(set_aside["into"]) == set(civic["id"])
    assert "ACCURSIO" not in set(frame["name"]) and "SORMANI" not in set(frame["name"])


# ---------------------------------------------------------------------------------------------------------------
# Through the family API on the loaded city


@pytest.mark.django_db
def test_a_library_closed_on_monday_is_not_open_on_monday_morning(milan) -> None:  # type: ignore[no-untyped-def]
    from geo.models import Opportunity

    accursio = Opportunity.objects.get(release=milan.release, source="civic_libraries", source_id="ds1306-accursio")
    near = f"{accursio.geom.x},{accursio.geom.y}"
    client = Client()
    base = f"/api/v1/cities/milan/opportunities?near={near}&minutes=5&category=education"
    tuesday = client.get(base + "&open_at=tu 10:00").json()
    assert str(accursio.pk) in {str(f["id"]) for f in tuesday["features"]}
    monday = client.get(base + "&open_at=mo 10:00").json()
    assert str(accursio.pk) not in {str(f["id"]) for f in monday["features"]}
    # and ds41's row for the same library (no hours) is not there to be listed instead
    assert not any(f["properties"]["name"].casefold() == "accursio" for f in monday["features"])
    assert milan.counts["libraries"] == {"read": 232, "loaded": 206, "set_aside": 26, "rejected": 0}
