"""A publication whose release cannot be published says why on the moderator page in the moderator's language
(Italian for Milan), not in the operator's English of :meth:`geo.releases.Publication.message` (issue #18)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation


def _publication(missing: tuple[str, ...], older: bool = False) -> object:
    release, served = SimpleNamespace(pk=7), SimpleNamespace(pk=5)
    return SimpleNamespace(release=release, served=served, missing=missing, older=older, published=False)


def test_missing_layers_are_named_in_italian_and_english() -> None:
    from geo.catalogue_publishing import not_published_message

    one = _publication(("walk_age_11_13_nil",))
    with translation.override("it"):
        assert not_published_message(one) == (  # type: ignore[arg-type]
            "La versione dei dati 7 non è pubblicata: le famiglie vedono ancora la versione 5, che ha 1 livello della "
            "mappa che manca a questa (walk_age_11_13_nil)."
        )
    many = _publication(tuple(f"walk_age_{n}_nil" for n in range(8)))
    with translation.override("it"):
        text = not_published_message(many)  # type: ignore[arg-type]
    assert text.endswith("che ha 8 livelli della mappa che mancano a questa (walk_age_0_nil, walk_age_1_nil, "
                         "walk_age_2_nil, walk_age_3_nil, walk_age_4_nil, walk_age_5_nil e altri 2).")  # fmt: skip
    with translation.override("en"):
        assert not_published_message(one) == (  # type: ignore[arg-type]
            "Data version 7 is not published: families still see version 5, which has 1 map layer this one lacks "
            "(walk_age_11_13_nil)."
        )


def test_an_older_release_says_the_city_serves_a_newer_one() -> None:
    from geo.catalogue_publishing import not_published_message

    with translation.override("it"):
        assert not_published_message(_publication((), older=True)) == (  # type: ignore[arg-type]
            "La versione dei dati 7 è stata creata prima; la città usa la versione più recente 5."
        )
