"""Every CSV Vicino writes shows a hostile name as text, never as a spreadsheet formula (OWASP CSV injection).

Hostile names come through a catalogue (as a planner would import one) and reach the reject report, the school
"what pupils reach" CSV, the scenario CSV and the layer CSV. Negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.core.management import call_command

from data_sources.csv_safety import safe_cell, safe_frame
from layers.exports import layer_to_csv

TESTS = Path(__file__).resolve().parent
CITY = str(TESTS / "data" / "milan_boundaries_only.toml")
HYPERLINK = '=HYPERLINK("http://evil.example","click")'
HEADER = (
    "id,name,provider,category,pillars,kind,age_min,age_max,price,voucher,opening_hours,capacity,address,"
    "longitude,latitude,website"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+39 02 1234", "'+39 02 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Laboratorio di teatro", "Laboratorio di teatro"),
        ("a=b", "a=b"),
        ("-12.5", "-12.5"),  # a number written as text is read as a number, not a formula
        ("+7", "+7"),
        (-12.5, -12.5),
        (-3, -3),
        (None, None),
    ],
)
def test_a_cell_is_neutralised_only_when_it_would_be_a_formula(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_a_layer_csv_keeps_negative_numbers_and_neutralises_names(tmp_path: Path) -> None:
    layer = gpd.GeoDataFrame(
        {"origin_id": [HYPERLINK, "@cell"], "change": [-1.5, 2.0], "name": ["-abc", "ok"]},
        geometry=[shapely.Point(9.19, 45.46), shapely.Point(9.2, 45.47)],
        crs=4326,
    )
    path = layer_to_csv(layer, tmp_path / "layer.csv", {"attribution": "=cmd|' /C calc'!A0", "method": "walk"})
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["origin_id"] for r in rows] == ["'" + HYPERLINK, "'@cell"]
    assert [r["name"] for r in rows] == ["'-abc", "ok"]
    assert [float(r["change"]) for r in rows] == [-1.5, 2.0]
    assert float(rows[0]["longitude"]) == pytest.approx(9.19)
    assert rows[0]["attribution"] == "'=cmd|' /C calc'!A0"
    assert list(safe_frame(layer.drop(columns="geometry"))["change"]) == [-1.5, 2.0]


@pytest.mark.django_db
def test_catalogue_names_reach_reports_school_and_scenario_csvs_as_text(tmp_path: Path) -> None:
    from geo.catalog import reachable_csv_response
    from geo.models import DataRelease, SitingScenario
    from geo.siting import scenario_export

    catalogue = tmp_path / "hostile.csv"
    catalogue.write_text(
        HEADER + "\n"
        f'h-1,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",@provider,sport,physical_activity,football,6,17,0,no,,,'
        '"-Via X 1",9.19,45.46,\n'
        "h-2,+ciao,x,@evil,,x,6,17,0,no,,,,9.19,45.46,\n",
        encoding="utf-8",
    )
    rejects_path = tmp_path / "rejects.csv"
    call_command("import_opportunities", str(catalogue), "--city", CITY, "--rejects", str(rejects_path),
                 stdout=io.StringIO())  # fmt: skip
    rejects = [r for r in csv.DictReader(rejects_path.open(encoding="utf-8")) if r["id"] == "h-2"]
    assert rejects and rejects[0]["reason"] == "unknown category" and rejects[0]["value"] == "'@evil"
    raw = rejects_path.read_text(encoding="utf-8")
    assert "\n=" not in raw and ",=" not in raw and ",+" not in raw and ",@" not in raw

    release = DataRelease.objects.filter(city__slug="milan_boundaries").order_by("-created", "-id").first()
    opportunity = release.opportunities.get(source_id="h-1")
    assert opportunity.name == HYPERLINK  # stored as given: neutralised only when written to a CSV

    # The school page's CSV, built from a point query result holding that opportunity.
    result = {
        "features": [
            {
                "properties": {
                    "id": "h-1",
                    "name": opportunity.name,
                    "category": "sport",
                    "minutes": 4.2,
                    "address": "-Via X 1",
                    "explanation": "4 min walk",
                },
                "geometry": {"type": "Point", "coordinates": [9.19, -45.46]},
            }  # fmt: skip
        ]
    }
    response = reachable_csv_response(result, "school.csv")
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["name"] == "'" + HYPERLINK and row["address"] == "'-Via X 1"
    assert float(row["latitude"]) == -45.46  # a negative number stays a number

    # The planner's scenario CSV, with that opportunity chosen as a hub site.
    scenario = SitingScenario.objects.create(
        release=release,
        name="@scenario",
        sites=[{"id": "opportunity:h-1", "name": opportunity.name, "lon": 9.19, "lat": 45.46, "fixed": False}],
        result={"overall": {}},
    )
    _, content = scenario_export(scenario, "csv")
    (site,) = csv.DictReader(io.StringIO(content.decode("utf-8")))
    assert site["name"] == "'" + HYPERLINK and float(site["lon"]) == pytest.approx(9.19)
