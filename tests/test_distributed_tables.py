"""Travel-time tables on a Dask cluster equal the in-process tables exactly, also when a worker dies mid-job.

A real ``distributed.LocalCluster`` with two worker processes (one thread each) on loopback; the inputs are the
shared Porto Alegre and São Paulo extracts (OSM + GTFS + H3 grid).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_sources.gtfs import feed_from_path
from data_sources.osm import graph_from_osm_file
from routing.distributed import batches_of, transit_travel_times_on_cluster, travel_times_on_cluster
from routing.network import Network, network_from_graph
from routing.profiles import ADULT
from routing.raptor import travel_times_from_links, walk_links
from routing.snapping import Locations, locations_from_nodes, locations_from_points
from routing.timetable import timetable_from_feeds
from routing.travel_times import travel_times
from tests.dask_cluster import dask_cluster_client, run_killing_a_worker  # noqa: F401 (the client fixture)

pytestmark = pytest.mark.slow

CITIES = {
    "porto_alegre": ("porto_alegre/poa_osm.pbf", 31982, ("porto_alegre/poa_eptc.zip", "porto_alegre/poa_trensurb.zip"),
                     "porto_alegre/poa_hexgrid.csv", (14 * 3600, 14 * 3600 + 30 * 60)),
    "sao_paulo": ("sao_paulo/spo_osm.pbf", 31983, ("sao_paulo/spo_gtfs.zip",), "sao_paulo/spo_hexgrid.csv",
                  (7 * 3600, 7 * 3600 + 30 * 60)),
}  # fmt: skip


@lru_cache(maxsize=2)
def city_inputs(data_dir: Path, city: str) -> tuple[Network, Locations, Locations, object]:
    osm, epsg, feeds, hexgrid, window = CITIES[city]
    network = network_from_graph(graph_from_osm_file(data_dir / osm), epsg)
    cells = pd.read_csv(data_dir / hexgrid, dtype={"id": str})
    cells_at = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    schools = cells[cells["schools"] > 0]
    schools_at = locations_from_points(
        network, ("school:" + schools["id"]).to_numpy(), schools["lon"].to_numpy(), schools["lat"].to_numpy()
    )
    timetable = timetable_from_feeds(
        [feed_from_path(data_dir / f) for f in feeds], "2019-05-15", window_start_s=window[0],
        window_end_s=window[1], max_trip_s=45 * 60,
    )  # fmt: skip
    return network, cells_at, schools_at, timetable


def sorted_rows(table: pd.DataFrame) -> pd.DataFrame:
    plain = table.astype({"from_id": str, "to_id": str})
    return plain.sort_values(["from_id", "to_id"], kind="stable", ignore_index=True)


def test_batches_cover_every_index_once() -> None:
    parts = batches_of(10, 4)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches_of(0, 4) == []
    with pytest.raises(ValueError, match="at least 1"):
        batches_of(3, 0)


@pytest.mark.parametrize("city", sorted(CITIES))
def test_walking_tables_equal_in_process(client: object, data_dir: Path, city: str) -> None:
    network, cells, schools, _ = city_inputs(data_dir, city)
    nodes = locations_from_nodes(network)
    for origins, destinations in ((cells, schools), (nodes, schools), (schools, cells)):
        expected = travel_times(network, origins, destinations, 20 * 60, ADULT)
        got = travel_times_on_cluster(client, network, origins, destinations, 20 * 60, ADULT, batch=97)
        assert len(expected) > 100
        assert got.dtypes.equals(expected.dtypes)
        pd.testing.assert_frame_equal(sorted_rows(got), sorted_rows(expected), check_exact=True)


@pytest.mark.parametrize("city", sorted(CITIES))
def test_transit_tables_equal_in_process(client: object, data_dir: Path, city: str) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, city)
    links = walk_links(network, timetable, cells, schools, profile=ADULT)
    departures = np.arange(timetable.window_start_s, timetable.window_end_s, 120)
    expected = travel_times_from_links(timetable, links, departures, percentiles=(25, 50, 75), max_trip_s=45 * 60)
    got = transit_travel_times_on_cluster(
        client, timetable, links, departures, percentiles=(25, 50, 75), max_trip_s=45 * 60, batch=50
    )
    assert len(expected) > 100
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_killed_worker_is_retried_and_the_table_is_unchanged(client: object, data_dir: Path) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, "porto_alegre")
    links = walk_links(network, timetable, cells, schools, profile=ADULT)
    departures = np.arange(timetable.window_start_s, timetable.window_end_s, 60)
    expected = travel_times_from_links(timetable, links, departures, max_trip_s=45 * 60)
    got = run_killing_a_worker(
        client,
        lambda: transit_travel_times_on_cluster(client, timetable, links, departures, max_trip_s=45 * 60, batch=8),
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
