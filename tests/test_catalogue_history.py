"""Every change of an offering is kept (issue #18): who, when, what (field: old → new), the moderators' reasons,
and a readable history page per offering (hostile text shown as text)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.catalogue_helpers import make_people, offering_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> dict[str, object]:
    from geo.models import City, DataRelease

    city = City.objects.create(slug="milan", name="Milano", country="IT", metric_epsg=32632, language="it")
    DataRelease.objects.create(city=city, input_hash="h" * 64, status=DataRelease.Status.READY)
    return make_people(city)


def _client(user: object) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_history_records_who_when_and_what(people: dict[str, object]) -> None:
    from geo.models import Offering

    started = timezone.now()
    anna, mod = _client(people["anna"]), _client(people["mod"])
    teatro = people["teatro"]
    assert anna.post("/cities/milan/catalogue/new/", offering_post(teatro, name="Corso")).status_code == 302
    offering = Offering.objects.get()
    base = f"/cities/milan/catalogue/{offering.pk}/"
    changed = offering_post(teatro, name="Corso di teatro", opening_hours="Mo-Fr 16:00-18:00")
    assert anna.post(base, changed).status_code == 302
    assert anna.post(base, changed).status_code == 302  # the same values again: nothing to record
    assert anna.post(f"{base}submit/").status_code == 302
    review = f"/cities/milan/catalogue/review/{offering.pk}/"
    assert mod.post(review, {"decision": "changes", "reason": "Indicate the <b>price</b> per month"}).status_code == 302
    assert anna.post(base, changed | {"price": "25", "submit_for_review": "1"}).status_code == 302
    assert mod.post(review, {"decision": "approve", "voucher": "yes"}).status_code == 302

    offering.refresh_from_db()
    assert (offering.status, offering.voucher, offering.price) == ("approved", True, 25)
    history = list(offering.changes.order_by("at", "id"))
    assert [(c.username, c.action) for c in history] == [
        ("anna", "created"),
        ("anna", "edited"),
        ("anna", "submitted"),
        ("mod", "changes_requested"),
        ("anna", "edited"),
        ("anna", "submitted"),
        ("mod", "voucher"),
        ("mod", "approved"),
    ]
    assert all(started <= c.at <= timezone.now() + dt.timedelta(seconds=1) for c in history)
    assert [c.at for c in history] == sorted(c.at for c in history)
    created = {f: new for f, _, new in history[0].changes}
    assert created["name"] == "Corso" and created["latitude"] == "45.464" and "website" not in created
    assert history[1].changes == [["name", "Corso", "Corso di teatro"],
                                  ["opening_hours", "Mo-Fr 15:00-18:30", "Mo-Fr 16:00-18:00"]]  # fmt: skip
    assert history[3].reason == "Indicate the <b>price</b> per month"
    assert history[3].changes == [["status", "submitted", "changes_requested"]]
    assert history[4].changes == [["price", "0", "25"], ["status", "changes_requested", "draft"]]
    assert history[6].changes == [["voucher", "", "yes"]]
    assert offering.approved_values["name"] == "Corso di teatro" and offering.approved_values["voucher"] is True

    # The history page, in words: who, what changed from what to what, the reason (as text, never as HTML).
    page = anna.get(f"{base}history/").content.decode()
    assert "Name</span>: <del>Corso</del> → <ins>Corso di teatro</ins>" in page
    assert "Price (EUR)</span>: <del>0</del> → <ins>25</ins>" in page
    assert "Voucher accepted</span>: <del>—</del> → <ins>yes</ins>" in page
    assert "Indicate the &lt;b&gt;price&lt;/b&gt; per month" in page and "<b>price</b>" not in page
    assert page.count('class="who">mod<') == 3 and page.count('class="who">anna<') == 5
    # In Italian for the city's language.
    italian = Client()
    italian.force_login(people["anna"])
    page = italian.get(f"{base}history/").content.decode()
    assert "Nome</span>: <del>Corso</del> → <ins>Corso di teatro</ins>" in page and "modifiche richieste" in page


def test_a_decision_needs_a_reason_and_a_submitted_offering(people: dict[str, object]) -> None:
    from geo.models import Offering

    offering = Offering.objects.create(provider=people["teatro"], name="Corso", category="arts",
                                       pillars="talents_creativity", longitude=9.19, latitude=45.464)  # fmt: skip
    mod = _client(people["mod"])
    review = f"/cities/milan/catalogue/review/{offering.pk}/"
    mod.post(review, {"decision": "approve"})  # a draft: not for the moderators yet
    assert _client(people["anna"]).post(f"/cities/milan/catalogue/{offering.pk}/submit/").status_code == 302
    page = mod.get("/cities/milan/catalogue/review/")  # the error of the refused decision, shown once
    assert "Only a submitted offering can be decided on" in page.content.decode()
    response = mod.post(review, {"decision": "reject", "reason": "   "})
    assert response.status_code == 302
    assert "Give a reason" in mod.get("/cities/milan/catalogue/review/").content.decode()
    offering.refresh_from_db()
    assert offering.status == "submitted"
    assert [c.action for c in offering.changes.order_by("at", "id")] == ["submitted"]
    mod.post(review, {"decision": "reject", "reason": "Not for children"})
    offering.refresh_from_db()
    assert (offering.status, offering.reason, offering.approved_values) == ("rejected", "Not for children", None)
