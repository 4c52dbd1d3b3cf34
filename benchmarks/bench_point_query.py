"""Load test of the family point query (``/opportunities``) and the isochrones behind it, on loopback, for Porto Alegre.

Run from the repository root::

    .venv/bin/python benchmarks/bench_point_query.py [--users 20] [--seconds 30] [--configs 2x4,2x2,3sync,2x4+pdb]

What it does, all on this machine and only towards 127.0.0.1:

1. Builds an isolated environment in a temporary ``VICINO_HOME`` (SpatiaLite; ``VICINO_DATA_DIR`` from the
   environment or ``<repo>/../shared/data``), with production-like settings (``DEBUG=0``, a random
   ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``, ``SECURE_SSL_REDIRECT=0``) and the point-query rate limit raised
   out of the way (``VICINO_RATE_LIMIT_PER_MINUTE=1000000``), then runs ``migrate``, ``collectstatic``,
   ``load_city porto_alegre`` and ``compute_access porto_alegre --origins school --profile adult``.
2. For each server configuration starts ``gunicorn web.wsgi`` on a free loopback port and waits until it
   answers: ``WxT`` is W gthread workers × T threads, ``Wsync`` W sync workers (the Dockerfile's
   ``--workers 3``), and ``+pdb`` a what-if in which the workers keep their SpatiaLite connection between
   requests (``CONN_MAX_AGE=None`` set by a gunicorn hook in the temporary folder; the project is not
   changed). Each worker is then warmed up on connections known to belong to it (the server side of the
   connection is looked up in ``/proc/net/tcp`` and found among the worker's file descriptors), so the first
   requests of every process are measured per worker as the *cold start*: its first request of any kind
   (Django imports the API and the scientific stack), its first ``/opportunities`` (loads the walk network
   and snaps the opportunities) and its first ``/isochrones``.
3. Home points are the centres of populated H3 cells from ``porto_alegre/poa_hexgrid.csv``; each candidate is
   tried once during the first warm-up and only those the API answers with 200 are kept (a point outside the
   city or far from any walkable street is a 400, which would otherwise count as an error).
4. ``--users`` threads, each with its own ``http.client`` keep-alive connection, send requests back to back for
   ``--seconds``: first only ``GET /api/v1/cities/porto_alegre/opportunities?near=LON,LAT&minutes=15&age=12``,
   then a mix with ``--iso-share`` of ``/isochrones?near=LON,LAT&minutes=5,10,15&age=12`` (each endpoint
   reported on its own). Latency is from sending the request to having read the whole body. A gthread worker
   keeps the keep-alive connections it accepted, and a burst of new connections can all land on one worker:
   the users' connections are spread evenly over the workers unless ``--no-balance``.
5. Reports, per configuration, phase and endpoint: p50/p95/p99/max latency, requests/s, errors; the CPU that the
   workers, the load generator and the machine's other processes used during the phase (the machine is shared:
   ``others`` is the noise), the workers' CPU per request and the bound it sets on an idle machine; each
   worker's peak resident set (``VmHWM`` in ``/proc/<pid>/status``). The goal is p95 ≤ 100 ms for
   ``/opportunities`` at 20 concurrent users. Results are printed and written to
   ``benchmarks/results/point_query.json``.

gunicorn is stopped and the temporary directory removed on exit, also on Ctrl-C, SIGTERM or an error.
``--home DIR`` keeps the environment in DIR instead (not removed), and ``--skip-setup`` reuses a DIR set up by
an earlier run, which is handy while iterating.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR") or REPO.parent / "shared" / "data")
DEFAULT_OUTPUT = REPO / "benchmarks" / "results" / "point_query.json"
HEXGRID = Path("porto_alegre") / "poa_hexgrid.csv"
CITY = "porto_alegre"
HOST = "127.0.0.1"

OPPORTUNITIES = "opportunities"
ISOCHRONES = "isochrones"
#: Walk + transit /opportunities at a departure drawn uniformly over a service day (weekday or Saturday).
TRANSIT = "transit"
TRANSIT_GOAL_P95_MS = 150.0
TRANSIT_DAY_S = (5 * 3600, 24 * 3600)
CHEAP_PATH = "/api/v1/cities/"
GOAL_P95_MS = 100.0
GOAL_USERS = 20
#: gthread 2 × 4 (the brief's), 2 × 2, 3 sync workers (the Dockerfile's), and the persistent-connection what-if.
DEFAULT_CONFIGS = "2x4,2x2,3sync,2x4+pdb"

REQUEST_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 120.0
ASSIGN_TIMEOUT_S = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def endpoint_path(endpoint: str, lon: float, lat: float, rng: random.Random | None = None) -> str:
    """The request path of one point query (a transit one departs at a random minute of a weekday or Saturday)."""
    near = f"{lon:.6f},{lat:.6f}"
    if endpoint == TRANSIT:
        rng = rng or random.Random(0)
        minute = rng.randrange(TRANSIT_DAY_S[0] // 60, TRANSIT_DAY_S[1] // 60)
        day = rng.choice(["we", "sa"])
        when = f"{day}%20{minute // 60:02d}:{minute % 60:02d}"
        return f"/api/v1/cities/{CITY}/opportunities?near={near}&minutes=15&age=12&mode=transit&open_at={when}"
    if endpoint == OPPORTUNITIES:
        return f"/api/v1/cities/{CITY}/opportunities?near={near}&minutes=15&age=12"
    return f"/api/v1/cities/{CITY}/isochrones?near={near}&minutes=5,10,15&age=12"


# ---------------------------------------------------------------------------------------------------------------
# Environment and setup


def bench_env(home: Path, data_dir: Path) -> dict[str, str]:
    """The environment of the manage.py steps and of gunicorn: isolated, production-like, no rate limit."""
    env = {k: v for k, v in os.environ.items() if k not in {"VICINO_CACHE_DIR", "DATABASE_URL", "STATIC_ROOT"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "web.settings",
            "VICINO_HOME": str(home),
            "VICINO_DB": "spatialite",
            "VICINO_DATA_DIR": str(data_dir),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "VICINO_RATE_LIMIT_PER_MINUTE": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def venv_tool(name: str) -> str:
    """A program of the project's virtual environment (or of the running interpreter's)."""
    for folder in (REPO / ".venv" / "bin", Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise FileNotFoundError(f"{name} not found in {REPO / '.venv' / 'bin'} nor next to {sys.executable}")


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_setup(env: dict[str, str], logs: Path) -> dict[str, float]:
    """Run the manage.py steps that make a served Porto Alegre; returns each step's duration in seconds."""
    steps: list[tuple[str, list[str]]] = [
        ("migrate", ["migrate", "--no-input"]),
        ("collectstatic", ["collectstatic", "--no-input"]),
        ("load_city", ["load_city", CITY]),
        ("compute_access", ["compute_access", CITY, "--origins", "school", "--profile", "adult"]),
    ]
    python = venv_tool("python")
    durations: dict[str, float] = {}
    for name, arguments in steps:
        log = logs / f"setup-{name}.log"
        print(f"  manage.py {' '.join(arguments)} ...", end=" ", flush=True)
        started = time.perf_counter()
        with open(log, "wb") as handle:
            result = subprocess.run(
                [python, "manage.py", *arguments], cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
        durations[name] = time.perf_counter() - started
        print(f"{durations[name]:.1f} s", flush=True)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n{tail(log)}")
    return durations


# ---------------------------------------------------------------------------------------------------------------
# /proc helpers


def proc_children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (gunicorn's workers of a master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return sorted(children)


def proc_status_kib(pid: int, key: str) -> int | None:
    """A ``/proc/<pid>/status`` memory line (``VmHWM``, ``VmRSS``) in KiB, or None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all cores, from ``/proc/stat``)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the server side of the loopback TCP connection from ``client_port``."""
    inode = None
    try:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for row in rows:
        parts = row.split()
        local, remote = parts[1], parts[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = parts[9]
            break
    if inode is None or inode == "0":
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if str(fd.readlink()) == target:
                    return pid
            except OSError:
                continue
    return None


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------------------------------------------------
# HTTP client


class Connection:
    """One keep-alive HTTP/1.1 connection to the server; reconnects once when the server closed an idle one."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.reconnects = 0

    def open(self) -> None:
        """Connect (a no-op when connected)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.connect()
            self.used = False

    def local_port(self) -> int:
        """The client-side port of the open connection."""
        self.open()
        assert self.conn is not None and self.conn.sock is not None
        return int(self.conn.sock.getsockname()[1])

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path: str) -> tuple[int, bytes, float]:
        """``GET path``: status, body and seconds from sending to the last byte of the body."""
        for attempt in range(2):
            self.open()
            assert self.conn is not None
            started = time.perf_counter()
            try:
                self.conn.request("GET", path, headers={"Accept": "application/json"})
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, BrokenPipeError,
                    ConnectionResetError):  # fmt: skip
                stale = self.used
                self.close()
                if attempt == 0 and stale:  # the server closed an idle keep-alive connection: not an error
                    self.reconnects += 1
                    continue
                raise
            elapsed = time.perf_counter() - started
            self.used = True
            if response.will_close:
                self.close()
            return response.status, body, elapsed
        raise AssertionError("unreachable")


def error_text(body: bytes) -> str:
    """The ``error`` of a JSON error body, shortened, for counting rejection reasons."""
    try:
        message = str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        message = body[:80].decode(errors="replace")
    for marker, label in (("outside", "outside the city"), ("walkable street", "not on the network")):
        if marker in message:
            return label
    return message[:80]


# ---------------------------------------------------------------------------------------------------------------
# gunicorn


@dataclass(frozen=True)
class ServerConfig:
    """How many gunicorn worker processes and threads per worker; ``WxT+pdb`` is a what-if, see below.

    ``persistent_db``: the workers keep their SpatiaLite connection between requests (``CONN_MAX_AGE=None``,
    set in place by a gunicorn ``post_worker_init`` hook written to the temporary folder). The project's own
    settings are not changed: this only measures what that setting would bring.
    """

    workers: int
    threads: int  # 0: gunicorn's default sync worker (one request at a time, no keep-alive)
    persistent_db: bool = False

    @property
    def label(self) -> str:
        base = f"{self.workers}x{self.threads}" if self.threads else f"{self.workers}sync"
        return base + ("+pdb" if self.persistent_db else "")

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        """``2x4`` (gthread, 2 workers × 4 threads), ``3sync`` (sync workers), either with ``+pdb``."""
        base, plus, extra = text.strip().lower().partition("+")
        if plus and extra != "pdb":
            raise ValueError(f"unknown configuration suffix +{extra} (only +pdb)")
        if base.endswith("sync"):
            return cls(int(base.removesuffix("sync")), 0, persistent_db=bool(plus))
        workers, _, threads = base.partition("x")
        return cls(int(workers), max(1, int(threads or 1)), persistent_db=bool(plus))


PERSISTENT_DB_HOOK = """\
def post_worker_init(worker):
    # What-if of the benchmark: keep each thread's database connection between requests.
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = None
"""


class Server:
    """A gunicorn master in its own session, and a thread that tracks its workers' peak memory."""

    def __init__(self, config: ServerConfig, env: dict[str, str], logs: Path) -> None:
        self.config = config
        self.env = env
        self.port = free_port()
        self.log = logs / f"gunicorn-{config.label}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_kib: dict[int, int] = {}
        self.seen_workers: set[int] = set()
        self._stop_monitor = threading.Event()
        self._monitor: threading.Thread | None = None
        #: The worker that answered the readiness probe (its first request) and how long that took (ms).
        self.probe: tuple[int | None, float] | None = None

    def start(self) -> float:
        """Start gunicorn and wait until it answers; returns the seconds that took."""
        command = [
            venv_tool("gunicorn"), "web.wsgi", "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.config.workers), "--timeout", "120", "--graceful-timeout", "5",
            "--error-logfile", str(self.log), "--chdir", str(REPO),
        ]  # fmt: skip
        if self.config.threads:
            command += ["--worker-class", "gthread", "--threads", str(self.config.threads), "--keep-alive", "5"]
        else:
            command += ["--worker-class", "sync"]
        if self.config.persistent_db:
            hook = self.log.with_suffix(".conf.py")
            hook.write_text(PERSISTENT_DB_HOOK)
            command += ["--config", str(hook)]
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = started + READY_TIMEOUT_S
        # Connect (the master listens before the workers have loaded the application), wait until a worker has
        # accepted the connection, then time the first request: that worker's first, whatever its kind.
        probe = Connection(self.port, timeout=READY_TIMEOUT_S)
        owner = None
        try:
            while owner is None:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{tail(self.log)}")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"gunicorn did not answer within {READY_TIMEOUT_S:.0f} s:\n{tail(self.log)}")
                try:
                    owner = socket_owner(self.port, probe.local_port(), self.workers())
                except OSError:
                    probe.close()
                if owner is None:
                    time.sleep(0.05)
            status, body, seconds = probe.get(CHEAP_PATH)
        finally:
            probe.close()
        if status != 200:
            raise RuntimeError(f"{CHEAP_PATH} answered {status}: {body[:200]!r}\n{tail(self.log)}")
        self.probe = (owner, seconds * 1000)
        ready = time.perf_counter() - started
        # All workers forked (each accepts only once its application is loaded).
        while len(self.workers()) < self.config.workers and time.perf_counter() < deadline:
            time.sleep(0.1)
        self._monitor = threading.Thread(target=self._watch_memory, daemon=True)
        self._monitor.start()
        return ready

    def workers(self) -> list[int]:
        """The current worker pids."""
        return proc_children(self.process.pid) if self.process is not None else []

    def _watch_memory(self) -> None:
        while not self._stop_monitor.wait(0.5):
            self.sample_memory()

    def sample_memory(self) -> None:
        """Record each worker's peak resident set (``VmHWM``) so far, also for workers that later exit."""
        for pid in self.workers():
            self.seen_workers.add(pid)
            hwm = proc_status_kib(pid, "VmHWM")
            if hwm is not None:
                self.peak_kib[pid] = max(hwm, self.peak_kib.get(pid, 0))

    def memory_report(self) -> dict[str, Any]:
        """Peak and current resident set of the master and each worker (MiB)."""
        self.sample_memory()
        assert self.process is not None
        current = set(self.workers())
        master_hwm = proc_status_kib(self.process.pid, "VmHWM")
        return {
            "master_peak_rss_mib": None if master_hwm is None else round(master_hwm / 1024, 1),
            "workers": [
                {
                    "pid": pid,
                    "alive": pid in current,
                    "peak_rss_mib": round(self.peak_kib.get(pid, 0) / 1024, 1),
                    "rss_mib": None if (rss := proc_status_kib(pid, "VmRSS")) is None else round(rss / 1024, 1),
                }
                for pid in sorted(self.seen_workers)
            ],
            "max_worker_peak_rss_mib": round(max(self.peak_kib.values(), default=0) / 1024, 1),
            "sum_worker_peak_rss_mib": round(sum(self.peak_kib.values()) / 1024, 1),
        }

    def cpu_s(self) -> float:
        """CPU seconds used so far by the current workers."""
        return sum(c for pid in self.workers() if (c := proc_cpu_s(pid)) is not None)

    def stop(self) -> None:
        """Stop gunicorn: SIGTERM to the master, SIGKILL to its process group if it lingers."""
        self._stop_monitor.set()
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------------------------------------------
# Warm-up: per-worker cold start, and the points that the API accepts


def connection_to(server: Server, pid: int, attempts: int = 60) -> Connection | None:
    """An open connection that worker ``pid`` accepted, or None after ``attempts`` connections.

    The connections that other workers accept are held open until the wanted one is found: a sync worker
    waits on such a connection, so the next one goes to another worker.
    """
    workers = server.workers()
    held: list[Connection] = []
    try:
        for _ in range(attempts):
            connection = Connection(server.port)
            connection.open()
            owner = owner_of(server, connection, workers)
            if owner == pid:
                return connection
            held.append(connection)
        return None
    finally:
        for connection in held:
            connection.close()


def cold_start(server: Server, lon: float, lat: float) -> list[dict[str, Any]]:
    """Per worker: its first request (a cheap one), then its first opportunities and isochrones queries.

    Each request is sent on a connection known to be held by that worker (a keep-alive connection stays with
    its worker; a sync worker closes it after the response, so the next request looks for a new one).
    """
    report = []
    for pid in server.workers():
        row: dict[str, Any] = {"pid": pid}
        connection: Connection | None = None
        for name, path in (
            ("first_request_ms", CHEAP_PATH),
            ("first_opportunities_ms", endpoint_path(OPPORTUNITIES, lon, lat)),
            ("second_opportunities_ms", endpoint_path(OPPORTUNITIES, lon, lat)),
            ("first_isochrones_ms", endpoint_path(ISOCHRONES, lon, lat)),
            ("second_isochrones_ms", endpoint_path(ISOCHRONES, lon, lat)),
        ):
            if connection is None or connection.conn is None:
                connection = connection_to(server, pid)
            if connection is None:
                row["note"] = "no connection reached this worker: its cold start falls in the load"
                break
            status, body, seconds = connection.get(path)
            if status == 400:  # the probe point was refused: the release index is loaded before the point check
                row.setdefault("refused", []).append(f"{name}: {error_text(body)}")
            elif status != 200:
                raise RuntimeError(f"warm-up {path} answered {status}: {body[:200]!r}")
            row[name] = round(seconds * 1000, 1)
        if connection is not None:
            connection.close()
        if server.probe is not None and server.probe[0] == pid:  # its first request was the readiness probe
            row["first_request_ms"] = round(server.probe[1], 1)
        rss = proc_status_kib(pid, "VmRSS")
        row["rss_after_warmup_mib"] = None if rss is None else round(rss / 1024, 1)
        report.append(row)
    return report


def filter_points(
    connections: list[Connection], candidates: list[tuple[float, float]], wanted: int
) -> tuple[list[tuple[float, float]], dict[str, Any]]:
    """Try candidates (one opportunities request each) until ``wanted`` are answered with 200."""
    kept: list[tuple[float, float]] = []
    reasons: Counter[str] = Counter()
    lock = threading.Lock()
    queue = iter(candidates)
    latencies: list[float] = []
    tried = 0

    def work(connection: Connection) -> None:
        nonlocal tried
        while True:
            with lock:
                if len(kept) >= wanted:
                    return
                point = next(queue, None)
                if point is None:
                    return
                tried += 1
            status, body, seconds = connection.get(endpoint_path(OPPORTUNITIES, *point))
            with lock:
                if status == 200:
                    kept.append(point)
                    latencies.append(seconds)
                else:
                    reasons[f"{status} {error_text(body)}"] += 1

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in connections]
    for thread in threads:
        thread.start()
    join_all(threads)
    return kept[:wanted], {
        "tried": tried,
        "kept": min(len(kept), wanted),
        "rejected": dict(reasons),
        "p50_ms_single_user": round(float(np.percentile(latencies, 50)) * 1000, 1) if latencies else None,
    }


