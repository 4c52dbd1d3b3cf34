"""Catalogue security (issue #18): CSRF enforced, a provider edits only its own offerings, only moderators decide
and publish, anonymous visitors only reach the login page; nothing changes when a request is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.catalogue_helpers import make_people, offering_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None) -> object:
    from geo.models import City, DataRelease

    city = City.objects.create(slug="milan", name="Milano", country="IT", metric_epsg=32632, language="it")
    DataRelease.objects.create(city=city, input_hash="m" * 64, status=DataRelease.Status.READY)
    return city


@pytest.fixture
def people(city: object) -> dict[str, object]:
    return make_people(city)


def _client(user: str, *, csrf: bool = False) -> Client:
    from django.contrib.auth.models import User

    client = Client(enforce_csrf_checks=csrf)
    client.cookies["django_language"] = "en"  # the pages speak the city's Italian unless the visitor chose
    client.force_login(User.objects.get(username=user))
    return client


def _offering(people: dict[str, object], provider: str, status: str = "draft") -> object:
    from geo.models import Offering

    return Offering.objects.create(
        provider=people[provider], name="Corso", category="sport", pillars="physical_activity", longitude=9.19,
        latitude=45.464, status=status,
    )  # fmt: skip


def test_a_post_without_the_csrf_token_is_refused(people: dict[str, object]) -> None:
    from geo.models import Offering

    client = _client("anna", csrf=True)
    response = client.post("/cities/milan/catalogue/new/", offering_post(people["teatro"]))
    assert response.status_code == 403
    assert not Offering.objects.exists()
    # The same post with the page's token is accepted (the refusal was the token, nothing else).
    page = client.get("/cities/milan/catalogue/new/")
    token = page.cookies["csrftoken"].value
    response = client.post("/cities/milan/catalogue/new/", offering_post(people["teatro"]),
                           HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 302
    assert Offering.objects.get().provider == people["teatro"]


def test_a_moderator_decision_without_the_csrf_token_is_refused(people: dict[str, object]) -> None:
    offering = _offering(people, "teatro", "submitted")
    response = _client("mod", csrf=True).post(f"/cities/milan/catalogue/review/{offering.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    offering.refresh_from_db()
    assert offering.status == "submitted"


def test_a_provider_cannot_see_edit_or_submit_another_providers_offering(people: dict[str, object]) -> None:
    theirs = _offering(people, "sport")
    client = _client("anna")  # Teatro Ragazzi only
    assert client.get(f"/cities/milan/catalogue/{theirs.pk}/").status_code == 404
    edit = client.post(f"/cities/milan/catalogue/{theirs.pk}/", offering_post(people["teatro"], name="Rubato"))
    assert edit.status_code == 404
    assert client.post(f"/cities/milan/catalogue/{theirs.pk}/submit/").status_code == 404
    assert client.get(f"/cities/milan/catalogue/{theirs.pk}/history/").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.status) == ("Corso", "draft")
    assert not theirs.changes.exists()
    # Their list does not show it either; a member of both providers sees both.
    assert "Corso" not in client.get("/cities/milan/catalogue/").content.decode()
    assert "Corso" in _client("carla").get("/cities/milan/catalogue/").content.decode()


def test_a_new_offering_cannot_be_filed_under_another_provider(people: dict[str, object]) -> None:
    from geo.models import Offering

    response = _client("anna").post("/cities/milan/catalogue/new/", offering_post(people["sport"]))
    assert response.status_code == 200  # the form again, saying the provider is not one of hers
    assert "Select a valid choice" in response.content.decode()
    assert not Offering.objects.exists()


def test_only_moderators_decide_set_vouchers_and_publish(people: dict[str, object]) -> None:
    from geo.models import CatalogueJob

    offering = _offering(people, "teatro", "submitted")
    for user in ("anna", "plain"):
        client = _client(user)
        refused = client.get("/cities/milan/catalogue/review/")
        assert refused.status_code == 403
        assert "Only the city&#x27;s catalogue moderators review offerings." in refused.content.decode()
        review = f"/cities/milan/catalogue/review/{offering.pk}/"
        assert client.post(review, {"decision": "approve", "voucher": "yes"}).status_code == 403
        assert client.post(f"{review}voucher/", {"voucher": "yes"}).status_code == 403
        assert client.post("/cities/milan/catalogue/publish/").status_code == 403
    offering.refresh_from_db()
    assert (offering.status, offering.voucher, offering.approved_values) == ("submitted", None, None)
    assert not CatalogueJob.objects.exists()
    # A plain user (no provider, not a moderator) has no catalogue at all.
    assert _client("plain").get("/cities/milan/catalogue/").status_code == 403
    assert _client("plain").get("/cities/milan/catalogue/new/").status_code == 403


def test_anonymous_visitors_get_the_login_page_and_change_nothing(people: dict[str, object]) -> None:
    from geo.models import Offering

    offering = _offering(people, "teatro", "submitted")
    client = Client()
    for url in ("/cities/milan/catalogue/", "/cities/milan/catalogue/new/", "/cities/milan/catalogue/review/",
                f"/cities/milan/catalogue/{offering.pk}/history/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), url
    posts = {
        "/cities/milan/catalogue/new/": offering_post(people["teatro"]),
        f"/cities/milan/catalogue/{offering.pk}/": offering_post(people["teatro"], name="Anonimo"),
        f"/cities/milan/catalogue/{offering.pk}/submit/": {},
        f"/cities/milan/catalogue/review/{offering.pk}/": {"decision": "approve"},
        "/cities/milan/catalogue/publish/": {},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    offering.refresh_from_db()
    assert (Offering.objects.count(), offering.name, offering.status) == (1, "Corso", "submitted")
    assert not offering.changes.exists()


def test_a_submitted_offering_waits_for_its_review(people: dict[str, object]) -> None:
    offering = _offering(people, "teatro", "submitted")
    response = _client("anna").post(f"/cities/milan/catalogue/{offering.pk}/", offering_post(people["teatro"]))
    assert response.status_code == 200
    assert "waiting for review" in response.content.decode()
    offering.refresh_from_db()
    assert offering.name == "Corso"


def test_a_provider_cannot_set_voucher_eligibility_or_state(people: dict[str, object]) -> None:
    from geo.models import Offering

    client = _client("anna")
    extra = {"voucher": "yes", "status": "approved", "approved_values": '{"name": "x"}', "reason": "ok"}
    assert client.post("/cities/milan/catalogue/new/", offering_post(people["teatro"]) | extra).status_code == 302
    offering = Offering.objects.get()
    assert (offering.voucher, offering.status, offering.approved_values, offering.reason) == (None, "draft", None, "")
