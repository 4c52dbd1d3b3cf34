"""The opportunity catalogue reader (data_sources.catalogue) and the row checks it shares (data_sources.validation).

Plain pytest, no Django. A hand-made bad catalogue holds one row of each bad kind plus good rows; the example
Milan catalogue must load whole; GeoJSON variants check CRS handling. Milan's boundary is the union of the 9
Municipi from the shared data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from data_sources import catalogue as cat
from data_sources import validation as val
from data_sources.contracts import CATEGORIES, OPPORTUNITY_COLUMNS, PILLARS
from data_sources.errors import CRSError, NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("VICINO_DATA_DIR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
EXAMPLE = REPO / "data_sources" / "examples" / "catalogue_milan_example.csv"
BAD = REPO / "tests" / "data" / "catalogue_bad.csv"

# row (1 = first data row) -> (id, field, reason) of every bad row of catalogue_bad.csv
EXPECTED_REJECTS: dict[int, tuple[str, str, str]] = {
    6: ("bad-coords-missing", "longitude", val.MISSING_COORDINATES),
    7: ("bad-coords-text", "longitude", val.UNPARSEABLE_COORDINATES),
    8: ("bad-range", "longitude", val.OUT_OF_RANGE),
    9: ("bad-outside", "longitude", val.OUTSIDE_BOUNDARY),
    10: ("bad-swapped", "latitude", val.SWAPPED),
    11: ("bad-category", "category", cat.UNKNOWN_CATEGORY),
    12: ("bad-pillar", "pillars", cat.UNKNOWN_PILLAR),
    13: ("bad-ages", "age_min", cat.AGE_ORDER),
    14: ("bad-price", "price", cat.NEGATIVE_PRICE),
    15: ("bad-capacity", "capacity", cat.NEGATIVE_CAPACITY),
    16: ("good-1", "id", val.DUPLICATE_ID),
    17: ("bad-hours", "opening_hours", val.INVALID_OPENING_HOURS),
    18: ("bad-utf8", "name", val.NON_UTF8),
    19: ("", "id", cat.MISSING_ID),
    20: ("bad-name", "name", cat.MISSING_NAME),
    21: ("bad-voucher", "voucher", cat.VOUCHER_NOT_YES_NO),
}
GOOD_IDS = ["good-1", "good-2", "good-3", "good-4", "good-5"]


@pytest.fixture(scope="module")
def milan_boundary() -> shapely.Geometry:
    """The Comune di Milano: the union of its 9 Municipi."""
    path = DATA_DIR / "milan" / "boundaries" / "municipi_9_ds379.geojson"
    assert path.is_file(), f"shared data not found at {DATA_DIR}: set VICINO_DATA_DIR"
    return gpd.read_file(path).union_all()


@pytest.fixture(scope="module")
def example_rows() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


def _write_geojson(path: Path, rows: pd.DataFrame, xy: np.ndarray, crs_name: str | None) -> Path:
    features = []
    for (_, row), (x, y) in zip(rows.iterrows(), xy, strict=True):
        props = {k: v for k, v in row.items() if k not in {"longitude", "latitude"}}
        features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}}
        )
    document: dict[str, object] = {"type": "FeatureCollection", "features": features}
    if crs_name is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# ---- the bad catalogue ---------------------------------------------------------------------------------------


def test_bad_catalogue_file_really_holds_invalid_utf8() -> None:
    raw = BAD.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"Citt\xe0 non UTF-8" in raw
    assert "Città".encode() in raw  # valid UTF-8 elsewhere: one bad field, not a Latin-1 file


def test_bad_catalogue_every_good_row_loads(milan_boundary: shapely.Geometry) -> None:
    frame, _ = cat.catalogue_from_file(BAD, boundary=milan_boundary)
    assert frame["id"].tolist() == GOOD_IDS
    assert list(frame.columns) == OPPORTUNITY_COLUMNS
    assert frame.crs == "EPSG:4326"
    assert frame.within(milan_boundary).all()
    assert set(frame["category"]) == set(CATEGORIES)
    good1 = frame.set_index("id").loc["good-1"]
    assert good1["name"] == "Teatro ragazzi Città Studi"
    assert good1["pillars"] == "talents_creativity;social_relations"
    assert (good1["age_min"], good1["age_max"], good1["price"], good1["capacity"]) == (11, 17, 30, 20)
    assert bool(good1["voucher"]) is True
    assert frame.set_index("id")["voucher"].tolist() == [True, False, True, pd.NA, True]
    assert frame.set_index("id").loc["good-5", "price"] == pytest.approx(15.5)
    assert frame.set_index("id").loc["good-5", "age_max"] == 18  # 18+ is allowed


def test_bad_catalogue_every_bad_row_is_rejected_with_its_field_and_reason(
    milan_boundary: shapely.Geometry,
) -> None:
    _, report = cat.catalogue_from_file(BAD, boundary=milan_boundary)
    found = {r.row: (r.id, r.field, r.reason) for r in report}
    assert found == EXPECTED_REJECTS
    assert {r.file for r in report} == {"catalogue_bad.csv"}
    assert len(report) == len(EXPECTED_REJECTS)  # one reject per bad row
    by_row = {r.row: r for r in report}
    assert by_row[16].value == "good-1 (first in row 1)"
    assert by_row[18].value == "Citt\\xe0 non UTF-8"
    assert by_row[12].value == "fun"
    assert by_row[13].value == "14 > 10"
    assert by_row[10].value == "45.4642, 9.1900"


def test_bad_catalogue_read_equals_loaded_plus_rejected(milan_boundary: shapely.Geometry) -> None:
    frame, report = cat.catalogue_from_file(BAD, boundary=milan_boundary, source="milano_0_18")
    assert report.read_counts["milano_0_18"] == 21
    assert report.read_counts["milano_0_18"] == len(frame) + report.rejected_count("milano_0_18")
    assert report.balance("milano_0_18", len(frame))["balanced"]
    assert set(frame["source"]) == {"milano_0_18"}
    # the reject report can be written even though a rejected value had undecodable bytes
    assert isinstance(report, RejectReport)


def test_reject_report_with_bad_bytes_writes_as_utf8(tmp_path: Path, milan_boundary: shapely.Geometry) -> None:
    _, report = cat.catalogue_from_file(BAD, boundary=milan_boundary)
    written = report.to_csv(tmp_path / "rejects.csv")
    assert "Citt\\xe0" in written.read_text(encoding="utf-8")


def test_without_boundary_only_the_range_is_checked() -> None:
    frame, report = cat.catalogue_from_file(BAD)
    reasons = {r.row: r.reason for r in report}
    assert 9 not in reasons and 10 not in reasons  # Rome and the swapped pair are valid lon/lat without a city
    assert reasons[8] == val.OUT_OF_RANGE
    assert {"bad-outside", "bad-swapped"} <= set(frame["id"])


def test_boundary_can_be_a_bbox(milan_boundary: shapely.Geometry) -> None:
    _, report = cat.catalogue_from_file(BAD, boundary=milan_boundary.bounds)
    reasons = {r.row: r.reason for r in report}
    assert reasons[9] == val.OUTSIDE_BOUNDARY
    assert reasons[10] == val.SWAPPED


# ---- the example catalogue -----------------------------------------------------------------------------------


def test_example_catalogue_loads_entirely(milan_boundary: shapely.Geometry) -> None:
    frame, report = cat.catalogue_from_file(EXAMPLE, boundary=milan_boundary)
    assert len(report) == 0
    assert len(frame) == report.read_counts["catalogue"] == 12
    assert frame["id"].is_unique
    assert set(frame["category"]) == set(CATEGORIES)
    assert frame.within(milan_boundary).all()
    assert frame["opening_hours"].notna().all()
    assert frame["age_min"].le(frame["age_max"]).all()
    for pillars in frame["pillars"]:
        assert set(pillars.split(";")) <= set(PILLARS)


def test_semicolon_csv_with_decimal_commas(
    tmp_path: Path, example_rows: pd.DataFrame, milan_boundary: shapely.Geometry
) -> None:
    rows = example_rows.copy()
    for column in ("longitude", "latitude", "price"):
        rows[column] = rows[column].str.replace(".", ",", regex=False)
    path = tmp_path / "catalogue_semicolon.csv"
    rows.to_csv(path, sep=";", index=False)
    frame, report = cat.catalogue_from_file(path, boundary=milan_boundary)
    assert len(report) == 0 and len(frame) == 12
    assert frame.geometry.x.iloc[0] == pytest.approx(9.1890)


# ---- GeoJSON and CRS -----------------------------------------------------------------------------------------


def test_geojson_in_utm_is_reprojected(
    tmp_path: Path, example_rows: pd.DataFrame, milan_boundary: shapely.Geometry
) -> None:
    lon = example_rows["longitude"].astype(float).to_numpy()
    lat = example_rows["latitude"].astype(float).to_numpy()
    x, y = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True).transform(lon, lat)
    path = _write_geojson(
        tmp_path / "catalogue_utm.geojson", example_rows, np.column_stack([x, y]), "urn:ogc:def:crs:EPSG::32632"
    )
    frame, report = cat.catalogue_from_file(path, boundary=milan_boundary)
    assert len(report) == 0 and len(frame) == 12
    assert frame.crs == "EPSG:4326"
    np.testing.assert_allclose(frame.geometry.x, lon, atol=1e-7)
    np.testing.assert_allclose(frame.geometry.y, lat, atol=1e-7)


def test_geojson_in_crs84_loads_as_is(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    xy = example_rows[["longitude", "latitude"]].astype(float).to_numpy()
    path = _write_geojson(tmp_path / "c.geojson", example_rows, xy, "urn:ogc:def:crs:OGC:1.3:CRS84")
    frame, _ = cat.catalogue_from_file(path)
    np.testing.assert_allclose(frame.geometry.x, xy[:, 0])


def test_geojson_projected_without_crs_is_a_crs_error(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    lon = example_rows["longitude"].astype(float).to_numpy()
    lat = example_rows["latitude"].astype(float).to_numpy()
    x, y = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True).transform(lon, lat)
    path = _write_geojson(tmp_path / "no_crs_utm.geojson", example_rows, np.column_stack([x, y]), None)
    with pytest.raises(CRSError, match="no_crs_utm.geojson"):
        cat.catalogue_from_file(path)


def test_geojson_with_unknown_crs_is_a_crs_error(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    xy = example_rows[["longitude", "latitude"]].astype(float).to_numpy()
    path = _write_geojson(tmp_path / "weird.geojson", example_rows, xy, "EPSG:999999")
    with pytest.raises(CRSError, match="weird.geojson"):
        cat.catalogue_from_file(path)


def test_geojson_swapped_and_outside_points_are_rejected(
    tmp_path: Path, example_rows: pd.DataFrame, milan_boundary: shapely.Geometry
) -> None:
    xy = example_rows[["longitude", "latitude"]].astype(float).to_numpy().copy()
    xy[0] = xy[0][::-1]
    xy[1] = [12.48, 41.90]
    path = _write_geojson(tmp_path / "c.geojson", example_rows, xy, None)
    frame, report = cat.catalogue_from_file(path, boundary=milan_boundary)
    assert {r.row: (r.field, r.reason) for r in report} == {
        1: ("geometry", val.SWAPPED),
        2: ("geometry", val.OUTSIDE_BOUNDARY),
    }
    assert len(frame) == 10


def test_csv_with_projected_coordinates_is_a_crs_error(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    rows = example_rows.copy()
    rows["longitude"], rows["latitude"] = "514800.5", "5036700.2"
    path = tmp_path / "projected.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(CRSError, match="projected.csv"):
        cat.catalogue_from_file(path)


# ---- fatal problems ------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError):
        cat.catalogue_from_file(tmp_path / "nope.csv")


def test_not_a_csv_or_geojson(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SourceFormatError, match="not a CSV or GeoJSON"):
        cat.catalogue_from_file(path)
    bad_json = tmp_path / "broken.geojson"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="not valid JSON"):
        cat.catalogue_from_file(bad_json)


def test_missing_required_columns_are_named(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    path = tmp_path / "c.csv"
    example_rows.drop(columns=["category", "latitude"]).to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match="category, latitude"):
        cat.catalogue_from_file(path)


def test_no_usable_rows(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    header_only = tmp_path / "empty.csv"
    example_rows.head(0).to_csv(header_only, index=False)
    with pytest.raises(NoUsableRowsError):
        cat.catalogue_from_file(header_only)
    all_bad = tmp_path / "all_bad.csv"
    example_rows.assign(category="music").to_csv(all_bad, index=False)
    with pytest.raises(NoUsableRowsError, match="all 12 rows"):
        cat.catalogue_from_file(all_bad)


def test_wholly_latin1_file_is_fatal(tmp_path: Path, example_rows: pd.DataFrame) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(SourceFormatError, match="not UTF-8"):
        cat.catalogue_from_file(path)


def test_utf16_file_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(SourceFormatError, match="not UTF-8"):
        cat.catalogue_from_file(path)


def test_utf8_bom_is_accepted(tmp_path: Path, milan_boundary: shapely.Geometry) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    frame, report = cat.catalogue_from_file(path, boundary=milan_boundary)
    assert len(frame) == 12 and len(report) == 0


def test_wrong_field_count_rows_are_rejected_and_counted(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",extra"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, report = cat.catalogue_from_file(path)
    assert [(r.row, r.reason) for r in report] == [(3, val.WRONG_FIELD_COUNT)]
    assert report.read_counts["catalogue"] == 12 == len(frame) + len(report)


# ---- the row checks themselves -------------------------------------------------------------------------------


def test_swapped_and_inside_masks() -> None:
    area = box(9.0, 45.3, 9.3, 45.6)
    lon = pd.Series([9.19, 45.46, 12.5, np.nan])
    lat = pd.Series([45.46, 9.19, 41.9, 45.0])
    assert val.inside_mask(lon, lat, area).tolist() == [True, False, False, False]
    assert val.swapped_mask(lon, lat, area).tolist() == [False, True, False, False]
    assert val.out_of_range_mask(pd.Series([181.0, 10.0]), pd.Series([0.0, -91.0])).tolist() == [True, True]


def test_duplicate_mask_flags_later_occurrences_only() -> None:
    ids = pd.Series(["a", "b", "a", None, None, " a "], index=[1, 2, 3, 4, 5, 6])
    assert val.duplicate_mask(ids).tolist() == [False, False, True, False, False, True]
    assert val.first_occurrence_rows(ids)[3] == 1


def test_numbers_booleans_and_pillars() -> None:
    numbers = val.numbers_from_values(pd.Series(["1,5", "2.25", "", None, "x", 3], dtype=object))
    assert numbers.iloc[:2].tolist() == [1.5, 2.25] and numbers.iloc[2:5].isna().all() and numbers.iloc[5] == 3
    booleans, bad = val.booleans_from_values(pd.Series(["Sì", "si", "NO", "true", "0", "", "forse"], dtype=object))
    assert booleans.tolist()[:5] == [True, True, False, True, False] and booleans.isna().iloc[5]
    assert bad.tolist() == [False] * 6 + [True]
    pillars, unknown = val.pillars_from_values(pd.Series(["Healthcare; healthcare ;physical activity", "x;healthcare"]))
    assert pillars.tolist() == ["healthcare;physical_activity", "x;healthcare"]
    assert unknown.isna().iloc[0] and unknown.iloc[1] == "x"


def test_opening_hours_check() -> None:
    values = pd.Series(["Mo-Fr 08:00-18:00", "24/7", "", None, "every day", "Mo-Fr 9-18"], dtype=object)
    assert val.invalid_opening_hours_mask(values).tolist() == [False, False, False, False, True, True]


def test_geometry_problems() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    problems = val.geometry_problems(pd.Series([Point(1, 1), None, Point(), bowtie], dtype=object))
    assert problems.isna().iloc[0]
    assert problems.iloc[1] == val.MISSING_GEOMETRY
    assert problems.iloc[2] == val.EMPTY_GEOMETRY
    assert problems.iloc[3].startswith(val.INVALID_GEOMETRY)


def test_text_from_path_keeps_bad_bytes_findable(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\nCitt\xc3\xa0,1\nx\xff,2\n")
    frame = val.frame_from_csv_path(path)
    bad = val.bad_text_fields(frame)
    assert bad.isna().iloc[0] and bad.loc[2] == "a"
    assert frame.loc[1, "a"] == "Città"
    assert val.printable_bad_text(frame.loc[2, "a"]) == "x\\xff"
