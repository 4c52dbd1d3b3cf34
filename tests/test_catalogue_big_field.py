"""A 5 MB field rejects its own row (file, row, field), and the other rows of the catalogue load.

The catalogue is the shipped Milan example with one row's name made 5,000,000 characters long (CSV) and the same
in a GeoJSON version; the limits are data_sources.contracts.TEXT_LIMITS (name: 300 characters).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from data_sources.catalogue import catalogue_from_file
from data_sources.contracts import TEXT_LIMITS
from data_sources.validation import TOO_LONG
from tests.conftest import REPO

EXAMPLE = REPO / "data_sources" / "examples" / "catalogue_milan_example.csv"
BIG = 5_000_000


def example_rows() -> tuple[list[str], list[dict[str, str]]]:
    with EXAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_csv_big_name_rejects_only_its_row(tmp_path: Path) -> None:
    header, rows = example_rows()
    rows[2]["name"] = "A" * BIG
    path = write_csv(tmp_path / "big.csv", header, rows)
    frame, report = catalogue_from_file(path)
    assert len(frame) == len(rows) - 1
    assert rows[2]["id"] not in set(frame["id"])
    (reject,) = report.rejects
    assert (reject.file, reject.row, reject.field, reject.reason) == ("big.csv", 3, "name", TOO_LONG)
    assert reject.value.startswith("5,000,000 characters, at most 300: AAAA")
    assert report.read_counts["catalogue"] == len(frame) + len(report)


@pytest.mark.parametrize("field", ["name", "provider", "address", "opening_hours", "website", "kind", "id"])
def test_every_limited_field_over_its_limit_is_rejected_at_the_limit_plus_one(tmp_path: Path, field: str) -> None:
    header, rows = example_rows()
    limit = TEXT_LIMITS[field]
    rows[0][field] = "x" * limit  # exactly at the limit: fine (checked below by the row count)
    rows[1][field] = "y" * (limit + 1)
    if field == "opening_hours":
        rows[0][field] = ""  # an at-limit opening_hours would be invalid syntax, which is another reason
    path = write_csv(tmp_path / "limits.csv", header, rows)
    frame, report = catalogue_from_file(path)
    assert [(r.row, r.field, r.reason) for r in report] == [(2, field, TOO_LONG)]
    assert len(frame) == len(rows) - 1


def test_geojson_big_name_rejects_only_its_feature(tmp_path: Path) -> None:
    header, rows = example_rows()
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in row.items() if k not in {"longitude", "latitude"}},
            "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
        }
        for row in rows
    ]
    features[0]["properties"]["address"] = "via " + "B" * BIG
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    frame, report = catalogue_from_file(path)
    assert [(r.row, r.field, r.reason) for r in report] == [(1, "address", TOO_LONG)]
    assert len(frame) == len(rows) - 1
