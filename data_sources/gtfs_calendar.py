"""GTFS calendars: which services, trips and dates run, from calendar.txt and calendar_dates.txt.

The one copy of the service-day rule, used by :mod:`data_sources.gtfs` and by :mod:`routing.timetable` (which
may import this module: it reads a feed only through :class:`~data_sources.contracts.FeedTables`). A service runs
on a date when calendar.txt has its weekday flag set and the date lies within ``start_date..end_date``
(inclusive), unless calendar_dates.txt removes that date (``exception_type`` 2); calendar_dates.txt can also
add a date (``exception_type`` 1), with or without a calendar.txt row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_sources.contracts import FeedTables

__all__ = ["WEEKDAYS", "calendar_span_text", "service_dates", "service_ids_on", "timestamp_from_date", "trips_on"]

#: calendar.txt's weekday columns, Monday first (the order of :meth:`datetime.date.weekday`).
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def timestamp_from_date(date: dt.date | str) -> pd.Timestamp:
    """A day as a midnight Timestamp, from a date or a string ``YYYY-MM-DD`` / ``YYYYMMDD``."""
    return pd.Timestamp(date).normalize()


def service_ids_on(feed: FeedTables, date: dt.date | str) -> set[str]:
    """The service ids running on one date.

    A service runs when calendar.txt has its weekday flag set on a date within ``start_date..end_date``
    (inclusive), unless calendar_dates.txt removes that date (``exception_type`` 2); calendar_dates.txt can also
    add a date (``exception_type`` 1), with or without a calendar.txt row.

    Parameters
    ----------
    feed
        A feed from :func:`data_sources.gtfs.feed_from_path`.
    date
        The day, as a :class:`datetime.date` or a string ``"2019-05-15"`` / ``"20190515"``.

    Returns
    -------
    set of str
        The running service ids (empty when none run).
    """
    day = timestamp_from_date(date)
    calendar = feed.calendar
    services: set[str] = set()
    if not calendar.empty:
        running = (
            calendar[WEEKDAYS[day.weekday()]].astype(bool)
            & (calendar["start_date"] <= day)
            & (calendar["end_date"] >= day)
        )
        services = set(calendar.loc[running, "service_id"])
    exceptions = feed.calendar_dates
    if not exceptions.empty:
        today = exceptions[exceptions["date"] == day]
        services |= set(today.loc[today["exception_type"] == 1, "service_id"])
        services -= set(today.loc[today["exception_type"] == 2, "service_id"])
    return services


def trips_on(feed: FeedTables, date: dt.date | str) -> pd.DataFrame:
    """The rows of ``feed.trips`` whose service runs on ``date`` (see :func:`service_ids_on`)."""
    return feed.trips[feed.trips["service_id"].isin(list(service_ids_on(feed, date)))]


def service_dates(feed: FeedTables) -> pd.DatetimeIndex:
    """Every date on which at least one service of the feed runs, in order.

    Parameters
    ----------
    feed
        Any :class:`~data_sources.contracts.FeedTables`; its calendar and calendar_dates are read.

    Returns
    -------
    pandas.DatetimeIndex
        Midnight of each service date (empty for a feed without calendars).
    """
    calendar, exceptions = feed.calendar, feed.calendar_dates
    bounds = [calendar["start_date"].min(), calendar["end_date"].max(), exceptions["date"].min()]
    bounds += [exceptions["date"].max()]
    known = [bound for bound in bounds if not pd.isna(bound)]
    if not known:
        return pd.DatetimeIndex([])
    days = pd.date_range(min(known), max(known), freq="D")
    active = np.zeros(len(days), dtype=bool)
    if not calendar.empty:
        patterns = calendar.drop_duplicates([*WEEKDAYS, "start_date", "end_date"])
        flags = patterns[list(WEEKDAYS)].to_numpy(dtype=bool)[:, days.day_of_week].T  # (days, patterns)
        day_values = days.to_numpy()[:, None]
        in_range = (day_values >= patterns["start_date"].to_numpy()[None, :]) & (
            day_values <= patterns["end_date"].to_numpy()[None, :]
        )
        active = (flags & in_range).any(axis=1)
    active |= days.isin(exceptions.loc[exceptions["exception_type"] == 1, "date"])
    for day in pd.DatetimeIndex(exceptions.loc[exceptions["exception_type"] == 2, "date"].unique()):
        index = days.get_loc(day)
        active[index] = active[index] and bool(service_ids_on(feed, day))
    return days[active]


def calendar_span_text(feed: FeedTables) -> str:
    """What a feed's calendars cover, in words an operator can check against the files.

    Used when a feed has no service day (:func:`service_dates` is empty): the text names the date range of
    calendar.txt and of calendar_dates.txt, and how many services each lists, e.g. ``"calendar.txt 2019-03-01 to
    2019-12-31 (3 services, no weekday flag set); calendar_dates.txt: none"``.
    """
    parts = []
    calendar, exceptions = feed.calendar, feed.calendar_dates
    if calendar.empty:
        parts.append("calendar.txt: none")
    else:
        flags = calendar[list(WEEKDAYS)].to_numpy(dtype=bool)
        detail = f"{calendar['service_id'].nunique()} services"
        if not flags.any():
            detail += ", no weekday flag set"
        elif (calendar["end_date"] < calendar["start_date"]).all():
            detail += ", every end_date before its start_date"
        parts.append(
            f"calendar.txt {calendar['start_date'].min():%Y-%m-%d} to {calendar['end_date'].max():%Y-%m-%d} ({detail})"
        )
    if exceptions.empty:
        parts.append("calendar_dates.txt: none")
    else:
        added = int((exceptions["exception_type"] == 1).sum())
        removed = int((exceptions["exception_type"] == 2).sum())
        parts.append(
            f"calendar_dates.txt {exceptions['date'].min():%Y-%m-%d} to {exceptions['date'].max():%Y-%m-%d} "
            f"({added} dates added, {removed} removed)"
        )
    return "; ".join(parts)
