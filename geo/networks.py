"""The walk network of a release, loaded once per process (graph pickle → routing arrays)."""

from __future__ import annotations

import pickle
from functools import lru_cache

from geo.models import DataRelease
from routing.network import Network, network_from_graph


@lru_cache(maxsize=4)
def _network_from_cache_file(graph_path: str, metric_epsg: int) -> Network:
    with open(graph_path, "rb") as handle:
        graph = pickle.load(handle)
    network = network_from_graph(graph, metric_epsg)
    # Build the lazy parts now, so the first request does not pay for them (the last three draw isochrones).
    _ = network.csr_arrays, network.csr_reverse_arrays, network.strtree, network.to_metric, network.to_wgs84
    _ = network.segment_samples, network.segment_sample_ptr, network.segments_at_node
    return network


def network_for_release(release: DataRelease) -> Network | None:
    """The release's walk network, or None when the city has no street network (straight-line estimates)."""
    street = getattr(release, "street_network", None)
    if street is None:
        return None
    return _network_from_cache_file(street.graph_path, release.city.metric_epsg)
