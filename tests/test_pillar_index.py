"""The pillar index on hand-built cases worked out by hand: access per pillar, normalisation, weights, composite,
ranks, rank uncertainty and before/after; plus the weights and context tables' error messages."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.errors import SourceFormatError
from data_sources.pillar_tables import read_context_indicators, read_pillar_weights
from layers.pillar_index import (
    PillarIndexError,
    access_table,
    before_after,
    build_index,
    normalise,
    pillar_access,
    rank_uncertainty,
)

# Two origins, two opportunities: A carries physical_activity and social_relations, B social_relations only.
TT = pd.DataFrame({"from_id": ["o1", "o1", "o2"], "to_id": ["A", "B", "B"], "travel_time": [5 * 60, 20 * 60, 5 * 60]})
OPPS = pd.DataFrame({"id": ["A", "B"], "pillars": ["physical_activity;social_relations", "social_relations"]})
YOUTH = pd.Series({"o1": 100.0, "o2": 300.0})


def _value(long: pd.DataFrame, origin: str, pillar: str) -> float:
    return float(long.set_index(["origin_id", "pillar"]).loc[(origin, pillar), "value"])


def test_within_15_counts_each_pillar_an_opportunity_carries() -> None:
    long = pillar_access(TT, OPPS, ["o1", "o2", "o3"], measures="within_15")
    assert _value(long, "o1", "physical_activity") == 1  # A at 5 min
    assert _value(long, "o1", "social_relations") == 1  # A at 5 min; B at 20 min is beyond 15
    assert _value(long, "o2", "social_relations") == 1
    assert _value(long, "o2", "physical_activity") == 0
    assert _value(long, "o3", "social_relations") == 0  # reaches nothing, still listed
    assert _value(long, "o1", "healthcare") == 0  # no opportunity carries it
    assert set(long["pillar"]) == {
        "social_relations", "physical_activity", "healthcare", "education_training", "talents_creativity",
        "self_determination", "common_spaces",
    }  # fmt: skip


def test_gravity_halves_every_six_minutes() -> None:
    long = pillar_access(TT, OPPS, ["o1", "o2"], measures="gravity")
    assert _value(long, "o1", "social_relations") == pytest.approx(2 ** (-5 / 6) + 2 ** (-20 / 6))
    assert _value(long, "o2", "physical_activity") == 0


def test_e2sfca_per_1000_youth_by_hand() -> None:
    # A: only o1 within 10 min (weight 1): R_A = 1 / 100. B: o1 at 20 min (weight 0.68), o2 at 5 min (1):
    # R_B = 1 / (100 × 0.68 + 300) = 1 / 368. o1 social = R_A + 0.68 R_B; o2 social = R_B; × 1000.
    long = pillar_access(TT, OPPS, ["o1", "o2"], measures="e2sfca", demand=YOUTH)
    assert _value(long, "o1", "physical_activity") == pytest.approx(10.0)
    assert _value(long, "o1", "social_relations") == pytest.approx(1000 * (0.01 + 0.68 / 368))
    assert _value(long, "o2", "social_relations") == pytest.approx(1000 / 368)
    with pytest.raises(PillarIndexError, match="demand"):
        pillar_access(TT, OPPS, ["o1"], measures="e2sfca")


VALUES = pd.DataFrame({"x": [0.0, 5.0, 10.0], "y": [3.0, 1.0, 2.0]}, index=["a", "b", "c"])


def test_normalisations_by_hand() -> None:
    minmax = normalise(VALUES, "min_max")
    assert minmax["x"].tolist() == [0.0, 0.5, 1.0]
    assert minmax["y"].tolist() == [1.0, 0.0, 0.5]
    z = normalise(VALUES, "z_score")
    sd = math.sqrt(50 / 3)  # population sd of 0, 5, 10
    assert z["x"].tolist() == pytest.approx([-5 / sd, 0.0, 5 / sd])
    ranks = normalise(pd.DataFrame({"t": [1.0, 1.0, 3.0]}), "rank")
    assert ranks["t"].tolist() == [0.0, 0.0, 1.0]  # ties share their lowest rank 1 → (1 − 1) / 2
    reversed_ = normalise(VALUES, "min_max", higher_is_better={"y": False})
    assert reversed_["y"].tolist() == [0.0, 1.0, 0.5]
    assert normalise(pd.DataFrame({"k": [2.0, 2.0]}), "min_max")["k"].isna().all()
    with pytest.raises(PillarIndexError, match="normalisation"):
        normalise(VALUES, "log")


def test_composite_weights_and_worst_first_ranks_by_hand() -> None:
    # min-max: x = 0, .5, 1; y = 1, 0, .5. Weights x 1, y 3: a = 0.75, b = 0.125, c = 0.625.
    index = build_index(VALUES, {"x": 1, "y": 3}, "min_max")
    assert index.composite.tolist() == pytest.approx([0.75, 0.125, 0.625])
    assert index.rank.to_dict() == {"b": 1, "c": 2, "a": 3}
    assert index.weights.to_dict() == {"x": 0.25, "y": 0.75}
    # equal weights: a = 0.5, b = 0.25, c = 0.75
    equal = build_index(VALUES, {"x": 1, "y": 1}, "min_max")
    assert equal.composite.tolist() == pytest.approx([0.5, 0.25, 0.75])
    assert equal.rank.to_dict() == {"a": 2, "b": 1, "c": 3}
    assert equal.pillar_ranks["y"].to_dict() == {"a": 3, "b": 1, "c": 2}
    table = equal.table()
    assert list(table.columns[:4]) == ["composite", "rank", "x_access", "x_score"]
    with pytest.raises(PillarIndexError, match="≥ 0"):
        build_index(VALUES, {"x": -1, "y": 1})
    with pytest.raises(PillarIndexError, match="unknown"):
        build_index(VALUES, {"x": 1, "z": 1})


def test_a_pillar_nobody_reaches_is_left_out_and_says_why() -> None:
    values = VALUES.assign(h=0.0)
    index = build_index(values, {"x": 1, "y": 1, "h": 1}, "min_max")
    assert index.excluded == {"h": "no opportunity carries this pillar"}
    assert index.composite.tolist() == pytest.approx([0.5, 0.25, 0.75])  # the same as without h
    zero = build_index(values, {"x": 1, "y": 0, "h": 1}, "min_max")
    assert zero.excluded["y"] == "weight 0 in the weights file"
    assert zero.rank.to_dict() == {"a": 1, "b": 2, "c": 3}


def test_context_is_kept_aside_unless_weighted() -> None:
    context = pd.DataFrame({"crowding": [1.0, 2.0, 4.0]}, index=VALUES.index)
    aside = build_index(VALUES, {"x": 1, "y": 1}, "min_max", context=context,
                        context_higher_is_better={"crowding": False})  # fmt: skip
    assert "context:crowding" not in aside.weights
    assert aside.composite.tolist() == pytest.approx([0.5, 0.25, 0.75])
    # Weighted 1: crowding min-max turned round = 1, 2/3, 0 → a = (0 + 1 + 1)/3, b = (.5 + 0 + 2/3)/3, c = 1.5/3.
    folded = build_index(VALUES, {"x": 1, "y": 1, "context:crowding": 1}, "min_max", context=context,
                         context_higher_is_better={"crowding": False})  # fmt: skip
    assert folded.composite.tolist() == pytest.approx([2 / 3, (0.5 + 2 / 3) / 3, 0.5])
    assert folded.rank.to_dict() == {"b": 1, "c": 2, "a": 3}


def test_rank_stable_when_one_origin_is_worst_on_every_pillar() -> None:
    values = pd.DataFrame({"p": [0.0, 5.0, 10.0], "q": [0.0, 6.0, 10.0]}, index=["a", "b", "c"])
    result = rank_uncertainty(values, {"p": 1, "q": 1}, draws=300, seed=1)
    assert result.loc["a", ["rank_p5", "rank_p95", "rank_min", "rank_max"]].tolist() == [1, 1, 1, 1]
    assert result.loc["c", ["rank_p5", "rank_p95"]].tolist() == [3, 3]
    assert result["mean_shift"].max() == 0


def test_rank_unstable_when_origins_trade_pillars() -> None:
    # a is worst on p and best on q, b the reverse, c in the middle on both: a and b swap ranks 1 and 3 as the
    # weights move either side of 1/2 (under every normalisation); c is rank 2 whatever the weights.
    values = pd.DataFrame({"p": [0.0, 10.0, 5.0], "q": [10.0, 0.0, 5.0]}, index=["a", "b", "c"])
    result = rank_uncertainty(values, {"p": 1, "q": 1}, draws=400, seed=7)
    assert result.loc["a", ["rank_p5", "rank_p95"]].tolist() == [1, 3]
    assert result.loc["b", ["rank_p5", "rank_p95"]].tolist() == [1, 3]
    assert result.loc["c", ["rank_p5", "rank_p95", "rank_median"]].tolist() == [2, 2, 2]
    again = rank_uncertainty(values, {"p": 1, "q": 1}, draws=400, seed=7)
    pd.testing.assert_frame_equal(result, again)
    # weights far from equal keep a near rank 1 (q barely counts): a's median rank is 1
    skewed = rank_uncertainty(values, {"p": 20, "q": 1}, draws=400, seed=7, concentration=200)
    assert skewed.loc["a", "rank_median"] == 1


def test_before_after_new_hub_improves_the_origin_it_reaches() -> None:
    tt = pd.concat([TT, pd.DataFrame({"from_id": ["o2"], "to_id": ["H"], "travel_time": [120]})])
    hub = pd.DataFrame({"id": ["H"], "pillars": ["physical_activity"]})

    def access(opportunities: pd.DataFrame) -> pd.DataFrame:
        return access_table(pillar_access(tt, opportunities, ["o1", "o2"], measures="within_15"))

    frame = before_after(access, OPPS, hub, {"physical_activity": 1, "social_relations": 1}, "min_max")
    assert frame.loc["o2", "physical_activity_gain"] == 1  # 0 → 1 within 15 min
    assert frame.loc["o1", "physical_activity_gain"] == 0
    assert frame.loc["o2", "social_relations_gain"] == 0
    assert frame.loc["o2", "composite_after"] > frame.loc["o2", "composite_before"]
    assert frame.loc["o1", "composite_after"] == pytest.approx(frame.loc["o1", "composite_before"])
    assert frame.loc["o2", "rank_before"] == 1 and frame.loc["o2", "rank_after"] == 1  # tie with o1 after
    assert np.isfinite(frame["composite_after"]).all()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_weights_file_errors_name_file_row_and_field(tmp_path: Path) -> None:
    pillars = ["social_relations", "physical_activity", "healthcare", "education_training", "talents_creativity",
               "self_determination", "common_spaces"]  # fmt: skip
    good = "pillar,weight,measure,note\n" + "".join(f"{p},1,e2sfca,\n" for p in pillars)
    weights = read_pillar_weights(_write(tmp_path, "ok.csv", good + "context:crowding,0,,aside\n"))
    assert weights.weights["context:crowding"] == 0 and weights.measures["healthcare"] == "e2sfca"
    with pytest.raises(SourceFormatError, match=r"bad.csv row 3, field weight: 'x'"):
        read_pillar_weights(_write(tmp_path, "bad.csv", good.replace("physical_activity,1", "physical_activity,x")))
    with pytest.raises(SourceFormatError, match=r"row 2, field pillar: 'wellbeing'"):
        read_pillar_weights(_write(tmp_path, "p.csv", good.replace("social_relations,1", "wellbeing,1")))
    with pytest.raises(SourceFormatError, match="healthcare missing"):
        read_pillar_weights(_write(tmp_path, "m.csv", good.replace("healthcare,1,e2sfca,\n", "")))
    with pytest.raises(SourceFormatError, match="field measure"):
        read_pillar_weights(_write(tmp_path, "me.csv", good.replace("healthcare,1,e2sfca", "healthcare,1,best")))
    with pytest.raises(SourceFormatError, match="must be a finite number"):
        read_pillar_weights(_write(tmp_path, "n.csv", good.replace("healthcare,1,", "healthcare,-2,")))


def test_context_table_errors_name_the_row_and_field(tmp_path: Path) -> None:
    header = ("indicator,pillar,direction,level,reader,file,id_field,numerator,denominator,scale,source,licence,"
              "note\n")  # fmt: skip
    row = "crowding,common_spaces,higher_is_worse,municipio,ratio,f.csv,CODASC,PF2,A44,100,ISTAT,CC-BY,\n"
    assert read_context_indicators(_write(tmp_path, "ok.csv", header + row))[0].higher_is_better is False
    with pytest.raises(SourceFormatError, match="row 2, field direction: 'up'"):
        read_context_indicators(_write(tmp_path, "d.csv", header + row.replace("higher_is_worse", "up")))
    with pytest.raises(SourceFormatError, match="row 2, field pillar"):
        read_context_indicators(_write(tmp_path, "p.csv", header + row.replace("common_spaces", "parks")))
