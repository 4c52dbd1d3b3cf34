"""`compute_pillars`: the pillar index of a city's current release, stored per release (``PillarIndexLayer``).

Per origin set (NIL by default), walking profile and mode: travel times to every opportunity (the same engine as
``compute_access``: the street network, walk + transit, or flagged straight-line estimates), each pillar's access
from the opportunities that carry it and suit the age band (``layers.pillar_index.pillar_access``), context
indicators of the zones containing each origin, the composite with the city's weights, and the rank uncertainty.
The weights and context tables are named in the city's TOML (``[pillars]``); see README, "The pillar index".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from data_sources.cities import city_config_from_slug
from data_sources.contracts import PILLARS
from data_sources.errors import ConfigError, NoDataLoadedError, NotFoundError
from data_sources.pillar_tables import (
    ContextIndicator,
    PillarWeights,
    default_weights,
    pillar_normalisation,
    pillar_settings,
    ratio_values,
    read_context_indicators,
    read_pillar_weights,
)
from data_sources.zone_indicators import zone_indicator_readers
from geo.access import MAX_SNAP_M, Origins, TransitJob, _travel_times, _zone_of_points, json_safe, origin_sets
from geo.models import AccessLayer, City, DataRelease, PillarIndexLayer, SitingScenario
from geo.networks import network_for_release
from geo.transit import DEFAULT_WINDOW, NoTimetablesError, service_date, timetable_for, timetabled_feeds
from geo.zones import primary_zone_level
from layers import pillar_index
from routing.profiles import DEFAULT_PROFILES, WalkProfile, profile_by_name
from routing.snapping import locations_from_points

Progress = Callable[[str], None]
YOUTH_PROFILES = tuple(p for p in DEFAULT_PROFILES if p.name != "adult")
#: The pillars a new community hub offers when the planner does not choose (WISH-MI hubs: meeting, creating,
#: learning, choosing, in a shared space).
DEFAULT_HUB_PILLARS = ("social_relations", "education_training", "talents_creativity", "self_determination",
                       "common_spaces")  # fmt: skip


def city_pillar_tables(city: City) -> tuple[PillarWeights, list[ContextIndicator], str]:
    """The city's weights (equal by default), context indicators (none by default) and normalisation."""
    try:
        config = city_config_from_slug(city.slug)
    except ConfigError:
        return default_weights(), [], "rank"
    paths = pillar_settings(config.path)
    weights = read_pillar_weights(paths["weights"]) if paths["weights"] else default_weights()
    context = read_context_indicators(paths["context"]) if paths["context"] else []
    return weights, context, pillar_normalisation(config.path)


def default_origin_kinds(release: DataRelease) -> set[str]:
    """The city's primary zone level (``[zones] primary``) where loaded, else its first
    neighbourhood level, else H3 cells, else census sections."""
    levels = sorted(set(release.neighbourhoods.values_list("level", flat=True)))
    primary = primary_zone_level(release.city)
    if primary in levels:
        return {primary}
    if release.population_zones.filter(kind="h3").exists():
        return {"h3"}
    return {levels[0]} if levels else {"census_section"}


def pillar_opportunities(release: DataRelease, profile: WalkProfile | None = None) -> pd.DataFrame:
    """Opportunities with their pillars (``id, pillars, capacity, lon, lat``), only those suiting the age band."""
    rows = list(release.opportunities.values_list("id", "pillars", "capacity", "age_min", "age_max", "geom"))
    frame = pd.DataFrame(
        {
            "id": [str(r[0]) for r in rows],
            "category": "pillar",
            "pillars": [r[1] or "" for r in rows],
            "capacity": [float(r[2]) if r[2] else 1.0 for r in rows],
            "age_min": [r[3] if r[3] is not None else 0 for r in rows],
            "age_max": [r[4] if r[4] is not None else 120 for r in rows],
            "lon": [r[5].x for r in rows],
            "lat": [r[5].y for r in rows],
        }
    )
    if profile is not None and len(frame):
        frame = frame[(frame["age_min"] <= profile.age_max) & (frame["age_max"] >= profile.age_min)]
    return frame.reset_index(drop=True)


