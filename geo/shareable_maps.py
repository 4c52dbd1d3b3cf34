"""Shareable maps of a release: a layer, a siting scenario, a neighbourhood profile, as one offline HTML file.

The maps are drawn by :mod:`layers.html_maps`; this module finds the data, names every indicator in words and
translates the labels into the chosen language (Italian or English).
"""

from __future__ import annotations

import json
import re
from typing import Any

import geopandas as gpd
import pandas as pd
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from data_sources.errors import InvalidRequestError
from geo.basemap import basemap_file
from geo.exporting import attribution_for, layer_frame
from geo.models import AccessLayer, DataRelease, SitingScenario
from layers.html_maps import MapText, Tooltip, format_number, layer_map_html, profile_map_html, scenario_map_html

DEFAULT_INDICATOR_SUFFIX = "_within_15"
PROFILE_INDICATORS = ("within_15", "nearest_1", "youth_share_15")
_AGE = re.compile(r"^age_(\d+)_(\d+)$")


class ShareableMapError(InvalidRequestError):
    """A map that cannot be made: no such layer, indicator, zone or scenario (the message says which exist)."""


def category_label(category: str) -> str:
    """A category in words, translated."""
    return {
        "arts": _("arts"), "health": _("health"), "education": _("education"), "sport": _("sport"), "stem": _("STEM"),
    }.get(category, category)  # fmt: skip


def mode_label(mode: str) -> str:
    return _("on foot and by public transport") if mode == "transit" else _("on foot")


def profile_label(profile: str) -> str:
    """A walking profile in words: ``age_11_13`` → "ages 11–13"."""
    match = _AGE.match(profile)
    if match:
        return _("ages %(low)s–%(high)s") % {"low": match[1], "high": match[2]}
    return _("adults") if profile == "adult" else profile


def indicator_label(column: str, mode: str = "walk") -> tuple[str, str, bool]:
    """An indicator column in words, how its numbers read, and whether a lower value is better.

    ``sport_within_15`` → ("sport places within 15 min on foot", "count", False).
    """
    category, _sep, measure = column.partition("_")
    what, how = category_label(category), mode_label(mode)
    minutes = measure.rpartition("_")[2]
    if measure.startswith("within_"):
        return (
            _("%(what)s places within %(min)s min %(how)s") % {"what": what, "min": minutes, "how": how},
            "count",
            False,
        )
    if measure.startswith("nearest_"):
        rank = int(minutes) if minutes.isdigit() else 1
        text = (
            _("minutes %(how)s to the nearest %(what)s place")
            if rank == 1
            else _("minutes %(how)s to the %(rank)sth nearest %(what)s place")
        )
        return text % {"what": what, "how": how, "rank": rank}, "minutes", True
    if measure.startswith("youth_share_"):
        return (
            _("share of young residents with a %(what)s place within %(min)s min %(how)s")
            % {"what": what, "min": minutes, "how": how},
            "share",
            False,
        )
    if measure == "gravity":
        return _("%(what)s access score (nearer places count more)") % {"what": what}, "number", False
    if measure in {"2sfca", "e2sfca"}:
        return _("%(what)s places per young resident nearby (2SFCA)") % {"what": what}, "number", False
    return column, "number", False


def method_note(method: str) -> str:
    """How the layer's travel times were made, in words a parent understands."""
    if method == AccessLayer.Method.NETWORK:
        return _("Travel times along the street network.")
    if method == AccessLayer.Method.STRAIGHT_LINE:
        return _(
            "Estimate: no street network for this city, so travel times are straight-line distances × a detour factor."
        )
    if "service" in method:
        return _("Estimate: public transport times come from a summary of the service (frequencies), not timetables.")
    return _("Estimate (%(method)s).") % {"method": method}


def _basemap(release: DataRelease) -> dict[str, Any]:
    return json.loads(basemap_file(release).read_text(encoding="utf-8"))


def _tiles() -> tuple[str, str] | None:
    url = getattr(settings, "VICINO_TILE_URL", "")
    return (url, getattr(settings, "VICINO_TILE_ATTRIBUTION", "")) if url else None


def _names_and_youth(release: DataRelease, kind: str) -> tuple[dict[str, str], dict[str, float | None]]:
    """The origins' names (neighbourhoods, schools; cells keep their code) and youth 0–17."""
    if kind in {"nil", "municipio"}:
        zones = release.neighbourhoods.filter(level=kind).select_related("population")
        return (
            {z.code: z.name for z in zones},
            {z.code: getattr(getattr(z, "population", None), "youth_0_17", None) for z in zones},
        )
    if kind == "school":
        return {str(s.pk): s.name for s in release.schools.all()}, {}
    units = release.population_zones.filter(kind=kind).values_list("code", "youth_0_17")
    return {}, dict(units)


