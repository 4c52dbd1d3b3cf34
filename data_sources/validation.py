"""Row checks shared by every reader: text encoding, CRS, coordinates, geometries, ids, opening hours.

The checks are small and vectorised. Each one takes columns (pandas Series indexed by the row number a person
would count, 1 = first data row) and returns a boolean mask or a Series of reasons, so a reader runs them in
order and rejects each bad row once, at its first problem, through a :class:`Rejector`. A fatal problem with a
whole file raises one of the exceptions of :mod:`data_sources.errors`.

Reading
    :func:`text_from_path` decodes bytes strictly as UTF-8; bytes that are not UTF-8 survive as lone surrogates
    (``surrogateescape``) so :func:`bad_text_fields` can name the row and field, and a file that is not UTF-8
    at all raises :class:`~data_sources.errors.SourceFormatError`. :func:`frame_from_csv_path` and
    :func:`frame_from_geojson_path` build frames of raw values (``object`` dtype, so undecodable text survives)
    indexed by row number; the GeoJSON reader also applies the file's CRS (:func:`crs_from_geojson`).

Accounting
    :class:`SourceReport` is a :class:`~data_sources.rejects.RejectReport` that also records rows that were read
    and deliberately *set aside* without being bad: rows merged into another output row (``into`` names it, for
    example the 12 monthly rows of one street-sport area) and rows that carry no opportunity (a grid cell with a
    count of 0). For every source ``read = loaded + set aside + rejected``; :meth:`SourceReport.balance` checks it.
    It also keeps *notes*: changes made to loaded rows (a park clipped to the city, an opening_hours tag dropped).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from data_sources.contracts import OPPORTUNITY_COLUMNS, PILLARS, TEXT_LIMITS, WGS84
from data_sources.errors import CRSError, SourceFormatError, SourceNotFoundError
from data_sources.rejects import RejectReport

#: A city area for point checks: a shapely (Multi)Polygon or a ``(min_lon, min_lat, max_lon, max_lat)`` box.
Area = BaseGeometry | tuple[float, float, float, float]

# Reasons, so readers and tests share one spelling. Details (the bad value) go in the reject's ``value``.
MISSING_COORDINATES = "missing coordinates"
UNPARSEABLE_COORDINATES = "unparseable coordinates"
OUT_OF_RANGE = "coordinates out of lon/lat range"
SWAPPED = "latitude/longitude swapped"
OUTSIDE_BOUNDARY = "outside the city boundary"
MISSING_GEOMETRY = "missing geometry"
EMPTY_GEOMETRY = "empty geometry"
INVALID_GEOMETRY = "invalid geometry"
DUPLICATE_ID = "duplicate id"
INVALID_OPENING_HOURS = "invalid opening_hours"
NON_UTF8 = "non-UTF-8 text"
TOO_LONG = "text too long"
WRONG_FIELD_COUNT = "wrong number of fields"

TRUE_WORDS = frozenset({"yes", "true", "sì", "si", "y", "1"})
FALSE_WORDS = frozenset({"no", "false", "n", "0"})

_SURROGATES = re.compile("[\udc80-\udcff]")
_OTHER_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_GEOJSON_SUFFIXES = frozenset({".geojson", ".json"})


# --------------------------------------------------------------------------------------------------------------
# Accounting
# --------------------------------------------------------------------------------------------------------------


#: Kept for readers' signatures: every report accounts for set-aside rows and notes (see :mod:`rejects`).
SourceReport = RejectReport


#: What a rejector accepts per row (a reason or a value): one for all rows, a Series aligned on the frame's
#: index, or an array aligned with the frame's rows.
PerRow = str | pd.Series | np.ndarray


@dataclass
class Rejector:
    """Rejects rows of a working frame into a report, once per row, with reject values made printable.

    Every reader rejects through this one class (the GTFS checks too), so that each reject's value and id are
    shown the same way: undecodable bytes as ``\\xNN`` escapes (:func:`printable_bad_text`), missing values as
    empty text.

    Parameters
    ----------
    report
        Where rejects go.
    source, file
        Named on every reject.
    id_field
        Column holding each row's id, copied onto its reject (optional).
    row_field
        Column holding each row's number in its file (GTFS tables keep it in ``_row``); None: the frame's index
        is the row number.
    """

    report: RejectReport
    source: str
    file: str | Path
    id_field: str | None = None
    row_field: str | None = None

    def __call__(
        self,
        frame: pd.DataFrame,
        mask: pd.Series | np.ndarray,
        field_name: str,
        reason: PerRow,
        values: PerRow | Callable[[pd.DataFrame], pd.Series] | None = None,
    ) -> pd.DataFrame:
        """Reject the rows where ``mask`` is true and return the frame without them.

        A Series ``mask``, ``reason`` or ``values`` is aligned on the frame's index (rows a mask lacks are kept,
        rows values lack show no value); an array is aligned with the frame's rows. ``values`` may also be a
        function of the rejected rows (computed only when there are some); it defaults to the column
        ``field_name`` when the frame has it.
        """
        rejected = _rows_mask(frame, mask)
        if not rejected.any():
            return frame
        bad = frame[rejected]
        if values is None:
            values = bad[field_name] if field_name in bad.columns else ""
        elif callable(values):
            values = pd.Series(np.asarray(values(bad), dtype=object), index=bad.index)
        shown_values = _per_bad_row(values, frame, bad, rejected)
        reasons = _per_bad_row(reason, frame, bad, rejected)
        has_ids = self.id_field is not None and self.id_field in bad.columns
        ids = _per_bad_row(bad[self.id_field] if has_ids else "", frame, bad, rejected)
        rows = bad[self.row_field].to_numpy() if self.row_field else bad.index
        for row, why, value, ident in zip(rows, reasons, shown_values, ids, strict=True):
            number = None if row is None else int(row)
            self.report.add(self.source, self.file, number, field_name, str(why), _shown(value), _shown(ident))
        return frame[~rejected]


def _rows_mask(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> np.ndarray:
    """A boolean array aligned with the frame's rows (a Series is aligned on the index, missing rows False)."""
    if isinstance(mask, pd.Series):
        if not mask.index.equals(frame.index):
            mask = mask.reindex(frame.index, fill_value=False)
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _per_bad_row(values: object, frame: pd.DataFrame, bad: pd.DataFrame, rejected: np.ndarray) -> np.ndarray:
    """One value per rejected row from a scalar, a Series (aligned on the index) or an array (one per row)."""
    if isinstance(values, pd.Series):
        if values.index.equals(bad.index):
            return values.to_numpy(dtype=object)
        if values.index.equals(frame.index):
            return values.to_numpy(dtype=object)[rejected]
        return values.reindex(bad.index).to_numpy(dtype=object)
    if isinstance(values, np.ndarray):
        return values.astype(object)[rejected]
    return np.full(len(bad), values, dtype=object)


