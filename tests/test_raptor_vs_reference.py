"""Range RAPTOR against an independent reference: Dijkstra (networkx) on a time-expanded graph of the same feeds.

The reference never touches :mod:`routing.timetable` or the RAPTOR kernel. It reads the feeds with
:mod:`data_sources.gtfs` (``trips_on``, ``interpolate_stop_times``, ``expand_frequencies``) and builds one
directed graph whose nodes are events, layered by the number of rides taken (0 .. max rides):

- ``W(k, s, t)``: waiting at stop ``s`` for the departure at ``t``, after ``k`` rides; chained by waiting edges;
- ``T(k, trip, i)``: on board a trip at its ``i``-th stop, ``k``-th ride; chained by riding edges;
- ``L(k, trip, i)``: just got off that trip at its ``i``-th stop;
- ``G(s)``: got off a vehicle at ``s`` (egress hub; egress walks do not depend on the time);
- ``D(d)``: destination ``d``; and one source per query.

Edges: board ``W(k-1, s, t) -> T(k, trip, i)`` (0 s; pick-up allowed); ride ``T(k, trip, i) -> T(k, trip, i+1)``
(departure difference); alight ``T(k, trip, i) -> L(k, trip, i+1)`` (arrival minus departure; drop-off allowed);
change at the same stop or walk a transfer ``L(k, trip, i) -> W(k, s2, first departure >= arrival + walk + slack)``
(for ``k`` < max rides); ``L -> G(s) -> D(d)`` (egress walk); source ``-> W(0, s, first departure >= departure
time + access walk + slack)``. The distance of ``D(d)`` from the source is the transit travel time; with the walk-only
time, its minimum is the answer. The walking legs (access, egress, transfers, walk-only) are the street-network
tables of :func:`routing.raptor.walk_links`, which other tests check against networkx on the street graph.

For sampled origins and departure minutes of a window, the router's travel times (range RAPTOR over the whole
window, every minute) must equal the reference at every destination: 0 mismatches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from data_sources.gtfs import GtfsFeed, expand_frequencies, feed_from_path, interpolate_stop_times, trips_on
from data_sources.osm import graph_from_osm_file
from routing.network import Network, network_from_graph
from routing.raptor import UNREACHED, WalkLinks, travel_time_samples, travel_times_from_links, walk_links
from routing.snapping import locations_from_points
from routing.timetable import Timetable, timetable_from_feeds

pytestmark = pytest.mark.slow

SLACK_S = 60
MAX_TRANSFERS = 3  # the router's default: 4 rides


@dataclass(frozen=True)
class Case:
    name: str
    osm: str
    epsg: int
    feeds: tuple[str, ...]
    hexgrid: str
    date: str
    window: tuple[int, int]
    max_trip_s: int
    n_origins: int
    n_departures: int


CASES = [
    # POA's EPTC sample only runs 11:00-17:00: this window is in the afternoon so that buses and train both run.
    Case(
        "porto_alegre",
        "porto_alegre/poa_osm.pbf",
        31982,
        ("porto_alegre/poa_eptc.zip", "porto_alegre/poa_trensurb.zip"),
        "porto_alegre/poa_hexgrid.csv",
        "2019-05-15",
        (14 * 3600, 14 * 3600 + 20 * 60),
        40 * 60,
        10,
        4,
    ),  # fmt: skip
    # The benchmark's morning window: only the Trensurb train runs (and the buses' feed is merged in, unused).
    Case(
        "porto_alegre_morning",
        "porto_alegre/poa_osm.pbf",
        31982,
        ("porto_alegre/poa_eptc.zip", "porto_alegre/poa_trensurb.zip"),
        "porto_alegre/poa_hexgrid.csv",
        "2019-05-15",
        (7 * 3600, 9 * 3600),
        120 * 60,
        40,
        4,
    ),  # fmt: skip
    # SPO is all frequencies.txt: the reference expands them with data_sources.gtfs.expand_frequencies.
    Case(
        "sao_paulo",
        "sao_paulo/spo_osm.pbf",
        31983,
        ("sao_paulo/spo_gtfs.zip",),
        "sao_paulo/spo_hexgrid.csv",
        "2019-05-15",
        (7 * 3600, 7 * 3600 + 30 * 60),
        60 * 60,
        12,
        4,
    ),  # fmt: skip
]


# ---------------------------------------------------------------------------------------------------------
# The reference
# ---------------------------------------------------------------------------------------------------------


def reference_events(feeds: list[GtfsFeed], date: str, start: int, end: int) -> pd.DataFrame:
    """Every stop event of the date's trips with departure >= start and arrival <= end, by trip and sequence."""
    frames = []
    for feed in feeds:
        trips = trips_on(feed, date)
        stop_times = expand_frequencies(feed, trips, stop_times=interpolate_stop_times(feed))
        stop_times = stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable")
        allowed = {
            column: stop_times[column].astype(str).str.strip().ne("1").to_numpy()
            if column in stop_times.columns
            else np.ones(len(stop_times), dtype=bool)
            for column in ("pickup_type", "drop_off_type")
        }
        frames.append(
            pd.DataFrame(
                {
                    "trip": feed.name + ":" + stop_times["trip_id"].to_numpy(),
                    "stop": feed.name + ":" + stop_times["stop_id"].to_numpy(),
                    "arr": stop_times["arrival_time"].to_numpy(dtype=np.int64),
                    "dep": stop_times["departure_time"].to_numpy(dtype=np.int64),
                    "pickup": allowed["pickup_type"],
                    "dropoff": allowed["drop_off_type"],
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    # Times never decrease along a trip, so what is kept of a trip is one contiguous run of its stops.
    return events[(events["dep"] >= start) & (events["arr"] <= end)].reset_index(drop=True)


@dataclass
class Reference:
    graph: nx.DiGraph
    wait_times: dict[int, np.ndarray]  # stop index -> sorted departure times (pick-up allowed)
    wait_base: dict[int, int]  # stop index -> node id of its first waiting node in layer 0
    layer_size: int  # waiting nodes per layer
    dest_base: int
    n_dest: int

    def waiting_node(self, k: int, stop: int, ready: int) -> tuple[int, int] | None:
        """(node, departure time) of the first departure at or after ``ready`` at ``stop`` in layer ``k``."""
        times = self.wait_times.get(stop)
        if times is None:
            return None
        j = int(np.searchsorted(times, ready, side="left"))
        if j == len(times):
            return None
        return k * self.layer_size + self.wait_base[stop] + j, int(times[j])


def reference_graph(events: pd.DataFrame, stop_index: dict[str, int], links: WalkLinks, max_rides: int) -> Reference:
    """The layered time-expanded graph of the module docstring (integer nodes)."""
    stop = events["stop"].map(stop_index).to_numpy()
    assert not np.isnan(stop.astype(float)).any(), "a reference stop is missing from the timetable's stops"
    stop = stop.astype(np.int64)
    arr, dep = events["arr"].to_numpy(), events["dep"].to_numpy()
    pickup, dropoff = events["pickup"].to_numpy(), events["dropoff"].to_numpy()
    trip = events["trip"].to_numpy()
    same_trip_next = np.zeros(len(events), dtype=bool)
    same_trip_next[:-1] = trip[1:] == trip[:-1]

    # Waiting nodes: one per distinct departure time (pick-up allowed) at each stop, in each layer 0..K-1.
    boarding = pd.DataFrame({"stop": stop[pickup], "dep": dep[pickup]}).drop_duplicates().sort_values(["stop", "dep"])
    wait_times = {int(s): g["dep"].to_numpy() for s, g in boarding.groupby("stop")}
    wait_base, offset = {}, 0
    for s, times in wait_times.items():
        wait_base[s] = offset
        offset += len(times)
    layer_size = offset
    n_events = len(events)
    n_wait = layer_size * max_rides
    ride_base = n_wait  # T(k, e) = ride_base + (k - 1) * n_events + e
    alight_base = ride_base + max_rides * n_events  # L(k, e) likewise
    hub_base = alight_base + max_rides * n_events  # G(s) = hub_base + s
    dest_base = hub_base + len(links.transfer_ptr) - 1
    reference = Reference(nx.DiGraph(), wait_times, wait_base, layer_size, dest_base, links.n_destinations)

    edges: list[tuple[int, int, int]] = []
    for k in range(max_rides):
        for s, times in wait_times.items():
            base = k * layer_size + wait_base[s]
            edges += [(base + j, base + j + 1, int(times[j + 1] - times[j])) for j in range(len(times) - 1)]
    for k in range(1, max_rides + 1):
        ride0, alight0 = ride_base + (k - 1) * n_events, alight_base + (k - 1) * n_events
        for e in range(n_events):
            if pickup[e]:
                node, _ = reference.waiting_node(k - 1, int(stop[e]), int(dep[e]))  # type: ignore[misc]
                edges.append((node, ride0 + e, 0))
            if same_trip_next[e]:
                edges.append((ride0 + e, ride0 + e + 1, int(dep[e + 1] - dep[e])))
                if dropoff[e + 1]:
                    edges.append((ride0 + e, alight0 + e + 1, int(arr[e + 1] - dep[e])))
            # Off the vehicle at stop[e]: egress hub, and (rides left) a change here or a walked transfer.
            s = int(stop[e])
            edges.append((alight0 + e, hub_base + s, 0))
            if k == max_rides:
                continue
            here = reference.waiting_node(k, s, int(arr[e]) + SLACK_S)
            if here is not None:
                edges.append((alight0 + e, here[0], here[1] - int(arr[e])))
            for q in range(links.transfer_ptr[s], links.transfer_ptr[s + 1]):
                there = reference.waiting_node(
                    k, int(links.transfer_stop[q]), int(arr[e] + links.transfer_s[q]) + SLACK_S
                )
                if there is not None:
                    edges.append((alight0 + e, there[0], there[1] - int(arr[e])))
    for s in range(len(links.egress_ptr) - 1):
        for q in range(links.egress_ptr[s], links.egress_ptr[s + 1]):
            edges.append((hub_base + s, dest_base + int(links.egress_dest[q]), int(links.egress_s[q])))
    # A repeated (u, v) keeps its smallest weight (add_weighted_edges_from would keep the last one).
    frame = pd.DataFrame(edges, columns=["u", "v", "w"]).groupby(["u", "v"], sort=False)["w"].min().reset_index()
    reference.graph.add_weighted_edges_from(frame.itertuples(index=False, name=None))
    return reference


def reference_times(reference: Reference, links: WalkLinks, origin: int, departure: int, max_trip_s: int) -> np.ndarray:
    """Travel time to every destination (UNREACHED beyond ``max_trip_s``): min(walk only, Dijkstra)."""
    graph = reference.graph
    source = -1
    graph.add_node(source)
    for q in range(links.access_ptr[origin], links.access_ptr[origin + 1]):
        target = reference.waiting_node(0, int(links.access_stop[q]), departure + int(links.access_s[q]) + SLACK_S)
        if target is not None:
            graph.add_edge(source, target[0], weight=target[1] - departure)
    lengths = nx.single_source_dijkstra_path_length(graph, source, cutoff=max_trip_s, weight="weight")
    graph.remove_node(source)
    times = np.full(reference.n_dest, UNREACHED, dtype=np.int64)
    for d in range(reference.n_dest):
        seconds = lengths.get(reference.dest_base + d)
        if seconds is not None and seconds <= max_trip_s:
            times[d] = seconds
    for q in range(links.walk_ptr[origin], links.walk_ptr[origin + 1]):
        d = int(links.walk_dest[q])
        times[d] = min(times[d], int(links.walk_s[q]))
    return times


# ---------------------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def street_network(path: Path, epsg: int) -> Network:
    """The walk network of an OSM file (cached: two cases share Porto Alegre's)."""
    return network_from_graph(graph_from_osm_file(path), epsg)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_range_raptor_equals_time_expanded_dijkstra(case: Case, data_dir: Path) -> None:
    started = time.perf_counter()
    network = street_network(data_dir / case.osm, case.epsg)
    cells = pd.read_csv(data_dir / case.hexgrid)
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    feeds = [feed_from_path(data_dir / path) for path in case.feeds]
    timetable: Timetable = timetable_from_feeds(
        feeds, case.date, window_start_s=case.window[0], window_end_s=case.window[1], max_trip_s=case.max_trip_s
    )
    links = walk_links(network, timetable, places, places)
    departures = np.arange(case.window[0], case.window[1], 60)

    # Sample origins that can reach at least one stop, and departure minutes.
    rng = np.random.default_rng(20_190_515)
    with_access = np.flatnonzero(np.diff(links.access_ptr) > 0)
    origins = np.sort(rng.choice(with_access, size=min(case.n_origins, len(with_access)), replace=False))
    minutes = np.sort(rng.choice(len(departures), size=case.n_departures, replace=False))
    router = travel_time_samples(
        timetable, links, departures, origins=origins, max_transfers=MAX_TRANSFERS, max_trip_s=case.max_trip_s,
        board_slack_s=SLACK_S,
    )  # fmt: skip

    events = reference_events(feeds, case.date, case.window[0], case.window[1] + case.max_trip_s)
    stop_index = {stop_id: i for i, stop_id in enumerate(timetable.stop_ids)}
    reference = reference_graph(events, stop_index, links, MAX_TRANSFERS + 1)

    checked = reached = transit_only = mismatches = 0
    examples = []
    for i, origin in enumerate(origins):
        walk_only = np.full(links.n_destinations, UNREACHED, dtype=np.int64)
        q = slice(links.walk_ptr[origin], links.walk_ptr[origin + 1])
        walk_only[links.walk_dest[q]] = links.walk_s[q]
        for m in minutes:
            expected = reference_times(reference, links, int(origin), int(departures[m]), case.max_trip_s)
            got = router[i, m].astype(np.int64)
            wrong = np.flatnonzero(got != expected)
            mismatches += len(wrong)
            examples += [(int(origin), int(departures[m]), int(d), int(got[d]), int(expected[d])) for d in wrong[:3]]
            checked += len(expected)
            reached += int((expected < UNREACHED).sum())
            transit_only += int(((expected < UNREACHED) & (expected < walk_only)).sum())
    print(
        f"\n{case.name}: {len(origins)} origins x {len(minutes)} departures x {links.n_destinations} destinations = "
        f"{checked} triples checked, {reached} reached ({transit_only} by transit, faster than walking), "
        f"{mismatches} mismatches; reference graph {reference.graph.number_of_nodes():,} nodes, "
        f"{reference.graph.number_of_edges():,} edges; {time.perf_counter() - started:.1f} s"
    )
    assert mismatches == 0, f"(origin, departure, destination, router, reference): {examples[:10]}"
    assert transit_only >= 200


def test_percentile_table_matches_the_samples(data_dir: Path) -> None:
    """The percentile columns equal numpy's order statistics (R5's nearest rank) of the per-minute samples."""
    network = street_network(data_dir / "sao_paulo/spo_osm.pbf", 31983)
    cells = pd.read_csv(data_dir / "sao_paulo/spo_hexgrid.csv")
    places = locations_from_points(network, cells["id"].to_numpy(), cells["lon"].to_numpy(), cells["lat"].to_numpy())
    start, end, max_trip_s = 7 * 3600, 8 * 3600, 45 * 60
    feeds = [feed_from_path(data_dir / "sao_paulo/spo_gtfs.zip")]
    timetable = timetable_from_feeds(feeds, "2019-05-15", window_start_s=start, window_end_s=end, max_trip_s=max_trip_s)
    links = walk_links(network, timetable, places, places)
    departures = np.arange(start, end, 60)
    percentiles = (5, 25, 50, 75, 95)
    frame = travel_times_from_links(timetable, links, departures, percentiles=percentiles, max_trip_s=max_trip_s)
    samples = np.sort(travel_time_samples(timetable, links, departures, max_trip_s=max_trip_s), axis=1)
    rank = [int(np.ceil(p / 100 * len(departures))) - 1 for p in percentiles]  # R5: no interpolation
    expected = samples[:, rank, :].astype(float)  # (origins, percentiles, destinations)
    expected[expected > max_trip_s] = np.nan
    median = expected[:, 2, :]
    o_idx, d_idx = np.nonzero(~np.isnan(median))
    table = pd.DataFrame({"from_id": links.origin_ids[o_idx], "to_id": links.destination_ids[d_idx]})
    table["travel_time"] = median[o_idx, d_idx]
    for j, p in enumerate(percentiles):
        table[f"travel_time_p{p}"] = expected[o_idx, j, d_idx]
    table = table.sort_values(["from_id", "travel_time"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(frame, table, check_exact=True)
    varying = int((frame["travel_time_p5"] != frame["travel_time_p95"]).sum())
    print(f"\nsao_paulo: {len(frame):,} pairs' percentiles equal numpy's ({varying:,} vary over the window)")
    assert varying > 1_000
    assert (frame["travel_time_p5"] <= frame["travel_time"]).all()
    assert (frame["travel_time"] <= frame["travel_time_p95"].fillna(np.inf)).all()


@pytest.mark.parametrize(
    "feed_path",
    ["porto_alegre/poa_eptc.zip", "porto_alegre/poa_trensurb.zip", "sao_paulo/spo_gtfs.zip"],
    ids=lambda p: Path(p).stem,
)
def test_timetable_times_equal_data_sources_gtfs(feed_path: str, data_dir: Path) -> None:
    """routing.timetable re-implements interpolation and frequency expansion (it may not import data_sources.gtfs):
    over a whole day its stop times equal ``expand_frequencies(interpolate_stop_times(...))`` of the day's trips."""
    feed = feed_from_path(data_dir / feed_path)
    date = "2019-05-15"
    timetable = timetable_from_feeds(feed, date, window_start_s=0, window_end_s=1, max_trip_s=86_399)
    got = timetable.stop_times_frame()
    got = got[~got["trip_id"].str.endswith("@-1d")]  # the previous day's trips past midnight, shifted
    expected = expand_frequencies(feed, trips_on(feed, date), stop_times=interpolate_stop_times(feed))
    expected = pd.DataFrame(
        {
            "trip_id": feed.name + ":" + expected["trip_id"],
            "stop_id": feed.name + ":" + expected["stop_id"],
            "arrival_time": expected["arrival_time"].to_numpy(dtype=np.int64),
            "departure_time": expected["departure_time"].to_numpy(dtype=np.int64),
        }
    )
    columns = ["trip_id", "stop_id", "arrival_time", "departure_time"]
    got = got[columns].astype({"arrival_time": np.int64, "departure_time": np.int64})
    pd.testing.assert_frame_equal(
        got.sort_values(columns, ignore_index=True), expected.sort_values(columns, ignore_index=True)
    )
    # Every pattern is FIFO: at each of its stops, departures and arrivals never decrease from one trip to the next.
    for p in range(timetable.n_patterns):
        arrivals, departures = timetable.pattern_times(p)
        assert (np.diff(departures, axis=1) >= 0).all() and (np.diff(arrivals, axis=1) >= 0).all()
    print(f"\n{feed.name}: {len(got):,} stop times equal; {timetable}")
