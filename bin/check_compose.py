"""Validate docker-compose.yml where no Docker engine runs: `docker compose config` if the client works
offline, otherwise a structural check of the YAML (services, images/builds, volumes, ports)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml


def structural_errors(document: dict, base: Path = Path()) -> list[str]:
    """Problems a compose file must not have, checked without Docker (paths relative to ``base``)."""
    errors: list[str] = []
    services = document.get("services")
    if not isinstance(services, dict) or not services:
        return ["no services"]
    declared_volumes = set((document.get("volumes") or {}).keys())
    for name, service in services.items():
        if "image" not in service and "build" not in service:
            errors.append(f"service {name!r} has neither image nor build")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/", "~", "$")) and source not in declared_volumes:
                errors.append(f"service {name!r} uses undeclared volume {source!r}")
        for dependency in service.get("depends_on", {}) or {}:
            if dependency not in services:
                errors.append(f"service {name!r} depends on unknown service {dependency!r}")
        healthcheck = service.get("healthcheck")
        if healthcheck is not None and not healthcheck.get("test"):
            errors.append(f"service {name!r} has a healthcheck without a test")
        build = service.get("build")
        if build is not None:
            errors += _app_service_errors(name, service, base)
    return errors


def _app_service_errors(name: str, service: dict, base: Path) -> list[str]:
    """The service built from this repository: it must prepare static files and say when it is healthy."""
    build = service["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = base / context / ("Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile"))
    if not dockerfile.exists():
        return [f"service {name!r} builds from missing {dockerfile}"]
    errors = []
    own_command = str(service.get("command") or "")
    if own_command and not any(server in own_command for server in ("gunicorn", "runserver")):
        return errors  # the same image running something else (a Dask scheduler or worker), not the web app
    command = str(own_command or "\n".join(
        line for line in dockerfile.read_text().splitlines() if line.strip().startswith(("CMD", "ENTRYPOINT"))
    ))  # fmt: skip
    # With DEBUG=0 every page is a 500 until collectstatic has written the manifest of static files.
    if "collectstatic" not in command:
        errors.append(f"service {name!r} never runs `manage.py collectstatic` (pages fail with DEBUG=0)")
    if "/health/" not in str((service.get("healthcheck") or {}).get("test", "")):
        errors.append(f"service {name!r} has no healthcheck on /health/")
    return errors


def main(path: str) -> int:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "-f", path, "config", "-q"], capture_output=True, text=True)
        if probe.returncode == 0:
            print(f"{path}: docker compose config accepts it")
            return 0
        # Without the compose plugin, `docker` rejects the subcommand itself: fall back to the checks below.
        compose_missing = any(
            hint in probe.stderr for hint in ("unknown command", "is not a docker command", "unknown shorthand flag")
        )
        if not compose_missing:
            print(probe.stderr, file=sys.stderr)
            return 1
    document = yaml.safe_load(Path(path).read_text())
    errors = structural_errors(document, Path(path).resolve().parent)
    for error in errors:
        print(f"{path}: {error}", file=sys.stderr)
    if not errors:
        print(f"{path}: valid ({', '.join(document['services'])}); no Docker compose client here to run `config`")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml"))