def warm(connections: list[Connection], points: list[tuple[float, float]], per_connection: int) -> None:
    """A few requests of each endpoint on each worker connection (after the cold start)."""
    for connection in connections:
        for i in range(per_connection):
            point = points[i % len(points)]
            for endpoint in (OPPORTUNITIES, ISOCHRONES):
                connection.get(endpoint_path(endpoint, *point))


def join_all(threads: list[threading.Thread]) -> None:
    """Join threads in short waits, so that Ctrl-C reaches the main thread."""
    for thread in threads:
        while thread.is_alive():
            thread.join(0.25)


# ---------------------------------------------------------------------------------------------------------------
# Load


@dataclass
class Sample:
    """One request of the load: which endpoint, when it ended (s from the start), how long, its status."""

    endpoint: str
    end_s: float
    latency_s: float
    status: int
    size: int
    error: str = ""


@dataclass
class LoadResult:
    """The requests of one load phase and what it cost."""

    samples: list[Sample] = field(default_factory=list)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0
    reconnects: int = 0
    workers_before: list[int] = field(default_factory=list)
    workers_after: list[int] = field(default_factory=list)
    connections: dict[str, Any] = field(default_factory=dict)


def owner_of(server: Server, connection: Connection, workers: list[int]) -> int | None:
    """The worker holding an open connection (None if it cannot be told within 2 s)."""
    client_port = connection.local_port()
    wait_until = time.perf_counter() + 2.0
    while time.perf_counter() < wait_until:
        owner = socket_owner(server.port, client_port, workers)
        if owner is not None:
            return owner
        time.sleep(0.005)
    return None


