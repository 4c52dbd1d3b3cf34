"""The API's response bodies, declared so that the OpenAPI document says what each answer holds."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class Error(Schema):
    """Every error: one sentence naming the parameter, the value and what is accepted."""

    error: str = Field(description="What went wrong, in one sentence.")
    id: str | None = Field(None, description="For an internal error (500): the id under which it was logged.")


class Feature(Schema):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: dict[str, Any] | None = Field(description="A GeoJSON geometry in WGS84 (lon, lat).")
    properties: dict[str, Any]


class FeatureCollection(Schema):
    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]
    properties: dict[str, Any] = Field(default_factory=dict)


class ReachableProperties(Schema):
    """How the list was computed, and which part of it this answer holds."""

    model_config = ConfigDict(extra="allow")

    mode: str
    minutes: int | float
    profile: str
    speed_m_s: float
    max_walk_m: float | None = Field(None, description="The longest walk assumed at this age (metres), if any.")
    method: Literal["network", "straight_line"]
    estimate_note: str
    departure: str | None = None
    count: int = Field(description="Opportunities in this answer.")
    total: int = Field(description="Opportunities reachable in all (every page).")
    limit: int
    offset: int
    next: str | None = Field(description="The URL of the next page, or null on the last one.")
    school: dict[str, Any] | None = Field(None, description="The school asked about (school questions only).")


class ReachableOpportunities(Schema):
    """Opportunities sorted by travel time (a GeoJSON FeatureCollection), one page of them."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    properties: ReachableProperties


class CityList(Schema):
    cities: list[dict[str, Any]]


class SearchResults(Schema):
    results: list[dict[str, Any]]


class LayerList(Schema):
    layers: list[dict[str, Any]]
    formats: list[str]


#: The errors every data endpoint may answer.
#: 401: the endpoint's group of data is not public here (VICINO_PUBLIC_DATA) and no login or API token came.
ERRORS: dict[int, type[Schema]] = {400: Error, 401: Error, 404: Error, 500: Error, 503: Error}
#: Point queries are also rate-limited.
POINT_ERRORS: dict[int, type[Schema]] = ERRORS | {429: Error}


def binary(content_type: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a 200 answer that is a file, not JSON."""
    file_schema = {"type": "string", "format": "binary"}
    return {"responses": {200: {"description": description, "content": {content_type: {"schema": file_schema}}}}}
