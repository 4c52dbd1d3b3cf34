"""Shareable maps: one self-contained interactive HTML file (folium + Leaflet inlined), readable offline.

Three maps are built from GeoDataFrames and plain-text labels (translated by the caller):

- :func:`layer_map_html`: zones or points coloured by one indicator, a legend in words, the numbers on hover;
- :func:`scenario_map_html`: a siting scenario's existing and new hubs, coverage before/after per neighbourhood;
- :func:`profile_map_html`: one neighbourhood highlighted, its indicators by category against the city median.

Every file inlines Leaflet's script and style from the installed django-leaflet package (folium's defaults load
from CDNs; a file sent to a council meeting must open with no network) and has no tile layer unless one is
given: the city's own base map (streets, boundaries, or whatever features the base-map GeoJSON holds) is drawn
instead. Every piece of data text is HTML-escaped before it reaches folium, whose tooltips render HTML.
"""

from __future__ import annotations

import html
import importlib.util
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from data_sources.errors import UnknownNameError, VicinoError

COLOURS = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")  # the planner page's scale
NO_DATA_COLOUR = "#d5d8dc"
EXISTING_HUB = {"color": "#1b4f72", "fill_color": "#5dade2"}
NEW_HUB = {"color": "#b03a2e", "fill_color": "#f5b041"}
BASEMAP_STYLES: dict[str, dict[str, Any]] = {
    "streets": {"color": "#9aa5ad", "weight": 0.7, "opacity": 0.8, "fill": False},
    "boundary": {"color": "#5d6d7e", "weight": 1.2, "opacity": 0.9, "fill": False},
}
BASEMAP_DEFAULT_STYLE = {"color": "#aab7b8", "weight": 0.8, "opacity": 0.7, "fillColor": "#e5e8e8", "fillOpacity": 0.3}
REMOTE_ASSET = re.compile(
    r"<script[^>]+src=[\"']?(?:https?:)?//|<link[^>]+href=[\"']?(?:https?:)?//|@import\s+(?:url\()?[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


class OfflineAssetError(VicinoError, RuntimeError):
    """The map would load a script or style from the network (or Leaflet is not installed)."""


@dataclass(frozen=True)
class MapText:
    """The words of one map, already translated (the caller chooses the language).

    ``title`` heads the panel; ``subtitle`` says city, layer and date; ``legend_title`` names what the colours
    mean in words; ``method_note`` says how travel times were made; ``attribution`` lists the data sources.
    """

    title: str
    legend_title: str
    method_note: str
    attribution: str
    language: str = "en"
    subtitle: str = ""
    no_data: str = "no data"
    darker_means: str = "darker = more access"
    data_label: str = "Data"
    method_label: str = "How it is measured"
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tooltip:
    """One line of a tooltip: a label and the column whose value it shows, formatted as ``kind``.

    ``kind`` is ``count`` (whole numbers), ``minutes``, ``share`` (0..1 shown as a percentage) or ``number``.
    """

    label: str
    column: str
    kind: str = "number"


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet, read from the installed django-leaflet package (never its Django code)."""
    spec = importlib.util.find_spec("leaflet")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "static" / "leaflet"
        if (folder / "leaflet.js").is_file() and (folder / "leaflet.css").is_file():
            script = (folder / "leaflet.js").read_text(encoding="utf-8")
            # No source map: the file stands alone (a browser's developer tools would look for it beside the file).
            script = re.sub(r"//# sourceMappingURL=\S+", "", script)
            return script, (folder / "leaflet.css").read_text(encoding="utf-8")
    raise OfflineAssetError("Leaflet is not installed: the django-leaflet package ships leaflet.js and leaflet.css")


def format_number(value: Any, kind: str = "number", language: str = "en") -> str:
    """A number as a reader writes it: ``–`` for none, whole counts whole, shares as %, Italian separators in it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    value = float(value)
    if kind == "count":
        text = f"{round(value):,}"
    elif kind == "share":
        text = f"{100 * value:.0f}%"
    elif kind == "minutes":
        text = f"{value:,.0f} min" if value >= 10 else f"{value:.1f} min"
    elif abs(value) >= 100 or value == round(value):
        text = f"{value:,.0f}"
    else:
        text = f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    if language == "it":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def class_breaks(values: Sequence[float] | pd.Series, classes: int = len(COLOURS)) -> list[float]:
    """Upper edges of the first ``classes - 1`` classes: quantiles, or equal steps when quantiles tie.

    The same rule as the planner page, so a shared map and the page agree.
    """
    ordered = np.sort(np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float))
    if not len(ordered):
        return []
    steps = [k / classes for k in range(1, classes)]
    quantiles = [float(ordered[math.floor(q * (len(ordered) - 1))]) for q in steps]
    if len(set(quantiles)) == len(quantiles):
        return quantiles
    low, high = float(ordered[0]), float(ordered[-1])
    return [low + k * (high - low) / classes for k in range(1, classes)] if high > low else [low]