def context_by_origin(
    release: DataRelease, origins: Origins, indicators: list[ContextIndicator], data_dir: str
) -> pd.DataFrame:
    """Each context indicator's value for each origin: that of the zone containing it.

    Indicators other than ``ratio`` are read by the zone indicator readers, never by a second reader."""
    context_readers = zone_indicator_readers()
    columns: dict[str, pd.Series] = {}
    zone_cache: dict[str, pd.Series] = {}
    for indicator in indicators:
        if indicator.reader == "ratio":
            values = ratio_values(indicator, data_dir)
        elif indicator.reader in context_readers:
            frame = context_readers[indicator.reader](data_dir)
            values = frame[indicator.numerator[0]].astype(float) * indicator.scale
            values.index = values.index.astype(str)
        else:
            raise ConfigError(f"context indicator {indicator.indicator}: unknown reader {indicator.reader!r}; "
                              f"use ratio or {', '.join(context_readers)}")  # fmt: skip
        if indicator.level == origins.kind:
            zone = pd.Series(origins.ids, index=origins.ids)
        else:
            if indicator.level not in zone_cache:
                points = [_Point(x, y) for x, y in zip(origins.lon, origins.lat, strict=True)]
                zone_cache[indicator.level] = _zone_of_points(release, indicator.level, origins.ids, points)
            zone = zone_cache[indicator.level]
        columns[indicator.indicator] = zone.reindex(origins.ids).map(values).astype(float)
    return pd.DataFrame(columns, index=pd.Index(origins.ids, name="origin_id"))


class _Point:
    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = float(x), float(y)


def _transit_job(release: DataRelease, mode: str, date: dt.date | None, window: tuple[int, int]) -> TransitJob | None:
    if mode != "transit":
        return None
    timetabled_feeds(release)  # says clearly when the city has none
    if network_for_release(release) is None:
        raise NoTimetablesError(f"{release.city.name} has no street network: transit needs one for walking legs")
    day = service_date(release, date=date)
    return TransitJob(timetable_for(release, day, window), day, window)


def _travel_time_table(
    release: DataRelease, origins: Origins, destinations: pd.DataFrame, profile: WalkProfile,
    transit: TransitJob | None,
) -> pd.DataFrame:  # fmt: skip
    network = network_for_release(release)
    places = None
    if network is not None and len(destinations):
        places = locations_from_points(
            network, destinations["id"].to_numpy(), destinations["lon"].to_numpy(), destinations["lat"].to_numpy(),
            max_distance=MAX_SNAP_M,
        )  # fmt: skip
    tt, _ = _travel_times(network, origins, destinations, places, profile, release.city.metric_epsg, transit)
    return tt


def index_for_origins(
    release: DataRelease, origins: Origins, profile: WalkProfile, *, weights: PillarWeights,
    context: list[ContextIndicator], transit: TransitJob | None = None, draws: int = pillar_index.DEFAULT_DRAWS,
    seed: int = pillar_index.DEFAULT_SEED, normalisation: str = "min_max",
) -> tuple[pd.DataFrame, dict[str, Any]]:  # fmt: skip
    """The index table of one origin set (one row per origin) and its parameters."""
    destinations = pillar_opportunities(release, profile)
    tt = _travel_time_table(release, origins, destinations, profile, transit)
    has_youth = origins.youth is not None and origins.youth.sum() > 0
    measures = {p: (m if has_youth or m != "e2sfca" else "gravity") for p, m in weights.measures.items()}
    long = pillar_index.pillar_access(tt, destinations, origins.ids, measures=measures, demand=origins.youth)
    access = pillar_index.access_table(long)
    context_values = context_by_origin(release, origins, context, settings.VICINO_DATA_DIR) if context else None
    directions = {i.indicator: i.higher_is_better for i in context}
    index = pillar_index.build_index(
        access, weights.weights, normalisation, context=context_values, context_higher_is_better=directions
    )
    assert index.values is not None
    uncertainty = pillar_index.rank_uncertainty(
        index.values, index.weights.to_dict(), draws=draws, seed=seed, higher_is_better=index.directions
    )
    table = index.table().join(uncertainty)
    counts = pillar_index.opportunities_by_pillar(destinations)["pillar"].value_counts()
    if context_values is not None:
        for column in context_values.columns:
            table[f"context_{column}"] = context_values[column]
    parameters = {
        "normalisation": normalisation,
        "weights": index.weights.round(6).to_dict(),
        "weights_file": weights.path,
        "weights_given": weights.weights,
        "measures": measures,
        "excluded": index.excluded,
        "opportunities_per_pillar": {p: int(counts.get(p, 0)) for p in PILLARS},
        "pillars_used": list(index.weights.index),
        "draws": draws,
        "seed": seed,
        "uncertainty": "Dirichlet weights centred on the given ones (concentration = number of pillars) × "
                       "min-max, z-score and rank normalisation in turn; rank 1 = worst served",
        "context": [
            {"indicator": i.indicator, "pillar": i.pillar, "direction": i.direction, "level": i.level,
             "source": i.source, "licence": i.licence, "note": i.note,
             "in_composite": pillar_index.CONTEXT_PREFIX + i.indicator in index.weights.index}
            for i in context
        ],
        "pairs": len(tt),
    }  # fmt: skip
    return table, parameters


