"""A layer download after compute_access recomputed the layer serves the new layer, not the cached old one."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import load_city_with_layers


def rows_of(response: object) -> dict[str, dict[str, str]]:
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return {row["origin_id"]: row for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.django_db(transaction=True)
def test_download_follows_the_recomputed_layer(settings: object, tmp_path: object) -> None:
    from geo.access import compute_access
    from geo.models import AccessLayer, AccessValue
    from routing.profiles import profile_by_name

    settings.VICINO_HOME = tmp_path  # type: ignore[attr-defined]
    city = load_city_with_layers("sao_paulo", ("age_11_13",), {"h3"})
    client = Client()
    # Layers are the analysts' group (login or token by default, README "Who can see what").
    client.force_login(User.objects.get_or_create(username="layers-analyst")[0])
    url = "/api/v1/cities/sao_paulo/layers/walk_age_11_13_h3.csv"
    first = rows_of(client.get(url))
    cell = next(iter(first))
    # Make the stored layer differ from what was exported, as a recomputation on new data would.
    layer = AccessLayer.objects.get(release__city=city, mode="walk", profile="age_11_13", origin_kind="h3")
    value = AccessValue.objects.get(layer=layer, origin_id=cell)
    assert float(first[cell]["education_within_15"]) == value.values["education_within_15"]
    compute_access(city, profiles=(profile_by_name("age_11_13"),), origin_kinds={"h3"})
    new_layer = AccessLayer.objects.get(release__city=city, mode="walk", profile="age_11_13", origin_kind="h3")
    new_value = AccessValue.objects.get(layer=new_layer, origin_id=cell)
    new_value.values = new_value.values | {"education_within_15": 12345}
    new_value.save()
    second = rows_of(client.get(url))
    assert float(second[cell]["education_within_15"]) == 12345
    assert len(second) == len(first)
