"""Wish pages: make a wish (anyone), see the wishes (anyone), moderate them (wish moderators). README, "Wishes".

Anti-spam without third parties: a rate limit per client (:class:`web.throttling.WishClientThrottle`, the address
hashed, never stored), a honeypot field that people never see, and a minimum time on the form (a signed timestamp in
the page). The tapped point never reaches the server: the page sends an H3 cell id or a zone code. Every refusal is
JSON ``{"error": "..."}`` with a 4xx status; the CSRF middleware guards every POST.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from data_sources.errors import VicinoError
from data_sources.wish_text import MAX_WISH_TEXT
from geo.models import City, Wish
from geo.wishes import (
    WishRequest,
    age_bands,
    can_moderate,
    moderate,
    subject_choices,
    subject_label,
    submit_wish,
    who_labels,
    wish_threshold,
    zone_choices,
)
from geo.zones import city_config, primary_zone_level
from web.access import page_access
from web.errors import json_error, status_for
from web.throttling import WishClientThrottle
from web.views import _activate_city_language, _city_and_release, _context, page_context

_FORM_SALT = "vicino.wish-form"
#: A form older than this is stale (the page is reloaded to get a fresh one).
FORM_MAX_AGE_S = 6 * 3600
HONEYPOT = "website"


def form_token() -> str:
    """A signed issue time, so that the server can tell how long the form was open (no cookie, nothing stored)."""
    return signing.dumps({"t": time.time()}, salt=_FORM_SALT)


def _zone_label(city: City) -> str:
    config = city_config(city)
    level = primary_zone_level(city)
    from django.utils import translation

    return config.zones.label(level, translation.get_language() or "en") if config and level else _("area")


@page_access("families")
@require_GET
def wish_form(request: HttpRequest, city: str) -> HttpResponse:
    """The form: what, for whom, who is asking, a short text, and roughly where (map or list)."""
    city_obj, release, context = page_context(request, city, "wishes")
    context["page_config"] = context["page_config"] | {
        "cellsUrl": f"/api/v1/cities/{city_obj.slug}/wishes/cells",
        "submitUrl": f"/cities/{city_obj.slug}/wishes/send/",
        "maxText": MAX_WISH_TEXT,
    }
    context |= {
        "subjects": subject_choices(city_obj),
        "age_bands": age_bands(city_obj),
        "who": list(who_labels().items()),
        "zones": zone_choices(release),
        "zone_label": _zone_label(city_obj),
        "form_token": form_token(),
        "honeypot": HONEYPOT,
        "max_text": MAX_WISH_TEXT,
        "threshold": wish_threshold(),
    }
    return render(request, "web/wish_form.html", context)


@page_access("families")
@require_POST
def wish_submit(request: HttpRequest, city: str) -> JsonResponse:
    """Store one wish: 201 with its status, or a 4xx JSON error saying what to change."""
    throttle = WishClientThrottle(f"{settings.VICINO_WISH_RATE_PER_HOUR}/h")
    if not throttle.allow_request(request):
        response = json_error(_("Too many wishes from this connection: please try again in an hour."), 429)
        response["Retry-After"] = str(int(throttle.wait() or 3600))
        return response
    if request.POST.get(HONEYPOT, ""):
        return json_error(_("This wish could not be accepted."), 400)
    try:
        issued = float(signing.loads(request.POST.get("form_token", ""), salt=_FORM_SALT, max_age=FORM_MAX_AGE_S)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return json_error(_("This form has expired: please reload the page and try again."), 400)
    if time.time() - issued < settings.VICINO_WISH_MIN_SECONDS:
        return json_error(_("That was very fast: please read the form, then send your wish again."), 400)
    city_obj = City.objects.filter(slug=city).first()
    if city_obj is None:
        return json_error(f"unknown city {city[:40]!r}", 404)
    wish_request = WishRequest(
        subject=request.POST.get("subject", ""),
        age_band=request.POST.get("age_band", ""),
        who=request.POST.get("who", ""),
        text=request.POST.get("text", ""),
        cell=request.POST.get("cell", ""),
        zone=request.POST.get("zone", ""),
    )
    try:
        wish = submit_wish(city_obj, wish_request)
    except VicinoError as error:
        return json_error(str(error), status_for(error) if status_for(error) < 500 else 400)
    if wish.status == Wish.Status.REJECTED:
        message = _(
            "Your wish was not accepted: %(reason)s. A wish is anonymous and kind: please write it again without "
            "contact details or rude words."
        ) % {"reason": _reason_words(wish)}
    else:
        message = _(
            "Thank you! Your wish was received. A moderator reads it; once approved it counts on the map where at "
            "least %(k)d wishes agree."
        ) % {"k": wish_threshold()}
    return JsonResponse({"status": wish.status, "message": message}, status=201)


def _reason_words(wish: Wish) -> str:
    parts = []
    if "contact details" in wish.reason:
        parts.append(_("it contains contact details (an e-mail, a phone number, a link or a @name)"))
    if "blocked words" in wish.reason:
        parts.append(_("it contains words that are not allowed"))
    return "; ".join(parts) or wish.reason


@page_access("neighbourhoods")
@require_GET
def wish_map(request: HttpRequest, city: str) -> HttpResponse:
    """The public view: areas where enough approved wishes agree, on a map and in a list."""
    city_obj, release, context = page_context(request, city, "wishes")
    context["page_config"] = context["page_config"] | {"wishesUrl": f"/api/v1/cities/{city_obj.slug}/wishes"}
    context |= {
        "threshold": wish_threshold(),
        "zone_label": _zone_label(city_obj),
        "has_zones": bool(zone_choices(release)),
    }
    return render(request, "web/wish_map.html", context)


@login_required
@require_GET
def moderation_queue(request: HttpRequest, city: str) -> HttpResponse:
    """Wishes waiting for a moderator, those the text checks rejected (to be looked at), and the latest decisions."""
    city_obj, release = _city_and_release(city)
    if not can_moderate(request.user):
        return HttpResponse(_("Only wish moderators can see this page."), status=403, content_type="text/plain")
    _activate_city_language(request, city_obj)
    wishes = Wish.objects.filter(city=city_obj)
    zones = dict(zone_choices(release))
    who = who_labels()
    statuses = {
        "pending": _("waiting"), "approved": pgettext("a wish", "approved"), "rejected": pgettext("a wish", "rejected")
    }  # fmt: skip

    def rows(queryset: object) -> list[dict[str, object]]:
        return [
            {
                "wish": w,
                "subject": subject_label(w.subject),
                "zone": zones.get(w.zone, w.zone),
                "who": who.get(w.who, w.who),
                "status": statuses.get(w.status, w.status),
            }
            for w in queryset  # type: ignore[attr-defined]
        ]

    context = _context(request, city_obj, release, "moderation") | {
        "pending": rows(wishes.filter(status=Wish.Status.PENDING).order_by("created", "id")[:100]),
        "pending_total": wishes.filter(status=Wish.Status.PENDING).count(),
        "automatic": rows(wishes.filter(status=Wish.Status.REJECTED, automatic=True)[:50]),
        "decided": rows(
            wishes.filter(automatic=False).exclude(status=Wish.Status.PENDING).order_by("-moderated", "-id")[:20]
        ),
        "zone_label": _zone_label(city_obj),
    }
    return render(request, "web/wish_moderation.html", context)


@login_required
@require_POST
def moderate_wish(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    """Approve or reject one wish (``action=approve|reject``, ``reason``), then back to the queue."""
    if not can_moderate(request.user):
        return HttpResponse(
            _("Only wish moderators can approve or reject wishes."), status=403, content_type="text/plain"
        )
    wish = get_object_or_404(Wish, pk=pk, city__slug=city)
    _activate_city_language(request, wish.city)  # the confirmation speaks the queue's language
    action = request.POST.get("action", "")
    if action not in {"approve", "reject"}:
        return HttpResponse(_("Choose approve or reject."), status=400, content_type="text/plain")
    try:
        moderate(
            wish, approve=action == "approve", by=request.user.get_username(), reason=request.POST.get("reason", "")
        )
    except VicinoError:
        messages.error(request, _("Wish %(pk)d: a rejection needs a reason.") % {"pk": wish.pk})
    else:
        # Whole sentences: Italian agrees the participle with the noun (un desiderio approvato, un'offerta approvata).
        done = _("Wish %(pk)d approved.") if action == "approve" else _("Wish %(pk)d rejected.")
        messages.success(request, done % {"pk": wish.pk})
    return redirect("wish-moderation", city=city)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused CSRF check: JSON for scripts that ask for JSON (the wish form), Django's page for the others."""
    if "application/json" in request.headers.get("Accept", ""):
        return json_error(_("This form has expired: please reload the page and try again."), 403)
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)
