"""`load_city milan`: boundaries, census youth, facilities, parks and stops in one release; idempotent, atomic."""

from __future__ import annotations

import csv
import re
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from geo.importing import ImportResult
from geo.models import City, DataRelease, Neighbourhood, Opportunity, PopulationZone, TransitStop

pytestmark = pytest.mark.django_db


def test_boundaries(milan: ImportResult) -> None:
    assert milan.release.status == DataRelease.Status.READY
    assert milan.release.neighbourhoods.filter(level="nil").count() == 88
    assert milan.release.neighbourhoods.filter(level="municipio").count() == 9


def test_a_known_nil_has_its_name_and_area(milan: ImportResult) -> None:
    # NIL 48 in ds964: Shape_Area 2,406,306 m² (the Comune's own figure, in a metric CRS).
    nil = Neighbourhood.objects.get(release=milan.release, level="nil", code="48")
    assert nil.name == "RONCHETTO SUL NAVIGLIO - Q.RE LODOVICO IL MORO"
    assert nil.area_m2 == pytest.approx(2_406_306, rel=1e-3)


def test_census_youth_counts_match_the_census_file(milan: ImportResult, data_dir: Path) -> None:
    ages = pd.read_csv(data_dir / "milan/population/istat2011_census_sections_age_bands_milano.csv")
    placed = ages[~ages["SEZ2011"].astype(str).str.startswith("15146888888")]  # ISTAT pseudo-sections
    expected_0_17 = (placed["P14"] + placed["P15"] + placed["P16"]).sum() + 0.6 * placed["P17"].sum()
    sections = PopulationZone.objects.filter(release=milan.release, kind="census_section")
    assert sections.count() == 6079
    total = sum(s.youth_0_17 for s in sections)
    assert total == pytest.approx(expected_0_17)
    assert total == pytest.approx(186_397, abs=1)  # 55,414 + 53,443 + 49,093 + 3/5 × 47,413
    assert milan.counts["census_ages"] == {"read": 6017, "loaded": 6011, "set_aside": 0, "rejected": 6}


def test_every_nil_gets_its_youth_and_an_origin_inside_it(milan: ImportResult) -> None:
    nils = Neighbourhood.objects.filter(release=milan.release, level="nil").select_related("population")
    sections_total = sum(
        s.youth_0_17 for s in PopulationZone.objects.filter(release=milan.release, kind="census_section")
    )
    assert sum(n.population.youth_0_17 for n in nils) == pytest.approx(sections_total, abs=1e-6)
    for nil in nils:
        assert nil.geom.buffer(1e-7).contains(nil.population.origin), nil.name
    duomo = nils.get(code="1")
    assert duomo.name == "DUOMO"
    assert 0 < duomo.population.youth_0_17 < duomo.population.population


def test_facilities_libraries_and_parks(milan: ImportResult) -> None:
    by_source = {
        source: Opportunity.objects.filter(release=milan.release, source=source).count()
        for source in (
            "sport_facilities", "street_sport", "swimming_pools", "civic_libraries", "libraries", "playgrounds",
            "park_sport_facilities", "parks",
        )
    }  # fmt: skip
    assert by_source == {
        "sport_facilities": 405,  # ds629: 407 rows, 2 exact duplicates rejected
        "street_sport": 217,  # ds632: one point per street-sport area, not per sport-month row
        "swimming_pools": 28,  # ds32
        "civic_libraries": 24,  # ds1306: 26 civic libraries, 2 closed to the public
        "libraries": 206,  # ds41: 232 rows, the 26 civic libraries ds1306 lists set aside
        "playgrounds": 983,  # ds724
        "park_sport_facilities": 502,  # ds1640
        "parks": 1009,  # OSM parks clipped to the Comune; 53 private, 1 access=no, 10 mostly outside
    }
    assert milan.counts["civic_libraries"] == {"read": 26, "loaded": 24, "set_aside": 2, "rejected": 0}
    assert milan.counts["libraries"] == {"read": 232, "loaded": 206, "set_aside": 26, "rejected": 0}
    assert milan.counts["playgrounds"] == {"read": 983, "loaded": 983, "set_aside": 0, "rejected": 0}
    assert milan.counts["park_sport_facilities"] == {"read": 502, "loaded": 502, "set_aside": 0, "rejected": 0}
    comune = milan.release.neighbourhoods.filter(level="municipio")
    from django.contrib.gis.db.models import Union

    boundary = comune.aggregate(u=Union("geom"))["u"].buffer(1e-6)
    outside = [o for o in Opportunity.objects.filter(release=milan.release) if not boundary.contains(o.geom)]
    assert outside == []


