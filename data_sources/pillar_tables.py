"""The pillar index's per-city tables: weights (``data_sources/weights/<city>_pillars.csv``) and context
indicators (``data_sources/context/<city>_context.csv``), named in the city's TOML under ``[pillars]``.

Weights file, one row per pillar (all seven, each once) and optionally ``context:<indicator>`` rows::

    pillar,weight,measure,note
    physical_activity,1,e2sfca,equal weights by default

``weight`` ≥ 0 (they are rescaled to sum 1); ``measure`` is the pillar's headline access measure (``e2sfca``,
``gravity`` or ``within_15``; empty for context rows). A context row with weight > 0 folds that indicator into
the composite; absent or 0, it is only shown beside it.

Context file, one row per indicator::

    indicator,pillar,direction,level,reader,file,id_field,numerator,denominator,scale,source,licence,note

``direction`` is ``higher_is_better`` or ``higher_is_worse``; ``level`` the zones the values belong to (``nil``,
``municipio``); ``reader`` is ``ratio`` (Σ numerator columns / Σ denominator columns × scale, read here from
``file`` under the data folder, joined on ``id_field``) or the name of a reader the ``geo`` app knows (its
``numerator`` then names the column it returns).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data_sources.contracts import PILLARS
from data_sources.errors import ConfigError, SourceFormatError, SourceNotFoundError

MEASURES = ("e2sfca", "gravity", "within_15")
DIRECTIONS = ("higher_is_better", "higher_is_worse")
NORMALISATIONS = ("min_max", "z_score", "rank")
CONTEXT_PREFIX = "context:"
DATA_SOURCES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PillarWeights:
    """Weights (pillar or ``context:<indicator>`` → weight), each pillar's measure, and the notes."""

    weights: dict[str, float]
    measures: dict[str, str]
    notes: dict[str, str]
    path: str


@dataclass(frozen=True)
class ContextIndicator:
    """One context indicator: what it is, which pillar it speaks to, its direction and where it comes from."""

    indicator: str
    pillar: str
    direction: str
    level: str
    reader: str
    file: str
    id_field: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: float
    source: str
    licence: str
    note: str

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


def pillar_settings(city_toml: str | Path) -> dict[str, Path | None]:
    """The ``[pillars]`` table of a city TOML: ``weights`` and ``context`` paths (relative to ``data_sources/``).

    The headline normalisation is :func:`pillar_normalisation`."""
    path = Path(city_toml)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")).get("pillars", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read [pillars]: {error}") from None
    unknown = set(raw) - {"weights", "context", "normalisation"}
    if unknown:
        raise ConfigError(f"{path}: [pillars] has unknown key(s) {', '.join(sorted(unknown))}; use weights, context")
    return {key: (DATA_SOURCES_DIR / raw[key]) if raw.get(key) else None for key in ("weights", "context")}


def pillar_normalisation(city_toml: str | Path) -> str:
    """``normalisation`` of the city's ``[pillars]`` (``rank`` by default: robust to outlying neighbourhoods)."""
    path = Path(city_toml)
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("pillars", {}).get("normalisation", "rank")
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read [pillars]: {error}") from None
    if value not in NORMALISATIONS:
        raise ConfigError(f"{path}: [pillars] normalisation {value!r}; use {', '.join(NORMALISATIONS)}")
    return str(value)


def default_weights() -> PillarWeights:
    """Equal weights and E2SFCA for every pillar (a city with no weights file)."""
    return PillarWeights(dict.fromkeys(PILLARS, 1.0), dict.fromkeys(PILLARS, "e2sfca"), {}, "")


