"""What every benchmark script shares: the data folder, peak memory, timing, the machine, JSON output, peers.

Scripts run as ``python benchmarks/bench_<x>.py`` (the script's folder is on ``sys.path``), so they import this
module as ``_harness``. Measurements only: nothing here is imported by Vicino itself.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import resource
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "benchmarks" / "results"
#: The shared data folder: ``$VICINO_DATA_DIR``, else ``../shared/data`` next to the repository.
DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR", REPO.parent / "shared" / "data"))
PEERS_HINT = "install with `bash bin/bench-peers`"


class PeerMissingError(RuntimeError):
    """A peer tool the benchmark compares Vicino with is not installed."""


# -- memory of this process ------------------------------------------------------------------------------------


def peak_mb() -> float:
    """Peak resident set size of this process (since the last reset), in MB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak() -> bool:
    """Reset the peak-RSS mark to the current RSS (Linux ≥ 4.0); False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


# -- timing ---------------------------------------------------------------------------------------------------


def timed(step: Callable[[], T]) -> tuple[T, float]:
    """Run ``step`` once: its value and its wall-clock seconds."""
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started


def best_of(step: Callable[[], T], repeat: int = 3) -> tuple[T, float, list[float]]:
    """Run ``step`` ``repeat`` times: the last value, the best seconds, and every run's seconds."""
    if repeat < 1:
        raise ValueError(f"repeat must be ≥ 1, not {repeat}")
    seconds: list[float] = []
    value: Any = None
    for _ in range(repeat):
        value, run_s = timed(step)
        seconds.append(run_s)
    return value, min(seconds), seconds


# -- the machine and the code measured --------------------------------------------------------------------------


def package_version(package: str) -> str:
    """An installed package's version, or ``"not installed"``."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def machine(**extra: Any) -> dict[str, Any]:
    """Python, processor, CPU count and load average, plus ``extra`` (threads, library versions...)."""
    return {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **extra,
    }


def engine_revision() -> dict[str, Any]:
    """The commit measured, and whether the engine's folders had uncommitted changes (read-only git calls)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "routing", "layers", "data_sources")
    return {"commit": git("rev-parse", "HEAD"), "engine_uncommitted_changes": changed.splitlines()}


# -- peers --------------------------------------------------------------------------------------------------------


def peer_missing_message(name: str) -> str:
    """The one sentence a benchmark prints when a peer tool is absent."""
    return f"peer missing: {name} is not installed; {PEERS_HINT}"


def require_peer(module: str, name: str | None = None) -> ModuleType:
    """Import a peer tool, or raise :class:`PeerMissingError` with :func:`peer_missing_message`."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise PeerMissingError(peer_missing_message(name or module)) from None


# -- arguments and output ---------------------------------------------------------------------------------------


def argument_parser(doc: str | None, *, output: str, quick: str | None = None) -> argparse.ArgumentParser:
    """A parser with the shared options: ``--data-dir``, ``--output`` (``benchmarks/results/<output>``) and,
    when ``quick`` says what it runs, ``--quick``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="the shared data folder (default: $VICINO_DATA_DIR or ../shared/data)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / output, help="where the JSON report goes")
    if quick is not None:
        parser.add_argument("--quick", action="store_true", help=quick)
    return parser


def jsonable(value: Any, drop: frozenset[str] = frozenset()) -> Any:
    """A report as JSON values: numpy scalars as numbers, non-finite floats as null, keys in ``drop`` left out."""
    if isinstance(value, dict):
        return {str(k): jsonable(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list | tuple):
        return [jsonable(v, drop) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def write_report(path: Path, report: dict[str, Any], drop: frozenset[str] = frozenset()) -> Path:
    """Write ``report`` as indented JSON (see :func:`jsonable`), creating the folder; the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(jsonable(report, drop), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def peer_installed(module: str, name: str | None = None) -> bool:
    """Whether a peer tool can be imported; prints :func:`peer_missing_message` when it cannot."""
    import importlib.util

    if importlib.util.find_spec(module) is not None:
        return True
    print(peer_missing_message(name or module), flush=True)
    return False
