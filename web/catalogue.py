"""Catalogue pages (issue #18): providers' offerings, the moderators' queue, each offering's history, publication
and the open catalogue downloads. Plain Django views: login required (except the open downloads), CSRF on."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from data_sources import catalogue as checks
from data_sources import validation
from data_sources.contracts import CATEGORIES, PILLARS
from data_sources.rejects import Reject
from geo.catalog import city_detail
from geo.catalogue_publishing import active_job, start_publish_job
from geo.models import City, Offering, OfferingChange, Provider
from geo.offerings import (
    PROVIDER_FIELDS,
    SUBMITTABLE,
    OfferingError,
    check_values,
    decide_offering,
    form_values,
    is_moderator,
    may_edit,
    providers_of,
    save_offering,
    set_voucher,
    submit_offering,
)
from geo.open_catalogue import catalogue_geojson, licence_and_attribution, open_catalogue_csv
from geo.pillars import pillar_labels
from geo.shareable_maps import category_label
from web.access import page_access
from web.views import _activate_city_language


def field_labels() -> dict[str, str]:
    """The catalogue fields in words (forms, messages and history)."""
    return {
        "id": _("Identifier"), "name": _("Name"), "provider": _("Provider"), "category": _("Category"),
        "pillars": _("Wellbeing pillars"), "kind": _("Kind of activity"), "age_min": _("Youngest age"),
        "age_max": _("Oldest age"), "price": _("Price (EUR)"), "voucher": _("Voucher accepted"),
        "opening_hours": _("Opening hours"), "capacity": _("Places"), "address": _("Address"),
        "website": _("Website"), "longitude": _("Longitude"), "latitude": _("Latitude"), "status": _("Status"),
    }  # fmt: skip


def reason_text(reason: str) -> str:
    """A catalogue check's reason (the file import's message) in the page's language."""
    return {
        validation.NON_UTF8: _("text that is not UTF-8"),
        validation.TOO_LONG: _("text too long"),
        checks.MISSING_ID: _("missing identifier"),
        validation.DUPLICATE_ID: _("duplicate identifier"),
        checks.MISSING_NAME: _("missing name"),
        validation.MISSING_COORDINATES: _("missing coordinates: click the map to place the entrance"),
        validation.UNPARSEABLE_COORDINATES: _("coordinates are not numbers"),
        validation.SWAPPED: _("latitude and longitude look swapped"),
        validation.OUT_OF_RANGE: _("coordinates out of the longitude/latitude range"),
        validation.OUTSIDE_BOUNDARY: _("outside the city boundary"),
        checks.MISSING_CATEGORY: _("missing category"),
        checks.UNKNOWN_CATEGORY: _("unknown category"),
        checks.MISSING_PILLARS: _("choose at least one wellbeing pillar"),
        checks.UNKNOWN_PILLAR: _("unknown pillar"),
        checks.AGE_NOT_WHOLE: _("age is not a whole number"),
        checks.AGE_OUT_OF_RANGE: _("age out of range 0-99"),
        checks.AGE_ORDER: _("the youngest age is greater than the oldest age"),
        checks.PRICE_NOT_NUMBER: _("price is not a number"),
        checks.NEGATIVE_PRICE: _("negative price"),
        checks.VOUCHER_NOT_YES_NO: _("voucher is not yes/no"),
        checks.CAPACITY_NOT_WHOLE: _("places is not a whole number"),
        checks.NEGATIVE_CAPACITY: _("negative number of places"),
        validation.INVALID_OPENING_HOURS: _("opening hours not in OpenStreetMap syntax (e.g. Mo-Fr 15:00-18:30)"),
    }.get(reason, reason)


def status_labels() -> dict[str, str]:
    return {
        Offering.Status.DRAFT: _("draft"), Offering.Status.SUBMITTED: _("waiting for review"),
        Offering.Status.APPROVED: _("approved"), Offering.Status.REJECTED: _("rejected"),
        Offering.Status.CHANGES_REQUESTED: _("changes requested"),
    }  # fmt: skip


