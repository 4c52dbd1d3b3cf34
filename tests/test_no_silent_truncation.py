"""Text longer than the database holds is rejected with file, row or id, and field; never cut silently.

Readers other than the catalogue (covered by test_catalogue_big_field.py): zones, schools, and what the import
stores from GTFS stops (a stops-only feed written here, loaded with Milan's boundaries).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_sources.boundaries import zones_from_file
from data_sources.contracts import TEXT_LIMITS, ZONE_NAME_LIMIT
from data_sources.schools import schools_from_file
from data_sources.validation import TOO_LONG
from tests.conftest import DATA_DIR, REPO

NIL = DATA_DIR / "milan" / "boundaries" / "nil_88_pgt2030_ds964.geojson"


def test_zone_name_over_the_limit_rejects_its_zone(tmp_path: Path) -> None:
    document = json.loads(NIL.read_text())
    document["features"][4]["properties"]["NIL"] = "N" * (ZONE_NAME_LIMIT + 1)
    path = tmp_path / "nil.geojson"
    path.write_text(json.dumps(document))
    zones, report = zones_from_file(path, level="nil", code_field="ID_NIL", name_field="NIL")
    assert [(r.row, r.field, r.reason) for r in report] == [(5, "NIL", TOO_LONG)]
    assert len(zones) == 87 and zones["name"].str.len().max() <= ZONE_NAME_LIMIT


def test_school_name_over_the_limit_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    long_name = "Scuola " + "x" * TEXT_LIMITS["name"]
    path.write_text(
        f"id,name,longitude,latitude\ns1,Scuola Primaria Isola,9.1890,45.4875\ns2,{long_name},9.2272,45.4781\n",
        encoding="utf-8",
    )
    schools, report = schools_from_file(path)
    assert list(schools["id"]) == ["s1"]
    assert [(r.row, r.id, r.field, r.reason) for r in report] == [(2, "s2", "name", TOO_LONG)]


@pytest.mark.django_db
def test_gtfs_stop_name_over_the_limit_is_rejected_not_cut(tmp_path: Path) -> None:
    from data_sources.cities import city_config_from_file
    from geo.importing import import_city
    from geo.models import TransitStop

    feed = tmp_path / "feed"
    feed.mkdir()
    long_name = "Fermata " + "y" * 400
    (feed / "stops.txt").write_text(
        f"stop_id,stop_name,stop_lat,stop_lon\na,Duomo,45.4642,9.1900\nb,{long_name},45.4781,9.2272\n",
        encoding="utf-8",
    )
    toml = (REPO / "tests" / "data" / "milan_boundaries_only.toml").read_text()
    config_path = tmp_path / "city.toml"
    config_path.write_text(toml + f'\n[sources.gtfs]\nkind = "gtfs"\nfile = "{feed}"\n', encoding="utf-8")
    result = import_city(city_config_from_file(config_path))
    assert list(TransitStop.objects.values_list("stop_id", flat=True)) == ["a"]
    (reject,) = [r for r in result.report if r.source == "feed/stops.txt"]
    assert (reject.id, reject.field, reject.reason) == ("b", "name", TOO_LONG)
    assert reject.value.startswith("408 characters, at most 300: Fermata yyy")
    assert result.counts["gtfs/stops"] == {"read": 2, "loaded": 1, "set_aside": 0, "rejected": 1}
