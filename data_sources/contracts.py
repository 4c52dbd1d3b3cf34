"""The few frame shapes that travel between Vicino's packages.

Everything crossing a package boundary is one of these: plain (Geo)DataFrames with documented columns, never a
shared class. Geometries are always EPSG:4326 (lon/lat) at these boundaries; metric work reprojects inside.
"""

from __future__ import annotations

from enum import StrEnum

WGS84 = "EPSG:4326"


class Category(StrEnum):
    """The five WISH-MI opportunity categories."""

    ARTS = "arts"
    HEALTH = "health"
    EDUCATION = "education"
    SPORT = "sport"
    STEM = "stem"


class Pillar(StrEnum):
    """The seven WISH-MI wellbeing pillars."""

    SOCIAL_RELATIONS = "social_relations"
    PHYSICAL_ACTIVITY = "physical_activity"
    HEALTHCARE = "healthcare"
    EDUCATION_TRAINING = "education_training"
    TALENTS_CREATIVITY = "talents_creativity"
    SELF_DETERMINATION = "self_determination"
    COMMON_SPACES = "common_spaces"


CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
PILLARS: tuple[str, ...] = tuple(p.value for p in Pillar)

#: An opportunities GeoDataFrame (points, EPSG:4326). ``id`` is unique within ``source``; ``pillars`` is a
#: ``;``-separated string of :class:`Pillar` values; numbers may be missing (NaN) where a source has none.
OPPORTUNITY_COLUMNS: list[str] = [
    "id",
    "source",
    "name",
    "provider",
    "category",
    "pillars",
    "kind",
    "age_min",
    "age_max",
    "price",
    "voucher",
    "opening_hours",
    "capacity",
    "address",
    "website",
    "geometry",
]

#: The longest text (characters) each text column may hold; the database stores exactly this much. A longer
#: value rejects its row (file, row, field), never a silent cut.
TEXT_LIMITS: dict[str, int] = {
    "id": 128,
    "code": 64,
    "name": 300,
    "provider": 300,
    "kind": 120,
    "pillars": 200,
    "opening_hours": 500,
    "address": 300,
    "website": 500,
    "level": 64,
    "management": 16,
    "operator": 120,
    "nil": 200,
}
#: Zone names are shorter (the neighbourhood table's limit).
ZONE_NAME_LIMIT = 200

#: A schools GeoDataFrame (points, EPSG:4326).
SCHOOL_COLUMNS: list[str] = ["id", "source", "name", "level", "address", "capacity", "geometry"]

#: Neighbourhoods or other zones (MultiPolygons, EPSG:4326). ``level`` is e.g. ``nil`` or ``municipio``.
ZONE_COLUMNS: list[str] = ["code", "name", "level", "geometry"]

#: Population zones (census sections, grid cells) with youth counts by age band.
POPULATION_COLUMNS: list[str] = [
    "id",
    "kind",
    "population",
    "age_0_4",
    "age_5_9",
    "age_10_14",
    "age_15_17",
    "youth_0_17",
    "geometry",
]

#: Transit stops (points, EPSG:4326).
STOP_COLUMNS: list[str] = ["id", "feed", "name", "geometry"]

#: The one travel-time contract (as r5py): a long, sparse table; seconds; only pairs within the cutoff.
TRAVEL_TIME_COLUMNS: list[str] = ["from_id", "to_id", "travel_time"]