# --------------------------------------------------------------------------------------------------------------
# Reading: bytes, encodings, CSV and GeoJSON
# --------------------------------------------------------------------------------------------------------------


def existing_path(path: str | Path) -> Path:
    """The path as a :class:`~pathlib.Path`, or :class:`SourceNotFoundError` when there is no such file."""
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such file")
    return path


def text_from_path(path: str | Path, *, first_line_is_header: bool = False) -> str:
    """Decode a file strictly as UTF-8, keeping bytes that are not UTF-8 as lone surrogates.

    A UTF-8 byte-order mark is dropped. Bytes that do not decode survive as ``\\udc80``–``\\udcff`` characters
    (``surrogateescape``), so :func:`bad_text_fields` can report the row and field that hold them.

    Raises
    ------
    SourceNotFoundError
        The file does not exist.
    SourceFormatError
        The file is not UTF-8 text at all: it is UTF-16/32 or binary (it has NUL bytes), its header line does not
        decode (when ``first_line_is_header``), or most lines with non-ASCII bytes fail to decode (so it is in
        another encoding, such as Latin-1).
    """
    path = existing_path(path)
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if raw.startswith(_OTHER_BOMS) or b"\x00" in raw:
        raise SourceFormatError(
            f"{path}: not UTF-8 text (it looks like UTF-16/UTF-32 or a binary file); save it as UTF-8"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = raw.splitlines()
    bad = [i for i, line in enumerate(lines) if not _decodes_as_utf8(line)]
    non_ascii = sum(1 for line in lines if not line.isascii())
    if (first_line_is_header and bad and bad[0] == 0) or (len(bad) > 1 and 2 * len(bad) > non_ascii):
        raise SourceFormatError(
            f"{path}: not UTF-8 text ({len(bad)} of {non_ascii} lines with non-ASCII bytes do not decode as "
            "UTF-8; the file is probably Latin-1/Windows-1252): convert it to UTF-8, for example with "
            "`iconv -f WINDOWS-1252 -t UTF-8`"
        )
    return raw.decode("utf-8", errors="surrogateescape")


def _decodes_as_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def file_kind_from_path(path: str | Path) -> str:
    """``"csv"`` or ``"geojson"`` from a file's suffix (or, for other suffixes, its first character).

    Raises
    ------
    SourceFormatError
        The file is neither.
    """
    path = existing_path(path)
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix in _GEOJSON_SUFFIXES:
        return "geojson"
    raise SourceFormatError(f"{path}: not a CSV or GeoJSON file (suffix {suffix or 'none'!r})")


def frame_from_csv_path(path: str | Path, report: RejectReport | None = None, source: str = "") -> pd.DataFrame:
    """Read a CSV into a frame of raw text (``object`` dtype), indexed by row number (1 = first data row).

    The delimiter is the commonest of ``,``, ``;`` and tab in the header. Header names are stripped. Blank lines
    are skipped and not counted. Rows with the wrong number of fields are rejected into ``report`` (and counted
    as read there) when one is given.

    Raises
    ------
    SourceNotFoundError, SourceFormatError
        Missing file; not UTF-8, no header, or not parseable as CSV.
    """
    path = existing_path(path)
    text = text_from_path(path, first_line_is_header=True)
    header_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    # A field may be as long as the file (the default limit, 128 KiB, would fail the whole file on one long
    # cell); rows with over-long text are then rejected one by one (:func:`too_long_rejected`).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    except csv.Error as exc:
        raise SourceFormatError(f"{path}: not a readable CSV ({exc})") from exc
    if not records:
        raise SourceFormatError(f"{path}: empty file, no header")
    header = [h.strip() for h in records[0]]
    if len(set(header)) != len(header):
        duplicated = sorted({h for h in header if header.count(h) > 1})
        raise SourceFormatError(f"{path}: repeated column names {duplicated}")
    rows = records[1:]
    good = [r for r in rows if len(r) == len(header)]
    index = [i for i, r in enumerate(rows, start=1) if len(r) == len(header)]
    if report is not None and source:
        report.read_counts[source] += len(rows) - len(good)
        for i, r in enumerate(rows, start=1):
            if len(r) != len(header):
                report.add(source, path, i, "", WRONG_FIELD_COUNT, f"{len(r)} fields, header has {len(header)}")
    frame = pd.DataFrame(good, columns=header, dtype=object)
    frame.index = pd.Index(index, name="row")
    return frame


def frame_from_geojson_path(path: str | Path) -> tuple[pd.DataFrame, int]:
    """Read a GeoJSON file's features into a frame of properties plus a ``geometry`` column in EPSG:4326.

    The frame is indexed by feature number (1 = first feature); property values keep their JSON types
    (``object`` dtype, so undecodable text survives). A feature's top-level ``id`` fills a missing ``id``
    property. A geometry that is null or cannot be built is ``None``.
    A declared CRS other than EPSG:4326/CRS84 is applied (reprojected); see :func:`crs_from_geojson`.

    Returns
    -------
    frame, n_features

    Raises
    ------
    SourceNotFoundError, SourceFormatError, CRSError
        Missing file; not UTF-8 or not a GeoJSON Feature/FeatureCollection; an unknown CRS, or projected-looking
        coordinates with no CRS.
    """
    path = existing_path(path)
    text = text_from_path(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("type") not in {"FeatureCollection", "Feature"}:
        raise SourceFormatError(f"{path}: not a GeoJSON FeatureCollection or Feature")
    features = document.get("features", []) if document["type"] == "FeatureCollection" else [document]
    if not isinstance(features, list):
        raise SourceFormatError(f"{path}: the 'features' member is not a list")
    properties: list[dict[str, Any]] = []
    geometries: list[BaseGeometry | None] = []
    for feature in features:
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        props = dict(props) if isinstance(props, dict) else {}
        if "id" not in props and feature.get("id") is not None:
            props["id"] = feature["id"]
        properties.append(props)
        geometries.append(_geometry_or_none(feature.get("geometry")))
    frame = pd.DataFrame(properties, dtype=object)
    frame.index = pd.RangeIndex(1, len(features) + 1, name="row")
    geoms = np.array(geometries, dtype=object)
    crs = crs_from_geojson(document, path)
    frame["geometry"] = geometries_to_wgs84(geoms, crs, path)
    return frame, len(features)


def _geometry_or_none(member: object) -> BaseGeometry | None:
    if not isinstance(member, dict):
        return None
    try:
        return shape(member)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError):
        return None


def crs_from_geojson(document: Mapping[str, Any], path: str | Path) -> pyproj.CRS | None:
    """The CRS a GeoJSON document declares in its (2008-style) ``crs`` member, or ``None`` when it has none.

    Raises
    ------
    CRSError
        The member names a CRS that PROJ does not know, or is malformed.
    """
    member = document.get("crs")
    if member is None:
        return None
    name: object = None
    if isinstance(member, dict):
        props = member.get("properties") or {}
        if member.get("type") == "name":
            name = props.get("name")
        elif member.get("type") == "EPSG":
            name = f"EPSG:{props.get('code')}"
    if not isinstance(name, str):
        raise CRSError(f"{path}: malformed 'crs' member {member!r}")
    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{path}: unknown CRS {name!r} in its 'crs' member") from exc


def is_lonlat_wgs84(crs: pyproj.CRS) -> bool:
    """Whether a CRS is WGS84 lon/lat for GeoJSON purposes (EPSG:4326 or OGC:CRS84)."""
    return crs.to_epsg() == 4326 or crs.equals(pyproj.CRS("OGC:CRS84"))


def geometries_to_wgs84(geoms: np.ndarray, crs: pyproj.CRS | None, path: str | Path) -> np.ndarray:
    """Geometries in EPSG:4326 lon/lat from geometries in ``crs`` (``None`` = undeclared, assumed lon/lat).

    EPSG:4326 is taken in GeoJSON's lon/lat order. With no CRS, coordinates that look projected (most
    geometries with |x| > 180 or |y| > 90) raise :class:`CRSError` naming the file.
    """
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if crs is None or is_lonlat_wgs84(crs):
        if crs is None and present.any():
            bounds = shapely.bounds(geoms[present].astype(object))
            looks_projected = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(
                axis=1
            )
            if looks_projected.mean() > 0.5:
                raise CRSError(
                    f"{path}: coordinates look projected (for example x = {bounds[looks_projected][0][0]:.1f}) "
                    "but the file declares no CRS; add a 'crs' member or reproject it to EPSG:4326"
                )
        return geoms
    transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)

    def _to_wgs84(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out = geoms.copy()
    out[present] = shapely.transform(geoms[present].astype(object), _to_wgs84)
    return out


# --------------------------------------------------------------------------------------------------------------
# Row checks (vectorised; each returns a mask or a Series aligned with its input)
# --------------------------------------------------------------------------------------------------------------


def _is_missing_scalar(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def missing_mask(values: pd.Series) -> pd.Series:
    """True where a value is missing: None, NaN or blank text."""
    return values.map(_is_missing_scalar).astype(bool)


def text_values(values: pd.Series) -> pd.Series:
    """Values as stripped text, with missing values as NaN (``object`` dtype, so bad bytes survive)."""
    return values.map(lambda v: np.nan if _is_missing_scalar(v) else str(v).strip()).astype(object)


def text_too_long(value: object, limit: int) -> bool:
    """Whether a value's text is longer than ``limit`` characters (missing values never are)."""
    return not _is_missing_scalar(value) and len(str(value).strip()) > limit


def too_long_rejected(frame: pd.DataFrame, reject: Rejector, limits: Mapping[str, int] = TEXT_LIMITS) -> pd.DataFrame:
    """Reject rows whose text in a limited column is longer than its limit (:data:`TEXT_LIMITS`).

    The reject names the field and says ``text too long``; its value gives the length and the limit, then the
    text's start (a 5 MB name is reported, never copied whole).
    """
    for name, limit in limits.items():
        if name not in frame.columns:
            continue
        mask = frame[name].map(lambda v, limit=limit: text_too_long(v, limit)).astype(bool)
        shown = frame[name].map(
            lambda v, limit=limit: f"{len(str(v).strip()):,} characters, at most {limit:,}: {str(v).strip()[:60]}…"
        )
        frame = reject(frame, mask, name, TOO_LONG, shown)
    return frame


def bad_text_rejected(frame: pd.DataFrame, reject: Rejector) -> pd.DataFrame:
    """Reject rows whose text holds bytes that were not UTF-8 (:func:`bad_text_fields`), at the first such field.

    The reject says ``non-UTF-8 text`` and shows the value with those bytes as ``\\xNN`` escapes.
    """
    bad_field = bad_text_fields(frame)
    for name in bad_field.dropna().unique():
        frame = reject(frame, bad_field == name, name, NON_UTF8)
    return frame


def bad_text_fields(frame: pd.DataFrame, fields: Iterable[str] | None = None) -> pd.Series:
    """Per row, the first field whose text holds bytes that were not UTF-8 (see :func:`text_from_path`), or NaN."""
    names = [f for f in (fields if fields is not None else frame.columns) if f in frame.columns and f != "geometry"]
    out = pd.Series(np.nan, index=frame.index, dtype=object)
    for name in reversed(names):
        has_bad = frame[name].map(lambda v: isinstance(v, str) and bool(_SURROGATES.search(v))).astype(bool)
        out = out.mask(has_bad, name)
    return out


def printable_bad_text(value: object) -> str:
    """Text with undecodable bytes shown as ``\\xNN`` escapes (for reject values)."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    return value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


def _shown(value: object) -> str:
    return "" if _is_missing_scalar(value) else printable_bad_text(value)


def numbers_from_values(values: pd.Series) -> pd.Series:
    """Values as floats (NaN where missing or unparseable). Text may use a decimal comma (``45,46``)."""

    def _number(v: object) -> float:
        if _is_missing_scalar(v) or isinstance(v, bool):
            return np.nan
        if isinstance(v, int | float | np.integer | np.floating):
            return float(v)
        text = str(v).strip().replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return np.nan

    return values.map(_number).astype(float)


def unparseable_number_mask(values: pd.Series) -> pd.Series:
    """True where a value is present but is not a number."""
    return ~missing_mask(values) & numbers_from_values(values).isna()


def area_geometry(area: Area | None) -> BaseGeometry | None:
    """A shapely geometry from an area (a geometry, or a ``(min_lon, min_lat, max_lon, max_lat)`` box)."""
    if area is None or isinstance(area, BaseGeometry):
        return area
    return box(*area)


def inside_mask(lon: pd.Series, lat: pd.Series, area: Area) -> pd.Series:
    """True where the point (lon, lat) lies in the area or on its edge (NaN coordinates are outside)."""
    geometry = area_geometry(area)
    shapely.prepare(geometry)
    x = lon.to_numpy(dtype=float)
    y = lat.to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    inside = np.zeros(len(x), dtype=bool)
    inside[ok] = shapely.intersects_xy(geometry, x[ok], y[ok])
    return pd.Series(inside, index=lon.index)


def out_of_range_mask(lon: pd.Series, lat: pd.Series) -> pd.Series:
    """True where longitude is outside [-180, 180] or latitude outside [-90, 90]."""
    return (lon.abs() > 180) | (lat.abs() > 90)


def swapped_mask(lon: pd.Series, lat: pd.Series, area: Area) -> pd.Series:
    """True where the point is not in the area but the swapped pair (lat, lon) is: latitude and longitude swapped."""
    return ~inside_mask(lon, lat, area) & inside_mask(lat, lon, area)


def points_checked(
    frame: pd.DataFrame,
    reject: Rejector,
    *,
    lon_field: str,
    lat_field: str,
    area: Area | None = None,
    path: str | Path = "",
    lon_label: str = "",
    lat_label: str = "",
) -> pd.DataFrame:
    """Check and parse point coordinates; return the frame of good rows with float ``_lon`` and ``_lat`` columns.

    Rejects, in this order: missing coordinates, unparseable coordinates, swapped latitude/longitude (only with
    an ``area``), out of lon/lat range, outside the ``area``. The reject's field is the lon or lat field at fault
    (or ``lon_label``/``lat_label``, for example ``"geometry"``) and its value is ``"lon, lat"``.

    Raises
    ------
    CRSError
        Most parseable coordinates are out of lon/lat range: the file is in a projected CRS.
    """
    lon_raw = frame[lon_field]
    # astype(str): on an empty frame map() gives float64, to which text cannot be added.
    pair = lon_raw.map(_shown).astype(str) + ", " + frame[lat_field].map(_shown).astype(str)
    frame = reject(frame, missing_mask(lon_raw), lon_label or lon_field, MISSING_COORDINATES, pair)
    frame = reject(frame, missing_mask(frame[lat_field]), lat_label or lat_field, MISSING_COORDINATES, pair)
    lon = numbers_from_values(frame[lon_field])
    frame = reject(frame, lon.isna(), lon_label or lon_field, UNPARSEABLE_COORDINATES, pair)
    lat = numbers_from_values(frame[lat_field])
    frame = reject(frame, lat.isna(), lat_label or lat_field, UNPARSEABLE_COORDINATES, pair)
    lon, lat = lon[frame.index], lat[frame.index]
    out_of_range = out_of_range_mask(lon, lat)
    if len(lon) and out_of_range.mean() > 0.5:
        raise CRSError(
            f"{path}: coordinates look projected ({int(out_of_range.sum())} of {len(lon)} rows out of lon/lat "
            f"range, for example {lon[out_of_range].iloc[0]}, {lat[out_of_range].iloc[0]}); "
            "give longitude/latitude in EPSG:4326"
        )
    geometry = area_geometry(area)
    if geometry is not None:
        swapped = swapped_mask(lon, lat, geometry)
        frame = reject(frame, swapped, lat_label or lat_field, SWAPPED, pair)
        lon, lat = lon[frame.index], lat[frame.index]
    out_of_range = out_of_range_mask(lon, lat)
    frame = reject(frame, out_of_range, lon_label or lon_field, OUT_OF_RANGE, pair)
    lon, lat = lon[frame.index], lat[frame.index]
    if geometry is not None:
        frame = reject(frame, ~inside_mask(lon, lat, geometry), lon_label or lon_field, OUTSIDE_BOUNDARY, pair)
        lon, lat = lon[frame.index], lat[frame.index]
    frame = frame.copy()
    frame["_lon"] = lon
    frame["_lat"] = lat
    return frame


def xy_points_checked(frame: pd.DataFrame, reject: Rejector, *, area: Area | None, path: str | Path) -> pd.DataFrame:
    """:func:`points_checked` on the ``_x``/``_y`` columns of :func:`point_coordinates_from_geometry` (or of a
    reader that put a file's coordinates there), a reject naming the field ``geometry``."""
    return points_checked(
        frame, reject, lon_field="_x", lat_field="_y", area=area, path=path, lon_label="geometry", lat_label="geometry"
    )


def point_coordinates_from_geometry(frame: pd.DataFrame, field_name: str = "geometry") -> pd.DataFrame:
    """Copy of the frame with ``_x``/``_y`` columns: the point's coordinates (a representative point for
    non-point geometries), NaN where the geometry is missing or empty."""
    geoms = frame[field_name].to_numpy(dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if present.any():
        kept = geoms[present]
        is_point = shapely.get_type_id(kept) == 0
        points = np.where(is_point, kept, shapely.point_on_surface(kept))
        x[present] = shapely.get_x(points)
        y[present] = shapely.get_y(points)
    out = frame.copy()
    out["_x"] = x
    out["_y"] = y
    return out


def geometry_problems(geoms: pd.Series) -> pd.Series:
    """Per row, why a geometry is unusable (missing, empty, or invalid with shapely's reason), or NaN."""

    def _problem(g: object) -> object:
        if g is None or not isinstance(g, BaseGeometry):
            return MISSING_GEOMETRY
        if g.is_empty:
            return EMPTY_GEOMETRY
        if not g.is_valid:
            return f"{INVALID_GEOMETRY}: {shapely.is_valid_reason(g)}"
        return np.nan

    return geoms.map(_problem).astype(object)


def duplicate_mask(ids: pd.Series) -> pd.Series:
    """True on the second and later occurrences of an id (missing ids are never duplicates)."""
    present = ~missing_mask(ids)
    keys = ids.map(lambda v: str(v).strip())
    return present & keys.where(present).duplicated(keep="first")


def first_occurrence_rows(ids: pd.Series) -> pd.Series:
    """For each row, the row number of the first row with the same id (for duplicate messages)."""
    keys = ids.map(lambda v: str(v).strip())
    return pd.Series(ids.index, index=ids.index).groupby(keys.to_numpy()).transform("first")


def opening_hours_valid(text: str) -> bool:
    """Whether a text is valid OSM ``opening_hours`` syntax (checked by the ``opening-hours-py`` package)."""
    try:
        import opening_hours
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "checking opening_hours needs the 'opening-hours-py' package (pip install opening-hours-py==2.1.4)"
        ) from exc
    return bool(opening_hours.validate(text))


def invalid_opening_hours_mask(values: pd.Series) -> pd.Series:
    """True where an ``opening_hours`` value is present but is not valid OSM syntax."""
    present = ~missing_mask(values)
    checked = values[present].map(lambda v: not opening_hours_valid(str(v).strip()))
    return pd.Series(False, index=values.index).mask(present, checked).astype(bool)


def booleans_from_values(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no words (yes/no, true/false, sì/si/no, 1/0, any case) as a nullable boolean Series.

    Returns
    -------
    booleans, unparseable
        The values (``<NA>`` where missing) and a mask of values that are present but not a yes/no word.
    """
    words = values.map(lambda v: "" if _is_missing_scalar(v) else str(v).strip().casefold())
    truth = words.isin(TRUE_WORDS)
    falsity = words.isin(FALSE_WORDS)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[truth] = True
    out[falsity] = False
    unparseable = (words != "") & ~truth & ~falsity
    return out, unparseable


def pillars_from_values(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise ``;``-separated pillar lists and find unknown pillars.

    Returns
    -------
    pillars, unknown
        The lists as lower-case ``;``-joined text without repeats (NaN where missing), and per row the first
        unknown pillar (NaN where all are known).
    """

    def _split(v: object) -> list[str]:
        if _is_missing_scalar(v):
            return []
        seen: list[str] = []
        for token in str(v).split(";"):
            token = token.strip().casefold().replace(" ", "_")
            if token and token not in seen:
                seen.append(token)
        return seen

    lists = values.map(_split)
    joined = lists.map(lambda ps: ";".join(ps) if ps else np.nan).astype(object)
    unknown = lists.map(lambda ps: next((p for p in ps if p not in PILLARS), np.nan)).astype(object)
    return joined, unknown


def merge_pillars(lists: Iterable[str]) -> str:
    """Union of ``;``-separated pillar lists, in the order of :data:`~data_sources.contracts.PILLARS`."""
    chosen = {p for text in lists if isinstance(text, str) for p in text.split(";") if p}
    return ";".join(p for p in PILLARS if p in chosen)


# --------------------------------------------------------------------------------------------------------------
# The opportunities contract
# --------------------------------------------------------------------------------------------------------------

_NUMBER_COLUMNS = ("age_min", "age_max", "price", "capacity")
_TEXT_COLUMNS = tuple(c for c in OPPORTUNITY_COLUMNS if c not in {*_NUMBER_COLUMNS, "voucher", "geometry"})


def opportunities_from_frame(
    frame: pd.DataFrame,
    *,
    lon: Sequence[float] | pd.Series,
    lat: Sequence[float] | pd.Series,
    extra: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """An opportunities GeoDataFrame (:data:`OPPORTUNITY_COLUMNS` plus ``extra``) from a frame of good rows.

    Missing contract columns are filled with NaN. Text columns become ``str``, numbers ``float64`` (NaN where
    unknown), ``voucher`` a nullable boolean; points are built from ``lon``/``lat`` in EPSG:4326.
    """
    out = pd.DataFrame(index=frame.index)
    for name in OPPORTUNITY_COLUMNS:
        if name == "geometry":
            continue
        column = frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index, dtype=object)
        if name in _TEXT_COLUMNS:
            out[name] = text_values(column).astype("str")
        elif name in _NUMBER_COLUMNS:
            out[name] = numbers_from_values(column)
        elif name == "voucher":
            out[name] = column if column.dtype == "boolean" else booleans_from_values(column)[0]
    for name in extra:
        out[name] = frame[name]
    geometry = gpd.points_from_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), crs=WGS84)
    result = gpd.GeoDataFrame(out, geometry=geometry, crs=WGS84)
    result = result[[*OPPORTUNITY_COLUMNS, *extra]]
    return result.reset_index(drop=True)
