"""`export_layers --format html` on the real Porto Alegre and Milan data: a layer, a scenario and a profile each.

Each file must be self-contained (no remote script or style), carry the legend in words, the method note and the
attribution, speak the chosen language, and keep a hostile neighbourhood name as escaped text.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from geo.models import City
from geo.siting import run_scenario
from tests.conftest import load_city_with_layers

REMOTE_SOURCE = re.compile(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)
HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def cities(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        poa = load_city_with_layers("porto_alegre", ("age_11_13",), {"h3"})
        milan = load_city_with_layers("milan", ("age_11_13",), {"nil"})
        release = milan.current_release()
        release.neighbourhoods.filter(level="nil", code="1").update(name="DUOMO " + HOSTILE)
        scenarios = {
            "porto_alegre": run_scenario(poa, new=2, objective="mclp", minutes=15),
            "milan": run_scenario(milan, new=2, objective="mclp", minutes=15, candidates="libraries"),
        }
        yield {"porto_alegre": poa, "milan": milan}, scenarios
        City.objects.filter(slug__in=["porto_alegre", "milan"]).delete()


def export(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "map.html"
    stdout = StringIO()
    call_command("export_layers", *args, "--format", "html", "--out", str(out), stdout=stdout)
    assert "opens offline" in stdout.getvalue()
    return out.read_text(encoding="utf-8")


def assert_self_contained(document: str) -> None:
    assert not REMOTE_SOURCE.search(document), REMOTE_SOURCE.search(document)
    assert "L.map(" in document and ".leaflet-container" in document  # Leaflet itself is inside the file
    assert "L.tileLayer(" not in document  # no tile server configured here


@pytest.mark.django_db
def test_layer_maps_of_both_cities(cities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    poa = export(tmp_path, "porto_alegre", "--layer", "walk_age_11_13_h3", "--indicator", "education_within_15",
                 "--language", "en")  # fmt: skip
    assert_self_contained(poa)
    assert "education places within 15 min on foot" in poa
    assert "Travel times along the street network." in poa
    assert "OpenStreetMap contributors" in poa and "EPTC" in poa
    assert '<html lang="en">' in poa
    milan = export(tmp_path, "milan", "--indicator", "sport_within_15")  # Italian: the city's language
    assert_self_contained(milan)
    assert "luoghi di sport entro 15 min a piedi" in milan
    assert "Stima: per questa città manca la rete stradale" in milan  # straight-line estimate, said so
    assert "Comune di Milano" in milan
    assert '<html lang="it">' in milan
    assert HOSTILE not in milan and "DUOMO \\u0026lt;img src=x" in milan


@pytest.mark.django_db
def test_scenario_maps_of_both_cities(cities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, scenarios = cities
    poa = export(tmp_path, "porto_alegre", "--scenario", str(scenarios["porto_alegre"].pk), "--language", "en")
    assert_self_contained(poa)
    assert poa.count("L.circleMarker(") == 2 and "new hub" in poa
    assert "young residents newly within reach" in poa
    milan = export(tmp_path, "milan", "--scenario", str(scenarios["milan"].pk), "--language", "en")
    assert_self_contained(milan)
    assert "share of young residents within 15 min on foot of a hub, after" in milan
    assert "within reach, before" in milan and "within reach, after" in milan  # per-neighbourhood tooltips
    assert HOSTILE not in milan


@pytest.mark.django_db
def test_profile_maps_of_both_cities(cities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    poa_city, _ = cities
    cell = poa_city["porto_alegre"].current_release().population_zones.filter(kind="h3").first().code
    poa = export(tmp_path, "porto_alegre", "--zone", cell, "--language", "en")
    assert_self_contained(poa)
    assert f"Neighbourhood profile: {cell}" in poa and "City median" in poa
    assert "No wellbeing pillar index is computed" in poa  # Porto Alegre's index is not computed here
    from geo.pillars import compute_pillars, pillar_layer
    from routing.profiles import profile_by_name

    milan_city = cities[0]["milan"]
    compute_pillars(milan_city, profiles=(profile_by_name("age_11_13"),), draws=50, seed=3)
    milan = export(tmp_path, "milan", "--zone", "1", "--language", "en")
    assert_self_contained(milan)
    assert "Neighbourhood profile: DUOMO &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in milan
    assert HOSTILE not in milan
    assert "sport places within 15 min on foot" in milan
    # The seven pillars against the city: every pillar the index scored for NIL 1, with its rank among the 88 NIL.
    index = pillar_layer(milan_city.current_release(), "nil", "walk", "age_11_13")
    row = next(r for r in index.rows if str(r["origin_id"]) == "1")
    from layers.html_maps import format_number

    for label, pillar in (("Social relations", "social_relations"), ("Physical activity", "physical_activity")):
        score = format_number(100 * row[f"{pillar}_score"], "count", "en")
        assert f"{label}</th><td>{score} (rank {int(row[f'{pillar}_rank'])} of 88; 1 = worst served)" in milan
    assert "No wellbeing pillar index" not in milan


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["milan", "--indicator", "chess_within_15"], "no indicator 'chess_within_15'"),
        (["milan", "--layer", "walk_adult_h3"], "no layer 'walk_adult_h3'; Milano has walk_age_11_13_nil"),
        (["milan", "--zone", "999"], "no zone '999'"),
        (["milan", "--scenario", "999999"], "No scenario 999999"),
        (["nowhere"], "No loaded city 'nowhere'"),
    ],
)
def test_bad_requests_are_clear_errors(cities, tmp_path: Path, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_layers", *args, "--format", "html", "--out", str(tmp_path / "x.html"))
