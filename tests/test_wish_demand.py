"""Hub-siting demand weighted by approved wishes (``site_hubs --demand wishes``), on a hand-built case worked out by
hand and on Milan's real census sections.

Hand-built: four demand points in two areas. A = {a1: 100 youth, a2: 100}, B = {b1: 50, b2: 150}; 10 wishes in A,
40 in B → relative to the most wished-for area 10/40 = 0.25 and 1. Demand: a1 = a2 = 100 × 1.25 = 125,
b1 = 50 × 2 = 100, b2 = 150 × 2 = 300. A point in no area keeps its youth. A tiny area with many wishes per child
does not flatten the others (the reason the measure is a count, not a rate per child).
"""

from __future__ import annotations

import pandas as pd
import pytest

from layers.siting import SitingInputError, maximal_covering, wish_weighted_demand

YOUTH = pd.Series({"a1": 100.0, "a2": 100.0, "b1": 50.0, "b2": 150.0, "x": 80.0})
AREA = pd.Series({"a1": "A", "a2": "A", "b1": "B", "b2": "B", "x": None})


def test_the_hand_built_case() -> None:
    result = wish_weighted_demand(YOUTH, AREA, {"A": 10, "B": 40})
    assert result.demand.to_dict() == pytest.approx({"a1": 125.0, "a2": 125.0, "b1": 100.0, "b2": 300.0, "x": 80.0})
    assert result.factor.to_dict() == pytest.approx({"a1": 1.25, "a2": 1.25, "b1": 2.0, "b2": 2.0, "x": 1.0})
    assert result.areas_without_youth == ()


def test_strength_and_areas_without_youth() -> None:
    result = wish_weighted_demand(YOUTH, AREA, {"A": 10, "B": 40, "C": 7}, strength=0.5)
    assert result.demand["b2"] == pytest.approx(150 * 1.5)
    assert result.demand["a1"] == pytest.approx(100 * (1 + 0.5 * 0.25))
    assert result.areas_without_youth == ("C",)  # reported, never silently dropped


def test_a_tiny_area_does_not_flatten_the_others() -> None:
    youth = pd.Series({"big": 8000.0, "tiny": 30.0})
    area = pd.Series({"big": "B", "tiny": "T"})
    result = wish_weighted_demand(youth, area, {"B": 12, "T": 8})
    assert result.factor.to_dict() == pytest.approx({"big": 2.0, "tiny": 1 + 8 / 12})


def test_no_wishes_is_an_error_not_a_silent_youth_demand() -> None:
    with pytest.raises(SitingInputError, match="no approved wishes"):
        wish_weighted_demand(YOUTH, AREA, {})
    with pytest.raises(SitingInputError, match="≥ 0"):
        wish_weighted_demand(YOUTH, AREA, {"A": 1}, strength=-1)


def test_wishes_move_a_hub() -> None:
    """One new hub, two candidates: s_A covers A (200 youth + x 80 = 280), s_B covers B (200 youth). By youth s_A
    wins (280 > 200); weighted by wishes s_B wins (400 > 125 + 125 + 80 = 330)."""
    table = pd.DataFrame(
        {"from_id": ["a1", "a2", "x", "b1", "b2"], "to_id": ["s_A", "s_A", "s_A", "s_B", "s_B"],
         "travel_time": [300.0] * 5}
    )  # fmt: skip
    by_youth = maximal_covering(table, YOUTH, ["s_A", "s_B"], p=1, max_time_min=15, method="exact")
    weighted = wish_weighted_demand(YOUTH, AREA, {"A": 10, "B": 40}).demand
    by_wishes = maximal_covering(table, weighted, ["s_A", "s_B"], p=1, max_time_min=15, method="exact")
    assert list(by_youth.sites) == ["s_A"] and by_youth.objective == pytest.approx(280)
    assert list(by_wishes.sites) == ["s_B"] and by_wishes.objective == pytest.approx(400)


@pytest.mark.django_db
def test_milan_sections_in_a_wishing_nil_weigh_double(milan) -> None:  # type: ignore[no-untyped-def]
    from geo.models import City, Wish
    from geo.siting import ScenarioError, demand_for

    release = City.objects.get(slug="milan").current_release()
    with pytest.raises(ScenarioError, match="no approved wishes"):
        demand_for(release, vulnerability=False, demand="wishes")
    city = release.city
    Wish.objects.bulk_create(
        [Wish(city=city, zone="1", category="sport", age_band="6-10", who="family", created="2026-11-30",
              status="approved") for _ in range(6)]
        + [Wish(city=city, zone="1", category="arts", age_band="6-10", who="family", created="2026-11-30",
                status="pending") for _ in range(6)]
    )  # fmt: skip
    places, youth, zone, _bands = demand_for(release, vulnerability=False)
    _places, weighted, _zone, _bands = demand_for(release, vulnerability=False, demand="wishes")
    in_duomo = zone.reindex(youth.index) == "1"
    assert in_duomo.sum() > 10
    # Only NIL 1 has wishes, so it is the most wishing area: its sections weigh 2 × youth, the others 1 ×.
    assert weighted[in_duomo].to_numpy() == pytest.approx(2 * youth[in_duomo].to_numpy())
    assert weighted[~in_duomo].to_numpy() == pytest.approx(youth[~in_duomo].to_numpy())


@pytest.mark.django_db
def test_site_hubs_by_wishes_counts_people_in_its_summary(milan) -> None:  # type: ignore[no-untyped-def]
    """``site_hubs --demand wishes``: the solver maximises wish-weighted youth, the stored figures count young
    people (weighted youth would overstate how many children a hub reaches)."""
    from io import StringIO

    from django.core.management import call_command

    from geo.models import City, SitingScenario, Wish

    city = City.objects.get(slug="milan")
    # As many wishes in every NIL: each is "the most wished-for", so every young person's weight doubles.
    codes = city.current_release().neighbourhoods.filter(level="nil").values_list("code", flat=True)
    Wish.objects.bulk_create(
        [Wish(city=city, zone=code, category="sport", age_band="6-10", who="family", created="2026-11-30",
              status="approved") for code in codes]
    )  # fmt: skip
    out = StringIO()
    call_command("site_hubs", "milan", "--new", "1", "--minutes", "15", "--candidates", "schools", "--demand",
                 "wishes", stdout=out)  # fmt: skip
    scenario = SitingScenario.objects.get()
    assert scenario.parameters["demand"] == "wishes"
    overall = scenario.result["overall"]
    # Independently: the young people (unweighted) within 15 minutes of the chosen school.
    from geo.siting import scenario_inputs

    inputs = scenario_inputs(city, cutoff_min=15, candidates="schools")
    site = scenario.sites[0]["id"]
    reached = inputs.table[(inputs.table["to_id"] == site) & (inputs.table["travel_time"] <= 900 * (1 + 1e-12))]
    people = inputs.weights.reindex(reached["from_id"].unique()).sum()
    assert overall["newly_covered"] == pytest.approx(people)
    # The solver's objective is wish-weighted: every young person counts twice.
    assert scenario.result["objective_value"] == pytest.approx(2 * people, rel=1e-3)
    assert f"(+{people:.0f})" in out.getvalue()
