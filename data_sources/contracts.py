"""The few frame shapes that travel between Vicino's packages.

Everything crossing a package boundary is one of these: plain (Geo)DataFrames with documented columns, never a
shared class. Geometries are always EPSG:4326 (lon/lat) at these boundaries; metric work reprojects inside.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import pandas as pd

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
#: Every router returns it (walk: ``routing.travel_times``, straight line: ``routing.straight_line``, transit:
#: ``routing.raptor`` and ``routing.distributed``); the column types are :data:`TRAVEL_TIME_TYPES`.
TRAVEL_TIME_COLUMNS: list[str] = ["from_id", "to_id", "travel_time"]

#: Column → (dtype, nullable, meaning) of the travel-time table. ``from_id`` / ``to_id`` are the ids given to the
#: router (strings or integers, as given; never missing). ``travel_time`` is float seconds, never NaN: a pair
#: appears only when it is within the cutoff (for transit: its *median* over the departure minutes is). Transit
#: tables add one column per requested percentile, named by :func:`percentile_column` (``travel_time_p5`` …
#: ``travel_time_p95``): float seconds, NaN where that percentile lies beyond the cutoff. Rows are unique per
#: ``(from_id, to_id)`` and sorted by ``from_id`` then ``travel_time``; ``frame.attrs["method"]`` says how they
#: were computed (``"network"``, ``"straight_line"``, …).
TRAVEL_TIME_TYPES: dict[str, tuple[str, bool, str]] = {
    "from_id": ("object or int64", False, "origin id, as given"),
    "to_id": ("object or int64", False, "destination id, as given"),
    "travel_time": ("float64", False, "seconds (transit: the median over the departures)"),
    "travel_time_p<p>": ("float64", True, "seconds at percentile p over the departures; NaN beyond the cutoff"),
}

#: The name prefix of a travel-time percentile column.
PERCENTILE_PREFIX = "travel_time_p"


def percentile_column(p: float) -> str:
    """The column of a percentile: ``travel_time_p5``, ``travel_time_p50``, ``travel_time_p2.5``."""
    return f"{PERCENTILE_PREFIX}{p:g}"


class FeedTables(Protocol):
    """A validated GTFS feed as the timetable builders read it (:class:`data_sources.gtfs.GtfsFeed` is one).

    ``routing`` takes feeds by this shape and never imports ``data_sources.gtfs``. Each table is a DataFrame with
    at least these columns (strings unless said; no missing ids):

    ================ ===========================================================================================
    table            columns
    ================ ===========================================================================================
    ``stops``        ``stop_id``; ``stop_lat``, ``stop_lon``: float (WGS84); optional ``stop_name``
    ``trips``        ``trip_id``, ``route_id``, ``service_id``
    ``stop_times``   ``trip_id``, ``stop_id``; ``stop_sequence``: int; ``arrival_time``, ``departure_time``:
                     ``Int64`` seconds since the service day's midnight (may pass 86,400), ``<NA>`` where the
                     stop is untimed (a trip's first and last stops are always timed); optional
                     ``shape_dist_traveled`` (float, NaN where absent), ``pickup_type``, ``drop_off_type``
                     (``"1"`` forbids); rows grouped by trip in ``stop_sequence`` order
    ``calendar``     ``service_id``; ``monday`` … ``sunday``: bool; ``start_date``, ``end_date``: datetime64
                     (inclusive); may be empty
    ``calendar_dates`` ``service_id``; ``date``: datetime64; ``exception_type``: int (1 added, 2 removed)
    ``frequencies``  ``trip_id``; ``start_time`` < ``end_time``: int seconds; ``headway_secs``: int > 0;
                     ``exact_times``: int 0/1
    ================ ===========================================================================================

    ``name`` is the feed's short name, which prefixes its ids when feeds are merged (``"poa_eptc:1511"``).
    """

    name: str
    stops: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
