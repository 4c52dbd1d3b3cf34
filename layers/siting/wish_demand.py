"""Siting demand weighted by what children and families wish for (``site_hubs --demand wishes``; README, "Wishes").

Each demand point u (a census section, a grid cell) lies in one area a (a neighbourhood, or a resolution-8 grid
cell where the city has no neighbourhoods). With ``W_a`` approved wishes in area a:

    r_a = W_a / max_b W_b                   (0 … 1: 1 in the most wished-for area)
    d_u = y_u × (1 + s × r_a)               (y_u the point's youth, s = ``strength``, 1 by default)

so a point keeps its youth where nobody wished, and at most doubles (s = 1) in the most wished-for area; the youth
factor already carries the area's size. (A rate per young person was tried first and rejected: a neighbourhood with
a few dozen children and a handful of wishes took the maximum and flattened every other area to ~1.) The maximum is
taken over areas that hold demand; areas with wishes but no youth among the demand points are reported, never
silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.siting.errors import SitingInputError


@dataclass(frozen=True)
class WishDemand:
    """Weighted demand and how it was made.

    Attributes
    ----------
    demand
        Per demand point, ``y_u × (1 + s × r_a)``.
    factor
        Per demand point, ``1 + s × r_a``.
    areas_without_youth
        Areas with wishes but no youth among the demand points (their wishes weigh nothing).
    """

    demand: pd.Series
    factor: pd.Series
    areas_without_youth: tuple[str, ...]


def wish_weighted_demand(
    youth: pd.Series, area: pd.Series, wishes: Mapping[str, float], *, strength: float = 1.0
) -> WishDemand:
    """Weight ``youth`` (per demand point) by the approved ``wishes`` of the area each point lies in.

    Parameters
    ----------
    youth
        Youth (or residents) per demand point, indexed by demand id.
    area
        The area of each demand point (same index; missing = in no area).
    wishes
        Approved wishes per area.
    strength
        ``s`` above, ≥ 0.

    Raises
    ------
    SitingInputError
        No wishes at all, a negative count or strength.
    """
    if strength < 0 or not np.isfinite(strength):
        raise SitingInputError(f"wish strength must be a number ≥ 0, not {strength}")
    counts = pd.Series(wishes, dtype=float)
    if (counts < 0).any():
        raise SitingInputError("wish counts must be ≥ 0")
    counts = counts[counts > 0]
    if counts.empty:
        raise SitingInputError("there are no approved wishes to weight demand by (approve some, or use youth)")
    area = area.reindex(youth.index)
    youth_by_area = youth.groupby(area).sum()
    with_youth = youth_by_area.reindex(counts.index).fillna(0.0) > 0
    without_youth = tuple(sorted(str(a) for a in counts.index[~with_youth.to_numpy()]))
    counts = counts[with_youth.to_numpy()]
    if counts.empty:
        raise SitingInputError("every area with approved wishes has no youth among the demand points")
    relative = counts / counts.max()
    factor = 1.0 + strength * area.map(relative).fillna(0.0).astype(float)
    return WishDemand(demand=youth * factor, factor=factor, areas_without_youth=without_youth)
