"""Missions: neighbourhoods ranked by unmet need, with reasons a planner can read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from layers.siting.errors import SitingInputError
from layers.siting.instance import _check_minutes

_CATEGORY_LABELS = {"arts": "an arts", "health": "a health", "education": "an education", "sport": "a sport",
                    "stem": "a STEM"}  # fmt: skip


def _category_phrase(category: str) -> str:
    if category in _CATEGORY_LABELS:
        return _CATEGORY_LABELS[category]
    label = category.replace("_", " ")
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def _vulnerability_tier(top_share: float) -> str:
    for limit, label in ((0.10, "top 10%"), (0.25, "top 25%"), (0.50, "top half")):
        if top_share <= limit + 1e-12:
            return label
    return "bottom half"


def rank_missions(
    zones: pd.DataFrame,
    *,
    categories: Sequence[str] | None = None,
    youth_column: str = "youth",
    vulnerability_column: str = "vulnerability",
    access_prefix: str = "access_",
    name_column: str | None = "name",
    max_time_min: float = 15,
    top: int | None = None,
    wishes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Neighbourhoods ranked by unmet need = youth × vulnerability × (1 − access share), per category.

    With ``wishes``, what children and families asked for weighs in: the need of a zone and category is multiplied
    by ``1 + W / max W``, ``W`` the approved wishes for that category in that zone and ``max W`` the most any zone
    and category received (so the most wished-for doubles, a zone nobody wished anything in keeps its need; the
    same rule as :func:`wish_weighted_demand`).

    Parameters
    ----------
    zones
        One row per zone (index = zone code) with ``youth`` (count), ``vulnerability`` (0–1, e.g. from
        :func:`vulnerability_index`) and, per category, ``access_{category}``: the share (0–1) of the zone's youth
        who reach an opportunity of that category within ``max_time_min`` (e.g. from
        :func:`layers.summaries.coverage_by_zone`).
    categories
        The categories to rank (default: every ``access_*`` column).
    name_column
        A column with a readable zone name (used in the reason when present).
    max_time_min
        The threshold the access shares refer to (only used in the reasons).
    top
        Keep only the ``top`` rows overall.
    wishes
        Approved wishes per zone (index = zone code) and category (columns); missing = none.

    Returns
    -------
    DataFrame
        One row per zone and category, highest unmet need first: ``zone``, ``name``, ``category``, ``youth``,
        ``vulnerability``, ``vulnerability_tier`` (top 10% / top 25% / top half / bottom half of zones),
        ``access_share``, ``unmet_need`` (youth who lack access, weighted by vulnerability, and by wishes when
        given; then also ``wishes``, the approved wishes of the zone and category), ``rank`` (1 = most
        need overall), ``rank_in_category``, ``reason`` (e.g. "1,240 youth, vulnerability 0.80 (top 10%), 23%
        reach a sport opportunity within 15 min").

    Raises
    ------
    SitingInputError
        Missing columns, no categories, negative youth, vulnerability or access outside 0–1, or missing access for
        a zone with youth, or ``wishes`` with a negative count or no wish at all.
    """
    if not isinstance(zones, pd.DataFrame) or zones.empty:
        raise SitingInputError("zones must be a non-empty DataFrame (one row per zone)")
    for column in (youth_column, vulnerability_column):
        if column not in zones.columns:
            raise SitingInputError(f"zones lacks the column {column!r}")
    if categories is None:
        categories = [c[len(access_prefix) :] for c in zones.columns if str(c).startswith(access_prefix)]
    if not categories:
        raise SitingInputError(f"no categories: give categories or columns named {access_prefix}<category>")
    missing = [f"{access_prefix}{c}" for c in categories if f"{access_prefix}{c}" not in zones.columns]
    if missing:
        raise SitingInputError(f"zones lacks access columns {missing}")
    minutes = _check_minutes(max_time_min)
    youth = pd.to_numeric(zones[youth_column], errors="coerce")
    vulnerability = pd.to_numeric(zones[vulnerability_column], errors="coerce")
    if youth.isna().any() or (youth < 0).any():
        raise SitingInputError(f"{youth_column} must be counts ≥ 0 for every zone")
    if vulnerability.isna().any() or ((vulnerability < 0) | (vulnerability > 1)).any():
        raise SitingInputError(f"{vulnerability_column} must be in [0, 1] for every zone")
    top_share = vulnerability.rank(ascending=False, method="min") / len(vulnerability)
    names = zones[name_column] if name_column and name_column in zones.columns else pd.Series(zones.index, zones.index)

    parts = []
    for category in categories:
        access = pd.to_numeric(zones[f"{access_prefix}{category}"], errors="coerce")
        unknown = access.isna() & (youth > 0)
        if unknown.any() or ((access < 0) | (access > 1)).any():
            raise SitingInputError(
                f"{access_prefix}{category} must be a share in [0, 1] for every zone with youth "
                f"(bad or missing for {zones.index[unknown | (access < 0) | (access > 1)].tolist()[:5]})"
            )
        access = access.fillna(0.0)
        parts.append(
            pd.DataFrame(
                {
                    "zone": zones.index,
                    "name": names.to_numpy(),
                    "category": category,
                    "youth": youth.to_numpy(dtype=float),
                    "vulnerability": vulnerability.to_numpy(dtype=float),
                    "vulnerability_tier": [_vulnerability_tier(s) for s in top_share],
                    "access_share": access.to_numpy(dtype=float),
                    "unmet_need": (youth * vulnerability * (1.0 - access)).to_numpy(dtype=float),
                }
            )
        )
    ranked = pd.concat(parts, ignore_index=True)
    if wishes is not None:
        ranked = _weighted_by_wishes(ranked, wishes)
    ranked = ranked.sort_values(["unmet_need", "youth"], ascending=[False, False], kind="stable", ignore_index=True)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    ranked["rank_in_category"] = ranked.groupby("category").cumcount() + 1
    ranked["reason"] = [
        f"{y:,.0f} youth, vulnerability {v:.2f} ({tier}), {a:.0%} reach {_category_phrase(c)} opportunity "
        f"within {minutes:g} min"
        for y, v, tier, a, c in zip(
            ranked["youth"], ranked["vulnerability"], ranked["vulnerability_tier"], ranked["access_share"],
            ranked["category"], strict=True,
        )
    ]  # fmt: skip
    if wishes is not None:
        ranked["reason"] += [f", {w:.0f} approved wishes" if w else "" for w in ranked["wishes"]]
    return ranked if top is None else ranked.head(top)


def _weighted_by_wishes(ranked: pd.DataFrame, wishes: pd.DataFrame) -> pd.DataFrame:
    """``ranked`` with a ``wishes`` column and its ``unmet_need`` multiplied by ``1 + W / max W``."""
    counts = wishes.apply(pd.to_numeric, errors="coerce").fillna(0.0)
    if (counts < 0).to_numpy().any():
        raise SitingInputError("wish counts must be ≥ 0")
    most = float(counts.to_numpy().max()) if counts.size else 0.0
    if most <= 0:
        raise SitingInputError("there are no approved wishes to weight the missions by (approve some, or use youth)")
    long = counts.stack()
    keys = pd.MultiIndex.from_arrays([ranked["zone"], ranked["category"]])
    ranked = ranked.assign(wishes=long.reindex(keys).fillna(0.0).to_numpy(dtype=float))
    return ranked.assign(unmet_need=ranked["unmet_need"] * (1.0 + ranked["wishes"] / most))
