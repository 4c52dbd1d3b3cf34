"""Inequality of access across a city's youth: Gini coefficient and Palma ratio, population-weighted."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from data_sources.errors import InvalidRequestError


def _sorted(values: npt.ArrayLike, weights: npt.ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[keep], w[keep]
    if np.any(x < 0):
        raise InvalidRequestError("inequality indices need non-negative values")
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def gini(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Weighted Gini coefficient: 0 = everyone has the same access, → 1 = one place has it all.

    Computed from the Lorenz curve, ``G = 1 - Σ_k w_k (L_k + L_{k-1})`` with population shares ``w_k`` and
    cumulative access shares ``L_k`` (values sorted ascending). NaN when there is no access at all.
    """
    x, w = _sorted(values, weights)
    total = float(np.sum(x * w))
    if len(x) == 0 or total == 0:
        return float("nan")
    population_share = w / w.sum()
    lorenz = np.cumsum(x * w) / total
    previous = np.concatenate([[0.0], lorenz[:-1]])
    return float(1.0 - np.sum(population_share * (lorenz + previous)))


def palma_ratio(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Access held by the best-served 10% of the population divided by that of the worst-served 40%.

    Populations are split exactly at the 10% / 40% cut points (a place straddling a cut counts partly on each
    side). Infinite when the worst-served 40% have no access; NaN when nobody has any.
    """
    x, w = _sorted(values, weights)
    if len(x) == 0 or np.sum(x * w) == 0:
        return float("nan")
    cumulative = np.cumsum(w) / w.sum()
    previous = np.concatenate([[0.0], cumulative[:-1]])
    share_bottom = np.clip(np.minimum(cumulative, 0.4) - previous, 0, None)
    share_top = np.clip(cumulative - np.maximum(previous, 0.9), 0, None)
    bottom = float(np.sum(share_bottom * w.sum() * x))
    top = float(np.sum(share_top * w.sum() * x))
    return float("inf") if bottom == 0 else top / bottom