def _layer(release: DataRelease, name: str | None) -> AccessLayer:
    layers = list(release.access_layers.select_related("release__city").order_by("mode", "origin_kind", "profile"))
    if not layers:
        raise ShareableMapError(
            f"{release.city.name} has no accessibility layers: run `python manage.py compute_access "
            f"{release.city.slug}`."
        )
    if name is None:
        preferred = [la for la in layers if la.origin_kind in {"nil", "h3"} and la.mode == "walk"]
        return min(preferred or layers, key=lambda la: la.profile != "age_11_13")
    for layer in layers:
        if layer.name == name:
            return layer
    raise ShareableMapError(f"no layer {name!r}; {release.city.name} has {', '.join(la.name for la in layers)}")


def _frame_with_names(layer: AccessLayer) -> gpd.GeoDataFrame:
    frame = layer_frame(layer)
    names, youth = _names_and_youth(layer.release, layer.origin_kind)
    frame["name"] = [names.get(str(o), str(o)) for o in frame["origin_id"]]
    frame["youth_0_17"] = [youth.get(str(o)) for o in frame["origin_id"]]
    return frame


def _text(release: DataRelease, title: str, legend: str, note: str, subtitle: str, **extra: str) -> MapText:
    return MapText(
        title=title, legend_title=legend, method_note=note, attribution=attribution_for(release),
        language=translation.get_language() or "en", subtitle=subtitle, no_data=_("no data"),
        darker_means=_("Darker colour = more access."), data_label=_("Data"), method_label=_("How it is measured"),
        extra=extra,
    )  # fmt: skip


def _subtitle(release: DataRelease, *parts: str) -> str:
    return " · ".join([release.city.name, *[p for p in parts if p], _("data of %(date)s") % {
        "date": release.created.strftime("%Y-%m-%d")}])  # fmt: skip


def layer_map(release: DataRelease, layer_name: str | None = None, indicator: str | None = None) -> str:
    """A layer coloured by one indicator (default: the first "places within 15 min"), as an HTML document."""
    layer = _layer(release, layer_name)
    frame = _frame_with_names(layer)
    columns = [c for c in frame.columns if c not in {"origin_id", "geometry", "method", "name", "youth_0_17"}]
    if indicator is None:
        indicator = next((c for c in columns if c.endswith(DEFAULT_INDICATOR_SUFFIX)), columns[0] if columns else "")
    if indicator not in columns:
        raise ShareableMapError(f"no indicator {indicator!r} in {layer.name}; it has {', '.join(columns)}")
    legend, kind, lower = indicator_label(indicator, layer.mode)
    text = _text(
        release, _("What young people can reach"), legend, method_note(layer.method),
        _subtitle(release, _("walking speed of %(who)s") % {"who": profile_label(layer.profile)}),
    )  # fmt: skip
    tips = [Tooltip(_("young residents 0–17"), "youth_0_17", "count")] if frame["youth_0_17"].notna().any() else []
    return layer_map_html(
        frame, indicator, text, kind=kind, lower_is_better=lower, tooltips=tips, basemap=_basemap(release),
        tiles=_tiles(),
    )  # fmt: skip


def scenario_map(scenario: SitingScenario) -> str:
    """A siting scenario: existing and new hubs, youth within reach before/after per neighbourhood."""
    release = scenario.release
    params, result = scenario.parameters, scenario.result
    minutes = format_number(params.get("minutes"), "number")
    by_zone = pd.DataFrame(result.get("by_zone") or {}).T
    zones = gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=4326)
    if len(by_zone):
        shapes = {z.code: z for z in release.neighbourhoods.filter(level="nil")}
        import shapely

        by_zone = by_zone[[code in shapes for code in by_zone.index]]
        zones = gpd.GeoDataFrame(
            by_zone.reset_index(names="code").assign(name=[shapes[c].name for c in by_zone.index]),
            geometry=[shapely.from_wkb(bytes(shapes[c].geom.wkb)) for c in by_zone.index],
            crs=4326,
        )
    mode = mode_label(str(params.get("mode", "walk")))
    legend = _("share of young residents within %(min)s min %(how)s of a hub, after") % {"min": minutes, "how": mode}
    note = method_note(str(params.get("method", AccessLayer.Method.NETWORK)))
    text = _text(
        release, _("New hubs: who gains access"), legend, note,
        _subtitle(release, _("scenario: %(name)s") % {"name": scenario.name}),
        existing_hub=_("existing hub (kept open)"), new_hub=_("new hub"), sites=_("Hubs"),
        summary=_("Whole city"),
    )  # fmt: skip
    tips = [
        Tooltip(_("young residents 0–17"), "demand", "count"),
        Tooltip(_("within reach, before"), "coverage_before", "share"),
        Tooltip(_("within reach, after"), "coverage_after", "share"),
        Tooltip(_("newly within reach"), "newly_covered", "count"),
        Tooltip(_("average minutes to a hub, before"), "mean_nearest_min_before", "minutes"),
        Tooltip(_("average minutes to a hub, after"), "mean_nearest_min_after", "minutes"),
    ]
    overall = result.get("overall") or {}
    language = text.language
    rows = [
        (_("young residents within %(min)s min") % {"min": minutes},
         format_number(overall.get("coverage_before"), "share", language),
         format_number(overall.get("coverage_after"), "share", language)),
        (_("young residents newly within reach"), "", format_number(overall.get("newly_covered"), "count", language)),
        (_("average minutes to a hub"), format_number(overall.get("mean_nearest_min_before"), "minutes", language),
         format_number(overall.get("mean_nearest_min_after"), "minutes", language)),
    ]  # fmt: skip
    return scenario_map_html(
        zones, scenario.sites, text, summary_rows=rows, summary_header=("", _("before"), _("after")),
        tooltips=tips, basemap=_basemap(release), tiles=_tiles(),
    )  # fmt: skip


