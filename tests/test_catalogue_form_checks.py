"""An offering typed in the provider's form is checked exactly as a catalogue file's row (issue #18): the same
checks, in the same order, with the same field and reason; the file import is the reference each case is checked
against, and the form shows the message at the field, in the page's language, saving nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.test import Client

from tests.catalogue_helpers import VALID, make_people, offering_post

pytestmark = pytest.mark.django_db

ROW = {**VALID, "id": "teatro-ragazzi-1", "provider": "Teatro Ragazzi", "pillars": "talents_creativity"}
#: Bad rows (changes to a valid one), each with the field a person would expect to be blamed.
BAD = {
    "ages in the wrong order": ({"age_min": "14", "age_max": "8"}, "age_min"),
    "a negative price": ({"price": "-5"}, "price"),
    "hours that are not OSM syntax": ({"opening_hours": "tutti i giorni dopo la scuola"}, "opening_hours"),
    "an unknown pillar": ({"pillars": "happiness"}, "pillars"),
    "no pillar": ({"pillars": ""}, "pillars"),
    "a point in Rome": ({"longitude": "12.4964", "latitude": "41.9028"}, "longitude"),
    "latitude and longitude swapped": ({"longitude": "45.4640", "latitude": "9.1900"}, "latitude"),
    "no point": ({"longitude": "", "latitude": ""}, "longitude"),
    "a longitude of 500": ({"longitude": "500"}, "longitude"),
    "no name": ({"name": "  "}, "name"),
    "a name longer than the database holds": ({"name": "x" * 301}, "name"),
    "half a place": ({"capacity": "3.5"}, "capacity"),
    "an unknown category": ({"category": "cooking"}, "category"),
    "an age of 120": ({"age_max": "120"}, "age_max"),
}


@pytest.fixture(scope="module")
def boundary(milan: object, django_db_blocker: object) -> object:
    from geo.models import City
    from geo.offerings import city_boundary

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        return city_boundary(City.objects.get(slug="milan"))


def _file_reject(row: dict[str, str], boundary: object, tmp_path: Path) -> tuple[str, str] | None:
    """The reference: the row as row 1 of a catalogue file (two good rows after it, as in a real file), through
    the file import; its reject of row 1, or None when row 1 loads."""
    from data_sources.catalogue import catalogue_from_file

    rows = [row, ROW | {"id": "other-2"}, ROW | {"id": "other-3"}]
    path = tmp_path / "catalogue.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROW))
        writer.writeheader()
        writer.writerows(rows)
    frame, report = catalogue_from_file(path, boundary=boundary, source="form")
    first = [r for r in report.rejects if r.row == 1]
    assert len(frame) + len(first) == 3
    return (first[0].field, first[0].reason) if first else None


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_row_is_refused_as_the_file_import_refuses_it(case: str, boundary: object, tmp_path: Path) -> None:
    from data_sources.catalogue import catalogue_row_checked

    changes, field = BAD[case]
    row = ROW | changes
    values, problem = catalogue_row_checked(row, boundary=boundary)
    assert values is None and problem is not None
    assert problem.field == field, problem
    assert (problem.field, problem.reason) == _file_reject(row, boundary, tmp_path)


def test_a_good_row_loads_with_its_values_parsed(boundary: object, tmp_path: Path) -> None:
    from data_sources.catalogue import catalogue_row_checked

    values, problem = catalogue_row_checked(ROW | {"price": "12,50", "pillars": "Social_Relations; healthcare"},
                                            boundary=boundary)  # fmt: skip
    assert problem is None and values is not None
    assert (values["age_min"], values["age_max"], values["capacity"], values["price"]) == (8, 14, 20, 12.5)
    assert values["pillars"] == "social_relations;healthcare"
    assert (values["longitude"], values["latitude"]) == (9.19, 45.464)
    assert values["website"] is None and values["voucher"] is None
    assert _file_reject(ROW, boundary, tmp_path) is None  # and the file import loads it too


def test_the_form_shows_the_message_at_the_field_and_saves_nothing(milan: object) -> None:
    from geo.models import City, Offering

    people = make_people(City.objects.get(slug="milan"))
    client = Client()
    client.force_login(people["anna"])
    url = "/cities/milan/catalogue/new/"
    # Italian by default (the city's language): the reason is the import's, in Italian, beside the hours field.
    page = client.post(url, offering_post(people["teatro"], opening_hours="dopo la scuola")).content.decode()
    field = page.split('id="field-opening_hours"', 1)[1].split("</div>", 1)[0]
    assert "orari non nella sintassi di OpenStreetMap" in field and "dopo la scuola" in field
    assert 'value="Laboratorio di teatro per ragazzi"' in page  # what was typed stays in the form
    client.cookies["django_language"] = "en"
    page = client.post(url, offering_post(people["teatro"], age_min="14", age_max="8")).content.decode()
    field = page.split('id="field-age_min"', 1)[1].split("</div>", 1)[0]
    assert "the youngest age is greater than the oldest age (value: 14 &gt; 8)" in field
    page = client.post(url, offering_post(people["teatro"], longitude="12.4964", latitude="41.9028")).content.decode()
    assert "outside the city boundary" in page.split('id="field-location"', 1)[1].split("</fieldset>", 1)[0]
    assert not Offering.objects.exists()
    # The valid offering is saved as a draft, with the parsed values.
    assert client.post(url, offering_post(people["teatro"])).status_code == 302
    saved = Offering.objects.get()
    assert (saved.status, saved.age_min, saved.age_max, saved.price, saved.capacity) == ("draft", 8, 14, 0, 20)
    assert saved.pillars == "talents_creativity;social_relations"
    assert saved.voucher is None  # only moderators set it