def test_a_known_stop(milan: ImportResult, data_dir: Path) -> None:
    with (data_dir / "milan/transit/gtfs_amat_2019_partial/stops.txt").open(encoding="utf-8-sig") as handle:
        first = next(csv.DictReader(handle))
    stop = TransitStop.objects.get(feed__release=milan.release, feed__name="gtfs", stop_id=first["stop_id"])
    assert stop.name == first["stop_name"]
    assert stop.geom.x == pytest.approx(float(first["stop_lon"]))
    assert stop.geom.y == pytest.approx(float(first["stop_lat"]))
    assert TransitStop.objects.filter(feed__release=milan.release, feed__name="gtfs").count() == 4987
    feed = milan.release.transit_feeds.get(name="gtfs")
    assert feed.has_timetables is False


def test_atm_summaries_give_milan_a_timetable(milan: ImportResult) -> None:
    # ATM's summaries: 4,733 surface stops + 110 metro stations, rebuilt into a frequency feed.
    feed = milan.release.transit_feeds.get(name="atm_transit")
    assert feed.has_timetables is True
    assert feed.counts["reader"] == "atm_summary"
    assert feed.counts["estimate_note"] == "estimated from service summaries (ATM, winter 2021-22)"
    assert TransitStop.objects.filter(feed=feed).count() == 4733 + 110
    assert milan.counts["atm_transit/tpl_orari.csv"] == {"read": 1084, "loaded": 1084, "set_aside": 0, "rejected": 0}


def test_summary_lines_add_up_and_missing_optional_sources_are_named(milan: ImportResult) -> None:
    for name, line in milan.counts.items():
        assert line["read"] == line["loaded"] + line["set_aside"] + line["rejected"], name
    assert milan.counts["street_sport"]["set_aside"] == 6155
    assert set(milan.missing) == {"osm"}
    assert "015146_Milano.osm.pbf" in milan.missing["osm"]
    assert milan.counts["schools_primary"] == {"read": 2180, "loaded": 218, "set_aside": 1962, "rejected": 0}
    assert milan.counts["schools_lower_secondary"] == {"read": 1442, "loaded": 148, "set_aside": 1294, "rejected": 0}
    assert milan.counts["schools_upper_secondary"] == {"read": 174, "loaded": 160, "set_aside": 14, "rejected": 0}


def test_no_name_is_an_id(milan: ImportResult) -> None:
    names = list(Opportunity.objects.filter(release=milan.release).values_list("name", flat=True))
    names += list(milan.release.schools.values_list("name", flat=True))
    assert len(names) == 3374 + 526
    assert [n for n in names if re.search(r"OSM (?:way|node|relation)|H3 cell|\(OSM", n)] == []
    assert all(n.strip() for n in names)


def test_reloading_the_same_inputs_reuses_the_release(milan: ImportResult) -> None:
    out = StringIO()
    call_command("load_city", "milan", stdout=out)
    assert DataRelease.objects.filter(city__slug="milan").count() == 1
    assert Opportunity.objects.filter(release=milan.release).count() == 3374
    assert "unchanged" in out.getvalue()


def test_a_failed_import_leaves_the_previous_release(milan: ImportResult, tmp_path: Path) -> None:
    bad = tmp_path / "nil.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CommandError, match="nil.geojson"):
        call_command("load_city", "milan", "--source", f"nil={bad}", stdout=StringIO())
    assert list(DataRelease.objects.filter(city__slug="milan")) == [milan.release]
    assert City.objects.get(slug="milan").current_release() == milan.release


def test_unknown_city_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="Unknown city 'atlantis'. Known cities: milan, porto_alegre, sao_paulo"):
        call_command("load_city", "atlantis")


def test_missing_override_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_city", "milan", "--source", f"nil={tmp_path / 'none.geojson'}")


def test_unknown_source_override_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="has no source called bogus"):
        call_command("load_city", "milan", "--source", f"bogus={tmp_path}")