def compute_pillars(
    city: City,
    *,
    profiles: tuple[WalkProfile, ...] = YOUTH_PROFILES,
    origin_kinds: set[str] | frozenset[str] | None = None,
    mode: str = "walk",
    date: dt.date | None = None,
    window: tuple[int, int] = DEFAULT_WINDOW,
    draws: int = pillar_index.DEFAULT_DRAWS,
    seed: int = pillar_index.DEFAULT_SEED,
    progress: Progress = lambda m: None,
) -> list[PillarIndexLayer]:
    """Compute and store the pillar index of the city's current release (replacing that mode's earlier one)."""
    release = city.current_release()
    if release is None:
        raise NoDataLoadedError(f"{city.name} has no data loaded: run `python manage.py load_city {city.slug}` first.")
    weights, context, normalisation = city_pillar_tables(city)
    transit = _transit_job(release, mode, date, window)
    network = network_for_release(release)
    method = AccessLayer.Method.NETWORK if network is not None else AccessLayer.Method.STRAIGHT_LINE
    names = dict(release.neighbourhoods.values_list("code", "name"))
    if origin_kinds is None:
        origin_kinds = default_origin_kinds(release)
    stored: list[PillarIndexLayer] = []
    with transaction.atomic():
        release.pillar_indexes.filter(mode=mode, origin_kind__in=list(origin_kinds)).delete()
        for origins in origin_sets(release, network):
            if origins.kind not in origin_kinds:
                continue
            for profile in profiles:
                table, parameters = index_for_origins(
                    release, origins, profile, weights=weights, context=context, transit=transit, draws=draws,
                    seed=seed, normalisation=normalisation,
                )  # fmt: skip
                table.insert(0, "name", [names.get(i, i) for i in table.index])
                if origins.youth is not None:
                    table.insert(1, "youth_0_17", origins.youth.reindex(table.index).to_numpy())
                rows = [{"origin_id": str(i)} | r for i, r in zip(table.index, _records(table), strict=True)]
                stored.append(
                    PillarIndexLayer.objects.create(
                        release=release, mode=mode, profile=profile.name, origin_kind=origins.kind, method=method,
                        normalisation=parameters["normalisation"], parameters=json_safe(parameters), rows=rows,
                    )
                )  # fmt: skip
                worst = table.sort_values("rank").head(3)["name"].tolist()
                progress(f"  {origins.kind:15} {profile.name:10} {len(table):6d} origins; worst served: "
                         f"{', '.join(map(str, worst))}")  # fmt: skip
    return stored


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    numeric = table.select_dtypes(include="number").round(4)
    frame = table.copy()
    frame[numeric.columns] = numeric
    return [json_safe(r) for r in frame.to_dict(orient="records")]  # type: ignore[misc]


def pillar_layer(release: DataRelease, origin_kind: str, mode: str, profile: str) -> PillarIndexLayer | None:
    """The stored index of one origin set, mode and profile, or None."""
    return release.pillar_indexes.filter(origin_kind=origin_kind, mode=mode, profile=profile).first()