def colour_for(value: Any, breaks: Sequence[float], lower_is_better: bool = False) -> str:
    """The class colour of a value (darker = more access; reversed where a lower value is better)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or not breaks:
        return NO_DATA_COLOUR
    k = sum(1 for b in breaks if value > b)
    if lower_is_better:
        k = len(COLOURS) - 1 - k
    return COLOURS[min(k, len(COLOURS) - 1)]


def legend_rows(
    breaks: Sequence[float], kind: str, language: str, lower_is_better: bool = False
) -> list[tuple[str, str]]:
    """(colour, range in words) for each class, lowest value first.

    Class k holds the values in (break k-1, break k]. Whole counts read as whole ranges ("15 – 22", "≥ 35"), and a
    class that can hold no whole count is left out.
    """
    if not breaks:
        return []
    labels = []
    fmt = [format_number(b, kind, language) for b in breaks]
    whole = [math.floor(b) for b in breaks]
    for k in range(len(breaks) + 1):
        if kind == "count":
            low = whole[k - 1] + 1 if k > 0 else None
            high = whole[k] if k < len(breaks) else None
            if low is None:
                text = f"≤ {format_number(high, kind, language)}"
            elif high is None:
                text = f"≥ {format_number(low, kind, language)}"
            elif low > high:
                continue
            elif low == high:
                text = format_number(low, kind, language)
            else:
                text = f"{format_number(low, kind, language)} – {format_number(high, kind, language)}"
        elif k == 0:
            text = f"≤ {fmt[0]}"
        elif k == len(breaks):
            text = f"> {fmt[-1]}"
        else:
            text = f"{fmt[k - 1]} – {fmt[k]}"
        colour = COLOURS[len(COLOURS) - 1 - k] if lower_is_better else COLOURS[k]
        labels.append((colour, text))
    return labels


def _bounds(frames: Sequence[gpd.GeoDataFrame]) -> list[list[float]]:
    boxes = [f.to_crs(4326).total_bounds for f in frames if len(f)]
    if not boxes:
        return [[-1.0, -1.0], [1.0, 1.0]]
    box = np.array(boxes)
    return [[float(box[:, 1].min()), float(box[:, 0].min())], [float(box[:, 3].max()), float(box[:, 2].max())]]


def _base_map(
    frames: Sequence[gpd.GeoDataFrame], basemap: Mapping[str, Any] | None, tiles: tuple[str, str] | None
) -> folium.Map:
    """An empty map fitted to the frames, with no remote assets, and the city's own base layer."""
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    fmap.default_js = []
    fmap.default_css = []
    if tiles and tiles[0]:
        folium.TileLayer(tiles=tiles[0], attr=tiles[1] or " ", name="tiles", control=False).add_to(fmap)
    fmap.vicino_bounds = _bounds(frames)
    fmap.fit_bounds(fmap.vicino_bounds)
    features = list((basemap or {}).get("features", []))
    if features:
        plain = [
            {"type": "Feature", "geometry": f["geometry"], "properties": {"kind": str(_kind_of(f))}}
            for f in features
            if f.get("geometry")
        ]  # fmt: skip
        folium.GeoJson(
            {"type": "FeatureCollection", "features": plain},
            name="basemap",
            style_function=lambda f: BASEMAP_STYLES.get(f["properties"]["kind"], BASEMAP_DEFAULT_STYLE),
            marker=folium.CircleMarker(radius=2, weight=1),
            interactive=False,
            control=False,
        ).add_to(fmap)
    return fmap


