"""The pure packages import and work without Django configured, and never import it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import importlib, pkgutil, sys
for package_name in ("data_sources", "routing", "layers"):
    package = importlib.import_module(package_name)
    for module in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(module.name)
leaked = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print("modules", len([m for m in sys.modules if m.split(".")[0] in ("data_sources", "routing", "layers")]))
print("django", leaked)
"""


def test_pure_packages_import_without_django_settings() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "django []" in result.stdout
    count = int(result.stdout.split("modules ")[1].split()[0])
    assert count >= 6  # every module was actually imported, not just the package roots
