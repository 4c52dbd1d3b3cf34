"""Providers' offerings: checking, saving, review and history (issue #18, "Catalogue management").

A provider's people create and edit offerings in the catalogue schema (README); each save is checked by the very
row checks of the file import (:func:`data_sources.catalogue.catalogue_row_checked`), so a form shows the same
messages a rejected file row gets. An offering goes ``draft`` → ``submitted`` → ``approved`` / ``rejected`` (with a
reason) / ``changes_requested`` (with a reason); only moderators (the permission ``geo.moderate_offering``, given
to the group :data:`MODERATORS_GROUP`) decide, and only they set voucher eligibility. Every change is an
:class:`~geo.models.OfferingChange` (who, when, field: old → new).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import shapely
from django.db import transaction
from django.utils.translation import gettext as _

from data_sources.catalogue import catalogue_row_checked
from data_sources.cities import city_config_from_slug
from data_sources.errors import ConfigError, VicinoError
from data_sources.rejects import Reject
from geo.models import City, DataRelease, Offering, OfferingChange, Provider

#: The group of the city's moderators, and the permission that makes one.
MODERATORS_GROUP = "catalogue moderators"
MODERATE_PERMISSION = "geo.moderate_offering"

#: What a provider fills in (the catalogue schema without ``id``, ``provider`` and ``voucher``: the id is made
#: here, the provider is the organisation, voucher eligibility is the city's).
PROVIDER_FIELDS: tuple[str, ...] = (
    "name", "category", "pillars", "kind", "age_min", "age_max", "price", "opening_hours", "capacity", "address",
    "website", "longitude", "latitude",
)  # fmt: skip
#: The columns of a published catalogue file, in the README's order.
CATALOGUE_COLUMNS: tuple[str, ...] = (
    "id", "name", "provider", "category", "pillars", "kind", "age_min", "age_max", "price", "voucher",
    "opening_hours", "capacity", "address", "longitude", "latitude", "website",
)  # fmt: skip
#: Where a provider may edit: a submitted offering waits for its review, an approved one may be updated.
EDITABLE = {Offering.Status.DRAFT, Offering.Status.CHANGES_REQUESTED, Offering.Status.REJECTED,
            Offering.Status.APPROVED}  # fmt: skip
SUBMITTABLE = {Offering.Status.DRAFT, Offering.Status.CHANGES_REQUESTED}


class OfferingError(VicinoError):
    """A request the offering's state or the user's role does not allow (shown to the user as it is)."""


@dataclass(frozen=True)
class Checked:
    """The outcome of checking an offering's values: the values as they load, or the first problem."""

    values: dict[str, Any] | None
    problem: Reject | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def moderators_group() -> Any:
    """The moderators' group with its permission (made by migration 0008; made again here if it was deleted)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    group.permissions.add(Permission.objects.get(codename="moderate_offering", content_type__app_label="geo"))
    return group


def is_moderator(user: Any) -> bool:
    """Whether ``user`` may review offerings and set voucher eligibility."""
    return bool(user is not None and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def providers_of(user: Any, city: City) -> list[Provider]:
    """The providers of ``city`` that ``user`` belongs to."""
    if user is None or not user.is_authenticated:
        return []
    return list(Provider.objects.filter(city=city, memberships__user=user).order_by("name"))


def may_edit(user: Any, offering: Offering) -> bool:
    """Whether ``user`` belongs to the offering's provider (moderators review; they do not edit providers' text)."""
    return offering.provider.memberships.filter(user=user).exists() if user.is_authenticated else False


@lru_cache(maxsize=8)
def _boundary_of_release(release_pk: int, input_hash: str, level: str, kind: str) -> shapely.Geometry | None:
    # A release's zones never change once loaded: keyed by id and inputs (a test database reuses ids).
    release = DataRelease.objects.get(pk=release_pk)
    if kind == "zones":
        geometries = release.neighbourhoods.filter(level=level).values_list("geom", flat=True)
    else:
        geometries = release.population_zones.filter(kind="h3").values_list("geom", flat=True)
    shapes = [shapely.from_wkb(bytes(g.wkb)) for g in geometries]
    return shapely.union_all(shapes) if shapes else None


def city_boundary(city: City) -> shapely.Geometry | None:
    """The boundary a catalogue file of ``city`` is checked against (the one its configuration names)."""
    release = city.current_release()
    try:
        config = city_config_from_slug(city.slug)
    except ConfigError:
        return None
    source = config.sources.get(config.boundary) if config.boundary else None
    if release is None or source is None:
        return None
    return _boundary_of_release(release.pk, release.input_hash, source.options.get("level", source.name), source.kind)


def _text(value: Any) -> str:
    """A value as a form shows it: empty for unknown, numbers without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        text = f"{value:f}" if isinstance(value, Decimal) else repr(value)
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def form_values(offering: Offering) -> dict[str, str]:
    """An offering's provider fields as text (the form's initial values)."""
    return {name: _text(getattr(offering, name)) for name in PROVIDER_FIELDS}


