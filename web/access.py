"""Who can see what: one rule for pages and API, set by ``VICINO_PUBLIC_DATA`` (see README, "Who can see what").

Data is grouped; a group listed in ``settings.VICINO_PUBLIC_DATA`` is open to anyone, any other group needs a
logged-in user (pages and API, by session) or an API token (API only, ``Authorization: Bearer vicino_…``, see
:mod:`web.models`). Pages use :func:`page_access`, API endpoints ``auth=Access(group)``: both ask
:func:`is_public`, so a page and the API data behind it can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer

from web.access_groups import FINE_LEVELS, GROUPS


def is_public(group: str) -> bool:
    """Whether anyone may see ``group`` (``settings.VICINO_PUBLIC_DATA``)."""
    if group not in GROUPS:
        raise KeyError(f"unknown access group {group!r}; groups: {', '.join(GROUPS)}")
    return group in settings.VICINO_PUBLIC_DATA


@dataclass(frozen=True)
class Principal:
    """Who asks: a user (by session or token), or an anonymous visitor of public data (``user`` is None)."""

    user: Any
    via: str  # "session", "token" or "public"

    def __str__(self) -> str:
        return f"{self.via}:{getattr(self.user, 'pk', '')}"


class Access(HttpBearer):
    """django-ninja ``auth=``: public groups for everyone, other groups for a session or a valid API token.

    ``group`` may be a function of the request, for endpoints whose parameters choose the group (neighbourhood
    levels). A wrong token is refused even on public data, so a script learns its token is bad.
    """

    def __init__(self, group: str | Callable[[HttpRequest], str]) -> None:
        super().__init__()
        if isinstance(group, str) and group not in GROUPS:
            raise KeyError(f"unknown access group {group!r}")
        self.group = group

    def __call__(self, request: HttpRequest) -> Principal | None:
        # Only a Bearer header is a token; another scheme (e.g. Basic auth of a staging proxy) is not ours.
        if request.headers.get(self.header, "").lower().startswith("bearer "):
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return Principal(user, "session")
        group = self.group(request) if callable(self.group) else self.group
        return Principal(None, "public") if is_public(group) else None

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        from web.models import ApiToken

        api_token = ApiToken.authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        return Principal(api_token.user, "token")


def neighbourhoods_group(request: HttpRequest) -> str:
    """``grid`` for fine areas (``level=h3``/``census_section``, or no level: a city without neighbourhoods
    answers with H3 cells), else ``neighbourhoods``."""
    level = request.GET.get("level")
    if not level:
        from geo.models import City, Neighbourhood

        city = (getattr(request, "resolver_match", None) and request.resolver_match.kwargs.get("city")) or ""
        if not City.objects.filter(slug=city).exists():
            return "cities"  # nothing to protect: the endpoint answers 404 for a city it does not know
        has_neighbourhoods = Neighbourhood.objects.filter(release__city__slug=city).exists()
        return "neighbourhoods" if has_neighbourhoods else "grid"
    return "grid" if level in FINE_LEVELS else "neighbourhoods"


def pillars_group(request: HttpRequest) -> str:
    """The pillar index follows the neighbourhood rule: ``origins=h3``/``census_section`` are fine areas (``grid``),
    NIL, municipi and schools are ``neighbourhoods``; no ``origins`` is the city's default set (NIL, else H3)."""
    origins = request.GET.get("origins")
    if origins:
        return "grid" if origins in FINE_LEVELS else "neighbourhoods"
    return neighbourhoods_group(request)


def page_access(group: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page view of ``group``: shown to anyone when the group is public, else to logged-in users only."""
    if group not in GROUPS:
        raise KeyError(f"unknown access group {group!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_public(group) or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            return redirect_to_login(request.get_full_path())

        wrapped.access_group = group  # type: ignore[attr-defined]
        return wrapped

    return decorator
