"""The text checks of a wish (data_sources/wish_text.py): contact details found and removed, blocked words found as
whole words, accents, case and digit-for-letter swaps ignored; hand-built sentences whose answers are plain."""

from __future__ import annotations

import pytest

from data_sources.cities import CITIES_DIR, city_config_from_slug
from data_sources.errors import ConfigError
from data_sources.wish_text import blocked_words_in, check_wish_text, clean_text, read_word_list

BLOCKED = ["stupido", "scemo", "filho da puta"]


@pytest.mark.parametrize(
    ("text", "kind", "gone"),
    [
        ("scrivimi a mario.rossi@example.it grazie", "email", "mario.rossi@example.it"),
        ("mail: anna (at) gmail (dot) com", "email", "anna (at) gmail"),
        ("chiamami al 333 123 4567", "phone", "333 123 4567"),
        ("tel +39 02-1234567", "phone", "02-1234567"),
        ("guarda https://example.org/campo", "url", "https://example.org"),
        ("il sito www.campetto.it è bello", "url", "www.campetto.it"),
        ("scrivete a campetto.com", "url", "campetto.com"),
        ("seguimi su instagram @luca_2012", "handle", "@luca_2012"),
    ],
)
def test_contact_details_are_found_and_removed(text: str, kind: str, gone: str) -> None:
    check = check_wish_text(text, [])
    assert kind in check.contacts
    assert gone not in check.text
    assert "[" in check.text and not check.acceptable


@pytest.mark.parametrize(
    "text",
    [
        "Un campo da calcio vicino a scuola, per 11 giocatori",
        "Più corsi di musica per ragazzi di 12-13 anni nel 2026",
        "A library open on Saturdays at 10",
        "uno spazio per studiare insieme dopo le 16.30",
    ],
)
def test_ordinary_wishes_pass(text: str) -> None:
    check = check_wish_text(text, BLOCKED)
    assert check.acceptable, check
    assert check.text == text


def test_blocked_words_are_whole_words_whatever_the_spelling() -> None:
    assert blocked_words_in("che STUPIDO questo parco", BLOCKED) == ("stupido",)
    assert blocked_words_in("sei uno st0p1d0? no: stup1do!", BLOCKED) == ("stupido",)
    assert blocked_words_in("scémo", BLOCKED) == ("scemo",)
    assert blocked_words_in("una scemata", BLOCKED) == ()  # part of a longer word: not the word
    assert blocked_words_in("seu filho da puta", BLOCKED) == ("filho da puta",)  # a phrase
    assert blocked_words_in("filho da praia", BLOCKED) == ()


def test_control_and_direction_characters_are_removed() -> None:
    assert clean_text("  un\u202eparco\x00  \n nuovo ") == "unparco nuovo"


def test_the_word_lists_are_data_named_by_the_city() -> None:
    milan = city_config_from_slug("milan")
    assert milan.wishes.blocked_words == ("wishes/blocked_words_it.txt", "wishes/blocked_words_en.txt")
    assert milan.wishes.age_bands == ("0-5", "6-10", "11-13", "14-17")
    italian = read_word_list(CITIES_DIR.parent / "wishes" / "blocked_words_it.txt")
    assert "stronzo" in italian and all(not w.startswith("#") for w in italian)


def test_a_bad_wishes_section_names_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from data_sources.cities import city_config_from_file

    path = tmp_path / "town.toml"
    path.write_text('[city]\nslug="t"\nname="T"\ncountry="IT"\nmetric_epsg=32632\n[wishes]\nage_bands=["10-6"]\n')
    with pytest.raises(ConfigError, match="town.toml.*10-6"):
        city_config_from_file(path)
    path.write_text('[city]\nslug="t"\nname="T"\ncountry="IT"\nmetric_epsg=32632\n[wishes]\nblocked_words=["no.txt"]\n')
    with pytest.raises(ConfigError, match="town.toml.*no.txt"):
        city_config_from_file(path)
