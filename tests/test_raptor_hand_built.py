"""Walk + transit routing on tiny hand-built feeds whose answers are worked out by hand (routing.raptor, .timetable).

Plain pytest, no Django, no shared data. The world is one straight two-way street along local x (metres) around a
point of UTM 22S (EPSG:31982, Porto Alegre's metric CRS); every stop and place sits on a node of it, so every walk
is a whole number of metres. Walking runs at exactly 1 m/s, so metres are seconds::

    O ---100--- A ------ B --120-- B2 ------ C --50-- D ------ E --50-- F ------ P --300-- Q --600-- Q2
  -100          0      3000       3120      6000     6050     9000     9050    12000    12300      12900

Origins are O and P; destinations D, F, Q and Q2; stops A, B, B2, C, E, P, Q and Q2. Walks are limited to 1,000 m
(access, egress, walk-only) and 500 m (transfers), so the only walks are O-A, B-B2, C-D, E-F, P-Q, Q-Q2, P-Q2 (900)
and the zero-length ones from a stop to the place at the same node. Boarding needs 60 s at the stop (R5's slack).

Each test writes its own GTFS folder (read back with ``feed_from_path``) for a Monday, 2024-03-04, unless it says
otherwise; times are written ``HH:MM:SS`` and worked in seconds since midnight in the comments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest

from data_sources.gtfs import feed_from_path
from routing.network import Network, network_from_graph
from routing.profiles import WalkProfile
from routing.raptor import (
    UNREACHED,
    percentile_indexes,
    transit_travel_times,
    travel_time_samples,
    walk_links,
)
from routing.snapping import Locations, locations_from_points
from routing.timetable import DAY_S, Timetable, timetable_from_feeds

METRIC_CRS = "EPSG:31982"
X0, Y0 = 480_000.0, 6_675_000.0  # local (0, 0), near Porto Alegre
_TO_LONLAT = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

#: 1 m/s: metres are seconds.
ONE_M_S = WalkProfile("one_metre_per_second", 0, 120, 1.0)

X = {
    "O": -100.0, "A": 0.0, "B": 3000.0, "B2": 3120.0, "C": 6000.0, "D": 6050.0, "E": 9000.0, "F": 9050.0,
    "P": 12000.0, "Q": 12300.0, "Q2": 12900.0,
}  # fmt: skip
STOPS = ("A", "B", "B2", "C", "E", "P", "Q", "Q2")
ORIGINS = ("O", "P")
DESTINATIONS = ("D", "F", "Q", "Q2")
MONDAY, TUESDAY, WEDNESDAY = "2024-03-04", "2024-03-05", "2024-03-06"
#: The walk-only journeys, in every answer (P is 300 m from Q and 900 m from Q2; everything else is too far).
WALKS = {("P", "Q"): 300, ("P", "Q2"): 900}


def hms(text: str) -> int:
    h, m, s = (int(part) for part in text.split(":"))
    return h * 3600 + m * 60 + s


def lonlat(name: str) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(X0 + X[name], Y0)
    return float(lon), float(lat)


@pytest.fixture(scope="module")
def street() -> Network:
    """The street: nodes at every named position, consecutive ones joined by two-way edges of exact length."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    names = sorted(X, key=X.get)  # type: ignore[arg-type]
    for node, name in enumerate(names):
        lon, lat = lonlat(name)
        graph.add_node(node, x=lon, y=lat)
    for node in range(len(names) - 1):
        length = X[names[node + 1]] - X[names[node]]
        graph.add_edge(node, node + 1, length=length)
        graph.add_edge(node + 1, node, length=length)
    return network_from_graph(graph, METRIC_CRS)


def places(network: Network, names: Sequence[str]) -> Locations:
    lon, lat = zip(*(lonlat(n) for n in names), strict=True)
    return locations_from_points(network, np.array(names), np.array(lon), np.array(lat), max_distance=5.0)


Trip = tuple[str, str, str, Sequence[tuple[str, str]]]  # route, service, trip id, [(stop, "HH:MM:SS"), ...]