def scenario_before_after(
    release: DataRelease,
    scenario: SitingScenario,
    *,
    hub_pillars: tuple[str, ...] = DEFAULT_HUB_PILLARS,
    origin_kind: str | None = None,
    profile: str = "age_11_13",
    mode: str = "walk",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Which origins and pillars a siting scenario's new hubs improve (``layers.pillar_index.before_after``).

    Each new (not fixed) site becomes an opportunity carrying ``hub_pillars``, capacity 1, for every age.
    """
    unknown = [p for p in hub_pillars if p not in PILLARS]
    if unknown or not hub_pillars:
        raise ConfigError(f"hub pillars {unknown or '(none)'}: choose among {', '.join(PILLARS)}")
    walk_profile = profile_by_name(profile)
    origin_kind = origin_kind or sorted(default_origin_kinds(release))[0]
    weights, _, normalisation = city_pillar_tables(release.city)
    origins = next((o for o in origin_sets(release, network_for_release(release)) if o.kind == origin_kind), None)
    if origins is None:
        raise ConfigError(f"{release.city.name} has no {origin_kind} origins")
    opportunities = pillar_opportunities(release, walk_profile)
    new_sites = pd.DataFrame(
        {
            "id": [f"hub:{k}" for k, s in enumerate(scenario.sites) if not s.get("fixed")],
            "category": "pillar",
            "pillars": ";".join(hub_pillars),
            "capacity": 1.0,
            "lon": [float(s["lon"]) for s in scenario.sites if not s.get("fixed")],
            "lat": [float(s["lat"]) for s in scenario.sites if not s.get("fixed")],
        }
    )
    transit = _transit_job(release, mode, None, DEFAULT_WINDOW)
    tt = _travel_time_table(release, origins, pd.concat([opportunities, new_sites], ignore_index=True),
                            walk_profile, transit)  # fmt: skip
    has_youth = origins.youth is not None and origins.youth.sum() > 0
    measures = {p: (m if has_youth or m != "e2sfca" else "gravity") for p, m in weights.measures.items()}

    def access(destinations: pd.DataFrame) -> pd.DataFrame:
        long = pillar_index.pillar_access(tt, destinations, origins.ids, measures=measures, demand=origins.youth)
        return pillar_index.access_table(long)

    pillar_weights = {k: v for k, v in weights.weights.items() if k in PILLARS}
    frame = pillar_index.before_after(access, opportunities, new_sites, pillar_weights, normalisation)
    names = dict(release.neighbourhoods.filter(level=origin_kind).values_list("code", "name"))
    frame.insert(0, "name", [names.get(i, i) for i in frame.index])
    frame["composite_gain"] = frame["composite_after"] - frame["composite_before"]
    gains = frame[[f"{p}_gain" for p in PILLARS]]
    frame["pillars_improved"] = [";".join(p for p in PILLARS if row[f"{p}_gain"] > 1e-9) for _, row in gains.iterrows()]
    summary = {
        "scenario": scenario.pk,
        "hub_pillars": list(hub_pillars),
        "new_sites": len(new_sites),
        "origins_improved": int((frame["composite_gain"] > 1e-9).sum()),
        "pillar_origins_improved": {p: int((frame[f"{p}_gain"] > 1e-9).sum()) for p in PILLARS},
        "profile": profile,
        "mode": mode,
    }
    return frame.sort_values("composite_gain", ascending=False), summary


__all__ = ["compute_pillars", "pillar_layer", "scenario_before_after"]


#: Leading characters a spreadsheet would read as a formula; such text cells get a leading apostrophe in CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pillar_index_payload(release: DataRelease, origin_kind: str | None, mode: str, profile: str) -> dict[str, Any]:
    """The stored index of one origin set as JSON: what was computed, how, and one row per origin (worst first).

    ``origin_kind`` None: NIL when computed, else the first origin set computed.

    Raises ``LookupError`` with a sentence naming what exists when nothing matches.
    """
    if origin_kind is None:
        kinds = set(release.pillar_indexes.values_list("origin_kind", flat=True))
        primary = primary_zone_level(release.city)
        origin_kind = primary if primary in kinds or not kinds else sorted(kinds)[0]
    layer = pillar_layer(release, origin_kind, mode, profile)
    if layer is None:
        available = sorted(
            {f"{k}/{m}/{p}" for k, m, p in release.pillar_indexes.values_list("origin_kind", "mode", "profile")}
        )
        raise NotFoundError(
            f"no pillar index for origins={origin_kind}, mode={mode}, profile={profile} in {release.city.name}'s "
            f"current release; computed: {', '.join(available) or 'none (run python manage.py compute_pillars)'}"
        )
    rows = sorted(layer.rows, key=lambda r: (r.get("rank") or 0, str(r.get("name"))))
    return {
        "city": release.city.slug,
        "release": release.input_hash[:12],
        "origins": origin_kind,
        "mode": mode,
        "profile": profile,
        "method": layer.method,
        "normalisation": layer.normalisation,
        "pillars": list(PILLARS),
        "parameters": layer.parameters,
        "columns": list(rows[0].keys()) if rows else [],
        "rows": rows,
    }


def pillar_index_csv(payload: dict[str, Any]) -> str:
    """The payload's rows as CSV with the same columns (text that looks like a formula is neutralised)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = payload["columns"]
    writer.writerow(columns)
    for row in payload["rows"]:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, str) and value.startswith(_FORMULA_START):
                value = "'" + value
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buffer.getvalue()


def pillar_labels() -> dict[str, str]:
    """The seven WISH-MI wellbeing pillars, in the request's language (pages and shareable maps)."""
    return {
        "social_relations": _("Social relations"),
        "physical_activity": _("Physical activity"),
        "healthcare": _("Healthcare"),
        "education_training": _("Education and training"),
        "talents_creativity": _("Talents and creativity"),
        "self_determination": _("Self-determination"),
        "common_spaces": _("Quality common spaces"),
    }
