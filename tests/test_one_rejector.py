"""One rejector for every reader, the GTFS checks included: rows, reasons and values shown the same way.

Hand-built frames: which rows go, with which row number, reason, value and id, is worked out by hand.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from data_sources.gtfs import feed_from_path
from data_sources.rejects import RejectReport
from data_sources.validation import Rejector


def _rejects(report: RejectReport) -> list[tuple[int | None, str, str, str, str]]:
    return [(r.row, r.field, r.reason, r.value, r.id) for r in report]


def test_rows_numbered_by_the_index_with_values_escaped_and_missing_values_empty() -> None:
    report = RejectReport()
    frame = pd.DataFrame(
        {"id": ["a", "b\udce9", None], "name": ["ok", "caf\udce9", "  "]}, index=[3, 5, 9], dtype=object
    )
    reject = Rejector(report, "schools", "dir/schools.csv", id_field="id")

    kept = reject(frame, pd.Series([True, False], index=[5, 9]), "name", "bad name")

    assert kept.index.tolist() == [3, 9]
    assert _rejects(report) == [(5, "name", "bad name", "caf\\xe9", "b\\xe9")]
    assert report.rejects[0].file == "schools.csv"
    kept = reject(kept, np.array([False, True]), "name", "missing name")
    assert kept.index.tolist() == [3]
    assert _rejects(report)[1] == (9, "name", "missing name", "", "")


def test_rows_numbered_by_a_column_with_reasons_and_values_per_row() -> None:
    report = RejectReport()
    frame = pd.DataFrame(
        {"_row": [1, 2, 3, 4], "trip_id": ["T1", "T1", "T2", "T\udcff"], "t": ["08:00", "07:00", "x", "y"]},
        index=[10, 11, 12, 13],
        dtype=object,
    ).iloc[[3, 0, 2, 1]]
    reject = Rejector(report, "feed.zip/stop_times.txt", "feed.zip/stop_times.txt", "trip_id", row_field="_row")
    reasons = np.array(["r4", "r1", "r3", "r2"], dtype=object)

    kept = reject(frame, np.array([True, False, False, True]), "t", reasons, lambda bad: bad["t"] + "!")

    assert kept["_row"].tolist() == [1, 3]
    assert _rejects(report) == [(4, "t", "r4", "y!", "T\\xff"), (2, "t", "r2", "07:00!", "T1")]
    assert report.rejects[0].file == "stop_times.txt"
    values = np.array(["", "first", "third"], dtype=object)
    kept = reject(kept, [False, True], "t", "late", values[1:])
    assert _rejects(report)[2] == (3, "t", "late", "third", "T2")
    assert len(kept) == 1


def test_a_mask_that_selects_nothing_returns_the_same_frame() -> None:
    report = RejectReport()
    frame = pd.DataFrame({"x": [1, 2]})
    assert Rejector(report, "s", "f.csv")(frame, np.zeros(2, dtype=bool), "x", "never") is frame
    assert len(report) == 0


def test_gtfs_rejects_keep_hostile_values_as_text_and_the_reject_csv_neutralises_formulas(tmp_path: Path) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    tables = {
        "agency.txt": [["agency_id", "agency_name", "agency_url", "agency_timezone"], ["A", "A", "http://a", "UTC"]],
        "stops.txt": [
            ["stop_id", "stop_name", "stop_lat", "stop_lon"],
            ["S1", "One", "45.0", "9.0"],
            ["S2", "Two", '=HYPERLINK("http://x")', "9.0"],
            ["S3", "Three", "45.1", "9.1"],
        ],
    }
    for name, rows in tables.items():
        with open(feed_dir / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    zipped = tmp_path / "hostile.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in feed_dir.iterdir():
            archive.write(path, path.name)

    feed = feed_from_path(zipped)

    assert _rejects(feed.report) == [(2, "stop_lat", "stop_lat is not a number", '=HYPERLINK("http://x")', "S2")]
    with feed.report.to_csv(tmp_path / "rejects.csv").open(encoding="utf-8", newline="") as handle:
        (written,) = csv.DictReader(handle)
    assert written["value"] == '\'=HYPERLINK("http://x")'
