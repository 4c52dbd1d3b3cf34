"""The pillar index: per-origin access to each WISH-MI wellbeing pillar, a weighted composite, ranks and their
uncertainty (following the OECD/JRC *Handbook on Constructing Composite Indicators*, 2008).

Steps, each a function of plain frames:

1. :func:`pillar_access` — per origin and pillar, an access value from the travel-time table and the
   opportunities carrying that pillar (an opportunity tagged with three pillars counts in all three), with one of
   the existing indicators (:mod:`layers.indicators`): ``e2sfca`` (opportunities per 1,000 youth in reach,
   competition-aware, the headline where origins have youth), ``gravity`` (decay-weighted count) or
   ``within_15`` (count within 15 minutes). A long frame ``origin_id, pillar, value``.
2. :func:`normalise` — each pillar column onto a common scale, higher = better served: ``min_max`` (0–1),
   ``z_score`` (mean 0, standard deviation 1) or ``rank`` (percentile rank 0–1, ties at their lowest rank).
3. :func:`composite_index` — the weighted mean of the normalised pillars (weights rescaled to sum 1 over the
   pillars used), the composite and each pillar side by side, and ranks with **1 = worst served**.
4. :func:`rank_uncertainty` — Monte Carlo over weights (Dirichlet draws centred on the given weights) × the
   three normalisations: per origin the median rank and the 5–95 % rank interval.
5. :func:`before_after` — the index recomputed with a scenario's new hubs added as opportunities.

A pillar that no opportunity carries, or whose access is the same everywhere, cannot rank anyone: it is left out
of the composite and reported in :attr:`PillarIndex.excluded` with the reason, never silently.
Context indicators (crowding, adults' education …) are another table, normalised the same way with their
direction, and enter the composite only when the weights give them a positive weight (``context:<indicator>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_sources.contracts import PILLARS
from data_sources.errors import VicinoError
from layers.decay import exponential
from layers.indicators import cumulative_opportunities, enhanced_two_step_fca, gravity_access

NORMALISATIONS: tuple[str, ...] = ("min_max", "z_score", "rank")
MEASURES: tuple[str, ...] = ("e2sfca", "gravity", "within_15")
CONTEXT_PREFIX = "context:"
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 2026
#: E2SFCA is reported per this many youth, so values read as "opportunities per 1,000 children".
PER_YOUTH = 1000.0


class PillarIndexError(VicinoError, ValueError):
    """Inputs the pillar index cannot use (unknown pillar or normalisation, bad weights, missing demand)."""


# ---------------------------------------------------------------------------------------------------------------
# 1. Access per pillar


def opportunities_by_pillar(opportunities: pd.DataFrame, pillars: Sequence[str] = PILLARS) -> pd.DataFrame:
    """One row per (opportunity, pillar) it carries: ``id, pillar, capacity`` (``pillars`` is ``;``-separated)."""
    if "pillars" not in opportunities or "id" not in opportunities:
        raise PillarIndexError("opportunities need the columns id and pillars")
    capacity = opportunities["capacity"] if "capacity" in opportunities else pd.Series(1.0, index=opportunities.index)
    frame = pd.DataFrame(
        {
            "id": opportunities["id"].astype(str),
            "pillar": opportunities["pillars"].fillna("").astype(str).str.split(";"),
            "capacity": capacity.fillna(1.0).astype(float),
        }
    ).explode("pillar")
    frame["pillar"] = frame["pillar"].str.strip()
    return frame[frame["pillar"].isin(list(pillars))].reset_index(drop=True)


def pillar_access(
    tt: pd.DataFrame,
    opportunities: pd.DataFrame,
    origin_ids: Sequence[object],
    *,
    measures: Mapping[str, str] | str = "e2sfca",
    demand: pd.Series | None = None,
    pillars: Sequence[str] = PILLARS,
) -> pd.DataFrame:
    """Access to each pillar from each origin: a long frame ``origin_id, pillar, measure, value``.

    Parameters
    ----------
    tt
        Travel times ``from_id, to_id, travel_time`` (seconds) from the origins to the opportunities.
    opportunities
        ``id, pillars`` (``;``-separated) and optional ``capacity`` (missing = 1).
    origin_ids
        Every origin, also those that reach nothing (they get 0).
    measures
        The measure of every pillar, or one per pillar: ``e2sfca`` (opportunities per 1,000 youth, E2SFCA with
        0–10/10–20/20–30 min zones; needs ``demand``), ``gravity`` (Σ capacity × exp(−ln 2 · t / 6 min)) or
        ``within_15`` (opportunities within 15 minutes).
    demand
        Youth per origin, for ``e2sfca``.
    """
    ids = pd.Index([str(i) for i in origin_ids], name="origin_id")
    tt = tt.assign(from_id=tt["from_id"].astype(str), to_id=tt["to_id"].astype(str))
    tagged = opportunities_by_pillar(opportunities, pillars)
    rows = []
    for pillar in pillars:
        measure = measures if isinstance(measures, str) else measures.get(pillar, "e2sfca")
        if measure not in MEASURES:
            raise PillarIndexError(f"unknown measure {measure!r} for {pillar}: use {', '.join(MEASURES)}")
        supply = tagged.loc[tagged["pillar"] == pillar].drop_duplicates("id").set_index("id")["capacity"]
        values = _measure(tt, supply, ids, measure, demand)
        rows.append(pd.DataFrame({"origin_id": ids, "pillar": pillar, "measure": measure, "value": values}))
    return pd.concat(rows, ignore_index=True)


def _measure(tt: pd.DataFrame, supply: pd.Series, ids: pd.Index, measure: str, demand: pd.Series | None) -> np.ndarray:
    if supply.empty:
        return np.zeros(len(ids))
    reached = tt[tt["to_id"].isin(supply.index)]
    destinations = pd.DataFrame({"id": supply.index, "category": "pillar", "capacity": supply.to_numpy()})
    if measure == "gravity":
        frame = gravity_access(reached, destinations, exponential(), origin_ids=list(ids))
        return frame.reindex(ids).iloc[:, 0].fillna(0.0).to_numpy() if len(frame.columns) else np.zeros(len(ids))
    if measure == "within_15":
        frame = cumulative_opportunities(reached, destinations, (15,), origin_ids=list(ids))
        return frame.reindex(ids).iloc[:, 0].fillna(0.0).to_numpy(float) if len(frame.columns) else np.zeros(len(ids))
    if demand is None:
        raise PillarIndexError("the e2sfca measure needs youth per origin (demand); use gravity for origins without")
    youth = demand.copy()
    youth.index = youth.index.astype(str)
    access = enhanced_two_step_fca(reached, youth.reindex(ids).fillna(0.0), supply)
    return access.reindex(ids).fillna(0.0).to_numpy() * PER_YOUTH


def access_table(long: pd.DataFrame) -> pd.DataFrame:
    """The long ``origin_id, pillar, value`` frame as a wide one (origins × pillars), in pillar order."""
    wide = long.pivot(index="origin_id", columns="pillar", values="value")
    order = [p for p in PILLARS if p in wide.columns] + [c for c in wide.columns if c not in PILLARS]
    return wide[order]


# ---------------------------------------------------------------------------------------------------------------
# 2. Normalisation


def normalise(values: pd.DataFrame, method: str, *, higher_is_better: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Each column on a common scale where **higher = better served** (columns with ``False`` in
    ``higher_is_better`` are turned round first).

    - ``min_max``: ``(x − min) / (max − min)``, 0 = worst, 1 = best;
    - ``z_score``: ``(x − mean) / sd`` (population standard deviation);
    - ``rank``: ``(rank − 1) / (n − 1)``, tied values sharing their lowest rank (so origins that reach nothing
      all score 0, not the middle of the scale), 0 = worst, 1 = best.

    A column with no variation (or all missing) becomes NaN: it carries no information to rank by.
    """
    if method not in NORMALISATIONS:
        raise PillarIndexError(f"unknown normalisation {method!r}: use {', '.join(NORMALISATIONS)}")
    out = {}
    for column in values.columns:
        x = values[column].astype(float)
        if higher_is_better is not None and not higher_is_better.get(column, True):
            x = -x
        low, high = x.min(), x.max()
        if not np.isfinite(low) or not high > low:
            out[column] = pd.Series(np.nan, index=values.index)
        elif method == "min_max":
            out[column] = (x - low) / (high - low)
        elif method == "z_score":
            out[column] = (x - x.mean()) / x.std(ddof=0)
        else:
            n = int(x.notna().sum())
            out[column] = (x.rank(method="min") - 1.0) / (n - 1)
    return pd.DataFrame(out, index=values.index)


