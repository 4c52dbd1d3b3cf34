"""`load_city porto_alegre` and `sao_paulo`: walk network, GTFS, H3 grid and schools."""

from __future__ import annotations

import csv
import io
import pickle
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data_sources.cities import city_config_from_slug
from geo.importing import ImportResult, import_city
from geo.models import City, Opportunity, PopulationZone, School, TransitStop

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def poa(django_db_setup, django_db_blocker) -> ImportResult:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        result = import_city(city_config_from_slug("porto_alegre"))
        yield result
        City.objects.filter(slug="porto_alegre").delete()


@pytest.fixture(scope="module")
def spo(django_db_setup, django_db_blocker) -> ImportResult:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        result = import_city(city_config_from_slug("sao_paulo"))
        yield result
        City.objects.filter(slug="sao_paulo").delete()


def test_poa_network_is_stored_and_cached(poa: ImportResult) -> None:
    network = poa.release.street_network
    assert 16_500 <= network.nodes <= 17_500
    assert 47_000 <= network.edges <= 50_000
    with open(network.graph_path, "rb") as handle:
        graph = pickle.load(handle)
    assert graph.number_of_nodes() == network.nodes
    assert network.bbox.contains(network.bbox.centroid)


def test_poa_grid_population_and_schools(poa: ImportResult, data_dir: Path) -> None:
    grid = pd.read_csv(data_dir / "porto_alegre/poa_hexgrid.csv")
    cells = PopulationZone.objects.filter(release=poa.release, kind="h3")
    assert cells.count() == len(grid) == 1227
    assert sum(c.population for c in cells) == grid["population"].sum() == 812_935
    schools = School.objects.filter(release=poa.release)
    assert schools.count() == (grid["schools"] > 0).sum()
    assert sum(s.capacity for s in schools) == grid["schools"].sum() == 194


def test_poa_two_timetabled_feeds(poa: ImportResult, data_dir: Path) -> None:
    feeds = {f.name: f for f in poa.release.transit_feeds.all()}
    assert set(feeds) == {"gtfs_eptc", "gtfs_trensurb"}
    eptc = feeds["gtfs_eptc"]
    assert eptc.has_timetables
    assert str(eptc.first_service_date) == "2019-04-15" and str(eptc.last_service_date) == "2019-07-15"
    assert poa.counts["gtfs_eptc/stop_times"]["read"] == 130_019
    assert TransitStop.objects.filter(feed=eptc).count() == 3986
    with zipfile.ZipFile(data_dir / "porto_alegre/poa_trensurb.zip") as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("stops.txt"), encoding="utf-8-sig")))
    known = rows[0]
    stop = TransitStop.objects.get(feed=feeds["gtfs_trensurb"], stop_id=known["stop_id"].strip())
    assert stop.geom.y == pytest.approx(float(known["stop_lat"]))


def test_spo_frequency_feed_and_grid(spo: ImportResult) -> None:
    feed = spo.release.transit_feeds.get()
    assert feed.has_timetables
    assert spo.counts["gtfs/frequencies"]["read"] == 704
    assert TransitStop.objects.filter(feed=feed).count() == 654
    assert PopulationZone.objects.filter(release=spo.release).count() == 323
    assert 5_800 <= spo.release.street_network.nodes <= 6_100


def test_every_line_adds_up(poa: ImportResult, spo: ImportResult) -> None:
    for result in (poa, spo):
        for name, line in result.counts.items():
            assert line["read"] == line["loaded"] + line["set_aside"] + line["rejected"], name


@pytest.mark.parametrize("fixture", ["poa", "spo"])
def test_no_name_is_an_id(fixture: str, request: pytest.FixtureRequest) -> None:
    result: ImportResult = request.getfixturevalue(fixture)
    names = list(Opportunity.objects.filter(release=result.release).values_list("name", flat=True))
    names += list(School.objects.filter(release=result.release).values_list("name", flat=True))
    assert names and all(n.strip() for n in names)
    assert [n for n in names if re.search(r"OSM (?:way|node|relation)|H3 cell|\(OSM", n)] == []
    grid_schools = School.objects.filter(release=result.release, source__endswith="hexgrid")
    assert grid_schools.exists() and all(
        re.match(r"^\d+ schools? near \S", s.name) for s in grid_schools
    )  # every cell is near a street
