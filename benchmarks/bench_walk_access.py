"""Benchmark: walking accessibility indicators, Vicino's engine against the kernel floor, pandana, cityseer, networkx.

Run from the repository root::

    python benchmarks/bench_walk_access.py [--quick] [--repeat 3] [--budget 120] [--data-dir DIR]

The job, on each walk graph: every network node (and, separately, every hex-grid cell centre) is an origin;
the destinations are the hex-grid cells with schools or healthcare (count > 0; capacity = count; São Paulo has
schools only). For each origin and category: minutes to the 3 nearest, how many within 5/10/15/20/30 minutes,
and an exponential gravity sum, walking at 1.3 m/s with a 30-minute cutoff. Then a scaling section on synthetic
street grids (about 25k, 100k and 400k nodes, 5 categories × 400 random opportunities, all nodes as origins).

Every (job, tool) runs in a fresh spawned process: the street graph and the inputs are loaded first (not timed),
then the job runs ``--repeat`` times (8 times when its first run takes under a second); the first run is
reported apart (Vicino's includes loading numba's compiled code from its disk cache) and the best of the later
runs is the *warm* time that the ratios use. Memory: the
process's peak resident set (``ru_maxrss``) after the job, the resident set after imports and graph load, and
their difference (the job's own increment; the peak mark is reset before each run through
``/proc/self/clear_refs``, so the increment is the job's, not the load's).

Tools, each end to end on the same graph and inputs:

- ``vicino``: ``network_from_graph`` + snapping (nodes, or cells and destinations to their nearest segment) +
  ``travel_times`` (threads) + ``accessibility_indicators`` (nearest-3, counts and gravity in one pass, as
  ``compute_access`` runs them);
  ``vicino-compile`` is the same with an empty numba cache (its first run includes compilation);
- ``scipy-floor``: one ``scipy.sparse.csgraph.dijkstra(csr, indices=[node], limit=cutoff)`` per destination over
  Vicino's own reverse CSR (built before the clock starts), destinations on their nearest node, a running minimum
  and counts within 15 and 30 minutes per category (the issue's kernel: "nearest + 15/30-min counts"): the
  floor, one thread, no snapping, no table, no nearest-3, no gravity;
- ``pandana``: ``pandana.Network`` (contraction hierarchy), ``precompute``, ``set_pois`` + ``nearest_pois``,
  ``set`` + ``aggregate(count)`` per threshold and ``aggregate(sum, decay='exp')`` (its only exponential decay is
  ``exp(-d / radius)``, so its gravity is not Vicino's), destinations on their nearest node;
- ``cityseer``: ``io.nx_from_osm_nx`` + ``io.nx_epsg_conversion`` + ``io.network_structure_from_nx`` +
  ``layers.compute_accessibilities`` (counts per threshold, nearest distance, and an exponential decay equal to
  Vicino's at the 30-minute threshold; it has no nearest-3 and counts points, not capacity);
- ``networkx``: one ``single_source_dijkstra_path_length`` on the reversed graph per destination (nearest node),
  aggregated in Python; node origins only.

A tool whose searches would take longer than ``--budget`` seconds runs a random sample of destinations and its
time is extrapolated (labelled ``~`` in the tables, ``extrapolated`` in the JSON). Results are printed as tables
and written to ``benchmarks/results/walk_access.json``.
"""

from __future__ import annotations

import bisect
import gc
import math
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

from _harness import (
    REPO,
    argument_parser,
    engine_revision,
    package_version,
    peak_mb,
    peer_installed,
    reset_peak,
    rss_mb,
    write_report,
)

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


SPEED_M_S = 1.3
CUTOFF_MIN = 30.0
CUTOFF_M = CUTOFF_MIN * 60.0 * SPEED_M_S
THRESHOLDS_MIN: tuple[int, ...] = (5, 10, 15, 20, 30)
CHECK_THRESHOLD_MIN = 15
#: The floor counts opportunities within these minutes (the issue's kernel: nearest + 15/30-minute counts).
FLOOR_COUNT_MIN: tuple[int, ...] = (15, 30)
NEAREST_K = 3
MAX_SNAP_M = 500.0
CATEGORY_COLUMNS: tuple[str, ...] = ("schools", "healthcare")

GRID_SIZES: dict[str, int] = {"grid-25k": 25_000, "grid-100k": 100_000, "grid-400k": 400_000}
GRID_SPACING_M = 100.0
GRID_JITTER_M = 10.0
GRID_CATEGORIES = 5
GRID_PER_CATEGORY = 400
GRID_EPSG = 31982
GRID_ORIGIN_M = (480_000.0, 6_650_000.0)  # south of Porto Alegre, in SIRGAS 2000 / UTM 22S
SEED = 20_240_601

TOOLS: tuple[str, ...] = ("vicino", "vicino-compile", "scipy-floor", "pandana", "cityseer", "networkx")
REPEAT_ONLY_BELOW_S = 60.0  # a run slower than this is not repeated
#: Jobs whose first run is shorter than SHORT_RUN_S run SHORT_RUN_REPEAT times (at least ``--repeat``): on a shared
#: two-core machine a sub-second run varies by a third from one run to the next, so a few more runs are cheap.
SHORT_RUN_S = 1.0
SHORT_RUN_REPEAT = 8
MIN_SAMPLE = 20  # destinations searched before a budgeted tool may stop and extrapolate

GOAL_100K_SECONDS = 3.0
GOAL_100K_MB = 2048.0
GOAL_FLOOR_RATIO = 1.5
GOAL_CITYSEER_SPEEDUP = 30.0
GOAL_PANDANA_SPEEDUP = 10.0


@dataclass(frozen=True)
class City:
    """A shared extract: walk graph, hex grid and the metric CRS to project to."""

    pbf: Path
    hexgrid: Path
    epsg: int


CITIES: dict[str, City] = {
    "poa": City(Path("porto_alegre") / "poa_osm.pbf", Path("porto_alegre") / "poa_hexgrid.csv", 31982),
    "spo": City(Path("sao_paulo") / "spo_osm.pbf", Path("sao_paulo") / "spo_hexgrid.csv", 31983),
}


