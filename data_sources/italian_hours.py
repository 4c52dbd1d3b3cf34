"""Italian opening-hours text ("lunedi: chiuso, martedi e giovedi: 9.30-14.30, ...") to OSM ``opening_hours``.

Italian municipal open data write opening hours as free Italian text. This converter reads the forms the published
files use and nothing else; a text it cannot read completely raises :class:`HoursNotUnderstoodError` (the caller keeps
the text as a note), so an unreadable part is never guessed:

- entries ``<days>: <times>`` separated by commas, semicolons or nothing (``martedi:chiuso mercoledi: ...``);
- days: ``lunedi`` … ``domenica`` (with or without the accent, any case, an article ``al``/``il`` before),
  lists with ``e`` or commas (``martedi e giovedi``), ranges ``dal lunedi al sabato`` / ``da giovedi a sabato``;
- times: ``9.30-14.30``, ``9:30 - 14:30``, ``14.0`` (14 h 0 min), ``14`` (14 h), several intervals joined by
  ``e``, ``,`` or ``/``; ``dalle 9.00 alle 12.30``; ``chiuso``/``chiusa`` for a closed day;
- the whole text ``chiuso``/``chiusa`` = closed every day (``off``).

Days the text does not name are closed (the OSM convention). A day given both hours and ``chiuso``, an interval
that ends before it starts, or a minute written with one non-zero digit (``9.3``: 09:03 or 09:30?) are not
understood. Every result is checked with ``opening-hours-py``.
"""

from __future__ import annotations

import re
import unicodedata

from data_sources.errors import VicinoError
from data_sources.validation import opening_hours_valid

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
ITALIAN_DAYS = ("lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica")
CLOSED_WORDS = ("chiuso", "chiusa", "chiusi", "chiuse")


class HoursNotUnderstoodError(VicinoError, ValueError):
    """An Italian opening-hours text that cannot be converted without guessing."""


def _plain(text: str) -> str:
    """Lower case, accents removed (``mercoledì`` → ``mercoledi``), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    without = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", without.casefold()).strip()


_DAY = r"(?:al |il )?(lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica)"
_DAY_RE = re.compile(_DAY)
_RANGE_DAYS = re.compile(rf"^da(?:l)? {_DAY} (?:a|al) {_DAY}$".replace("(?:al |il )?", ""))
_CLOCK = r"\d{1,2}(?:[.:]\d{1,2})?"
_INTERVAL = re.compile(rf"^({_CLOCK})\s*-\s*({_CLOCK})$")
_DALLE = re.compile(rf"^dalle ({_CLOCK}) alle ({_CLOCK})$")
#: An entry: a day expression, then ``:`` (or "dalle ... alle ..." straight after the days).
_ENTRY_START = re.compile(rf"(?:\b(?:dal|da) {_DAY} (?:a|al) {_DAY}|{_DAY}(?:\s*(?:,|e)\s*{_DAY})*)\s*(?::|(?=dalle))")


def clock_from_italian(text: str) -> str:
    """``9.30`` → ``09:30``, ``14`` → ``14:00``, ``14.0`` → ``14:00``.

    Raises
    ------
    HoursNotUnderstoodError
        Not a time of day, or a minute of one non-zero digit (ambiguous).
    """
    match = re.fullmatch(r"(\d{1,2})(?:[.:](\d{1,2}))?", text.strip())
    if not match:
        raise HoursNotUnderstoodError(f"{text!r} is not a time of day")
    hours = int(match.group(1))
    minutes_text = match.group(2) or "0"
    if len(minutes_text) == 1 and minutes_text != "0":
        raise HoursNotUnderstoodError(f"{text!r}: one-digit minutes are ambiguous")
    minutes = int(minutes_text)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise HoursNotUnderstoodError(f"{text!r} is not a time of day")
    return f"{hours:02d}:{minutes:02d}"


def days_from_italian(text: str) -> list[int]:
    """``martedi e giovedi`` → [1, 3]; ``dal martedi al venerdi`` → [1, 2, 3, 4] (0 = Monday)."""
    text = _plain(text)
    ranged = _RANGE_DAYS.match(text)
    if ranged:
        first, last = ITALIAN_DAYS.index(ranged.group(1)), ITALIAN_DAYS.index(ranged.group(2))
        if last < first:
            raise HoursNotUnderstoodError(f"{text!r}: the range ends before it starts")
        return list(range(first, last + 1))
    parts = [p.strip() for p in re.split(r"\s*(?:,| e )\s*", text) if p.strip()]
    days = []
    for part in parts:
        match = re.fullmatch(_DAY, part)
        if not match:
            raise HoursNotUnderstoodError(f"{part!r} is not a day of the week")
        days.append(ITALIAN_DAYS.index(match.group(1)))
    if not days:
        raise HoursNotUnderstoodError(f"{text!r} names no day")
    return days


def intervals_from_italian(text: str) -> list[tuple[str, str]] | None:
    """``9.30-14.30`` → [("09:30", "14:30")]; ``chiuso`` → None (closed); several intervals with e , /."""
    text = _plain(text).strip(" ,;.")
    if text in CLOSED_WORDS:
        return None
    dalle = _DALLE.match(text)
    pieces = [f"{dalle.group(1)}-{dalle.group(2)}"] if dalle else re.split(r"\s*(?: e |,|/|;)\s*", text)
    intervals = []
    for piece in pieces:
        match = _INTERVAL.match(piece.strip())
        if not match:
            raise HoursNotUnderstoodError(f"{piece.strip()!r} is not a time interval like 9.30-14.30")
        start, end = clock_from_italian(match.group(1)), clock_from_italian(match.group(2))
        if end <= start:
            raise HoursNotUnderstoodError(f"{piece.strip()!r} ends before it starts")
        intervals.append((start, end))
    return intervals


def _day_span(days: list[int]) -> str:
    """[1, 2, 3, 5] → ``Tu-Th,Sa``."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(OSM_DAYS[r[0]] if len(r) == 1 else f"{OSM_DAYS[r[0]]}-{OSM_DAYS[r[-1]]}" for r in runs)


