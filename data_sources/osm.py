"""Walk graphs and children's points of interest from OpenStreetMap extracts.

Local files (``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``) are read with pyosmium, which is an
order of magnitude faster than ``osmnx.graph_from_xml`` (osmnx reads XML only, in pure Python). The graphs
follow osmnx's conventions exactly, so every osmnx function accepts them:

- a :class:`networkx.MultiDiGraph` with graph attributes ``crs`` (``EPSG:4326``) and ``simplified``;
- nodes keyed by OSM node id with ``x`` (longitude), ``y`` (latitude), the node tags listed in
  ``osmnx.settings.useful_tags_node`` where present, and ``street_count`` (as osmnx's ``graph_from_*``);
- edges with ``osmid``, the way tags listed in ``osmnx.settings.useful_tags_way`` where present (``highway``,
  ``name``, ...), ``oneway`` (always False: a walk graph is bidirectional), ``reversed`` and ``length``
  (metres, great-circle, :func:`osmnx.distance.great_circle`); simplified edges also carry a ``geometry``
  and hold lists where the merged OSM ways differ (``osmid``, ``highway``, ...).

Which ways are walkable follows osmnx's ``walk`` network type (``osmnx._overpass._get_network_filter``), with
three deliberate differences: ``access=no`` excludes a way too (osmnx only excludes ``access=private``; in
Porto Alegre these are the bus corridors), and an explicit foot permission (``foot=yes|designated|permissive``)
overrides ``access=private|no`` and admits shared ``highway=cycleway`` paths (osmnx drops every cycleway).

Simplification reproduces :func:`osmnx.simplify_graph` (same endpoint rules, same merged edges, isolated rings
removed) on arrays instead of networkx, because osmnx's own takes longer than reading the whole file; the
tests check both give the same topology. The online wrappers call osmnx and the Overpass API.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version as metadata_version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import osmium
import osmnx as ox
import shapely

from data_sources.contracts import WGS84
from data_sources.errors import DownloadError, NoUsableRowsError, SourceFormatError, SourceNotFoundError

if TYPE_CHECKING:
    from os import PathLike

    from shapely import MultiPolygon, Polygon

logger = logging.getLogger(__name__)

#: File name endings pyosmium reads here (the format is detected from the name).
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")

# ---------------------------------------------------------------------------------------------------------
# Walkable ways: osmnx's "walk" filter, written out. Overpass `["k"!~"re"]` keeps a way when the key is
# absent or its value does not contain a match of `re` (unanchored search, like re.search).
# ---------------------------------------------------------------------------------------------------------

#: ``highway`` values osmnx's walk filter excludes (substring search, so ``motor`` covers ``motorway_link``).
EXCLUDED_HIGHWAY = re.compile(
    "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|raceway|razed|rest_area|services"
)
#: Keys whose value, when it matches, excludes a way (osmnx's walk filter, apart from ``access``).
EXCLUDING_TAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("area", re.compile("yes")),
    ("foot", re.compile("no")),
    ("service", re.compile("private")),
    ("sidewalk", re.compile("separate")),  # the sidewalks are drawn as their own footways
    ("sidewalk:both", re.compile("separate")),
    ("sidewalk:left", re.compile("separate")),
    ("sidewalk:right", re.compile("separate")),
)
#: ``access`` values that close a way to walkers unless ``foot`` explicitly allows them.
RESTRICTED_ACCESS = re.compile("private|^no$")
#: ``foot`` values that open a way whatever ``access`` says (and a cycleway to walkers).
FOOT_ALLOWED: frozenset[str] = frozenset({"yes", "designated", "permissive"})
#: Tags read to decide walkability.
FILTER_KEYS: tuple[str, ...] = ("highway", "access", *(key for key, _ in EXCLUDING_TAGS))

#: Undefined coordinate in libosmium (a way refers to a node missing from the extract).
_UNDEFINED_COORDINATE = 2_147_483_647
_COORDINATE_PRECISION = 10_000_000

# ---------------------------------------------------------------------------------------------------------
# Points of interest for children.
# ---------------------------------------------------------------------------------------------------------

#: Tags that make an OSM object a point of interest, by key in priority order (the first match is reported).
POI_TAGS: dict[str, frozenset[str]] = {
    "amenity": frozenset(
        {
            "school",
            "kindergarten",
            "library",
            "theatre",
            "community_centre",
            "youth_centre",
            "doctors",
            "clinic",
            "arts_centre",
        }
    ),
    "leisure": frozenset({"playground", "sports_centre", "pitch", "swimming_pool", "park"}),
    "tourism": frozenset({"museum"}),
    "healthcare": frozenset(
        {
            "doctor",
            "clinic",
            "centre",
            "hospital",
            "dentist",
            "vaccination_centre",
            "psychotherapist",
            "speech_therapist",
            "occupational_therapist",
            "physiotherapist",
            "rehabilitation",
            "counselling",
        }
    ),
    # a community centre for young people: reported as the more specific community_centre=youth_centre
    "community_centre": frozenset({"youth_centre"}),
}
#: Columns of :func:`pois_from_osm_file` (points, EPSG:4326). ``osm_id`` is an integer, the others are strings
#: (pandas ``str`` dtype, missing tags are NaN).
POI_COLUMNS: list[str] = [
    "osm_type",
    "osm_id",
    "name",
    "tag_key",
    "tag_value",
    "opening_hours",
    "website",
    "addr",
    "capacity",
    "access",
    "geometry",
]
#: Address tags joined, in this order, into ``addr`` ("Rua X, 12, Bairro, Cidade, 90000-000").
ADDRESS_KEYS: tuple[str, ...] = (
    "addr:street",
    "addr:housenumber",
    "addr:suburb",
    "addr:city",
    "addr:postcode",
)


class _Segments(NamedTuple):
    """Undirected straight segments of walkable ways, as read from a file (one row per way node pair)."""

    node_ids: npt.NDArray[np.int64]  # OSM id of each graph node (sorted)
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    u: npt.NDArray[np.intp]  # index into node_ids, in the way's node order
    v: npt.NDArray[np.intp]
    way: npt.NDArray[np.intp]  # index into way_attrs
    length: npt.NDArray[np.float64]  # metres
    way_attrs: list[dict[str, Any]]  # osmid, useful way tags, oneway=False
    node_tags: dict[int, dict[str, str]]  # useful node tags by OSM node id


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def way_is_walkable(tags: Mapping[str, str]) -> bool:
    """
    Tell whether a way with these tags belongs to the pedestrian network.

    Parameters
    ----------
    tags
        The way's OSM tags (only ``highway``, ``access``, ``area``, ``foot``, ``service`` and ``sidewalk*``
        are read).

    Returns
    -------
    bool
        True if the way is walkable, in both directions.
    """
    highway = tags.get("highway")
    if highway is None:
        return False
    foot_allowed = tags.get("foot") in FOOT_ALLOWED
    if EXCLUDED_HIGHWAY.search(highway) and not (highway == "cycleway" and foot_allowed):
        return False
    access = tags.get("access")
    if access is not None and RESTRICTED_ACCESS.search(access) and not foot_allowed:
        return False
    for key, pattern in EXCLUDING_TAGS:
        value = tags.get(key)
        if value is not None and pattern.search(value):
            return False
    return True


def graph_from_osm_file(path: str | PathLike[str], *, simplify: bool = True) -> nx.MultiDiGraph:
    """
    Build the pedestrian walk graph of a local OpenStreetMap file.

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file.
    simplify
        If True, remove interstitial nodes as :func:`osmnx.simplify_graph` does (and drop isolated rings).

    Returns
    -------
    networkx.MultiDiGraph
        Every walkable way in both directions, in osmnx's conventions (see the module docstring). Every
        connected component is kept; ``osmnx.truncate.largest_component`` keeps the largest.

    Raises
    ------
    SourceNotFoundError
        If the file does not exist.
    SourceFormatError
        If the file cannot be read as OpenStreetMap data.
    NoUsableRowsError
        If the file holds no walkable way.
    """
    file = _osm_path_checked(path)
    with _garbage_collection_paused():
        segments = _segments_from_osm_file(file)
        if simplify:
            return _simplified_graph_from_segments(segments)
        return _graph_from_segments(segments)


def graph_from_polygon_online(polygon: Polygon | MultiPolygon, *, simplify: bool = True) -> nx.MultiDiGraph:
    """
    Download the walk graph inside a polygon from the Overpass API (osmnx).

    Use only for a city without a local extract: :func:`graph_from_osm_file` is faster and reproducible.

    Parameters
    ----------
    polygon
        The area, in EPSG:4326.
    simplify
        If True, simplify the graph's topology.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx's ``walk`` graph (bidirectional), every connected component kept.

    Raises
    ------
    DownloadError
        If the Overpass API cannot be reached or answers with an error.
    NoUsableRowsError
        If the area holds no walkable way.
    """
    return _walk_graph_downloaded(
        lambda: ox.graph_from_polygon(polygon, network_type="walk", simplify=simplify, retain_all=True),
        "inside the polygon",
        "from the Overpass API",
    )


def _walk_graph_downloaded(download: Callable[[], nx.MultiDiGraph], area: str, origin: str) -> nx.MultiDiGraph:
    """Run an osmnx download, its failures as Vicino's errors (no way found: no usable rows; else a download)."""
    try:
        return download()
    except ox._errors.InsufficientResponseError as error:
        msg = f"no walkable way found online {area}: {error}"
        raise NoUsableRowsError(msg) from error
    except (ox._errors.ResponseStatusCodeError, OSError) as error:
        msg = f"could not download the walk graph {origin}: {error}"
        raise DownloadError(msg) from error


