"""Benchmark: walk graphs from OSM extracts, Vicino's pyosmium reader against osmnx doing the same work.

Run from the repository root::

    python benchmarks/bench_osm_graph.py [--cities poa spo] [--repeat 1] [--data-dir DIR]

For each city the PBF is converted once to OSM XML with pyosmium (untimed; osmnx reads XML only). Every
measured job then runs in a fresh process, so peak memory (``ru_maxrss`` of that process) and timings do not
leak between jobs; the time covers the work only, not the imports. The jobs:

- ``vicino``: :func:`data_sources.osm.graph_from_osm_file` on the PBF (read, filter, simplify);
- ``osmnx``: ``osmnx.graph_from_xml(xml, bidirectional=True, simplify=False, retain_all=True)`` with the
  walk filter's tags added to ``useful_tags_way``, then osmnx's own ``walk`` filter applied to the edges
  (parsed from ``osmnx._overpass._get_network_filter``), isolated nodes dropped, then ``simplify_graph``;
- ``osmnx+vicino-rules``: the same osmnx pipeline filtering with Vicino's rules
  (:func:`data_sources.osm.way_is_walkable`), which must give exactly Vicino's counts.

Vicino's rules differ from osmnx's walk filter on purpose (``access=no`` excludes unless ``foot`` allows;
``foot=yes|designated|permissive`` opens ``access=private`` ways and cycleways): the difference against the
plain ``osmnx`` row measures that policy, the one against ``osmnx+vicino-rules`` the implementation.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import REPO, argument_parser, machine, package_version, peak_mb, peer_installed, write_report

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CITIES: dict[str, Path] = {
    "poa": Path("porto_alegre") / "poa_osm.pbf",
    "spo": Path("sao_paulo") / "spo_osm.pbf",
}
TOOLS: tuple[str, ...] = ("vicino", "osmnx", "osmnx+vicino-rules")
SPEED_GOAL = 5.0
COUNT_TOLERANCE_PERCENT = 1.0


@dataclass(frozen=True)
class Measure:
    """One timed job: seconds of work, peak resident memory of its process, and the graph's size."""

    seconds: float
    peak_mb: float
    baseline_mb: float
    nodes: int
    edges: int


def _osmnx_walk_graph(xml: Path, *, vicino_rules: bool) -> Any:
    """osmnx doing the same work as graph_from_osm_file: read every way, keep the walkable ones, simplify."""
    import osmnx as ox
    from peers.osmnx_walk import osmnx_walk_clauses, osmnx_walkable, walk_graph_from_xml

    from data_sources.osm import FILTER_KEYS, way_is_walkable

    filter_keys = [key for key, _ in osmnx_walk_clauses()] + list(FILTER_KEYS)
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *filter_keys]))
    return walk_graph_from_xml(xml, way_is_walkable if vicino_rules else osmnx_walkable)


def measure_job(tool: str, pbf: Path, xml: Path) -> Measure:
    """
    Run one job in this (fresh) process and measure it.

    Parameters
    ----------
    tool
        One of :data:`TOOLS`.
    pbf, xml
        The city's extract, as PBF and as OSM XML.

    Returns
    -------
    Measure
        Wall-clock seconds of the work alone, peak RSS of the process and after imports, graph size.
    """
    import osmnx as ox

    from data_sources.osm import graph_from_osm_file

    ox.settings.use_cache = False
    baseline = peak_mb()
    start = time.perf_counter()
    if tool == "vicino":
        graph = graph_from_osm_file(pbf)
    elif tool == "osmnx":
        graph = _osmnx_walk_graph(xml, vicino_rules=False)
    elif tool == "osmnx+vicino-rules":
        graph = _osmnx_walk_graph(xml, vicino_rules=True)
    else:
        msg = f"unknown tool {tool!r}: expected one of {', '.join(TOOLS)}"
        raise ValueError(msg)
    seconds = time.perf_counter() - start
    return Measure(seconds, peak_mb(), baseline, graph.number_of_nodes(), graph.number_of_edges())