def _basemap_frame(basemap: Mapping[str, Any] | None) -> gpd.GeoDataFrame:
    features = [f for f in (basemap or {}).get("features", []) if f.get("geometry")]
    if not features:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    return gpd.GeoDataFrame.from_features(features, crs=4326)[["geometry"]]


def _kind_of(feature: Mapping[str, Any]) -> str:
    return str((feature.get("properties") or {}).get("kind", ""))


def _with_tips(frame: gpd.GeoDataFrame, name_column: str, tips: Sequence[Tooltip], language: str) -> gpd.GeoDataFrame:
    """The frame reduced to geometry and one ``tip`` column of escaped HTML (a name, then the numbers)."""
    lines = []
    for _, row in frame.iterrows():
        parts = [f"<strong>{html.escape(str(row.get(name_column, '') or ''))}</strong>"]
        parts += [
            f"{html.escape(t.label)}: {html.escape(format_number(row.get(t.column), t.kind, language))}" for t in tips
        ]
        lines.append("<br>".join(parts))
    out = gpd.GeoDataFrame({"tip": lines}, geometry=frame.geometry.values, crs=frame.crs)
    return out.to_crs(4326)


def _add_shapes(
    fmap: folium.Map,
    frame: gpd.GeoDataFrame,
    fills: Sequence[str],
    name: str,
    *,
    outline: str = "#34495e",
    weight: float = 0.6,
    fill_opacity: float = 0.75,
) -> None:
    """Zones (filled polygons) or points (circle markers) with their colours and tooltips."""
    frame = frame.assign(fill=list(fills))
    folium.GeoJson(
        frame[["tip", "fill", "geometry"]].__geo_interface__,
        name=name,
        style_function=lambda f: {
            "color": outline,
            "weight": weight,
            "fillOpacity": fill_opacity,
            "fillColor": f["properties"]["fill"],
        },  # fmt: skip
        highlight_function=lambda f: {"weight": 2.5, "color": "#17202a"},
        marker=folium.CircleMarker(radius=6, weight=1),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(fmap)


def _legend_html(rows: Sequence[tuple[str, str]], shape: str = "square") -> str:
    radius = "50%" if shape == "circle" else "2px"
    return (
        "<ul class='vicino-legend'>"
        + "".join(
            f"<li><span class='swatch' style='background:{colour};border-radius:{radius}'></span>"
            f"{html.escape(text)}</li>"
            for colour, text in rows
        )
        + "</ul>"
    )


def _table_html(
    header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "", css_class: str = "vicino-table"
) -> str:
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            (f"<th scope='row'>{html.escape(c)}</th>" if i == 0 else f"<td>{html.escape(c)}</td>")
            for i, c in enumerate(r)
        ) + "</tr>"
        for r in rows
    )  # fmt: skip
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='{css_class}'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


