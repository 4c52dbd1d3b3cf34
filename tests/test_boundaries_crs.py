"""Boundaries in the wrong CRS: projected coordinates with no CRS, and degrees declared as EPSG:3857.

Both are built from Milan's real 88 NIL (shared data): one reprojected to UTM 32N and saved without a CRS, one
kept in degrees but declaring EPSG:3857 (which would put every NIL near 0°, 0°). Each stops the import with a
message naming the file, the declared CRS and where the geometries fell; nothing is loaded.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from data_sources.boundaries import zones_from_file
from data_sources.errors import CRSError
from tests.conftest import DATA_DIR

NIL = DATA_DIR / "milan" / "boundaries" / "nil_88_pgt2030_ds964.geojson"
MILAN_CENTRE = (9.19, 45.464)


def nil_projected_without_crs(target: Path) -> Path:
    import geopandas as gpd

    frame = gpd.read_file(NIL).to_crs(32632)
    document = json.loads(frame.to_json())
    document.pop("crs", None)
    target.write_text(json.dumps(document))
    return target


def nil_degrees_declared_3857(target: Path) -> Path:
    document = json.loads(NIL.read_text())
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    target.write_text(json.dumps(document))
    return target


def test_projected_without_crs_is_a_clear_error(tmp_path: Path) -> None:
    path = nil_projected_without_crs(tmp_path / "nil_utm.geojson")
    with pytest.raises(
        CRSError,
        match=r"nil_utm.geojson has coordinates that are not longitude/latitude .bounds 503175, 5025930.*projected",
    ):
        zones_from_file(path, level="nil", code_field="ID_NIL", name_field="NIL", center=MILAN_CENTRE)


def test_degrees_declared_as_3857_are_refused(tmp_path: Path) -> None:
    path = nil_degrees_declared_3857(tmp_path / "nil_3857.geojson")
    with pytest.raises(CRSError) as error:
        zones_from_file(path, level="nil", code_field="ID_NIL", name_field="NIL", center=MILAN_CENTRE)
    message = str(error.value)
    assert "nil_3857.geojson (declared CRS: EPSG:3857)" in message
    assert "88 of 88 zones fall more than 50 km from the city's centre (9.1900, 45.4640)" in message
    # Milan's 9.1–9.3 "metres" east and 45.4–45.5 north of 0°, 0° are 8e-5 and 4.1e-4 degrees there.
    assert "lon 0.0001 to 0.0001, lat 0.0004 to 0.0004" in message


def test_a_stray_zone_is_rejected_and_the_others_load(tmp_path: Path) -> None:
    document = json.loads(NIL.read_text())
    stray = document["features"][0]

    # Move the first NIL 100 km south (about 0.9 degrees of latitude).
    def shift(coords: list) -> list:
        return [shift(c) for c in coords] if isinstance(coords[0], list) else [coords[0], coords[1] - 0.9]

    stray["geometry"]["coordinates"] = shift(stray["geometry"]["coordinates"])
    path = tmp_path / "nil_stray.geojson"
    path.write_text(json.dumps(document))
    zones, report = zones_from_file(path, level="nil", code_field="ID_NIL", name_field="NIL", center=MILAN_CENTRE)
    assert len(zones) == 87
    assert len(report) == 1
    reject = report.rejects[0]
    assert (reject.row, reject.field) == (1, "geometry")
    assert reject.reason.startswith("outside the city")
    assert report.read_counts["nil"] == len(zones) + len(report)


@pytest.mark.django_db(transaction=True)
def test_load_city_says_so_without_a_traceback(tmp_path: Path) -> None:
    path = nil_degrees_declared_3857(tmp_path / "nil_3857.geojson")
    with pytest.raises(CommandError, match="nil_3857.geojson .declared CRS: EPSG:3857."):
        call_command("load_city", "milan", "--source", f"nil={path}", stdout=io.StringIO())
    projected = nil_projected_without_crs(tmp_path / "nil_utm.geojson")
    with pytest.raises(CommandError, match="nil_utm.geojson has coordinates that are not longitude/latitude"):
        call_command("load_city", "milan", "--source", f"nil={projected}", stdout=io.StringIO())
    from geo.models import Neighbourhood

    assert not Neighbourhood.objects.exists()