def graph_from_place_online(name: str, *, simplify: bool = True) -> nx.MultiDiGraph:
    """:func:`graph_from_polygon_online` for a place Nominatim geocodes to a polygon (``"Porto Alegre, Brazil"``).

    Raises :class:`DownloadError` if Nominatim or the Overpass API cannot be reached or answers with an error, and
    :class:`NoUsableRowsError` if the place is unknown or holds no walkable way.
    """
    return _walk_graph_downloaded(
        lambda: ox.graph_from_place(name, network_type="walk", simplify=simplify, retain_all=True),
        f"for place {name!r}",
        f"of {name!r}",
    )


def walkable_graph_stats(graph: nx.MultiDiGraph) -> dict[str, float]:
    """
    Summarise a walk graph.

    Parameters
    ----------
    graph
        A graph with ``length`` (metres) on its edges.

    Returns
    -------
    dict
        ``nodes``, ``edges`` (directed), ``length_km`` (sum over directed edges: each street counts once per
        direction) and ``street_length_km`` (half of it: the length of the streets on the ground).
    """
    total_m = float(sum(length for _, _, length in graph.edges(data="length", default=0.0)))
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "length_km": total_m / 1000.0,
        "street_length_km": total_m / 2000.0,
    }


def pois_from_osm_file(path: str | PathLike[str]) -> gpd.GeoDataFrame:
    """
    Read the points of interest relevant to children from a local OpenStreetMap file.

    Nodes keep their location; ways and multipolygon relations are reduced to their centroid, or to a point
    on their surface when the centroid falls outside (a U-shaped park).

    Parameters
    ----------
    path
        An ``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`POI_COLUMNS`, EPSG:4326, one row per OSM object (empty if there is none).
        ``tag_key``/``tag_value`` are the first matching tag of :data:`POI_TAGS` (``amenity`` before
        ``leisure``, ``tourism``, ``healthcare``; ``community_centre=youth_centre`` before
        ``amenity=community_centre``). Other values are the raw tags (strings), ``addr`` the address tags
        joined. ``access`` is kept so callers can drop private pools and pitches.

    Raises
    ------
    SourceNotFoundError, SourceFormatError
        As :func:`graph_from_osm_file`: the file does not exist, or cannot be read as OpenStreetMap data.
    """
    file = _osm_path_checked(path)
    pairs = [(key, value) for key, values in POI_TAGS.items() for value in sorted(values)]
    processor = (
        osmium.FileProcessor(str(file))
        .with_areas(osmium.filter.TagFilter(*pairs))
        .with_filter(osmium.filter.TagFilter(*pairs))
    )
    rows: list[dict[str, Any]] = []
    geometries: list[shapely.Geometry] = []
    wkb = osmium.geom.WKBFactory()
    try:
        for obj in processor:
            if obj.is_area():
                if obj.from_way():  # closed ways come as ways too: read them once, below
                    continue
                osm_type, osm_id = "relation", obj.orig_id()
                geometry = _multipolygon_from_area(obj, wkb)
            elif obj.is_node():
                osm_type, osm_id = "node", obj.id
                geometry = shapely.Point(obj.location.lon, obj.location.lat) if obj.location.valid() else None
            elif obj.is_way():
                osm_type, osm_id = "way", obj.id
                geometry = _polygon_or_line_from_way(obj)
            else:  # a relation that is not a multipolygon: no geometry to place
                continue
            tag_key, tag_value = _poi_tag(obj.tags)
            if geometry is None or tag_key is None:
                continue
            rows.append(_poi_row(osm_type, osm_id, tag_key, tag_value, obj.tags))
            geometries.append(geometry)
    except RuntimeError as error:
        raise _format_error(file, error) from error
    points = _points_from_geometries(geometries)
    frame = gpd.GeoDataFrame(rows, columns=POI_COLUMNS[:-1], geometry=points, crs=WGS84)
    text_columns = [column for column in POI_COLUMNS if column not in {"osm_id", "geometry"}]
    frame = frame.astype(dict.fromkeys(text_columns, "str") | {"osm_id": "int64"})
    return frame[POI_COLUMNS]


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------


