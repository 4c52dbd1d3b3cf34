"""Places cut into batches by area, and the places of another set a batch can reach: a distributed job stays local.

A batch of a distributed travel-time job (:mod:`routing.distributed`) searches from places that lie close together
(consecutive on a Hilbert curve over their street nodes), so its searches touch one part of the street network, and
it needs only the places of the other side that lie within reach of its area, not the whole set: its same-segment
join, its seed matrix and its rows stay as small as the batch.

"Within reach" is a bound that never drops a reachable place. Every walk leaves a place through one of its seed
nodes (the ends of its segment) and enters the other through one of its own; along the way each street is at least
``ratio`` times the straight line between its ends (:func:`length_ratio`, measured on the network; 1 for straight
streets), so two places whose seed nodes are all more than ``max_metres / ratio`` apart in a straight line cannot
be ``max_metres`` apart on foot. A batch's rows computed against that subset are therefore exactly the rows it
would have against the whole set.
"""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt

from data_sources.errors import InvalidRequestError
from routing.network import Network
from routing.snapping import Locations

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Cells per axis of the Hilbert curve (2**16): ~1.5 m cells on a 100 km region, finer than any batch.
HILBERT_BITS = 16


def hilbert_keys(x: np.ndarray, y: np.ndarray, bits: int = HILBERT_BITS) -> IntArray:
    """Each point's position along a Hilbert curve over the points' bounding box (close keys = close points)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) == 0:
        return np.empty(0, np.int64)
    side = (1 << bits) - 1

    def scaled(v: np.ndarray) -> IntArray:
        span = float(v.max() - v.min())
        return np.zeros(len(v), np.int64) if span == 0 else np.rint((v - v.min()) / span * side).astype(np.int64)

    xi, yi = scaled(x), scaled(y)
    keys = np.zeros(len(x), dtype=np.int64)
    s = 1 << (bits - 1)
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        keys += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        xi[flip], yi[flip] = side - xi[flip], side - yi[flip]
        swap = ~ry
        xi[swap], yi[swap] = yi[swap], xi[swap]
        s >>= 1
    return keys


def _seed_nodes(places: Locations) -> tuple[IntArray, IntArray]:
    """Every seed node of each place (exits and entries) as (place index, node)."""
    exit_place = np.repeat(np.arange(len(places)), np.diff(places.exit_ptr))
    entry_place = np.repeat(np.arange(len(places)), np.diff(places.entry_ptr))
    return np.concatenate([exit_place, entry_place]), np.concatenate([places.exit_node, places.entry_node])


def area_batches(network: Network, places: Locations, batch: int) -> list[IntArray]:
    """``places`` (indices) in batches of at most ``batch``, each batch close together; every place in one batch.

    Places are ordered along a Hilbert curve by the mean position of their seed nodes; places with no seed (not
    snapped) come last, in input order (they reach nothing, but an origin-complete job still lists them).
    """
    if batch < 1:
        raise InvalidRequestError(f"batch must be at least 1, got {batch}")
    owner, node = _seed_nodes(places)
    counts = np.bincount(owner, minlength=len(places))
    seeded = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.bincount(owner, weights=network.x[node], minlength=len(places)) / counts
        y = np.bincount(owner, weights=network.y[node], minlength=len(places)) / counts
    placed = np.flatnonzero(seeded)
    order = placed[np.argsort(hilbert_keys(x[placed], y[placed]), kind="stable")]
    order = np.concatenate([order, np.flatnonzero(~seeded)])
    return [order[start : start + batch] for start in range(0, len(order), batch)]


#: Per network and per set of places, kept while they live: a city's layers batch the same cells against each
#: category of opportunities, and these scans of every street and every seed were a third of a job's time on the client.
_LENGTH_RATIOS: weakref.WeakKeyDictionary[Network, float] = weakref.WeakKeyDictionary()
_SEED_POINTS: weakref.WeakKeyDictionary[
    Locations, tuple[weakref.ref[Network], tuple[IntArray, np.ndarray, np.ndarray]]
] = weakref.WeakKeyDictionary()


def length_ratio(network: Network) -> float:
    """The smallest ratio of a street's length to the straight line between its ends (at most 1; 0 if none is)."""
    if network not in _LENGTH_RATIOS:
        _LENGTH_RATIOS[network] = _length_ratio(network)
    return _LENGTH_RATIOS[network]


def _length_ratio(network: Network) -> float:
    u, v = network.seg_u, network.seg_v
    chord = np.hypot(network.x[u] - network.x[v], network.y[u] - network.y[v])
    positive = chord > 0
    if not positive.any():
        return 1.0
    ratio = float(np.min(network.seg_length[positive] / chord[positive]))
    return min(1.0, ratio) if np.isfinite(ratio) and ratio > 0 else 0.0


def reach_bound(network: Network, max_metres: float) -> float:
    """Straight-line distance beyond which no walk of ``max_metres`` can reach (inf when streets allow no bound)."""
    ratio = length_ratio(network)
    # A hair more than the bound: a place exactly at it counts, whatever the rounding of the division.
    return float("inf") if ratio <= 0 else max_metres / ratio * (1 + 1e-9) + 1e-6


def seed_points(network: Network, places: Locations) -> tuple[IntArray, np.ndarray, np.ndarray]:
    """Every seed node of each place as (place index, x, y), by increasing x: once per job for :func:`within_reach`."""
    cached = _SEED_POINTS.get(places)
    if cached is not None and cached[0]() is network:
        return cached[1]
    points = _seed_points(network, places)
    _SEED_POINTS[places] = (weakref.ref(network), points)
    return points


def _seed_points(network: Network, places: Locations) -> tuple[IntArray, np.ndarray, np.ndarray]:
    owner, node = _seed_nodes(places)
    x, y = network.x[node], network.y[node]
    order = np.argsort(x, kind="stable")
    return owner[order], x[order], y[order]


def within_reach(
    network: Network,
    batch_places: Locations,
    index: IntArray,
    others: tuple[IntArray, np.ndarray, np.ndarray],
    n_others: int,
    reach_m: float,
) -> BoolArray:
    """Which of the other places (``others`` from :func:`seed_points`) may lie within reach of the batch ``index``.

    True for each place with a seed node within ``reach_m`` (per axis) of the box around the batch's seed nodes.
    The points are sorted by x, so a batch looks only at the strip of the box's width (a region's batch at a few
    percent of the points, instead of all of them).
    """
    if not np.isfinite(reach_m):
        return np.ones(n_others, dtype=bool)
    chosen = np.zeros(len(batch_places), dtype=bool)
    chosen[index] = True
    node = np.concatenate(
        [
            batch_places.exit_node[np.repeat(chosen, np.diff(batch_places.exit_ptr))],
            batch_places.entry_node[np.repeat(chosen, np.diff(batch_places.entry_ptr))],
        ]
    )
    if len(node) == 0:
        return np.zeros(n_others, dtype=bool)
    x, y = network.x[node], network.y[node]
    owner, ox, oy = others
    start = int(np.searchsorted(ox, x.min() - reach_m, side="left"))
    stop = int(np.searchsorted(ox, x.max() + reach_m, side="right"))
    strip_y = oy[start:stop]
    inside = (strip_y >= y.min() - reach_m) & (strip_y <= y.max() + reach_m)
    near = np.zeros(n_others, dtype=bool)
    near[owner[start:stop][inside]] = True
    return near
