"""What a point query's answer says (issue #13): its lines in the page's language, "hours unknown" marked and
optional, a walk in a transit answer labelled as a walk, the departure window and timetable date, the school
itself never its own destination; and the planner's gap table (geo.gaps) on a case worked out by hand."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from geo.gaps import gap_rows
from geo.models import City

pytestmark = pytest.mark.django_db

HOME_POA = "-51.2177,-30.0346"  # Centro Histórico, Porto Alegre


def _get(url: str, language: str) -> dict:
    response = Client().get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, response.content
    return response.json()


def test_lines_in_italian_and_english(porto_alegre: City) -> None:
    url = f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=15&age=12"
    italian, english = _get(url, "it"), _get(url, "en")
    assert [f["id"] for f in italian["features"]] == [f["id"] for f in english["features"]]
    for it, en in zip(italian["features"], english["features"], strict=True):
        whole = int(it["properties"]["explanation"].split()[0])
        assert abs(whole - it["properties"]["minutes"]) <= 0.55 or whole == 1  # whole minutes, at least 1
        assert it["properties"]["explanation"] == f"{whole} min a piedi"
        assert en["properties"]["explanation"] == f"{whole} min walk"
    assert italian["properties"]["max_walk_m"] == 2000  # an 11-13-year-old walks at most 2 km


def test_unknown_hours_are_marked_and_optional(porto_alegre: City) -> None:
    release = porto_alegre.current_release()
    assert not release.opportunities.exclude(opening_hours="").exists()  # Porto Alegre knows no opening hours
    url = f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=15&open_at=su%2003:00"
    kept = _get(url, "en")
    assert kept["features"] and all(f["properties"]["hours_known"] is False for f in kept["features"])
    assert all(f["properties"]["explanation"].endswith(" · hours unknown") for f in kept["features"])
    assert _get(url + "&unknown_hours=false", "en")["features"] == []
    # Without a time asked, nothing is said about hours.
    plain = _get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=15", "en")
    assert not any("hours unknown" in f["properties"]["explanation"] for f in plain["features"])


def test_transit_answer_labels_walks_and_names_its_window(porto_alegre: City) -> None:
    walk = _get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30&age=15", "en")
    transit = _get(
        f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30&age=15&mode=transit&open_at=we%2014:00",
        "en",
    )
    departure = transit["properties"]["departure"]
    assert re.fullmatch(r"departures Wednesday 14:00–14:30, timetable of [A-Z][a-z]+ \d{1,2}, 2019", departure)
    on_foot = {f["id"]: f["properties"]["minutes"] for f in walk["features"]}
    ways = {f["id"]: f["properties"] for f in transit["features"]}
    assert {p["way"] for p in ways.values()} == {"walk", "transit"}
    for opportunity_id, p in ways.items():
        if p["way"] == "walk":  # no faster by transit: the walking time, said as a walk
            assert p["minutes"] == on_foot[opportunity_id]
            assert re.fullmatch(r"\d+ min walk( · hours unknown)?", p["explanation"])
        else:
            assert opportunity_id not in on_foot or p["minutes"] <= on_foot[opportunity_id]  # faster (to a tenth)
            assert "min walk + transit" in p["explanation"]


def test_transit_route_walk_ride_walk(porto_alegre: City) -> None:
    """The legs follow each other in time: leave at the window's start, board after the walk, arrive after the ride
    and the last walk; the whole is no longer than the answer's budget allows for the place."""
    transit = _get(
        f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30&age=15&mode=transit&open_at=we%2014:00",
        "en",
    )
    chosen = next(f for f in transit["features"] if f["properties"]["way"] == "transit")
    route = _get(
        f"/api/v1/cities/porto_alegre/transit-route?near={HOME_POA}&to={chosen['id']}&age=15&open_at=we%2014:00", "en"
    )
    legs = [f["properties"] for f in route["features"]]
    assert [leg["kind"] for leg in legs] == ["walk", "ride", "walk"]
    clock = [(int(t[:2]) * 60 + int(t[3:])) for leg in legs for t in (leg["start"], leg["end"])]
    assert 14 * 60 <= clock[0] < 14 * 60 + 30 and clock == sorted(clock)  # leaving within the window
    assert (
        legs[0]["to"] == legs[1]["from"]
        and legs[1]["to"] == legs[2]["from"]
        and legs[2]["to"] == chosen["properties"]["name"]
    )
    assert re.fullmatch(r"line \S+ \d\d:\d\d → \d\d:\d\d, .+ → .+", legs[1]["label"])
    assert route["properties"]["departure"] == transit["properties"]["departure"]
    assert all(f["geometry"]["type"] == "LineString" for f in route["features"])


def test_a_school_is_not_its_own_destination(porto_alegre: City) -> None:
    release = porto_alegre.current_release()
    school = release.schools.order_by("source_id").first()
    same_spot = [o.pk for o in release.opportunities.filter(name=school.name) if o.geom.distance(school.geom) == 0]
    assert same_spot  # Porto Alegre's schools are education opportunities too
    body = _get(f"/api/v1/cities/porto_alegre/schools/{school.source_id}/reachable?minutes=15", "en")
    assert body["features"] and not {str(pk) for pk in same_spot} & {f["id"] for f in body["features"]}


def test_gap_rows_by_hand() -> None:
    """Three zones: A 100 youth, 20% reach sport → 80 without; B 50 youth, none reach → 50; C 300, all reach → 0.
    A grid cell (level h3) without a share counts all or none by its count; a zone without people is left out."""

    def zone(code: str, youth: float | None, population: float, share: float | None, count: float = 0) -> dict:
        return {"properties": {"code": code, "name": f"zone {code}", "youth_0_17": youth, "population": population,
                               "sport_youth_share_15": share, "sport_within_15": count}}  # fmt: skip

    zones = {
        "properties": {"level": "nil"},
        "features": [
            zone("A", 100, 400, 0.2),
            zone("B", 50, 90, 0.0),
            zone("C", 300, 900, 1.0),
            zone("D", None, 5, 0.5),
        ],
    }
    rows = gap_rows(zones, "sport", age_data=True)
    assert [(r["code"], r["people"], r["without_access"], r["rank"]) for r in rows] == [
        ("A", 100, 80, 1), ("B", 50, 50, 2), ("C", 300, 0, 3),
    ]  # fmt: skip
    # No age data: residents are counted (D too), never youth.
    rows = gap_rows(zones, "sport", age_data=False)
    assert [(r["code"], r["people"], r["without_access"]) for r in rows] == [
        ("A", 400, 320), ("B", 90, 90), ("D", 5, 2), ("C", 900, 0),
    ]  # fmt: skip
    cells = {
        "properties": {"level": "h3"},
        "features": [zone("x", None, 70, None, count=0), zone("y", None, 30, None, count=2)],
    }
    assert [(r["code"], r["without_access"]) for r in gap_rows(cells, "sport", age_data=False)] == [("x", 70), ("y", 0)]
