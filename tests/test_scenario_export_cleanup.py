"""Exporting a siting scenario (CSV, GeoPackage) leaves no temporary folder behind."""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import REPO


@pytest.mark.django_db
def test_exports_leave_no_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth import get_user_model

    from data_sources.cities import city_config_from_file
    from geo.importing import import_city
    from geo.models import SitingScenario

    release = import_city(city_config_from_file(REPO / "tests" / "data" / "milan_boundaries_only.toml")).release
    scenario = SitingScenario.objects.create(
        release=release,
        name="two hubs",
        sites=[
            {"id": "a", "name": "Hub Duomo", "lon": 9.1900, "lat": 45.4642, "fixed": False},
            {"id": "b", "name": "Hub Bovisa", "lon": 9.1590, "lat": 45.5030, "fixed": True},
        ],
        result={"by_zone": {"1": {"before": 0.5, "after": 0.75}}},
    )
    client = Client()
    client.force_login(get_user_model().objects.create_user("planner", password="x-long-password-1"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    response = client.get(f"/cities/milan_boundaries/planner/scenarios/{scenario.pk}.csv")
    assert response.status_code == 200
    assert f"milan_boundaries-scenario-{scenario.pk}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name"] for r in rows] == ["Hub Duomo", "Hub Bovisa"]

    response = client.get(f"/cities/milan_boundaries/planner/scenarios/{scenario.pk}.gpkg")
    assert response.status_code == 200
    gpkg = tmp_path / "out.gpkg"
    gpkg.write_bytes(response.content)
    with sqlite3.connect(gpkg) as db:
        tables = {r[0] for r in db.execute("select table_name from gpkg_contents")}
    assert {"sites", "by_zone"} <= tables

    assert list(scratch.iterdir()) == []
