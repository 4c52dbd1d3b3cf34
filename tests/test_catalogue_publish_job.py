"""Publishing approved offerings (issue #18): a background job writes them as a catalogue file, loads a new release,
computes the layers the served release has, publishes it, and records its progress; a failed job leaves the
previous release served."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.catalogue_helpers import make_people

DUOMO = (9.1900, 45.4640)


def _milan_with_a_layer() -> object:
    from data_sources.cities import city_config_from_slug
    from geo.access import compute_access
    from geo.importing import import_city
    from geo.models import City
    from routing.profiles import profile_by_name

    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    compute_access(city, profiles=(profile_by_name("age_11_13"),), origin_kinds={"nil"})
    return city


def _offering(people: dict[str, object], name: str, decision: str) -> object:
    from geo.models import Offering
    from geo.offerings import decide_offering

    offering = Offering.objects.create(
        provider=people["teatro"], name=name, category="arts", pillars="talents_creativity", age_min=8, age_max=14,
        longitude=DUOMO[0], latitude=DUOMO[1], status="submitted",
    )  # fmt: skip
    decide_offering(offering, people["mod"], decision, reason="not for children", voucher=True)
    return offering


@pytest.mark.django_db(transaction=True)
def test_a_job_in_the_background_publishes_a_new_release_with_the_offering(settings: object, tmp_path: Path) -> None:
    from geo.catalogue_publishing import start_publish_job, wait_for_job
    from geo.models import CatalogueJob, Opportunity

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = _milan_with_a_layer()
    before = city.current_release()
    people = make_people(city)
    approved = _offering(people, "Teatro dei ragazzi in Duomo", "approve")
    _offering(people, "Never shown", "reject")

    job = start_publish_job(city, people["mod"])
    assert job.status == CatalogueJob.Status.QUEUED and job.steps == 4  # write, load, 1 mode of layers, publish
    wait_for_job(job, timeout=300)
    job.refresh_from_db()
    assert job.status == CatalogueJob.Status.DONE, job.message
    assert (job.step, job.steps, job.offerings) == (4, 4, 1)
    assert job.finished is not None and job.finished >= job.created

    served = city.current_release()
    assert served.pk == job.release_id and served.pk != before.pk
    assert before.opportunities.count() + 1 == served.opportunities.count()
    new = Opportunity.objects.get(release=served, source="providers")
    assert (new.source_id, new.name, new.voucher) == (f"teatro-ragazzi-{approved.pk}", approved.name, True)
    assert (round(new.geom.x, 6), round(new.geom.y, 6)) == DUOMO
    assert not served.opportunities.filter(name="Never shown").exists()
    # The served release has the layers the previous one had, computed with the new offering counted.
    assert set(served.access_layers.values_list("mode", "profile", "origin_kind")) == {("walk", "age_11_13", "nil")}
    # The file it loaded is the open catalogue's CSV, under VICINO_HOME.
    path = tmp_path / "catalogues" / "milan" / f"providers-{job.pk}.csv"
    assert [row["name"] for row in csv.DictReader(path.open(encoding="utf-8"))] == [approved.name]
    assert served.inputs["providers"]["file"] == str(path)


@pytest.mark.django_db
def test_a_failed_job_leaves_the_previous_release_served(
    settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo import catalogue_publishing
    from geo.models import CatalogueJob, DataRelease

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = _milan_with_a_layer()
    before = city.current_release()
    people = make_people(city)
    _offering(people, "Teatro dei ragazzi", "approve")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(catalogue_publishing, "compute_access", broken)
    job = catalogue_publishing.start_publish_job(city, people["mod"], background=False)
    assert job.status == CatalogueJob.Status.FAILED
    assert job.message == "RuntimeError: the disk is full"
    assert (job.step, job.steps) == (3, 4)  # it failed at the layers, after loading
    assert city.current_release().pk == before.pk  # families keep the previous release
    assert DataRelease.objects.get(pk=job.release_id).status == DataRelease.Status.LOADED  # never published

    # The moderator reads it, in words, on the queue page.
    from django.test import Client

    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(people["mod"])
    page = client.get("/cities/milan/catalogue/review/").content.decode()
    assert "RuntimeError: the disk is full" in page and "Families still see the previous version." in page


@pytest.mark.django_db
def test_nothing_approved_is_nothing_to_publish(settings: object, tmp_path: Path) -> None:
    from data_sources.cities import city_config_from_slug
    from geo.catalogue_publishing import start_publish_job
    from geo.importing import import_city
    from geo.models import City, DataRelease

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    people = make_people(city)
    job = start_publish_job(city, people["mod"], background=False)
    # Said in the city's language (the moderators'): Italian for Milan.
    assert (job.status, job.message) == ("failed", "Nessuna offerta è ancora approvata: niente da pubblicare.")
    assert DataRelease.objects.filter(city=city).count() == 1


@pytest.mark.django_db
def test_a_publication_left_by_a_stopped_process_is_marked_failed(settings: object, tmp_path: Path) -> None:
    import os
    import socket

    from geo.catalogue_publishing import start_publish_job
    from geo.models import CatalogueJob, City

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = City.objects.create(slug="milan", name="Milano", country="IT", metric_epsg=32632, language="en")
    people = make_people(city)
    host = socket.gethostname()
    # Another web worker's publication, still running (its process exists): returned, not started twice.
    alive = CatalogueJob.objects.create(city=city, status="running", steps=4, worker=f"{host}:{os.getppid()}")
    assert start_publish_job(city, people["mod"], background=False).pk == alive.pk
    assert CatalogueJob.objects.count() == 1
    # Its process is gone (no such pid): the next "publish" says so on it and starts a new one.
    CatalogueJob.objects.filter(pk=alive.pk).update(worker=f"{host}:4194304")  # above Linux's pid_max
    job = start_publish_job(city, people["mod"], background=False)
    alive.refresh_from_db()
    assert (alive.status, alive.message) == ("failed", "Interrupted: the server stopped while it ran. Publish again.")
    assert job.pk != alive.pk and job.status == "failed"  # nothing approved: nothing to publish