def _rows(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise SourceNotFoundError(f"{path} does not exist")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceFormatError(f"{path.name}: missing column(s) {', '.join(missing)}")
            return [(number, row) for number, row in enumerate(reader, start=2)]
    except UnicodeDecodeError as error:
        raise SourceFormatError(f"{path.name} is not UTF-8 text: {error}") from None


def read_pillar_weights(path: str | Path) -> PillarWeights:
    """Read and check a weights file (every problem names the file, row and field)."""
    path = Path(path)
    weights: dict[str, float] = {}
    measures: dict[str, str] = {}
    notes: dict[str, str] = {}
    for number, row in _rows(path, ["pillar", "weight", "measure"]):
        where = f"{path.name} row {number}"
        name = (row.get("pillar") or "").strip()
        if name not in PILLARS and not name.startswith(CONTEXT_PREFIX):
            raise SourceFormatError(f"{where}, field pillar: {name!r} is not a pillar ({', '.join(PILLARS)}) "
                                    f"or {CONTEXT_PREFIX}<indicator>")  # fmt: skip
        if name in weights:
            raise SourceFormatError(f"{where}, field pillar: {name!r} is listed twice")
        try:
            weight = float(row.get("weight") or "")
        except ValueError:
            raise SourceFormatError(f"{where}, field weight: {row.get('weight')!r} is not a number") from None
        if not weight >= 0 or weight == float("inf"):
            raise SourceFormatError(f"{where}, field weight: {weight} must be a finite number ≥ 0")
        measure = (row.get("measure") or "").strip()
        if name in PILLARS and measure not in MEASURES:
            raise SourceFormatError(f"{where}, field measure: {measure!r}; use {', '.join(MEASURES)}")
        weights[name] = weight
        if name in PILLARS:
            measures[name] = measure
        notes[name] = (row.get("note") or "").strip()
    missing = [p for p in PILLARS if p not in weights]
    if missing:
        raise SourceFormatError(f"{path.name}: pillar(s) {', '.join(missing)} missing (give weight 0 to leave one out)")
    if sum(weights[p] for p in PILLARS) <= 0:
        raise SourceFormatError(f"{path.name}: every pillar has weight 0")
    return PillarWeights(weights, measures, notes, str(path))


def read_context_indicators(path: str | Path) -> list[ContextIndicator]:
    """Read and check a context-indicator table (every problem names the file, row and field)."""
    path = Path(path)
    required = ["indicator", "pillar", "direction", "level", "reader", "file", "id_field", "numerator",
                "denominator", "scale", "source", "licence"]  # fmt: skip
    indicators: list[ContextIndicator] = []
    for number, row in _rows(path, required):
        where = f"{path.name} row {number}"
        values = {k: (row.get(k) or "").strip() for k in [*required, "note"]}
        if not values["indicator"]:
            raise SourceFormatError(f"{where}, field indicator: empty")
        if values["indicator"] in {i.indicator for i in indicators}:
            raise SourceFormatError(f"{where}, field indicator: {values['indicator']!r} is listed twice")
        if values["pillar"] not in PILLARS:
            raise SourceFormatError(f"{where}, field pillar: {values['pillar']!r} is not a pillar")
        if values["direction"] not in DIRECTIONS:
            raise SourceFormatError(f"{where}, field direction: {values['direction']!r}; use {', '.join(DIRECTIONS)}")
        for key in ("level", "reader", "numerator", "source"):
            if not values[key]:
                raise SourceFormatError(f"{where}, field {key}: empty")
        try:
            scale = float(values["scale"] or "1")
        except ValueError:
            raise SourceFormatError(f"{where}, field scale: {values['scale']!r} is not a number") from None
        indicators.append(
            ContextIndicator(
                indicator=values["indicator"], pillar=values["pillar"], direction=values["direction"],
                level=values["level"], reader=values["reader"], file=values["file"], id_field=values["id_field"],
                numerator=tuple(c.strip() for c in values["numerator"].split("+")),
                denominator=tuple(c.strip() for c in values["denominator"].split("+") if c.strip()),
                scale=scale, source=values["source"], licence=values["licence"], note=values["note"],
            )
        )  # fmt: skip
    return indicators


def ratio_values(indicator: ContextIndicator, data_dir: str | Path) -> pd.Series:
    """A ``ratio`` indicator's values per zone code (index = ``id_field`` as text; NaN where the denominator is 0).

    The file's separator (``,`` or ``;``) is detected; every column named must exist and hold numbers.
    """
    path = Path(data_dir) / indicator.file
    if not path.is_file():
        raise SourceNotFoundError(f"context indicator {indicator.indicator}: {path} does not exist")
    try:
        frame = pd.read_csv(path, sep=None, engine="python", encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise SourceFormatError(f"{path.name} cannot be read as CSV: {error}") from None
    columns = [indicator.id_field, *indicator.numerator, *indicator.denominator]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"{path.name}: column(s) {', '.join(missing)} missing (indicator {indicator.indicator})"
        )
    numbers = frame[columns[1:]].apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & frame[columns[1:]].notna()
    if bad.any().any():
        row, column = next((r, c) for c in bad.columns for r in bad.index if bad.at[r, c])
        raise SourceFormatError(f"{path.name} row {row + 2}, field {column}: {frame.at[row, column]!r} is not a number")
    ids = frame[indicator.id_field].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    if ids.duplicated().any():
        raise SourceFormatError(f"{path.name}: field {indicator.id_field} repeats {ids[ids.duplicated()].iloc[0]!r}")
    numerator = numbers[list(indicator.numerator)].sum(axis=1, min_count=1)
    if indicator.denominator:
        denominator = numbers[list(indicator.denominator)].sum(axis=1, min_count=1)
        values = numerator / denominator.where(denominator > 0)
    else:
        values = numerator
    return pd.Series((values * indicator.scale).to_numpy(), index=ids.to_numpy(), name=indicator.indicator)
