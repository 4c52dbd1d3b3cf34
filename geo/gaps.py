"""The planner's gap table: which zones have the most young people without access to a category.

It is the same computation as the mission ranking (:func:`layers.siting.rank_missions`: people × weight ×
(1 − share who reach the category within 15 minutes)), on the zones the planner's map shows, so the page never
recomputes unmet need on its own. Where a city has no age data (Porto Alegre), the people counted are all its
residents, and the table says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.models import DataRelease
from layers.siting import rank_missions

#: The travel-time threshold of the access shares the table ranks on.
GAP_MINUTES = 15


def has_age_data(release: DataRelease) -> bool:
    """Whether the release knows how many of its residents are 0–17 (else: residents, no age data)."""
    return release.population_zones.filter(youth_0_17__isnull=False).exists()


def gap_rows(zones: dict[str, Any], category: str, *, age_data: bool, top: int = 10) -> list[dict[str, Any]]:
    """The ``top`` zones of a zone collection (see :func:`geo.catalog.zones_with_indicators`) by people without
    access to ``category`` within :data:`GAP_MINUTES`, highest first.

    Each row: ``code``, ``name``, ``people`` (youth 0–17, or residents when ``age_data`` is False; whole),
    ``access_share`` (0–1 of them reaching the category), ``without_access`` (people × (1 − share), whole),
    ``rank``. Zones without a share (no layer) are left out; an empty list when none has one.
    """
    share = f"{category}_youth_share_{GAP_MINUTES}"
    count = f"{category}_within_{GAP_MINUTES}"
    records = []
    for feature in zones.get("features", []):
        p = feature["properties"]
        people = p.get("youth_0_17") if age_data else p.get("population")
        if people is None:
            continue
        if p.get(share) is not None:
            reached = float(p[share])
        elif p.get(count) is not None and zones.get("properties", {}).get("level") == "h3":
            # A grid cell is measured from its one origin point: its people all reach the category, or none do.
            reached = 1.0 if float(p[count]) > 0 else 0.0
        else:
            continue
        records.append({"zone": p["code"], "name": p.get("name") or p["code"], "youth": float(people),
                        "vulnerability": 1.0, f"access_{category}": reached})  # fmt: skip
    if not records:
        return []
    frame = pd.DataFrame(records).set_index("zone")
    ranked = rank_missions(frame, categories=[category], max_time_min=GAP_MINUTES, top=top)
    return [
        {
            "code": str(row["zone"]),
            "name": str(row["name"]),
            "people": round(float(row["youth"])),
            "access_share": float(row["access_share"]),
            "without_access": round(float(row["unmet_need"])),
            "rank": int(row["rank"]),
        }
        for _, row in ranked.iterrows()
    ]
