"""The Dask settings Vicino's jobs need hold on a cluster it starts and on one started from deploy/dask (compose).

Both clusters must keep the broadcast inputs between layers (no active memory manager) and leave glibc's memory
trimming alone (Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` makes every task map and unmap its large arrays again).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from routing.distributed import SCHEDULER_CONFIG
from tests.dask_cluster import dask_cluster_client  # noqa: F401 (the client fixture)

pytestmark = pytest.mark.slow

DEPLOY_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "dask"


def flattened(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}`` (dask.config's dotted keys)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat |= flattened(value, f"{name}.")
        else:
            flat[name] = value
    return flat


def test_the_compose_config_sets_what_a_cluster_vicino_starts_gets() -> None:
    import dask.config

    [from_yaml] = list(dask.config.collect_yaml([str(DEPLOY_CONFIG)]))
    assert flattened(from_yaml) == SCHEDULER_CONFIG


def test_a_nanny_reading_the_compose_config_leaves_malloc_trimming_to_glibc() -> None:
    import dask.config
    from distributed.nanny import _get_env_variables

    assert "MALLOC_TRIM_THRESHOLD_" in _get_env_variables("distributed.nanny.pre-spawn-environ")  # Dask's default
    [from_yaml] = list(dask.config.collect_yaml([str(DEPLOY_CONFIG)]))
    with dask.config.set(flattened(from_yaml)):
        environ = _get_env_variables("distributed.nanny.pre-spawn-environ")
    assert "MALLOC_TRIM_THRESHOLD_" not in environ
    assert environ["OMP_NUM_THREADS"] == "1"  # Dask's other defaults stay


def test_the_workers_vicino_starts_have_no_malloc_trim_threshold(client: Any) -> None:
    if "MALLOC_TRIM_THRESHOLD_" in os.environ:
        pytest.skip("this shell sets MALLOC_TRIM_THRESHOLD_ itself, and workers inherit it")
    seen = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(seen) == 2
    assert set(seen.values()) == {None}


def test_the_scheduler_vicino_starts_has_no_active_memory_manager(client: Any) -> None:
    assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.extensions["amm"].running) is False
