"""Siting models (layers.siting): optima worked out by hand, exact vs greedy, spopt on Porto Alegre, scenarios,
missions and the Milan vulnerability index.

The small instances are built so each optimum can be checked on paper; the comments show the arithmetic.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.errors import VicinoError
from layers.inequality import gini, palma_ratio
from layers.siting import (
    MaximalCovering,
    PMedian,
    SitingInputError,
    maximal_covering,
    p_median,
    rank_missions,
    scenario_summary,
    set_covering,
    siting_instance,
    vulnerability_index,
)


def _table(rows: list[tuple[object, object, float]]) -> pd.DataFrame:
    """A travel-time table from (demand, site, minutes) rows (the contract is in seconds)."""
    frame = pd.DataFrame(rows, columns=["from_id", "to_id", "minutes"])
    return frame.assign(travel_time=frame.pop("minutes") * 60.0)


# ---------------------------------------------------------------------------------------------------------
# A 5 (+1) demand points × 4 sites instance, T = 10 min
#
#   site A reaches d1 (5 min), d2 (8)            -> covers 10 + 20      = 30
#   site B reaches d2 (4), d3 (7)                -> covers 20 + 30      = 50
#   site C reaches d3 (9), d4 (3)                -> covers 30 + 25      = 55
#   site D reaches d4 (6), d5 (2)                -> covers 25 + 15      = 40
#   A–d3 is 14 min and D–d6 20 min: beyond T, they never count as covered.
#   weights d1 10, d2 20, d3 30, d4 25, d5 15, d6 5  (total 105; d6 is reached by no site within T)
# ---------------------------------------------------------------------------------------------------------

CANDIDATES = ["A", "B", "C", "D"]
WEIGHTS = pd.Series({"d1": 10.0, "d2": 20.0, "d3": 30.0, "d4": 25.0, "d5": 15.0, "d6": 5.0})
TABLE = _table(
    [
        ("d1", "A", 5), ("d2", "A", 8), ("d2", "B", 4), ("d3", "B", 7), ("d3", "C", 9),
        ("d4", "C", 3), ("d4", "D", 6), ("d5", "D", 2), ("d3", "A", 14), ("d6", "D", 20),
    ]
)  # fmt: skip


def test_mclp_p1_by_hand() -> None:
    # One site: A 30, B 50, C 55, D 40 -> C, covering d3 and d4 = 55.
    result = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 1, 10)
    assert result.sites == ["C"] and result.new_sites == ["C"] and result.fixed_sites == []
    assert result.objective == pytest.approx(55)
    assert result.status == "optimal" and result.mip_gap == 0.0
    assert result.coverage_share == pytest.approx(55 / 105)
    a = result.assignment
    assert a.loc["d3", "site"] == "C" and a.loc["d3", "travel_time_min"] == pytest.approx(9)
    assert a.loc["d4", "covered"] == 1.0 and a.loc["d1", "covered"] == 0.0 and pd.isna(a.loc["d1", "site"])
    assert result.uncoverable == ["d6"]
    assert set(result.flows["demand_id"]) == {"d3", "d4"}


def test_mclp_p2_by_hand() -> None:
    # Pairs: A+B = d1 d2 d3 = 60;  A+C = 10+20+30+25 = 85;  A+D = 30+40 = 70;
    #        B+C = d2 d3 d4 = 75;  B+D = 50+40 = 90;         C+D = d3 d4 d5 = 70   -> B+D = 90.
    result = MaximalCovering.from_travel_times(TABLE, WEIGHTS, CANDIDATES, 2, 10).solve()
    assert sorted(result.sites) == ["B", "D"]
    assert result.objective == pytest.approx(90)
    assert result.covered_weight == pytest.approx(90)


def test_greedy_swap_can_stop_at_a_local_optimum() -> None:
    # Greedy takes C (55), then the best addition is A (+30: d1 d2) -> {A, C} = 85.
    # Single swaps from {A, C}: C->B 60, C->D 70, A->B 75, A->D 70: none beats 85, so greedy + swap stops at 85,
    # while the optimum B+D = 90 needs both sites changed. The exact method must find 90.
    model = MaximalCovering.from_travel_times(TABLE, WEIGHTS, CANDIDATES, 2, 10)
    greedy = model.solve("greedy")
    assert sorted(greedy.sites) == ["A", "C"] and greedy.objective == pytest.approx(85)
    assert greedy.status == "heuristic" and greedy.method == "greedy+swap"
    assert model.solve("exact").objective == pytest.approx(90)
    assert model.solve("exact", reduce=False).objective == pytest.approx(90)


def test_lscp_by_hand_reports_uncoverable_demand() -> None:
    # d1 is reached only by A and d5 only by D, so A and D are needed; d3 then needs B or C: 3 sites.
    # d6 (no site within 10 min) is reported, not made infeasible.
    result = set_covering(TABLE, WEIGHTS, CANDIDATES, 10)
    assert result.objective == 3 and len(result.sites) == 3
    assert {"A", "D"} <= set(result.sites)
    assert result.uncoverable == ["d6"]
    assert result.assignment.loc[["d1", "d2", "d3", "d4", "d5"], "covered"].eq(1.0).all()
    assert result.assignment.loc["d6", "covered"] == 0.0
    assert set_covering(TABLE, WEIGHTS, CANDIDATES, 10, method="greedy").objective == 3


def test_lscp_zero_weight_needs_no_cover() -> None:
    # Without anyone at d1, A is not needed: D covers d4 d5 and B covers d2 d3 -> 2 sites.
    weights = WEIGHTS.copy()
    weights["d1"] = 0.0
    result = set_covering(TABLE, weights, CANDIDATES, 10)
    assert result.objective == 2 and sorted(result.sites) == ["B", "D"]


def test_fixed_site_is_never_moved_and_counts() -> None:
    # A is an existing hub (30 covered). One new site: +B covers d3 (+30) = 60, +C d3 d4 (+55) = 85,
    # +D d4 d5 (+40) = 70 -> C, total 85, and A stays open even though B+D would be the best pair.
    for method in ("exact", "greedy"):
        result = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 1, 10, fixed=["A"], method=method)
        assert result.fixed_sites == ["A"] and result.new_sites == ["C"]
        assert sorted(result.sites) == ["A", "C"]
        assert result.objective == pytest.approx(85)
    # D fixed (40): +A 70, +B 90, +C 70 -> B.
    result = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 1, 10, fixed=["D"])
    assert result.new_sites == ["B"] and result.objective == pytest.approx(90)


# ---------------------------------------------------------------------------------------------------------
# p-median on a line: demand x0..x4 at positions 0..4 with weights 1, 2, 1, 1, 4; a candidate at every
# position; time = distance in minutes.
# ---------------------------------------------------------------------------------------------------------

LINE_WEIGHTS = pd.Series([1.0, 2.0, 1.0, 1.0, 4.0], index=[f"x{i}" for i in range(5)])
LINE_SITES = [0, 1, 2, 3, 4]
LINE = _table([(f"x{i}", j, abs(i - j)) for i in range(5) for j in range(5)])


def test_p_median_on_a_line_by_hand() -> None:
    # p = 1: site 2 -> 1·2 + 2·1 + 0 + 1·1 + 4·2 = 13;  site 3 -> 3 + 4 + 1 + 0 + 4 = 12;  site 4 -> 4 + 6 + 2 + 1 = 13
    # (site 1: 1 + 0 + 1 + 2 + 12 = 16; site 0: 0 + 2 + 2 + 3 + 16 = 23) -> site 3, 12.
    one = p_median(LINE, LINE_WEIGHTS, LINE_SITES, 1, 10)
    assert one.sites == [3] and one.objective == pytest.approx(12)
    assert one.details["mean_time_min"] == pytest.approx(12 / 9)
    # p = 2: {1,4} -> x0 1, x1 0, x2 1, x3 1, x4 0 = 3;  {0,4} 5;  {2,4} 5;  {1,3} 6;  {0,3} 7;  {1,2} 10 -> {1,4}, 3.
    two = p_median(LINE, LINE_WEIGHTS, LINE_SITES, 2, 10)
    assert two.sites == [1, 4] and two.objective == pytest.approx(3)
    assert two.assignment.loc["x3", "site"] == 4 and two.assignment.loc["x3", "cost_min"] == pytest.approx(1)


def test_swap_improves_greedy_on_the_line() -> None:
    # Greedy: site 3 first (12), then the best addition: {1,3} 6, {3,4} 8, {2,3} 8, {0,3} 7 -> {1,3} = 6.
    # One swap 3 -> 4 gives {1,4} = 3, the optimum.
    model = PMedian.from_travel_times(LINE, LINE_WEIGHTS, LINE_SITES, 2, 10)
    plain = model.solve("greedy", swap=False)
    assert plain.sites == [1, 3] and plain.objective == pytest.approx(6) and plain.method == "greedy"
    swapped = model.solve("greedy")
    assert swapped.sites == [1, 4] and swapped.objective == pytest.approx(3) and swapped.details["swaps"] == 1


def test_p_median_penalty_for_demand_out_of_reach() -> None:
    # T = 1 min, so a site reaches only its neighbours; unreached demand counts at the penalty P.
    # Default P = T + 1 = 2:  site 4 -> x0 2·1 + x1 2·2 + x2 2·1 + x3 1·1 + 0 = 9;  site 3 -> 2 + 4 + 1 + 0 + 4 = 11;
    #                         site 1 -> 1 + 0 + 1 + 2 + 8 = 12;  site 2 -> 2 + 2 + 0 + 1 + 8 = 13  -> site 4, 9.
    result = p_median(LINE, LINE_WEIGHTS, LINE_SITES, 1, 1)
    assert result.sites == [4] and result.objective == pytest.approx(9)
    assert result.details["penalty_min"] == 2
    a = result.assignment
    assert pd.isna(a.loc["x0", "site"]) and a.loc["x0", "cost_min"] == 2 and a.loc["x0", "covered"] == 0
    assert result.uncoverable == []  # x0 could be reached (by site 0 or 1), just not by the chosen site
    # P = 10 makes reach matter more: site 3 -> 10 + 20 + 1 + 0 + 4 = 35;  site 4 -> 10 + 20 + 10 + 1 = 41;
    # site 1 -> 1 + 0 + 1 + 10 + 40 = 52;  site 2 -> 10 + 2 + 0 + 1 + 40 = 53  -> site 3, 35.
    result = p_median(LINE, LINE_WEIGHTS, LINE_SITES, 1, 1, penalty_min=10)
    assert result.sites == [3] and result.objective == pytest.approx(35)


def test_p_median_fixed_site_kept() -> None:
    # Site 0 exists. One new site: +4 -> x1 2·1 + x2 1·2 + x3 1·1 = 5;  +3 -> 2 + 1 + 0 + 4 = 7;  +2 -> 11;  +1 -> 15.
    # So site 4 is added and site 0 stays, although the free optimum {1,4} (3) does not contain it.
    for method in ("exact", "greedy"):
        result = p_median(LINE, LINE_WEIGHTS, LINE_SITES, 1, 10, fixed=[0], method=method)
        assert result.sites == [0, 4] and result.new_sites == [4] and result.fixed_sites == [0]
        assert result.objective == pytest.approx(5)


# ---------------------------------------------------------------------------------------------------------
# Capacitated variants
# ---------------------------------------------------------------------------------------------------------

CAPACITIES = {"A": 100.0, "B": 35.0, "C": 40.0, "D": 38.0}


def test_capacitated_mclp_by_hand() -> None:
    # p = 1: A min(30, 100) = 30, B min(50, 35) = 35, C min(55, 40) = 40, D min(40, 38) = 38 -> C, 40.
    one = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 1, 10, capacities=CAPACITIES)
    assert one.model == "capacitated_mclp" and one.sites == ["C"] and one.objective == pytest.approx(40)
    # p = 2: B+D: B 35 (of d2 d3 = 50) + D 38 (of d4 d5 = 40) = 73;  A+C: 30 + 40 = 70;  C+D: d3 d4 d5 = 70;
    #   A+D 68;  A+B: d1 d2 d3 = 60;  B+C: d2 d3 d4 = 75 within capacity 35 + 40 = 75 -> B+C, 75
    #   (not the uncapacitated B+D): B serves d2 (20) and half of d3 (15), C the other half (15) and d4 (25).
    two = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 2, 10, capacities=CAPACITIES)
    assert sorted(two.sites) == ["B", "C"] and two.objective == pytest.approx(75)
    flows = two.flows.set_index(["demand_id", "site_id"])["share"]
    assert flows[("d2", "B")] == pytest.approx(1.0)
    assert flows[("d3", "B")] == pytest.approx(0.5) and flows[("d3", "C")] == pytest.approx(0.5)
    assert flows[("d4", "C")] == pytest.approx(1.0)
    assert two.assignment.loc["d3", "covered"] == pytest.approx(1.0)
    load = two.flows.assign(w=two.flows["demand_id"].map(WEIGHTS) * two.flows["share"]).groupby("site_id")["w"].sum()
    assert load["B"] <= 35 + 1e-6 and load["C"] <= 40 + 1e-6


def test_capacitated_p_median_by_hand() -> None:
    # The line with x4 = 5 (total 10) and capacity 5 per site, p = 2.
    # Uncapacitated {1,4} costs 3, but site 4 can take only x4 (5), so x3 goes to site 1 (2 min):
    # x0 1 + x1 0 + x2 1 + x3 2 + x4 0 = 4 (site 1 load 1+2+1+1 = 5).  {2,4}: 2 + 2 + 0 + 1 + 0 = 5 (load 5);
    # {1,3}: site 3 full with x4 (5 min each) -> 1 + 0 + 1 + 2 + 5 = 9;  {0,4}: 0 + 2 + 2 + 3 = 7 -> {1,4}, 4.
    weights = LINE_WEIGHTS.copy()
    weights["x4"] = 5.0
    result = p_median(LINE, weights, LINE_SITES, 2, 10, capacities=dict.fromkeys(LINE_SITES, 5.0))
    assert result.model == "capacitated_p_median"
    assert result.sites == [1, 4] and result.objective == pytest.approx(4)
    assert result.assignment.loc["x3", "site"] == 1 and result.assignment.loc["x3", "travel_time_min"] == 2
    assert p_median(LINE, weights, LINE_SITES, 2, 10).objective == pytest.approx(3)


def test_capacitated_p_median_overflow_pays_the_penalty() -> None:
    # 8 youth at 2 min from a site of capacity 5: 5 are served (5·2 = 10), 3 pay P = T + 1 = 11 (33) -> 43.
    table = _table([("h", "S", 2)])
    result = p_median(table, pd.Series({"h": 8.0}), ["S"], 1, 10, capacities={"S": 5.0})
    assert result.objective == pytest.approx(43)
    assert result.assignment.loc["h", "covered"] == pytest.approx(5 / 8)
    assert result.assignment.loc["h", "cost_min"] == pytest.approx(43 / 8)


def test_capacitated_models_need_the_exact_method() -> None:
    model = MaximalCovering.from_travel_times(TABLE, WEIGHTS, CANDIDATES, 1, 10, capacities=CAPACITIES)
    with pytest.raises(SitingInputError, match="uncapacitated"):
        model.solve("greedy")


def test_unlimited_capacity_equals_uncapacitated() -> None:
    capacities = dict.fromkeys(CANDIDATES, np.inf)
    for p in (1, 2):
        capacitated = maximal_covering(TABLE, WEIGHTS, CANDIDATES, p, 10, capacities=capacities)
        assert capacitated.objective == pytest.approx(maximal_covering(TABLE, WEIGHTS, CANDIDATES, p, 10).objective)
        capacitated = p_median(LINE, LINE_WEIGHTS, LINE_SITES, p, 10, capacities=dict.fromkeys(LINE_SITES, np.inf))
        assert capacitated.objective == pytest.approx(p_median(LINE, LINE_WEIGHTS, LINE_SITES, p, 10).objective)


# ---------------------------------------------------------------------------------------------------------
# Exact vs greedy vs brute force on small random instances
# ---------------------------------------------------------------------------------------------------------


def _random_instance(seed: int) -> tuple[pd.DataFrame, pd.Series, list[str], list[str], int, float]:
    rng = np.random.default_rng(seed)
    n_demand, n_sites = int(rng.integers(8, 40)), int(rng.integers(5, 11))
    demand_xy, site_xy = rng.uniform(0, 3000, (n_demand, 2)), rng.uniform(0, 3000, (n_sites, 2))
    seconds = np.abs(demand_xy[:, None, :] - site_xy[None, :, :]).sum(axis=-1) / 1.3
    minutes = float(rng.choice([5, 10, 15]))
    i, j = np.nonzero(seconds <= minutes * 60 * 1.5)  # the table reaches further than T, as real ones do
    table = pd.DataFrame({"from_id": i, "to_id": [f"s{k}" for k in j], "travel_time": seconds[i, j]})
    weights = pd.Series(rng.integers(0, 60, n_demand).astype(float))
    sites = [f"s{k}" for k in range(n_sites)]
    fixed = [str(s) for s in rng.choice(sites, int(rng.integers(0, 3)), replace=False)]
    p = int(rng.integers(1, 4))
    return table, weights, sites, fixed, p, minutes


@pytest.mark.parametrize("seed", range(12))
def test_exact_matches_brute_force_and_bounds_greedy(seed: int) -> None:
    table, weights, sites, fixed, p, minutes = _random_instance(seed)
    cover = MaximalCovering.from_travel_times(table, weights, sites, p, minutes, fixed=fixed)
    median = PMedian.from_travel_times(table, weights, sites, p, minutes, fixed=fixed)
    instance = cover.instance
    free = [instance.site_ids.get_loc(s) for s in sites if s not in fixed]
    best_cover, best_median = -1.0, math.inf
    for chosen in itertools.combinations(free, p):
        open_sites = instance.fixed.copy()
        open_sites[list(chosen)] = True
        best_cover = max(best_cover, float(instance.weight[instance.covered_by(open_sites)].sum()))
        site, seconds = instance.nearest_open(open_sites)
        cost = np.where(site >= 0, seconds / 60.0, median.penalty_min)
        best_median = min(best_median, float((instance.weight * cost).sum()))
    for reduce in (True, False):
        assert cover.solve(reduce=reduce).objective == pytest.approx(best_cover)
        assert median.solve(reduce=reduce).objective == pytest.approx(best_median)
    assert cover.solve("greedy").objective <= best_cover + 1e-9
    assert median.solve("greedy").objective >= best_median - 1e-9


def test_exact_and_greedy_agree_on_the_hand_instances() -> None:
    for p in (1, 2, 3):
        model = PMedian.from_travel_times(LINE, LINE_WEIGHTS, LINE_SITES, p, 10)
        assert model.solve("greedy").objective == pytest.approx(model.solve("exact").objective)
    for p in (1, 3, 4):
        model = MaximalCovering.from_travel_times(TABLE, WEIGHTS, CANDIDATES, p, 10)
        assert model.solve("greedy").objective == pytest.approx(model.solve("exact").objective)


# ---------------------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": 0}, "at least 1"),
        ({"p": -2}, "at least 1"),
        ({"p": 2.5}, "whole number"),
        ({"p": 5}, "only 4 candidates are free"),
        ({"p": 2, "fixed": ["A", "B", "C"]}, "only 1 candidates are free"),
        ({"candidates": []}, "no candidate"),
        ({"max_time_min": 0}, r"\(0, 120\]"),
        ({"max_time_min": -5}, r"\(0, 120\]"),
        ({"max_time_min": 121}, r"\(0, 120\]"),
        ({"max_time_min": float("nan")}, r"\(0, 120\]"),
        ({"demand": pd.Series(dtype=float)}, "demand is empty"),
        ({"demand": pd.Series({"d1": -1.0})}, "finite and ≥ 0"),
        ({"demand": pd.Series({"d1": np.nan})}, "finite and ≥ 0"),
        ({"fixed": ["Z"]}, "among the candidates"),
        ({"candidates": ["A", "A", "B"]}, "unique"),
        ({"capacities": {"A": 1.0}}, "capacities are missing"),
        ({"capacities": {"A": -1.0, "B": 1.0, "C": 1.0, "D": 1.0}}, "≥ 0"),
        ({"travel_times": TABLE.drop(columns="to_id")}, "lacks columns"),
        ({"travel_times": TABLE.assign(travel_time=-1.0)}, "travel_time must be"),
        ({"travel_times": TABLE.assign(from_id=range(len(TABLE)))}, "check the id types"),
    ],
)
def test_bad_inputs_give_clear_errors(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "travel_times": TABLE,
        "demand": WEIGHTS,
        "candidates": CANDIDATES,
        "p": 1,
        "max_time_min": 10,
    }
    arguments.update(kwargs)
    with pytest.raises(SitingInputError, match=message) as caught:
        maximal_covering(**arguments)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, VicinoError)


def test_other_bad_inputs() -> None:
    with pytest.raises(SitingInputError, match="method"):
        MaximalCovering.from_travel_times(TABLE, WEIGHTS, CANDIDATES, 1, 10).solve("fast")  # type: ignore[arg-type]
    with pytest.raises(SitingInputError, match="penalty_min"):
        p_median(LINE, LINE_WEIGHTS, LINE_SITES, 1, 10, penalty_min=5)
    with pytest.raises(SitingInputError, match="demand is empty"):
        set_covering(TABLE, pd.Series(dtype=float), CANDIDATES, 10)
    with pytest.raises(SitingInputError, match="a Series"):
        siting_instance(TABLE, [1.0, 2.0], CANDIDATES, 10)  # type: ignore[arg-type]


def test_result_summary_is_json() -> None:
    result = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 2, 10, fixed=["A"])
    digest = json.loads(json.dumps(result.summary()))
    assert digest["model"] == "mclp" and digest["fixed_sites"] == ["A"] and digest["n_uncoverable"] == 1


# ---------------------------------------------------------------------------------------------------------
# Cross-check with PySAL spopt on real Porto Alegre data (walk network, 15 min)
# ---------------------------------------------------------------------------------------------------------

POA_MINUTES = 15


@pytest.fixture(scope="module")
def poa_instance(data_dir: Path) -> tuple[pd.DataFrame, pd.Series, list[str], np.ndarray]:
    """Demand = populated POA H3 cells, candidates = 60 cells (every 20th by id), walk times within 15 min."""
    from data_sources.osm import graph_from_osm_file
    from routing.network import network_from_graph
    from routing.snapping import locations_from_points
    from routing.travel_times import travel_times

    hexes = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv")
    network = network_from_graph(graph_from_osm_file(data_dir / "porto_alegre" / "poa_osm.pbf"), 31982)
    demand = hexes[hexes["population"] > 0]
    candidates = hexes.sort_values("id").iloc[::20].head(60)
    origins = locations_from_points(network, demand["id"].to_numpy(), demand["lon"], demand["lat"])
    sites = locations_from_points(network, candidates["id"].to_numpy(), candidates["lon"], candidates["lat"])
    table = travel_times(network, origins, sites, POA_MINUTES * 60)
    weights = demand.set_index("id")["population"].astype(float)
    ids = candidates["id"].tolist()
    matrix = np.full((len(weights), len(ids)), np.inf)  # dense minutes for spopt (inf = beyond 15 min)
    matrix[weights.index.get_indexer(table["from_id"]), pd.Index(ids).get_indexer(table["to_id"])] = (
        table["travel_time"].to_numpy() / 60.0
    )
    return table, weights, ids, matrix


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp.*")
def test_spopt_agrees_on_porto_alegre(poa_instance: tuple[pd.DataFrame, pd.Series, list[str], np.ndarray]) -> None:
    import pulp
    from spopt.locate import LSCP, MCLP
    from spopt.locate import PMedian as SpoptPMedian

    table, weights, ids, matrix = poa_instance
    assert len(weights) == 1124 and len(ids) == 60 and len(table) > 1000
    cbc = pulp.PULP_CBC_CMD(msg=False)
    far = np.where(np.isfinite(matrix), matrix, 1e6)
    fixed = ids[:3]
    predefined = np.isin(ids, fixed).astype(int)
    agreement = {}

    # MCLP: spopt's p counts every open facility, ours only the new ones.
    for p, fixed_here in ((5, []), (10, []), (5, fixed)):
        ours = maximal_covering(table, weights, ids, p, POA_MINUTES, fixed=fixed_here)
        greedy = maximal_covering(table, weights, ids, p, POA_MINUTES, fixed=fixed_here, method="greedy")
        spopt = MCLP.from_cost_matrix(
            far, weights.to_numpy(), POA_MINUTES, p + len(fixed_here),
            predefined_facilities_arr=predefined if fixed_here else None,
        ).solve(cbc)  # fmt: skip
        theirs = pulp.value(spopt.problem.objective)
        agreement[f"mclp p={p} fixed={len(fixed_here)}"] = (ours.objective, theirs)
        assert ours.objective == pytest.approx(theirs)
        assert set(fixed_here) <= set(ours.sites)
        assert greedy.objective >= 0.98 * ours.objective

    # p-median: beyond 15 min a pair costs the penalty T + 1 = 16 min, exactly like our unreached demand.
    ours = p_median(table, weights, ids, 5, POA_MINUTES, fixed=fixed[:2])
    greedy = p_median(table, weights, ids, 5, POA_MINUTES, fixed=fixed[:2], method="greedy")
    penalised = np.where(np.isfinite(matrix), matrix, POA_MINUTES + 1)
    spopt = SpoptPMedian.from_cost_matrix(
        penalised, weights.to_numpy(), 7, predefined_facilities_arr=np.isin(ids, fixed[:2]).astype(int)
    ).solve(cbc)
    theirs = pulp.value(spopt.problem.objective)
    agreement["p_median p=5 fixed=2"] = (ours.objective, theirs)
    assert ours.objective == pytest.approx(theirs, rel=1e-9)
    assert greedy.objective <= 1.02 * ours.objective

    # LSCP: spopt needs every demand point coverable, so the uncoverable ones (which we report) are left out.
    coverable = np.isfinite(matrix).any(axis=1)
    ours = set_covering(table, weights, ids, POA_MINUTES)
    assert len(ours.uncoverable) == int((~coverable).sum())
    spopt = LSCP.from_cost_matrix(far[coverable], POA_MINUTES).solve(cbc)
    agreement["lscp"] = (ours.objective, pulp.value(spopt.problem.objective))
    assert ours.objective == pulp.value(spopt.problem.objective)
    ours_fixed = set_covering(table, weights, ids, POA_MINUTES, fixed=fixed)
    spopt = LSCP.from_cost_matrix(far[coverable], POA_MINUTES, predefined_facilities_arr=predefined).solve(cbc)
    agreement["lscp fixed=3"] = (ours_fixed.objective + len(fixed), pulp.value(spopt.problem.objective))
    assert ours_fixed.objective + len(fixed) == pulp.value(spopt.problem.objective)
    print("spopt agreement (ours, spopt):", agreement)


@pytest.mark.slow
def test_more_sites_never_cover_less_on_porto_alegre(
    poa_instance: tuple[pd.DataFrame, pd.Series, list[str], np.ndarray],
) -> None:
    # With two hubs fixed, the optimum for p + 1 new sites covers at least the optimum for p (it could reuse p's
    # sites), and the scenario summary of each result counts exactly the solver's coverage.
    table, weights, ids, _ = poa_instance
    fixed = ids[:2]
    covered, newly = [], []
    for p in (1, 2, 3, 4):
        result = maximal_covering(table, weights, ids, p, POA_MINUTES, fixed=fixed)
        assert result.status == "optimal"
        summary = scenario_summary(table, weights, result.fixed_sites, result.sites, POA_MINUTES)
        assert summary.overall["covered_after"] == pytest.approx(result.objective)
        covered.append(result.objective)
        newly.append(summary.overall["newly_covered"])
    assert covered == sorted(covered) and covered[-1] > covered[0]
    assert newly == sorted(newly)


# ---------------------------------------------------------------------------------------------------------
# Scenario summary on the hand instance: before = {A}, after = {A, C}, T = 10
# ---------------------------------------------------------------------------------------------------------


def test_scenario_summary_by_hand() -> None:
    zones = pd.Series({"d1": "Z1", "d2": "Z1", "d3": "Z1", "d4": "Z2", "d5": "Z2", "d6": "Z2"})
    bands = pd.DataFrame(
        {"age_0_4": [4, 6, 10, 5, 3, 1], "age_5_9": [6, 14, 20, 20, 12, 4]}, index=WEIGHTS.index, dtype=float
    )
    summary = scenario_summary(TABLE, WEIGHTS, ["A"], ["A", "C"], 10, zones=zones, age_bands=bands)
    o = summary.overall
    # Before: A covers d1, d2 (30 of 105).  After: + C covers d3, d4 (+55) -> 85.
    assert o["coverage_before"] == pytest.approx(30 / 105) and o["coverage_after"] == pytest.approx(85 / 105)
    assert o["newly_covered"] == 55 and o["no_longer_covered"] == 0
    # Nearest minutes, before: d1 5, d2 8, d3 14 (A, beyond T but in the table), d4 d5 d6 none -> 21
    # (the table's cutoff is its longest time, 20 min, + 1): (50 + 160 + 420 + 525 + 315 + 105) / 105 = 15.
    # After: d3 9, d4 3: (50 + 160 + 270 + 75 + 315 + 105) / 105 = 975 / 105.
    assert o["unreached_min"] == 21
    assert o["mean_nearest_min_before"] == pytest.approx(15.0)
    assert o["mean_nearest_min_after"] == pytest.approx(975 / 105)
    assert o["unreached_before"] == pytest.approx(45 / 105) and o["unreached_after"] == pytest.approx(20 / 105)

    z = summary.by_zone
    # Z1 (d1 d2 d3, 60): 30 -> 60 covered.  Z2 (d4 d5 d6, 45): 0 -> 25 covered.
    assert z.loc["Z1", "coverage_before"] == pytest.approx(0.5) and z.loc["Z1", "coverage_after"] == 1.0
    assert z.loc["Z2", "coverage_before"] == 0 and z.loc["Z2", "coverage_after"] == pytest.approx(25 / 45)
    assert z.loc["Z2", "newly_covered"] == 25 and z.loc["Z1", "newly_covered"] == 30

    ineq = summary.inequality
    # Zone coverage before: Z2 0 (3/7 of demand), Z1 0.5 (4/7); Lorenz 0 then 1 -> G = 1 − 4/7 = 3/7, and the
    # poorest 40% have nothing -> Palma infinite. After: Z2 25/45 (3/7), Z1 1 (4/7); L = 25/85 then 1 ->
    # G = 1 − [3/7 · 5/17 + 4/7 · 22/17] = 16/119; Palma = top 10% (10.5 people × 1) / bottom 40% (42 × 5/9) = 0.45.
    assert ineq.loc["zone_coverage", "gini_before"] == pytest.approx(3 / 7)
    assert ineq.loc["zone_coverage", "gini_after"] == pytest.approx(16 / 119)
    assert ineq.loc["zone_coverage", "gini_change"] == pytest.approx(16 / 119 - 3 / 7)
    assert math.isinf(ineq.loc["zone_coverage", "palma_before"])
    assert ineq.loc["zone_coverage", "palma_after"] == pytest.approx(0.45)
    per = summary.per_demand
    penalised_after = per["nearest_min_after"].fillna(21)
    assert ineq.loc["nearest_time", "gini_after"] == pytest.approx(gini(penalised_after, WEIGHTS))
    assert ineq.loc["sites_within", "palma_after"] == pytest.approx(palma_ratio(per["sites_within_after"], WEIGHTS))

    a = summary.by_age_band
    # Newly covered: d3 (10, 20) + d4 (5, 20).  Before: d1 + d2 = (10, 20).
    assert a.loc["age_0_4", "newly_covered"] == 15 and a.loc["age_5_9", "newly_covered"] == 40
    assert a.loc["age_0_4", "covered_before"] == 10 and a.loc["age_0_4", "coverage_after"] == pytest.approx(25 / 29)
    json.dumps(summary.to_dict())


def test_scenario_summary_from_a_result() -> None:
    result = maximal_covering(TABLE, WEIGHTS, CANDIDATES, 1, 10, fixed=["A"])
    summary = scenario_summary(TABLE, WEIGHTS, result.fixed_sites, result.sites, 10, cutoff_min=30)
    assert summary.overall["covered_after"] == pytest.approx(result.objective)
    assert summary.overall["unreached_min"] == 31
    assert summary.by_zone is None and summary.by_age_band is None


# ---------------------------------------------------------------------------------------------------------
# Missions
# ---------------------------------------------------------------------------------------------------------


def _zones() -> pd.DataFrame:
    main = pd.DataFrame(
        {
            "name": ["Corvetto", "Bovisa", "Gratosoglio"],
            "youth": [1240, 3000, 500],
            "vulnerability": [0.8, 0.2, 0.6],
            "access_sport": [0.23, 0.5, 0.0],
            "access_arts": [0.9, 0.1, 0.4],
        },
        index=["Z1", "Z2", "Z3"],
    )
    filler = pd.DataFrame(
        {"name": "other", "youth": 100, "vulnerability": 0.1, "access_sport": 1.0, "access_arts": 1.0},
        index=[f"F{i}" for i in range(7)],
    )
    return pd.concat([main, filler])


def test_rank_missions_by_hand() -> None:
    # Unmet need = youth × vulnerability × (1 − access):
    #   Z1 sport 1240·0.8·0.77 = 763.84   Z1 arts 1240·0.8·0.1 = 99.2
    #   Z2 sport 3000·0.2·0.5  = 300      Z2 arts 3000·0.2·0.9 = 540
    #   Z3 sport 500·0.6·1     = 300      Z3 arts 500·0.6·0.6  = 180        fillers 0
    # Order: Z1 sport, Z2 arts, Z2 sport and Z3 sport (tie at 300: more youth first), Z3 arts, Z1 arts.
    ranked = rank_missions(_zones())
    head = list(zip(ranked["zone"], ranked["category"], strict=True))[:6]
    assert head == [("Z1", "sport"), ("Z2", "arts"), ("Z2", "sport"), ("Z3", "sport"), ("Z3", "arts"), ("Z1", "arts")]
    assert ranked["unmet_need"].iloc[:6].tolist() == pytest.approx([763.84, 540, 300, 300, 180, 99.2])
    assert ranked["rank"].iloc[0] == 1 and ranked.loc[ranked["zone"] == "Z3", "rank_in_category"].tolist() == [3, 2]
    # Vulnerability tiers among 10 zones: Z1 is 1st (top 10%), Z3 2nd (top 25%), Z2 3rd (top half).
    assert ranked["reason"].iloc[0] == (
        "1,240 youth, vulnerability 0.80 (top 10%), 23% reach a sport opportunity within 15 min"
    )
    assert ranked["reason"].iloc[1] == (
        "3,000 youth, vulnerability 0.20 (top half), 10% reach an arts opportunity within 15 min"
    )
    assert ranked.loc[ranked["zone"] == "Z3", "vulnerability_tier"].iloc[0] == "top 25%"
    assert len(rank_missions(_zones(), categories=["sport"], top=2)) == 2


def test_rank_missions_errors() -> None:
    with pytest.raises(SitingInputError, match="access columns"):
        rank_missions(_zones(), categories=["stem"])
    with pytest.raises(SitingInputError, match=r"\[0, 1\]"):
        rank_missions(_zones().assign(vulnerability=1.5))
    with pytest.raises(SitingInputError, match="share in"):
        rank_missions(_zones().assign(access_sport=23.0))
    with pytest.raises(SitingInputError, match="non-empty"):
        rank_missions(pd.DataFrame())


# ---------------------------------------------------------------------------------------------------------
# Vulnerability
# ---------------------------------------------------------------------------------------------------------


def test_vulnerability_index_by_hand() -> None:
    frame = pd.DataFrame({"a": [0.0, 5.0, 10.0], "c": [30.0, 20.0, 10.0], "k": [2.0, 2.0, 2.0]})
    # a -> 0, .5, 1;  c inverted -> 1 − (1, .5, 0) = 0, .5, 1;  weighted mean (3:1) = 0, .5, 1.
    index = vulnerability_index(frame, ["a", "c"], [3, 1], invert=["c"])
    assert index.tolist() == pytest.approx([0.0, 0.5, 1.0])
    # A constant column normalises to 0 and only shifts the mean, which the rescale removes.
    assert vulnerability_index(frame, ["a", "k"]).tolist() == pytest.approx([0.0, 0.5, 1.0])
    # Missing values drop out of that row's mean: a' = 0, 1, NaN; b' = 1, 0, 1 -> .5, .5, 1 -> rescaled 0, 0, 1.
    gaps = pd.DataFrame({"a": [0.0, 10.0, np.nan], "b": [1.0, 0.0, 1.0]})
    assert vulnerability_index(gaps, ["a", "b"]).tolist() == pytest.approx([0.0, 0.0, 1.0])
    assert vulnerability_index(gaps, ["a", "b"], rescale=False).tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert vulnerability_index(frame, ["a", "c"], {"a": 1, "c": 0}).tolist() == pytest.approx([0.0, 0.5, 1.0])
    with pytest.raises(SitingInputError, match="weights"):
        vulnerability_index(frame, ["a", "c"], [1, -1])
    with pytest.raises(SitingInputError, match="lacks"):
        vulnerability_index(frame, ["zzz"])