PANEL_CSS = """
html, body { margin: 0; padding: 0; height: 100%;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.folium-map.leaflet-container { background: #fbfcfc !important; }
.vicino-panel { box-sizing: border-box; position: absolute; top: 10px; right: 10px; z-index: 1000;
  background: #fff; color: #17202a;
  max-width: 380px; max-height: calc(100% - 50px); overflow: auto; padding: 10px 14px; border-radius: 6px;
  box-shadow: 0 1px 6px rgba(0,0,0,.35); font-size: 14px; line-height: 1.35; }
.vicino-panel summary { font-weight: 700; font-size: 16px; cursor: pointer; }
.vicino-panel h2 { font-size: 14px; margin: 10px 0 4px; }
.vicino-panel p { margin: 4px 0; }
.vicino-panel .subtitle { color: #4d5656; }
.vicino-panel .note { color: #4d5656; font-size: 12.5px; }
.vicino-legend { list-style: none; padding: 0; margin: 4px 0; }
.vicino-legend li { display: flex; align-items: center; gap: 8px; margin: 2px 0; }
.vicino-legend .swatch { display: inline-block; width: 18px; height: 14px; border: 1px solid #5d6d7e; flex: none; }
.vicino-table { border-collapse: collapse; margin: 4px 0; font-size: 13px; }
.vicino-table th, .vicino-table td { border-bottom: 1px solid #d5d8dc; padding: 2px 6px; text-align: right; }
.vicino-table th[scope=row], .vicino-table thead th:first-child { text-align: left; font-weight: 600; }
.vicino-profile td:nth-child(2), .vicino-profile thead th:nth-child(2) { text-align: left; }
.vicino-panel:has(.vicino-profile) { max-width: 500px; }
.vicino-table caption { text-align: left; font-weight: 600; padding: 4px 0; }
.vicino-attribution { font-size: 12px; color: #4d5656; border-top: 1px solid #d5d8dc; margin-top: 8px;
  padding-top: 4px; }
.leaflet-tooltip { font-size: 13px; }
@media (max-width: 600px) { .vicino-panel { max-width: calc(100% - 70px); font-size: 13px; }
  .leaflet-control-attribution { font-size: 10px; max-width: 70%; } }
"""


def _panel_html(text: MapText, body: str) -> str:
    subtitle = f"<p class='subtitle'>{html.escape(text.subtitle)}</p>" if text.subtitle else ""
    return (
        "<aside class='vicino-panel' id='vicino-panel'><details open>"
        f"<summary>{html.escape(text.title)}</summary>{subtitle}{body}"
        f"<h2>{html.escape(text.method_label)}</h2><p class='note vicino-method'>{html.escape(text.method_note)}</p>"
        f"<p class='vicino-attribution'>{html.escape(text.data_label)}: {html.escape(text.attribution)}</p>"
        "</details></aside>"
    )


