"""City configuration files: which sources a city has, where they come from, and its metric CRS.

A city is described by ``data_sources/cities/<slug>.toml`` (or any TOML file a deployment points at). Each source
names its local file (relative to the data directory), its official download URL, its licence and attribution.
Adding a city is writing one such file.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from data_sources.errors import ConfigError

CITIES_DIR = Path(__file__).resolve().parent / "cities"
_MODULE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class SourceConfig:
    """One input of a city."""

    name: str
    kind: str
    file: str = ""
    url: str = ""
    licence: str = ""
    attribution: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ZonesConfig:
    """A city's administrative zone levels (``[zones]``).

    Attributes
    ----------
    levels
        The neighbourhood levels the city loads, finest first (e.g. ``("nil", "municipio")``); empty for a city
        with only a grid.
    primary
        The level of the gap, vulnerability and mission tables and of the default origins (``""`` = none).
    labels
        Per level, its name by language (``{"nil": {"it": "NIL", "en": "neighbourhood (NIL)"}}``).
    """

    levels: tuple[str, ...] = ()
    primary: str = ""
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, level: str, language: str) -> str:
        """The level's name in ``language`` (English, then the level's code, when that is missing)."""
        names = self.labels.get(level, {})
        return names.get(language) or names.get("en") or level


@dataclass(frozen=True)
class VulnerabilityConfig:
    """A city's vulnerability recipe (``[vulnerability]``): a zone indicator reader and weights over its columns."""

    reader: str
    level: str
    weights: dict[str, float]


@dataclass(frozen=True)
class WishesConfig:
    """What a city asks of a wish (``[wishes]``; README, "Wishes").

    Attributes
    ----------
    age_bands
        The age bands a wish names (``"0-5"``, ``"6-10"`` ...); empty = the walking profiles' bands.
    blocked_words
        Word-list files (relative to ``data_sources/``, one word or phrase a line) whose words reject a wish text
        automatically; empty = ``wishes/blocked_words_<language>.txt`` and the English list, where they exist.
    """

    age_bands: tuple[str, ...] = ()
    blocked_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class CityConfig:
    """A city's description."""

    slug: str
    name: str
    country: str
    metric_epsg: int
    language: str
    center: tuple[float, float]
    attribution: tuple[str, ...]
    sources: dict[str, SourceConfig]
    path: Path
    boundary: str = ""
    #: The open catalogue of approved offerings (issue #18): its licence and attribution (``[open_catalogue]``).
    open_catalogue_licence: str = ""
    open_catalogue_attribution: str = ""
    #: The zone level whose names go into readable labels ("Giardino, Via X (NIL Y)"), and its prefix.
    name_zones: str = ""
    name_zone_prefix: str = ""
    #: A place farther than this from every named street gets no street in its label.
    name_max_street_m: float = 300.0
    zones: ZonesConfig = field(default_factory=ZonesConfig)
    vulnerability: VulnerabilityConfig | None = None
    #: Whether this is the city the home page shows when ``VICINO_DEFAULT_CITY`` is not set (``[city] default``).
    default: bool = False
    #: The city's own reader modules in ``data_sources`` (``[city] reader_modules``): each may define ``READERS``
    #: (source readers) and ``ZONE_INDICATOR_READERS`` (zone indicator readers) that its TOML names.
    reader_modules: tuple[str, ...] = ()
    wishes: WishesConfig = field(default_factory=WishesConfig)

    def source(self, name: str) -> SourceConfig | None:
        """The source called ``name``, or None when the city has none."""
        return self.sources.get(name)

    def sources_of_kind(self, kind: str) -> list[SourceConfig]:
        """Every source of one kind (e.g. all ``opportunities`` sources)."""
        return [s for s in self.sources.values() if s.kind == kind]


def available_cities() -> list[str]:
    """Slugs of the cities shipped with Vicino."""
    return sorted(p.stem for p in CITIES_DIR.glob("*.toml"))


def default_city_slug() -> str:
    """The slug of the shipped city whose TOML says ``default = true`` (``""`` when none does).

    Raises
    ------
    ConfigError
        If more than one shipped city says so.
    """
    defaults = [slug for slug in available_cities() if city_config_from_slug(slug).default]
    if len(defaults) > 1:
        raise ConfigError(f"[city] default = true in more than one city TOML: {', '.join(defaults)}.")
    return defaults[0] if defaults else ""


@cache
def shipped_reader_modules() -> tuple[ModuleType, ...]:
    """The reader modules every shipped city names in ``[city] reader_modules``, imported once, by name.

    Raises
    ------
    ConfigError
        If a named module does not exist in ``data_sources``.
    """
    names = sorted({name for slug in available_cities() for name in city_config_from_slug(slug).reader_modules})
    return tuple(reader_module(name) for name in names)


def reader_module(name: str) -> ModuleType:
    """The module ``data_sources.<name>`` a city TOML names in ``reader_modules``.

    Raises
    ------
    ConfigError
        If there is no such module.
    """
    try:
        return importlib.import_module(f"data_sources.{name}")
    except ModuleNotFoundError:
        raise ConfigError(f"[city] reader_modules: no module data_sources.{name}.") from None


def city_config_from_slug(slug: str) -> CityConfig:
    """Load a shipped city's configuration by slug."""
    path = CITIES_DIR / f"{slug}.toml"
    if not path.exists():
        raise ConfigError(f"Unknown city {slug!r}. Known cities: {', '.join(available_cities())}.")
    return city_config_from_file(path)