def profile_map(release: DataRelease, code: str, layer_name: str | None = None) -> str:
    """One neighbourhood (or cell): where it is, its indicators by category against the city median, and its seven
    wellbeing pillars (scores 0–100 and rank, 1 = worst served) against the city median when the pillar index of
    that origin set, mode and age band is computed (``compute_pillars``)."""
    layer = _layer(release, layer_name)
    if layer.origin_kind not in {"nil", "municipio", "h3", "census_section"}:
        raise ShareableMapError(f"{layer.name} is not a layer of neighbourhoods or cells")
    frame = _frame_with_names(layer)
    frame["code"] = frame["origin_id"].astype(str)
    if code not in set(frame["code"]):
        raise ShareableMapError(f"no zone {code!r} in {layer.name} ({len(frame)} zones, e.g. {frame['code'].iloc[0]})")
    row = frame[frame["code"] == code].iloc[0]
    language = translation.get_language() or "en"
    categories = sorted({c.partition("_")[0] for c in frame.columns if c.endswith(DEFAULT_INDICATOR_SUFFIX)})
    table = []
    for category in categories:
        for measure in PROFILE_INDICATORS:
            column = f"{category}_{measure}"
            if column not in frame.columns:
                continue
            label, kind, _lower = indicator_label(column, layer.mode)
            median = pd.to_numeric(frame[column], errors="coerce").median()
            table.append(
                (category_label(category), label, format_number(row[column], kind, language),
                 format_number(median, kind, language))
            )  # fmt: skip
    name = str(row["name"])
    text = _text(
        release, _("Neighbourhood profile: %(name)s") % {"name": name}, name, method_note(layer.method),
        _subtitle(release, _("walking speed of %(who)s") % {"who": profile_label(layer.profile)}),
        pillars_title=_("Wellbeing pillars"),
        table_note=_("– = no such place within %(cutoff)s min.") % {"cutoff": layer.parameters.get("cutoff_min", 30)},
        no_pillars=_("No wellbeing pillar index is computed for these areas yet (python manage.py compute_pillars)."),
        pillar_column=_("Pillar (score 0–100, higher = better served)"),
    )  # fmt: skip
    tips = [Tooltip(_("young residents 0–17"), "youth_0_17", "count")] if frame["youth_0_17"].notna().any() else []
    return profile_map_html(
        frame, code, text, table_header=(_("Category"), _("Indicator"), _("This area"), _("City median")),
        table_rows=table, tooltips=tips, basemap=_basemap(release), tiles=_tiles(),
        pillars=_pillar_rows(release, layer, code, language),
    )  # fmt: skip


def _pillar_rows(release: DataRelease, layer: AccessLayer, code: str, language: str) -> list[tuple[str, str, str]]:
    """(pillar, this zone's score and rank, city median score) from the stored pillar index, or [] without one."""
    import numpy as np

    from data_sources.contracts import PILLARS
    from geo.pillars import pillar_labels, pillar_layer

    profile = layer.profile if layer.profile != "adult" else "age_11_13"
    index = pillar_layer(release, layer.origin_kind, layer.mode, profile)
    if index is None or not index.rows:
        return []
    rows = {str(r.get("origin_id")): r for r in index.rows}
    mine = rows.get(code)
    if mine is None:
        return []
    labels = pillar_labels()
    out = []
    for pillar in PILLARS:
        scores = np.array([r.get(f"{pillar}_score") for r in rows.values()], dtype=float)
        score, rank = mine.get(f"{pillar}_score"), mine.get(f"{pillar}_rank")
        if score is None or np.isnan(float(score)):
            continue
        this = _("%(score)s (rank %(rank)s of %(count)s; 1 = worst served)") % {
            "score": format_number(100 * float(score), "count", language),
            "rank": int(rank), "count": int(np.isfinite(scores).sum()),
        }  # fmt: skip
        out.append(
            (labels.get(pillar, pillar), this, format_number(100 * float(np.nanmedian(scores)), "count", language))
        )
    return out
