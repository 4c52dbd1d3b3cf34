"""Siting demand weighted by what children and families wish for (``site_hubs --demand wishes``; README, "Wishes").

Each demand point u (a census section, a grid cell) lies in one area a (a neighbourhood, or a resolution-8 grid
cell where the city has no neighbourhoods). With ``W_a`` approved wishes in area a and ``Y_a`` the youth of the
demand points in a:

    rate_a = W_a / Y_a                      (wishes per young person)
    r_a    = rate_a / max_b rate_b          (0 … 1: 1 in the area that wishes most per young person)
    d_u    = y_u × (1 + s × r_a)            (s = ``strength``, 1 by default)

so a point keeps its youth where nobody wished, and at most doubles (s = 1) where wishes are most intense. A rate,
not a count, so that big neighbourhoods do not win just by having more children to wish. Areas with wishes but no
youth have no demand to weight and are reported, never silently dropped.
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
    rate = (counts / youth_by_area.reindex(counts.index)).replace([np.inf, -np.inf], np.nan)
    without_youth = tuple(sorted(str(a) for a in rate.index[rate.isna() | (youth_by_area.reindex(rate.index) <= 0)]))
    rate = rate.dropna()
    rate = rate[rate > 0]
    if rate.empty:
        raise SitingInputError("every area with approved wishes has no youth among the demand points")
    relative = rate / rate.max()
    factor = 1.0 + strength * area.map(relative).fillna(0.0).astype(float)
    return WishDemand(demand=youth * factor, factor=factor, areas_without_youth=without_youth)