@dataclass(frozen=True)
class Scenario:
    """One job: a city with node or cell origins, or a synthetic grid (node origins)."""

    name: str
    city: str | None = None
    origins: str = "nodes"
    grid_nodes: int | None = None

    @property
    def is_grid(self) -> bool:
        return self.grid_nodes is not None


@dataclass(frozen=True)
class JobSpec:
    """What a fresh process runs: one tool on one scenario."""

    scenario: Scenario
    tool: str
    data_dir: Path
    repeat: int
    threads: int
    budget_s: float
    keep_answers: bool


@dataclass
class Inputs:
    """A job's inputs, loaded before the clock starts.

    Attributes
    ----------
    graph
        osmnx-style MultiDiGraph (lon/lat for cities; metric x/y with the metric ``crs`` for grids).
    epsg
        Metric CRS for projection and snapping.
    destinations
        ``id`` (unique), ``category``, ``capacity``, ``lon``, ``lat``.
    cells
        Origin cells (``id``, ``lon``, ``lat``), or None when the origins are the graph's nodes.
    origin_ids
        The origins in the order every tool's answers follow (graph node order, or cell order).
    """

    graph: nx.MultiDiGraph
    epsg: int
    destinations: pd.DataFrame
    cells: pd.DataFrame | None
    origin_ids: np.ndarray


@dataclass
class RunOutput:
    """One timed run: per-origin answers for the checks, optional stage times, share of the work done."""

    answers: dict[str, np.ndarray] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    fraction_done: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------------
# Inputs


def destinations_from_hexgrid(hexgrid: pd.DataFrame) -> pd.DataFrame:
    """Cells with a positive count per category as destinations (capacity = count); ids are ``category:cell``."""
    import pandas as pd

    frames = []
    for category in CATEGORY_COLUMNS:
        if category not in hexgrid:
            continue
        cells = hexgrid[hexgrid[category].fillna(0) > 0]
        frames.append(
            pd.DataFrame(
                {
                    "id": category + ":" + cells["id"].astype(str),
                    "category": category,
                    "capacity": cells[category].astype(float),
                    "lon": cells["lon"].astype(float),
                    "lat": cells["lat"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def grid_graph(n_nodes: int, seed: int = SEED) -> nx.MultiDiGraph:
    """A square street lattice of about ``n_nodes`` nodes, ~100 m apart with a small jitter, in a metric CRS.

    Every street is walkable both ways (two directed edges, osmnx style) and its ``length`` is the straight
    distance between its jittered ends.
    """
    import networkx as nx
    import numpy as np

    side = round(math.sqrt(n_nodes))
    rng = np.random.default_rng(seed)
    col, row = np.meshgrid(np.arange(side), np.arange(side))
    col, row = col.ravel(), row.ravel()
    x = GRID_ORIGIN_M[0] + col * GRID_SPACING_M + rng.uniform(-GRID_JITTER_M, GRID_JITTER_M, side * side)
    y = GRID_ORIGIN_M[1] + row * GRID_SPACING_M + rng.uniform(-GRID_JITTER_M, GRID_JITTER_M, side * side)
    ids = np.arange(side * side, dtype=np.int64) + 1
    node = ids.reshape(side, side)
    starts = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    ends = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    lengths = np.hypot(x[ends - 1] - x[starts - 1], y[ends - 1] - y[starts - 1])
    graph = nx.MultiDiGraph(crs=f"EPSG:{GRID_EPSG}")
    graph.add_nodes_from((int(i), {"x": float(a), "y": float(b)}) for i, a, b in zip(ids, x, y, strict=True))
    forward = ((int(u), int(v), 0, {"length": float(d)}) for u, v, d in zip(starts, ends, lengths, strict=True))
    backward = ((int(v), int(u), 0, {"length": float(d)}) for u, v, d in zip(starts, ends, lengths, strict=True))
    graph.add_edges_from(forward)
    graph.add_edges_from(backward)
    return graph


def grid_destinations(graph: nx.MultiDiGraph, seed: int = SEED, per_category: int = GRID_PER_CATEGORY) -> pd.DataFrame:
    """``GRID_CATEGORIES`` × ``per_category`` uniform random opportunities over the grid, in lon/lat."""
    import numpy as np
    import pandas as pd
    import pyproj

    rng = np.random.default_rng(seed + 1)
    xs = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), dtype=float)
    ys = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), dtype=float)
    n = GRID_CATEGORIES * per_category
    x = rng.uniform(xs.min(), xs.max(), n)
    y = rng.uniform(ys.min(), ys.max(), n)
    lon, lat = pyproj.Transformer.from_crs(GRID_EPSG, 4326, always_xy=True).transform(x, y)
    category = np.repeat([f"c{k}" for k in range(GRID_CATEGORIES)], per_category)
    return pd.DataFrame(
        {
            "id": [f"{c}:{i}" for i, c in enumerate(category)],
            "category": category,
            "capacity": rng.integers(1, 11, n).astype(float),
            "lon": lon,
            "lat": lat,
        }
    )


def load_inputs(scenario: Scenario, data_dir: Path) -> Inputs:
    """Read (or make) the graph, the destinations and the origins of a scenario."""
    import numpy as np
    import pandas as pd

    if scenario.grid_nodes is not None:
        graph = grid_graph(scenario.grid_nodes)
        return Inputs(graph, GRID_EPSG, grid_destinations(graph), None, np.fromiter(graph.nodes, dtype=np.int64))
    from data_sources.osm import graph_from_osm_file

    city = CITIES[str(scenario.city)]
    graph = graph_from_osm_file(data_dir / city.pbf)
    hexgrid = pd.read_csv(data_dir / city.hexgrid)
    destinations = destinations_from_hexgrid(hexgrid)
    if scenario.origins == "cells":
        cells = hexgrid[["id", "lon", "lat"]].astype({"id": str})
        return Inputs(graph, city.epsg, destinations, cells, cells["id"].to_numpy())
    return Inputs(graph, city.epsg, destinations, None, np.fromiter(graph.nodes, dtype=np.int64))