def _osm_path_checked(path: str | PathLike[str]) -> Path:
    """Return ``path`` as a Path after checking it is an existing file with an OSM name ending."""
    file = Path(path)
    if not file.exists():
        msg = f"OSM file not found: {file}"
        raise SourceNotFoundError(msg)
    if not file.is_file():
        msg = f"not an OSM file (a directory?): {file}"
        raise SourceFormatError(msg)
    if not file.name.lower().endswith(OSM_SUFFIXES):
        msg = f"not an OSM file: {file} (expected a name ending in {', '.join(OSM_SUFFIXES)})"
        raise SourceFormatError(msg)
    return file


@contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """
    Pause Python's cyclic garbage collector while building a graph.

    A graph is hundreds of thousands of small dicts without reference cycles: the collector would scan them
    again and again for nothing (about a quarter of the build time on Porto Alegre).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _format_error(file: Path, error: Exception) -> SourceFormatError:
    """Wrap a libosmium read error into a SourceFormatError naming the file."""
    return SourceFormatError(f"cannot read {file} as OpenStreetMap data: {error}")


def _segments_from_osm_file(file: Path) -> _Segments:
    """Read the walkable ways of an OSM file into undirected segments with lengths (one pyosmium pass)."""
    node_keys = list(ox.settings.useful_tags_node)
    way_keys = list(dict.fromkeys([*FILTER_KEYS, *ox.settings.useful_tags_way]))
    attr_keys = [key for key in ox.settings.useful_tags_way if key != "osmid"]

    node_filter = osmium.filter.KeyFilter(*node_keys) if node_keys else osmium.filter.EmptyTagFilter()
    node_filter.enable_for(osmium.osm.NODE)
    way_filter = osmium.filter.KeyFilter("highway")
    way_filter.enable_for(osmium.osm.WAY)
    processor = (
        osmium.FileProcessor(str(file), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(node_filter)
        .with_filter(way_filter)
    )

    node_tags: dict[int, dict[str, str]] = {}
    way_attrs: list[dict[str, Any]] = []
    refs: list[tuple[int, int, int]] = []  # (node id, x, y) of every walkable way node, way after way
    way_sizes: list[int] = []
    try:
        for obj in processor:
            tags = obj.tags
            if obj.is_node():
                node_tags[obj.id] = {key: value for key in node_keys if (value := tags.get(key)) is not None}
                continue
            way_tags = {key: value for key in way_keys if (value := tags.get(key)) is not None}
            if not way_is_walkable(way_tags):
                continue
            nodes = [(ref.ref, ref.x, ref.y) for ref in obj.nodes]
            attrs: dict[str, Any] = {"osmid": obj.id}
            attrs.update((key, way_tags[key]) for key in attr_keys if key in way_tags)
            attrs["oneway"] = False
            way_attrs.append(attrs)
            way_sizes.append(len(nodes))
            refs.extend(nodes)
    except RuntimeError as error:
        raise _format_error(file, error) from error

    if not refs:
        msg = f"no walkable way in {file}"
        raise NoUsableRowsError(msg)
    ref_array = np.array(refs, dtype=np.int64)
    way_of_ref = np.repeat(np.arange(len(way_sizes)), way_sizes)
    ids, xs, ys = ref_array[:, 0], ref_array[:, 1], ref_array[:, 2]
    located = (xs != _UNDEFINED_COORDINATE) & (ys != _UNDEFINED_COORDINATE)
    # consecutive node pairs of the same way, without repeated nodes (osmnx drops consecutive duplicates)
    keep = (way_of_ref[1:] == way_of_ref[:-1]) & (ids[1:] != ids[:-1]) & located[1:] & located[:-1]
    missing = int(((way_of_ref[1:] == way_of_ref[:-1]) & ~(located[1:] & located[:-1])).sum())
    if missing:
        logger.warning("%s: dropped %d way segments whose nodes are missing from the extract", file, missing)
    if not keep.any():
        msg = f"no walkable way with located nodes in {file}"
        raise NoUsableRowsError(msg)

    start, end = np.flatnonzero(keep), np.flatnonzero(keep) + 1
    node_ids, inverse = np.unique(np.concatenate([ids[start], ids[end]]), return_inverse=True)
    u, v = inverse[: len(start)], inverse[len(start) :]
    lon = np.empty(len(node_ids), dtype=np.float64)
    lat = np.empty(len(node_ids), dtype=np.float64)
    lon[inverse] = np.concatenate([xs[start], xs[end]]) / _COORDINATE_PRECISION
    lat[inverse] = np.concatenate([ys[start], ys[end]]) / _COORDINATE_PRECISION
    length = ox.distance.great_circle(lat[u], lon[u], lat[v], lon[v])
    return _Segments(node_ids, lon, lat, u, v, way_of_ref[start], length, way_attrs, node_tags)


# ---------------------------------------------------------------------------------------------------------
# Graph building
# ---------------------------------------------------------------------------------------------------------


def _empty_graph(*, simplified: bool) -> nx.MultiDiGraph:
    """An empty MultiDiGraph with osmnx's graph attributes."""
    return nx.MultiDiGraph(
        created_date=datetime.now(UTC).isoformat(timespec="seconds"),
        created_with=f"vicino data_sources.osm (pyosmium {metadata_version('osmium')})",
        crs=WGS84,
        simplified=simplified,
    )


