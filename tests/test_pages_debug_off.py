"""With DEBUG=0 (production: whitenoise's manifest storage) pages render once ``collectstatic`` has run, and are
500s before: the reason the Dockerfile, docker-compose and the README's production steps run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
PAGES = ["/", "/cities/milan/", "/cities/milan/schools/", "/accounts/login/", "/api/v1/docs/"]


def production(static_root: Path) -> override_settings:
    return override_settings(DEBUG=False, STATIC_ROOT=static_root, STORAGES=PRODUCTION_STORAGES)


def test_pages_fail_without_collectstatic(milan_loaded: object, tmp_path: Path) -> None:
    with production(tmp_path / "static"):
        response = Client(raise_request_exception=False).get("/cities/milan/")
    assert response.status_code == 500


def test_pages_and_their_static_files_after_collectstatic(milan_loaded: object, tmp_path: Path) -> None:
    static_root = tmp_path / "static"
    with production(static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (static_root / "staticfiles.json").exists()
        client = Client(raise_request_exception=False)
        for url in PAGES:
            response = client.get(url, follow=True)
            assert response.status_code == 200, (url, response.status_code)
            page = response.content.decode()
            # Static files are referenced by their hashed names, and whitenoise serves them.
            assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
            assert assets, url
            for asset in assets:
                assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), asset
                served = client.get(asset)
                assert served.status_code == 200, asset
