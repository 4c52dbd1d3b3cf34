"""Measure the walking detour factor (network ÷ straight-line distance) on the POA and SPO walk graphs.

The median is the default for cities without a street network (routing.straight_line.DEFAULT_DETOUR_FACTOR).
Run: python benchmarks/bench_detour_factor.py
"""

from __future__ import annotations

import os
from pathlib import Path

from data_sources.osm import graph_from_osm_file
from routing.network import network_from_graph
from routing.straight_line import detour_factor_from_network

DATA = Path(os.environ.get("VICINO_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
CITIES = {"porto_alegre": ("porto_alegre/poa_osm.pbf", 31982), "sao_paulo": ("sao_paulo/spo_osm.pbf", 31983)}


def main() -> None:
    print(f"{'city':14} {'pairs':>6} {'median':>7} {'mean':>6} {'p25':>6} {'p75':>6}")
    for city, (file, epsg) in CITIES.items():
        network = network_from_graph(graph_from_osm_file(DATA / file), epsg)
        stats = detour_factor_from_network(network)
        print(
            f"{city:14} {stats['pairs']:6d} {stats['median']:7.3f} {stats['mean']:6.3f} "
            f"{stats['p25']:6.3f} {stats['p75']:6.3f}"
        )


if __name__ == "__main__":
    main()
