"""Straight-line estimates where a city has no street network (a city loaded without its OSM extract).

Walking distance is estimated as the straight-line distance times a *detour factor* (the ratio of network to
straight-line distance). :func:`detour_factor_from_network` measures it on a real walk graph; on Porto Alegre's
and São Paulo's networks the median is **1.28** and **1.23** for pairs 250 m – 2.5 km apart (measured by
``benchmarks/bench_detour_factor.py``, about 1,900 pairs each), so Vicino uses their mean, 1.25. Every table
made this way says so: ``frame.attrs["method"] == "straight_line"``, and the stored layers, maps and exports
carry "straight-line estimate".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from data_sources.contracts import TRAVEL_TIME_COLUMNS, WGS84
from data_sources.errors import InvalidRequestError
from routing.network import Network, transformer_between
from routing.profiles import ADULT, WalkProfile

DEFAULT_DETOUR_FACTOR = 1.25
METHOD_STRAIGHT_LINE = "straight_line"
METHOD_NETWORK = "network"


def _metric_xy(lon: np.ndarray, lat: np.ndarray, crs: str | int | pyproj.CRS) -> np.ndarray:
    x, y = transformer_between(WGS84, crs).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([x, y])


def walk_seconds_straight_line(
    lon: float,
    lat: float,
    x: np.ndarray,
    y: np.ndarray,
    metric_crs: str | int | pyproj.CRS,
    profile: WalkProfile = ADULT,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> np.ndarray:
    """Estimated walking seconds from one lon/lat point to places at metric ``x, y`` (inf beyond ``max_walk_m``).

    The rule of :func:`travel_times_straight_line` for one origin and every place, without a cutoff.
    """
    hx, hy = transformer_between(WGS84, metric_crs).transform(lon, lat)
    metres = np.hypot(np.asarray(x) - hx, np.asarray(y) - hy) * detour_factor
    seconds = metres / profile.speed_m_s
    if profile.max_walk_m is not None:
        seconds[metres > profile.max_walk_m] = np.inf
    return seconds


def travel_times_straight_line(
    origin_ids: np.ndarray,
    origin_lon: np.ndarray,
    origin_lat: np.ndarray,
    destination_ids: np.ndarray,
    destination_lon: np.ndarray,
    destination_lat: np.ndarray,
    cutoff_s: float,
    metric_crs: str | int | pyproj.CRS,
    profile: WalkProfile = ADULT,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> pd.DataFrame:
    """``from_id, to_id, travel_time`` estimated from straight-line distance × ``detour_factor``."""
    if detour_factor < 1:
        raise InvalidRequestError(f"a detour factor below 1 ({detour_factor}) would beat the straight line")
    origins = _metric_xy(origin_lon, origin_lat, metric_crs)
    destinations = _metric_xy(destination_lon, destination_lat, metric_crs)
    radius = profile.metres_in(cutoff_s) / detour_factor
    tree = cKDTree(destinations)
    pairs = cKDTree(origins).sparse_distance_matrix(tree, radius, output_type="coo_matrix")
    origin_index, destination_index = pairs.row, pairs.col
    metres = pairs.data * detour_factor
    # sparse_distance_matrix drops exact zeros (same place); put them back.
    same = tree.query_ball_point(origins, 1e-9)
    extra = [(i, j) for i, hits in enumerate(same) for j in hits]
    if extra:
        ei, ej = np.array(extra).T
        origin_index = np.concatenate([origin_index, ei])
        destination_index = np.concatenate([destination_index, ej])
        metres = np.concatenate([metres, np.zeros(len(ei))])
    frame = pd.DataFrame(
        {
            "from_id": np.asarray(origin_ids)[origin_index],
            "to_id": np.asarray(destination_ids)[destination_index],
            "travel_time": metres / profile.speed_m_s,
        },
        columns=TRAVEL_TIME_COLUMNS,
    ).drop_duplicates(["from_id", "to_id"])
    frame = frame.sort_values(["from_id", "travel_time"], kind="stable", ignore_index=True)
    frame.attrs["method"] = METHOD_STRAIGHT_LINE
    frame.attrs["detour_factor"] = detour_factor
    return frame


def detour_factor_from_network(
    network: Network, *, pairs: int = 2000, min_m: float = 250.0, max_m: float = 2500.0, seed: int = 0
) -> dict[str, float]:
    """Ratio of walking to straight-line distance for random node pairs ``min_m``–``max_m`` apart.

    Returns the median, mean and quartiles of the ratio and the number of pairs measured.
    """
    from routing.snapping import locations_from_nodes
    from routing.travel_times import walk_distances

    rng = np.random.default_rng(seed)
    origins = rng.choice(network.n_nodes, size=min(pairs, network.n_nodes), replace=False)
    xy = np.column_stack([network.x, network.y])
    tree = cKDTree(xy)
    targets = []
    for o in origins:
        candidates = tree.query_ball_point(xy[o], max_m)
        candidates = [c for c in candidates if np.hypot(*(xy[c] - xy[o])) >= min_m]
        targets.append(rng.choice(candidates) if candidates else -1)
    targets_arr = np.asarray(targets)
    ok = targets_arr >= 0
    o_nodes, d_nodes = origins[ok], targets_arr[ok]
    o_loc = locations_from_nodes(network, network.node_ids[o_nodes])
    d_loc = locations_from_nodes(network, network.node_ids[np.unique(d_nodes)])
    oi, di, metres = walk_distances(network, o_loc, d_loc, max_m * 4)
    reached = pd.DataFrame({"o": network.node_ids[o_nodes][oi], "d": d_loc.ids[di], "m": metres})
    wanted = pd.DataFrame({"o": network.node_ids[o_nodes], "d": network.node_ids[d_nodes]})
    joined = wanted.merge(reached, on=["o", "d"])
    index = network.index_of_node
    oo = np.array([index[int(v)] for v in joined["o"]])
    dd = np.array([index[int(v)] for v in joined["d"]])
    ratio = joined["m"].to_numpy() / np.hypot(xy[oo, 0] - xy[dd, 0], xy[oo, 1] - xy[dd, 1])
    return {
        "pairs": int(len(ratio)),
        "median": float(np.median(ratio)),
        "mean": float(np.mean(ratio)),
        "p25": float(np.percentile(ratio, 25)),
        "p75": float(np.percentile(ratio, 75)),
    }
