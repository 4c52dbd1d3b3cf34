"""Accessibility indicators, decays and inequality indices on tiny tables worked out by hand (layers.*).

Plain pytest, no Django, no data files. Travel times are in seconds (the travel-time contract); the indicators
work in minutes, so every time below is chosen to be a round number of minutes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from layers.decay import E2SFCA_WEIGHTS, decay_from_name, exponential, gaussian, step
from layers.indicators import (
    cumulative_opportunities,
    enhanced_two_step_fca,
    gravity_access,
    nearest_times,
    two_step_fca,
)
from layers.inequality import gini, palma_ratio

# Three schools and a park; origin "a" reaches all four, "b" two of them, "c" (passed as an origin) nothing.
#
#   origin  destination  minutes          capacity: s1 100, s2 50, s3 16, p1 4
#   a       s1            5
#   a       s2           10
#   a       s3           20
#   a       p1            7.5
#   b       s2           15
#   b       p1           30
DESTINATIONS = pd.DataFrame(
    {
        "id": ["s1", "s2", "s3", "p1"],
        "category": ["school", "school", "school", "park"],
        "capacity": [100.0, 50.0, 16.0, 4.0],
    }
)
TT = pd.DataFrame(
    {
        "from_id": ["a", "a", "a", "a", "b", "b"],
        "to_id": ["s1", "s2", "s3", "p1", "s2", "p1"],
        "travel_time": [300.0, 600.0, 1200.0, 450.0, 900.0, 1800.0],
    }
)
ORIGINS = ["a", "b", "c"]


def tt_from(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """A travel-time table from (origin, destination, minutes) rows."""
    frame = pd.DataFrame(rows, columns=["from_id", "to_id", "minutes"])
    frame["travel_time"] = frame.pop("minutes") * 60.0
    return frame


# ---------------------------------------------------------------------------------------------------------
# Nearest k
# ---------------------------------------------------------------------------------------------------------


def test_nearest_times_hand_computed() -> None:
    result = nearest_times(TT, DESTINATIONS, k=3, origin_ids=ORIGINS)
    assert result.index.name == "origin_id"
    assert result.index.tolist() == ORIGINS
    assert sorted(result.columns) == sorted(f"{c}_nearest_{k}" for c in ("school", "park") for k in (1, 2, 3))
    expected = pd.DataFrame(
        {
            "park_nearest_1": [7.5, 30.0, np.nan],
            "park_nearest_2": [np.nan, np.nan, np.nan],
            "park_nearest_3": [np.nan, np.nan, np.nan],
            "school_nearest_1": [5.0, 15.0, np.nan],
            "school_nearest_2": [10.0, np.nan, np.nan],
            "school_nearest_3": [20.0, np.nan, np.nan],
        },
        index=pd.Index(ORIGINS, name="origin_id"),
    )
    pd.testing.assert_frame_equal(result[expected.columns], expected)


def test_nearest_times_keeps_the_k_smallest_whatever_the_row_order() -> None:
    # Five schools at 9, 3, 7, 1, 5 minutes: the 2 nearest are 1 and 3; ties are both kept.
    schools = pd.DataFrame({"id": list("vwxyz"), "category": "school"})
    tt = tt_from([("o", d, m) for d, m in zip("vwxyz", [9, 3, 7, 1, 5], strict=True)])
    result = nearest_times(tt, schools, k=2)
    assert result.loc["o"].tolist() == [1.0, 3.0]
    tied = tt_from([("o", "v", 4), ("o", "w", 4), ("o", "x", 2)])
    assert nearest_times(tied, schools, k=3).loc["o"].tolist() == [2.0, 4.0, 4.0]


def test_without_origin_ids_only_origins_in_the_table_appear() -> None:
    assert nearest_times(TT, DESTINATIONS).index.tolist() == ["a", "b"]
    assert cumulative_opportunities(TT, DESTINATIONS).index.tolist() == ["a", "b"]
    assert gravity_access(TT, DESTINATIONS, exponential()).index.tolist() == ["a", "b"]


# ---------------------------------------------------------------------------------------------------------
# Cumulative opportunities
# ---------------------------------------------------------------------------------------------------------


def test_cumulative_counts_are_inclusive_at_each_threshold() -> None:
    result = cumulative_opportunities(TT, DESTINATIONS, origin_ids=ORIGINS)
    # a: schools at 5, 10, 20 -> within 5: 1 (5 <= 5), 10: 2, 15: 2, 20: 3, 30: 3; park at 7.5 -> 0, 1, 1, 1, 1.
    # b: school at 15 -> 0, 0, 1, 1, 1; park at 30 -> 0, 0, 0, 0, 1 (30 <= 30). c: nothing.
    expected = {
        "school_within_5": [1, 0, 0],
        "school_within_10": [2, 0, 0],
        "school_within_15": [2, 1, 0],
        "school_within_20": [3, 1, 0],
        "school_within_30": [3, 1, 0],
        "park_within_5": [0, 0, 0],
        "park_within_10": [1, 0, 0],
        "park_within_15": [1, 0, 0],
        "park_within_20": [1, 0, 0],
        "park_within_30": [1, 1, 0],
    }
    assert sorted(result.columns) == sorted(expected)
    assert result.index.tolist() == ORIGINS
    assert {column: result[column].tolist() for column in expected} == expected


def test_cumulative_counts_with_custom_thresholds() -> None:
    # Thresholds are sorted, fractional ones are labelled with "_"; 7.5 <= 7.5 counts; beyond the last: nothing.
    result = cumulative_opportunities(TT, DESTINATIONS, thresholds_min=(7.5, 2), origin_ids=["a", "b"])
    assert result["park_within_7_5"].tolist() == [1, 0]
    assert result["school_within_7_5"].tolist() == [1, 0]
    assert result["school_within_2"].tolist() == [0, 0]
    late = tt_from([("a", "s1", 31.0)])
    assert cumulative_opportunities(late, DESTINATIONS)["school_within_30"].tolist() == [0]


def test_rows_for_unknown_origins_or_destinations_are_ignored() -> None:
    extra = pd.concat([TT, tt_from([("a", "nowhere", 1.0), ("stranger", "s1", 1.0)])], ignore_index=True)
    result = cumulative_opportunities(extra, DESTINATIONS, origin_ids=ORIGINS)
    assert result.index.tolist() == ORIGINS
    assert result["school_within_5"].tolist() == [1, 0, 0]


def test_duplicate_destination_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        nearest_times(TT, pd.concat([DESTINATIONS, DESTINATIONS.iloc[:1]]))


# ---------------------------------------------------------------------------------------------------------
# Gravity
# ---------------------------------------------------------------------------------------------------------


def test_gravity_with_exponential_decay() -> None:
    # beta = ln 2 / 5: the weight halves every 5 minutes: 5 min -> 1/2, 10 -> 1/4, 15 -> 1/8, 20 -> 1/16, 30 -> 1/64.
    # a: schools 100/2 + 50/4 + 16/16 = 63.5; park 4 x 2^(-7.5/5) = 4 / 2^1.5 = sqrt(2).
    # b: school 50/8 = 6.25; park 4/64 = 0.0625. c: 0.
    result = gravity_access(TT, DESTINATIONS, exponential(math.log(2) / 5), origin_ids=ORIGINS)
    assert result["school_gravity"].tolist() == pytest.approx([63.5, 6.25, 0.0])
    assert result["park_gravity"].tolist() == pytest.approx([math.sqrt(2), 0.0625, 0.0])


def test_gravity_with_gaussian_decay() -> None:
    # sigma = 10 min: weight exp(-t^2 / 200): 5 -> e^-1/8, 7.5 -> e^-9/32, 10 -> e^-1/2, 15 -> e^-9/8, 20 -> e^-2,
    # 30 -> e^-9/2.
    result = gravity_access(TT, DESTINATIONS, gaussian(10), origin_ids=ORIGINS)
    school_a = 100 * math.exp(-1 / 8) + 50 * math.exp(-1 / 2) + 16 * math.exp(-2)
    assert result["school_gravity"].tolist() == pytest.approx([school_a, 50 * math.exp(-9 / 8), 0.0])
    assert result["park_gravity"].tolist() == pytest.approx([4 * math.exp(-9 / 32), 4 * math.exp(-9 / 2), 0.0])


def test_gravity_counts_one_per_site_without_capacities() -> None:
    # No capacity column: each site weighs 1. a: 1/2 + 1/4 + 1/16 = 0.8125 schools.
    result = gravity_access(TT, DESTINATIONS.drop(columns="capacity"), exponential(math.log(2) / 5))
    assert result.loc["a", "school_gravity"] == pytest.approx(0.8125)
    # A missing capacity counts as 1, a zero capacity as 0.
    sites = DESTINATIONS.assign(capacity=[np.nan, 0.0, 16.0, 4.0])
    result = gravity_access(TT, sites, exponential(math.log(2) / 5))
    assert result.loc["a", "school_gravity"] == pytest.approx(0.5 + 0.0 + 1.0)


# ---------------------------------------------------------------------------------------------------------
# Decay functions
# ---------------------------------------------------------------------------------------------------------


def test_decay_factories() -> None:
    minutes = np.array([0.0, 6.0, 10.0, 20.0])
    assert exponential()(minutes) == pytest.approx([1.0, 0.5, 2 ** (-10 / 6), 2 ** (-20 / 6)])  # halves every 6 min
    assert gaussian()(minutes) == pytest.approx(np.exp(-(minutes**2) / 200))
    # sigma = 10: e^-1/2 = 0.607 at 10 min, e^-2 = 0.135 at 20 min (layers/decay.py's docstring says 0.11).
    assert gaussian()(np.array([10.0, 20.0])) == pytest.approx([0.607, 0.135], abs=0.001)
    # Step: weight k for edges[k-1] < t <= edges[k]; 0 beyond the last edge.
    weights = step()(np.array([0.0, 10.0, 10.001, 20.0, 20.5, 30.0, 30.001, 120.0]))
    assert weights.tolist() == [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0, 0.0]
    assert step((5.0,), (0.5,))(np.array([5.0, 6.0])).tolist() == [0.5, 0.0]
    assert decay_from_name("exponential", 0.2)(np.array([5.0])) == pytest.approx([math.exp(-1.0)])
    assert decay_from_name("step")(np.array([15.0])).tolist() == [E2SFCA_WEIGHTS[1]]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: exponential(0), "beta"),
        (lambda: gaussian(-1), "sigma"),
        (lambda: step((10, 5), (1, 1)), "increasing"),
        (lambda: step((10, 20), (1,)), "one weight per edge"),
        (lambda: decay_from_name("linear"), "unknown decay"),
    ],
)
def test_bad_decays_are_refused(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------------------
# Two-step floating catchment areas
# ---------------------------------------------------------------------------------------------------------


def test_2sfca_with_everything_in_reach_is_total_supply_over_total_demand() -> None:
    # A 6 x 6 grid of demand cells and 4 supply sites, every pair within the catchment:
    # R_j = S_j / sum(D), so every A_i = sum(S) / sum(D).
    rng = np.random.default_rng(7)
    cells = [f"cell{r}_{c}" for r in range(6) for c in range(6)]
    sites = ["north", "south", "east", "west"]
    demand = pd.Series(rng.integers(1, 500, len(cells)).astype(float), index=cells)
    supply = pd.Series([120.0, 30.0, 45.5, 9.0], index=sites)
    position = {cell: (r, c) for cell, (r, c) in zip(cells, np.ndindex(6, 6), strict=True)}
    site_position = {"north": (0, 3), "south": (5, 2), "east": (3, 5), "west": (2, 0)}
    rows = [
        (cell, site, 2.0 * math.dist(position[cell], site_position[site]))  # 2 min per grid step: at most 11.7 min
        for cell in cells
        for site in sites
    ]
    access = two_step_fca(tt_from(rows), demand, supply, cutoff_min=15)
    assert access.index.tolist() == cells
    assert access.to_numpy() == pytest.approx(np.full(len(cells), supply.sum() / demand.sum()), rel=1e-12)
    # The same with any decay-free catchment as long as everything is in reach, and E2SFCA inside the first zone.
    assert two_step_fca(tt_from(rows), demand, supply, cutoff_min=1e6).to_numpy() == pytest.approx(access.to_numpy())
    near = tt_from([(c, s, m / 2) for c, s, m in rows])  # at most 5.9 min: all in E2SFCA's weight-1 zone
    assert enhanced_two_step_fca(near, demand, supply).to_numpy() == pytest.approx(access.to_numpy())


def test_2sfca_two_clusters_and_a_bridge() -> None:
    # West: w1 (demand 100), w2 (300), site W (supply 20). East: e1 (50), sites E1 (10), E2 (5).
    # m (100) sits between and reaches W and E1 (25 min, within 30) but not E2; z (10) reaches nothing.
    # Inside a cluster: 5 min; across: 60 min (outside the 30-minute catchment). Exactly 30 min is inside.
    #   R_W  = 20 / (100 + 300 + 100) = 0.04        R_E1 = 10 / (50 + 100) = 1/15        R_E2 = 5 / 50 = 0.1
    #   A_w1 = A_w2 = 0.04   A_m = 0.04 + 1/15   A_e1 = 1/15 + 0.1   A_z = 0
    demand = pd.Series({"w1": 100.0, "w2": 300.0, "m": 100.0, "e1": 50.0, "z": 10.0})
    supply = pd.Series({"W": 20.0, "E1": 10.0, "E2": 5.0})
    rows = [("w1", "W", 5), ("w2", "W", 5), ("e1", "E1", 5), ("e1", "E2", 30)]
    rows += [("w1", "E1", 60), ("w2", "E2", 60), ("e1", "W", 60), ("m", "W", 25), ("m", "E1", 25), ("m", "E2", 31)]
    access = two_step_fca(tt_from(rows), demand, supply, cutoff_min=30)
    expected = {"w1": 0.04, "w2": 0.04, "m": 0.04 + 1 / 15, "e1": 1 / 15 + 0.1, "z": 0.0}
    assert access.to_dict() == pytest.approx(expected)
    assert access.name == "access"
    # Every site is reached by someone, so the population-weighted access adds up to the total supply.
    assert float((access * demand).sum()) == pytest.approx(supply.sum())


def test_e2sfca_weights_the_zones() -> None:
    # One site (supply 10); i1 at 5 min (demand 10), i2 at 15 (20), i3 at 25 (30), i4 at 35 (40, outside).
    # Weighted demand = 10 x 1 + 20 x 0.68 + 30 x 0.22 = 30.2; R = 10 / 30.2.
    # A_i1 = R, A_i2 = 0.68 R, A_i3 = 0.22 R, A_i4 = 0.
    demand = pd.Series({"i1": 10.0, "i2": 20.0, "i3": 30.0, "i4": 40.0})
    supply = pd.Series({"site": 10.0})
    tt = tt_from([("i1", "site", 5), ("i2", "site", 15), ("i3", "site", 25), ("i4", "site", 35)])
    access = enhanced_two_step_fca(tt, demand, supply)
    r = 10 / 30.2
    assert access.to_dict() == pytest.approx({"i1": r, "i2": 0.68 * r, "i3": 0.22 * r, "i4": 0.0})
    assert float((access * demand).sum()) == pytest.approx(10.0)
    # Zone edges belong to the nearer zone: 10 min weighs 1, 20 min 0.68, 30 min 0.22.
    edges = tt_from([("i1", "site", 10), ("i2", "site", 20), ("i3", "site", 30)])
    access = enhanced_two_step_fca(edges, demand, supply)
    r = 10 / (10 + 20 * 0.68 + 30 * 0.22)
    assert access.to_dict() == pytest.approx({"i1": r, "i2": 0.68 * r, "i3": 0.22 * r, "i4": 0.0})


def test_2sfca_site_without_demand_and_unknown_sites() -> None:
    # Site S2 is reached only by q, which has no demand: its supply goes nowhere (no division by zero).
    # Site X is not in the supply series: it offers nothing.
    demand = pd.Series({"p": 10.0})
    supply = pd.Series({"S1": 5.0, "S2": 7.0})
    tt = tt_from([("p", "S1", 5), ("q", "S2", 5), ("p", "X", 5)])
    assert two_step_fca(tt, demand, supply, 30).to_dict() == pytest.approx({"p": 0.5})


# ---------------------------------------------------------------------------------------------------------
# Inequality
# ---------------------------------------------------------------------------------------------------------


def test_gini_of_equal_values_is_zero() -> None:
    assert gini([4.0, 4.0, 4.0, 4.0]) == pytest.approx(0.0, abs=1e-12)
    assert gini([2.5, 2.5, 2.5], weights=[1, 10, 100]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 100])
def test_gini_of_one_holder_is_n_minus_one_over_n(n: int) -> None:
    values = np.zeros(n)
    values[n // 2] = 7.0
    assert gini(values) == pytest.approx((n - 1) / n)


def test_gini_weighted_by_hand() -> None:
    # Values 1, 2, 3 with weights 1, 1, 2 (given unsorted). Mean absolute difference form:
    # sum over ordered pairs w_i w_j |x_i - x_j| = 2 (1x1x1 + 1x2x2 + 1x2x1) = 14; W = 4, mean = 9/4;
    # G = 14 / (2 W^2 mean) = 14 / 72 = 7/36. The Lorenz form agrees: shares 1/4, 1/4, 1/2; L = 1/9, 3/9, 1;
    # 1 - (1/4 x 1/9 + 1/4 x 4/9 + 1/2 x 12/9) = 1 - 29/36 = 7/36.
    assert gini([3.0, 1.0, 2.0], weights=[2.0, 1.0, 1.0]) == pytest.approx(7 / 36)
    # A weight of 2 is the same as the unit twice.
    assert gini([1.0, 2.0, 3.0, 3.0]) == pytest.approx(7 / 36)


def test_gini_ignores_missing_values_and_empty_weights() -> None:
    assert gini([1.0, np.nan, 2.0, 3.0, 50.0], weights=[1.0, 5.0, 1.0, 2.0, 0.0]) == pytest.approx(7 / 36)
    assert math.isnan(gini([0.0, 0.0]))
    assert math.isnan(gini([]))
    with pytest.raises(ValueError, match="non-negative"):
        gini([1.0, -1.0])


def test_palma_by_hand() -> None:
    # Ten equal units 1..10: the top 10% hold 10, the bottom 40% hold 1 + 2 + 3 + 4 = 10: Palma 1.
    assert palma_ratio(np.arange(1.0, 11.0)) == pytest.approx(1.0)
    # Values 1, 5, 10 for 5, 4, 1 people: the bottom 40% (4 people at 1) hold 4, the top 10% (1 person) 10.
    assert palma_ratio([10.0, 1.0, 5.0], weights=[1.0, 5.0, 4.0]) == pytest.approx(2.5)
    # Two units of one person at 2 and 4, cut inside each unit: the bottom 40% is 0.8 people at 2 = 1.6,
    # the top 10% is 0.2 people at 4 = 0.8: Palma 0.5.
    assert palma_ratio([2.0, 4.0]) == pytest.approx(0.5)


def test_palma_edge_cases() -> None:
    # The worst-served 40% have nothing: infinite. Nobody has anything: NaN.
    assert palma_ratio([0, 0, 0, 0, 1, 1, 1, 1, 1, 10]) == math.inf
    assert math.isnan(palma_ratio([0.0, 0.0, 0.0]))
    assert palma_ratio([3.0] * 10) == pytest.approx(0.25)  # 1 x 3 over 4 x 3


def test_combined_indicators_equal_the_separate_functions() -> None:
    from layers.decay import exponential
    from layers.indicators import (
        accessibility_indicators,
        cumulative_opportunities,
        gravity_access,
        nearest_times,
    )

    rng = np.random.default_rng(7)
    tt = pd.DataFrame(
        {
            "from_id": rng.integers(0, 40, 600),
            "to_id": [f"d{i}" for i in rng.integers(0, 25, 600)],
            "travel_time": rng.uniform(0, 1800, 600),
        }
    ).drop_duplicates(["from_id", "to_id"])
    destinations = pd.DataFrame(
        {"id": [f"d{i}" for i in range(25)], "category": ["sport", "arts"] * 12 + ["stem"], "capacity": np.arange(25.0)}
    )
    origins = list(range(45))  # five origins reach nothing
    combined = accessibility_indicators(tt, destinations, decay=exponential(), origin_ids=origins)
    separate = pd.concat(
        [
            nearest_times(tt, destinations, 3, origin_ids=origins),
            cumulative_opportunities(tt, destinations, origin_ids=origins),
            gravity_access(tt, destinations, exponential(), origin_ids=origins),
        ],
        axis=1,
    )
    pd.testing.assert_frame_equal(combined[separate.columns], separate, check_dtype=False)
