"""Walking point queries side by side with Valhalla, the reference for interactive routing, on Porto Alegre.

Run from the repository root (the peer is installed by ``bash bin/bench-peers``)::

    .venv/bin/python benchmarks/bench_valhalla.py [--points 200] [--valhalla-python PATH]

One run, same machine, same inputs:

1. Vicino builds its walk network from ``porto_alegre/poa_osm.pbf``; Valhalla builds its tiles from the same file
   (in its own Python 3.12 venv, ``benchmarks/peers/valhalla_worker.py``; ``pyvalhalla`` has no wheel for the
   project's Python 3.11, and the peer never enters the project's runtime).
2. ``--points`` home points: centres of populated H3 cells (seeded shuffle) that snap to a walkable street.
   Targets of the matrix: the centres of the cells with a school (IPEA grid).
3. **Isochrones** 5/10/15 min at the adult walking speed (1.3 m/s = 4.68 km/h for both): Vicino's
   ``reach_from_point`` + ``isochrone_areas`` + the API's GeoJSON features (the walking branch of
   ``geo.point_query.isochrones``: features with coordinates rounded to 6 decimals) in-process against Valhalla's
   ``Actor.isochrone`` in-process (its GeoJSON text), each point timed alone after a warm-up, in wall-clock and in
   CPU time (``time.process_time``: what the query itself costs, whatever else the shared machine runs).
   The areas are compared per point and cutoff as intersection over union (in the city's metric CRS).
4. **Matrix** 1 × schools: Vicino's ``reach_from_point`` + ``travel_times_from_reach`` against Valhalla's
   pedestrian ``Actor.matrix`` (which snaps the targets in each call, where Vicino's are snapped once, as the
   product's opportunities are): times and the relative difference of the walking times where both find a route,
   with the pairs that differ most.

Prints a table and writes ``benchmarks/results/valhalla.json``. A missing peer is reported with the command that
installs it, and the Vicino side still runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _harness import reset_peak, rss_mb  # noqa: E402

from data_sources.osm import graph_from_osm_file  # noqa: E402
from routing.isochrone_areas import isochrone_areas  # noqa: E402
from routing.network import network_from_graph, transformer_between  # noqa: E402
from routing.profiles import ADULT  # noqa: E402
from routing.reach import (  # noqa: E402
    PointNotOnNetworkError,
    reach_from_point,
    travel_times_from_reach,
)
from routing.snapping import locations_from_points  # noqa: E402

DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR") or REPO.parent / "shared" / "data")
PEER_PYTHON = REPO / "benchmarks" / ".peers" / "valhalla" / "bin" / "python"
WORKER = REPO / "benchmarks" / "peers" / "valhalla_worker.py"
OUTPUT = REPO / "benchmarks" / "results" / "valhalla.json"
PBF = Path("porto_alegre") / "poa_osm.pbf"
HEXGRID = Path("porto_alegre") / "poa_hexgrid.csv"
EPSG = 31982
CONTOURS_MIN = (5, 10, 15)
SEED = 20_261_130
#: The pairs that differ most, explained (checked in the OSM extract and with Valhalla's locate, route and
#: trace_attributes; see the README's benchmark section).
EXPLAINED = {
    (-51.174425, -30.002512): (
        "snapping to a private road: this cell centre is 9.7 m from way 98458720 (highway=service, access=private, "
        "an enclosed compound) and 75 m from Avenida Sertório (way 356396252, primary, sidewalk=right). Vicino's "
        "walk graph leaves access=private ways out (osmnx's walk filter), so the home snaps to the avenue and walks "
        "on from there (0.63 km to the nearest school cell); Valhalla snaps to the private road (allowed at a "
        "route's ends), walks 1,054 m along it and 47 m of driveways (ways 98458810, 806000519, 98458926) to join "
        "the avenue 1 km west of Vicino's snap point, and walks back east (2.3 km, 22 minutes more). From there "
        "both follow the same streets (Avenida Sertório, Rua Piauí)."
    ),
    (-51.184473, -30.025254): (
        "a snapping tie: this cell centre is about 95 m from both Rua Anita Garibaldi (way 356397849: 94.6 m in "
        "Vicino's projection, the next street 94.9 m) and Rua Pedro Chaves Barcelos (way 69741290; Valhalla's "
        "locate gives 94.8 m for both). Vicino snaps to Anita Garibaldi (846 m, 10.8 min to the school cell); "
        "Valhalla snaps to Pedro Chaves Barcelos from these coordinates (565 m, 7.3 min) but to "
        "Anita Garibaldi from the same point rounded to 6 decimals, and then answers 10.9 min (846 m), as Vicino."
    ),
}


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p95/mean of a list of milliseconds."""
    data = np.array([v for v in values if v is not None], dtype=float)
    if not len(data):
        return {"p50_ms": None, "p95_ms": None, "mean_ms": None, "n": 0}
    return {
        "p50_ms": round(float(np.percentile(data, 50)), 2),
        "p95_ms": round(float(np.percentile(data, 95)), 2),
        "mean_ms": round(float(data.mean()), 2),
        "n": int(len(data)),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, MB): unlike ``ru_maxrss``, not inherited across fork + exec."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def home_points(network: Any, hexgrid: pd.DataFrame, wanted: int) -> list[tuple[float, float]]:
    """Populated cell centres that snap to the network, in a seeded random order."""
    populated = hexgrid[hexgrid["population"] > 0].sample(frac=1.0, random_state=SEED)
    snapped = locations_from_points(
        network, populated["id"].to_numpy(), populated["lon"].to_numpy(), populated["lat"].to_numpy()
    )
    ok = populated[snapped.ok]
    return [(float(x), float(y)) for x, y in zip(ok["lon"], ok["lat"], strict=True)][:wanted]