def to_metric(lon: npt.ArrayLike, lat: npt.ArrayLike, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat to ``epsg`` (metres)."""
    import numpy as np
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x), np.asarray(y)


def graph_node_xy(graph: nx.MultiDiGraph, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """The graph's node coordinates in ``epsg``, in node order."""
    import numpy as np
    import pyproj

    x = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), dtype=float)
    y = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), dtype=float)
    source = pyproj.CRS.from_user_input(graph.graph.get("crs", "EPSG:4326"))
    tx, ty = pyproj.Transformer.from_crs(source, epsg, always_xy=True).transform(x, y)
    return np.asarray(tx), np.asarray(ty)


def nearest_node_index(
    node_x: np.ndarray, node_y: np.ndarray, x: np.ndarray, y: np.ndarray, max_distance: float = math.inf
) -> np.ndarray:
    """Index of each point's nearest node (straight line), -1 where it is farther than ``max_distance``."""
    import numpy as np
    from scipy.spatial import cKDTree

    distance, index = cKDTree(np.column_stack([node_x, node_y])).query(np.column_stack([x, y]))
    return np.where(distance <= max_distance, index, -1).astype(np.int64)


def _gather(values: np.ndarray, index: np.ndarray, fill: float = math.nan) -> np.ndarray:
    """``values[index]`` with ``fill`` where ``index`` is -1."""
    import numpy as np

    out = np.asarray(values, dtype=float)[np.clip(index, 0, None)]
    out[index < 0] = fill
    return out


def _shuffled(n: int) -> np.ndarray:
    """A fixed random order of ``n`` destinations, so a budgeted sample is representative."""
    import numpy as np

    return np.random.default_rng(SEED + 2).permutation(n)


# --------------------------------------------------------------------------------------------------------------
# Tools: the constructor is untimed preparation (imports), run() is the timed job.


class VicinoTool:
    """Vicino's engine: network, snapping, travel-time table, the three indicator functions."""

    def __init__(self, inputs: Inputs, threads: int, budget_s: float) -> None:
        import layers.indicators  # noqa: F401  (imports before the clock starts)
        import routing.travel_times  # noqa: F401

        self.inputs, self.threads = inputs, threads
        self.network: Any = None
        self.origins: Any = None
        self.destinations: Any = None

    def run(self) -> RunOutput:
        from layers.decay import exponential
        from layers.indicators import accessibility_indicators
        from routing.network import network_from_graph
        from routing.profiles import ADULT
        from routing.snapping import locations_from_nodes, locations_from_points
        from routing.travel_times import travel_times

        inputs, dest = self.inputs, self.inputs.destinations
        start = time.perf_counter()
        network = network_from_graph(inputs.graph, inputs.epsg)
        built = time.perf_counter()
        if inputs.cells is None:
            origins = locations_from_nodes(network)
        else:
            cells = inputs.cells
            origins = locations_from_points(network, cells["id"].to_numpy(), cells["lon"], cells["lat"])
        destinations = locations_from_points(network, dest["id"].to_numpy(), dest["lon"], dest["lat"])
        snapped = time.perf_counter()
        table = travel_times(network, origins, destinations, CUTOFF_MIN * 60.0, ADULT, threads=self.threads)
        routed = time.perf_counter()
        indicators = accessibility_indicators(
            table, dest, k=NEAREST_K, thresholds_min=THRESHOLDS_MIN, decay=exponential(), origin_ids=inputs.origin_ids
        )
        done = time.perf_counter()
        self.network, self.origins, self.destinations = network, origins, destinations
        return RunOutput(
            answers=_indicator_answers(indicators),
            stages={
                "network": built - start,
                "snapping": snapped - built,
                "travel_times": routed - snapped,
                "indicators": done - routed,
            },
            info={
                "table_rows": len(table),
                "unsnapped_origins": int((~origins.ok).sum()),
                "unsnapped_destinations": int((~destinations.ok).sum()),
            },
        )

    def kernel_seconds(self, threads: int, repeat: int = 3) -> float:
        """Best time of the bounded searches alone (numba kernel in threads, from the destinations' seeds).

        Untimed by the job: it isolates the kernel inside ``travel_times`` (private functions, measured here
        only to show where the job's time goes) for comparison with the scipy floor. The kernel also joins the
        origins it reaches through their seeds.
        """
        import numpy as np

        from routing.profiles import ADULT
        from routing.travel_times import _search_all, _seed_matrix

        seeds, origins, network = self.destinations, self.origins, self.network
        exits = _seed_matrix(origins.exit_ptr, origins.exit_node, origins.exit_cost, network.n_nodes)
        best = math.inf
        for _ in range(repeat):
            start = time.perf_counter()
            _search_all(
                network.csr_reverse_arrays, seeds.entry_ptr, seeds.entry_node, seeds.entry_cost, exits,
                np.full(len(seeds), ADULT.metres_in(CUTOFF_MIN * 60.0)), threads,
            )  # fmt: skip
            best = min(best, time.perf_counter() - start)
        return best

    def node_snapped_answers(self) -> dict[str, np.ndarray]:
        """The same indicators with every destination moved to its nearest node (untimed; for exact checks)."""
        import dataclasses

        from layers.decay import exponential
        from layers.indicators import cumulative_opportunities, gravity_access, nearest_times
        from routing.profiles import ADULT
        from routing.snapping import locations_from_nodes
        from routing.travel_times import travel_times

        network, dest = self.network, self.inputs.destinations
        x, y = to_metric(dest["lon"], dest["lat"], self.inputs.epsg)
        node = nearest_node_index(network.x, network.y, x, y)
        destinations = dataclasses.replace(
            locations_from_nodes(network, network.node_ids[node]), ids=dest["id"].to_numpy()
        )
        table = travel_times(network, locations_from_nodes(network), destinations, CUTOFF_MIN * 60.0, ADULT)
        origin_ids = self.inputs.origin_ids
        return _indicator_answers(
            nearest_times(table, dest, NEAREST_K, origin_ids=origin_ids),
            cumulative_opportunities(table, dest, THRESHOLDS_MIN, origin_ids=origin_ids),
            gravity_access(table, dest, exponential(), origin_ids=origin_ids),
        )


