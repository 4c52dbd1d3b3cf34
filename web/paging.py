"""Paging of long lists: one page of a GeoJSON FeatureCollection, saying how many there are and where the next is."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def page_of(collection: dict[str, Any], request: HttpRequest, *, limit: int, offset: int) -> dict[str, Any]:
    """``collection`` cut to ``features[offset:offset + limit]``; its properties get ``count`` (on this page),
    ``total``, ``limit``, ``offset`` and ``next`` (the URL of the next page, or None)."""
    features = collection["features"]
    total = len(features)
    page = features[offset : offset + limit]
    next_url = None
    if offset + limit < total:
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        next_url = f"{request.path}?{query.urlencode()}"
    properties = collection.get("properties", {}) | {
        "count": len(page), "total": total, "limit": limit, "offset": offset, "next": next_url,
    }  # fmt: skip
    return collection | {"features": page, "properties": properties}
