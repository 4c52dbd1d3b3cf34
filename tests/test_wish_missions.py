"""Outreach missions weighted by what children and families wished for (``rank_missions(..., wishes=)``)."""

from __future__ import annotations

import pandas as pd
import pytest

from layers.siting import SitingInputError, rank_missions
from tests.conftest import city_with_layers_fixture


def _zones() -> pd.DataFrame:
    columns = ["name", "youth", "vulnerability", "access_sport", "access_arts"]
    rows = [["Z1", 1240, 0.8, 0.23, 0.9], ["Z2", 3000, 0.2, 0.5, 0.1], ["Z3", 500, 0.6, 0.0, 0.4]]
    return pd.DataFrame(rows, columns=columns, index=["Z1", "Z2", "Z3"])


def test_wishes_raise_the_need_of_what_was_asked_for_by_hand() -> None:
    # Need without wishes = youth × vulnerability × (1 − access):
    #   Z1 sport 1240·0.8·0.77 = 763.84   Z1 arts 1240·0.8·0.1 = 99.2
    #   Z2 sport 3000·0.2·0.5  = 300      Z2 arts 3000·0.2·0.9 = 540
    #   Z3 sport 500·0.6·1     = 300      Z3 arts 500·0.6·0.6  = 180
    # Wishes: Z3 arts 4 (the most, ×2 → 360), Z2 sport 2 (×1.5 → 450); every other pair keeps its need.
    wishes = pd.DataFrame({"arts": [0, 4], "sport": [2, 0]}, index=["Z2", "Z3"])
    ranked = rank_missions(_zones(), wishes=wishes)
    assert list(zip(ranked["zone"], ranked["category"], strict=True)) == [
        ("Z1", "sport"), ("Z2", "arts"), ("Z2", "sport"), ("Z3", "arts"), ("Z3", "sport"), ("Z1", "arts"),
    ]  # fmt: skip
    assert ranked["unmet_need"].tolist() == pytest.approx([763.84, 540, 450, 360, 300, 99.2])
    assert ranked["wishes"].tolist() == [0, 0, 2, 4, 0, 0]
    assert ranked["reason"].iloc[3].endswith(", 4 approved wishes")
    assert "wishes" not in ranked["reason"].iloc[0]
    # Without wishes the order is the plain one: Z3 arts below Z3 sport.
    plain = rank_missions(_zones())
    assert list(zip(plain["zone"], plain["category"], strict=True))[3:5] == [("Z3", "sport"), ("Z3", "arts")]


def test_no_wishes_or_negative_counts_are_refused() -> None:
    with pytest.raises(SitingInputError, match="no approved wishes"):
        rank_missions(_zones(), wishes=pd.DataFrame({"arts": [0]}, index=["Z1"]))
    with pytest.raises(SitingInputError, match="≥ 0"):
        rank_missions(_zones(), wishes=pd.DataFrame({"arts": [-1, 3]}, index=["Z1", "Z2"]))


milan = city_with_layers_fixture("milan", ("age_11_13",), {"nil", "census_section"})


@pytest.mark.django_db
def test_milan_missions_and_planner_page_weigh_wishes(  # type: ignore[no-untyped-def]
    milan, client, django_user_model
) -> None:
    from geo.models import Wish
    from geo.siting import missions_for

    release = milan.current_release()
    plain = missions_for(release, top=None)
    assert missions_for(release, demand="wishes").empty  # no approved wish yet
    # A mission just below the 15 the page lists, whose doubled need would enter them, gets 6 approved
    # wishes (and 6 pending ones that must not count): the most wished-for pair, its need doubles.
    fifteenth = plain.iloc[14]["unmet_need"]
    below = plain[(plain["rank"] > 15) & (2 * plain["unmet_need"] > fifteenth)]
    assert not below.empty
    before = below.iloc[0]
    zone, category = before["zone"], before["category"]
    wish = {"city": milan, "zone": zone, "category": category, "age_band": "6-10", "who": "family"}
    wish["created"] = "2026-11-30"
    Wish.objects.bulk_create(
        [Wish(**wish, status="approved") for _ in range(6)] + [Wish(**wish, status="pending") for _ in range(6)]
    )
    weighted = missions_for(release, top=None, demand="wishes")
    row = weighted[(weighted["zone"] == zone) & (weighted["category"] == category)].iloc[0]
    assert row["wishes"] == 6 and row["unmet_need"] == pytest.approx(2 * before["unmet_need"])
    assert row["rank"] <= 15 < before["rank"]
    others = weighted[weighted["wishes"] == 0].set_index(["zone", "category"])["unmet_need"]
    unweighted = plain.set_index(["zone", "category"])["unmet_need"].drop((zone, category))
    assert others.sort_index().to_numpy() == pytest.approx(unweighted.sort_index().to_numpy())

    client.force_login(django_user_model.objects.create_user("planner-wishes"))
    page = client.get("/cities/milan/planner/?missions=wishes").content.decode()
    assert 'id="missions-wishes" checked' in page and "missions-no-wishes" not in page
    assert "6 desideri approvati" in page
    assert "6 desideri approvati" not in client.get("/cities/milan/planner/").content.decode()
    Wish.objects.filter(zone=zone).delete()
    assert 'id="missions-no-wishes"' in client.get("/cities/milan/planner/?missions=wishes").content.decode()
