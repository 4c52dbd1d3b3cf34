"""`compute_access --dask local:2 --parts`: the workers write each table in parts, the layers equal in-process.

The import reads the parts one at a time; when a part did not arrive, nothing is stored and the layers computed
before stay served.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from data_sources.cities import city_config_from_slug
from geo.cluster import Runner
from geo.importing import import_city
from geo.models import City
from tests.test_compute_access_dask import layer_values

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ARGS = ("--origins", "h3", "--origins", "school", "--profile", "age_14_17", "--mode", "all", "--window", "14:00-14:20")


def jobs_left() -> list[Path]:
    root = Path(settings.VICINO_HOME) / "jobs"
    return sorted(root.rglob("*")) if root.exists() else []


def test_layers_from_parts_equal_in_process() -> None:
    import_city(city_config_from_slug("porto_alegre"))
    city = City.objects.get(slug="porto_alegre")
    call_command("compute_access", "porto_alegre", *ARGS, "--dask", "", stdout=StringIO())
    in_process = layer_values(city)
    before = jobs_left()
    out = StringIO()
    call_command("compute_access", "porto_alegre", *ARGS, "--dask", "local:2", "--parts", stdout=out)
    assert "on the Dask cluster (written in parts)" in out.getvalue()
    from_parts = layer_values(city)
    assert {key[2] for key in from_parts} == {"walk", "transit"}
    assert from_parts.keys() == in_process.keys()
    for key, values in from_parts.items():
        assert len(values) > 100
        assert values == in_process[key], f"{key} differs when read from parts"
    assert jobs_left() == before  # the parts are removed once stored


def test_a_part_that_never_arrived_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import_city(city_config_from_slug("sao_paulo"))
    city = City.objects.get(slug="sao_paulo")
    call_command("compute_access", "sao_paulo", *ARGS, "--dask", "", stdout=StringIO())
    served, layers = city.current_release(), layer_values(city)
    real_parts = Runner.parts

    def one_part_lost(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = real_parts(self, *args, **kwargs)
        parts.paths[0].unlink()  # as if the worker's disk or the shared volume lost it
        return parts

    monkeypatch.setattr(Runner, "parts", one_part_lost)
    with pytest.raises(CommandError, match=r"did not deliver 1 of its \d+ parts \(part-00000\.parquet is missing\)"):
        call_command("compute_access", "sao_paulo", *ARGS, "--dask", "local:2", "--parts", stdout=StringIO())
    assert city.current_release() == served
    assert layer_values(city) == layers  # the layers computed before are still the ones served


def test_parts_need_a_cluster() -> None:
    import_city(city_config_from_slug("sao_paulo"))
    with pytest.raises(CommandError, match="needs a Dask cluster"):
        call_command("compute_access", "sao_paulo", "--dask", "", "--parts", stdout=StringIO())
