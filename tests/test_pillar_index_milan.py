"""The pillar index on Milan's real data: 88 NIL, every pillar, ranks inside their intervals, the composite
re-derived from the stored scores, context indicators with their sources, deterministic with the seed, and a
scenario's before/after."""

from __future__ import annotations

import numpy as np
import pytest

from data_sources.contracts import PILLARS
from geo.models import City, SitingScenario
from tests.conftest import load_city_with_layers

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def milan(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from geo.pillars import compute_pillars
    from routing.profiles import profile_by_name

    with django_db_blocker.unblock():
        city = load_city_with_layers("milan", ("age_11_13",), {"nil"})
        layers = compute_pillars(city, profiles=(profile_by_name("age_11_13"),), draws=300, seed=11)
        yield city, layers[0]
        City.objects.filter(slug="milan").delete()


def test_88_nil_every_pillar_and_ranks_inside_their_intervals(milan) -> None:  # type: ignore[no-untyped-def]
    city, layer = milan
    rows = layer.rows
    assert len(rows) == 88 and layer.origin_kind == "nil" and layer.method == "straight_line"
    for pillar in PILLARS:
        assert all(f"{pillar}_access" in r and f"{pillar}_score" in r for r in rows), pillar
    counts = layer.parameters["opportunities_per_pillar"]
    assert set(counts) == set(PILLARS) and counts["physical_activity"] > 1000  # sport facilities, parks, pools
    # every pillar is either in the composite or listed as excluded with its reason: nothing silent
    assert set(layer.parameters["pillars_used"]) | set(layer.parameters["excluded"]) == set(PILLARS)
    assert sorted(r["rank"] for r in rows)[0] == 1 and max(r["rank"] for r in rows) <= 88
    for r in rows:
        assert 1 <= r["rank_p5"] <= r["rank_median"] <= r["rank_p95"] <= 88
        assert r["rank_min"] <= r["rank_p5"] and r["rank_p95"] <= r["rank_max"]
    inside = np.mean([r["rank_p5"] <= r["rank"] <= r["rank_p95"] for r in rows])
    assert inside >= 0.9, f"the headline rank is inside the 5-95% interval for only {inside:.0%} of NIL"


def test_composite_is_the_weighted_mean_of_the_stored_scores(milan) -> None:  # type: ignore[no-untyped-def]
    city, layer = milan
    weights = layer.parameters["weights"]
    assert layer.normalisation == "rank"  # Milan's TOML
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-5)
    for r in layer.rows:
        expected = sum(w * r[f"{p}_score"] for p, w in weights.items())
        assert r["composite"] == pytest.approx(expected, abs=2e-3)
    composite = np.array([r["composite"] for r in layer.rows])
    ranks = np.array([r["rank"] for r in layer.rows])
    assert (ranks[np.argsort(composite, kind="stable")][0]) == 1  # lowest composite = rank 1
    assert all(ranks[composite < c].max(initial=0) < r for c, r in zip(composite, ranks, strict=True))


def test_context_indicators_side_by_side_with_direction_and_source(milan) -> None:  # type: ignore[no-untyped-def]
    city, layer = milan
    context = {c["indicator"]: c for c in layer.parameters["context"]}
    assert context["crowding"]["direction"] == "higher_is_worse" and "ISTAT" in context["crowding"]["source"]
    assert context["adults_degree_share"]["direction"] == "higher_is_better"
    assert not any(c["in_composite"] for c in context.values())  # weight 0 or absent in milan_pillars.csv
    by_name = {r["name"]: r for r in layer.rows}
    # ISTAT 2011 per Municipio reaches every NIL through the Municipio containing its origin
    assert all(r["context_crowding"] is not None for r in layer.rows)
    assert len({r["context_crowding"] for r in layer.rows}) == 9
    # Duomo is in Municipio 1 (Centro Storico), the zone with the most graduates in 2011
    assert by_name["DUOMO"]["context_adults_degree_share"] == max(r["context_adults_degree_share"] for r in layer.rows)
    assert 0 < by_name["DUOMO"]["context_foreign_share"] < 100


def test_deterministic_with_the_seed(milan) -> None:  # type: ignore[no-untyped-def]
    from geo.access import origin_sets
    from geo.pillars import city_pillar_tables, index_for_origins
    from routing.profiles import profile_by_name

    city, layer = milan
    release = city.current_release()
    origins = next(o for o in origin_sets(release, None) if o.kind == "nil")
    weights, context, normalisation = city_pillar_tables(city)
    kwargs = {"weights": weights, "context": context, "draws": 300, "seed": 11, "normalisation": normalisation}
    first, _ = index_for_origins(release, origins, profile_by_name("age_11_13"), **kwargs)
    second, _ = index_for_origins(release, origins, profile_by_name("age_11_13"), **kwargs)
    assert first.equals(second)
    stored = {r["origin_id"]: (r["rank_p5"], r["rank_p95"]) for r in layer.rows}
    recomputed = zip(first.index, first["rank_p5"], first["rank_p95"], strict=True)
    assert {i: (int(a), int(b)) for i, a, b in recomputed} == stored


def test_new_hubs_improve_the_nil_they_reach(milan) -> None:  # type: ignore[no-untyped-def]
    from geo.pillars import scenario_before_after

    city, layer = milan
    release = city.current_release()
    worst = min(layer.rows, key=lambda r: r["rank"])
    origin = release.neighbourhoods.get(level="nil", code=worst["origin_id"]).population.origin
    scenario = SitingScenario.objects.create(
        release=release, name="one hub in the worst-served NIL",
        sites=[{"id": "x", "name": "hub", "lon": origin.x, "lat": origin.y, "fixed": False}],
    )  # fmt: skip
    frame, summary = scenario_before_after(release, scenario, hub_pillars=("talents_creativity", "social_relations"))
    row = frame.loc[worst["origin_id"]]
    assert row["talents_creativity_gain"] > 0 and row["social_relations_gain"] > 0
    assert row["physical_activity_gain"] == 0 and row["healthcare_gain"] == 0
    assert row["composite_after"] > row["composite_before"]
    assert (frame[[f"{p}_gain" for p in PILLARS]] >= -1e-9).all().all()  # adding supply never lowers access
    far = frame[frame["composite_gain"] <= 1e-9]
    assert len(far) > 40  # a hub on foot reaches a part of the city, not all of it
    assert summary["pillar_origins_improved"]["talents_creativity"] == summary["origins_improved"]
