"""The shareable-map builder on small hand-built maps: classes, numbers, offline assets, escaping, the three maps."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pytest
import shapely

from layers.html_maps import (
    COLOURS,
    NO_DATA_COLOUR,
    REMOTE_ASSET,
    MapText,
    Tooltip,
    class_breaks,
    colour_for,
    format_number,
    layer_map_html,
    legend_rows,
    profile_map_html,
    scenario_map_html,
)

HOSTILE = '<img src=x onerror="window.__pwned=1">'
SCRIPT_BREAK = "</script><script>window.__pwned=2</script>"
TEXT = MapText(
    title="Sport",
    legend_title="sport places within 15 min on foot",
    method_note="Travel times along the street network.",
    attribution="© OpenStreetMap contributors (https://www.openstreetmap.org/copyright); Vicino",
)
REMOTE_SOURCE = re.compile(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)


def _zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["a", "b", "c"], "name": [HOSTILE, "Centro " + SCRIPT_BREAK, "Nord"], "count": [0.0, 3.0, None],
         "youth": [1234.4, 80.0, 10.0]},
        geometry=[shapely.box(9.10, 45.40, 9.12, 45.42), shapely.box(9.12, 45.40, 9.14, 45.42),
                  shapely.box(9.14, 45.40, 9.16, 45.42)],
        crs=4326,
    )  # fmt: skip


def test_class_breaks_are_quantiles_or_equal_steps() -> None:
    # 0..9: the 20/40/60/80% positions are floor(q × 9) = 1, 3, 5, 7.
    assert class_breaks(list(range(10))) == [1, 3, 5, 7]
    # Tied quantiles (mostly zeros): equal steps of (10 - 0) / 5 instead.
    assert class_breaks([0, 0, 0, 0, 10]) == [2, 4, 6, 8]
    assert class_breaks([None, float("nan")]) == []


def test_colours_darker_means_more_access() -> None:
    breaks = [1, 3, 5, 7]
    assert colour_for(0, breaks) == COLOURS[0]
    assert colour_for(4, breaks) == COLOURS[2]
    assert colour_for(9, breaks) == COLOURS[4]
    assert colour_for(9, breaks, lower_is_better=True) == COLOURS[0]  # many minutes: pale
    assert colour_for(None, breaks) == NO_DATA_COLOUR
    assert colour_for(float("nan"), breaks) == NO_DATA_COLOUR
    # Whole counts: (1, 3] holds 2 and 3; (3, 3.5] holds no whole count and is left out.
    assert legend_rows([1, 3, 3.5], "count", "en") == [(COLOURS[0], "≤ 1"), (COLOURS[1], "2 – 3"), (COLOURS[3], "≥ 4")]
    assert legend_rows([1, 2], "count", "en") == [(COLOURS[0], "≤ 1"), (COLOURS[1], "2"), (COLOURS[2], "≥ 3")]
    assert legend_rows([0.2, 0.4], "share", "en") == [
        (COLOURS[0], "≤ 20%"),
        (COLOURS[1], "20% – 40%"),
        (COLOURS[2], "> 40%"),
    ]
    assert legend_rows([10.0], "minutes", "en", lower_is_better=True) == [
        (COLOURS[4], "≤ 10 min"),
        (COLOURS[3], "> 10 min"),
    ]


def test_numbers_read_as_people_write_them() -> None:
    assert format_number(1234.4, "count") == "1,234"
    assert format_number(1234.4, "count", "it") == "1.234"
    assert format_number(0.456, "share") == "46%"
    assert format_number(7.3, "minutes") == "7.3 min"
    assert format_number(0.45, "number", "it") == "0,45"
    assert format_number(None, "count") == "–"
    assert format_number(float("nan")) == "–"


def test_stock_folium_would_load_remote_assets_and_the_guard_sees_it() -> None:
    assert REMOTE_ASSET.search(folium.Map(tiles=None).get_root().render())


def test_layer_map_is_self_contained_with_legend_attribution_and_escaped_names() -> None:
    document = layer_map_html(
        _zones(), "count", TEXT, kind="count", tooltips=[Tooltip("young residents", "youth", "count")],
        basemap={"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"kind": "streets"},
             "geometry": {"type": "LineString", "coordinates": [[9.1, 45.4], [9.16, 45.42]]}},
            {"type": "Feature", "properties": {"kind": "metro_station"},
             "geometry": {"type": "Point", "coordinates": [9.13, 45.41]}}]},
    )  # fmt: skip
    assert not REMOTE_SOURCE.search(document)
    assert "L.map(" in document and "leaflet-container" in document  # Leaflet's script and style are inlined
    assert "sport places within 15 min on foot" in document
    assert "© OpenStreetMap contributors" in document
    assert "no data" in document
    assert "L.tileLayer(" not in document  # no tiles unless the deployment set a tile server
    # The hostile names are escaped text inside the data, never markup or a way out of the script element.
    assert HOSTILE not in document and SCRIPT_BREAK not in document
    assert "\\u0026lt;img src=x onerror=" in document
    # Tooltips carry the formatted numbers.
    assert "young residents: 1,234" in document


def test_a_tile_server_is_used_only_when_given() -> None:
    document = layer_map_html(_zones(), "count", TEXT, tiles=("https://tiles.example.org/{z}/{x}/{y}.png", "Tiles"))
    assert "L.tileLayer(" in document and "tiles.example.org" in document and not REMOTE_SOURCE.search(document)


def test_unknown_indicator_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no indicator 'arts_within_15'"):
        layer_map_html(_zones(), "arts_within_15", TEXT)


def test_scenario_map_shows_existing_and_new_hubs_and_before_after() -> None:
    zones = _zones().assign(coverage_before=[0.1, 0.5, None], coverage_after=[0.9, 0.5, None])
    sites = [{"name": "Old " + HOSTILE, "lon": 9.11, "lat": 45.41, "fixed": True},
             {"name": "New hub 1", "lon": 9.15, "lat": 45.41, "fixed": False}]  # fmt: skip
    text = MapText(
        title="Hubs",
        legend_title="share within 15 min, after",
        method_note="network",
        attribution="Vicino",
        extra={"existing_hub": "existing hub", "new_hub": "new hub", "sites": "Hubs"},
    )
    document = scenario_map_html(
        zones, sites, text, summary_rows=[("youth within 15 min", "10%", "80%")],
        tooltips=[Tooltip("before", "coverage_before", "share"), Tooltip("after", "coverage_after", "share")],
    )  # fmt: skip
    assert document.count("L.circleMarker(") == 2
    assert "existing hub" in document and "new hub" in document and "New hub 1" in document
    assert "before: 10%" in document and "after: 90%" in document
    assert "<td>80%</td>" in document
    assert HOSTILE not in document and "Old &lt;img" in document
    # A city without neighbourhoods: only the hubs.
    empty = zones.iloc[0:0]
    assert "L.circleMarker(" in scenario_map_html(empty, sites, text)


def test_profile_map_highlights_one_zone_with_its_table_and_a_pillar_hook() -> None:
    text = MapText(
        title="Profile", legend_title="Centro", method_note="network", attribution="Vicino",
        extra={"pillars_title": "Wellbeing pillars", "no_pillars": "pillars not computed yet"},
    )  # fmt: skip
    rows = [("sport", "sport places within 15 min", "3", "1"), ("arts", HOSTILE, "0", "2")]
    document = profile_map_html(_zones(), "b", text, table_header=("Category", "Indicator", "here", "city"),
                                table_rows=rows)  # fmt: skip
    assert "<td>3</td><td>1</td>" in document
    assert "pillars not computed yet" in document
    assert HOSTILE not in document
    with_pillars = profile_map_html(
        _zones(), "b", text, table_header=("Category", "Indicator", "here", "city"), table_rows=rows,
        pillars=[("physical activity", "0.7", "0.5")],
    )  # fmt: skip
    assert "physical activity" in with_pillars and "pillars not computed yet" not in with_pillars
    with pytest.raises(KeyError, match="no zone 'zz'"):
        profile_map_html(_zones(), "zz", text, table_header=(), table_rows=[])
