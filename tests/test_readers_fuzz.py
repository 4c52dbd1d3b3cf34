"""Fuzzing every reader with generated files: only Vicino's own errors escape, and every row is accounted for.

For each reader (catalogue CSV and GeoJSON, GTFS, zones, OSM) hypothesis writes small files mixing plausible
values (Milan's coordinates, known categories, valid opening hours) with hostile ones (separators, quotes, line
breaks, non-UTF-8 bytes, huge or non-finite numbers, broken geometries). A reader must either raise a
:class:`~data_sources.errors.VicinoError` subclass (one message for a whole-file problem) or return its rows with
``read = loaded + set aside + rejected``. Example counts are bounded so the whole file runs in well under a
minute; ``derandomize`` keeps runs repeatable in CI.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from data_sources.boundaries import zones_from_file
from data_sources.catalogue import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, catalogue_from_file
from data_sources.errors import VicinoError
from data_sources.gtfs import REQUIRED_COLUMNS as GTFS_COLUMNS
from data_sources.gtfs import calendar_span_text, feed_from_path, service_dates, stops_frame
from data_sources.osm import graph_from_osm_file, pois_from_osm_file
from data_sources.osm_opportunities import opportunities_from_osm_pois

MILAN_BOX = (9.04, 45.38, 9.28, 45.54)
MILAN_CENTRE = (9.19, 45.464)

FUZZ = settings(
    max_examples=int(os.environ.get("VICINO_FUZZ_EXAMPLES", "30")),
    deadline=None,
    derandomize="VICINO_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PLAUSIBLE = [
    "", " ", "9.19", "45.464", "9,19", "45,464", "-46.63", "1e400", "nan", "inf", "-1", "0", "17", "99", "100",
    "3.5", "yes", "no", "sì", "maybe", "sport", "arts", "STEM", "dance", "physical_activity",
    "social_relations;education_training", "common_spaces;;unknown", "Mo-Fr 15:00-18:30", "24/7", "Mo 25:00-26:00",
    "https://example.org", "Via Roma 1", "a,b", 'quote"d', "line\nbreak", "semi;colon", "\t", "=1+1", "<b>x</b>",
    "x" * 301, "\ufeffbom", "\u202eevil",
]  # fmt: skip
cell = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=12))
number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=45.3, max_value=45.6),
    st.floats(min_value=9.0, max_value=9.3),
    st.integers(-(10**20), 10**20),
)
json_value = st.one_of(st.none(), st.booleans(), number, cell, st.lists(cell, max_size=2))
CATALOGUE_COLUMNS = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]


def assert_accounted(report: object, source: str, loaded: int) -> None:
    read = report.read_counts[source]  # type: ignore[attr-defined]
    rejected = report.rejected_count(source)  # type: ignore[attr-defined]
    set_aside = report.set_aside_count(source)  # type: ignore[attr-defined]
    assert read == loaded + set_aside + rejected, (read, loaded, set_aside, rejected)


# ---------------------------------------------------------------------------------------------------------------
# Catalogue, CSV


@st.composite
def catalogue_csv(draw: st.DrawFn) -> bytes:
    columns = draw(st.lists(st.sampled_from(CATALOGUE_COLUMNS), min_size=3, max_size=16, unique=True))
    if draw(st.booleans()):
        columns = list(dict.fromkeys([*REQUIRED_COLUMNS, *columns]))
    rows = draw(st.lists(st.lists(cell, min_size=len(columns) - 1, max_size=len(columns) + 1), max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # a stray Latin-1 byte somewhere after the header
        position = draw(st.integers(min_value=len(data) // 2, max_value=max(len(data), 1)))
        data = data[:position] + b"\xe9" + data[position:]
    return data


@FUZZ
@given(data=catalogue_csv(), bounded=st.booleans())
def test_catalogue_csv(data: bytes, bounded: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalogue.csv"
        path.write_bytes(data)
        try:
            frame, report = catalogue_from_file(path, boundary=MILAN_BOX if bounded else None)
        except VicinoError:
            return
    assert_accounted(report, "catalogue", len(frame))
    assert frame["id"].is_unique


# ---------------------------------------------------------------------------------------------------------------
# Catalogue, GeoJSON

geometry = st.one_of(
    st.none(),
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, number, number),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, st.lists(number, max_size=3)),
    st.just({"type": "Polygon", "coordinates": [[[9.1, 45.4], [9.2, 45.4], [9.2, 45.5], [9.1, 45.4]]]}),
    st.just({"type": "LineString", "coordinates": [[9.1]]}),
    st.just({"type": "Nonsense"}),
    st.just("not a geometry"),
)
feature = st.one_of(
    st.builds(
        lambda props, geom: {"type": "Feature", "properties": props, "geometry": geom},
        st.dictionaries(st.one_of(st.sampled_from(CATALOGUE_COLUMNS), st.text(max_size=5)), json_value, max_size=10),
        geometry,
    ),
    st.just({"type": "Feature"}),
    st.just(["not", "a", "feature"]),
)
crs_member = st.one_of(
    st.none(),
    st.sampled_from(["EPSG:4326", "EPSG:3857", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:32632", "nonsense"]).map(
        lambda name: {"type": "name", "properties": {"name": name}}
    ),
    st.just({"type": "weird"}),
)


def _write_geojson(path: Path, features: list, crs: dict | None) -> Path:
    """A FeatureCollection of ``features`` (with its ``crs`` member when given) written to ``path``, as it comes:
    lone surrogates included."""
    document: dict = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = crs
    path.write_text(json.dumps(document), encoding="utf-8", errors="surrogatepass")
    return path


@FUZZ
@given(features=st.lists(feature, max_size=6), crs=crs_member, bounded=st.booleans())
def test_catalogue_geojson(features: list, crs: dict | None, bounded: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write_geojson(Path(folder) / "catalogue.geojson", features, crs)
        try:
            frame, report = catalogue_from_file(path, boundary=MILAN_BOX if bounded else None)
        except VicinoError:
            return
    assert_accounted(report, "catalogue", len(frame))


# ---------------------------------------------------------------------------------------------------------------
# GTFS

ids = st.sampled_from(["a", "b", "c", "", " a", "1"])
gtfs_time = st.one_of(st.sampled_from(["07:00:00", "7:05:00", "25:10:00", "", "07:60:00", "x"]), st.text(max_size=6))
gtfs_date = st.one_of(st.sampled_from(["20190101", "20191231", "2019-01-01", "20190230", ""]), st.text(max_size=8))
flag = st.sampled_from(["0", "1", "2", "", "yes"])


def table(columns: list[str], row: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(row, max_size=5).map(lambda rows: [columns, *rows])


GTFS_TABLES = {
    "stops": table(["stop_id", "stop_name", "stop_lat", "stop_lon"], st.tuples(ids, cell, cell, cell)),
    "routes": table(["route_id", "route_type"], st.tuples(ids, flag)),
    "trips": table(["route_id", "service_id", "trip_id"], st.tuples(ids, ids, ids)),
    "stop_times": table(
        ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        st.tuples(ids, gtfs_time, gtfs_time, ids, st.sampled_from(["0", "1", "2", "-1", "x", ""])),
    ),
    "calendar": table(
        [
            "service_id",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        ],
        st.tuples(ids, flag, flag, flag, flag, flag, flag, flag, gtfs_date, gtfs_date),
    ),  # fmt: skip
    "calendar_dates": table(["service_id", "date", "exception_type"], st.tuples(ids, gtfs_date, flag)),
    "frequencies": table(
        ["trip_id", "start_time", "end_time", "headway_secs"], st.tuples(ids, gtfs_time, gtfs_time, cell)
    ),
}


@st.composite
def gtfs_zip(draw: st.DrawFn) -> dict[str, list]:
    present = draw(st.sets(st.sampled_from(sorted(GTFS_TABLES))))
    return {name: draw(GTFS_TABLES[name]) for name in sorted(present | {"stops"} if draw(st.booleans()) else present)}


@FUZZ
@given(tables=gtfs_zip())
def test_gtfs(tables: dict[str, list]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, rows in tables.items():
                buffer = io.StringIO()
                csv.writer(buffer).writerows(rows)
                archive.writestr(f"{name}.txt", buffer.getvalue().encode("utf-8", errors="surrogatepass"))
        try:
            feed = feed_from_path(path)
        except VicinoError:
            return
        for name in GTFS_COLUMNS:
            assert_accounted(feed.report, feed.source_of(name), len(getattr(feed, name)))
        assert len(stops_frame(feed)) == len(feed.stops)
        service_dates(feed)
        calendar_span_text(feed)


# ---------------------------------------------------------------------------------------------------------------
# Zones

ring = st.lists(
    st.tuples(st.floats(min_value=9.0, max_value=9.4), st.floats(min_value=45.3, max_value=45.6)),
    min_size=0,
    max_size=5,
).map(lambda points: [list(p) for p in points] + ([list(points[0])] if points else []))
zone_geometry = st.one_of(
    ring.map(lambda r: {"type": "Polygon", "coordinates": [r]}),
    ring.map(lambda r: {"type": "MultiPolygon", "coordinates": [[r]]}),
    st.just({"type": "Point", "coordinates": [9.19, 45.46]}),
    st.just({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),  # far from Milan
    st.just(None),
)
zone_feature = st.builds(
    lambda code, name, geom: {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geom},
    st.one_of(cell, st.integers(0, 5), st.none(), st.just("c" * 70)),
    st.one_of(cell, st.none(), st.just("n" * 201)),
    zone_geometry,
)


@FUZZ
@given(features=st.lists(zone_feature, max_size=6), crs=crs_member)
def test_zones(features: list, crs: dict | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write_geojson(Path(folder) / "zones.geojson", features, crs)
        try:
            zones, report = zones_from_file(path, level="nil", code_field="code", name_field="name",
                                            center=MILAN_CENTRE)  # fmt: skip
        except VicinoError:
            return
    assert_accounted(report, "nil", len(zones))
    assert zones["code"].is_unique


# ---------------------------------------------------------------------------------------------------------------
# OSM (XML)

osm_tag = st.one_of(
    st.sampled_from(
        [("amenity", "school"), ("leisure", "pitch"), ("leisure", "park"), ("amenity", "library"),
         ("amenity", "bench"), ("highway", "footway"), ("highway", "residential"), ("highway", "motorway"),
         ("access", "private"), ("name", "Scuola"), ("opening_hours", "Mo-Fr 08:00-16:00"),
         ("opening_hours", "whenever"), ("capacity", "lots"), ("sport", "soccer"), ("foot", "yes")]
    ),
    st.tuples(st.sampled_from(["name", "addr:street", "website"]), cell),
)  # fmt: skip
osm_node = st.tuples(
    st.floats(min_value=45.40, max_value=45.50),
    st.floats(min_value=9.10, max_value=9.25),
    st.lists(osm_tag, max_size=3),
)


@st.composite
def osm_xml(draw: st.DrawFn) -> str:
    nodes = draw(st.lists(osm_node, min_size=1, max_size=8))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="fuzz">']
    for i, (lat, lon, tags) in enumerate(nodes, start=1):
        inner = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in dict(tags).items())
        parts.append(f'<node id="{i}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{inner}</node>')
    ways = draw(st.lists(st.tuples(st.lists(st.integers(1, len(nodes) + 1), min_size=0, max_size=5),
                                   st.lists(osm_tag, max_size=3)), max_size=4))  # fmt: skip
    for j, (refs, tags) in enumerate(ways, start=1):
        inner = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner += "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in dict(tags).items())
        parts.append(f'<way id="{j}" version="1">{inner}</way>')
    parts.append("</osm>")
    return "\n".join(parts)


ONE_PRIVATE_SCHOOL = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="fuzz">
<node id="1" version="1" lat="45.5" lon="9.25"><tag k="amenity" v="school"/><tag k="access" v="private"/></node>
</osm>"""


@FUZZ
@given(document=osm_xml())
@example(document=ONE_PRIVATE_SCHOOL)  # found by this test: every POI rejected before the coordinate check
def test_osm(document: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "city.osm"
        path.write_text(document, encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(VicinoError):
            graph_from_osm_file(path)
        try:
            pois = pois_from_osm_file(path)
            frame, report = opportunities_from_osm_pois(pois, boundary=MILAN_BOX, source="osm", file=path.name)
        except VicinoError:
            return
    assert report.read_counts["osm"] == len(pois)
    assert_accounted(report, "osm", len(frame))
