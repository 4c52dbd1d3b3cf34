"""ATM's service summaries for Milan (winter 2021-22): read whole, rebuilt into a frequency timetable, and used.

Expected counts come from the files themselves (read here with the csv module) and from SOURCES.md (22,951 weekday
surface trips); the M5 headway and run time are worked out by hand from its rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from django.test import Client

from data_sources.atm_summary import (
    MILAN_COMMERCIAL_SPEEDS_KMH,
    feed_from_summary,
    summary_from_atm_folder,
)
from routing.timetable import timetable_from_feeds

FOLDER = "milan/transit/atm_service_summary_2021_22"
NOTE = "estimated from service summaries (ATM, winter 2021-22)"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def summary(data_dir: Path):  # type: ignore[no-untyped-def]
    return summary_from_atm_folder(data_dir / FOLDER)


def test_every_row_of_the_eight_files_loads(summary, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    folder = data_dir / FOLDER
    assert len(summary.report.rejects) == 0
    assert len(summary.stops) == len(_rows(folder / "tpl_fermate.csv")) + len(_rows(folder / "tpl_metrofermate.csv"))
    assert len(summary.variants) == 419 + 31
    assert len(summary.services) == 1084 + 87
    surface_weekday = sum(int(r["corse_gior"]) for r in _rows(folder / "tpl_orari.csv") if r["tipo_giorno"] == "L")
    assert surface_weekday == 22_951  # SOURCES.md
    assert summary.period == "INV2021-2022"


def test_m5_peak_headway_and_run_time_by_hand(summary, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    feed = feed_from_summary(summary, MILAN_COMMERCIAL_SPEEDS_KMH)
    variant = next(r for r in _rows(data_dir / FOLDER / "tpl_metropercorsi.csv") if r["percorso"] == "100084")
    # Weekday: 05:40-00:25, 279 trips, 39 in the peak band 07:00-09:00: 7,200 / 39 = 184.6 -> every 185 s.
    windows = feed.frequencies[feed.frequencies["trip_id"] == "M100084/L"]
    peak = windows[windows["start_time"] == 7 * 3600]
    assert peak[["end_time", "headway_secs"]].values.tolist() == [[7 * 3600 + 39 * 185, 185]]
    assert windows["end_time"].max() <= 24 * 3600 + 25 * 60 + 185  # ends near the last departure, 00:25
    # Run time: lung_km / 30 km/h.
    times = feed.stop_times[feed.stop_times["trip_id"] == "M100084/L"]["departure_time"]
    assert times.iloc[-1] == round(float(variant["lung_km"]) / 30 * 3600)
    assert len(times) == int(variant["num_ferm"])


def test_the_weekday_timetable(summary) -> None:  # type: ignore[no-untyped-def]
    feed = feed_from_summary(summary, MILAN_COMMERCIAL_SPEEDS_KMH)
    timetable = timetable_from_feeds(feed, dt.date(2021, 9, 15), window_start_s=7 * 3600, window_end_s=9 * 3600)
    assert timetable.n_stops > 4_000 and timetable.n_patterns > 300
    metro = [i for i, s in enumerate(timetable.stop_ids) if s.split(":")[1].startswith("M")]
    assert len(metro) > 100  # the metro stations are served
    sunday = timetable_from_feeds(feed, dt.date(2021, 9, 19), window_start_s=7 * 3600, window_end_s=9 * 3600)
    assert 0 < sunday.n_trips < timetable.n_trips  # holiday service (F) is thinner


def test_a_broken_row_is_reported_with_file_row_and_field(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "atm"
    shutil.copytree(data_dir / FOLDER, folder)
    lines = (folder / "tpl_orari.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(";")
    fields[5] = "7h05"  # inizio
    lines[3] = ";".join(fields)
    (folder / "tpl_orari.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = summary_from_atm_folder(folder)
    assert [(r.file, r.row, r.field) for r in broken.report.rejects] == [("tpl_orari.csv", 3, "inizio")]
    assert len(broken.services) == 1084 + 87 - 1


@pytest.mark.django_db
def test_a_milan_school_reaches_more_by_transit_and_says_it_is_an_estimate(milan_loaded, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    schools = json.loads((data_dir / "milan/schools/primary_schools_2014_2024.geojson").read_text(encoding="utf-8"))
    school = next(f for f in schools["features"] if str(f["properties"]["ANNOSCOL"]) == "2324")
    lon, lat = school["geometry"]["coordinates"]
    client = Client()
    # The whole lists (at most 1,000 a page): every walking result must be among the transit ones.
    base = f"/api/v1/cities/milan/opportunities?near={lon},{lat}&minutes=30&age=12&open_at=we 15:00&limit=1000"
    walk = client.get(base + "&mode=walk").json()
    transit = client.get(base + "&mode=transit", HTTP_ACCEPT_LANGUAGE="en").json()
    assert transit["properties"]["total"] > walk["properties"]["total"]
    assert transit["properties"]["count"] == transit["properties"]["total"] <= 1000
    assert NOTE in transit["properties"]["estimate_note"]
    assert "straight line" in transit["properties"]["estimate_note"]
    # Results reached on foot say so (a walk); those reached by transit carry the estimate in their explanation.
    by_transit = [f for f in transit["features"] if f["properties"]["way"] == "transit"]
    assert by_transit and all(NOTE in f["properties"]["explanation"] for f in by_transit)
    minutes = {f["id"]: f["properties"]["minutes"] for f in transit["features"]}
    for feature in walk["features"]:  # never worse than walking
        assert minutes[feature["id"]] <= feature["properties"]["minutes"] + 0.05
    italian = client.get(base + "&mode=transit", HTTP_ACCEPT_LANGUAGE="it").json()
    assert "stima dai riepiloghi del servizio ATM, inverno 2021-22" in italian["properties"]["estimate_note"]
    areas = client.get(f"/api/v1/cities/milan/isochrones?near={lon},{lat}&minutes=10,20,30&age=12&mode=transit")
    assert areas.status_code == 200
    body = areas.json()
    assert [f["properties"]["minutes"] for f in body["features"]] == [30, 20, 10]
    assert NOTE in body["properties"]["estimate_note"] or "stima" in body["properties"]["estimate_note"]