def measure_in_fresh_process(tool: str, pbf: Path, xml: Path) -> Measure:
    """Run :func:`measure_job` in a new spawned process, so memory and caches start clean."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(measure_job, tool, pbf, xml).result()


def xml_from_pbf(pbf: Path, folder: Path) -> Path:
    """Convert a PBF extract to OSM XML with pyosmium (osmnx reads XML only)."""
    import osmium

    xml = folder / (pbf.name.removesuffix(".pbf").removesuffix(".osm") + ".osm")
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    return xml


def median_measure(measures: list[Measure]) -> Measure:
    """The run with the median time, the lower one for an even count (memory and counts of that same run)."""
    ordered = sorted(measures, key=lambda m: m.seconds)
    return ordered[(len(ordered) - 1) // 2]


def _percent(value: float, reference: float) -> str:
    return f"{100 * (value - reference) / reference:+.2f}%"


def table_from_results(results: dict[str, dict[str, Measure]]) -> str:
    """
    Format the results as a text table.

    Parameters
    ----------
    results
        Measures by city then tool.

    Returns
    -------
    str
        One row per city and tool; on osmnx rows, how many times slower osmnx is than vicino, and how far
        vicino's node and edge counts are from that row's.
    """
    header = (
        f"{'city':<5} {'tool':<19} {'seconds':>8} {'peak MB':>8} {'work MB':>8} {'nodes':>7} {'edges':>7} "
        f"{'osmnx/vicino':>12} {'d nodes':>8} {'d edges':>8}"
    )
    lines = [header, "-" * len(header)]
    for city, by_tool in results.items():
        ours = by_tool["vicino"]
        for tool, m in by_tool.items():
            ratio = f"{m.seconds / ours.seconds:.1f}x" if tool != "vicino" else ""
            d_nodes = _percent(ours.nodes, m.nodes) if tool != "vicino" else ""
            d_edges = _percent(ours.edges, m.edges) if tool != "vicino" else ""
            lines.append(
                f"{city:<5} {tool:<19} {m.seconds:>8.2f} {m.peak_mb:>8.0f} {m.peak_mb - m.baseline_mb:>8.0f} "
                f"{m.nodes:>7,} {m.edges:>7,} {ratio:>12} {d_nodes:>8} {d_edges:>8}"
            )
    return "\n".join(lines)


def verdicts_from_results(results: dict[str, dict[str, Measure]]) -> list[str]:
    """One line per city: speed-up against plain osmnx, and count agreement with each osmnx pipeline."""
    lines = []
    for city, by_tool in results.items():
        ours, plain = by_tool["vicino"], by_tool["osmnx"]
        speedup = plain.seconds / ours.seconds
        parts = [
            f"{city}: {speedup:.1f}x faster than osmnx ({'meets' if speedup >= SPEED_GOAL else 'MISSES'}"
            f" the {SPEED_GOAL:.0f}x goal)"
        ]
        for tool in ("osmnx", "osmnx+vicino-rules"):
            if tool not in by_tool:
                continue
            ref = by_tool[tool]
            worst = max(abs(ours.nodes - ref.nodes) / ref.nodes, abs(ours.edges - ref.edges) / ref.edges) * 100
            within = "within" if worst <= COUNT_TOLERANCE_PERCENT else "OUTSIDE"
            parts.append(f"counts vs {tool}: worst {worst:.2f}% ({within} {COUNT_TOLERANCE_PERCENT:.0f}%)")
        lines.append("; ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; return the exit status."""
    parser = argument_parser(__doc__, output="osm_graph.json", quick="Porto Alegre, Vicino and plain osmnx only")
    parser.add_argument("--cities", nargs="+", choices=sorted(CITIES), default=list(CITIES))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per job; the median is reported")
    args = parser.parse_args(argv)
    if args.quick:
        args.cities, args.tools = ["poa"], ["vicino", "osmnx"]
    peers = [tool for tool in args.tools if tool != "vicino"]
    tools = ["vicino", *[tool for tool in peers if peer_installed("osmnx", tool)]]

    print(
        f"python {platform.python_version()}, osmnx {package_version('osmnx')}, pyosmium {package_version('osmium')}, "
        f"networkx {package_version('networkx')}, {os.cpu_count()} CPUs; {args.repeat} run(s) per job, median shown"
    )
    results: dict[str, dict[str, Measure]] = {}
    with tempfile.TemporaryDirectory(prefix="vicino-bench-") as tmp:
        for city in args.cities:
            pbf = args.data_dir / CITIES[city]
            if not pbf.is_file():
                print(f"missing extract: {pbf}", file=sys.stderr)
                return 2
            xml = xml_from_pbf(pbf, Path(tmp))
            print(f"{city}: {pbf} ({pbf.stat().st_size / 1e6:.1f} MB), as XML {xml.stat().st_size / 1e6:.1f} MB")
            results[city] = {}
            for tool in tools:
                runs = [measure_in_fresh_process(tool, pbf, xml) for _ in range(args.repeat)]
                results[city][tool] = median_measure(runs)
                times = ", ".join(f"{run.seconds:.2f}" for run in runs)
                print(f"  {tool:<19} {times} s", flush=True)
    print()
    print(table_from_results(results))
    print(
        "peak MB: peak RSS of the job's process; work MB: peak minus the RSS after imports; "
        "d nodes/edges: vicino's counts against that row's"
    )
    print()
    verdicts = verdicts_from_results(results) if "osmnx" in tools else []
    print("\n".join(verdicts))
    report = {
        "machine": machine(repeat=args.repeat, osmnx=package_version("osmnx"), pyosmium=package_version("osmium")),
        "results": {city: {tool: vars(m) for tool, m in by_tool.items()} for city, by_tool in results.items()},
        "verdicts": verdicts,
    }
    print(f"written to {write_report(args.output, report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
