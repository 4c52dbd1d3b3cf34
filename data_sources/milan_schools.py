"""Milan's schools from the Comune di Milano open data (primary, lower- and upper-secondary).

Two schemas are read (``/work/shared/data/milan/SOURCES.md``, "schools/"):

- **Yearly files** (primary, lower secondary: :func:`schools_from_yearly_file`): one row per school per school
  year (``ANNOSCOL`` ``2324`` = 2023/24). Only the latest year in the file (or the ``school_year`` asked for)
  loads; rows of older years are *set aside* with their year, never dropped silently. The id is the Comune's own
  school code ``CODICE`` prefixed by the level (``primary-2000``, ``lower_secondary-3002``): the same code may
  name a primary and a lower-secondary site, which are different schools for pupils, so ids stay unique across
  the two files and stable across releases (never a database row id).
- **"Servizi pubblici" file** (upper secondary: :func:`schools_from_services_file`): one row per institute and
  site, no year. ``COD_SEDE`` (the Comune's site code) is shared by the institutes of one building (119 codes
  for 174 rows), so the id is ``upper_secondary-<COD_SEDE>-<8 hex of sha1(DENOMINAZ)>``: the source's own site key
  plus its institute name, stable as long as the Comune keeps both. Its ``X``/``Y`` are Gauss-Boaga metres;
  ``LONG_X_4326``/``LAT_Y_4326`` are used. Evening courses for adults (``ATTIVITA = SERALE``) are set aside: a
  child's after-school reach is not theirs.

Each school gets ``management``: ``state`` (statale, run by the State), ``paritaria`` (a recognised
non-state school: municipal, religious or private, equal in law), or ``private`` (non paritaria); ``operator``
(who runs it, as the file says: ``Statale``, ``Ente religioso``, ``COMUNALE``...), and ``nil``, its NIL
(neighbourhood) name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data_sources.contracts import SCHOOL_COLUMNS, WGS84
from data_sources.errors import ConfigError, NoUsableRowsError, SourceFormatError
from data_sources.readers import Reader
from data_sources.rejects import RejectReport
from data_sources.validation import (
    DUPLICATE_ID,
    Area,
    Rejector,
    bad_text_rejected,
    duplicate_mask,
    existing_path,
    frame_from_geojson_path,
    missing_mask,
    numbers_from_values,
    points_checked,
    text_values,
)

#: The extra columns Milan's school readers add to :data:`SCHOOL_COLUMNS`.
SCHOOL_EXTRA_COLUMNS: list[str] = ["management", "operator", "nil"]

LEVELS = ("primary", "lower_secondary", "upper_secondary")
EVENING_COURSE = "evening course for adults (ATTIVITA=SERALE), not an after-school origin for children"


def school_year_label(code: int) -> str:
    """``2324`` → ``2023/24``."""
    return f"20{code // 100:02d}/{code % 100:02d}"


def _code_text(value: object) -> object:
    """A code as text without a float's ``.0`` (``2000.0`` → ``2000``); NaN stays NaN."""
    if missing_mask(pd.Series([value], dtype=object)).iloc[0]:
        return np.nan
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def _yes(value: object) -> bool:
    return isinstance(value, str) and value.strip().casefold() in {"si", "sì", "yes"}


def _frame(path: Path, source: str, report: RejectReport, required: list[str]) -> pd.DataFrame:
    frame, n = frame_from_geojson_path(path)
    report.read_counts[source] += n
    if n == 0:
        raise NoUsableRowsError(f"{path}: no features")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{path}: missing required column(s) {', '.join(missing)}")
    return frame.astype({c: object for c in frame.columns if c != "geometry"})


def _schools(frame: pd.DataFrame, source: str, level: str) -> gpd.GeoDataFrame:
    schools = gpd.GeoDataFrame(
        {
            "id": frame["id"].astype(str).to_numpy(),
            "source": source,
            "name": frame["_name"].astype(str).to_numpy(),
            "level": level,
            "address": frame["_address"].astype(str).to_numpy(),
            "capacity": pd.array(frame["_capacity"].to_numpy(), dtype="Int64"),
            "management": frame["management"].astype(str).to_numpy(),
            "operator": frame["_operator"].astype(str).to_numpy(),
            "nil": frame["_nil"].astype(str).to_numpy(),
        },
        geometry=gpd.points_from_xy(frame["_lon"].astype(float), frame["_lat"].astype(float)),
        crs=WGS84,
    )
    return schools[[*SCHOOL_COLUMNS[:-1], *SCHOOL_EXTRA_COLUMNS, "geometry"]].reset_index(drop=True)


