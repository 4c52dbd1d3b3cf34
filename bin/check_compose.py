"""Validate docker-compose.yml where no Docker engine runs: `docker compose config` if the client works
offline, otherwise a structural check of the YAML (services, images/builds, volumes, ports)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml


def structural_errors(document: dict) -> list[str]:
    """Problems a compose file must not have, checked without Docker."""
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
        build = service.get("build")
        if isinstance(build, dict):
            dockerfile = Path(build.get("context", ".")) / build.get("dockerfile", "Dockerfile")
            if not dockerfile.exists():
                errors.append(f"service {name!r} builds from missing {dockerfile}")
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
    errors = structural_errors(document)
    for error in errors:
        print(f"{path}: {error}", file=sys.stderr)
    if not errors:
        print(f"{path}: valid ({', '.join(document['services'])}); no Docker compose client here to run `config`")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml"))