def _node_rows(
    segments: _Segments, keep: npt.NDArray[np.bool_], street_count: npt.NDArray[np.int64]
) -> list[tuple[int, dict[str, Any]]]:
    """(OSM id, attribute dict) of the nodes selected by the boolean mask ``keep``."""
    rows = []
    tags = segments.node_tags
    columns = (
        segments.node_ids[keep].tolist(),
        segments.lat[keep].tolist(),
        segments.lon[keep].tolist(),
        street_count[keep].tolist(),
    )
    for osm_id, lat, lon, streets in zip(*columns, strict=True):
        attrs: dict[str, Any] = {"y": lat, "x": lon}
        if osm_id in tags:
            attrs.update(tags[osm_id])
        attrs["street_count"] = streets
        rows.append((osm_id, attrs))
    return rows


def _street_count(n_nodes: int, starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """
    Streets meeting at each node, as :func:`osmnx.stats.count_streets_per_node` counts them.

    ``starts`` and ``ends`` are the two ends of each street (a segment or a simplified chain). A street
    counts once at each end; a node's self-loops count twice, all together (osmnx deduplicates them).
    """
    loop = starts == ends
    count = np.bincount(starts[~loop], minlength=n_nodes) + np.bincount(ends[~loop], minlength=n_nodes)
    count[np.unique(starts[loop])] += 2
    return count.astype(np.int64)


def _straight_edge_rows(segments: _Segments, selected: Iterable[int]) -> list[tuple[int, int, dict[str, Any]]]:
    """Both directed edges (u->v then v->u) of each selected segment, with osmnx's attributes."""
    ids = segments.node_ids.tolist()
    u, v, way = segments.u.tolist(), segments.v.tolist(), segments.way.tolist()
    length = segments.length.tolist()
    rows = []
    for s in selected:
        attrs = segments.way_attrs[way[s]]
        a, b = ids[u[s]], ids[v[s]]
        rows.append((a, b, {**attrs, "reversed": False, "length": length[s]}))
        rows.append((b, a, {**attrs, "reversed": True, "length": length[s]}))
    return rows


def _graph_from_segments(segments: _Segments) -> nx.MultiDiGraph:
    """The unsimplified walk graph: every segment in both directions."""
    n_nodes = len(segments.node_ids)
    graph = _empty_graph(simplified=False)
    street_count = _street_count(n_nodes, segments.u, segments.v)
    graph.add_nodes_from(_node_rows(segments, np.ones(n_nodes, dtype=bool), street_count))
    graph.add_edges_from(_straight_edge_rows(segments, range(len(segments.u))))
    return graph


def _endpoint_mask(segments: _Segments) -> npt.NDArray[np.bool_]:
    """
    Flag the nodes osmnx's simplification keeps.

    In a graph where every edge has its reverse, osmnx's rules reduce to: a node is interstitial (removable)
    when it has exactly two distinct neighbours and exactly one segment to each of them (degree 4).
    """
    n = len(segments.node_ids)
    u, v = segments.u, segments.v
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    low, high = np.minimum(u, v), np.maximum(u, v)
    pairs = np.unique(low.astype(np.int64) * n + high)
    neighbours = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
    self_loop = np.zeros(n, dtype=bool)
    self_loop[u[u == v]] = True
    return ~((degree == 2) & (neighbours == 2) & ~self_loop)


def _chains_between_endpoints(
    segments: _Segments, endpoint: npt.NDArray[np.bool_]
) -> tuple[list[int], list[tuple[list[int], list[int], list[bool]]]]:
    """
    Split the segments into direct endpoint-to-endpoint segments and chains through interstitial nodes.

    Returns
    -------
    direct, chains
        Indices of segments joining two endpoints; and for each chain its node indices (endpoint first and
        last), its segment indices and, per segment, whether the chain runs against the way's node order.
        Segments on isolated rings (no endpoint at all) are in neither: osmnx removes them.
    """
    n_nodes, n_segments = len(segments.node_ids), len(segments.u)
    u, v = segments.u.tolist(), segments.v.tolist()
    ends = np.concatenate([segments.u, segments.v])
    order = np.argsort(ends, kind="stable")
    incident = (order % n_segments).tolist()  # segments around each node, grouped by node
    first = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n_nodes))]).tolist()
    is_end = endpoint.tolist()

    direct: list[int] = []
    chains: list[tuple[list[int], list[int], list[bool]]] = []
    visited = [False] * n_segments
    for s in range(n_segments):
        if visited[s]:
            continue
        if is_end[u[s]] and is_end[v[s]]:
            direct.append(s)
            visited[s] = True
            continue
        if is_end[u[s]]:
            start = u[s]
        elif is_end[v[s]]:
            start = v[s]
        else:  # an interstitial segment: reached later from the chain's endpoint, or on an isolated ring
            continue
        nodes, segs, against = [start], [s], [start != u[s]]
        visited[s] = True
        current = v[s] if start == u[s] else u[s]
        while not is_end[current]:
            nodes.append(current)
            a, b = incident[first[current]], incident[first[current] + 1]
            s = b if a == segs[-1] else a
            visited[s] = True
            segs.append(s)
            against.append(current != u[s])
            current = v[s] if current == u[s] else u[s]
        nodes.append(current)
        chains.append((nodes, segs, against))
    return direct, chains