def _checked(frame: pd.DataFrame, reject: Rejector, path: Path, boundary: Area | None) -> pd.DataFrame:
    frame = bad_text_rejected(frame, reject)
    frame = reject(frame, frame["id"].isna(), "id", "missing school code")
    frame = reject(frame, duplicate_mask(frame["id"]), "id", DUPLICATE_ID)
    frame = reject(frame, missing_mask(frame["_name"]), "name", "missing name")
    return points_checked(frame, reject, lon_field="LONG_X_4326", lat_field="LAT_Y_4326", area=boundary, path=path)


def schools_from_yearly_file(
    path: str | Path,
    *,
    level: str,
    boundary: Area | None = None,
    school_year: int | None = None,
    source: str = "schools",
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Schools of one school year from a Comune di Milano yearly file (``scuole-primarie``, ``-secondarie-primo``).

    Parameters
    ----------
    path
        The GeoJSON (fields ``ANNOSCOL``, ``CODICE``, ``DENOMINAZIONE``, ``TIPO``, ``PARITARIA``, ``INDIRIZZO``,
        ``CIVICO``, ``NIL``, ``LONG_X_4326``, ``LAT_Y_4326``).
    level
        ``primary`` or ``lower_secondary``: the level of every row and the prefix of the ids.
    boundary
        The city boundary: points outside are rejected.
    school_year
        ``ANNOSCOL`` to load (e.g. ``2324``); default the latest in the file. Other years are set aside.

    Returns
    -------
    schools, report
        :data:`SCHOOL_COLUMNS` plus :data:`SCHOOL_EXTRA_COLUMNS`; ``read = loaded + set aside + rejected``.
    """
    if level not in LEVELS:
        raise ConfigError(f"{path}: unknown school level {level!r} (use one of {', '.join(LEVELS)})")
    path = existing_path(path)
    report = RejectReport()
    required = ["ANNOSCOL", "CODICE", "DENOMINAZIONE", "TIPO", "PARITARIA", "INDIRIZZO", "LONG_X_4326", "LAT_Y_4326"]
    frame = _frame(path, source, report, required)
    frame["id"] = text_values(frame["CODICE"].map(_code_text)).map(
        lambda v: f"{level}-{v}" if isinstance(v, str) else np.nan
    )
    reject = Rejector(report, source, path, id_field="id")
    years = numbers_from_values(frame["ANNOSCOL"])
    frame = reject(frame, years.isna() | (years % 1 != 0), "ANNOSCOL", "missing or unparseable school year")
    years = years[frame.index].astype(int)
    year = int(school_year) if school_year is not None else int(years.max())
    if not (years == year).any():
        raise NoUsableRowsError(f"{path}: no row of school year {year} (ANNOSCOL); the file has {sorted(set(years))}")
    for row in frame.index[(years != year).to_numpy()]:
        report.add_set_aside(
            source, path, int(row),
            f"school year {school_year_label(int(years[row]))}, not the year loaded ({school_year_label(year)})",
            into=frame.at[row, "id"],
        )  # fmt: skip
    frame = frame[(years == year).to_numpy()].copy()
    frame["_name"] = text_values(frame["DENOMINAZIONE"])
    frame = _checked(frame, reject, path, boundary)
    if frame.empty:
        raise NoUsableRowsError(f"{path}: all {report.read_counts[source]} rows were set aside or rejected")
    civico = frame["CIVICO"] if "CIVICO" in frame.columns else pd.Series(np.nan, index=frame.index, dtype=object)
    frame["_address"] = [_address(a, c) for a, c in zip(frame["INDIRIZZO"], civico, strict=True)]
    state = frame["TIPO"].map(lambda v: isinstance(v, str) and v.strip().casefold() == "statale")
    paritaria = frame["PARITARIA"].map(_yes)
    frame["management"] = np.where(state, "state", np.where(paritaria, "paritaria", "private"))
    frame["_operator"] = text_values(frame["TIPO"]).fillna("")
    frame["_nil"] = text_values(frame["NIL"]).fillna("") if "NIL" in frame.columns else ""
    frame["_capacity"] = np.nan
    return _schools(frame, source, level), report


def _address(street: object, number: object) -> str:
    """``INDIRIZZO`` with ``CIVICO`` appended unless it already ends with it."""
    street_text = str(street).strip() if isinstance(street, str) else ""
    number_text = _code_text(number)
    number_text = str(number_text).strip() if isinstance(number_text, str) else ""
    if number_text and not re.search(rf"\b{re.escape(number_text)}$", street_text):
        return f"{street_text} {number_text}".strip()
    return street_text


def upper_secondary_id(site_code: object, name: object) -> object:
    """``upper_secondary-<COD_SEDE>-<8 hex of sha1(name)>`` (name without case and repeated spaces)."""
    code = _code_text(site_code)
    if not isinstance(code, str) or not isinstance(name, str) or not name.strip():
        return np.nan
    key = re.sub(r"\s+", " ", name).strip().casefold()
    return f"upper_secondary-{code}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def schools_from_services_file(
    path: str | Path, *, boundary: Area | None = None, source: str = "schools_upper_secondary"
) -> tuple[gpd.GeoDataFrame, RejectReport]:
    """Upper-secondary schools from the Comune's "servizi pubblici" file (no school year).

    Ids and the handling of evening courses: see the module docstring. ``capacity`` is ``NUM_ISCR`` (enrolled
    pupils) where it is a whole number. ``management``: ``POSIZGIURI = STATALE`` → ``state``; otherwise
    ``PARITARIA`` ``PARITARIA``/``PRIVATA PARITARIA`` → ``paritaria``, ``PRIVATA NON PARITARIA`` → ``private``.
    """
    path = existing_path(path)
    report = RejectReport()
    required = ["COD_SEDE", "DENOMINAZ", "POSIZGIURI", "PARITARIA", "INDIRIZZO", "LONG_X_4326", "LAT_Y_4326"]
    frame = _frame(path, source, report, required)
    frame["id"] = [upper_secondary_id(c, n) for c, n in zip(frame["COD_SEDE"], frame["DENOMINAZ"], strict=True)]
    frame["id"] = text_values(frame["id"])
    reject = Rejector(report, source, path, id_field="id")
    if "ATTIVITA" in frame.columns:
        evening = frame["ATTIVITA"].map(lambda v: isinstance(v, str) and v.strip().casefold() == "serale")
        for row in frame.index[evening.to_numpy(dtype=bool)]:
            report.add_set_aside(source, path, int(row), EVENING_COURSE, into=frame.at[row, "id"])
        frame = frame[~evening.to_numpy(dtype=bool)].copy()
    frame["_name"] = text_values(frame["DENOMINAZ"])
    frame = _checked(frame, reject, path, boundary)
    if frame.empty:
        raise NoUsableRowsError(f"{path}: all {report.read_counts[source]} rows were set aside or rejected")
    frame["_address"] = text_values(frame["INDIRIZZO"]).fillna("")
    position = frame["POSIZGIURI"].map(lambda v: str(v).strip().casefold() if isinstance(v, str) else "")
    parity = frame["PARITARIA"].map(lambda v: str(v).strip().casefold() if isinstance(v, str) else "")
    frame["management"] = np.where(
        position == "statale", "state", np.where(parity.str.contains("non paritaria"), "private", "paritaria")
    )
    frame["_operator"] = text_values(frame["POSIZGIURI"]).fillna("")
    frame["_nil"] = text_values(frame["NIL"]).fillna("") if "NIL" in frame.columns else ""
    enrolled = numbers_from_values(frame["NUM_ISCR"]) if "NUM_ISCR" in frame.columns else pd.Series(np.nan)
    frame["_capacity"] = enrolled.where((enrolled >= 0) & (enrolled % 1 == 0)).reindex(frame.index)
    return _schools(frame, source, "upper_secondary"), report


#: The readers Milan's TOML names (``[city] reader_modules``; see :mod:`data_sources.readers`).
READERS: dict[str, Reader] = {
    "schools_from_yearly_file": Reader(schools_from_yearly_file, "schools", options=("level", "school_year")),
    "schools_from_services_file": Reader(schools_from_services_file, "schools"),
}