def vicino_side(network: Any, points: list[tuple[float, float]], schools: pd.DataFrame) -> dict[str, Any]:
    """Vicino's isochrones and 1 × schools walking times, timed per point after a warm-up."""
    cutoffs = [m * 60.0 for m in CONTOURS_MIN]
    targets = locations_from_points(
        network, schools["id"].to_numpy(), schools["lon"].to_numpy(), schools["lat"].to_numpy()
    )

    def answer(lon: float, lat: float) -> tuple[list[Any], list[dict[str, Any]]]:
        """What the API's walking isochrones() builds from a point (after its checks): the areas and their
        GeoJSON features."""
        areas = isochrone_areas(reach_from_point(network, lon, lat, max(cutoffs), ADULT), cutoffs)
        return areas, [{"type": "Feature", "geometry": area.geojson,
                        "properties": {"minutes": int(area.cutoff_s // 60), "method": "network"}}
                       for area in areas]  # fmt: skip

    for lon, lat in points[:10]:
        answer(lon, lat)
    iso_ms, iso_cpu_ms, areas = [], [], []
    for lon, lat in points:
        started, cpu = time.perf_counter(), time.process_time()
        drawn, _ = answer(lon, lat)
        iso_ms.append((time.perf_counter() - started) * 1000)
        iso_cpu_ms.append((time.process_time() - cpu) * 1000)
        areas.append({area.cutoff_s / 60: area.geometry for area in drawn})
    # The matrix: Valhalla's answers any distance, so the search is bounded only by the farthest school
    # (a generous 3 hours of walking covers the whole extract).
    matrix_ms, matrix_s = [], []
    for lon, lat in points:
        started = time.perf_counter()
        table = travel_times_from_reach(reach_from_point(network, lon, lat, 3 * 3600.0, ADULT), targets)
        matrix_ms.append((time.perf_counter() - started) * 1000)
        seconds = dict(zip(table["to_id"].astype(str), table["travel_time"], strict=True))
        matrix_s.append([seconds.get(str(i)) for i in schools["id"]])
    snap_m = dict(zip(schools["id"].astype(str), targets.snap_distance, strict=True))
    origin_snap_m = [
        float(locations_from_points(network, ["o"], np.array([lon]), np.array([lat])).snap_distance[0])
        for lon, lat in points
    ]
    return {"isochrone_ms": iso_ms, "isochrone_cpu_ms": iso_cpu_ms, "areas": areas, "matrix_ms": matrix_ms,
            "matrix_s": matrix_s, "snap_m": snap_m, "origin_snap_m": origin_snap_m}  # fmt: skip


def valhalla_side(
    python: Path, points: list[tuple[float, float]], schools: pd.DataFrame, workdir: Path
) -> dict[str, Any] | None:
    """Run the peer worker in its own interpreter; None (with the reason printed) when it is not installed."""
    if not python.exists():
        print(f"Valhalla is not installed at {python}: run `bash bin/bench-peers` (makes a Python 3.12 venv with")
        print("pyvalhalla), or pass --valhalla-python. Skipping the peer; Vicino's figures follow alone.")
        return None
    request = {
        "pbf": str(DATA_DIR / PBF),
        "workdir": str(workdir),
        "points": [list(p) for p in points],
        "targets": schools[["lon", "lat"]].to_numpy().tolist(),
        "contours_min": list(CONTOURS_MIN),
        "walking_speed_kmh": ADULT.speed_m_s * 3.6,
    }
    request_path, result_path = workdir / "request.json", workdir / "result.json"
    request_path.write_text(json.dumps(request))
    subprocess.run([str(python), str(WORKER), str(request_path), str(result_path)], check=True)
    return json.loads(result_path.read_text())


def valhalla_areas(answer: dict[str, Any] | None) -> dict[float, shapely.Geometry]:
    """Valhalla's isochrone FeatureCollection as {minutes: polygon}."""
    if answer is None:
        return {}
    out = {}
    for feature in answer["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        if geometry.geom_type == "LineString":  # polygons=false answers; not requested, kept for safety
            geometry = shapely.Polygon(geometry.coords)
        out[float(feature["properties"]["contour"])] = shapely.make_valid(geometry)
    return out


def compare_areas(ours: list[dict[float, Any]], theirs: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Intersection over union per point and cutoff, in the metric CRS; areas in km²."""
    to_metric = transformer_between(4326, EPSG)

    def metric(geometry: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))

    result: dict[str, Any] = {}
    for minutes in CONTOURS_MIN:
        iou, ratio = [], []
        for mine, answer in zip(ours, theirs, strict=True):
            other = valhalla_areas(answer).get(float(minutes))
            if other is None or float(minutes) not in mine:
                continue
            a, b = shapely.make_valid(metric(mine[float(minutes)])), metric(other)
            union = shapely.union(a, b).area
            iou.append(shapely.intersection(a, b).area / union if union else 1.0)
            ratio.append(a.area / b.area if b.area else np.nan)
        result[f"{minutes}_min"] = {
            "points": len(iou),
            "iou_median": round(float(np.median(iou)), 3) if iou else None,
            "iou_p10": round(float(np.percentile(iou, 10)), 3) if iou else None,
            "area_ratio_median": round(float(np.nanmedian(ratio)), 3) if ratio else None,
        }
    return result


def compare_matrix(
    ours: dict[str, Any],
    theirs: list[list[float | None] | None],
    points: list[tuple[float, float]],
    schools: pd.DataFrame,
) -> dict[str, Any]:
    """Relative difference of walking times where both find a route, and the pairs that differ most."""
    rows = []
    for p, (mine, other) in enumerate(zip(ours["matrix_s"], theirs, strict=True)):
        if other is None:
            continue
        for t, (a, b) in enumerate(zip(mine, other, strict=True)):
            if a is not None and b is not None and b > 0:
                rows.append((p, t, a, b))
    if not rows:
        return {"pairs": 0}
    frame = pd.DataFrame(rows, columns=["point", "target", "vicino_s", "valhalla_s"])
    frame["relative"] = (frame["vicino_s"] - frame["valhalla_s"]) / frame["valhalla_s"]
    worst = frame.reindex(frame["relative"].abs().sort_values(ascending=False).index).head(8)
    only_ours = sum(a is not None and b is None for m, o in zip(ours["matrix_s"], theirs, strict=True) if o
                    for a, b in zip(m, o, strict=True))  # fmt: skip
    only_theirs = sum(a is None and b is not None for m, o in zip(ours["matrix_s"], theirs, strict=True) if o
                      for a, b in zip(m, o, strict=True))  # fmt: skip
    return {
        "pairs": len(frame),
        "relative_abs_median": round(float(frame["relative"].abs().median()), 4),
        "relative_abs_p90": round(float(frame["relative"].abs().quantile(0.9)), 4),
        "relative_median_signed": round(float(frame["relative"].median()), 4),
        "within_5pct": round(float((frame["relative"].abs() <= 0.05).mean()), 3),
        "reached_by_vicino_only": int(only_ours),
        "reached_by_valhalla_only": int(only_theirs),
        "worst": [
            {
                "from": [round(c, 6) for c in points[int(r.point)]],
                "from_snap_m": round(ours["origin_snap_m"][int(r.point)], 1),
                "to_school_cell": str(schools["id"].iloc[int(r.target)]),
                "to_snap_m": round(float(ours["snap_m"][str(schools["id"].iloc[int(r.target)])]), 1),
                "vicino_min": round(r.vicino_s / 60, 1),
                "valhalla_min": round(r.valhalla_s / 60, 1),
                "relative": round(float(r.relative), 3),
                "explanation": EXPLAINED.get(tuple(round(c, 6) for c in points[int(r.point)]), ""),
            }
            for r in worst.itertuples()
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--valhalla-python", type=Path, default=PEER_PYTHON)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    graph = graph_from_osm_file(DATA_DIR / PBF)
    network = network_from_graph(graph, EPSG)
    network_s = time.perf_counter() - started
    del graph  # a server keeps the network's arrays, not the networkx graph they were built from
    gc.collect()
    hexgrid = pd.read_csv(DATA_DIR / HEXGRID, dtype={"id": str})
    points = home_points(network, hexgrid, args.points)
    schools = hexgrid[hexgrid["schools"] > 0][["id", "lon", "lat"]].reset_index(drop=True)
    print(f"POA: network {network.n_nodes} nodes built in {network_s:.2f} s; {len(points)} points, {len(schools)} "
          f"school cells; load average {os.getloadavg()}")  # fmt: skip
    try:
        reach_from_point(network, *points[0], 60.0, ADULT)
    except PointNotOnNetworkError as error:
        raise SystemExit(f"first point does not snap: {error}") from None
    reset_peak()  # the peak of the queries, with the network and the data loaded (not of building the graph)
    resident_mb = rss_mb()
    ours = vicino_side(network, points, schools)
    vicino_peak_mb = peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="vicino-valhalla-") as workdir:
        theirs = valhalla_side(args.valhalla_python, points, schools, Path(workdir))

    report: dict[str, Any] = {
        "benchmark": "valhalla",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()},
        "parameters": {
            "points": len(points),
            "school_cells": len(schools),
            "contours_min": CONTOURS_MIN,
            "walking_speed_m_s": ADULT.speed_m_s,
            "seed": SEED,
        },  # fmt: skip
        "vicino": {
            "network_build_s": round(network_s, 2),
            "isochrone": percentiles(ours["isochrone_ms"]),
            "isochrone_cpu": percentiles(ours["isochrone_cpu_ms"]),
            "matrix": percentiles(ours["matrix_ms"]),
            "peak_rss_mb": vicino_peak_mb,
            "rss_before_queries_mb": round(resident_mb, 1),
        },
    }
    print(f"\n{'job':<28} {'Vicino p50':>11} {'p95':>8} {'Valhalla p50':>13} {'p95':>8} {'ratio p50':>10}")
    if theirs is not None:
        v_iso, v_mat = percentiles(theirs["isochrone_ms"]), percentiles(theirs["matrix_ms"])
        report["valhalla"] = {
            "version": theirs["version"],
            "python": theirs["python"],
            "build_tiles_s": round(theirs["build_tiles_s"], 2),
            "isochrone": v_iso,
            "isochrone_cpu": percentiles(theirs.get("isochrone_cpu_ms", [])),
            "isochrone_errors": theirs["isochrone_errors"][:5],
            "matrix": v_mat,
            "peak_rss_mb": theirs.get("peak_rss_mb"),
        }
        report["isochrone_speedup_p50"] = round(v_iso["p50_ms"] / report["vicino"]["isochrone"]["p50_ms"], 2)
        if report["valhalla"]["isochrone_cpu"]["p50_ms"]:
            report["isochrone_speedup_cpu_p50"] = round(
                report["valhalla"]["isochrone_cpu"]["p50_ms"] / report["vicino"]["isochrone_cpu"]["p50_ms"], 2
            )
        report["isochrone_speedup_p95"] = round(v_iso["p95_ms"] / report["vicino"]["isochrone"]["p95_ms"], 2)
        report["matrix_speedup_p50"] = round(v_mat["p50_ms"] / report["vicino"]["matrix"]["p50_ms"], 2)
        report["areas"] = compare_areas(ours["areas"], theirs["isochrones"])
        report["matrix_comparison"] = compare_matrix(ours, theirs["matrix_s"], points, schools)
        for job, mine, other in (
            ("isochrone 5/10/15 min", report["vicino"]["isochrone"], v_iso),
            (f"matrix 1 x {len(schools)}", report["vicino"]["matrix"], v_mat),
        ):
            print(f"{job:<28} {mine['p50_ms']:>9.2f}ms {mine['p95_ms']:>6.2f}ms {other['p50_ms']:>11.2f}ms "
                  f"{other['p95_ms']:>6.2f}ms {other['p50_ms'] / mine['p50_ms']:>9.2f}x")  # fmt: skip
        if "isochrone_speedup_cpu_p50" in report:
            mine_cpu, other_cpu = report["vicino"]["isochrone_cpu"], report["valhalla"]["isochrone_cpu"]
            print(f"{'isochrone, CPU time':<28} {mine_cpu['p50_ms']:>9.2f}ms {mine_cpu['p95_ms']:>6.2f}ms "
                  f"{other_cpu['p50_ms']:>11.2f}ms {other_cpu['p95_ms']:>6.2f}ms "
                  f"{report['isochrone_speedup_cpu_p50']:>9.2f}x")  # fmt: skip
        print(f"\nValhalla {theirs['version']}: tiles built in {theirs['build_tiles_s']:.2f} s; peak memory: "
              f"Vicino {report['vicino']['peak_rss_mb']} MB (queries, network loaded), Valhalla worker "
              f"{theirs.get('peak_rss_mb')} MB (actor and tiles loaded)")  # fmt: skip
        print(f"Areas (IoU per point, median / p10): {json.dumps(report['areas'])}")
        comparison = {k: v for k, v in report["matrix_comparison"].items() if k != "worst"}
        print(f"Matrix: {json.dumps(comparison)}")
        explained = set()
        for row in report["matrix_comparison"].get("worst", [])[:5]:
            print(f"  differs most: { {k: v for k, v in row.items() if k != 'explanation'} }")
            if row["explanation"] and row["explanation"] not in explained:
                explained.add(row["explanation"])
                print(f"    why: {row['explanation']}")
    else:
        for job, mine in (("isochrone 5/10/15 min", report["vicino"]["isochrone"]),
                          (f"matrix 1 x {len(schools)}", report["vicino"]["matrix"])):  # fmt: skip
            print(f"{job:<28} {mine['p50_ms']:>9.2f}ms {mine['p95_ms']:>6.2f}ms {'(peer missing)':>13}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
