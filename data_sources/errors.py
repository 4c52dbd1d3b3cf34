"""Exceptions raised by Vicino's pure packages.

Each one also subclasses a built-in, so callers can catch either (``except ValueError`` still works).
A fatal problem stops an import with one of these; a bad row never raises but lands in a reject report.
"""

from __future__ import annotations


class VicinoError(Exception):
    """Base class of every Vicino error."""


class SourceNotFoundError(VicinoError, FileNotFoundError):
    """An input file or folder does not exist (and could not be downloaded)."""


class SourceFormatError(VicinoError, ValueError):
    """An input exists but cannot be read as the format it should be (not a CSV, not GeoJSON, not GTFS)."""


class NoUsableRowsError(VicinoError, ValueError):
    """An input was read but every row was rejected, or it had no rows at all."""


class CRSError(VicinoError, ValueError):
    """An input has no coordinate reference system, or the wrong one."""


class ConfigError(VicinoError, ValueError):
    """A city configuration file is missing a key or has a bad value."""


class DownloadError(VicinoError, OSError):
    """A source could not be downloaded and no local copy exists."""


class InvalidRequestError(VicinoError, ValueError):
    """A question asked with a value that cannot be answered as asked (a bad parameter, a point outside the city)."""


class NotFoundError(VicinoError, LookupError):
    """A question names something that does not exist (a city, a school, a layer, an opportunity)."""


class NoTimetablesError(VicinoError, ValueError):
    """A transit computation was asked for where no timetable serves the day (or there is no street network)."""


class NoDataLoadedError(NotFoundError, ValueError):
    """A city has no data release yet (run ``load_city``): an HTTP 404; also a ``ValueError`` for older callers."""


class UnknownNameError(NotFoundError, KeyError):
    """A name the data does not have (an indicator, a zone, an access group): an HTTP 404; also a ``KeyError``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
