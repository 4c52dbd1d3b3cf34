"""Distance-decay functions for gravity access and E2SFCA, as small factories (PySAL access style).

Each factory returns a vectorised function of travel time in **minutes** giving a weight in [0, 1].

- ``exponential(beta)``: ``exp(-beta * t)``. ``beta = ln 2 / t_half``: the default ``beta = 0.1155`` halves the
  weight every 6 minutes, a common fit for children's walking trips to local facilities.
- ``gaussian(sigma)``: ``exp(-t² / (2 σ²))``; the default σ = 10 min gives 0.61 at 10 min and 0.14 at 20 min.
- ``step(edges, weights)``: piecewise-constant zones, e.g. E2SFCA's 0–10 / 10–20 / 20–30 min with weights
  1, 0.68, 0.22 (Luo & Qi 2009, Gaussian-derived).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from data_sources.errors import InvalidRequestError

Decay = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]

DEFAULT_EXPONENTIAL_BETA = float(np.log(2) / 6.0)
DEFAULT_GAUSSIAN_SIGMA = 10.0
E2SFCA_EDGES = (10.0, 20.0, 30.0)
E2SFCA_WEIGHTS = (1.0, 0.68, 0.22)


def exponential(beta: float = DEFAULT_EXPONENTIAL_BETA) -> Decay:
    """``exp(-beta * minutes)``."""
    if beta <= 0:
        raise InvalidRequestError(f"beta must be positive, not {beta}")
    return lambda minutes: np.exp(-beta * np.asarray(minutes, dtype=float))


def gaussian(sigma: float = DEFAULT_GAUSSIAN_SIGMA) -> Decay:
    """``exp(-minutes² / (2 sigma²))``."""
    if sigma <= 0:
        raise InvalidRequestError(f"sigma must be positive, not {sigma}")
    return lambda minutes: np.exp(-(np.asarray(minutes, dtype=float) ** 2) / (2.0 * sigma**2))


def step(edges: Sequence[float] = E2SFCA_EDGES, weights: Sequence[float] = E2SFCA_WEIGHTS) -> Decay:
    """Weight ``weights[k]`` for ``edges[k-1] < t <= edges[k]``; 0 beyond the last edge."""
    if len(edges) != len(weights) or list(edges) != sorted(edges):
        raise InvalidRequestError("step decay needs increasing edges and one weight per edge")
    edge_array = np.asarray(edges, dtype=float)
    weight_array = np.append(np.asarray(weights, dtype=float), 0.0)
    return lambda minutes: weight_array[np.searchsorted(edge_array, np.asarray(minutes, dtype=float), side="left")]


def decay_from_name(name: str, parameter: float | None = None) -> Decay:
    """``exponential``, ``gaussian`` or ``step`` by name (for settings and command options)."""
    if name == "exponential":
        return exponential(parameter or DEFAULT_EXPONENTIAL_BETA)
    if name == "gaussian":
        return gaussian(parameter or DEFAULT_GAUSSIAN_SIGMA)
    if name == "step":
        return step()
    raise InvalidRequestError(f"unknown decay {name!r}: use exponential, gaussian or step")
