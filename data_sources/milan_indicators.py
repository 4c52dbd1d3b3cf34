"""Milan's per-NIL indicators for the vulnerability recipe (the reader; the index is :mod:`layers.siting`).

Named by ``data_sources/cities/milan.toml`` (``[vulnerability] reader``), which also holds the recipe's weights;
``geo`` wires the reader to :func:`layers.siting.vulnerability_by_zone`. The recipe (weights in the TOML):

- ``foreign_share``: share of foreign residents (``pct_stranieri``, 2021). In Italy households of foreign
  citizens face absolute poverty several times as often as Italian ones (ISTAT), and newly arrived families meet
  language and information barriers to activities. A proxy for disadvantage, not a measure of any family; never
  label a neighbourhood by it.
- ``density``: residents per km² (``densita_abitanti_km2``), a proxy for crowding and little private space. Weak
  on its own: some dense central NILs are affluent.
- ``turnover``: registrations plus deregistrations per resident (``immigrati + emigrati``), i.e. residential
  instability and newly arrived families with few local ties. Also high near universities.

The two shares are smoothed towards the city-wide rate as if each NIL had :data:`MILAN_SHRINKAGE_RESIDENTS` more
residents at that rate: it matters only for NILs of a few hundred residents (parks, farmland) and gives Parco
Sempione (0 residents) the city values instead of NaN. Each indicator is min–max normalised across the 88 NIL,
then weighted and rescaled to 0–1 (:func:`layers.siting.vulnerability_index`).

Not used, and why:

- A single-parent share: ``famiglie_con_figli_minorenni`` (nil_service_counts) merges couples with children and
  single parents with children, so single parents cannot be separated. Its share of households is given by
  :func:`milan_vulnerability_components` for information; it counts children, which the demand weight already
  does.
- ``istat2011_zone_decentramento_indicators_milano.csv`` has the classic deprivation indicators (low education,
  unemployment, renting, crowding; Caranci et al. 2010), but per Municipio (9 zones) and for 2011: every NIL of a
  Municipio would get the same value, hiding the contrasts inside a Municipio (Municipio 8 holds both CityLife and
  Quarto Oggiaro). Census sections (istat2011_census_sections_*) carry only age bands.
- Service counts (schools, social services): they are supply, which the access layers already measure.

Caveats (see /work/shared/data/milan/SOURCES.md): both NIL files are DERIVED by a third party (Milano-Platform)
from Comune di Milano ds205 and other datasets, matched to NIL by name and not re-checked; the year is assumed to
be 2021; min–max makes the index relative to Milan and sensitive to outliers (Parco Forlanini – Cavriano, 2,180
residents with 66% foreign residents, scores 1.0). Treat the index as a ranking aid next to local knowledge, not
as a measurement.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_sources.errors import SourceFormatError, SourceNotFoundError

#: Residents added at the city-wide rate when smoothing a NIL's shares (small-area shrinkage).
MILAN_SHRINKAGE_RESIDENTS = 500.0

_NIL_DEMOGRAPHICS = "nil_demographics_2021_derived_milano_platform.csv"
_NIL_SERVICES = "nil_service_counts_derived_milano_platform.csv"
_DEMOGRAPHICS_COLUMNS = ["id_nil", "nil", "popolazione_totale", "pct_stranieri", "densita_abitanti_km2",
                         "immigrati", "emigrati"]  # fmt: skip
_SERVICES_COLUMNS = ["id_nil", "famiglie_con_figli_minorenni", "famiglie_totali_tipologie"]


def _milan_population_dir(data_dir: str | Path) -> Path:
    base = Path(data_dir)
    for folder in (base / "milan" / "population", base / "population", base):
        if (folder / _NIL_DEMOGRAPHICS).is_file():
            return folder
    raise SourceNotFoundError(
        f"{_NIL_DEMOGRAPHICS} not found under {base} (looked in milan/population/, population/ and the folder itself)"
    )


def _read_nil_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise SourceNotFoundError(f"missing {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise SourceFormatError(f"{path.name} cannot be read as CSV: {error}") from error
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise SourceFormatError(f"{path.name} lacks columns {absent}")
    if frame["id_nil"].duplicated().any():
        raise SourceFormatError(f"{path.name} repeats id_nil values")
    return frame[columns].set_index(frame["id_nil"].astype(int).astype(str).rename("nil"))


def _shrunk_share(count: pd.Series, population: pd.Series, k: float) -> pd.Series:
    city = float(count.sum() / population.sum())
    return (count + k * city) / (population + k)


def milan_vulnerability_components(data_dir: str | Path) -> pd.DataFrame:
    """The indicators of the Milan per-NIL vulnerability recipe, one row per NIL (index = ``id_nil`` as a string).

    Columns: ``name``, ``population``, ``foreign_share`` (foreign residents / residents, smoothed),
    ``density`` (residents per km²), ``turnover`` ((registrations + deregistrations) / residents, smoothed), and
    for information only ``minors_household_share`` (households with at least one child under 18 / all
    households; not in the index: it measures how many children there are, which the youth weight already
    counts). See the module docstring for sources and caveats.

    Parameters
    ----------
    data_dir
        The shared data folder (``.../shared/data``), the ``milan`` folder, or its ``population`` folder.

    Raises
    ------
    SourceNotFoundError
        The NIL files are not under ``data_dir``.
    SourceFormatError
        A file cannot be read or lacks a column.
    """
    folder = _milan_population_dir(data_dir)
    demographics = _read_nil_csv(folder / _NIL_DEMOGRAPHICS, _DEMOGRAPHICS_COLUMNS)
    services = _read_nil_csv(folder / _NIL_SERVICES, _SERVICES_COLUMNS)
    population = pd.to_numeric(demographics["popolazione_totale"], errors="coerce").fillna(0.0)
    foreign = pd.to_numeric(demographics["pct_stranieri"], errors="coerce").fillna(0.0) / 100.0 * population
    moves = pd.to_numeric(demographics["immigrati"], errors="coerce").fillna(0.0) + pd.to_numeric(
        demographics["emigrati"], errors="coerce"
    ).fillna(0.0)
    k = MILAN_SHRINKAGE_RESIDENTS
    households = services.reindex(demographics.index)
    minors = pd.to_numeric(households["famiglie_con_figli_minorenni"], errors="coerce")
    all_households = pd.to_numeric(households["famiglie_totali_tipologie"], errors="coerce")
    components = pd.DataFrame(
        {
            "name": demographics["nil"].astype(str),
            "population": population,
            "foreign_share": _shrunk_share(foreign, population, k),
            "density": pd.to_numeric(demographics["densita_abitanti_km2"], errors="coerce").fillna(0.0),
            "turnover": _shrunk_share(moves, population, k),
            "minors_household_share": minors / all_households.where(all_households > 0),
        }
    )
    return components.sort_index(key=lambda s: s.astype(int))


#: The zone indicator readers Milan's TOML and context table name (see :mod:`data_sources.zone_indicators`).
ZONE_INDICATOR_READERS = {"milan_vulnerability_components": milan_vulnerability_components}
