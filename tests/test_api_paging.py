"""Reachable-opportunity answers are bounded (``limit``, default 200, at most 1000) and paged (``offset``), and
always say how many there are in all (``total``) and where the next page is (``next``): never a silent cut."""

from __future__ import annotations

import pytest
from django.test import Client

from geo.models import School
from web.api_params import DEFAULT_LIMIT, MAX_LIMIT

pytestmark = pytest.mark.django_db

HOME_POA = "-51.2177,-30.0346"  # Centro Histórico, Porto Alegre


def test_pages_put_together_are_the_whole_list(api: Client) -> None:
    base = f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=30"
    whole = api.get(base + f"&limit={MAX_LIMIT}").json()
    total = whole["properties"]["total"]
    assert 7 < total <= MAX_LIMIT, "the test needs more than one page of 7 and the whole list in one answer"
    assert whole["properties"]["count"] == len(whole["features"]) == total and whole["properties"]["next"] is None

    ids, url, pages = [], base + "&limit=7", 0
    while url:
        body = api.get(url).json()
        properties = body["properties"]
        assert properties["total"] == total and properties["limit"] == 7
        assert properties["count"] == len(body["features"]) <= 7
        ids += [f["id"] for f in body["features"]]
        url, pages = properties["next"], pages + 1
    assert pages == -(-total // 7)
    assert ids == [f["id"] for f in whole["features"]]  # same order (by travel time), nothing lost or repeated


def test_default_limit_is_stated_and_applied(api: Client) -> None:
    body = api.get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=60").json()
    properties = body["properties"]
    assert properties["limit"] == DEFAULT_LIMIT and properties["offset"] == 0
    assert len(body["features"]) == min(DEFAULT_LIMIT, properties["total"])
    if properties["total"] > DEFAULT_LIMIT:
        assert f"offset={DEFAULT_LIMIT}" in properties["next"]
    schema = api.get("/api/v1/schema/").json()
    parameters = schema["paths"]["/api/v1/cities/{city}/opportunities"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")["schema"]
    assert limit["default"] == DEFAULT_LIMIT and limit["anyOf"][0]["maximum"] == MAX_LIMIT


def test_an_offset_beyond_the_end_is_an_empty_page_with_the_total(api: Client) -> None:
    body = api.get(f"/api/v1/cities/porto_alegre/opportunities?near={HOME_POA}&minutes=10&offset=100000").json()
    assert body["features"] == [] and body["properties"]["count"] == 0 and body["properties"]["next"] is None
    assert body["properties"]["total"] >= 0


def test_school_answers_are_paged_too(api: Client) -> None:
    school = School.objects.filter(release__city__slug="porto_alegre").order_by("pk").first()
    url = f"/api/v1/cities/porto_alegre/schools/{school.pk}/reachable?minutes=30&limit=3"
    body = api.get(url).json()
    assert len(body["features"]) <= 3 and body["properties"]["school"]["id"] == school.pk
    assert body["properties"]["total"] >= len(body["features"])
    assert (body["properties"]["next"] is None) == (body["properties"]["total"] <= 3)
