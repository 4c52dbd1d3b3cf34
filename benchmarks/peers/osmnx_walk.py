"""osmnx alone as the reference for Vicino's walk graph: every way from ``graph_from_xml``, a walk filter applied
to the edges (osmnx's own ``"walk"`` network filter unless another is given), isolated nodes dropped, simplified.

Shared by ``tests/test_osm_graph.py`` (the graph within 1 % of osmnx's) and ``benchmarks/bench_osm_graph.py``
(osmnx's time for the same work). Measurements and tests only: Vicino itself never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
from osmnx._overpass import _get_network_filter


@cache
def osmnx_walk_clauses() -> tuple[tuple[str, str], ...]:
    """osmnx's ``"walk"`` filter as (key, excluded values regex) clauses; an empty regex means the key must exist."""
    return tuple(re.findall(r'\["([^"]+)"(?:!~"([^"]+)")?\]', _get_network_filter("walk")))


def osmnx_walkable(data: dict[str, Any]) -> bool:
    """Whether a way's tags pass osmnx's ``"walk"`` filter."""
    for key, excluded in osmnx_walk_clauses():
        value = data.get(key)
        if not excluded and value is None:  # ["highway"]: the key must exist
            return False
        if excluded and value is not None and re.search(excluded, str(value)):
            return False
    return True


def walk_graph_from_xml(xml: Path, walkable: Callable[[dict[str, Any]], bool] = osmnx_walkable) -> nx.MultiDiGraph:
    """The simplified graph of the ways of ``xml`` that ``walkable`` keeps (the tags it reads must be among
    ``ox.settings.useful_tags_way``)."""
    graph = ox.graph_from_xml(xml, bidirectional=True, simplify=False, retain_all=True)
    graph.remove_edges_from([(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if not walkable(data)])
    graph.remove_nodes_from([node for node, degree in dict(graph.degree()).items() if degree == 0])
    return ox.simplify_graph(graph)
