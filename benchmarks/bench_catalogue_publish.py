"""Benchmark: publishing approved offerings on Milan, a full city reload against a release derived from the served one.

Run from the repository root (SpatiaLite, a fresh database in a temporary ``VICINO_HOME``)::

    python benchmarks/bench_catalogue_publish.py [--quick] [--offerings 50]

Milan is loaded and its walking layers computed (every default profile and origin set; ``--quick``: one profile,
the NIL), ``--offerings`` approved offerings are made, then the same publication runs twice:

- ``full_reload``: what the publish job did before: :func:`geo.importing.import_catalogue` (every source of the city
  read again, inside one transaction), the served release's layers, publish;
- ``derived``: the job as it is now (:func:`geo.catalogue_publishing.start_publish_job`): the served release's rows
  copied in short transactions, the catalogue read and stored, the layers, publish.

While each runs, a separate process (plain ``sqlite3``) writes one row every 50 ms with ``BEGIN IMMEDIATE``, as a
web request writing a session or a wish would: how long each of its writes waited is the write lock the
publication held. Reported per run: wall seconds (the derivation's own share apart), the longest wait of a web
write, and the seconds of waits over 0.5 s added up.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _harness

PROBE_EVERY_S = 0.05


def probe(database: str, stop: str, output: str) -> None:
    """Write a row every :data:`PROBE_EVERY_S` until ``stop`` exists; record (start, wait) of each write."""
    connection = sqlite3.connect(database, timeout=600, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_probe (at REAL)")
    waits: list[tuple[float, float]] = []
    while not Path(stop).exists():
        started = time.monotonic()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench_probe VALUES (?)", (started,))
        connection.execute("COMMIT")
        waits.append((started, time.monotonic() - started))
        time.sleep(PROBE_EVERY_S)
    Path(output).write_text(json.dumps(waits))


def _lock_figures(waits: list[tuple[float, float]], start: float, end: float) -> dict[str, float]:
    inside = [wait for at, wait in waits if start <= at <= end]
    return {
        "probe_writes": len(inside),
        "longest_write_wait_s": round(max(inside, default=0.0), 3),
        "waits_over_0_5_s_total_s": round(sum(w for w in inside if w > 0.5), 2),
    }


def main() -> None:
    parser = _harness.argument_parser(__doc__, output="catalogue_publish.json", quick="one profile, NIL origins only")
    parser.add_argument("--offerings", type=int, default=50, help="approved offerings to publish")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vicino-bench-publish-"))
    os.environ.update(
        {"VICINO_HOME": str(home), "VICINO_DATA_DIR": str(args.data_dir), "DJANGO_SETTINGS_MODULE": "web.settings"}
    )
    sys.path.insert(0, str(_harness.REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from data_sources.cities import city_config_from_slug
    from geo import catalogue_publishing, derived_release
    from geo.access import compute_access
    from geo.importing import import_catalogue, import_city
    from geo.models import City, Offering, Provider
    from geo.offerings import decide_offering, moderators_group
    from geo.open_catalogue import write_catalogue_csv
    from geo.releases import publish_if_complete
    from routing.profiles import DEFAULT_PROFILES, profile_by_name

    call_command("migrate", verbosity=0)
    config = city_config_from_slug("milan")
    profiles = (profile_by_name("age_11_13"),) if args.quick else DEFAULT_PROFILES
    kinds = {"nil"} if args.quick else None
    _, import_s = _harness.timed(lambda: import_city(config))
    city = City.objects.get(slug="milan")
    _, layers_s = _harness.timed(lambda: compute_access(city, profiles=profiles, origin_kinds=kinds))
    served = city.current_release()
    layer_count = served.access_layers.count()
    print(f"Milan loaded in {import_s:.1f} s, {layer_count} layers in {layers_s:.1f} s", flush=True)

    moderator = User.objects.create_user("bench-moderator")
    moderator.groups.add(moderators_group())
    provider = Provider.objects.create(city=city, name="Bench", slug="bench")
    for n in range(args.offerings):
        offering = Offering.objects.create(
            provider=provider, name=f"Laboratorio {n}", category=("arts", "sport", "stem")[n % 3],
            pillars="talents_creativity", longitude=9.15 + 0.001 * (n % 60), latitude=45.45 + 0.0007 * (n % 40),
            status="submitted",
        )  # fmt: skip
        decide_offering(offering, moderator, "approve")

    database = settings.DATABASES["default"]["NAME"]
    stop, waits_file = home / "probe.stop", home / "probe.json"
    prober = subprocess.Popen(
        [sys.executable, __file__, "--probe", database, str(stop), str(waits_file)], cwd=_harness.REPO,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    runs: dict[str, dict[str, Any]] = {}

    def full_reload() -> None:  # the job's steps before: a full import with the catalogue, the layers, publish
        path = home / "catalogues" / "milan" / "full-reload.csv"
        write_catalogue_csv(city, path)
        result = import_catalogue(config, path, name=catalogue_publishing.CATALOGUE_NAME)
        for plan in catalogue_publishing.access_plans(served):
            compute_access(city, profiles=tuple(p for p in DEFAULT_PROFILES if p.name in plan.profiles),
                           origin_kinds=set(plan.origin_kinds), mode=plan.mode)  # fmt: skip
        assert publish_if_complete(result.release).published

    derive_s: list[float] = []
    derive = derived_release.derive_release_with_catalogue

    def timed_derive(*a: Any, **k: Any) -> Any:
        value, seconds = _harness.timed(lambda: derive(*a, **k))
        derive_s.append(seconds)
        return value

    catalogue_publishing.derive_release_with_catalogue = timed_derive  # type: ignore[assignment]

    def derived() -> None:
        job = catalogue_publishing.start_publish_job(city, moderator, background=False)
        assert job.status == "done", job.message

    try:
        for name, run in (("full_reload", full_reload), ("derived", derived)):
            start = time.monotonic()
            _, seconds = _harness.timed(run)
            runs[name] = {"seconds": round(seconds, 2), "window": (start, time.monotonic())}
            print(f"{name}: {seconds:.1f} s", flush=True)
    finally:
        stop.touch()
        prober.wait(timeout=60)
    runs["derived"]["derivation_s"] = round(derive_s[0], 2)
    waits = [tuple(w) for w in json.loads(waits_file.read_text())]
    for run in runs.values():
        run |= _lock_figures(waits, *run.pop("window"))  # type: ignore[arg-type]
    report = {
        "machine": _harness.machine(),
        "revision": _harness.engine_revision(),
        "city": "milan",
        "layers": layer_count,
        "offerings": args.offerings,
        "setup": {"import_s": round(import_s, 2), "layers_s": round(layers_s, 2)},
        "runs": runs,
    }
    print(json.dumps(runs, indent=2))
    output = args.output.with_stem(args.output.stem + "_quick") if args.quick else args.output
    print(f"report: {_harness.write_report(output, report)}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--probe":
        probe(*sys.argv[2:])
    else:
        main()