def _indicator_answers(*frames: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns the checks compare: nearest-1 minutes, count within the check threshold, gravity."""
    suffixes = ("_nearest_1", f"_within_{CHECK_THRESHOLD_MIN}", "_gravity")
    return {
        column: frame[column].to_numpy(dtype=float)
        for frame in frames
        for column in frame.columns
        if column.endswith(suffixes)
    }


class ScipyFloorTool:
    """The kernel floor: one scipy bounded Dijkstra per destination over Vicino's reverse CSR, nearest + counts."""

    def __init__(self, inputs: Inputs, threads: int, budget_s: float) -> None:
        import pandas as pd

        from routing.network import network_from_graph

        self.inputs, self.budget_s = inputs, budget_s
        network = network_from_graph(inputs.graph, inputs.epsg)
        self.csr = network.csr_reverse
        dest = inputs.destinations
        x, y = to_metric(dest["lon"], dest["lat"], inputs.epsg)
        self.dest_node = nearest_node_index(network.x, network.y, x, y)
        self.categories = pd.Categorical(dest["category"])
        self.cell_node: np.ndarray | None = None
        if inputs.cells is not None:
            cx, cy = to_metric(inputs.cells["lon"], inputs.cells["lat"], inputs.epsg)
            self.cell_node = nearest_node_index(network.x, network.y, cx, cy, MAX_SNAP_M)
        self.order = _shuffled(len(dest))
        self.n_nodes = network.n_nodes

    def run(self) -> RunOutput:
        import numpy as np
        from scipy.sparse.csgraph import dijkstra

        codes = self.categories.codes
        n_categories = len(self.categories.categories)
        best = np.full((n_categories, self.n_nodes), np.inf)
        within = np.zeros((n_categories, len(FLOOR_COUNT_MIN), self.n_nodes), dtype=np.int64)
        limits = np.asarray(FLOOR_COUNT_MIN, dtype=float) * 60.0 * SPEED_M_S
        start = time.perf_counter()
        searched = 0
        for position in self.order:
            metres = dijkstra(self.csr, indices=[self.dest_node[position]], limit=CUTOFF_M)[0]
            row = best[codes[position]]
            np.minimum(row, metres, out=row)
            for band, limit in enumerate(limits):
                within[codes[position], band] += metres <= limit
            searched += 1
            if searched >= MIN_SAMPLE and time.perf_counter() - start > self.budget_s:
                break
        minutes = best / SPEED_M_S / 60.0
        minutes[np.isinf(minutes)] = np.nan
        counts = within.astype(float)
        if self.cell_node is not None:
            minutes = np.stack([_gather(m, self.cell_node) for m in minutes])
            counts = np.stack([[_gather(c, self.cell_node) for c in per_band] for per_band in counts])
        answers = {f"{category}_nearest_1": minutes[ci] for ci, category in enumerate(self.categories.categories)}
        for ci, category in enumerate(self.categories.categories):
            for band, threshold in enumerate(FLOOR_COUNT_MIN):
                answers[f"{category}_within_{threshold}"] = counts[ci, band]
        fraction = searched / len(self.order)
        return RunOutput(answers=answers if fraction == 1.0 else {}, fraction_done=fraction)


class PandanaTool:
    """pandana: contraction hierarchy, precomputed ranges, nearest POIs and aggregations per category."""

    def __init__(self, inputs: Inputs, threads: int, budget_s: float) -> None:
        import pandana  # noqa: F401  (imports before the clock starts)

        self.inputs = inputs

    def run(self) -> RunOutput:
        import numpy as np
        import pandana
        import pandas as pd

        inputs, dest = self.inputs, self.inputs.destinations
        start = time.perf_counter()
        node_ids = np.fromiter(inputs.graph.nodes, dtype=np.int64)
        x, y = graph_node_xy(inputs.graph, inputs.epsg)
        rows = [(u, v, length) for u, v, length in inputs.graph.edges(data="length")]
        edges = pd.DataFrame(rows, columns=["from", "to", "length"])
        network = pandana.Network(
            pd.Series(x, index=node_ids), pd.Series(y, index=node_ids), edges["from"], edges["to"],
            edges[["length"]], twoway=False,
        )  # fmt: skip
        network.precompute(CUTOFF_M)
        built = time.perf_counter()
        px, py = to_metric(dest["lon"], dest["lat"], inputs.epsg)
        answers: dict[str, np.ndarray] = {}
        for category in pd.unique(dest["category"]):
            mask = (dest["category"] == category).to_numpy()
            cx, cy = pd.Series(px[mask]), pd.Series(py[mask])
            network.set_pois(category, CUTOFF_M, NEAREST_K, cx, cy)
            nearest = network.nearest_pois(CUTOFF_M, category, num_pois=NEAREST_K, max_distance=np.nan)
            nodes = network.get_node_ids(cx, cy)
            network.set(nodes, variable=pd.Series(1.0, index=nodes.index), name=f"{category}_n")
            within = {
                m: network.aggregate(m * 60.0 * SPEED_M_S, type="count", decay="flat", name=f"{category}_n")
                for m in THRESHOLDS_MIN
            }
            capacity = pd.Series(dest["capacity"].to_numpy()[mask], index=nodes.index)
            network.set(nodes, variable=capacity, name=f"{category}_cap")
            gravity = network.aggregate(CUTOFF_M, type="sum", decay="exp", name=f"{category}_cap")
            answers[f"{category}_nearest_1"] = nearest[1].to_numpy(dtype=float) / SPEED_M_S / 60.0
            answers[f"{category}_within_{CHECK_THRESHOLD_MIN}"] = within[CHECK_THRESHOLD_MIN].to_numpy(dtype=float)
            answers[f"{category}_gravity_pandana_exp"] = gravity.to_numpy(dtype=float)
        if inputs.cells is not None:
            cx, cy = to_metric(inputs.cells["lon"], inputs.cells["lat"], inputs.epsg)
            cell_node = nearest_node_index(x, y, cx, cy, MAX_SNAP_M)
            answers = {key: _gather(values, cell_node) for key, values in answers.items()}
        done = time.perf_counter()
        return RunOutput(answers=answers, stages={"network+ch+precompute": built - start, "queries": done - built})


class CityseerTool:
    """cityseer: graph conversion, network structure, data assignment and accessibilities from every node."""

    def __init__(self, inputs: Inputs, threads: int, budget_s: float) -> None:
        import logging

        from cityseer.metrics import layers  # noqa: F401  (imports before the clock starts)
        from cityseer.tools import io  # noqa: F401

        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("cityseer").setLevel(logging.ERROR)  # "4326 is not a projected CRS" before conversion
        self.inputs = inputs

    def run(self) -> RunOutput:
        import geopandas as gpd
        import pandas as pd
        import pyproj
        from cityseer.metrics import layers
        from cityseer.tools import io

        from layers.decay import DEFAULT_EXPONENTIAL_BETA

        inputs, dest = self.inputs, self.inputs.destinations
        start = time.perf_counter()
        graph = io.nx_from_osm_nx(inputs.graph)
        if pyproj.CRS.from_user_input(graph.graph["crs"]) != pyproj.CRS.from_epsg(inputs.epsg):
            graph = io.nx_epsg_conversion(graph, inputs.epsg)
        nodes, _, structure = io.network_structure_from_nx(graph)
        built = time.perf_counter()
        data = gpd.GeoDataFrame(
            dest[["category"]].set_index(dest["id"]),
            geometry=gpd.points_from_xy(dest["lon"], dest["lat"]),
            crs=4326,
        ).to_crs(inputs.epsg)
        categories = list(pd.unique(dest["category"]))
        # p is the distance over the threshold: at the 30-minute threshold exp(-beta·30·p) = exp(-beta·minutes).
        decays = {"flat": "1", "grav": f"exp(-{DEFAULT_EXPONENTIAL_BETA * CUTOFF_MIN!r} * p)"}
        nodes = layers.compute_accessibilities(
            data, "category", categories, nodes, structure, max_netw_assign_dist=MAX_SNAP_M,
            minutes=list(THRESHOLDS_MIN), speed_m_s=SPEED_M_S, decay_fn=decays,
        )  # fmt: skip
        order = [str(node) for node in inputs.graph.nodes]
        nodes = nodes.reindex(order)
        cutoff_key = round(CUTOFF_M)
        check_key = round(CHECK_THRESHOLD_MIN * 60 * SPEED_M_S)
        answers = {}
        for category in categories:
            answers[f"{category}_nearest_1"] = (
                nodes[f"cc_{category}_nearest_max_{cutoff_key}"].to_numpy(dtype=float) / SPEED_M_S / 60.0
            )
            answers[f"{category}_within_{CHECK_THRESHOLD_MIN}"] = nodes[f"cc_{category}_flat_{check_key}"].to_numpy(
                dtype=float
            )
            answers[f"{category}_gravity_unweighted"] = nodes[f"cc_{category}_grav_{cutoff_key}"].to_numpy(dtype=float)
        if inputs.cells is not None:
            cx, cy = to_metric(inputs.cells["lon"], inputs.cells["lat"], inputs.epsg)
            cell_node = nearest_node_index(
                nodes["x"].to_numpy(dtype=float), nodes["y"].to_numpy(dtype=float), cx, cy, MAX_SNAP_M
            )
            answers = {key: _gather(values, cell_node) for key, values in answers.items()}
        done = time.perf_counter()
        return RunOutput(answers=answers, stages={"conversion": built - start, "accessibility": done - built})


class NetworkxTool:
    """networkx: one bounded Dijkstra per destination on the reversed graph, indicators aggregated in Python."""

    def __init__(self, inputs: Inputs, threads: int, budget_s: float) -> None:
        import networkx  # noqa: F401  (imports before the clock starts)

        if inputs.cells is not None:
            raise ValueError("the networkx job runs with node origins only")
        self.inputs, self.budget_s = inputs, budget_s

    def run(self) -> RunOutput:
        import networkx as nx
        import numpy as np

        from layers.decay import DEFAULT_EXPONENTIAL_BETA

        inputs, dest = self.inputs, self.inputs.destinations
        start = time.perf_counter()
        reverse = inputs.graph.reverse(copy=False)
        nodes = list(inputs.graph.nodes)
        position = {node: i for i, node in enumerate(nodes)}
        x, y = graph_node_xy(inputs.graph, inputs.epsg)
        px, py = to_metric(dest["lon"], dest["lat"], inputs.epsg)
        dest_node = nearest_node_index(x, y, px, py)
        categories = list(dict.fromkeys(dest["category"]))
        code = {category: ci for ci, category in enumerate(categories)}
        dest_code = [code[c] for c in dest["category"]]
        capacity = dest["capacity"].to_numpy(dtype=float).tolist()
        n = len(nodes)
        top: list[list[list[float]]] = [[[] for _ in range(n)] for _ in categories]
        counts = [[[0] * n for _ in THRESHOLDS_MIN] for _ in categories]
        gravity = [[0.0] * n for _ in categories]
        order = _shuffled(len(dest))
        searched = 0
        for d in order:
            lengths = nx.single_source_dijkstra_path_length(
                reverse, nodes[dest_node[d]], cutoff=CUTOFF_M, weight="length"
            )
            c, weight = dest_code[d], capacity[d]
            top_c, counts_c, gravity_c = top[c], counts[c], gravity[c]
            for node, metres in lengths.items():
                i = position[node]
                minutes = metres / SPEED_M_S / 60.0
                best = top_c[i]
                if len(best) < NEAREST_K or minutes < best[-1]:
                    bisect.insort(best, minutes)
                    del best[NEAREST_K:]
                for ti, threshold in enumerate(THRESHOLDS_MIN):
                    if minutes <= threshold:
                        counts_c[ti][i] += 1
                gravity_c[i] += weight * math.exp(-DEFAULT_EXPONENTIAL_BETA * minutes)
            searched += 1
            if searched >= MIN_SAMPLE and time.perf_counter() - start > self.budget_s:
                break
        check = THRESHOLDS_MIN.index(CHECK_THRESHOLD_MIN)
        answers = {}
        for ci, category in enumerate(categories):
            answers[f"{category}_nearest_1"] = np.array([b[0] if b else np.nan for b in top[ci]])
            answers[f"{category}_within_{CHECK_THRESHOLD_MIN}"] = np.array(counts[ci][check], dtype=float)
            answers[f"{category}_gravity"] = np.array(gravity[ci])
        fraction = searched / len(order)
        return RunOutput(answers=answers if fraction == 1.0 else {}, fraction_done=fraction)


TOOL_CLASSES: dict[str, type] = {
    "vicino": VicinoTool,
    "vicino-compile": VicinoTool,
    "scipy-floor": ScipyFloorTool,
    "pandana": PandanaTool,
    "cityseer": CityseerTool,
    "networkx": NetworkxTool,
}


# --------------------------------------------------------------------------------------------------------------
# One job in a fresh process


def run_job(spec: JobSpec) -> dict[str, Any]:
    """
    Load the inputs, then run one tool's job ``spec.repeat`` times in this (fresh) process and measure it.

    Parameters
    ----------
    spec
        The scenario, the tool and how to run it.

    Returns
    -------
    dict
        ``runs`` (seconds, stages, peak MB of each run), ``first_s``, ``warm_s`` (best later run, or the first when
        there is only one; extrapolated to all destinations when a budget cut the run short), memory figures, the
        answers for the checks when ``spec.keep_answers``, and facts about the inputs.
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(spec.threads))
    os.environ.setdefault("RAYON_NUM_THREADS", str(spec.threads))
    os.environ["CITYSEER_QUIET_MODE"] = "1"
    cache_dir = None
    if spec.tool == "vicino-compile":
        cache_dir = tempfile.mkdtemp(prefix="vicino-numba-")
        os.environ["NUMBA_CACHE_DIR"] = cache_dir
    # pandana's C++ core prints progress on stdout: this process reports through its return value only.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    inputs = load_inputs(spec.scenario, spec.data_dir)
    tool = TOOL_CLASSES[spec.tool](inputs, spec.threads, spec.budget_s)
    gc.collect()
    load_peak_mb, after_load_mb = peak_mb(), rss_mb()
    runs: list[dict[str, Any]] = []
    output = RunOutput()
    peak_reset = True
    planned = spec.repeat
    attempt = 0
    while attempt < planned:
        peak_reset = reset_peak() and peak_reset
        start, cpu_start = time.perf_counter(), time.process_time()
        output = tool.run()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        runs.append(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds / output.fraction_done,
                "extrapolated_seconds": seconds / output.fraction_done,
                "fraction_done": output.fraction_done,
                "stages": output.stages,
                "peak_mb": peak_mb(),
            }
        )
        if attempt == 0 and seconds < SHORT_RUN_S:
            planned = max(spec.repeat, SHORT_RUN_REPEAT)
        attempt += 1
        if seconds > REPEAT_ONLY_BELOW_S or output.fraction_done < 1.0 or attempt == planned:
            break
        output = RunOutput()
        gc.collect()
    warm = min(runs[1:], key=lambda run: run["seconds"]) if len(runs) > 1 else runs[0]
    kernel_s: dict[str, float] = {}
    if isinstance(tool, VicinoTool):
        kernel_s = {f"{n}_threads": tool.kernel_seconds(n) for n in sorted({1, spec.threads})}
    answers: dict[str, Any] = {}
    if spec.keep_answers:
        answers = dict(output.answers)
        if isinstance(tool, VicinoTool) and inputs.cells is None:
            answers.update({f"node-snapped:{k}": v for k, v in tool.node_snapped_answers().items()})
    if cache_dir is not None:
        import shutil

        shutil.rmtree(cache_dir, ignore_errors=True)
    job_peak_mb = max(run["peak_mb"] for run in runs)
    return {
        "scenario": spec.scenario.name,
        "tool": spec.tool,
        "runs": runs,
        "first_s": runs[0]["extrapolated_seconds"],
        "warm_s": warm["extrapolated_seconds"],
        "warm_cpu_s": warm["cpu_seconds"],
        "warm_stages": warm["stages"],
        "extrapolated": warm["fraction_done"] < 1.0,
        "fraction_done": warm["fraction_done"],
        "rss_after_load_mb": after_load_mb,
        "load_peak_mb": load_peak_mb,
        "job_peak_mb": job_peak_mb,
        "peak_mb": max(load_peak_mb, job_peak_mb),
        "increment_mb": max(0.0, job_peak_mb - after_load_mb),
        "peak_reset": peak_reset,
        "info": output.info,
        "kernel_s": kernel_s,
        "graph_nodes": inputs.graph.number_of_nodes(),
        "graph_edges": inputs.graph.number_of_edges(),
        "origins": len(inputs.origin_ids),
        "destinations": len(inputs.destinations),
        "answers": answers,
    }


def run_in_fresh_process(spec: JobSpec) -> dict[str, Any]:
    """Run :func:`run_job` in a new spawned process, so memory, caches and imports start clean."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_job, spec).result()


# --------------------------------------------------------------------------------------------------------------
# Checks, tables, goals


def compare_answers(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], suffix: str) -> dict[str, Any] | None:
    """
    Differences between two tools' answers over every column ending in ``suffix`` that both have.

    Returns
    -------
    dict or None
        ``max_abs``, ``median_abs`` and ``p99_abs`` over the origins where both are finite, ``compared`` (that
        count) and ``one_sided`` (origins where exactly one is finite, e.g. reached by one tool only); None when
        no column is shared.
    """
    import numpy as np

    keys = [key for key in ours if key.endswith(suffix) and ":" not in key and key in theirs]
    if not keys:
        return None
    a = np.concatenate([np.asarray(ours[key], dtype=float) for key in keys])
    b = np.concatenate([np.asarray(theirs[key], dtype=float) for key in keys])
    both = np.isfinite(a) & np.isfinite(b)
    diff = np.abs(a[both] - b[both])
    return {
        "columns": keys,
        "compared": int(both.sum()),
        "one_sided": int((np.isfinite(a) ^ np.isfinite(b)).sum()),
        "max_abs": float(diff.max()) if len(diff) else 0.0,
        "median_abs": float(np.median(diff)) if len(diff) else 0.0,
        "p99_abs": float(np.quantile(diff, 0.99)) if len(diff) else 0.0,
    }


