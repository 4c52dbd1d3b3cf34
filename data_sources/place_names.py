"""Names people recognise for places whose source gives none: "Giardino, Via Padova (NIL Loreto)".

A park without an OSM name, a playground, a grid cell's schools: each gets a label made of a generic word in the
city's language (``mappings/generic_names.csv``, by ``kind`` and language), where it is (the source's own location
text where it has one, such as ds724's ``località``; otherwise the nearest named street within ``max_street_m``)
and the neighbourhood containing it where the city has neighbourhoods. Never an OSM or H3 id.

Street names come from line layers with a ``name`` (:func:`named_streets_from_geojson`, e.g. main-road
exports) or from an OSM extract's named highways (:func:`named_streets_from_osm_file`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from data_sources.contracts import WGS84
from data_sources.errors import ConfigError, SourceFormatError
from data_sources.validation import existing_path, missing_mask

GENERIC_NAMES = Path(__file__).resolve().parent / "mappings" / "generic_names.csv"
DEFAULT_WORD = "place"


def generic_words_from_csv(path: str | Path = GENERIC_NAMES) -> pd.DataFrame:
    """The table of generic words: ``kind, language, one, many`` (``many`` for counts above 1)."""
    table = pd.read_csv(existing_path(path), dtype=str, keep_default_na=False)
    missing = [c for c in ("kind", "language", "one", "many") if c not in table.columns]
    if missing:
        raise ConfigError(f"{path}: lacks column(s) {', '.join(missing)}")
    return table


def _text(value: object) -> str:
    if missing_mask(pd.Series([value], dtype=object)).iloc[0]:
        return ""
    return str(value).strip()


def named_streets_from_geojson(paths: Iterable[str | Path]) -> gpd.GeoDataFrame:
    """Named lines (``name``, geometry EPSG:4326) from GeoJSON line layers; unnamed lines are skipped.

    OSMnx exports may hold a list of names for a merged edge (``"['Via A', 'Via B']"``): the first is kept.
    """
    frames = []
    for path in paths:
        frame = gpd.read_file(existing_path(path), columns=["name"])
        if "name" not in frame.columns:
            raise SourceFormatError(f"{path}: no 'name' column for street names")
        frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
        names = frame["name"].map(_first_name)
        frames.append(gpd.GeoDataFrame({"name": names}, geometry=frame.geometry, crs=WGS84)[names != ""])
    if not frames:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=WGS84)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)


def _first_name(value: object) -> str:
    if isinstance(value, list | tuple | np.ndarray):  # a merged edge's names, read as a JSON array
        return next((str(v).strip() for v in value if isinstance(v, str) and v.strip()), "")
    text = _text(value)
    if text.startswith("[") and text.endswith("]"):
        try:
            parts = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return ""
        text = next((str(p).strip() for p in parts if str(p).strip()), "") if isinstance(parts, list) else ""
    return text


def named_streets_from_osm_file(path: str | Path) -> gpd.GeoDataFrame:
    """Named highways (``name``, LineString EPSG:4326) of an OSM extract (one pyosmium pass)."""
    names: list[str] = []
    lines: list[shapely.LineString] = []
    way_filter = osmium.filter.KeyFilter("highway")
    way_filter.enable_for(osmium.osm.WAY)
    name_filter = osmium.filter.KeyFilter("name")
    name_filter.enable_for(osmium.osm.WAY)
    no_nodes = osmium.filter.KeyFilter("\x00")  # nodes feed the location cache only, never this loop
    no_nodes.enable_for(osmium.osm.NODE)
    processor = (
        osmium.FileProcessor(str(existing_path(path)), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(no_nodes)
        .with_filter(way_filter)
        .with_filter(name_filter)
    )
    for way in processor:
        if not way.is_way():
            continue
        coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(coords) >= 2:
            names.append(way.tags.get("name").strip())
            lines.append(shapely.LineString(coords))
    return gpd.GeoDataFrame({"name": names}, geometry=lines, crs=WGS84)


@dataclass
class PlaceNamer:
    """Builds readable labels; see the module docstring.

    Parameters
    ----------
    language
        The city's language (``it``, ``en``, ``pt``...): picks the generic words (English when a word lacks it).
    streets
        Named lines (``name``, geometry EPSG:4326).
    zones
        Neighbourhoods (``name``, polygons EPSG:4326), or None.
    zone_prefix
        Put before a zone's name in the label (``NIL``), or empty.
    metric_epsg
        A metric CRS for distances to streets.
    max_street_m
        Farther than this, no street is named.
    """

    language: str = "en"
    streets: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    zone_prefix: str = ""
    metric_epsg: int = 3857
    max_street_m: float = 300.0
    words: pd.DataFrame = field(default_factory=generic_words_from_csv)

    def __post_init__(self) -> None:
        self._street_tree = None
        if self.streets is not None and len(self.streets):
            metric = self.streets.to_crs(self.metric_epsg)
            self._street_geoms = np.asarray(metric.geometry.to_numpy(), dtype=object)
            self._street_names = self.streets["name"].to_numpy()
            self._street_tree = shapely.STRtree(self._street_geoms)
        self._zone_tree = None
        if self.zones is not None and len(self.zones):
            self._zone_geoms = np.asarray(self.zones.geometry.to_numpy(), dtype=object)
            self._zone_names = self.zones["name"].to_numpy()
            self._zone_tree = shapely.STRtree(self._zone_geoms)

    def word(self, kind: str, count: float | None = None) -> str:
        """The generic word for ``kind`` in the city's language; with a count, ``"3 scuole"``."""
        rows = self.words[self.words["kind"] == kind]
        row = rows[rows["language"] == self.language]
        if row.empty:
            row = rows[rows["language"] == "en"]
        if row.empty:
            return kind.replace("_", " ").capitalize() if count is None else f"{count:g} {kind.replace('_', ' ')}"
        one, many = row.iloc[0]["one"], row.iloc[0]["many"] or row.iloc[0]["one"]
        if count is None:
            return one
        return f"{count:g} {one.lower() if count == 1 else many.lower()}"

    def nearest_streets(self, points: gpd.GeoSeries) -> pd.Series:
        """The name of the nearest named street within ``max_street_m`` of each point ('' where none)."""
        out = pd.Series("", index=points.index, dtype=object)
        if self._street_tree is None or points.empty:
            return out
        metric = np.asarray(points.to_crs(self.metric_epsg).to_numpy(), dtype=object)
        found, _ = self._street_tree.query_nearest(metric, max_distance=self.max_street_m, return_distance=True)
        point_index, street_index = found
        # query_nearest returns every tie; the first per point is kept
        first = pd.Series(street_index, index=point_index)
        first = first[~first.index.duplicated()]
        out.iloc[first.index.to_numpy()] = self._street_names[first.to_numpy()]
        return out

    def zone_names(self, points: gpd.GeoSeries) -> pd.Series:
        """The name of the zone containing each point ('' outside every zone or without zones)."""
        out = pd.Series("", index=points.index, dtype=object)
        if self._zone_tree is None or points.empty:
            return out
        geoms = np.asarray(points.to_crs(WGS84).to_numpy(), dtype=object)
        point_index, zone_index = self._zone_tree.query(geoms, predicate="within")
        first = pd.Series(zone_index, index=point_index)
        first = first[~first.index.duplicated()]
        out.iloc[first.index.to_numpy()] = self._zone_names[first.to_numpy()]
        return out

    def labels(
        self,
        kinds: pd.Series,
        points: gpd.GeoSeries,
        *,
        places: pd.Series | None = None,
        counts: pd.Series | None = None,
    ) -> pd.Series:
        """``"<Word>, <place or nearest street> (<zone prefix> <zone>)"``, parts left out where unknown.

        ``places`` is the source's own location text (used instead of the nearest street where present);
        ``counts`` turns the word into ``"3 schools"`` (and the comma into "near": ``"3 schools near Rua X"``).
        """
        streets = self.nearest_streets(points)
        zones = self.zone_names(points)
        out = []
        for i in points.index:
            count = None if counts is None or pd.isna(counts[i]) else float(counts[i])
            word = self.word(str(kinds[i]), count)
            where = _text(places[i]) if places is not None else ""
            where = where or streets[i]
            text = word
            if where:
                text += f" {self.word('near')} {where}" if count is not None else f", {where}"
            if zones[i]:
                zone = f"{self.zone_prefix} {zones[i]}".strip()
                text += f" ({zone})"
            out.append(text)
        return pd.Series(out, index=points.index, dtype=object)
