"""The one place that fetches sources: a local file when there is one, otherwise a cached download.

Offline, every source is a local file under the data directory. With a network, a source with no local file is
downloaded from its official URL into the cache, keyed by a hash of the URL; a failed download is never cached.
Tests replace :func:`http_get` to exercise the download path without a network.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from data_sources.cities import SourceConfig
from data_sources.errors import DownloadError, SourceNotFoundError

REQUEST_TIMEOUT_S = 60


def http_get(url: str, destination: Path) -> None:
    """Download ``url`` to ``destination`` (streamed). Raises DownloadError on any failure."""
    import requests

    try:
        with requests.get(url, stream=True, timeout=REQUEST_TIMEOUT_S) as response:
            response.raise_for_status()
            with destination.open("wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    handle.write(chunk)
    except requests.RequestException as error:
        raise DownloadError(f"Could not download {url}: {error}") from error


def cached_path_for_url(url: str, cache_dir: Path) -> Path:
    """Where the download of ``url`` is kept in the cache."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    name = url.rstrip("/").rsplit("/", 1)[-1] or "download"
    return cache_dir / "downloads" / f"{digest}-{name}"


def path_for_source(source: SourceConfig, data_dir: Path, cache_dir: Path, override: str | Path | None = None) -> Path:
    """The local path of a source: the user's override, the local file, or a (cached) download.

    Raises
    ------
    SourceNotFoundError
        When the override or local file is missing and there is no URL to download from.
    DownloadError
        When the download fails.
    """
    if override:
        path = Path(override).expanduser()
        if not path.exists():
            raise SourceNotFoundError(f"{source.name}: the file given on the command line, {path}, does not exist.")
        return path
    if source.file:
        local = data_dir / source.file
        if local.exists():
            return local
    if not source.url:
        raise SourceNotFoundError(
            f"{source.name}: {data_dir / source.file} does not exist and the source has no download URL. "
            "Set VICINO_DATA_DIR to the folder holding the city's data, or give the file on the command line."
        )
    target = cached_path_for_url(source.url, cache_dir)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        partial = Path(handle.name)
    try:
        http_get(source.url, partial)
        shutil.move(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def sha256_of_file(path: Path) -> str:
    """Content hash of a file (or of every file in a folder, in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
