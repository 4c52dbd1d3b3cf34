"""`site_hubs` and the planner's scenarios: chosen sites, fixed hubs kept, before/after stored, clear errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from geo.models import City, SitingScenario
from tests.conftest import city_with_layers_fixture

pytestmark = pytest.mark.django_db


poa = city_with_layers_fixture("porto_alegre", ("age_11_13",), {"school"})


def run(*args: str) -> str:
    out = StringIO()
    call_command("site_hubs", *args, stdout=out)
    return out.getvalue()


def test_mclp_opens_new_sites_and_keeps_fixed_hubs(poa: City, tmp_path: Path) -> None:
    hubs = tmp_path / "hubs.csv"
    hubs.write_text("id,name,longitude,latitude\nh1,Hub Centro,-51.2280,-30.0290\n", encoding="utf-8")
    output = run("porto_alegre", "--new", "2", "--objective", "mclp", "--minutes", "10", "--candidates", "h3",
                 "--hubs", str(hubs))  # fmt: skip
    scenario = SitingScenario.objects.get()
    fixed = [s for s in scenario.sites if s["fixed"]]
    new = [s for s in scenario.sites if not s["fixed"]]
    assert [s["id"] for s in fixed] == ["hub:h1"] and len(new) == 2
    overall = scenario.result["overall"]
    assert overall["coverage_after"] > overall["coverage_before"] > 0  # the fixed hub already covers some youth
    assert scenario.result["status"] == "optimal"
    assert "fixed hub:h1" in output and "youth within 10 min" in output
    assert set(scenario.result["by_age_band"]) == {"age_0_4", "age_5_9", "age_10_14", "age_15_17"}


def test_pinned_and_forbidden_sites(poa: City) -> None:
    run("porto_alegre", "--new", "1", "--minutes", "10", "--candidates", "h3")
    best = next(s["id"] for s in SitingScenario.objects.get().sites if not s["fixed"])
    run("porto_alegre", "--new", "1", "--minutes", "10", "--candidates", "h3", "--forbid", best)
    second = SitingScenario.objects.order_by("-id").first()
    assert best not in {s["id"] for s in second.sites}
    first = SitingScenario.objects.order_by("id").first()
    assert second.result["overall"]["coverage_after"] <= first.result["overall"]["coverage_after"]


def test_pmedian_and_lscp_run(poa: City) -> None:
    run("porto_alegre", "--new", "2", "--objective", "pmedian", "--minutes", "15", "--candidates", "schools")
    run("porto_alegre", "--objective", "lscp", "--minutes", "20", "--candidates", "h3")
    pmedian, lscp = SitingScenario.objects.order_by("id")
    assert len(pmedian.sites) == 2
    assert lscp.result["objective_value"] == len([s for s in lscp.sites if not s["fixed"]])  # LSCP: the site count
    assert lscp.result["overall"]["coverage_after"] > 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--new", "0"], "p must be at least 1 new site, not 0"),
        (["--minutes", "0"], "out of range"),
        (["--minutes", "500"], "out of range"),
        (["--candidates", "castles"], "unknown candidate source"),
        (["--forbid", "nope"], "unknown site id"),
    ],
)
def test_bad_inputs_are_clear_errors(poa: City, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("porto_alegre", *args)
