"""Measure the walking detour factor (network ÷ straight-line distance) on the POA and SPO walk graphs.

The median is the default for cities without a street network (routing.straight_line.DEFAULT_DETOUR_FACTOR).
Run: python benchmarks/bench_detour_factor.py [--quick] (Porto Alegre only); writes results/detour_factor.json
"""

from __future__ import annotations

from _harness import argument_parser, machine, timed, write_report

from data_sources.osm import graph_from_osm_file
from routing.network import network_from_graph
from routing.straight_line import detour_factor_from_network

CITIES = {"porto_alegre": ("porto_alegre/poa_osm.pbf", 31982), "sao_paulo": ("sao_paulo/spo_osm.pbf", 31983)}


def main() -> None:
    parser = argument_parser(__doc__, output="detour_factor.json", quick="Porto Alegre only")
    args = parser.parse_args()
    cities = {"porto_alegre": CITIES["porto_alegre"]} if args.quick else CITIES
    print(f"{'city':14} {'pairs':>6} {'median':>7} {'mean':>6} {'p25':>6} {'p75':>6} {'seconds':>8}")
    report: dict[str, dict[str, float]] = {}
    for city, (file, epsg) in cities.items():
        network = network_from_graph(graph_from_osm_file(args.data_dir / file), epsg)
        stats, seconds = timed(lambda network=network: detour_factor_from_network(network))
        report[city] = {**stats, "seconds": seconds}
        print(
            f"{city:14} {stats['pairs']:6d} {stats['median']:7.3f} {stats['mean']:6.3f} "
            f"{stats['p25']:6.3f} {stats['p75']:6.3f} {seconds:8.2f}"
        )
    print(f"written to {write_report(args.output, {'machine': machine(), 'cities': report})}")


if __name__ == "__main__":
    main()