# ---------------------------------------------------------------------------------------------------------------
# 3. Composite and ranks


def checked_weights(weights: Mapping[str, float], columns: Sequence[str]) -> pd.Series:
    """Weights as a Series over ``columns`` (missing = 0), checked: finite, ≥ 0, not all 0."""
    unknown = [k for k in weights if k not in columns]
    if unknown:
        raise PillarIndexError(f"weights name unknown columns {unknown}; known: {', '.join(columns)}")
    series = pd.Series({c: float(weights.get(c, 0.0)) for c in columns}, dtype=float)
    if not np.isfinite(series).all() or (series < 0).any():
        raise PillarIndexError(f"weights must be finite and ≥ 0: {series.to_dict()}")
    if series.sum() <= 0:
        raise PillarIndexError("at least one weight must be positive")
    return series


def composite(normalised: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """``Σ w_p s_p / Σ w_p`` over the columns with a positive weight and values (NaN columns drop out)."""
    usable = [c for c in normalised.columns if weights.get(c, 0.0) > 0 and normalised[c].notna().any()]
    if not usable:
        raise PillarIndexError("no weighted column has values: nothing to build a composite from")
    w = weights[usable] / weights[usable].sum()
    return (normalised[usable].fillna(normalised[usable].mean()) * w).sum(axis=1)


def worst_first_rank(score: pd.Series) -> pd.Series:
    """Rank 1 = the lowest score (worst served); ties share the smallest rank."""
    return score.rank(method="min", ascending=True).astype(int)


@dataclass
class PillarIndex:
    """The index of one origin set: pillar scores and ranks, the composite, and what was left out."""

    access: pd.DataFrame  #: raw access per origin × pillar (the measure's own units)
    scores: pd.DataFrame  #: normalised pillars (and weighted context indicators), higher = better
    composite: pd.Series  #: the weighted mean of ``scores``
    rank: pd.Series  #: rank of the composite, 1 = worst served
    pillar_ranks: pd.DataFrame  #: rank per pillar, 1 = worst served
    weights: pd.Series  #: the weights used (rescaled to sum 1 over the columns used)
    normalisation: str
    excluded: dict[str, str] = field(default_factory=dict)  #: column → why it is not in the composite
    values: pd.DataFrame | None = None  #: the raw columns of the composite (pillars and folded context)
    directions: dict[str, bool] = field(default_factory=dict)  #: column → higher is better

    def table(self) -> pd.DataFrame:
        """One row per origin: composite, rank, then per pillar its raw access, score and rank."""
        frame = pd.DataFrame({"composite": self.composite, "rank": self.rank})
        for column in self.access.columns:
            frame[f"{column}_access"] = self.access[column]
            frame[f"{column}_score"] = self.scores.get(column, np.nan)
            frame[f"{column}_rank"] = self.pillar_ranks.get(column, np.nan)
        return frame


def build_index(
    access: pd.DataFrame,
    weights: Mapping[str, float],
    normalisation: str = "min_max",
    *,
    context: pd.DataFrame | None = None,
    context_higher_is_better: Mapping[str, bool] | None = None,
) -> PillarIndex:
    """The pillar index of one origin set.

    Parameters
    ----------
    access
        Origins × pillars (higher = better), e.g. from :func:`access_table`.
    weights
        Pillar → weight ≥ 0; ``context:<indicator>`` → weight to fold a context indicator in (0 or absent = kept
        aside). Pillars missing from the mapping get 0.
    context
        Origins × context indicators (same index), and ``context_higher_is_better`` their directions.
    """
    columns = list(access.columns)
    frame = access.astype(float)
    directions: dict[str, bool] = dict.fromkeys(columns, True)
    if context is not None:
        for column in context.columns:
            key = CONTEXT_PREFIX + column
            if weights.get(key, 0.0) > 0:
                frame[key] = context[column].reindex(frame.index).astype(float)
                directions[key] = True if context_higher_is_better is None else context_higher_is_better[column]
                columns.append(key)
    context_keys = [CONTEXT_PREFIX + c for c in (context.columns if context is not None else [])]
    w = checked_weights(weights, columns + context_keys)
    w = w[columns]
    scores = normalise(frame, normalisation, higher_is_better=directions)
    excluded = {
        c: ("no opportunity carries this pillar" if access.get(c, pd.Series(1.0)).abs().sum() == 0 else
            "the same value everywhere: it cannot rank anyone")
        for c in columns if scores[c].isna().all()
    }  # fmt: skip
    excluded |= {c: "weight 0 in the weights file" for c in columns if w[c] == 0 and c not in excluded}
    score = composite(scores, w)
    used = [c for c in columns if c not in excluded]
    pillar_ranks = pd.DataFrame({c: worst_first_rank(scores[c]) for c in used}, index=frame.index)
    return PillarIndex(
        access=access, scores=scores, composite=score, rank=worst_first_rank(score), pillar_ranks=pillar_ranks,
        weights=w[used] / w[used].sum(), normalisation=normalisation, excluded=excluded, values=frame[used],
        directions={c: directions[c] for c in used},
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# 4. Uncertainty


def rank_uncertainty(
    values: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    normalisations: Sequence[str] = NORMALISATIONS,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    concentration: float | None = None,
    higher_is_better: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    """How stable each origin's composite rank is when weights and normalisation vary.

    Each draw takes weights from a Dirichlet distribution centred on the given ones, ``α = c · w / Σw`` with
    concentration ``c`` = the number of weighted columns by default (equal weights then give ``α = 1``: every
    weighting on the simplex equally likely), and one normalisation in turn from ``normalisations`` (so each is
    used for a third of the draws). Columns with no variation, or weight 0, stay out.

    Returns
    -------
    DataFrame indexed like ``values``: ``rank_median``, ``rank_p5``, ``rank_p95`` (the 5–95 % interval,
    rounded outwards), ``rank_min``, ``rank_max`` and ``mean_shift`` (mean |rank − median rank| over draws).
    """
    if draws < 1:
        raise PillarIndexError("draws must be at least 1")
    w = checked_weights(weights, list(values.columns))
    normalised = {m: normalise(values, m, higher_is_better=higher_is_better) for m in normalisations}
    columns = [c for c in values.columns if w[c] > 0 and normalised[normalisations[0]][c].notna().any()]
    if not columns:
        raise PillarIndexError("no weighted column varies: nothing to rank by")
    centre = (w[columns] / w[columns].sum()).to_numpy()
    alpha = centre * (concentration if concentration is not None else len(columns))
    rng = np.random.default_rng(seed)
    drawn = rng.dirichlet(alpha, size=draws) if len(columns) > 1 else np.ones((draws, 1))
    matrices = {m: normalised[m][columns].fillna(normalised[m][columns].mean()).to_numpy() for m in normalisations}
    ranks = np.empty((draws, len(values)), dtype=np.int64)
    for d in range(draws):
        scores = matrices[normalisations[d % len(normalisations)]] @ drawn[d]
        ranks[d] = pd.Series(scores).rank(method="min").to_numpy(dtype=np.int64)
    median = np.median(ranks, axis=0)
    return pd.DataFrame(
        {
            "rank_median": median,
            "rank_p5": np.quantile(ranks, 0.05, axis=0, method="lower").astype(int),
            "rank_p95": np.quantile(ranks, 0.95, axis=0, method="higher").astype(int),
            "rank_min": ranks.min(axis=0),
            "rank_max": ranks.max(axis=0),
            "mean_shift": np.abs(ranks - median).mean(axis=0),
        },
        index=values.index,
    )


# ---------------------------------------------------------------------------------------------------------------
# 5. Before / after a siting scenario


def before_after(
    compute_access: Callable[[pd.DataFrame], pd.DataFrame],
    opportunities: pd.DataFrame,
    new_sites: pd.DataFrame,
    weights: Mapping[str, float],
    normalisation: str = "min_max",
) -> pd.DataFrame:
    """Which origins and pillars a scenario's new hubs improve.

    ``compute_access(opportunities) -> origins × pillars`` recomputes access (it owns the travel times);
    ``new_sites`` are extra opportunities (``id, pillars, capacity`` and whatever ``compute_access`` needs).
    Before and after are normalised together (one min and max, or mean and sd, over both), so an improvement
    shows as a higher score and not as a rescaled one; the weights and the pillars used are those of the before
    index.

    Returns
    -------
    One row per origin: ``composite_before/after``, ``rank_before/after`` and per pillar
    ``{pillar}_access_before/after`` and ``{pillar}_gain`` (after − before, in the measure's own units).
    """
    before = compute_access(opportunities)
    after = compute_access(pd.concat([opportunities, new_sites], ignore_index=True)).reindex(before.index)
    index = build_index(before, weights, normalisation)
    used = list(index.weights.index)
    scale = pd.concat([before[used], after[used]])
    both = normalise(scale, normalisation)
    n = len(before)
    score_before = composite(both.iloc[:n], index.weights)
    score_after = composite(both.iloc[n:], index.weights)
    score_after.index = before.index
    frame = pd.DataFrame(
        {
            "composite_before": score_before,
            "composite_after": score_after,
            "rank_before": worst_first_rank(score_before),
            "rank_after": worst_first_rank(score_after),
        }
    )
    for pillar in before.columns:
        frame[f"{pillar}_access_before"] = before[pillar]
        frame[f"{pillar}_access_after"] = after[pillar]
        frame[f"{pillar}_gain"] = after[pillar] - before[pillar]
    return frame
