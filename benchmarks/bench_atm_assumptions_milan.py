"""What Milan's two unpublished inputs change: the band length and the commercial speeds.

Milan's timetable rebuilt from ATM's summaries with the assumed two-hour bands and speeds is compared with the same
summaries rebuilt under one-hour bands, and under speeds 20 % lower and higher, by
:func:`routing.summary_validation.compare_timetables` (same RAPTOR, straight-line walks) between the 88 NIL centroids,
departing 07:00-09:00 (the peak band, where band length matters most) every 5 minutes on Wednesday 2021-09-15.
Results: ``benchmarks/results/atm_assumptions_milan.json``.

Run: ``VICINO_DATA_DIR=... .venv/bin/python benchmarks/bench_atm_assumptions_milan.py`` (under a minute).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import geopandas as gpd

from data_sources.atm_summary import (
    DEFAULT_BANDS,
    MILAN_COMMERCIAL_SPEEDS_KMH,
    Band,
    feed_from_summary,
    summary_from_atm_folder,
)
from routing.straight_line_links import places_xy
from routing.summary_validation import compare_timetables

DATA = Path(os.environ.get("VICINO_DATA_DIR", "/work/shared/data")) / "milan"
DATE = dt.date(2021, 9, 15)


def main() -> None:
    summary = summary_from_atm_folder(DATA / "transit/atm_service_summary_2021_22")
    nil = gpd.read_file(DATA / "boundaries/nil_88_pgt2030_ds964.geojson").to_crs(32632)
    centroids = nil.geometry.centroid.to_crs(4326)
    places = places_xy(nil["ID_NIL"].astype(str).to_numpy(), centroids.x.to_numpy(), centroids.y.to_numpy(), 32632)
    base = [feed_from_summary(summary, MILAN_COMMERCIAL_SPEEDS_KMH)]
    one_hour = tuple(Band(b.column, b.start_s, b.start_s + 3600) for b in DEFAULT_BANDS)
    runs = {
        "one_hour_bands": [feed_from_summary(summary, MILAN_COMMERCIAL_SPEEDS_KMH, bands=one_hour)],
        "speeds_minus_20pc": [feed_from_summary(summary, {m: 0.8 * v for m, v in MILAN_COMMERCIAL_SPEEDS_KMH.items()})],
        "speeds_plus_20pc": [feed_from_summary(summary, {m: 1.2 * v for m, v in MILAN_COMMERCIAL_SPEEDS_KMH.items()})],
    }
    result: dict[str, object] = {
        "date": DATE.isoformat(),
        "window": "07:00-09:00",
        "places": len(places),
        "baseline": "two-hour bands, speeds " + json.dumps(MILAN_COMMERCIAL_SPEEDS_KMH),
    }
    for name, feeds in runs.items():
        comparison = compare_timetables(base, feeds, DATE, places, 32632, window=(7 * 3600, 9 * 3600))
        result[name] = comparison.as_dict()
        print(name, json.dumps(result[name]))
    (Path(__file__).parent / "results" / "atm_assumptions_milan.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
