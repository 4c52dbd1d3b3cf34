"""A projection over a small area as an interpolated biquadratic: many points for the price of a few.

pyproj costs about 0.1 µs per point, which made the transformation of an isochrone's ~1,500 contour vertices a
sixth of its time. Over a city-sized box a map projection is smooth enough for a biquadratic in the box's own
coordinates to reproduce it far below a millimetre: :func:`transform_near` interpolates nine exact points (the box's
corners, edge midpoints and centre), checks the result against four more where such an interpolation errs most,
and falls back to pyproj when the check fails (a box too large, or a projection too curved).
"""

from __future__ import annotations

import numpy as np
import pyproj

#: Largest disagreement with pyproj accepted, in output units (1e-9 degrees: 0.1 mm). The four check points sit
#: where a three-point interpolation errs nearly most (0.375 of the worst case 0.385 at ±1/√3): half the tolerance
#: is asked of them, so that every point of the box is within it.
TOLERANCE = 1e-9

_FIT_U, _FIT_V = (a.ravel() for a in np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]))
_CHECK_U, _CHECK_V = np.array([-0.5, 0.5, -0.5, 0.5]), np.array([-0.5, -0.5, 0.5, 0.5])


def _terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(u), u, v, u * u, u * v, v * v, u * u * v, u * v * v, u * u * v * v])


_INVERSE = np.linalg.inv(_terms(_FIT_U, _FIT_V))
_CHECK_TERMS = _terms(_CHECK_U, _CHECK_V)


def transform_near(
    transformer: pyproj.Transformer, x: np.ndarray, y: np.ndarray, *, tolerance: float = TOLERANCE
) -> tuple[np.ndarray, np.ndarray]:
    """``transformer.transform(x, y)`` for points in a small box, by a biquadratic interpolation over the box.

    Parameters
    ----------
    transformer
        Any pyproj transformer (``always_xy``).
    x, y
        The points, all in a box small enough for the interpolation (a city district: a few kilometres).
    tolerance
        Largest error accepted (checked at four points inside the box); beyond it pyproj transforms every point.

    Returns
    -------
    tuple of arrays
        The transformed coordinates, within ``tolerance`` of pyproj's.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 16:
        return transformer.transform(x, y)
    x_low, x_high, y_low, y_high = x.min(), x.max(), y.min(), y.max()
    cx, cy = (x_low + x_high) / 2, (y_low + y_high) / 2
    hx, hy = max((x_high - x_low) / 2, 1.0), max((y_high - y_low) / 2, 1.0)
    known_x, known_y = transformer.transform(
        cx + hx * np.concatenate([_FIT_U, _CHECK_U]), cy + hy * np.concatenate([_FIT_V, _CHECK_V])
    )
    a = _INVERSE @ known_x[:9]
    b = _INVERSE @ known_y[:9]
    error_x = np.abs(_CHECK_TERMS @ a - known_x[9:]).max()
    error_y = np.abs(_CHECK_TERMS @ b - known_y[9:]).max()
    if not (error_x <= tolerance / 2 and error_y <= tolerance / 2):
        return transformer.transform(x, y)
    u, v = (x - cx) / hx, (y - cy) / hy
    uu, vv = u * u, v * v
    # Horner in v over the three powers of u: (a0 + a1 u + a3 u²) + v (a2 + a4 u + a6 u²) + v² (a5 + a7 u + a8 u²).
    out_x = (a[0] + a[1] * u + a[3] * uu) + v * (a[2] + a[4] * u + a[6] * uu) + vv * (a[5] + a[7] * u + a[8] * uu)
    out_y = (b[0] + b[1] * u + b[3] * uu) + v * (b[2] + b[4] * u + b[6] * uu) + vv * (b[5] + b[7] * u + b[8] * uu)
    return out_x, out_y
