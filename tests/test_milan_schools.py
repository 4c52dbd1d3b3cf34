"""Milan's schools: the Comune's yearly files and upper-secondary sites, loaded, accounted for, and reachable."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.test import Client

from data_sources.milan_schools import schools_from_services_file, schools_from_yearly_file, upper_secondary_id
from data_sources.rejects import RejectReport

SCHOOLS = "milan/schools"


def _features(path: Path) -> list[dict]:
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def _balanced(report: RejectReport, source: str, loaded: int) -> bool:
    return report.read_counts[source] == loaded + report.set_aside_count(source) + report.rejected_count(source)


@pytest.mark.parametrize(
    ("file", "level", "current"),
    [("primary_schools_2014_2024.geojson", "primary", 218), ("lower_secondary_schools_2014_2024.geojson",
                                                            "lower_secondary", 148)],
)  # fmt: skip
def test_yearly_files_load_the_latest_school_year(data_dir: Path, file: str, level: str, current: int) -> None:
    rows = _features(data_dir / SCHOOLS / file)
    latest = [r for r in rows if r["ANNOSCOL"] == max(r["ANNOSCOL"] for r in rows)]
    assert len(latest) == current  # 2023/24, as SOURCES.md counts
    schools, report = schools_from_yearly_file(data_dir / SCHOOLS / file, level=level, source=level)
    assert len(schools) == current
    assert report.set_aside_count(level) == len(rows) - current  # every older school year, each named
    assert report.rejected_count(level) == 0
    assert _balanced(report, level, len(schools))
    reasons = report.set_aside_frame()["reason"]
    assert reasons.str.startswith("school year 20").all() and reasons.str.contains("not the year loaded").all()
    assert set(schools["id"]) == {f"{level}-{r['CODICE']}" for r in latest}
    assert set(schools["level"]) == {level}
    # state vs paritaria, counted independently from the file's TIPO / PARITARIA
    state = sum(r["TIPO"] == "Statale" for r in latest)
    paritaria = sum(r["TIPO"] != "Statale" and r["PARITARIA"] == "SI" for r in latest)
    assert (schools["management"] == "state").sum() == state
    assert (schools["management"] == "paritaria").sum() == paritaria
    first = next(r for r in latest if r["CODICE"] == min(x["CODICE"] for x in latest))
    school = schools.set_index("id").loc[f"{level}-{first['CODICE']}"]
    assert school["name"] == first["DENOMINAZIONE"]
    assert school["nil"] == first["NIL"]
    assert school["address"].startswith(first["INDIRIZZO"].split(" ")[0])
    assert school.geometry.x == pytest.approx(first["LONG_X_4326"]) and school.geometry.y == pytest.approx(
        first["LAT_Y_4326"]
    )


def test_primary_and_lower_secondary_ids_never_collide(data_dir: Path) -> None:
    primary, _ = schools_from_yearly_file(data_dir / SCHOOLS / "primary_schools_2014_2024.geojson", level="primary")
    lower, _ = schools_from_yearly_file(
        data_dir / SCHOOLS / "lower_secondary_schools_2014_2024.geojson", level="lower_secondary"
    )
    assert not set(primary["id"]) & set(lower["id"])


def test_upper_secondary_sites(data_dir: Path) -> None:
    path = data_dir / SCHOOLS / "upper_secondary_schools.geojson"
    rows = _features(path)
    assert len(rows) == 174
    evening = [r for r in rows if r["ATTIVITA"] == "SERALE"]
    schools, report = schools_from_services_file(path, source="upper")
    assert len(schools) == 174 - len(evening) == 160
    assert report.set_aside_count("upper") == len(evening) == 14
    assert _balanced(report, "upper", len(schools))
    assert schools["id"].is_unique
    # ids from the source's own site code: the three institutes at COD_SEDE 4114 share the code, not the id
    at_4114 = schools[schools["id"].str.startswith("upper_secondary-4114-")]
    assert len(at_4114) == sum(r["COD_SEDE"] == "4114" and r["ATTIVITA"] != "SERALE" for r in rows) == 3
    assert upper_secondary_id("4114", "IPAA") == upper_secondary_id(4114.0, "  ipaa ")  # stable across formats
    # WGS84 columns, not the Gauss-Boaga X/Y (which are millions of metres)
    assert schools.geometry.x.between(9.0, 9.3).all() and schools.geometry.y.between(45.38, 45.54).all()
    state = sum(r["POSIZGIURI"] == "STATALE" for r in rows if r["ATTIVITA"] != "SERALE")
    assert (schools["management"] == "state").sum() == state
    assert (schools["management"] == "private").sum() == sum(
        r["PARITARIA"] == "PRIVATA NON PARITARIA" for r in rows if r["ATTIVITA"] != "SERALE"
    )
    enrolled = schools.set_index("id").loc[upper_secondary_id("4114", "IPAA"), "capacity"]
    assert enrolled == 116


def _geojson(path: Path, rows: list[dict]) -> Path:
    features = [
        {"type": "Feature", "properties": r, "geometry": {"type": "Point", "coordinates": [r["LONG_X_4326"],
                                                                                        r["LAT_Y_4326"]]}}
        for r in rows
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_hand_built_yearly_file(tmp_path: Path) -> None:
    base = {"DENOMINAZIONE": "A", "TIPO": "Statale", "PARITARIA": "No", "INDIRIZZO": "Via Padova", "CIVICO": "12",
            "NIL": "LORETO", "LONG_X_4326": 9.22, "LAT_Y_4326": 45.49}  # fmt: skip
    rows = [
        base | {"ANNOSCOL": 2223, "CODICE": 1},  # older year: set aside
        base | {"ANNOSCOL": 2324, "CODICE": 1},  # loads
        base | {"ANNOSCOL": 2324, "CODICE": 2, "TIPO": "Ente religioso", "PARITARIA": "SI"},  # paritaria
        base | {"ANNOSCOL": 2324, "CODICE": 2},  # the same code again in one year: rejected
        base | {"ANNOSCOL": 2324, "CODICE": 3, "LONG_X_4326": None},  # no coordinates: rejected
        base | {"ANNOSCOL": 2324, "CODICE": 4, "TIPO": "Privato", "PARITARIA": "No", "INDIRIZZO": "Via Padova 12"},
    ]
    schools, report = schools_from_yearly_file(_geojson(tmp_path / "p.geojson", rows), level="primary", source="p")
    assert schools["id"].tolist() == ["primary-1", "primary-2", "primary-4"]
    assert schools["management"].tolist() == ["state", "paritaria", "private"]
    assert schools["address"].tolist() == ["Via Padova 12"] * 3  # CIVICO added once
    assert report.read_counts["p"] == 6 and report.set_aside_count("p") == 1 and report.rejected_count("p") == 2
    assert {(r.row, r.field) for r in report} == {(4, "id"), (5, "LONG_X_4326")}  # the second use of code 2
    older, _ = schools_from_yearly_file(tmp_path / "p.geojson", level="primary", source="p", school_year=2223)
    assert older["id"].tolist() == ["primary-1"]


# ---------------------------------------------------------------------------------------------------------------
# Loaded into a release and queried through the API


@pytest.mark.django_db
def test_schools_load_and_every_line_adds_up(milan) -> None:  # type: ignore[no-untyped-def]
    counts = milan.counts
    assert counts["schools_primary"] == {"read": 2180, "loaded": 218, "set_aside": 1962, "rejected": 0}
    assert counts["schools_lower_secondary"] == {"read": 1442, "loaded": 148, "set_aside": 1294, "rejected": 0}
    assert counts["schools_upper_secondary"] == {"read": 174, "loaded": 160, "set_aside": 14, "rejected": 0}
    assert milan.release.schools.count() == 218 + 148 + 160
    assert milan.release.schools.filter(level="primary", nil="DUOMO").exists()


@pytest.mark.django_db
def test_a_milan_school_reachable_by_walk_from_the_api(milan) -> None:  # type: ignore[no-untyped-def]
    from geo.models import School

    client = Client()
    listing = client.get("/api/v1/cities/milan/schools/").json()
    assert listing["properties"]["count"] == 526
    school = School.objects.get(release=milan.release, source_id="lower_secondary-3002")  # Luca Beltrami, Duomo
    feature = next(f for f in listing["features"] if f["properties"]["code"] == school.source_id)
    assert feature["properties"]["level"] == "lower_secondary" and feature["properties"]["nil"] == "DUOMO"
    url = f"/api/v1/cities/milan/schools/{school.source_id}/reachable?minutes=15&age=12&mode=walk"
    result = client.get(url).json()
    assert result["properties"]["school"]["code"] == "lower_secondary-3002"
    assert result["properties"]["method"] == "straight_line"  # Milan has no street network offline
    minutes = [f["properties"]["minutes"] for f in result["features"]]
    assert minutes and minutes == sorted(minutes) and max(minutes) <= 15
    # the same answer by the release's row id, and as CSV with one row per opportunity
    assert client.get(url.replace(school.source_id, str(school.pk))).json()["properties"]["count"] == len(minutes)
    response = client.get(url + "&format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert len(rows) == len(minutes)
    # Milan's API answers in Italian unless asked otherwise: the explanation says the time is an estimate.
    assert "stima dalla distanza" in rows[0]["explanation"]
    english = client.get(url + "&format=csv", HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8")
    assert "estimated from distance" in list(csv.DictReader(io.StringIO(english)))[0]["explanation"]
    # nothing for 12-year-olds that the mapping tables reserve for adults (university libraries are 18+)
    assert not any(f["properties"].get("kind") == "university_library" for f in result["features"])
    missing = client.get("/api/v1/cities/milan/schools/primary-999999/reachable")
    assert missing.status_code == 404 and "primary-999999" in missing.json()["error"]
