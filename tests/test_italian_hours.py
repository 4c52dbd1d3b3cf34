"""Italian opening-hours text → OSM opening_hours: hand-built cases worked out by hand, and all 26 real texts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from opening_hours import OpeningHours

from data_sources.italian_hours import (
    HoursNotUnderstoodError,
    clock_from_italian,
    days_from_italian,
    opening_hours_from_italian,
)
from data_sources.milan_services import repaired_text
from data_sources.validation import opening_hours_valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9.30", "09:30"), ("14.00", "14:00"), ("9:05", "09:05"), ("14", "14:00"), ("14.0", "14:00"), ("24", "24:00")],
)
def test_clock(text: str, expected: str) -> None:
    assert clock_from_italian(text) == expected


@pytest.mark.parametrize("text", ["9.3", "25.00", "14.60", "nove", "24.30"])
def test_clock_refuses_what_it_would_have_to_guess(text: str) -> None:
    with pytest.raises(HoursNotUnderstoodError):
        clock_from_italian(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lunedi", [0]),
        ("martedi e giovedi", [1, 3]),
        ("lunedì, mercoledì e venerdì", [0, 2, 4]),
        ("dal martedi al venerdi", [1, 2, 3, 4]),
        ("da giovedi a sabato", [3, 4, 5]),
        ("al sabato", [5]),
        ("DOMENICA", [6]),
    ],
)
def test_days(text: str, expected: list[int]) -> None:
    assert days_from_italian(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the Comune's own example: Monday closed, two day pairs, Saturday
        (
            "lunedi: chiuso, martedi e giovedi: 9.30-14.30, mercoledi e venerdi: 14.00-19.00, sabato: 9.30-14.00",
            "Tu,Th 09:30-14:30; We,Fr 14:00-19:00; Sa 09:30-14:00",
        ),
        # a range of days and "chiusa"
        ("lunedi:chiusa, dal martedi al sabato:10.30-19.00", "Tu-Sa 10:30-19:00"),
        ("lunedi: chiuso, martedi e mercoledi:14.00-19.00, da giovedi a sabato: 9.30- 14.30",
         "Tu-We 14:00-19:00; Th-Sa 09:30-14:30"),
        # several intervals a day, with "e" and with "/"
        ("lunedi: 9.00-12.30 e 14.00-18.00", "Mo 09:00-12:30,14:00-18:00"),
        ("sabato: 9-12 / 15-18", "Sa 09:00-12:00,15:00-18:00"),
        # "dalle ... alle ..." straight after a range of days
        ("Dal lunedi al sabato dalle 9.00 alle 12.30", "Mo-Sa 09:00-12:30"),
        # a missing comma between entries, and a closed day in the middle
        ("lunedi: chiuso, martedi:chiuso mercoledi: 9.30-19.00,giovedi: 9.30-14.30, sabato: chiuso",
         "We 09:30-19:00; Th 09:30-14:30"),
        # accents, an article, "14.0" (14 h 0 min)
        ("mercoledì: 14.0-19.00, al sabato:9.30-14.00", "We 14:00-19:00; Sa 09:30-14:00"),
        # closed altogether
        ("chiusa", "off"),
        ("lunedi: chiuso, martedi: chiuso", "off"),
    ],
)  # fmt: skip
def test_texts_worked_out_by_hand(text: str, expected: str) -> None:
    result = opening_hours_from_italian(text)
    assert result == expected
    assert opening_hours_valid(result)


@pytest.mark.parametrize(
    "text",
    [
        "n.d.",  # not available
        "",
        "lunedi:chiusa, giovedi:9.30-14-30 venerdi: 14.00-19.00",  # "14-30": a typo we must not fix by guessing
        "lunedi: 9.3-12.00",  # one-digit minutes
        "lunedi: 14.00-9.00",  # ends before it starts
        "lunedi: chiuso, lunedi: 9.00-12.00",  # closed and open the same day
        "su appuntamento",
        "lunedi 9.00-12.00",  # no colon and no "dalle"
        "dal venerdi al lunedi: 9.00-12.00",  # a range that runs backwards
    ],
)
def test_texts_not_understood_are_refused(text: str) -> None:
    with pytest.raises(HoursNotUnderstoodError):
        opening_hours_from_italian(text)


def test_double_encoded_utf8_is_repaired_only_when_it_is_sure() -> None:
    assert repaired_text("mercoledÃ¬") == "mercoledì"
    assert repaired_text("lÃ\x95app") == "lÃ\x95app"  # a typographic apostrophe lost: left as it is
    assert repaired_text("città") == "città"


def test_every_real_library_text_converts_or_is_refused(data_dir: Path) -> None:
    features = json.loads((data_dir / "milan/services/civic_libraries_ds1306.geojson").read_text())["features"]
    assert len(features) == 26
    converted, refused = {}, {}
    for feature in features:
        name, text = feature["properties"]["Biblioteche - Sede"], repaired_text(feature["properties"]["Orari"])
        try:
            converted[name] = opening_hours_from_italian(text)
        except HoursNotUnderstoodError as error:
            refused[name] = str(error)
    # "n.d." and Harar's "9.30-14-30" are the only texts that cannot be read without guessing
    assert set(refused) == {"Calvairate", "Harar"}
    assert all(opening_hours_valid(rule) for rule in converted.values())
    assert converted["Zara"] == converted["Villapizzone"] == "off"
    # Accursio, worked out by hand from its text: closed Monday, open Tuesday 10:00, closed Sunday
    accursio = OpeningHours(converted["Accursio"])
    monday = dt.datetime(2026, 11, 30, 10, 0)  # a Monday
    assert monday.weekday() == 0
    assert not accursio.is_open(monday)
    assert accursio.is_open(monday + dt.timedelta(days=1))
    assert not accursio.is_open(monday + dt.timedelta(days=6))
    assert converted["Fra Cristoforo"] == "Mo 14:30-19:00; Tu-Fr 09:00-19:00; Sa 09:00-14:00"
