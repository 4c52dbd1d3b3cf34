"""`site_hubs --sweep`: every combination solved (on a local Dask cluster too) equals the scenarios run one by one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from geo.models import City, SitingScenario
from tests.conftest import city_with_layers_fixture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


poa = city_with_layers_fixture("porto_alegre", ("age_11_13",), {"school"})


def outcome(scenario: SitingScenario) -> tuple[object, ...]:
    p = scenario.parameters
    return (p["objective"], p["new"], p["minutes"], [s["id"] for s in scenario.sites], scenario.result["overall"])


@pytest.mark.parametrize("dask", ["", "local:2"])
def test_a_sweep_stores_what_single_runs_store(poa: City, dask: str) -> None:
    out = StringIO()
    call_command("site_hubs", "porto_alegre", "--sweep", "--new", "1,2", "--objective", "mclp,pmedian,lscp",
                 "--minutes", "10,15", "--candidates", "schools", "--dask", dask, stdout=out)  # fmt: skip
    swept = list(SitingScenario.objects.order_by("id"))
    # 2 objectives × 2 p × 2 T, and set covering once per T (it has no p).
    assert len(swept) == 10 and "Stored 10 scenarios." in out.getvalue()
    SitingScenario.objects.all().delete()
    for scenario in swept:
        p = scenario.parameters
        call_command("site_hubs", "porto_alegre", "--new", str(p["new"] or 1), "--objective", p["objective"],
                     "--minutes", str(p["minutes"]), "--candidates", "schools", stdout=StringIO())  # fmt: skip
    single = list(SitingScenario.objects.order_by("id"))
    for a, b in zip(swept, single, strict=True):
        expected = outcome(b)
        if a.parameters["objective"] == "lscp":  # set covering has no p: the single run records the --new it was given
            expected = (expected[0], 0, *expected[2:])
        assert outcome(a) == expected


def test_lists_need_sweep(poa: City) -> None:
    with pytest.raises(CommandError, match="give --sweep for lists"):
        call_command("site_hubs", "porto_alegre", "--new", "1,2", stdout=StringIO())
    with pytest.raises(CommandError, match="numbers separated by commas"):
        call_command("site_hubs", "porto_alegre", "--sweep", "--minutes", "ten", stdout=StringIO())
