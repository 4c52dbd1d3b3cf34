"""`import_opportunities`: every good catalogue row loads, every bad one is rejected with its reason."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from geo.models import DataRelease, Opportunity

pytestmark = pytest.mark.django_db

TESTS = Path(__file__).resolve().parent
CITY = str(TESTS / "data" / "milan_boundaries_only.toml")
BAD = TESTS / "data" / "catalogue_bad.csv"
EXAMPLE = TESTS.parent / "data_sources" / "examples" / "catalogue_milan_example.csv"

EXPECTED_REJECTS = {
    "bad-utf8": ("name", "non-UTF-8 text"),
    "": ("id", "missing id"),
    "good-1": ("id", "duplicate id"),
    "bad-name": ("name", "missing name"),
    "bad-coords-missing": ("longitude", "missing coordinates"),
    "bad-coords-text": ("longitude", "unparseable coordinates"),
    "bad-swapped": ("latitude", "latitude/longitude swapped"),
    "bad-range": ("longitude", "coordinates out of lon/lat range"),
    "bad-outside": ("longitude", "outside the city boundary"),
    "bad-category": ("category", "unknown category"),
    "bad-pillar": ("pillars", "unknown pillar"),
    "bad-ages": ("age_min", "age_min greater than age_max"),
    "bad-price": ("price", "negative price"),
    "bad-voucher": ("voucher", "voucher is not yes/no"),
    "bad-capacity": ("capacity", "negative capacity"),
    "bad-hours": ("opening_hours", "invalid opening_hours"),
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_opportunities", *args, stdout=out)
    return out.getvalue()


def test_bad_catalogue_loads_good_rows_and_rejects_each_bad_one(tmp_path: Path) -> None:
    rejects_path = tmp_path / "rejects.csv"
    output = run(str(BAD), "--city", CITY, "--rejects", str(rejects_path))
    with BAD.open(encoding="utf-8", errors="replace") as handle:
        rows = list(csv.DictReader(handle))
    good_ids = {r["id"] for r in rows if r["id"].startswith("good-")}
    loaded = set(Opportunity.objects.filter(source="catalogue").values_list("source_id", flat=True))
    assert loaded == good_ids
    with rejects_path.open(encoding="utf-8") as handle:
        rejects = [r for r in csv.DictReader(handle) if r["source"] == "catalogue"]
    assert {r["id"]: (r["field"], r["reason"]) for r in rejects} == EXPECTED_REJECTS
    assert all(r["file"] == "catalogue_bad.csv" and int(r["row"]) >= 1 for r in rejects)
    line = next(line.split() for line in output.splitlines() if line.startswith("catalogue "))
    read, kept, rejected = int(line[1]), int(line[2]), int(line[-1])
    assert read == len(rows) == kept + rejected
    assert (kept, rejected) == (len(good_ids), len(EXPECTED_REJECTS))


def test_reimporting_creates_no_duplicates() -> None:
    run(str(BAD), "--city", CITY)
    output = run(str(BAD), "--city", CITY)
    assert "unchanged" in output
    assert DataRelease.objects.filter(city__slug="milan_boundaries").count() == 1
    assert Opportunity.objects.filter(source="catalogue").count() == 5


def test_a_second_catalogue_keeps_the_first() -> None:
    run(str(BAD), "--city", CITY)
    run(str(EXAMPLE), "--city", CITY, "--name", "milano_0_18")
    release = DataRelease.objects.filter(city__slug="milan_boundaries").order_by("-created", "-id").first()
    sources = set(release.opportunities.values_list("source", flat=True))
    assert sources == {"catalogue", "milano_0_18"}
    with EXAMPLE.open(encoding="utf-8") as handle:
        assert release.opportunities.filter(source="milano_0_18").count() == sum(1 for _ in csv.DictReader(handle))


def test_missing_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "none.csv"), "--city", CITY)


def test_catalogue_with_only_bad_rows_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "all_bad.csv"
    path.write_text("id,name,category,pillars,longitude,latitude\nx,Nome,music,fun,9.19,45.46\n", encoding="utf-8")
    with pytest.raises(CommandError, match="all 1 rows were rejected"):
        run(str(path), "--city", CITY)
    assert not DataRelease.objects.filter(city__slug="milan_boundaries").exists()
