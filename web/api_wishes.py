"""API of wishes (README, "Wishes"): the public view's agreeing counts and the city's resolution-8 cells.

Mounted on :data:`web.api.api`. Making a wish is a page form (``POST /cities/<city>/wishes/new/``, CSRF-protected,
rate-limited), not an API call; moderating is a page for wish moderators.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router

from geo.wishes import public_wishes, wish_cells
from web.access import Access
from web.api_responses import ERRORS, FeatureCollection

router = Router(tags=["wishes"])


def _city(slug: str) -> Any:
    from web.api import city_release

    return city_release(slug)


@router.get("/cities/{city}/wishes", auth=Access("neighbourhoods"), response={200: FeatureCollection} | ERRORS,
            summary="Approved wishes per area and subject, where at least VICINO_WISH_THRESHOLD agree")  # fmt: skip
def wishes(request: HttpRequest, city: str, level: Literal["zone", "cell"] = "zone") -> dict[str, Any]:
    city_obj, _release = _city(city)
    return public_wishes(city_obj, level)


@router.get("/cities/{city}/wishes/cells", auth=Access("families"), response={200: FeatureCollection} | ERRORS,
            summary="The city's H3 resolution-8 cells and their zones (the browser finds the tapped cell)")  # fmt: skip
def cells(request: HttpRequest, city: str) -> dict[str, Any]:
    _city_obj, release = _city(city)
    return wish_cells(release)
