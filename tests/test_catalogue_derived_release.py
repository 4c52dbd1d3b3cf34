"""Publishing approved offerings without a full city reload (issue #18): the new release is derived from the served
one (its rows copied, the ``providers`` catalogue replaced) and must equal what a full import of the same inputs
gives, on Milan's real data: same opportunities, zones, population, schools, transit stops, street network, counts,
input hash, and the same accessibility values. A failure while deriving leaves the previous release served and no
half-made release behind; offerings the catalogue checks refuse are reported on the job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.catalogue_helpers import make_people

DUOMO = (9.1900, 45.4640)
NAVIGLI = (9.1750, 45.4520)
PROFILE = "age_11_13"


def _milan_with_a_layer() -> Any:
    from data_sources.cities import city_config_from_slug
    from geo.access import compute_access
    from geo.importing import import_city
    from geo.models import City
    from routing.profiles import profile_by_name

    import_city(city_config_from_slug("milan"))
    city = City.objects.get(slug="milan")
    compute_access(city, profiles=(profile_by_name(PROFILE),), origin_kinds={"nil"})
    return city


def _approve(people: dict[str, Any], name: str, point: tuple[float, float], category: str = "arts") -> Any:
    from geo.models import Offering
    from geo.offerings import decide_offering

    offering = Offering.objects.create(
        provider=people["teatro"], name=name, category=category, pillars="talents_creativity", age_min=8, age_max=14,
        longitude=point[0], latitude=point[1], status="submitted",
    )  # fmt: skip
    decide_offering(offering, people["mod"], "approve", voucher=True)
    return offering


def _snapshot(release: Any) -> dict[str, Any]:
    """What a release holds, by content (never by database id)."""
    from geo.models import NeighbourhoodPopulation, TransitStop

    def point(geom: Any) -> tuple[float, float]:
        return (round(geom.x, 7), round(geom.y, 7))

    return {
        "opportunities": sorted(
            (o.source, o.source_id, o.name, o.category, o.pillars, o.age_min, o.age_max, o.voucher, point(o.geom))
            for o in release.opportunities.all()
        ),
        "zones": sorted((z.level, z.code, z.name, round(z.area_m2, 3)) for z in release.neighbourhoods.all()),
        "zone_population": sorted(
            (
                p.neighbourhood.level,
                p.neighbourhood.code,
                p.units,
                round(p.youth_0_17, 6),
                round(p.age_10_14, 6),
                point(p.origin),
            )
            for p in NeighbourhoodPopulation.objects.filter(neighbourhood__release=release).select_related(
                "neighbourhood"
            )
        ),  # fmt: skip
        "population_units": sorted(
            (u.kind, u.code, u.youth_0_17, u.population, point(u.point)) for u in release.population_zones.all()
        ),
        "schools": sorted((s.source, s.source_id, s.name, s.level, point(s.geom)) for s in release.schools.all()),
        "feeds": sorted((f.name, f.sha256, f.has_timetables) for f in release.transit_feeds.all()),
        "stops": sorted(
            (s.feed.name, s.stop_id, point(s.geom))
            for s in TransitStop.objects.filter(feed__release=release).select_related("feed")
        ),  # fmt: skip
        "network": sorted(
            release.__class__.objects.filter(pk=release.pk).values_list(
                "street_network__graph_path", "street_network__nodes", "street_network__edges"
            )
        ),
        "counts": release.counts,
        "inputs": release.inputs,
        "input_hash": release.input_hash,
    }


def _layer_values(release: Any) -> dict[str, dict[str, Any]]:
    layer = release.access_layers.get(mode="walk", profile=PROFILE, origin_kind="nil")
    return {value.origin_id: value.values for value in layer.values.all()}


@pytest.mark.django_db
def test_the_derived_release_equals_a_full_import_of_the_same_inputs(settings: object, tmp_path: Path) -> None:
    from data_sources.cities import city_config_from_slug
    from geo.access import compute_access
    from geo.catalogue_publishing import start_publish_job
    from geo.importing import import_catalogue
    from geo.models import DataRelease
    from routing.profiles import profile_by_name

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = _milan_with_a_layer()
    before = city.current_release()
    people = make_people(city)
    _approve(people, "Teatro dei ragazzi in Duomo", DUOMO)
    _approve(people, "Canoa sui Navigli", NAVIGLI, category="sport")

    job = start_publish_job(city, people["mod"], background=False)
    assert job.status == "done", job.message
    derived = DataRelease.objects.get(pk=job.release_id)
    assert city.current_release().pk == derived.pk != before.pk
    copied = _snapshot(derived)
    values = _layer_values(derived)
    # The base release's rows are all there, plus the two offerings (the base release had no "providers").
    assert copied["opportunities"] == sorted(
        _snapshot(before)["opportunities"]
        + [o for o in copied["opportunities"] if o[0] == "providers"]
    )  # fmt: skip
    assert len([o for o in copied["opportunities"] if o[0] == "providers"]) == 2
    assert copied["counts"]["providers"] == {"read": 2, "loaded": 2, "set_aside": 0, "rejected": 0}

    # A full import of the same inputs finds the derived release (same input hash) instead of loading another.
    config = city_config_from_slug("milan")
    path = Path(derived.inputs["providers"]["file"])
    again = import_catalogue(config, path, name="providers")
    assert (again.created, again.release.pk) == (False, derived.pk)

    # Without it, the full import loads a release equal to it: same rows, counts, inputs and layer values.
    derived.delete()
    assert city.current_release().pk == before.pk
    full = import_catalogue(config, path, name="providers")
    assert full.created and full.release.input_hash == copied["input_hash"]
    compute_access(city, profiles=(profile_by_name(PROFILE),), origin_kinds={"nil"})
    loaded = _snapshot(full.release)
    for part in copied:
        assert loaded[part] == copied[part], part
    full_values = _layer_values(full.release)
    assert full_values.keys() == values.keys() and len(values) == 88  # Milan's 88 NIL
    for nil in ("1", "21", "50", "88"):  # a few origins: every indicator equal (sums in another order: approx)
        assert full_values[nil].keys() == values[nil].keys()
        for column, value in values[nil].items():
            expected = value if value is None else pytest.approx(value, rel=1e-9, abs=1e-12)
            assert full_values[nil][column] == expected, (nil, column)
    # The offering on the Duomo is counted: the NIL around it reaches one more arts place than before.
    duomo = before.neighbourhoods.get(level="nil", name__iexact="DUOMO").code
    assert values[duomo]["arts_within_15"] == _layer_values(before)[duomo]["arts_within_15"] + 1


@pytest.mark.django_db
def test_a_failure_while_deriving_leaves_the_served_release_and_nothing_half_made(
    settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo import derived_release
    from geo.catalogue_publishing import start_publish_job
    from geo.models import DataRelease, Opportunity

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = _milan_with_a_layer()
    before = city.current_release()
    opportunities = Opportunity.objects.count()
    people = make_people(city)
    _approve(people, "Teatro dei ragazzi", DUOMO)

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("the disk is full")

    monkeypatch.setattr(derived_release, "_copy_stops", broken)  # after zones, people, places were copied
    job = start_publish_job(city, people["mod"], background=False)
    assert (job.status, job.message, job.step) == ("failed", "OSError: the disk is full", 2)
    assert city.current_release().pk == before.pk
    assert list(DataRelease.objects.filter(city=city).values_list("pk", flat=True)) == [before.pk]
    assert Opportunity.objects.count() == opportunities  # the copied rows went with the half-made release

    monkeypatch.undo()
    job = start_publish_job(city, people["mod"], background=False)
    assert job.status == "done", job.message
    assert city.current_release().pk == job.release_id != before.pk


@pytest.mark.django_db
def test_an_offering_the_catalogue_checks_refuse_fails_the_job_with_its_reason(
    settings: object, tmp_path: Path
) -> None:
    from geo.catalogue_publishing import start_publish_job
    from geo.models import DataRelease

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = _milan_with_a_layer()
    before = city.current_release()
    people = make_people(city)
    _approve(people, "Teatro dei ragazzi", DUOMO)
    moved = _approve(people, "Gita a Roma", DUOMO)
    # Approved in Milan, then (outside the form's checks) moved to Rome: the publication's own checks refuse it.
    moved.approved_values = moved.approved_values | {"longitude": 12.4964, "latitude": 41.9028}
    moved.save(update_fields=["approved_values"])

    job = start_publish_job(city, people["mod"], background=False)
    assert job.status == "failed"
    assert job.message == (  # in Milan's language; the reject names the file, row, field and value
        f"1 offerte approvate sono state scartate dall'importazione (prima: providers-{job.pk}.csv, row 2, field "
        "'longitude': outside the city boundary (value '12.4964, 41.9028'))."
    )
    assert city.current_release().pk == before.pk
    assert DataRelease.objects.get(pk=job.release_id).status == DataRelease.Status.LOADED  # loaded, never served