def _merged_attrs(
    way_attrs: Sequence[dict[str, Any]],
    ways: Sequence[int],
    against: Sequence[bool],
    lengths: Sequence[float],
) -> dict[str, Any]:
    """
    Attributes of a simplified edge, merged as osmnx does: lengths summed, other values deduplicated.

    ``ways``, ``against`` and ``lengths`` describe the chain's segments in travel order. Where segments
    differ, osmnx keeps ``list(set(values))``; here the list keeps the order of first appearance, so graphs
    are reproducible from run to run.
    """
    flags = list(dict.fromkeys(against))
    total = float(sum(lengths))
    if all(w == ways[0] for w in ways):  # the usual case: the chain lies on one way
        return {
            **way_attrs[ways[0]],
            "reversed": flags[0] if len(flags) == 1 else flags,
            "length": total,
        }
    values: dict[str, list[Any]] = {}
    for w in ways:
        for key, value in way_attrs[w].items():
            values.setdefault(key, []).append(value)
    merged: dict[str, Any] = {}
    for key, seen in values.items():
        unique = list(dict.fromkeys(seen))
        merged[key] = unique[0] if len(unique) == 1 else unique
    merged["reversed"] = flags[0] if len(flags) == 1 else flags
    merged["length"] = total
    return merged


def _simplified_graph_from_segments(segments: _Segments) -> nx.MultiDiGraph:
    """The walk graph simplified as :func:`osmnx.simplify_graph` does it, built directly."""
    endpoint = _endpoint_mask(segments)
    direct, chains = _chains_between_endpoints(segments, endpoint)
    ids = segments.node_ids.tolist()
    length = segments.length.tolist()
    way = segments.way.tolist()

    # all chain geometries at once, forward then backward
    chain_nodes = [nodes for nodes, _, _ in chains]
    forward = np.concatenate(chain_nodes) if chains else np.empty(0, dtype=np.intp)
    backward = np.concatenate([nodes[::-1] for nodes in chain_nodes]) if chains else forward
    sizes = np.array([len(nodes) for nodes in chain_nodes], dtype=np.intp)
    line_of_point = np.repeat(np.arange(2 * len(chains)), np.concatenate([sizes, sizes]))
    points = np.concatenate([forward, backward])
    lines = shapely.linestrings(segments.lon[points], segments.lat[points], indices=line_of_point)

    street_starts = np.concatenate([segments.u[direct], [nodes[0] for nodes in chain_nodes]]).astype(np.intp)
    street_ends = np.concatenate([segments.v[direct], [nodes[-1] for nodes in chain_nodes]]).astype(np.intp)
    street_count = _street_count(len(ids), street_starts, street_ends)

    graph = _empty_graph(simplified=True)
    graph.add_nodes_from(_node_rows(segments, endpoint, street_count))
    graph.add_edges_from(_straight_edge_rows(segments, direct))
    rows = []
    for i, (nodes, segs, against) in enumerate(chains):
        lengths = [length[s] for s in segs]
        ways = [way[s] for s in segs]
        there = _merged_attrs(segments.way_attrs, ways, against, lengths)
        back = _merged_attrs(segments.way_attrs, ways[::-1], [not flag for flag in against[::-1]], lengths[::-1])
        there["geometry"] = lines[i]
        back["geometry"] = lines[len(chains) + i]
        rows.append((ids[nodes[0]], ids[nodes[-1]], there))
        rows.append((ids[nodes[-1]], ids[nodes[0]], back))
    graph.add_edges_from(rows)
    return graph