def open_user_connections(server: Server, users: int, balance: bool) -> tuple[list[Connection], dict[str, Any]]:
    """One keep-alive connection per user, opened one after the other.

    A gthread worker keeps each keep-alive connection it accepted until the connection closes, and which worker
    accepts a new connection is a race between the workers' event loops: a burst of connections can all land on
    one worker while the other idles. With ``balance`` a connection landing on a worker that already holds its
    share (``ceil(users / workers)``) is closed and opened again (bounded), as many independent clients behind a
    balancing proxy would be spread. Sync workers close the connection after each response: nothing to balance.
    """
    workers = server.workers()
    sticky = server.config.threads > 0
    quota = -(-users // max(1, len(workers)))
    counts: Counter[str] = Counter()
    connections: list[Connection] = []
    retries = 0
    for _ in range(users):
        for attempt in range(60):
            connection = Connection(server.port)
            connection.open()
            if not sticky:
                break
            owner = owner_of(server, connection, workers)
            key = str(owner) if owner is not None else "unknown"
            if not balance or owner is None or counts[key] < quota or attempt == 59:
                counts[key] += 1
                break
            connection.close()
            retries += 1
        connections.append(connection)
    return connections, {
        "balanced": balance and sticky,
        "connections_per_worker": dict(sorted(counts.items())) if sticky else "one per request (sync workers)",
        "reopened_to_balance": retries,
    }


def run_load(
    server: Server,
    points: list[tuple[float, float]],
    users: int,
    seconds: float,
    iso_share: float,
    seed: int,
    balance: bool,
    transit: bool = False,
) -> LoadResult:
    """``users`` threads, each a keep-alive connection sending requests back to back for ``seconds``."""
    result = LoadResult(workers_before=server.workers())
    connections, result.connections = open_user_connections(server, users, balance)
    stop = threading.Event()
    go = threading.Barrier(users + 1, timeout=ASSIGN_TIMEOUT_S)
    lock = threading.Lock()
    box: dict[str, float] = {}

    def user(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = connections[index]
        local: list[Sample] = []
        try:
            go.wait()
            start = box["start"]
            deadline = start + seconds
            while not stop.is_set() and time.perf_counter() < deadline:
                endpoint = TRANSIT if transit else (ISOCHRONES if rng.random() < iso_share else OPPORTUNITIES)
                path = endpoint_path(endpoint, *rng.choice(points), rng=rng)
                sent = time.perf_counter()
                try:
                    status, body, latency = connection.get(path)
                    error = "" if status == 200 else f"{status} {error_text(body)}"
                    size = len(body)
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    status, latency, size, error = 0, time.perf_counter() - sent, 0, type(exc).__name__
                local.append(Sample(endpoint, time.perf_counter() - start, latency, status, size, error))
        finally:
            connection.close()
            with lock:
                result.samples.extend(local)
                result.reconnects += connection.reconnects

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    cpu_before = server.cpu_s()
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    machine_before = machine_busy_s()
    box["start"] = time.perf_counter()
    go.wait()
    try:
        join_all(threads)
    except BaseException:
        stop.set()
        raise
    result.elapsed_s = max((s.end_s for s in result.samples), default=seconds)
    result.server_cpu_s = server.cpu_s() - cpu_before
    result.machine_cpu_s = machine_busy_s() - machine_before
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu_s = (client_after.ru_utime - client_before.ru_utime) + (
        client_after.ru_stime - client_before.ru_stime
    )
    result.workers_after = server.workers()
    return result


def endpoint_stats(samples: list[Sample], elapsed_s: float) -> dict[str, Any]:
    """Latency percentiles (successful requests), throughput and errors of a set of requests."""
    ok = np.array([s.latency_s for s in samples if s.status == 200]) * 1000
    errors = Counter(s.error for s in samples if s.status != 200)

    def pct(q: float) -> float | None:
        return round(float(np.percentile(ok, q)), 1) if len(ok) else None

    return {
        "requests": len(samples),
        "ok": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "rps": round(len(ok) / elapsed_s, 1) if elapsed_s > 0 else None,
        "mean_ms": round(float(ok.mean()), 1) if len(ok) else None,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(float(ok.max()), 1) if len(ok) else None,
        "mean_body_kib": round(float(np.mean([s.size for s in samples if s.status == 200])) / 1024, 1)
        if len(ok)
        else None,
    }


def summarise(load: LoadResult, users: int) -> dict[str, Any]:
    """Per endpoint and for all requests of a phase, with the CPU it cost."""
    cpu_ms = load.server_cpu_s * 1000 / len(load.samples) if load.samples else None
    cores = os.cpu_count() or 1
    max_rps = cores * 1000 / cpu_ms if cpu_ms else None
    by_endpoint = {
        name: endpoint_stats([s for s in load.samples if s.endpoint == name], load.elapsed_s)
        for name in (OPPORTUNITIES, ISOCHRONES, TRANSIT)
        if any(s.endpoint == name for s in load.samples)
    }
    if len(by_endpoint) > 1:
        by_endpoint["all"] = endpoint_stats(load.samples, load.elapsed_s)
    return {
        "elapsed_s": round(load.elapsed_s, 2),
        "endpoints": by_endpoint,
        "server_cpu_s": round(load.server_cpu_s, 1),
        "server_cores_busy": round(load.server_cpu_s / load.elapsed_s, 2) if load.elapsed_s else None,
        "server_cpu_ms_per_request": None if cpu_ms is None else round(cpu_ms, 1),
        # What the machine could do if nothing else ran: all cores on the workers (closed loop, Little's law).
        "bound_if_machine_idle": {
            "cpu_ms_per_request": None if cpu_ms is None else round(cpu_ms, 1),
            "cores": cores,
            "max_rps": None if max_rps is None else round(max_rps),
            "min_mean_latency_ms": None if max_rps is None else round(users / max_rps * 1000),
        },
        "client_cpu_s": round(load.client_cpu_s, 1),
        "client_cores_busy": round(load.client_cpu_s / load.elapsed_s, 2) if load.elapsed_s else None,
        # Other processes on the machine (other jobs): the noise of this run.
        "other_cores_busy": round((load.machine_cpu_s - load.server_cpu_s - load.client_cpu_s) / load.elapsed_s, 2)
        if load.elapsed_s
        else None,
        "keepalive_reconnects": load.reconnects,
        "connections": load.connections,
        "worker_restarts": sorted(set(load.workers_after) - set(load.workers_before)),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------------------------------------------------------
# Points


def candidate_points(data_dir: Path, seed: int) -> list[tuple[float, float]]:
    """Centres of the populated H3 cells of Porto Alegre, shuffled."""
    path = data_dir / HEXGRID
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    points = [(float(r["lon"]), float(r["lat"])) for r in rows if float(r.get("population") or 0) > 0]
    random.Random(seed).shuffle(points)
    return points


# ---------------------------------------------------------------------------------------------------------------
# Report


def print_tables(configs: list[dict[str, Any]], users: int) -> None:
    """The cold-start, load and memory tables."""
    print("\nCold start (first requests of each worker, ms)")
    print(f"{'config':<7} {'pid':>7} {'1st any':>8} {'1st opp':>8} {'2nd opp':>8} {'1st iso':>8} {'2nd iso':>8}")
    for config in configs:
        for row in config["cold_start"]:
            if "note" in row:
                print(f"{config['config']:<7} {row['pid']:>7} {row.get('note', '')}")
                continue
            print(
                f"{config['config']:<7} {row['pid']:>7} {row['first_request_ms']:>8} {row['first_opportunities_ms']:>8}"
                f" {row['second_opportunities_ms']:>8} {row['first_isochrones_ms']:>8} {row['second_isochrones_ms']:>8}"
            )
    print(f"\nLoad: {users} concurrent keep-alive users (latency of successful requests, ms)")
    header = (
        f"{'config':<7} {'phase':<14} {'endpoint':<14} {'reqs':>6} {'err':>4} {'req/s':>7} "
        f"{'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'srv cpu':>7} {'ms/req':>6} {'cli cpu':>7} {'others':>6}"
    )
    print(header)
    print("-" * len(header))
    for config in configs:
        for phase_name, phase in config["phases"].items():
            for endpoint, stats in phase["endpoints"].items():
                print(
                    f"{config['config']:<7} {phase_name:<14} {endpoint:<14} "
                    f"{stats['requests']:>6} {stats['errors']:>4} "
                    f"{stats['rps'] or 0:>7.1f} {stats['p50_ms'] or 0:>7.1f} {stats['p95_ms'] or 0:>7.1f} "
                    f"{stats['p99_ms'] or 0:>7.1f} {stats['max_ms'] or 0:>7.1f} "
                    f"{phase['server_cores_busy'] or 0:>7.2f} {phase['server_cpu_ms_per_request'] or 0:>6.1f} "
                    f"{phase['client_cores_busy'] or 0:>7.2f} {phase['other_cores_busy'] or 0:>6.2f}"
                )
    print(
        "(srv cpu / cli cpu / others: cores kept busy by the gunicorn workers / by this load generator / by other"
        " processes on the machine; ms/req: worker CPU per request of the phase, all endpoints; +pdb: what-if with"
        " persistent database connections)"
    )
    print("\nMemory (MiB): peak resident set (VmHWM) of each gunicorn worker")
    for config in configs:
        memory = config["memory"]
        workers = ", ".join(f"{w['pid']}: {w['peak_rss_mib']}" for w in memory["workers"])
        print(f"{config['config']:<7} workers {workers}; master {memory['master_peak_rss_mib']}")
    for config in configs:
        stats = config["phases"].get(TRANSIT, {}).get("endpoints", {}).get(TRANSIT)
        if stats and stats["p95_ms"] is not None:
            verdict = "met" if stats["p95_ms"] <= TRANSIT_GOAL_P95_MS and stats["errors"] == 0 else "MISSED"
            print(f"Goal: transit /opportunities at any time p95 ≤ {TRANSIT_GOAL_P95_MS:.0f} ms: {config['config']} "
                  f"p95 {stats['p95_ms']:.1f} ms, {stats['errors']} errors: {verdict}")  # fmt: skip
    print(f"\nGoal: /opportunities p95 ≤ {GOAL_P95_MS:.0f} ms at {GOAL_USERS} users")
    for config in configs:
        phase = config["phases"].get(OPPORTUNITIES, {})
        stats = phase.get("endpoints", {}).get(OPPORTUNITIES)
        if stats and stats["p95_ms"] is not None:
            verdict = "met" if stats["p95_ms"] <= GOAL_P95_MS and stats["errors"] == 0 else "MISSED"
            bound = phase.get("bound_if_machine_idle", {})
            print(
                f"  {config['config']:<7} p95 {stats['p95_ms']:.1f} ms, {stats['errors']} errors: {verdict}; with "
                f"{bound.get('cpu_ms_per_request')} ms of worker CPU a request, {bound.get('cores')} idle cores "
                f"serve at most {bound.get('max_rps')} req/s, so {users} users wait ≥ "
                f"{bound.get('min_mean_latency_ms')} ms on average"
            )


# ---------------------------------------------------------------------------------------------------------------
# Main


def bench_config(
    config: ServerConfig,
    env: dict[str, str],
    logs: Path,
    args: argparse.Namespace,
    candidates: list[tuple[float, float]],
    points: list[tuple[float, float]],
) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """Start one server configuration, warm it up, run the load phases, stop it."""
    server = Server(config, env, logs)
    try:
        kind = f"{config.threads} threads each (gthread)" if config.threads else "sync"
        print(f"\n[{config.label}] gunicorn on {HOST}:{server.port}, {config.workers} workers, {kind}")
        ready_s = server.start()
        print(f"  answering after {ready_s:.1f} s; workers {server.workers()}")
        probe = points[0] if points else candidates[0]
        cold = cold_start(server, *probe)
        for row in cold:
            if "note" not in row:
                print(
                    f"  worker {row['pid']}: first request {row['first_request_ms']:.0f} ms, first opportunities "
                    f"{row['first_opportunities_ms']:.0f} ms (then {row['second_opportunities_ms']:.0f} ms), "
                    f"first isochrones {row['first_isochrones_ms']:.0f} ms"
                )
            else:
                print(f"  worker {row['pid']}: {row['note']}")
        filtering = None
        warmers = [c for pid in server.workers() if (c := connection_to(server, pid)) is not None]
        if not points:
            started = time.perf_counter()
            points, filtering = filter_points(warmers, candidates, args.points)
            filtering["seconds"] = round(time.perf_counter() - started, 1)
            print(
                f"  points: {filtering['kept']} of {filtering['tried']} populated cell centres answered 200 "
                f"({filtering['rejected'] or 'none rejected'}) in {filtering['seconds']} s"
            )
            if not points:
                raise RuntimeError("no hex-grid cell centre was accepted by the API")
        warm(warmers, points, per_connection=5)
        for connection in warmers:
            connection.close()
        phases: dict[str, Any] = {}
        transit_cold = []
        if TRANSIT in args.phases:
            # The first transit query of a service day builds that day's timetable and stop links in the worker.
            connection = Connection(server.port)
            for day in ("we", "sa"):
                for attempt in ("first", "second"):
                    path = (
                        f"/api/v1/cities/{CITY}/opportunities?near={points[0][0]:.6f},{points[0][1]:.6f}"
                        f"&minutes=15&age=12&mode=transit&open_at={day}%2017:23"
                    )
                    status, _, seconds = connection.get(path)
                    transit_cold.append({"day": day, "query": attempt, "status": status, "ms": round(seconds * 1000)})
            connection.close()
            print(f"  transit cold/warm on one worker: {transit_cold}")
        for phase, share in ((OPPORTUNITIES, 0.0), ("mix", args.iso_share), (TRANSIT, 0.0)):
            if phase not in args.phases or (phase == "mix" and share <= 0):
                continue
            print(f"  load '{phase}': {args.users} users for {args.seconds:.0f} s ...", end=" ", flush=True)
            transit = phase == TRANSIT
            load = run_load(server, points, args.users, args.seconds, share, args.seed, not args.no_balance, transit)
            phases[phase] = summary = summarise(load, args.users)
            text = "; ".join(
                f"{name} {s['rps']} req/s p50 {s['p50_ms']} p95 {s['p95_ms']} ms, {s['errors']} errors"
                for name, s in summary["endpoints"].items()
                if name != "all"
            )
            print(f"{text} (connections per worker: {summary['connections']['connections_per_worker']})", flush=True)
            time.sleep(1.0)
        memory = server.memory_report()
        return {
            "config": config.label,
            "workers": config.workers,
            "threads": config.threads,
            "port": server.port,
            "ready_s": round(ready_s, 2),
            "cold_start": cold,
            "transit_cold": transit_cold,
            "point_filter": filtering,
            "phases": phases,
            "memory": memory,
        }, points
    finally:
        server.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (threads), default 20")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each load phase, default 30")
    parser.add_argument(
        "--configs",
        default=DEFAULT_CONFIGS,
        help=f"gunicorn configurations: WORKERSxTHREADS (gthread) or WORKERSsync, +pdb for the persistent database"
        f" connection what-if (default {DEFAULT_CONFIGS})",
    )
    parser.add_argument("--iso-share", type=float, default=0.25, help="share of isochrones in the mix (0 = no mix)")
    parser.add_argument(
        "--phases",
        default=f"{OPPORTUNITIES},mix",
        help=f"load phases, comma-separated: {OPPORTUNITIES}, mix (with isochrones), {TRANSIT} (walk + transit"
        " /opportunities departing at random times of a weekday or Saturday)",
    )
    parser.add_argument("--points", type=int, default=200, help="home points to keep (default 200)")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument(
        "--no-balance",
        action="store_true",
        help="keep the users' connections on whichever gthread worker accepted them (default: spread evenly)",
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the shared data (VICINO_DATA_DIR)")
    parser.add_argument("--home", type=Path, help="use (and keep) this VICINO_HOME instead of a temporary one")
    parser.add_argument("--skip-setup", action="store_true", help="reuse --home as set up by an earlier run")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.skip_setup and args.home is None:
        parser.error("--skip-setup needs --home")
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not set(args.phases) <= {OPPORTUNITIES, "mix", TRANSIT}:
        parser.error(f"--phases: choose among {OPPORTUNITIES}, mix, {TRANSIT}")
    if not 0 <= args.iso_share < 1:
        parser.error("--iso-share must be in [0, 1)")
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")
    return args


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def git_commit() -> str | None:
    """The repository's HEAD commit (the benchmark's code is the work tree, which may differ)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configs = [ServerConfig.parse(part) for part in args.configs.split(",") if part.strip()]
    data_dir = args.data_dir.resolve()
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    temporary = args.home is None
    home = Path(tempfile.mkdtemp(prefix="vicino-bench-")) if temporary else args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    logs = home / "bench-logs"
    logs.mkdir(exist_ok=True)
    try:
        env = bench_env(home, data_dir)
        print(f"VICINO_HOME={home} (temporary: {temporary}), VICINO_DATA_DIR={data_dir}")
        print(f"load average before: {os.getloadavg()}")
        setup = {} if args.skip_setup else run_setup(env, logs)
        candidates = candidate_points(data_dir, args.seed)
        points: list[tuple[float, float]] = []
        results = []
        for config in configs:
            result, points = bench_config(config, env, logs, args, candidates, points)
            results.append(result)
        print_tables(results, args.users)
        report = {
            "benchmark": "point_query",
            "city": CITY,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "parameters": {
                "users": args.users,
                "seconds": args.seconds,
                "iso_share": args.iso_share,
                "points": len(points),
                "seed": args.seed,
                "opportunities_path": endpoint_path(OPPORTUNITIES, 0.0, 0.0).replace("0.000000,0.000000", "LON,LAT"),
                "isochrones_path": endpoint_path(ISOCHRONES, 0.0, 0.0).replace("0.000000,0.000000", "LON,LAT"),
                "client": "python http.client, one keep-alive connection per user thread",
                "server": "gunicorn web.wsgi (see each configuration), DEBUG=0, SpatiaLite",
            },
            "goal": {"p95_ms": GOAL_P95_MS, "users": GOAL_USERS, "endpoint": OPPORTUNITIES},
            "setup_s": {k: round(v, 1) for k, v in setup.items()},
            "configs": results,
        }
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.output}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if temporary:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
