"""The served release is always complete: a new import is published only once it has the served one's layers.

São Paulo (small: 323 H3 cells) is loaded and given one layer; a second import (the same feed re-zipped, so the
inputs' hash differs) must not replace it until compute_access has made that layer for it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from tests.conftest import DATA_DIR

SPO_GTFS = DATA_DIR / "sao_paulo" / "spo_gtfs.zip"


def rezipped_feed(target: Path) -> Path:
    """SPO's feed with the same tables in a new zip (another file hash, so another release)."""
    with zipfile.ZipFile(SPO_GTFS) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.namelist():
            out.writestr(member, source.read(member))
    return target


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def served_layers(client: Client) -> list[str]:
    response = client.get("/api/v1/cities/sao_paulo/layers/")
    assert response.status_code == 200
    return [layer["name"] for layer in response.json()["layers"]]


@pytest.mark.django_db(transaction=True)
def test_new_import_waits_for_its_layers(tmp_path: Path) -> None:
    from geo.models import City, DataRelease

    client = Client()
    # Layers are the analysts' group (login or token by default, README "Who can see what").
    client.force_login(User.objects.get_or_create(username="layers-analyst")[0])
    first_out = run("load_city", "sao_paulo", "--rejects", str(tmp_path / "r1.csv"))
    city = City.objects.get(slug="sao_paulo")
    first = city.current_release()
    assert first is not None and "is published" in first_out  # nothing served before: published at once
    run("compute_access", "sao_paulo", "--origins", "h3", "--profile", "age_11_13")
    assert served_layers(client) == ["walk_age_11_13_h3"]

    out = run("load_city", "sao_paulo", "--gtfs", str(rezipped_feed(tmp_path / "spo.zip")), "--rejects",
              str(tmp_path / "r2.csv"))  # fmt: skip
    second = city.latest_release()
    assert second.pk != first.pk and second.status == DataRelease.Status.LOADED
    assert city.current_release() == first
    assert served_layers(client) == ["walk_age_11_13_h3"]  # the planner keeps its layers
    assert f"Release {second.pk} is loaded but not published" in out
    assert "walk_age_11_13_h3" in out and "compute_access sao_paulo --mode walk" in out

    out = run("compute_access", "sao_paulo", "--origins", "h3", "--profile", "age_11_13")
    assert f"Release {second.pk} is published" in out
    assert city.current_release() == second
    assert served_layers(client) == ["walk_age_11_13_h3"]
    assert second.access_layers.count() == 1 and first.access_layers.count() == 1


@pytest.mark.django_db(transaction=True)
def test_incomplete_release_waits_unless_forced(tmp_path: Path) -> None:
    from geo.models import City

    run("load_city", "sao_paulo", "--rejects", str(tmp_path / "r1.csv"))
    run("compute_access", "sao_paulo", "--origins", "h3", "--profile", "age_11_13")
    city = City.objects.get(slug="sao_paulo")
    first = city.current_release()
    run("load_city", "sao_paulo", "--gtfs", str(rezipped_feed(tmp_path / "spo.zip")), "--rejects",
        str(tmp_path / "r2.csv"))  # fmt: skip
    out = run("compute_access", "sao_paulo", "--origins", "h3", "--profile", "adult")
    assert "not published" in out and "walk_age_11_13_h3" in out
    assert city.current_release() == first
    out = run("compute_access", "sao_paulo", "--origins", "h3", "--profile", "adult", "--publish")
    assert city.current_release() != first and "is published" in out