# ---------------------------------------------------------------------------------------------------------
# Points of interest helpers
# ---------------------------------------------------------------------------------------------------------


def _poi_tag(tags: osmium.osm.TagList) -> tuple[str | None, str | None]:
    """The first tag of :data:`POI_TAGS` the object has, most specific first."""
    if tags.get("community_centre") == "youth_centre":
        return "community_centre", "youth_centre"
    for key, values in POI_TAGS.items():
        value = tags.get(key)
        if value in values:
            return key, value
    return None, None


def _poi_row(osm_type: str, osm_id: int, tag_key: str, tag_value: str, tags: osmium.osm.TagList) -> dict[str, Any]:
    """One row of :func:`pois_from_osm_file`, without geometry."""
    address = tags.get("addr:full") or ", ".join(value for key in ADDRESS_KEYS if (value := tags.get(key)))
    return {
        "osm_type": osm_type,
        "osm_id": osm_id,
        "name": tags.get("name"),
        "tag_key": tag_key,
        "tag_value": tag_value,
        "opening_hours": tags.get("opening_hours"),
        "website": tags.get("website") or tags.get("contact:website") or tags.get("url"),
        "addr": address or None,
        "capacity": tags.get("capacity"),
        "access": tags.get("access"),
    }


def _polygon_or_line_from_way(way: osmium.osm.Way) -> shapely.Geometry | None:
    """The way's polygon when closed and valid (a line otherwise); None without a located node."""
    coords = [(ref.lon, ref.lat) for ref in way.nodes if ref.location.valid()]
    if len(coords) >= 4 and coords[0] == coords[-1]:
        polygon = shapely.Polygon(coords)
        if polygon.is_valid and not polygon.is_empty:
            return polygon
    if len(coords) >= 2:
        return shapely.LineString(coords)
    return shapely.Point(coords[0]) if coords else None


def _multipolygon_from_area(area: osmium.osm.Area, wkb: osmium.geom.WKBFactory) -> shapely.Geometry | None:
    """The area's multipolygon; None if libosmium cannot assemble it (members cut off by the extract)."""
    try:
        geometry = shapely.from_wkb(wkb.create_multipolygon(area))
    except (RuntimeError, shapely.errors.GEOSException):
        return None
    return None if geometry.is_empty else geometry


def _points_from_geometries(geometries: Sequence[shapely.Geometry]) -> npt.NDArray[np.object_]:
    """Centroids, or points on the surface where the centroid lies outside a polygon."""
    array = np.empty(len(geometries), dtype=object)
    array[:] = geometries
    if not len(array):
        return array
    centroids = shapely.centroid(array)
    polygonal = np.isin(shapely.get_type_id(array), [3, 6])  # Polygon, MultiPolygon
    outside = polygonal & ~shapely.contains(array, centroids)
    centroids[outside] = shapely.point_on_surface(array[outside])
    return centroids
