"""The language of API answers: the city's own (its TOML's ``language``) unless the client asks.

Pages speak the city's language unless the visitor chose one (``web.views``); API answers (result lines, notes,
departure windows) follow the same rule, with the client's ``Accept-Language`` header as its choice. Without this,
an API client that sends no header would get the project's default language for every city.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

_CITY_PATH = re.compile(r"^/api/v1/cities/(?P<city>[\w-]+)/")


class CityLanguageMiddleware:
    """For ``/api/v1/cities/<city>/…`` without ``Accept-Language`` or a language cookie: the city's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _CITY_PATH.match(request.path)
        chose = "HTTP_ACCEPT_LANGUAGE" in request.META or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        if match and not chose:
            language = _city_language(match["city"])
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def _city_language(slug: str) -> str:
    """The city's language, or "" when it is unknown or the database does not answer (the API then answers its
    own 404 or 503 in the default language)."""
    from django.db import Error as DatabaseError

    from geo.models import City

    try:
        return City.objects.filter(slug=slug).values_list("language", flat=True).first() or ""
    except DatabaseError:
        return ""