def opening_hours_from_italian(text: str) -> str:
    """An OSM ``opening_hours`` rule from an Italian opening-hours text (forms in the module docstring).

    Examples
    --------
    >>> opening_hours_from_italian("lunedi: chiuso, martedi e giovedi: 9.30-14.30, sabato: 9.30-14.00")
    'Tu,Th 09:30-14:30; Sa 09:30-14:00'

    Raises
    ------
    HoursNotUnderstoodError
        Any part of the text is not one of the understood forms (the message says which part).
    """
    plain = _plain(text or "")
    if not plain:
        raise HoursNotUnderstoodError("empty text")
    if plain.strip(" .") in CLOSED_WORDS:
        return "off"
    starts = list(_ENTRY_START.finditer(plain))
    if not starts or starts[0].start() != 0:
        raise HoursNotUnderstoodError(f"{text!r} does not start with days followed by ':'")
    by_day: dict[int, list[tuple[str, str]] | None] = {}
    for number, start in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(plain)
        days_text = plain[start.start() : start.end()].rstrip(" :")
        times_text = plain[start.end() : end].strip(" ,;")
        if not times_text:
            raise HoursNotUnderstoodError(f"no hours after {days_text!r}")
        intervals = intervals_from_italian(times_text)
        for day in days_from_italian(days_text):
            if day in by_day and (by_day[day] is None) != (intervals is None):
                raise HoursNotUnderstoodError(f"{ITALIAN_DAYS[day]} is given both hours and 'chiuso'")
            if intervals is None:
                by_day[day] = None
            else:
                by_day[day] = sorted({*(by_day.get(day) or []), *intervals})
    open_days = {day: tuple(v) for day, v in by_day.items() if v}
    if not open_days:
        return "off"
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for day in sorted(open_days):
        groups.setdefault(open_days[day], []).append(day)
    rules = sorted(groups.items(), key=lambda item: item[1][0])
    result = "; ".join(f"{_day_span(days)} {','.join(f'{a}-{b}' for a, b in times)}" for times, days in rules)
    if not opening_hours_valid(result):  # pragma: no cover - the grammar above only builds valid rules
        raise HoursNotUnderstoodError(f"{text!r} gave {result!r}, which is not valid opening_hours")
    return result