def city_config_from_file(path: str | Path) -> CityConfig:
    """Load and check a city configuration file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"City configuration {path} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"City configuration {path} is not valid TOML: {error}.") from None
    city = raw.get("city", {})
    missing = [key for key in ("slug", "name", "country", "metric_epsg") if key not in city]
    if missing:
        raise ConfigError(f"{path}: [city] lacks {', '.join(missing)}.")
    if not isinstance(city["metric_epsg"], int):
        raise ConfigError(f"{path}: metric_epsg must be an integer EPSG code, not {city['metric_epsg']!r}.")
    sources: dict[str, SourceConfig] = {}
    for name, spec in raw.get("sources", {}).items():
        if "kind" not in spec:
            raise ConfigError(f"{path}: source {name!r} lacks 'kind'.")
        known = {"kind", "file", "url", "licence", "attribution"}
        sources[name] = SourceConfig(
            name=name,
            kind=spec["kind"],
            file=spec.get("file", ""),
            url=spec.get("url", ""),
            licence=spec.get("licence", ""),
            attribution=spec.get("attribution", ""),
            options={k: v for k, v in spec.items() if k not in known},
        )
    center = city.get("center", [0.0, 0.0])
    default = city.get("default", False)
    if not isinstance(default, bool):
        raise ConfigError(f"{path}: [city] default must be true or false, not {default!r}.")
    reader_modules = city.get("reader_modules", [])
    if not isinstance(reader_modules, list) or not all(
        isinstance(name, str) and _MODULE_NAME.fullmatch(name) for name in reader_modules
    ):
        raise ConfigError(
            f"{path}: [city] reader_modules must be a list of module names in data_sources "
            f'(e.g. ["my_city_services"]), not {reader_modules!r}.'
        )
    zones = _zones_config(path, raw.get("zones", {}))
    vulnerability = _vulnerability_config(path, raw.get("vulnerability"))
    if vulnerability is not None and vulnerability.level not in zones.levels:
        raise ConfigError(f"{path}: [vulnerability] level {vulnerability.level!r} is not one of [zones] levels.")
    return CityConfig(
        slug=city["slug"],
        name=city["name"],
        country=city["country"],
        metric_epsg=city["metric_epsg"],
        language=city.get("language", "en"),
        center=(float(center[0]), float(center[1])),
        attribution=tuple(city.get("attribution", [])),
        sources=sources,
        path=path,
        boundary=city.get("boundary", ""),
        open_catalogue_licence=str(raw.get("open_catalogue", {}).get("licence", "")),
        open_catalogue_attribution=str(raw.get("open_catalogue", {}).get("attribution", "")),
        name_zones=city.get("name_zones", ""),
        name_zone_prefix=city.get("name_zone_prefix", ""),
        name_max_street_m=float(city.get("name_max_street_m", 300.0)),
        zones=zones,
        vulnerability=vulnerability,
        default=default,
        reader_modules=tuple(reader_modules),
        wishes=_wishes_config(path, raw.get("wishes", {})),
    )


def _zones_config(path: Path, raw: dict[str, Any]) -> ZonesConfig:
    levels = raw.get("levels", [])
    if not isinstance(levels, list) or not all(isinstance(level, str) and level for level in levels):
        raise ConfigError(f"{path}: [zones] levels must be a list of level names, not {levels!r}.")
    primary = raw.get("primary", "")
    if primary and primary not in levels:
        raise ConfigError(f"{path}: [zones] primary {primary!r} is not one of its levels {levels}.")
    labels = raw.get("labels", {})
    if not isinstance(labels, dict) or not all(
        isinstance(names, dict) and all(isinstance(v, str) for v in names.values()) for names in labels.values()
    ):
        raise ConfigError(f'{path}: [zones] labels must map each level to {{ it = "...", en = "..." }}.')
    unknown = [level for level in labels if level not in levels]
    if unknown:
        raise ConfigError(f"{path}: [zones] labels name levels not in levels: {unknown}.")
    return ZonesConfig(levels=tuple(levels), primary=primary, labels={k: dict(v) for k, v in labels.items()})


def _vulnerability_config(path: Path, raw: dict[str, Any] | None) -> VulnerabilityConfig | None:
    if raw is None:
        return None
    missing = [key for key in ("reader", "level", "weights") if key not in raw]
    if missing:
        raise ConfigError(f"{path}: [vulnerability] lacks {', '.join(missing)}.")
    weights = raw["weights"]
    if not isinstance(weights, dict) or not weights:
        raise ConfigError(f"{path}: [vulnerability] weights must be a table of component = weight.")
    bad = {k: v for k, v in weights.items() if isinstance(v, bool) or not isinstance(v, int | float) or v < 0}
    if bad:
        raise ConfigError(f"{path}: [vulnerability] weights must be numbers ≥ 0, not {bad}.")
    return VulnerabilityConfig(
        reader=str(raw["reader"]), level=str(raw["level"]), weights={k: float(v) for k, v in weights.items()}
    )


def _wishes_config(path: Path, raw: dict[str, Any]) -> WishesConfig:
    bands = raw.get("age_bands", [])
    pattern = re.compile(r"^\d{1,2}-\d{1,2}$")
    if not isinstance(bands, list) or not all(isinstance(b, str) and pattern.match(b) for b in bands):
        raise ConfigError(f'{path}: [wishes] age_bands must be a list like ["0-5", "6-10"], not {bands!r}.')
    for band in bands:
        low, high = (int(part) for part in band.split("-"))
        if low > high:
            raise ConfigError(f"{path}: [wishes] age band {band!r} starts after it ends.")
    files = raw.get("blocked_words", [])
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise ConfigError(f"{path}: [wishes] blocked_words must be a list of files relative to data_sources/.")
    missing = [f for f in files if not (CITIES_DIR.parent / f).is_file()]
    if missing:
        raise ConfigError(f"{path}: [wishes] blocked_words file(s) not found under data_sources/: {missing}.")
    return WishesConfig(age_bands=tuple(bands), blocked_words=tuple(files))
