"""`load_city --gtfs`: the given feed(s) replace all of the city's configured GTFS feeds (Porto Alegre has two)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import DATA_DIR

TRENSURB = DATA_DIR / "porto_alegre" / "poa_trensurb.zip"
EPTC = DATA_DIR / "porto_alegre" / "poa_eptc.zip"


@pytest.mark.django_db(transaction=True)
def test_one_feed_replaces_both_of_porto_alegre(tmp_path: Path) -> None:
    from geo.models import City

    out = io.StringIO()
    call_command("load_city", "porto_alegre", "--gtfs", str(TRENSURB), "--rejects", str(tmp_path / "r.csv"), stdout=out)
    release = City.objects.get(slug="porto_alegre").releases.get()
    feeds = list(release.transit_feeds.values_list("name", "path"))
    assert feeds == [("gtfs_poa_trensurb", str(TRENSURB))]
    # Trensurb's stops.txt has 24 rows (ENVIRONMENT-NOTES.md); every one is stored.
    assert release.transit_feeds.get().stops.count() == 24
    assert "gtfs_eptc" not in release.inputs and "gtfs_trensurb" not in release.inputs


@pytest.mark.django_db(transaction=True)
def test_repeated_flag_gives_every_feed(tmp_path: Path) -> None:
    from geo.models import City

    call_command(
        "load_city", "porto_alegre", "--gtfs", str(TRENSURB), "--gtfs", str(EPTC),
        "--rejects", str(tmp_path / "r.csv"), stdout=io.StringIO(),
    )  # fmt: skip
    release = City.objects.get(slug="porto_alegre").releases.get()
    assert sorted(release.transit_feeds.values_list("name", flat=True)) == ["gtfs_poa_eptc", "gtfs_poa_trensurb"]


@pytest.mark.django_db
def test_a_missing_feed_names_itself(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nope.zip"):
        call_command("load_city", "porto_alegre", "--gtfs", str(tmp_path / "nope.zip"), stdout=io.StringIO())
