"""`compute_access --dask`: two cities in one run on a local Dask cluster give exactly the in-process layers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from data_sources.cities import city_config_from_slug
from geo.importing import import_city
from geo.models import AccessLayer, City

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ARGS = ("--origins", "h3", "--origins", "school", "--profile", "age_14_17", "--mode", "all", "--window", "14:00-14:20")


def layer_values(city: City) -> dict[tuple[str, str, str, str], dict[str, dict[str, object]]]:
    """Every layer's values by (origin kind, profile, mode, method) and origin id."""
    release = city.current_release()
    return {
        (layer.origin_kind, layer.profile, layer.mode, layer.method): {
            v.origin_id: v.values for v in layer.values.all()
        }
        for layer in AccessLayer.objects.filter(release=release)
    }


def test_two_cities_on_a_local_cluster_equal_in_process() -> None:
    for slug in ("porto_alegre", "sao_paulo"):
        import_city(city_config_from_slug(slug))
    cities = [City.objects.get(slug=s) for s in ("porto_alegre", "sao_paulo")]
    call_command("compute_access", "porto_alegre", "sao_paulo", *ARGS, "--dask", "", stdout=StringIO())
    in_process = {c.slug: layer_values(c) for c in cities}
    out = StringIO()
    call_command("compute_access", "--all", *ARGS, "--dask", "local:2", stdout=out)
    text = out.getvalue()
    assert "Dask: a local cluster of 2 worker processes" in text
    assert text.count("on the Dask cluster") == 2
    for city in cities:
        distributed = layer_values(city)
        assert {key[2] for key in distributed} == {"walk", "transit"}
        assert distributed.keys() == in_process[city.slug].keys()
        for key, values in distributed.items():
            assert len(values) > 0
            assert values == in_process[city.slug][key], f"{city.slug} {key} differs on the cluster"


def test_a_bad_scheduler_address_is_a_clear_error() -> None:
    import_city(city_config_from_slug("sao_paulo"))
    with pytest.raises(CommandError, match="local:N"):
        call_command("compute_access", "sao_paulo", "--dask", "local:many", stdout=StringIO())
    with pytest.raises(CommandError, match="does not answer"):
        call_command("compute_access", "sao_paulo", "--dask", "tcp://127.0.0.1:1", stdout=StringIO())