def write_feed(
    folder: Path,
    trips: Iterable[Trip],
    *,
    calendar: Iterable[tuple[str, str]] = (("WK", "1111100"),),
    calendar_dates: Iterable[tuple[str, str, int]] = (),
    frequencies: Iterable[tuple[str, str, str, int]] = (),
) -> Path:
    """A GTFS folder: every stop of the street, the given trips (arrival = departure), calendars, frequencies.

    ``calendar`` rows are ``(service_id, "MTWTFSS" flags as 0/1)`` valid all of 2024; ``calendar_dates`` rows
    ``(service_id, "YYYYMMDD", exception_type)``; ``frequencies`` rows ``(trip_id, start, end, headway_secs)``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    trips = list(trips)
    stops = ["stop_id,stop_name,stop_lat,stop_lon"]
    stops += [f"{s},{s},{lonlat(s)[1]:.9f},{lonlat(s)[0]:.9f}" for s in STOPS]
    routes = ["route_id,route_short_name,route_type"] + [f"{r},{r},3" for r in sorted({t[0] for t in trips})]
    trip_rows = ["route_id,service_id,trip_id"] + [f"{r},{s},{t}" for r, s, t, _ in trips]
    stop_times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for _, _, trip_id, calls in trips:
        stop_times += [f"{trip_id},{time},{time},{stop},{i + 1}" for i, (stop, time) in enumerate(calls)]
    days = "monday,tuesday,wednesday,thursday,friday,saturday,sunday"
    cal = [f"service_id,{days},start_date,end_date"]
    cal += [f"{service},{','.join(flags)},20240101,20241231" for service, flags in calendar]
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone", "X,X,https://x.test,America/Sao_Paulo"],
        "stops.txt": stops,
        "routes.txt": routes,
        "trips.txt": trip_rows,
        "stop_times.txt": stop_times,
        "calendar.txt": cal,
        "calendar_dates.txt": ["service_id,date,exception_type"] + [f"{s},{d},{e}" for s, d, e in calendar_dates],
    }
    frequencies = list(frequencies)
    if frequencies:
        files["frequencies.txt"] = ["trip_id,start_time,end_time,headway_secs"] + [
            f"{t},{a},{b},{h}" for t, a, b, h in frequencies
        ]
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def timetable(folder: Path, date: str, start: int, end: int, max_trip_s: int = 7_200) -> Timetable:
    return timetable_from_feeds(
        [feed_from_path(folder, name="toy")], date, window_start_s=start, window_end_s=end, max_trip_s=max_trip_s
    )


def seconds_at(
    street: Network,
    folder: Path,
    date: str,
    departure: str,
    *,
    with_walk: bool = True,
    **options: int,
) -> dict[tuple[str, str], int]:
    """``{(origin, destination): seconds}`` for one departure time; unreachable pairs are left out."""
    tau = hms(departure)
    table = timetable(folder, date, tau, tau + 60)
    links = walk_links(street, table, places(street, ORIGINS), places(street, DESTINATIONS), profile=ONE_M_S)
    values = travel_time_samples(table, links, [tau], with_walk=with_walk, threads=1, **options)[:, 0, :]
    return {
        (o, d): int(values[i, j])
        for i, o in enumerate(ORIGINS)
        for j, d in enumerate(DESTINATIONS)
        if values[i, j] < UNREACHED
    }


# Line 1 (A -> B) and line 2 (B2 -> C, every 10 minutes), used by several tests.
LINE_1: Trip = ("L1", "WK", "l1_0800", [("A", "08:00:00"), ("B", "08:10:00")])
LINE_2 = [
    ("L2", "WK", "l2_0812", [("B2", "08:12:00"), ("C", "08:32:00")]),
    ("L2", "WK", "l2_0822", [("B2", "08:22:00"), ("C", "08:42:00")]),
]


# ---------------------------------------------------------------------------------------------------------
# The street legs themselves
# ---------------------------------------------------------------------------------------------------------


def test_walk_legs_are_the_street_distances_in_whole_seconds(street: Network, tmp_path: Path) -> None:
    table = timetable(write_feed(tmp_path, [LINE_1, *LINE_2]), MONDAY, hms("08:00:00"), hms("08:01:00"))
    links = walk_links(street, table, places(street, ORIGINS), places(street, DESTINATIONS), profile=ONE_M_S)
    stop = {name.split(":")[1]: i for i, name in enumerate(table.stop_ids)}
    access = {
        (ORIGINS[o], table.stop_ids[links.access_stop[q]].split(":")[1]): int(links.access_s[q])
        for o in range(len(ORIGINS))
        for q in range(links.access_ptr[o], links.access_ptr[o + 1])
    }
    assert access == {("O", "A"): 100}  # P is not a stop of this feed: no stop within 1,000 m of it
    transfers = {
        int(links.transfer_stop[q]): int(links.transfer_s[q])
        for q in range(links.transfer_ptr[stop["B"]], links.transfer_ptr[stop["B"] + 1])
    }
    assert transfers == {stop["B2"]: 120}
    egress = {
        DESTINATIONS[links.egress_dest[q]]: int(links.egress_s[q])
        for q in range(links.egress_ptr[stop["C"]], links.egress_ptr[stop["C"] + 1])
    }
    assert egress == {"D": 50}


# ---------------------------------------------------------------------------------------------------------
# Transfers, calendars, overnight trips, frequencies
# ---------------------------------------------------------------------------------------------------------


def test_transfer_missed_by_one_minute_takes_the_next_trip(street: Network, tmp_path: Path) -> None:
    # Leave O at 07:57:00, walk 100 s to A (07:58:40), board line 1 at 08:00:00 (07:58:40 + 60 s slack fits),
    # reach B at 08:10:00, walk 120 s to B2: 08:12:00. Line 2 leaves B2 at 08:12:00, but boarding needs
    # 08:12:00 + 60 s = 08:13:00: missed by one minute. The next one leaves at 08:22:00 and reaches C at 08:42:00;
    # walk 50 s to D: 08:42:50, i.e. 45 min 50 s = 2,750 s after 07:57:00.
    folder = write_feed(tmp_path, [LINE_1, *LINE_2])
    assert seconds_at(street, folder, MONDAY, "07:57:00") == {("O", "D"): 2_750} | WALKS
    # Without the boarding slack, 08:12:00 is caught: C at 08:32:00, D at 08:32:50 = 2,150 s, one headway less.
    assert seconds_at(street, folder, MONDAY, "07:57:00", board_slack_s=0) == {("O", "D"): 2_150} | WALKS
    # Leaving one minute earlier does not help (still on the same line 1 trip): 2,750 + 60 = 2,810 s.
    assert seconds_at(street, folder, MONDAY, "07:56:00") == {("O", "D"): 2_810} | WALKS


def test_calendar_dates_add_and_remove_service(street: Network, tmp_path: Path) -> None:
    # Lines 1 and 2 run on weekdays (WK) except Tuesday 2024-03-05, removed by calendar_dates (a holiday). An
    # express A -> C (XTRA, 08:00:00 -> 08:20:00) has no calendar row and runs only on Wednesday 2024-03-06,
    # added by calendar_dates.
    express: Trip = ("X", "XTRA", "x_0800", [("A", "08:00:00"), ("C", "08:20:00")])
    folder = write_feed(
        tmp_path,
        [LINE_1, *LINE_2, express],
        calendar_dates=[("WK", "20240305", 2), ("XTRA", "20240306", 1)],
    )
    # Monday: lines 1 + 2 as in the previous test: 2,750 s.
    assert seconds_at(street, folder, MONDAY, "07:57:00") == {("O", "D"): 2_750} | WALKS
    # Tuesday: no service at all, and D is 6,150 m from O (beyond the 1,000 m walk): unreachable.
    assert seconds_at(street, folder, TUESDAY, "07:57:00") == WALKS
    # Wednesday: the express, boarded at 08:00:00, reaches C at 08:20:00 and D at 08:20:50: 23 min 50 s = 1,430 s.
    assert seconds_at(street, folder, WEDNESDAY, "07:57:00") == {("O", "D"): 1_430} | WALKS


def test_overnight_trip_of_the_previous_service_day(street: Network, tmp_path: Path) -> None:
    # NIGHT runs Monday to Friday; its trip leaves A at 24:30:00 and reaches C at 25:00:00 of its service day.
    # Monday's trip therefore runs on Tuesday at 00:30:00 -> 01:00:00.
    night: Trip = ("N", "NIGHT", "n_2430", [("A", "24:30:00"), ("C", "25:00:00")])
    folder = write_feed(tmp_path, [night], calendar=[("NIGHT", "1111100")])
    # Tuesday, leave O at 00:25:00: A at 00:26:40, board at 00:30:00 (00:27:40 with slack fits), C at 01:00:00,
    # D at 01:00:50: 35 min 50 s = 2,150 s.
    assert seconds_at(street, folder, TUESDAY, "00:25:00") == {("O", "D"): 2_150} | WALKS
    # Monday 00:25:00: the trip would come from Sunday's service, which does not run; Monday's own trip is on
    # Tuesday night. Unreachable.
    assert seconds_at(street, folder, MONDAY, "00:25:00") == WALKS
    table = timetable(folder, TUESDAY, hms("00:00:00"), hms("01:00:00"))
    assert list(table.trip_ids) == ["toy:n_2430@-1d"]
    assert table.trip_shift_s.tolist() == [-DAY_S]
    assert table.pattern_times(0)[1][:, 0].tolist() == [hms("00:30:00"), hms("01:00:00")]


def test_frequency_based_route_waits_for_the_next_headway(street: Network, tmp_path: Path) -> None:
    # Template trip A 08:00:00 -> C 08:15:00, repeated every 600 s from 08:00:00 while before 09:00:00:
    # departures 08:00, 08:10, ..., 08:50 (six), each 15 minutes to C.
    template: Trip = ("F", "WK", "f", [("A", "08:00:00"), ("C", "08:15:00")])
    folder = write_feed(tmp_path, [template], frequencies=[("f", "08:00:00", "09:00:00", 600)])
    # Leave 08:03:00: A at 08:04:40, ready 08:05:40, next departure 08:10:00, C 08:25:00, D 08:25:50 = 1,370 s.
    assert seconds_at(street, folder, MONDAY, "08:03:00") == {("O", "D"): 1_370} | WALKS
    # Leave 08:47:00: ready 08:49:40, catch the last departure 08:50:00: C 09:05:00, D 09:05:50 = 1,130 s.
    assert seconds_at(street, folder, MONDAY, "08:47:00") == {("O", "D"): 1_130} | WALKS
    # Leave 08:48:00: ready 08:50:40, the 08:50:00 has gone and 09:00:00 is not a departure (end is exclusive).
    assert seconds_at(street, folder, MONDAY, "08:48:00") == WALKS
    table = timetable(folder, MONDAY, hms("07:00:00"), hms("09:00:00"))
    assert table.pattern_times(0)[1][0].tolist() == [hms(f"08:{m}0:00") for m in range(6)]


def test_walking_beats_the_bus(street: Network, tmp_path: Path) -> None:
    # A slow bus P 08:05:00 -> Q 08:25:00 and a fast one P 08:02:00 -> Q2 08:06:00. Leave P at 08:00:00 (P is a
    # stop: no access walk). To Q: bus = 08:25:00 (25 min = 1,500 s) against a 300 m walk = 300 s: walking wins.
    # To Q2: bus = 08:06:00 (ready 08:01:00, boards 08:02:00) = 360 s against a 900 m walk = 900 s: the bus wins.
    slow: Trip = ("S", "WK", "slow", [("P", "08:05:00"), ("Q", "08:25:00")])
    fast: Trip = ("T", "WK", "fast", [("P", "08:02:00"), ("Q2", "08:06:00")])
    folder = write_feed(tmp_path, [slow, fast])
    assert seconds_at(street, folder, MONDAY, "08:00:00") == {("P", "Q"): 300, ("P", "Q2"): 360}
    # Transit alone to Q: the fast bus to Q2 then 600 m back (08:06:00 + 600 s = 08:16:00 = 960 s) beats the slow
    # bus (1,500 s); Q2 itself: 360 s.
    assert seconds_at(street, folder, MONDAY, "08:00:00", with_walk=False) == {("P", "Q"): 960, ("P", "Q2"): 360}


def test_max_transfers_limits_a_three_leg_journey(street: Network, tmp_path: Path) -> None:
    # Line 1 then line 2 as before (C at 08:42:00), then line 3 C 08:50:00 -> E 09:10:00 (same-stop transfer:
    # ready 08:43:00), walk 50 s to F: 09:10:50, 1 h 13 min 50 s = 4,430 s after 07:57:00. Three rides, two
    # transfers. D needs two rides: 2,750 s.
    line_3: Trip = ("L3", "WK", "l3_0850", [("C", "08:50:00"), ("E", "09:10:00")])
    folder = write_feed(tmp_path, [LINE_1, LINE_2[1], line_3])
    expected = {("O", "D"): 2_750, ("O", "F"): 4_430} | WALKS
    assert seconds_at(street, folder, MONDAY, "07:57:00") == expected  # default: 3 transfers
    assert seconds_at(street, folder, MONDAY, "07:57:00", max_transfers=2) == expected
    assert seconds_at(street, folder, MONDAY, "07:57:00", max_transfers=1) == {("O", "D"): 2_750} | WALKS
    assert seconds_at(street, folder, MONDAY, "07:57:00", max_transfers=0) == WALKS
    # max_trip_s cuts it too: 4,430 s > 4,400 s.
    assert seconds_at(street, folder, MONDAY, "07:57:00", max_trip_s=4_400) == {("O", "D"): 2_750} | WALKS


def test_overtaking_trips_are_split_into_fifo_patterns(street: Network, tmp_path: Path) -> None:
    # Same stops, same order: a local A 08:00 -> B 08:20 -> C 08:40 and an express A 08:05 -> B 08:15 -> C 08:25
    # that overtakes it. One pattern would make the router board the local (the first departure from A) and
    # reach C at 08:40. Split, the express is found: leave O 07:57:00, ready at A 07:59:40, express at 08:05:00,
    # C 08:25:00, D 08:25:50 = 1,730 s.
    local: Trip = ("R", "WK", "local", [("A", "08:00:00"), ("B", "08:20:00"), ("C", "08:40:00")])
    express: Trip = ("R", "WK", "express", [("A", "08:05:00"), ("B", "08:15:00"), ("C", "08:25:00")])
    folder = write_feed(tmp_path, [local, express])
    table = timetable(folder, MONDAY, hms("07:00:00"), hms("09:00:00"))
    assert table.n_patterns == 2
    assert seconds_at(street, folder, MONDAY, "07:57:00") == {("O", "D"): 1_730} | WALKS


# ---------------------------------------------------------------------------------------------------------
# Percentiles over a departure window
# ---------------------------------------------------------------------------------------------------------


def test_percentiles_over_a_window_for_a_route_every_ten_minutes(street: Network, tmp_path: Path) -> None:
    # A -> C in 10 minutes, leaving A at 08:00, 08:10, 08:20 and 08:30. Leave O at 08:00 + m minutes,
    # m = 0..9 (window 08:00-08:10, every minute): at A at +100 s, ready at +160 s.
    #   m = 0..7: ready by 08:09:40 -> the 08:10 -> C 08:20:00 -> D 08:20:50: 1,250 - 60 m s
    #             = 1250, 1190, 1130, 1070, 1010, 950, 890, 830
    #   m = 8, 9: ready 08:10:40 / 08:11:40 -> the 08:20 -> D 08:30:50: 1,370 and 1,310 s
    # Sorted: 830 890 950 1010 1070 1130 1190 1250 1310 1370. R5's percentile p of n = 10 values is the value
    # at index ceil(p / 100 * 10) - 1: p5 -> 0 (830), p25 -> 2 (950), p50 -> 4 (1,070), p75 -> 7 (1,250),
    # p95 -> 9 (1,370). (An interpolated median would be 1,100: R5 never interpolates.)
    trips = [("E10", "WK", f"e_08{m}0", [("A", f"08:{m}0:00"), ("C", f"08:{m + 1}0:00")]) for m in range(4)]
    folder = write_feed(tmp_path, trips)
    table = timetable(folder, MONDAY, hms("08:00:00"), hms("08:10:00"))
    origins, destinations = places(street, ORIGINS), places(street, DESTINATIONS)
    frame = transit_travel_times(
        street, table, origins, destinations, departure_window=(hms("08:00:00"), hms("08:10:00")), step_s=60,
        percentiles=(5, 25, 50, 75, 95), profile=ONE_M_S, threads=1,
    )  # fmt: skip
    assert list(frame.columns) == [
        "from_id", "to_id", "travel_time", "travel_time_p5", "travel_time_p25", "travel_time_p50",
        "travel_time_p75", "travel_time_p95",
    ]  # fmt: skip
    row = frame[(frame["from_id"] == "O") & (frame["to_id"] == "D")].iloc[0]
    assert row.to_dict() == {
        "from_id": "O", "to_id": "D", "travel_time": 1_070.0, "travel_time_p5": 830.0, "travel_time_p25": 950.0,
        "travel_time_p50": 1_070.0, "travel_time_p75": 1_250.0, "travel_time_p95": 1_370.0,
    }  # fmt: skip
    # The walk-only pairs are there too, the same at every percentile: P -> Q 300 s, P -> Q2 900 s.
    walks = frame[frame["from_id"] == "P"].set_index("to_id")
    assert walks["travel_time"].to_dict() == {"Q": 300.0, "Q2": 900.0}
    assert (walks["travel_time_p5"] == walks["travel_time_p95"]).all()
    # The per-minute samples are the ten values above, in minute order.
    links = walk_links(street, table, origins, destinations, profile=ONE_M_S)
    samples = travel_time_samples(table, links, np.arange(hms("08:00:00"), hms("08:10:00"), 60), threads=1)
    assert samples[0, :, 0].tolist() == [1250, 1190, 1130, 1070, 1010, 950, 890, 830, 1370, 1310]


def test_percentile_indexes_follow_r5() -> None:
    assert percentile_indexes(10, [5, 25, 50, 75, 95]).tolist() == [0, 2, 4, 7, 9]
    assert percentile_indexes(120, [5, 25, 50, 75, 95]).tolist() == [5, 29, 59, 89, 113]
    assert percentile_indexes(1, [5, 50, 95]).tolist() == [0, 0, 0]


def test_never_worse_than_walking_at_any_percentile(street: Network, tmp_path: Path) -> None:
    # The slow bus P -> Q every 10 minutes: transit alone is 20-30 minutes, walking 300 s. Every percentile of
    # P -> Q is 300 s.
    trips = [("S", "WK", f"s_{m}", [("P", f"08:{m}0:00"), ("Q", f"08:{m + 2}0:00")]) for m in range(4)]
    table = timetable(write_feed(tmp_path, trips), MONDAY, hms("08:00:00"), hms("08:30:00"))
    frame = transit_travel_times(
        street, table, places(street, ORIGINS), places(street, DESTINATIONS), profile=ONE_M_S, threads=1
    )
    row = frame[(frame["from_id"] == "P") & (frame["to_id"] == "Q")].iloc[0]
    assert row[["travel_time", "travel_time_p5", "travel_time_p50", "travel_time_p95"]].tolist() == [300.0] * 4


def test_departures_outside_the_timetable_window_are_refused(street: Network, tmp_path: Path) -> None:
    table = timetable(write_feed(tmp_path, [LINE_1]), MONDAY, hms("08:00:00"), hms("09:00:00"))
    with pytest.raises(ValueError, match="outside the timetable's window"):
        transit_travel_times(
            street, table, places(street, ORIGINS), places(street, DESTINATIONS),
            departure_window=(hms("07:00:00"), hms("08:00:00")),
        )  # fmt: skip
    with pytest.raises(ValueError, match="empty departure window"):
        timetable(write_feed(tmp_path, [LINE_1]), MONDAY, hms("08:00:00"), hms("08:00:00"))
