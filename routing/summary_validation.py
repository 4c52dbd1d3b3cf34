"""How far travel times from a timetable rebuilt from service summaries stray from those of the real timetable.

Both timetables are routed by the same range RAPTOR, with the same straight-line walking legs
(:mod:`routing.straight_line_links`), between the same places over the same departures, so that the only
difference is the timetable. Compared: the median travel time over the departures of every pair that either
timetable reaches within ``max_trip_s`` (a pair reached by one only counts at ``max_trip_s`` for the other), and
separately the pairs where the real timetable's transit beats walking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.raptor import travel_time_samples
from routing.straight_line_links import PlacesXY, straight_line_links
from routing.timetable import FeedTables, timetable_from_feeds

__all__ = ["TimetableComparison", "compare_timetables"]


@dataclass(frozen=True)
class TimetableComparison:
    """Absolute differences (minutes) between the two timetables' median travel times."""

    pairs: int
    median_abs_min: float
    p90_abs_min: float
    within_5_min: float
    transit_pairs: int
    transit_median_abs_min: float
    transit_p90_abs_min: float
    transit_within_5_min: float
    mean_signed_min: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def compare_timetables(
    real: Sequence[FeedTables],
    estimated: Sequence[FeedTables],
    date: object,
    places: PlacesXY,
    metric_crs: int | str,
    *,
    window: tuple[int, int] = (7 * 3600, 9 * 3600),
    step_s: int = 300,
    max_trip_s: int = 3600,
    origins: np.ndarray | None = None,
) -> TimetableComparison:
    """Compare the median travel times between ``places`` under the real and the estimated timetables.

    ``origins`` (indices into ``places``) restricts the origins; every place is a destination.
    """
    departures = np.arange(window[0], window[1], step_s, dtype=np.int32)
    chosen = places if origins is None else PlacesXY(places.ids[origins], places.xy[origins])
    real_t, walk_t, _ = _medians_from(real, date, window, departures, chosen, places, metric_crs, max_trip_s)
    est_t, _, _ = _medians_from(estimated, date, window, departures, chosen, places, metric_crs, max_trip_s)
    real_t = np.minimum(real_t, max_trip_s)
    est_t = np.minimum(est_t, max_trip_s)
    either = (real_t < max_trip_s) | (est_t < max_trip_s)
    diff = (est_t - real_t)[either] / 60
    transit = either & (real_t < np.minimum(walk_t, max_trip_s))
    tdiff = np.abs(est_t - real_t)[transit] / 60
    absolute = np.abs(diff)
    return TimetableComparison(
        pairs=int(either.sum()),
        median_abs_min=float(np.median(absolute)),
        p90_abs_min=float(np.percentile(absolute, 90)),
        within_5_min=float((absolute <= 5).mean()),
        transit_pairs=int(transit.sum()),
        transit_median_abs_min=float(np.median(tdiff)) if len(tdiff) else float("nan"),
        transit_p90_abs_min=float(np.percentile(tdiff, 90)) if len(tdiff) else float("nan"),
        transit_within_5_min=float((tdiff <= 5).mean()) if len(tdiff) else float("nan"),
        mean_signed_min=float(diff.mean()),
    )


def _medians_from(feeds, date, window, departures, origins, destinations, metric_crs, max_trip_s):  # type: ignore[no-untyped-def]
    """Median over departures (origins × destinations, seconds) and the walk-only times."""
    timetable = timetable_from_feeds(list(feeds), date, window_start_s=window[0], window_end_s=window[1],
                                     max_trip_s=max_trip_s)  # fmt: skip
    links = straight_line_links(timetable, origins, destinations, metric_crs)
    samples = travel_time_samples(timetable, links, departures, max_trip_s=max_trip_s, threads=1).astype(float)
    walk = np.full((len(origins), len(destinations)), np.inf)
    for o in range(len(origins)):
        a, b = links.walk_ptr[o], links.walk_ptr[o + 1]
        walk[o, links.walk_dest[a:b]] = links.walk_s[a:b]
    return np.median(samples, axis=1), walk, timetable
