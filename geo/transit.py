"""Walk + transit for a release: its timetabled GTFS feeds turned into a timetable for a date and window.

Feeds are read once per process; timetables are cached per (release, date, window): at most
:data:`TIMETABLES_KEPT` per process, least recently used first out (point queries keep one per service day). A
city whose feeds have no timetables (stops and routes only) has no transit: callers say so and walk. A feed loaded
with a service-summary reader (``reader = "atm_summary"``) is rebuilt into a frequency feed, and its results carry
:func:`estimate_note`.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pandas as pd

from data_sources.atm_summary import feed_from_atm_folder
from data_sources.errors import InvalidRequestError, NoTimetablesError
from data_sources.gtfs import GtfsFeed, calendar_span_text, feed_from_path, service_ids_on
from geo.models import DataRelease, TransitFeed
from routing.timetable import Timetable, timetable_from_feeds

DEFAULT_WINDOW = (7 * 3600, 9 * 3600)
WEEKDAY_WEDNESDAY = 2


class NoServiceDayError(NoTimetablesError):
    """A timetabled feed has no day on which a service runs, or none runs on the date asked for."""


def parse_window(text: str) -> tuple[int, int]:
    """``07:00-09:00`` → seconds since midnight (start, end)."""
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise InvalidRequestError(f"window {text!r} is not HH:MM-HH:MM") from None
    seconds = (start.hour * 3600 + start.minute * 60, end.hour * 3600 + end.minute * 60)
    if seconds[1] <= seconds[0]:
        raise InvalidRequestError(f"window {text!r} ends before it starts")
    return seconds


def _feed_from_record(record: TransitFeed) -> GtfsFeed:
    """A stored feed read again: a GTFS file, or ATM's service summaries rebuilt into a frequency feed."""
    if record.counts.get("reader") == "atm_summary":
        return feed_from_atm_folder(record.path, name=record.name)
    return feed_from_path(record.path, name=record.name)


@lru_cache(maxsize=4)
def _feeds(release_id: int, input_hash: str) -> tuple[GtfsFeed, ...]:
    release = DataRelease.objects.get(pk=release_id)
    return tuple(_feed_from_record(record) for record in release.transit_feeds.filter(has_timetables=True))


def estimate_note(release: DataRelease, language: str = "en") -> str:
    """What labels results of estimated timetables ("estimated from service summaries (ATM, winter 2021-22)"):
    the notes of the release's feeds built from summaries, joined; empty when every timetable is a real one."""
    return _estimate_note(release.pk, release.input_hash, "it" if language.startswith("it") else "en")


@lru_cache(maxsize=16)
def _estimate_note(release_id: int, input_hash: str, language: str) -> str:
    """Kept per process: a release's feeds never change (every point query asked the database twice)."""
    key = "estimate_note_it" if language == "it" else "estimate_note"
    feeds = TransitFeed.objects.filter(release_id=release_id, has_timetables=True)
    return "; ".join(n for n in (r.counts.get(key, "") for r in feeds) if n)


def timetabled_feeds(release: DataRelease) -> tuple[GtfsFeed, ...]:
    """The release's feeds with timetables (read once per process)."""
    feeds = _feeds(release.pk, release.input_hash)
    if not feeds:
        raise NoTimetablesError(
            f"{release.city.name} has no transit timetables (its GTFS has stops and routes only): walking only"
        )
    return feeds


def service_date(release: DataRelease, weekday: int = WEEKDAY_WEDNESDAY, date: dt.date | None = None) -> dt.date:
    """The date to use: ``date`` if given, else the first day with the given weekday on which every feed runs.

    Raises
    ------
    NoServiceDayError
        A feed has no service day at all (its calendars cover no date), the feeds' service periods do not
        overlap, or no feed runs on ``date``.
    """
    return _service_date(release.pk, release.input_hash, weekday, date)


@lru_cache(maxsize=64)
def _service_date(release_id: int, input_hash: str, weekday: int, date: dt.date | None) -> dt.date:
    """Kept per process: a release's feeds never change, and every transit point query asks (~1 ms each)."""
    release = DataRelease.objects.select_related("city").get(pk=release_id)
    records = list(release.transit_feeds.filter(has_timetables=True).order_by("name"))
    feeds = {feed.name: feed for feed in timetabled_feeds(release)}
    for record in records:
        if record.first_service_date is None:
            raise NoServiceDayError(
                f"GTFS feed {record.name!r} ({Path(record.path).name}) of {release.city.name} has no day on "
                f"which any service runs ({calendar_span_text(feeds[record.name])}): transit cannot be computed. "
                f"Load a feed with current calendars: load_city {release.city.slug} --gtfs FEED.zip"
            )
    first = max(r.first_service_date for r in records)
    last = min(r.last_service_date for r in records)
    spans = ", ".join(f"{r.name} {r.first_service_date} to {r.last_service_date}" for r in records)
    if date is not None:
        if not any(service_ids_on(feed, date) for feed in feeds.values()):
            raise NoServiceDayError(f"no transit service of {release.city.name} runs on {date} (feeds: {spans}).")
        return date
    if first > last:
        raise NoServiceDayError(
            f"the transit feeds of {release.city.name} have no day in common ({spans}): give --date."
        )
    days = pd.date_range(first, periods=7)
    return next(d.date() for d in days if d.weekday() == weekday)


#: Timetables kept per process: a week of day timetables for point queries, plus compute windows.
TIMETABLES_KEPT = 10


@lru_cache(maxsize=TIMETABLES_KEPT)
def _timetable(release_id: int, input_hash: str, date: dt.date, start: int, end: int) -> Timetable:
    release = DataRelease.objects.get(pk=release_id)
    return timetable_from_feeds(list(timetabled_feeds(release)), date, window_start_s=start, window_end_s=end)


def timetable_for(release: DataRelease, date: dt.date, window: tuple[int, int]) -> Timetable:
    """The timetable of journeys departing in ``window`` on ``date`` (cached)."""
    timetabled_feeds(release)
    return _timetable(release.pk, release.input_hash, date, window[0], window[1])
