"""What a planner reads: per-zone coverage of youth, and inequality of access across the city.

``coverage_by_zone``: for each zone and category, the share of its youth living in units (census sections, grid
cells) with at least one opportunity within 10 and 15 minutes. ``equity_summary``: Gini and Palma ratio of an
indicator across the city's youth (population-weighted over the units).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from layers.inequality import gini, palma_ratio

COVERAGE_MINUTES: tuple[int, ...] = (10, 15)


def coverage_by_zone(
    unit_indicators: pd.DataFrame,
    unit_youth: pd.Series,
    unit_zone: pd.Series,
    categories: Sequence[str],
    minutes: Sequence[int] = COVERAGE_MINUTES,
) -> pd.DataFrame:
    """Share of youth (0–1) with ≥ 1 opportunity of each category within each time, per zone and city-wide.

    Parameters
    ----------
    unit_indicators
        Per unit (index = unit id), the ``{category}_within_{m}`` counts from
        :func:`layers.indicators.cumulative_opportunities`.
    unit_youth
        Youth per unit (same index).
    unit_zone
        The zone code of each unit (same index); units without a zone count only city-wide.
    """
    youth = unit_youth.reindex(unit_indicators.index).fillna(0.0)
    zone = unit_zone.reindex(unit_indicators.index)
    columns = {}
    for category in categories:
        for m in minutes:
            column = f"{category}_within_{m}"
            covered = unit_indicators[column] > 0 if column in unit_indicators else pd.Series(False, index=youth.index)
            columns[f"{category}_youth_share_{m}"] = youth.where(covered, 0.0)
    covered_youth = pd.DataFrame(columns)
    by_zone = covered_youth.groupby(zone).sum()
    totals = youth.groupby(zone).sum()
    shares = by_zone.div(totals.where(totals > 0), axis=0)
    shares["youth_0_17"] = totals
    city = covered_youth.sum() / youth.sum() if youth.sum() > 0 else covered_youth.sum() * np.nan
    shares.loc["__city__"] = [*city.to_numpy(), youth.sum()]
    return shares


def equity_summary(
    unit_indicators: pd.DataFrame, unit_youth: pd.Series, columns: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Gini and Palma ratio of each indicator column across units, weighted by youth."""
    youth = unit_youth.reindex(unit_indicators.index).fillna(0.0).to_numpy()
    summary = {}
    for column in columns:
        values = unit_indicators[column].fillna(0.0).to_numpy(dtype=float)
        summary[column] = {"gini": gini(values, youth), "palma": palma_ratio(values, youth)}
    return summary