def action_labels() -> dict[str, str]:
    return {
        OfferingChange.Action.CREATED: _("created"), OfferingChange.Action.EDITED: _("edited"),
        OfferingChange.Action.SUBMITTED: _("submitted for review"), OfferingChange.Action.APPROVED: _("approved"),
        OfferingChange.Action.REJECTED: _("rejected"),
        OfferingChange.Action.CHANGES_REQUESTED: _("changes requested"),
        OfferingChange.Action.VOUCHER: _("voucher eligibility set"),
    }  # fmt: skip


def _text(label: Any, help_text: Any = "") -> forms.CharField:
    # No max_length, no required: the catalogue checks say what is too long or missing, in the import's words.
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False)


class OfferingForm(forms.Form):
    """The provider's fields as typed: every check (and its message) is the catalogue file's, not the form's."""

    provider = forms.ChoiceField(label=gettext_lazy("Provider"), required=False)
    name = _text(gettext_lazy("Name"))
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    pillars = forms.MultipleChoiceField(
        label=gettext_lazy("Wellbeing pillars"), required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = _text(gettext_lazy("Kind of activity"), gettext_lazy("A short label, e.g. theatre workshop, football"))
    age_min = _text(gettext_lazy("Youngest age"))
    age_max = _text(gettext_lazy("Oldest age"))
    price = _text(gettext_lazy("Price (EUR)"), gettext_lazy("Per participation or month, as you state it; 0 = free"))
    opening_hours = _text(
        gettext_lazy("Opening hours"), gettext_lazy("OpenStreetMap syntax, e.g. Mo-Fr 15:00-18:30; Sa 10:00-12:00")
    )
    capacity = _text(gettext_lazy("Places"))
    address = _text(gettext_lazy("Address"))
    website = _text(gettext_lazy("Website"))
    longitude = _text(gettext_lazy("Longitude"), gettext_lazy("Click the map to place the entrance"))
    latitude = _text(gettext_lazy("Latitude"))

    def __init__(self, *args: Any, providers: list[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(str(p.pk), p.name) for p in providers]
        self.fields["category"].choices = [("", "—")] + [(c, category_label(c)) for c in CATEGORIES]
        labels = pillar_labels()
        self.fields["pillars"].choices = [(p, labels.get(p, p)) for p in PILLARS]

    def raw_values(self) -> dict[str, str]:
        """The typed values, as the catalogue checks read a file's cells."""
        data = self.cleaned_data
        raw = {name: data.get(name, "") for name in PROVIDER_FIELDS}
        raw["pillars"] = ";".join(data.get("pillars") or [])
        return raw


def _city(request: HttpRequest, slug: str) -> City:
    city = get_object_or_404(City, slug=slug)
    _activate_city_language(request, city)
    return city


def _page(request: HttpRequest, city: City, template: str, context: dict[str, Any]) -> HttpResponse:
    base = {"city": city, "page": "catalogue", "is_moderator": is_moderator(request.user),
            "status_labels": status_labels()}  # fmt: skip
    return render(request, f"web/catalogue/{template}", base | context)


def _own_offering(request: HttpRequest, city: City, pk: int) -> Offering:
    """An offering of one of the user's providers in this city: any other is "not found" (never revealed)."""
    offering = (
        Offering.objects.select_related("provider")
        .filter(pk=pk, provider__city=city, provider__memberships__user=request.user)
        .first()
    )
    if offering is None:
        raise Http404(_("No such offering among your organisation's offerings."))
    return offering


def _problem_message(problem: Reject) -> str:
    text = reason_text(problem.reason)
    return _("%(reason)s (value: %(value)s)") % {"reason": text, "value": problem.value} if problem.value else text


@login_required
@require_GET
def offerings(request: HttpRequest, city: str) -> HttpResponse:
    """A provider's offerings (all its organisations in this city), with their state and the moderator's reason."""
    city_obj = _city(request, city)
    providers = providers_of(request.user, city_obj)
    if not providers and not is_moderator(request.user):
        raise PermissionDenied(_("Your account belongs to no provider of this city."))
    rows = Offering.objects.filter(provider__in=providers).select_related("provider").order_by("-updated", "-id")
    return _page(request, city_obj, "offerings.html", {
        "providers": providers, "offerings": rows, "submittable": SUBMITTABLE,
        "categories": {c: category_label(c) for c in CATEGORIES},
    })  # fmt: skip


def _map_config(city: City, *, fitted: bool) -> dict[str, Any]:
    release = city.current_release()
    detail = city_detail(city, release) if release is not None else {"center": None, "attribution": ""}
    return {
        "city": city.slug, "center": detail["center"], "attribution": detail["attribution"],
        "basemapUrl": f"/cities/{city.slug}/basemap.geojson", "tileUrl": settings.VICINO_TILE_URL,
        "tileAttribution": settings.VICINO_TILE_ATTRIBUTION, "fitted": fitted, "entranceLabel": _("Entrance"),
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def offering_form(request: HttpRequest, city: str, pk: int | None = None) -> HttpResponse:
    """Create (no ``pk``) or update an offering; the catalogue checks' first problem is shown at its field."""
    city_obj = _city(request, city)
    providers = providers_of(request.user, city_obj)
    if not providers:
        raise PermissionDenied(_("Only a provider's people create and edit its offerings."))
    offering = _own_offering(request, city_obj, pk) if pk is not None else None
    if request.method == "POST":
        form = OfferingForm(request.POST, providers=providers)
        if offering is not None and offering.status == Offering.Status.SUBMITTED:
            form.is_valid()
            form.add_error(None, _("This offering is waiting for review: it can be changed after the decision."))
        elif form.is_valid():
            provider = offering.provider if offering else next(
                (p for p in providers if str(p.pk) == form.cleaned_data["provider"]), providers[0])  # fmt: skip
            checked = check_values(
                city_obj, form.raw_values(), catalogue_id=offering.catalogue_id if offering else f"{provider.slug}-new",
                provider=provider.name, voucher=offering.voucher if offering else None,
            )  # fmt: skip
            if checked.ok:
                saved = save_offering(provider, offering, checked.values or {}, request.user)
                if "submit_for_review" in request.POST and saved.status in SUBMITTABLE:
                    submit_offering(saved, request.user)
                return redirect("catalogue-offerings", city=city_obj.slug)
            problem = checked.problem
            field = problem.field if problem and problem.field in form.fields else None
            form.add_error(field, _problem_message(problem))  # type: ignore[arg-type]
    else:
        initial: dict[str, Any] = form_values(offering) if offering else {"provider": str(providers[0].pk)}
        if offering is not None:
            initial["pillars"] = [p for p in offering.pillars.split(";") if p]
            initial["provider"] = str(offering.provider_id)
        form = OfferingForm(initial=initial, providers=providers)
    return _page(request, city_obj, "offering_form.html", {
        "form": form, "offering": offering, "page_config": _map_config(city_obj, fitted=offering is not None),
        "several_providers": len(providers) > 1 and offering is None,
    })  # fmt: skip


@login_required
@require_POST
def submit(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    city_obj = _city(request, city)
    offering = _own_offering(request, city_obj, pk)
    try:
        submit_offering(offering, request.user)
    except OfferingError as error:
        return _page(request, city_obj, "message.html", {"message": str(error)})
    return redirect("catalogue-offerings", city=city_obj.slug)


@login_required
@require_GET
def history(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    """Every change of one offering: who, when, what (field: old → new), and the moderators' reasons."""
    city_obj = _city(request, city)
    offering = get_object_or_404(Offering.objects.select_related("provider"), pk=pk, provider__city=city_obj)
    if not (is_moderator(request.user) or may_edit(request.user, offering)):
        raise Http404(_("No such offering among your organisation's offerings."))
    labels, actions, statuses = field_labels(), action_labels(), status_labels()
    pillar_names = pillar_labels()

    def shown(field: str, value: str) -> str:
        if value in ("", None):
            return "—"
        if field == "status":
            return statuses.get(value, value)
        if field == "category":
            return category_label(value)
        if field == "pillars":
            return ", ".join(pillar_names.get(p, p) for p in str(value).split(";"))
        if field == "voucher":
            return _("yes") if value == "yes" else _("no")
        return str(value)

    entries = [
        {
            "change": change,
            "action": actions.get(change.action, change.action),
            "lines": [(labels.get(f, f), shown(f, old), shown(f, new)) for f, old, new in change.changes],
        }
        for change in offering.changes.all()
    ]
    return _page(request, city_obj, "history.html", {"offering": offering, "entries": entries})


def _moderator_city(request: HttpRequest, city: str) -> City:
    city_obj = _city(request, city)
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only the city's catalogue moderators review offerings."))
    return city_obj


@login_required
@require_GET
def review(request: HttpRequest, city: str) -> HttpResponse:
    """The moderators' queue: submitted offerings to decide on, approved ones, and the publications."""
    city_obj = _moderator_city(request, city)
    offerings_of_city = Offering.objects.filter(provider__city=city_obj).select_related("provider")
    jobs = list(city_obj.catalogue_jobs.all()[:5])
    licence, attribution = licence_and_attribution(city_obj)
    names = pillar_labels()
    queue = list(offerings_of_city.filter(status=Offering.Status.SUBMITTED).order_by("updated", "id"))
    for offering in queue:
        offering.pillar_text = ", ".join(names.get(p, p) for p in offering.pillars.split(";") if p)
    return _page(request, city_obj, "review.html", {
        "queue": queue,
        "approved": offerings_of_city.filter(approved_values__isnull=False).order_by("name"),
        "jobs": jobs, "running": active_job(city_obj), "categories": {c: category_label(c) for c in CATEGORIES},
        "pillar_names": pillar_labels(), "labels": field_labels(), "licence": licence, "attribution": attribution,
        "error": request.session.pop("catalogue_error", ""),
    })  # fmt: skip


def _voucher_choice(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@login_required
@require_POST
def decide(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    city_obj = _moderator_city(request, city)
    offering = get_object_or_404(Offering.objects.select_related("provider"), pk=pk, provider__city=city_obj)
    try:
        decide_offering(offering, request.user, request.POST.get("decision", ""),
                        reason=request.POST.get("reason", ""),
                        voucher=_voucher_choice(request.POST.get("voucher", "")))  # fmt: skip
    except OfferingError as error:
        request.session["catalogue_error"] = f"{offering.name}: {error}"
    return redirect("catalogue-review", city=city_obj.slug)


@login_required
@require_POST
def voucher(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    city_obj = _moderator_city(request, city)
    offering = get_object_or_404(Offering, pk=pk, provider__city=city_obj)
    set_voucher(offering, request.user, _voucher_choice(request.POST.get("voucher", "")))
    return redirect("catalogue-review", city=city_obj.slug)


@login_required
@require_POST
def publish(request: HttpRequest, city: str) -> HttpResponse:
    """Start publishing the approved offerings (a background job; the queue page shows its progress)."""
    city_obj = _moderator_city(request, city)
    start_publish_job(city_obj, request.user)
    return redirect("catalogue-review", city=city_obj.slug)


@page_access("families")
@require_GET
def open_catalogue(request: HttpRequest, city: str, fmt: str) -> HttpResponse:
    """The city's approved offerings as CSV or GeoJSON, with licence and attribution."""
    city_obj = get_object_or_404(City, slug=city)
    if fmt == "csv":
        response = HttpResponse(open_catalogue_csv(city_obj), content_type="text/csv; charset=utf-8")
    elif fmt == "geojson":
        body = json.dumps(catalogue_geojson(city_obj), ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json")
    else:
        raise Http404(_("Formats: csv or geojson."))
    response["Content-Disposition"] = f'attachment; filename="{city_obj.slug}_open_catalogue.{fmt}"'
    return response
