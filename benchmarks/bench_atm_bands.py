"""Where ATM's three time bands lie: fit their hours to the service summaries (no publisher documentation).

For each band (peak, off-peak, evening) and each candidate window (start every 15 minutes from 04:00, length 1 to 3
hours), a variant's band count should be non-zero exactly when its service span first..last overlaps the window.
The script prints, per band and length, the best start and the share of the rows it explains, and the ratio of the
band's trips to what an even spread of the day's trips over the span would put in it (above 1: busier than the day's
average, as a peak should be). Results: ``benchmarks/results/atm_bands.json``.

Run: ``VICINO_DATA_DIR=... .venv/bin/python benchmarks/bench_atm_bands.py`` (about 2 s).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from data_sources.atm_summary import summary_from_atm_folder

FOLDER = Path(os.environ.get("VICINO_DATA_DIR", "/work/shared/data")) / "milan/transit/atm_service_summary_2021_22"


def main() -> None:
    summary = summary_from_atm_folder(FOLDER)
    rows = summary.services[summary.services["trips_day"] >= 2]
    first, last = rows["first_s"].to_numpy(float), rows["last_s"].to_numpy(float)
    # Service days start about 03:00: a first departure before then is the night after.
    early = first < 3 * 3600
    first, last = np.where(early, first + 86_400, first), np.where(early & (last < first + 86_400), last + 86_400, last)
    day = rows["trips_day"].to_numpy(float)
    result: dict[str, object] = {"rows": int(len(rows))}
    for column in ("trips_peak", "trips_offpeak", "trips_evening"):
        counts = rows[column].to_numpy(float)
        per_length = {}
        for hours in (1.0, 1.5, 2.0, 2.5, 3.0):
            best = None
            for start in np.arange(4 * 3600, 26 * 3600, 900):
                overlap = np.clip(np.minimum(last, start + hours * 3600) - np.maximum(first, start), 0, None)
                agree = float(((overlap > 0) == (counts > 0)).mean())
                even = (day - 1) * overlap / np.maximum(last - first, 1)
                candidate = (agree, -start)
                if best is None or candidate > best[0]:
                    best = (candidate, start, float(counts.sum() / max(even.sum(), 1)))
            assert best is not None
            (agree, _), start, ratio = best
            per_length[f"{hours:g}h"] = {
                "start": f"{int(start) // 3600 % 24:02d}:{int(start) % 3600 // 60:02d}",
                "rows_explained": round(agree, 4),
                "trips_vs_even_spread": round(ratio, 2),
            }
        result[column] = per_length
        print(column, json.dumps(per_length))
    out = Path(__file__).parent / "results" / "atm_bands.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