def _node_snapped(answers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key.split(":", 1)[1]: value for key, value in answers.items() if key.startswith("node-snapped:")}


def checks_for_scenario(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer checks of one scenario: Vicino against each other tool, exact (node-snapped) and as run."""
    ours = results.get("vicino", {}).get("answers", {})
    if not ours:
        return []
    exact = _node_snapped(ours)
    checks = []
    measures = [
        ("nearest_1", "_nearest_1", "min"),
        (f"within_{CHECK_THRESHOLD_MIN}", f"_within_{CHECK_THRESHOLD_MIN}", ""),
    ]
    for tool, result in results.items():
        theirs = result.get("answers", {})
        if tool.startswith("vicino") or not theirs:
            continue
        for label, suffix, unit in measures:
            for variant, mine in (("node-snapped", exact), ("as run", ours)):
                if not mine:
                    continue
                found = compare_answers(mine, theirs, suffix)
                if found is not None:
                    checks.append({"against": tool, "measure": label, "unit": unit, "vicino": variant, **found})
        if tool == "networkx" and exact:
            found = compare_answers(exact, theirs, "_gravity")
            if found is not None:
                checks.append({"against": tool, "measure": "gravity", "unit": "", "vicino": "node-snapped", **found})
    return checks


def _seconds(result: dict[str, Any], key: str = "warm_s") -> str:
    mark = "~" if result.get("extrapolated") else ""
    return f"{mark}{result[key]:.2f}"


def table_for_scenarios(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One row per scenario and tool: times, ratio to Vicino's warm time, memory."""
    header = (
        f"{'job':<10} {'tool':<15} {'first s':>8} {'warm s':>8} {'x vicino':>9} {'cpu s':>7} {'x cpu':>6} "
        f"{'peak MB':>8} {'load MB':>8} "
        f"{'job MB':>7} {'load':>5}  note"
    )
    lines = [header, "-" * len(header)]
    for scenario, by_tool in results.items():
        ours = by_tool.get("vicino")
        for tool, r in by_tool.items():
            compared = ours is not None and not tool.startswith("vicino")
            ratio = f"{r['warm_s'] / ours['warm_s']:.1f}x" if compared else ""
            cpu_ratio = f"{r['warm_cpu_s'] / ours['warm_cpu_s']:.1f}x" if compared else ""
            note = f"extrapolated from {r['fraction_done']:.0%} of destinations" if r.get("extrapolated") else ""
            lines.append(
                f"{scenario:<10} {tool:<15} {_seconds(r, 'first_s'):>8} {_seconds(r):>8} {ratio:>9} "
                f"{r['warm_cpu_s']:>7.2f} {cpu_ratio:>6} "
                f"{r['peak_mb']:>8.0f} {r['rss_after_load_mb']:>8.0f} {r['increment_mb']:>7.0f} "
                f"{r.get('load_average', math.nan):>5.1f}  {note}"
            )
    return "\n".join(lines)


def table_for_stages(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Vicino's warm run by stage, its kernel alone (1 thread and all threads), against the scipy kernel floor.

    ``layers/floor``: the run without building the network (snapping, travel times, indicators) over the floor.
    """
    header = (
        f"{'job':<10} {'nodes':>8} {'dests':>6} {'rows':>10} {'network':>8} {'snap':>6} {'tt':>6} {'indic':>6} "
        f"{'total':>6} {'kern 1t':>7} {'kern Nt':>7} {'floor':>7} {'total/floor':>11} {'layers/floor':>12}"
    )
    lines = [header, "-" * len(header)]
    for scenario, by_tool in results.items():
        ours = by_tool.get("vicino")
        if ours is None:
            continue
        stages, kernel = ours["warm_stages"], list(ours.get("kernel_s", {}).values())
        kernel_1t = f"{kernel[0]:.2f}" if kernel else ""
        kernel_nt = f"{kernel[-1]:.2f}" if kernel else ""
        floor = by_tool.get("scipy-floor")
        floor_s = _seconds(floor) if floor else ""
        total_ratio = f"{ours['warm_s'] / floor['warm_s']:.1f}x" if floor else ""
        layers_ratio = f"{layer_seconds(ours) / floor['warm_s']:.2f}x" if floor else ""
        lines.append(
            f"{scenario:<10} {ours['graph_nodes']:>8,} {ours['destinations']:>6,} {ours['info']['table_rows']:>10,} "
            f"{stages['network']:>8.2f} {stages['snapping']:>6.2f} {stages['travel_times']:>6.2f} "
            f"{stages['indicators']:>6.2f} {ours['warm_s']:>6.2f} {kernel_1t:>7} {kernel_nt:>7} {floor_s:>7} "
            f"{total_ratio:>11} {layers_ratio:>12}"
        )
    return "\n".join(lines)


def table_for_checks(checks: dict[str, list[dict[str, Any]]]) -> str:
    """Answer differences, Vicino against each tool."""
    header = (
        f"{'job':<10} {'against':<12} {'measure':<10} {'vicino dests':<13} {'compared':>9} {'one-sided':>9} "
        f"{'median |d|':>10} {'p99 |d|':>9} {'max |d|':>9}"
    )
    lines = [header, "-" * len(header)]
    for scenario, rows in checks.items():
        for c in rows:
            lines.append(
                f"{scenario:<10} {c['against']:<12} {c['measure']:<10} {c['vicino']:<13} {c['compared']:>9,} "
                f"{c['one_sided']:>9,} {c['median_abs']:>10.3g} {c['p99_abs']:>9.3g} {c['max_abs']:>9.3g}"
            )
    return "\n".join(lines)


def layer_seconds(result: dict[str, Any]) -> float:
    """Vicino's warm run without building the network: what the floor also starts from (the CSR arrays)."""
    return float(result["warm_s"] - result["warm_stages"]["network"])


def goals_from_results(results: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The stated goals, each with the measured value and whether it is met."""
    goals: list[dict[str, Any]] = []

    def add(name: str, value: float, limit: float, met: bool, unit: str) -> None:
        goals.append({"goal": name, "value": value, "limit": limit, "unit": unit, "met": met})

    grid = results.get("grid-100k", {}).get("vicino")
    if grid:
        add("grid-100k: whole Vicino job <= 3 s", grid["warm_s"], GOAL_100K_SECONDS, grid["warm_s"] <= 3.0, "s")
        stages = grid["warm_stages"]
        without = grid["warm_s"] - stages["network"]
        add("grid-100k: Vicino job without network_from_graph <= 3 s", without, GOAL_100K_SECONDS, without <= 3.0, "s")
        add("grid-100k: process peak <= 2 GB", grid["peak_mb"], GOAL_100K_MB, grid["peak_mb"] <= GOAL_100K_MB, "MB")
    for scenario, by_tool in results.items():
        ours = by_tool.get("vicino")
        if ours is None or scenario.startswith("grid"):
            continue
        floor = by_tool.get("scipy-floor")
        if floor and scenario == "poa-nodes":
            ratio = layer_seconds(ours) / floor["warm_s"]
            add(
                f"{scenario}: Vicino's layer computation (from the arrays, as the floor) within 1.5x of the floor",
                ratio, GOAL_FLOOR_RATIO, ratio <= GOAL_FLOOR_RATIO, "x",
            )  # fmt: skip
        for tool, goal in (("cityseer", GOAL_CITYSEER_SPEEDUP), ("pandana", GOAL_PANDANA_SPEEDUP)):
            if tool in by_tool:
                speedup = by_tool[tool]["warm_s"] / ours["warm_s"]
                add(f"{scenario}: >= {goal:.0f}x faster than {tool}", speedup, goal, speedup >= goal, "x")
    return goals


def scenarios_for(quick: bool) -> list[Scenario]:
    """The jobs to run: everything, or POA nodes and the smallest grid."""
    cities = [
        Scenario(f"{city}-{origins}", city=city, origins=origins) for city in CITIES for origins in ("nodes", "cells")
    ]
    grids = [Scenario(name, grid_nodes=n) for name, n in GRID_SIZES.items()]
    if quick:
        return [cities[0], grids[0]]
    return cities + grids


def tools_for(scenario: Scenario) -> list[str]:
    """Which tools run a scenario: grids compare Vicino with the floor; networkx runs node origins only."""
    if scenario.is_grid:
        return ["vicino", "scipy-floor"]
    tools = ["vicino", "scipy-floor"]
    tools += [peer for peer in ("pandana", "cityseer") if peer_installed(peer)]
    if scenario.origins == "nodes":
        tools.append("networkx")
    if scenario.name == "poa-nodes":
        tools.insert(1, "vicino-compile")
    return tools


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables and write the JSON; return the exit status."""
    parser = argument_parser(__doc__, output="walk_access.json", quick="POA nodes and the 25k grid only (smoke test)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per job in its process (first + warm ones)")
    parser.add_argument("--threads", type=int, default=2, help="threads for Vicino (and OpenMP/rayon tools)")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of searches before extrapolating")
    args = parser.parse_args(argv)

    packages = ("numpy", "scipy", "numba", "pandas", "networkx", "pandana", "cityseer")
    versions = {package: package_version(package) for package in packages}
    print(
        f"python {platform.python_version()}, "
        + ", ".join(f"{p} {v}" for p, v in versions.items())
        + f"; {os.cpu_count()} CPUs, threads={args.threads}, repeat={args.repeat}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    started, revision = time.time(), engine_revision()
    results: dict[str, dict[str, dict[str, Any]]] = {}
    checks: dict[str, list[dict[str, Any]]] = {}
    for scenario in scenarios_for(args.quick):
        results[scenario.name] = {}
        for tool in tools_for(scenario):
            spec = JobSpec(
                scenario, tool, args.data_dir, args.repeat, args.threads, args.budget,
                keep_answers=not scenario.is_grid,
            )  # fmt: skip
            result = run_in_fresh_process(spec)
            result["load_average"] = os.getloadavg()[0]  # other users of the machine: a high value means noise
            results[scenario.name][tool] = result
            runs = ", ".join(f"{run['extrapolated_seconds']:.2f}" for run in result["runs"])
            print(
                f"  {scenario.name:<10} {tool:<15} runs {runs} s; peak {result['peak_mb']:.0f} MB, "
                f"job +{result['increment_mb']:.0f} MB (load avg {os.getloadavg()[0]:.2f})",
                flush=True,
            )
        checks[scenario.name] = checks_for_scenario(results[scenario.name])

    print()
    print(
        "Time and memory (warm = best of the later runs in the same process; x vicino = tool warm / Vicino warm; "
        "cpu s: CPU seconds of that run, all threads; x cpu: their ratio)"
    )
    print(table_for_scenarios(results))
    print(
        "peak MB: the process's peak RSS; load MB: RSS after imports and inputs; job MB: the job's peak minus that; "
        f"load: the machine's 1-minute load average after the job ({os.cpu_count()} CPUs)"
    )
    print()
    print("Vicino's warm run by stage (seconds); kern 1t/Nt: its numba searches alone; floor: scipy, one thread")
    print(table_for_stages(results))
    compile_run = results.get("poa-nodes", {}).get("vicino-compile")
    cached_run = results.get("poa-nodes", {}).get("vicino")
    if compile_run and cached_run:
        print(
            f"numba on poa-nodes: first call with an empty cache (compiles) {compile_run['first_s']:.2f} s, "
            f"first call from the disk cache {cached_run['first_s']:.2f} s, warm {cached_run['warm_s']:.2f} s"
        )
    print()
    print("Answers: Vicino against the others (nearest_1 in minutes, counts in destinations)")
    print(table_for_checks(checks))
    print(
        "vicino dests 'node-snapped': Vicino rerun with every destination on its nearest node, as the others place "
        "them (exact check); 'as run': Vicino's job, destinations on their nearest segment"
    )
    goals = goals_from_results(results)
    print()
    print("Goals")
    for goal in goals:
        print(f"  {'met   ' if goal['met'] else 'MISSED'} {goal['goal']}: {goal['value']:.2f} {goal['unit']}")

    report = {
        "meta": {
            "python": platform.python_version(),
            "revision_at_start": revision,
            "revision_at_end": engine_revision(),
            "versions": versions,
            "cpus": os.cpu_count(),
            "threads": args.threads,
            "repeat": args.repeat,
            "budget_s": args.budget,
            "quick": args.quick,
            "started_unix": started,
            "elapsed_s": time.time() - started,
            "speed_m_s": SPEED_M_S,
            "cutoff_min": CUTOFF_MIN,
            "thresholds_min": list(THRESHOLDS_MIN),
        },
        "results": results,
        "checks": checks,
        "goals": goals,
    }
    write_report(args.output, report, drop=frozenset({"answers"}))
    print(f"\nwritten {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
