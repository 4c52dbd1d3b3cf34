"""Valhalla side of ``bench_valhalla.py``: runs in the peer's own Python 3.12 venv, never the project's runtime.

Usage (the driver calls it)::

    PEER_PYTHON benchmarks/peers/valhalla_worker.py REQUEST.json RESULT.json

``REQUEST.json`` holds ``pbf`` (an OSM extract), ``workdir``, ``points`` ([[lon, lat], ...]), ``targets``
([[lon, lat], ...] for the matrix), ``contours_min`` and ``walking_speed_kmh``. The worker builds Valhalla's tiles
from the extract (timed), warms up, then answers one pedestrian isochrone per point (timed one by one, polygons as
GeoJSON) and one 1 × N pedestrian matrix per point to the targets (timed; seconds per target, None when Valhalla
finds no route). Only the standard library and the ``valhalla`` package are used.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, MB; ``ru_maxrss`` would report the driver's, inherited)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def build_tiles(pbf: Path, workdir: Path) -> tuple[Path, float]:
    """Valhalla's config and routing tiles for one extract; returns the config path and the build seconds."""
    import valhalla

    bin_dir = Path(valhalla.__file__).parent / "bin"
    tiles = workdir / "tiles"
    tiles.mkdir(parents=True, exist_ok=True)
    config = workdir / "valhalla.json"
    from valhalla import get_config

    config.write_text(json.dumps(get_config(tile_extract="", tile_dir=str(tiles), verbose=False)))
    started = time.perf_counter()
    subprocess.run(
        [str(bin_dir / "valhalla_build_tiles"), "-c", str(config), str(pbf)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return config, time.perf_counter() - started


def main(request_path: str, result_path: str) -> int:
    from valhalla import Actor

    request = json.loads(Path(request_path).read_text())
    config, build_s = build_tiles(Path(request["pbf"]), Path(request["workdir"]))
    actor = Actor(str(config))
    costing = {"pedestrian": {"walking_speed": request["walking_speed_kmh"]}}
    contours = [{"time": float(m)} for m in request["contours_min"]]
    points = request["points"]

    def isochrone(lon: float, lat: float) -> str:
        query = {
            "locations": [{"lon": lon, "lat": lat}],
            "costing": "pedestrian",
            "costing_options": costing,
            "contours": contours,
            "polygons": True,
        }
        return actor.isochrone(json.dumps(query))  # GeoJSON text, parsed outside the timing

    def matrix(lon: float, lat: float) -> dict:
        query = {
            "sources": [{"lon": lon, "lat": lat}],
            "targets": [{"lon": x, "lat": y} for x, y in request["targets"]],
            "costing": "pedestrian",
            "costing_options": costing,
        }
        return json.loads(actor.matrix(json.dumps(query)))

    for lon, lat in points[: min(10, len(points))]:  # warm-up: the first calls load tiles
        isochrone(lon, lat)
    iso_ms, iso_cpu_ms, iso_geojson, iso_errors = [], [], [], []
    for lon, lat in points:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            answer = isochrone(lon, lat)
        except Exception as error:  # valhalla.ValhallaError and its parents
            iso_ms.append(None)
            iso_cpu_ms.append(None)
            iso_geojson.append(None)
            iso_errors.append(str(error)[:200])
            continue
        iso_ms.append((time.perf_counter() - started) * 1000)
        iso_cpu_ms.append((time.process_time() - cpu) * 1000)
        iso_geojson.append(json.loads(answer))
    matrix_ms, matrix_s = [], []
    if request["targets"]:
        matrix(*points[0])
        for lon, lat in points:
            started = time.perf_counter()
            try:
                answer = matrix(lon, lat)
            except Exception:  # valhalla.ValhallaError: no route
                matrix_ms.append(None)
                matrix_s.append(None)
                continue
            matrix_ms.append((time.perf_counter() - started) * 1000)
            row = answer["sources_to_targets"][0]
            matrix_s.append([cell.get("time") for cell in row])
    import valhalla

    Path(result_path).write_text(
        json.dumps(
            {
                "version": getattr(valhalla, "__version__", "unknown"),
                "python": sys.version.split()[0],
                "build_tiles_s": build_s,
                "isochrone_ms": iso_ms,
                "isochrone_cpu_ms": iso_cpu_ms,
                "isochrones": iso_geojson,
                "isochrone_errors": iso_errors,
                "matrix_ms": matrix_ms,
                "matrix_s": matrix_s,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
