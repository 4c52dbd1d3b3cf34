"""Helper of the isochrone tests: Porto Alegre's real walk network and populated hex cells that snap onto it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_sources.osm import graph_from_osm_file
from routing.network import Network, network_from_graph
from routing.snapping import locations_from_points

#: Porto Alegre's metric CRS (SIRGAS 2000 / UTM 22S).
POA_EPSG = 31982


def poa_network_and_homes(data_dir: Path, n: int, random_state: int) -> tuple[Network, list[tuple[float, float]]]:
    """The walk network, and (lon, lat) of the ``n`` populated cells drawn with ``random_state`` that snap to it."""
    network = network_from_graph(graph_from_osm_file(data_dir / "porto_alegre" / "poa_osm.pbf"), POA_EPSG)
    cells = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv", dtype={"id": str})
    cells = cells[cells["population"] > 0].sample(n=n, random_state=random_state)
    snapped = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    return network, list(zip(cells["lon"][snapped.ok], cells["lat"][snapped.ok], strict=True))