def check_values(city: City, raw: dict[str, Any], *, catalogue_id: str, provider: str, voucher: bool | None) -> Checked:
    """Check a provider's values (text, as typed) with the catalogue file's row checks and the city boundary."""
    row = {name: raw.get(name, "") for name in PROVIDER_FIELDS}
    row |= {"id": catalogue_id, "provider": provider, "voucher": "" if voucher is None else _text(voucher)}
    values, problem = catalogue_row_checked(row, boundary=city_boundary(city), source="form")
    return Checked(values, problem)


def _model_value(name: str, value: Any) -> Any:
    if value is None:
        return None if name in {"age_min", "age_max", "price", "capacity", "voucher"} else ""
    if name in {"age_min", "age_max", "capacity"}:
        return int(value)
    if name == "price":
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def _record(offering: Offering, user: Any, action: str, changes: list[list[Any]], reason: str = "") -> OfferingChange:
    return OfferingChange.objects.create(
        offering=offering, user=user, username=getattr(user, "username", "") or "system", action=action,
        changes=changes, reason=reason,
    )  # fmt: skip


def _diff(before: dict[str, str], after: dict[str, str]) -> list[list[str]]:
    return [[name, before.get(name, ""), after[name]] for name in after if before.get(name, "") != after[name]]


@transaction.atomic
def save_offering(provider: Provider, offering: Offering | None, values: dict[str, Any], user: Any) -> Offering:
    """Create (``offering`` None) or update an offering from checked ``values``; record what changed.

    An edit of a rejected, approved or changes-requested offering makes it a draft again (submit it for review);
    an approved offering stays published as approved until its new version is approved.
    """
    if offering is not None and offering.status not in EDITABLE:
        raise OfferingError(_("This offering is waiting for review: it can be changed after the decision."))
    created = offering is None
    if created:
        offering = Offering(provider=provider)
        before: dict[str, str] = {}
    else:
        before = form_values(offering) | {"status": offering.status}
    for name in PROVIDER_FIELDS:
        setattr(offering, name, _model_value(name, values.get(name)))
    status_before = offering.status
    if not created:
        offering.status = Offering.Status.DRAFT
    offering.save()
    after = form_values(offering)
    changes = _diff(before, after)
    if created:
        changes = [change for change in changes if change[2] != ""]
        _record(offering, user, OfferingChange.Action.CREATED, changes)
    elif changes:
        if status_before != offering.status:
            changes.append(["status", status_before, offering.status])
        _record(offering, user, OfferingChange.Action.EDITED, changes)
    else:  # nothing changed: the state stays as it was
        offering.status = status_before
        offering.save(update_fields=["status"])
    return offering


