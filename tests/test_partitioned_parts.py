"""Tables too large to gather: each task writes its origins' rows as a Parquet part; the parts equal in-process.

``routing.partitioned.travel_time_parts_on_cluster`` on a real ``distributed.LocalCluster`` (2 worker processes)
with the shared Porto Alegre and São Paulo extracts: the parts read back together hold exactly the in-process rows,
each origin's rows in one part; a part that did not arrive is named and nothing is read; a worker killed mid-job
changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.partitioned import MissingPartsError, TransitSettings, travel_time_parts_on_cluster
from routing.profiles import ADULT
from routing.raptor import transit_travel_times
from routing.snapping import locations_from_nodes
from routing.travel_times import travel_times
from tests.dask_cluster import dask_cluster_client, run_killing_a_worker  # noqa: F401 (the client fixture)
from tests.test_distributed_tables import city_inputs, sorted_rows

pytestmark = pytest.mark.slow


def read_back(parts: object) -> pd.DataFrame:
    tables = list(parts.tables())  # type: ignore[attr-defined]
    origin_sets = [set(t["from_id"].astype(str)) for t in tables]
    assert sum(len(s) for s in origin_sets) == len(set().union(*origin_sets)), "an origin's rows span two parts"
    return pd.concat(tables, ignore_index=True)


@pytest.mark.parametrize("city", ["porto_alegre", "sao_paulo"])
def test_walking_parts_equal_in_process(client: object, data_dir: Path, tmp_path: Path, city: str) -> None:
    network, cells, schools, _ = city_inputs(data_dir, city)
    for n, (origins, destinations) in enumerate(((cells, schools), (schools, cells))):
        expected = travel_times(network, origins, destinations, 20 * 60, ADULT)
        parts = travel_time_parts_on_cluster(
            client, tmp_path / f"job{n}", network, origins, destinations, 20 * 60, ADULT, batch=97
        )
        assert len(parts.paths) == -(-len(origins) // 97) and parts.total_rows == len(expected) > 100
        pd.testing.assert_frame_equal(sorted_rows(read_back(parts)), sorted_rows(expected), check_exact=True)


def test_transit_parts_equal_in_process_never_worse_than_walking(
    client: object, data_dir: Path, tmp_path: Path
) -> None:
    network, cells, schools, timetable = city_inputs(data_dir, "porto_alegre")
    window = (timetable.window_start_s, timetable.window_start_s + 20 * 60)
    cutoff_s = 30 * 60
    # As geo.access: the median over departures every minute, or walking when faster, within the cutoff.
    transit = transit_travel_times(
        network, timetable, cells, schools, departure_window=window, profile=ADULT, max_trip_s=cutoff_s
    )
    walking = travel_times(network, cells, schools, cutoff_s, ADULT)
    both = pd.concat([transit[["from_id", "to_id", "travel_time"]], walking], ignore_index=True)
    both = both.astype({"from_id": str, "to_id": str})
    best = both.groupby(["from_id", "to_id"], as_index=False, sort=False)["travel_time"].min()
    expected = best[best["travel_time"] <= cutoff_s]
    settings = TransitSettings(timetable, np.arange(*window, 60, dtype=np.int32), cutoff_s)
    parts = travel_time_parts_on_cluster(
        client, tmp_path / "transit", network, cells, schools, cutoff_s, ADULT, transit=settings, batch=150
    )
    assert len(expected) > len(walking) > 100  # transit reaches more than walking alone
    pd.testing.assert_frame_equal(sorted_rows(read_back(parts)), sorted_rows(expected), check_exact=True)


def test_a_missing_part_is_named_and_nothing_is_read(client: object, data_dir: Path, tmp_path: Path) -> None:
    network, cells, schools, _ = city_inputs(data_dir, "sao_paulo")
    parts = travel_time_parts_on_cluster(client, tmp_path / "job", network, cells, schools, 20 * 60, ADULT, batch=50)
    assert len(parts.paths) >= 3
    parts.check()
    parts.paths[1].unlink()
    with pytest.raises(MissingPartsError, match=r"did not deliver 1 of its \d+ parts \(part-00001\.parquet is missing"):
        next(parts.tables())
    for path in parts.paths:  # as if the workers had written to a folder of their own
        path.unlink(missing_ok=True)
    with pytest.raises(MissingPartsError, match=r"wrote none here: .* must be a folder they share with this machine"):
        parts.check()
    parts.remove()
    assert not (tmp_path / "job").exists()


def test_a_part_that_cannot_be_written_fails_the_job_clearly(client: object, data_dir: Path, tmp_path: Path) -> None:
    network, cells, schools, _ = city_inputs(data_dir, "sao_paulo")
    (tmp_path / "job" / "part-00001.parquet").mkdir(parents=True)  # a folder where a part should go
    with pytest.raises(MissingPartsError, match=r"failed on the cluster \(\w*Error: .*part-00001\.parquet"):
        travel_time_parts_on_cluster(
            client, tmp_path / "job", network, cells, schools, 20 * 60, ADULT, batch=50, retries=0
        )
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["part-00001.parquet"]  # the others removed


def test_a_worker_killed_while_writing_parts_changes_nothing(client: object, data_dir: Path, tmp_path: Path) -> None:
    network, cells, schools, _ = city_inputs(data_dir, "porto_alegre")
    nodes = locations_from_nodes(network)
    expected = travel_times(network, nodes, schools, 20 * 60, ADULT)
    parts = run_killing_a_worker(
        client,
        lambda: travel_time_parts_on_cluster(
            client, tmp_path / "job", network, nodes, schools, 20 * 60, ADULT, batch=300
        ),
    )
    assert not list((tmp_path / "job").glob(".part-*"))  # no half-written part is left where a reader looks
    pd.testing.assert_frame_equal(sorted_rows(read_back(parts)), sorted_rows(expected), check_exact=True)
