"""The API's query parameters: typed django-ninja schemas whose validators give each bad value a message that
names the parameter, the value and what is accepted (so the OpenAPI document states types, ranges and defaults,
and the client still reads "minutes=0 is out of range (1..60)" rather than a pydantic error).

Each validator runs before pydantic's own checks (``mode="before"``) on the raw query string, so the messages stay
ours; an empty value means "not given" (the field's default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticUseDefault

from data_sources.contracts import CATEGORIES
from data_sources.errors import InvalidRequestError
from geo.point_query import MAX_MINUTES


class ApiError(InvalidRequestError):
    """A bad request parameter (HTTP 400)."""


#: Most isochrone bands one request may ask for.
MAX_ISOCHRONES = 6
#: Opportunities per answer: the default and the most one page may hold (``limit``); ``offset`` pages on.
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000
#: Dates the opening-hours and timetable lookups can place (and add half an hour to) without overflowing.
YEARS = (1900, 2100)
WEEKDAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]
#: What to say when a required parameter is missing.
REQUIRED_HINTS = {
    "near": "as LON,LAT (e.g. near=9.19,45.46)",
    "to": ": the id of an opportunity",
    "q": ": at least 2 characters",
}


def required_message(name: str) -> str:
    hint = REQUIRED_HINTS.get(name, "")
    return f"{name} is required{'' if hint.startswith(':') or not hint else ', '}{hint}"


# ---------------------------------------------------------------------------------------------------------------
# Parsers of one raw value (also used directly by the endpoints)


def parse_point(value: str | None, name: str = "near") -> tuple[float, float]:
    """``LON,LAT`` → floats, or a 400 naming the parameter."""
    if not value:
        raise ApiError(required_message(name))
    parts = value.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise ApiError(f"{name}={value!r} is not LON,LAT (two decimal numbers separated by a comma)") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ApiError(f"{name}={value!r} is out of range (longitude -180..180, latitude -90..90)")
    return lon, lat


def parse_int(value: str | None, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """An integer parameter within [low, high]."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(f"{name}={value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ApiError(f"{name}={number} is out of range ({low}..{high})")
    return number


def parse_minutes_list(value: str | None) -> list[int]:
    """``5,10,15`` → [5, 10, 15] (each 1..60, at most :data:`MAX_ISOCHRONES` of them)."""
    if not value:
        return [5, 10, 15]
    parts = [part.strip() for part in value.split(",")]
    if not all(parts):
        raise ApiError(f"minutes={value!r} is not a list of whole numbers separated by commas (e.g. 5,10,15)")
    minutes = sorted({parse_int(part, "minutes", low=1, high=MAX_MINUTES) or 0 for part in parts})
    if len(minutes) > MAX_ISOCHRONES:
        raise ApiError(f"minutes={value!r} asks for {len(minutes)} areas; at most {MAX_ISOCHRONES}")
    return minutes


def parse_categories(value: str | None) -> list[str] | None:
    """``sport,arts`` → checked categories."""
    if not value:
        return None
    categories = [c.strip().lower() for c in value.split(",") if c.strip()]
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ApiError(f"unknown category {', '.join(unknown)}; use {', '.join(CATEGORIES)}")
    return categories or None


def parse_bool(value: str | None, name: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no)."""
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    lowered = str(value).lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ApiError(f"{name}={value!r} is not true or false")


def parse_mode(value: str | None) -> str:
    mode = (value or "walk").lower()
    if mode not in {"walk", "transit"}:
        raise ApiError(f"mode={value!r} is not supported; use walk or transit")
    return mode


def parse_when(value: str | None, name: str = "open_at") -> dt.datetime | None:
    """``2026-11-28T10:00`` or ``sa 10:00`` (the next such weekday) → a datetime in the city's time zone."""
    if not value:
        return None
    text = value.strip().lower()
    if text[:2] in WEEKDAYS and (len(text) == 2 or text[2] in " T"):
        hour = text[3:].strip() or "12:00"
        try:
            clock = dt.time.fromisoformat(hour)
        except ValueError:
            raise ApiError(f"{name}={value!r}: the time must be HH:MM") from None
        today = dt.date.today()
        days_ahead = (WEEKDAYS.index(text[:2]) - today.weekday()) % 7
        return dt.datetime.combine(today + dt.timedelta(days=days_ahead), clock.replace(tzinfo=None))
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(
            f"{name}={value!r} is not a date-time (2026-11-28T10:00) or a weekday and time (sa 10:00)"
        ) from None
    if not YEARS[0] <= when.year <= YEARS[1]:
        raise ApiError(f"{name}={value!r} is out of range (years {YEARS[0]}..{YEARS[1]})")
    # The city's wall-clock time is what opening hours and timetables speak; an offset adds nothing to it.
    return when.replace(tzinfo=None)


# ---------------------------------------------------------------------------------------------------------------
# Validators: the parsers above, run by pydantic on the raw value, named by the field


def _given(value: Any) -> Any:
    """The raw value, or "use the field's default" when the parameter is empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticUseDefault()
    return value


def _or_empty(schema: dict[str, Any]) -> None:
    """The document says what the validators do: an empty value is accepted and means "not given"."""
    keep = {key: schema.pop(key) for key in ("title", "description", "default", "examples") if key in schema}
    variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"] or [dict(schema)]
    schema.clear()
    schema.update(keep)
    schema["anyOf"] = [*variants, {"type": "string", "maxLength": 0}]


def _or_empty_with(example: str) -> Callable[[dict[str, Any]], None]:
    """:func:`_or_empty`, with an example value (one ``example``: Swagger UI shows a list of examples as "0")."""

    def extra(schema: dict[str, Any]) -> None:
        _or_empty(schema)
        schema["example"] = example

    return extra


def _whole(low: int, high: int) -> BeforeValidator:
    def check(value: Any, info: ValidationInfo) -> int:
        return parse_int(str(_given(value)), info.field_name or "value", low=low, high=high) or 0

    return BeforeValidator(check)


def _flag(value: Any, info: ValidationInfo) -> bool:
    return parse_bool(_given(value), info.field_name or "value")


def _point(value: Any, info: ValidationInfo) -> str:
    name = info.field_name or "near"
    if value is None or not str(value).strip():
        raise ApiError(required_message(name))
    parse_point(str(value), name)
    return str(value)


def _mode(value: Any) -> str:
    return parse_mode(str(_given(value)))


def _categories(value: Any) -> str:
    return ",".join(parse_categories(str(_given(value))) or []) or _given("")


def _when(value: Any, info: ValidationInfo) -> str:
    parse_when(str(_given(value)), info.field_name or "open_at")
    return str(value).strip()


def _minutes_list(value: Any) -> str:
    return ",".join(str(m) for m in parse_minutes_list(str(_given(value))))


def _text(value: Any) -> str:
    return str(_given(value)).strip()


def _format(value: Any) -> str:
    text = str(_given(value)).strip().lower()
    if text not in {"geojson", "csv"}:
        raise ApiError(f"format={value!r}: use geojson or csv")
    return text


def _weekday(value: Any, info: ValidationInfo) -> str:
    day = str(_given(value)).strip().lower()
    if day not in WEEKDAYS:
        raise ApiError(f"{info.field_name}={value!r} is not a weekday; use {', '.join(WEEKDAYS)}")
    return day


def _search_text(value: Any, info: ValidationInfo) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) < 2:
        raise ApiError(f"{info.field_name} must have at least 2 characters")
    return text


def _required_text(value: Any, info: ValidationInfo) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ApiError(required_message(info.field_name or "value"))
    return text


Near = Annotated[
    str,
    BeforeValidator(_point),
    Field(
        description="The home (or any point) as LON,LAT in WGS84 degrees.",
        json_schema_extra={"example": "-51.2177,-30.0346"},
    ),
]
Minutes = Annotated[
    Annotated[int, Field(ge=1, le=MAX_MINUTES)],
    _whole(1, MAX_MINUTES),
    Field(description="Travel-time budget in minutes.", json_schema_extra=_or_empty),
]
Age = Annotated[
    Annotated[int, Field(ge=0, le=99)] | None,
    _whole(0, 99),
    Field(
        description="The child's age: sets walking speed and reach, and filters by age range.",
        json_schema_extra=_or_empty,
    ),
]
Mode = Annotated[
    Literal["walk", "transit"],
    BeforeValidator(_mode),
    Field(description="walk, or walk + transit.", json_schema_extra=_or_empty),
]
Flag = Annotated[bool, BeforeValidator(_flag), Field(json_schema_extra=_or_empty)]
Categories = Annotated[
    str | None,
    BeforeValidator(_categories),
    Field(
        description=f"Comma-separated categories among {', '.join(CATEGORIES)}.",
        json_schema_extra=_or_empty_with("sport,arts"),
    ),
]
When = Annotated[
    str | None,
    BeforeValidator(_when),
    Field(
        description=f"A date-time (2026-11-28T10:00, years {YEARS[0]}..{YEARS[1]}) or a weekday and time "
        "(sa 10:00, the next such day): filters by opening hours; for transit, the departure.",
        json_schema_extra=_or_empty_with("sa 10:00"),
    ),
]
Limit = Annotated[
    Annotated[int, Field(ge=1, le=MAX_LIMIT)],
    _whole(1, MAX_LIMIT),
    Field(
        description=f"Opportunities in this answer (at most {MAX_LIMIT}); see `total`, `next`.",
        json_schema_extra=_or_empty,
    ),
]
Offset = Annotated[
    Annotated[int, Field(ge=0, le=MAX_OFFSET)],
    _whole(0, MAX_OFFSET),
    Field(description="Opportunities to skip (paging).", json_schema_extra=_or_empty),
]


class Filters(Schema):
    """What a family or school asks for: mode, age, categories, price and voucher."""

    mode: Mode = "walk"
    age: Age = None
    category: Categories = None
    free: Annotated[Flag, Field(description="Only free opportunities (true/false).")] = False
    voucher: Annotated[Flag, Field(description="Only opportunities that accept the city's voucher.")] = False
    unknown_hours: Annotated[
        Flag,
        Field(
            description="With open_at (or a school's after): also list places whose opening hours are unknown "
            "(marked hours_known=false); false leaves them out."
        ),
    ] = True
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0

    def filter_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`geo.point_query.reachable_opportunities` (``minutes`` included)."""
        return {
            "minutes": self.minutes,
            "age": self.age,
            "categories": parse_categories(self.category),
            "free": self.free,
            "voucher": self.voucher,
            "mode": self.mode,
            "unknown_hours": self.unknown_hours,
        }


class PointQuery(Filters):
    """Opportunities reachable from a point."""

    near: Near
    minutes: Minutes = 15
    open_at: When = None


class IsochroneQuery(Schema):
    """Areas reachable from a point."""

    near: Near
    minutes: Annotated[
        str,
        BeforeValidator(_minutes_list),
        Field(
            description=f"Comma-separated budgets in minutes (each 1..{MAX_MINUTES}, at most {MAX_ISOCHRONES}).",
            json_schema_extra=_or_empty_with("5,10,15"),
        ),
    ] = "5,10,15"
    age: Age = None
    mode: Mode = "walk"
    open_at: When = None


class RouteQuery(Schema):
    near: Near
    to: Annotated[str, BeforeValidator(_required_text), Field(description="The id of an opportunity.")]
    age: Age = None


class TransitRouteQuery(RouteQuery):
    open_at: When = None


class SearchQuery(Schema):
    q: Annotated[str, BeforeValidator(_search_text), Field(description="At least 2 characters of a name.")]


class NeighbourhoodQuery(Schema):
    level: Annotated[
        str | None,
        BeforeValidator(_text),
        Field(description="nil, municipio, h3… (the city's own levels).", json_schema_extra=_or_empty),
    ] = None
    mode: Mode = "walk"
    profile: Annotated[
        str | None,
        BeforeValidator(_text),
        Field(description="An age profile, e.g. age_11_13.", json_schema_extra=_or_empty),
    ] = None


class SchoolQuery(Filters):
    """What a school's pupils reach after school."""

    minutes: Minutes = 20
    day: Annotated[
        Literal["mo", "tu", "we", "th", "fr", "sa", "su"],
        BeforeValidator(_weekday),
        Field(description="Weekday of the question (mo..su).", json_schema_extra=_or_empty),
    ] = "mo"
    after: Annotated[
        str | None,
        BeforeValidator(_text),
        Field(description="End of lessons, HH:MM.", json_schema_extra=_or_empty_with("16:30")),
    ] = None
    format: Annotated[
        Literal["geojson", "csv"],
        BeforeValidator(_format),
        Field(description="geojson, or csv (the whole list).", json_schema_extra=_or_empty),
    ] = "geojson"