@transaction.atomic
def submit_offering(offering: Offering, user: Any) -> Offering:
    """Send a draft (or an offering whose changes were asked for) to the moderators."""
    if offering.status not in SUBMITTABLE:
        raise OfferingError(
            _("Only a draft can be submitted for review (this one is %(status)s).") % {"status": offering.status}
        )
    _record(offering, user, OfferingChange.Action.SUBMITTED, [["status", offering.status, "submitted"]])
    offering.status = Offering.Status.SUBMITTED
    offering.reason = ""
    offering.save(update_fields=["status", "reason", "updated"])
    return offering


def approved_row(offering: Offering, values: dict[str, Any]) -> dict[str, Any]:
    """The catalogue row of an approved offering (the published copy, JSON-safe)."""
    row = {name: values.get(name) for name in CATALOGUE_COLUMNS}
    row["id"] = offering.catalogue_id
    row["provider"] = offering.provider.name
    return row


@transaction.atomic
def decide_offering(
    offering: Offering, user: Any, decision: str, *, reason: str = "", voucher: bool | None = None
) -> Offering:
    """A moderator's decision on a submitted offering: ``approve``, ``reject`` or ``changes`` (the last two with a
    reason); ``voucher`` is the city's voucher eligibility (None = not decided), recorded when it changes.

    Raises
    ------
    OfferingError
        Not a moderator, not submitted, no reason, an unknown decision, or (approve) values that no longer pass
        the catalogue checks (the city boundary may have changed).
    """
    if not is_moderator(user):
        raise OfferingError(_("Only the city's catalogue moderators decide on offerings."))
    if offering.status != Offering.Status.SUBMITTED:
        raise OfferingError(
            _("Only a submitted offering can be decided on (this one is %(status)s).") % {"status": offering.status}
        )
    reason = reason.strip()
    actions = {
        "approve": (Offering.Status.APPROVED, OfferingChange.Action.APPROVED),
        "reject": (Offering.Status.REJECTED, OfferingChange.Action.REJECTED),
        "changes": (Offering.Status.CHANGES_REQUESTED, OfferingChange.Action.CHANGES_REQUESTED),
    }
    if decision not in actions:
        raise OfferingError(_("Unknown decision %(decision)r: approve, reject or changes.") % {"decision": decision})
    if decision != "approve" and not reason:
        raise OfferingError(_("Give a reason: the provider reads it."))
    _set_voucher(offering, user, voucher)
    status, action = actions[decision]
    if decision == "approve":
        checked = check_values(
            offering.provider.city, form_values(offering), catalogue_id=offering.catalogue_id,
            provider=offering.provider.name, voucher=offering.voucher,
        )  # fmt: skip
        if not checked.ok:
            raise OfferingError(
                _("It no longer passes the catalogue checks: %(problem)s.") % {"problem": checked.problem}
            )
        offering.approved_values = approved_row(offering, checked.values or {})
    _record(offering, user, action, [["status", offering.status, status]], reason)
    offering.status = status
    offering.reason = reason
    offering.save()
    return offering


def _set_voucher(offering: Offering, user: Any, voucher: bool | None) -> None:
    if voucher == offering.voucher:
        return
    _record(offering, user, OfferingChange.Action.VOUCHER, [["voucher", _text(offering.voucher), _text(voucher)]])
    offering.voucher = voucher
    if offering.approved_values is not None:
        offering.approved_values = offering.approved_values | {"voucher": voucher}
    offering.save()


@transaction.atomic
def set_voucher(offering: Offering, user: Any, voucher: bool | None) -> Offering:
    """A moderator sets an offering's voucher eligibility (an approved one's published copy follows at once)."""
    if not is_moderator(user):
        raise OfferingError(_("Only the city's catalogue moderators set voucher eligibility."))
    _set_voucher(offering, user, voucher)
    return offering


def approved_rows(city: City) -> list[dict[str, Any]]:
    """The city's published catalogue: the approved copy of every offering that has one, by id."""
    offerings = Offering.objects.filter(provider__city=city, approved_values__isnull=False).select_related("provider")
    rows = [offering.approved_values for offering in offerings if offering.approved_values]
    return sorted(rows, key=lambda row: str(row["id"]))