class _Attribution(MacroElement):
    """The data sources in Leaflet's attribution corner (escaped text; rendered after the map exists)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.setPrefix(false).addAttribution({{ this.text|tojson }});"
        # On a wide screen, keep the data clear of the panel on the right.
        "(function (map) { var panel = document.getElementById('vicino-panel');"
        " if (panel && window.innerWidth > 700) { map.fitBounds({{ this.bounds|tojson }},"
        " {paddingTopLeft: [10, 10], paddingBottomRight: [panel.offsetWidth + 20, 10], animate: false}); } })"
        "({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text
        self.bounds = bounds


def _finish(fmap: folium.Map, text: MapText, body: str, bounds: list[list[float]]) -> str:
    """The whole HTML document: Leaflet inlined, the panel, the attribution, and no remote script or style."""
    script, style = leaflet_assets()
    root = fmap.get_root()
    root.title = html.escape(text.title)
    # Inline Leaflet first in <head>, before any of folium's map scripts run.
    root.header.add_child(folium.Element(f"<style>{style}</style>"), name="leaflet_css_inline", index=0)
    root.header.add_child(folium.Element(f"<script>{script}</script>"), name="leaflet_js_inline", index=0)
    root.header.add_child(folium.Element(f"<style>{PANEL_CSS}</style>"), name="vicino_css")
    root.html.add_child(folium.Element(_panel_html(text, body)))
    _Attribution(html.escape(text.attribution), bounds).add_to(fmap)
    document = root.render()
    document = document.replace("<html>", f'<html lang="{html.escape(text.language)}">', 1)
    remote = REMOTE_ASSET.search(document)
    if remote:
        raise OfflineAssetError(
            f"the map would load a remote asset: {document[remote.start() : remote.start() + 120]!r}"
        )
    return document


def layer_map_html(
    zones: gpd.GeoDataFrame,
    column: str,
    text: MapText,
    *,
    name_column: str = "name",
    kind: str = "number",
    lower_is_better: bool = False,
    tooltips: Sequence[Tooltip] = (),
    basemap: Mapping[str, Any] | None = None,
    tiles: tuple[str, str] | None = None,
) -> str:
    """A choropleth (zones) or coloured points of one indicator column, with a legend in words.

    Parameters
    ----------
    zones
        One row per zone, cell or point, with ``name_column``, ``column`` and any tooltip columns.
    column
        The indicator coloured; ``kind`` says how its numbers read (``count``, ``minutes``, ``share``, ``number``).
    text
        The map's words (title, legend title in words, method note, attribution), in one language.
    lower_is_better
        Minutes to the nearest place: the darkest colour then goes to the smallest values.
    basemap
        A GeoJSON FeatureCollection drawn under the data, each feature styled by its ``kind`` property.
    tiles
        ``(url template, attribution)`` of a tile server the deployment set, or None (no tiles).

    Returns
    -------
    str
        A self-contained HTML document.
    """
    if column not in zones.columns:
        raise UnknownNameError(f"no indicator {column!r} in the layer; it has {', '.join(map(str, zones.columns))}")
    values = pd.to_numeric(zones[column], errors="coerce")
    breaks = class_breaks(values.tolist())
    fmap = _base_map([zones], basemap, tiles)
    tips = [Tooltip(text.legend_title, column, kind), *tooltips]
    shaped = _with_tips(zones, name_column, tips, text.language)
    fills = [colour_for(v if pd.notna(v) else None, breaks, lower_is_better) for v in values]
    _add_shapes(fmap, shaped, fills, column, fill_opacity=0.78 if zones.geom_type.iloc[0] != "Point" else 0.9)
    rows = legend_rows(breaks, kind, text.language, lower_is_better)
    if lower_is_better:
        rows = rows[::-1]
    rows.append((NO_DATA_COLOUR, text.no_data))
    body = (
        f"<h2 class='vicino-legend-title'>{html.escape(text.legend_title)}</h2>"
        f"{_legend_html(rows)}<p class='note'>{html.escape(text.darker_means)}</p>"
    )
    return _finish(fmap, text, body, fmap.vicino_bounds)


def scenario_map_html(
    zones: gpd.GeoDataFrame,
    sites: Sequence[Mapping[str, Any]],
    text: MapText,
    *,
    summary_rows: Sequence[tuple[str, str, str]] = (),
    summary_header: Sequence[str] = ("", "before", "after"),
    name_column: str = "name",
    tooltips: Sequence[Tooltip] = (),
    basemap: Mapping[str, Any] | None = None,
    tiles: tuple[str, str] | None = None,
) -> str:
    """A siting scenario: neighbourhoods coloured by youth coverage after, existing and new hubs as circles.

    Parameters
    ----------
    zones
        One row per neighbourhood with ``coverage_before`` and ``coverage_after`` (shares 0..1); may be empty
        (a city without neighbourhoods: only the hubs and the city-wide summary are shown).
    sites
        ``{name, lon, lat, fixed}`` per hub; ``fixed`` = an existing hub kept open, otherwise a new one.
    text
        ``extra`` holds ``existing_hub``, ``new_hub`` and ``sites`` (the legend's words for the circles).
    summary_rows
        City-wide (label, before, after) rows, already formatted.
    """
    points = gpd.GeoDataFrame(
        {"name": [str(s.get("name", "")) for s in sites]},
        geometry=gpd.points_from_xy([float(s["lon"]) for s in sites], [float(s["lat"]) for s in sites]),
        crs=4326,
    )
    # Without neighbourhoods, the base map gives the city's extent (the hubs alone would zoom to a few streets).
    fmap = _base_map([zones, points] if len(zones) else [points, _basemap_frame(basemap)], basemap, tiles)
    body = ""
    if len(zones):
        after = pd.to_numeric(zones["coverage_after"], errors="coerce")
        breaks = [0.2, 0.4, 0.6, 0.8]
        shaped = _with_tips(zones, name_column, tooltips, text.language)
        _add_shapes(fmap, shaped, [colour_for(v if pd.notna(v) else None, breaks) for v in after], "zones")
        rows = legend_rows(breaks, "share", text.language) + [(NO_DATA_COLOUR, text.no_data)]
        body += f"<h2 class='vicino-legend-title'>{html.escape(text.legend_title)}</h2>{_legend_html(rows)}"
    group = folium.FeatureGroup(name="hubs").add_to(fmap)
    for site in sites:
        style = EXISTING_HUB if site.get("fixed") else NEW_HUB
        label = text.extra.get("existing_hub" if site.get("fixed") else "new_hub", "")
        tip = f"<strong>{html.escape(str(site.get('name', '')))}</strong><br>{html.escape(label)}"
        folium.CircleMarker(
            [float(site["lat"]), float(site["lon"])], radius=6 if site.get("fixed") else 9, weight=3,
            fill=True, fill_opacity=0.95, tooltip=folium.Tooltip(tip, sticky=True), **style,
        ).add_to(group)  # fmt: skip
    hubs_legend = [(EXISTING_HUB["fill_color"], text.extra.get("existing_hub", "")),
                   (NEW_HUB["fill_color"], text.extra.get("new_hub", ""))]  # fmt: skip
    body += f"<h2>{html.escape(text.extra.get('sites', ''))}</h2>{_legend_html(hubs_legend, 'circle')}"
    body += _legend_html(
        [
            (EXISTING_HUB["fill_color"] if s.get("fixed") else NEW_HUB["fill_color"], str(s.get("name", "")))
            for s in sites
        ],
        "circle",
    ).replace("vicino-legend", "vicino-legend note vicino-sites", 1)
    if summary_rows:
        body += _table_html(summary_header, summary_rows, text.extra.get("summary", ""))
    return _finish(fmap, text, body, fmap.vicino_bounds)


def profile_map_html(
    zones: gpd.GeoDataFrame,
    code: str,
    text: MapText,
    *,
    table_header: Sequence[str],
    table_rows: Sequence[Sequence[str]],
    pillars: Sequence[tuple[str, str, str]] | None = None,
    code_column: str = "code",
    name_column: str = "name",
    tooltips: Sequence[Tooltip] = (),
    basemap: Mapping[str, Any] | None = None,
    tiles: tuple[str, str] | None = None,
) -> str:
    """One neighbourhood's profile: it highlighted among the city's zones, its indicators against the city.

    Parameters
    ----------
    table_rows
        (category, indicator, this zone, city median) rows, already formatted and translated.
    pillars
        (pillar, this zone, city) rows once the wellbeing pillar index exists; None shows ``extra['no_pillars']``.
    """
    chosen = zones[code_column].astype(str) == str(code)
    if not chosen.any():
        raise UnknownNameError(f"no zone {code!r} among the {len(zones)} zones")
    fmap = _base_map([zones], basemap, tiles)  # the whole city: where the neighbourhood is
    shaped = _with_tips(zones, name_column, tooltips, text.language)
    _add_shapes(fmap, shaped[~chosen.to_numpy()], ["#ecf0f1"] * int((~chosen).sum()), "zones", fill_opacity=0.35)
    _add_shapes(fmap, shaped[chosen.to_numpy()], ["#f5b041"], "chosen", outline="#b03a2e", weight=3, fill_opacity=0.55)
    body = _legend_html([("#f5b041", text.legend_title)]) + _table_html(
        table_header, table_rows, css_class="vicino-table vicino-profile"
    )
    if text.extra.get("table_note"):
        body += f"<p class='note'>{html.escape(text.extra['table_note'])}</p>"
    body += f"<h2>{html.escape(text.extra.get('pillars_title', ''))}</h2>"
    if pillars:
        body += _table_html((text.extra.get("pillar_column", table_header[0]), *table_header[2:]), pillars)
    else:
        body += f"<p class='note vicino-pillars'>{html.escape(text.extra.get('no_pillars', ''))}</p>"
    return _finish(fmap, text, body, fmap.vicino_bounds)
