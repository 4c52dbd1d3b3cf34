"""Hub and mission siting for a city's current release: demand, candidates, travel times, and stored scenarios.

Demand is the youth of each population unit (census sections, or H3 cells), optionally weighted by a vulnerability
index of its neighbourhood (the city's TOML ``[vulnerability]`` recipe, see :func:`zone_vulnerability`) and/or by
the approved wishes of its area (``demand="wishes"``, :func:`layers.siting.wish_weighted_demand`). The
zone level of the gap and mission tables is the TOML's ``[zones] primary``. Candidates come from the city's
own data (grid cells, schools, libraries, opportunities of a category); existing hubs given in a file are fixed
(always open, never moved); the planner may pin or forbid sites. The models are in :mod:`layers.siting`.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

import numpy as np
import pandas as pd
from django.conf import settings

from data_sources.csv_safety import safe_frame
from data_sources.zone_indicators import zone_indicator_reader
from geo.access import MAX_SNAP_M, TransitJob, json_safe
from geo.cluster import Runner
from geo.models import City, DataRelease, SitingScenario
from geo.networks import network_for_release
from geo.transit import DEFAULT_WINDOW, service_date, timetable_for
from geo.zones import city_config, primary_zone_level
from layers import siting
from routing.profiles import profile_by_name
from routing.raptor import transit_travel_times
from routing.snapping import locations_from_points
from routing.straight_line import travel_times_straight_line
from routing.travel_times import travel_times

OBJECTIVES = ("mclp", "pmedian", "lscp")
CANDIDATE_SOURCES = ("h3", "schools", "libraries", "opportunities")
EXACT_LIMIT = 4000  # candidates × demand above which the greedy + swap heuristic is used
logger = logging.getLogger("vicino.siting")


class ScenarioError(siting.SitingInputError):
    """A siting request that cannot run (no demand, no candidates...)."""


def zone_vulnerability(city: City) -> pd.Series | None:
    """The city's 0–1 vulnerability index per zone (its TOML's ``[vulnerability]`` recipe), or None without one.

    The recipe's reader (``data_sources.zone_indicators``) gives the components, and
    :func:`layers.siting.vulnerability_by_zone` weighs them.
    """
    config = city_config(city)
    if config is None or config.vulnerability is None:
        return None
    recipe = config.vulnerability
    components = zone_indicator_reader(recipe.reader)(settings.VICINO_DATA_DIR)
    return siting.vulnerability_by_zone(components, recipe.weights)


@dataclass
class Places:
    ids: np.ndarray
    names: list[str]
    lon: np.ndarray
    lat: np.ndarray


DEMANDS = ("youth", "wishes")


def wish_areas(release: DataRelease, kind: str, units: list, zone: pd.Series) -> tuple[str, pd.Series]:
    """The area of each demand unit that wishes are counted by: its zone at the city's primary level where the city
    has one, else its H3 resolution-8 cell (the parent of a grid cell, the cell of a census section's point)."""
    import h3

    from geo.wishes import WISH_CELL_RESOLUTION

    if len(zone):
        return "zone", zone
    ids = [f"{kind}:{u.code}" for u in units]
    if kind == "h3":
        cells = [h3.cell_to_parent(u.code, WISH_CELL_RESOLUTION) for u in units]
    else:
        cells = [h3.latlng_to_cell(u.point.y, u.point.x, WISH_CELL_RESOLUTION) for u in units]
    return "cell", pd.Series(cells, index=ids)


def demand_for(
    release: DataRelease, vulnerability: bool, demand: str = "youth"
) -> tuple[Places, pd.Series, pd.Series, pd.DataFrame]:
    """Demand points (units with youth), their weights, their zone (NIL) and their youth by age band.

    ``demand="wishes"`` multiplies each point's weight by ``1 + r`` of its area, ``r`` the area's approved wishes
    per young person relative to the most wishing area (:func:`layers.siting.wish_weighted_demand`).
    """
    if demand not in DEMANDS:
        raise ScenarioError(f"demand {demand!r} is not supported; use {', '.join(DEMANDS)}")
    kind = "census_section" if release.population_zones.filter(kind="census_section").exists() else "h3"
    units = list(release.population_zones.filter(kind=kind))
    if not units:
        raise ScenarioError(f"{release.city.name} has no population units to place demand on")
    ids = np.array([f"{kind}:{u.code}" for u in units])
    youth = pd.Series([u.youth_0_17 if u.youth_0_17 is not None else (u.population or 0.0) for u in units], index=ids)
    bands = pd.DataFrame(
        {b: [getattr(u, b) or 0.0 for u in units] for b in ("age_0_4", "age_5_9", "age_10_14", "age_15_17")}, index=ids
    )
    zone = pd.Series(dtype=object)
    level = primary_zone_level(release.city)
    if level and release.neighbourhoods.filter(level=level).exists():
        from geo.access import _zone_of_points

        zone = _zone_of_points(release, level, np.array([u.code for u in units]), [u.point for u in units])
        zone.index = [f"{kind}:{code}" for code in zone.index]
    if vulnerability:
        index = zone_vulnerability(release.city)
        if index is None:
            raise ScenarioError(
                f"{release.city.name} has no vulnerability recipe ([vulnerability] in its city TOML); "
                "a vulnerability index is only documented where the city's data supports one"
            )
        youth = youth * (0.5 + zone.reindex(youth.index).map(index).fillna(index.mean()).to_numpy())
    if demand == "wishes":
        from geo.wishes import approved_wishes_by_area

        level, area = wish_areas(release, kind, units, zone)
        try:
            weighted = siting.wish_weighted_demand(youth, area, approved_wishes_by_area(release.city, level))
        except siting.SitingInputError as error:
            raise ScenarioError(f"{release.city.name}: {error}") from None
        if weighted.areas_without_youth:
            logger.warning(
                "%s: approved wishes in %s %s weigh nothing: no youth lives there among the demand points",
                release.city.name, level, ", ".join(weighted.areas_without_youth),
            )  # fmt: skip
        youth = weighted.demand
    places = Places(
        ids, [u.code for u in units], np.array([u.point.x for u in units]), np.array([u.point.y for u in units])
    )
    return places, youth, zone, bands


def candidates_for(release: DataRelease, source: str) -> Places:
    """Candidate sites from the city's own data: ``h3``, ``schools``, ``libraries``, ``opportunities[:category]``."""
    kind, _, category = source.partition(":")
    if kind == "h3":
        cells = list(release.population_zones.filter(kind="h3"))
        rows = [(f"h3:{c.code}", f"cell {c.code}", c.point) for c in cells]
    elif kind == "schools":
        rows = [(f"school:{s.pk}", s.name, s.geom) for s in release.schools.all()]
    elif kind == "libraries":
        rows = [(f"opp:{o.pk}", o.name, o.geom) for o in release.opportunities.filter(kind__icontains="librar")]
        rows += [(f"opp:{o.pk}", o.name, o.geom) for o in release.opportunities.filter(source="libraries")]
    elif kind == "opportunities":
        queryset = release.opportunities.filter(category=category) if category else release.opportunities.all()
        rows = [(f"opp:{o.pk}", o.name, o.geom) for o in queryset]
    else:
        raise ScenarioError(f"unknown candidate source {source!r}; use {', '.join(CANDIDATE_SOURCES)}[:category]")
    rows = list({r[0]: r for r in rows}.values())
    if not rows:
        raise ScenarioError(f"{release.city.name} has no candidates from {source!r}")
    return Places(
        np.array([r[0] for r in rows]),
        [r[1] for r in rows],
        np.array([r[2].x for r in rows]),
        np.array([r[2].y for r in rows]),
    )


def hubs_from_csv(path: str | Path) -> Places:
    """Existing hubs from a CSV with ``id, name, longitude, latitude`` (fixed in every scenario)."""
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"id", "name", "longitude", "latitude"} - set(rows[0] if rows else {})
    if missing:
        raise ScenarioError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    try:
        lon = np.array([float(r["longitude"]) for r in rows])
        lat = np.array([float(r["latitude"]) for r in rows])
    except ValueError as error:
        raise ScenarioError(f"{path}: a coordinate is not a number ({error})") from None
    return Places(np.array([f"hub:{r['id']}" for r in rows]), [r["name"] for r in rows], lon, lat)


def _travel_times(
    release: DataRelease, demand: Places, sites: Places, cutoff_min: float, mode: str, profile: str
) -> pd.DataFrame:
    walk = profile_by_name(profile)
    network = network_for_release(release)
    if network is None:
        if mode == "transit":
            raise ScenarioError(f"{release.city.name} has no street network: transit siting needs one")
        return travel_times_straight_line(
            demand.ids, demand.lon, demand.lat, sites.ids, sites.lon, sites.lat, cutoff_min * 60,
            release.city.metric_epsg, walk,
        )  # fmt: skip
    origins = locations_from_points(network, demand.ids, demand.lon, demand.lat, max_distance=MAX_SNAP_M)
    targets = locations_from_points(network, sites.ids, sites.lon, sites.lat, max_distance=MAX_SNAP_M)
    table = travel_times(network, origins, targets, cutoff_min * 60, walk)
    if mode == "transit":
        day = service_date(release)
        job = TransitJob(timetable_for(release, day, DEFAULT_WINDOW), day, DEFAULT_WINDOW)
        transit = transit_travel_times(
            network, job.timetable, origins, targets, departure_window=job.window, step_s=300, percentiles=(50,),
            profile=walk, max_trip_s=int(cutoff_min * 60),
        )  # fmt: skip
        table = pd.concat([table, transit[["from_id", "to_id", "travel_time"]]], ignore_index=True)
        table = table.groupby(["from_id", "to_id"], as_index=False)["travel_time"].min()
    return table


@dataclass
class ScenarioInputs:
    """What every scenario of a request shares: demand, candidate sites, fixed sites and the travel-time table."""

    release: DataRelease
    demand: Places
    weights: pd.Series
    zone: pd.Series
    bands: pd.DataFrame
    sites: Places
    fixed_ids: list[str]
    table: pd.DataFrame
    cutoff_min: float
    #: The people the before/after summary counts, when the solver's weights are not people (demand by wishes).
    people: pd.Series | None = None


def _cutoff_for(objective: str, minutes: float) -> float:
    """The reach of the travel-time table: T, or 2T for p-median (whose assignments may go beyond T)."""
    return minutes if objective != "pmedian" else min(60.0, 2 * minutes)


class ScenarioChoices(TypedDict, total=False):
    """What a planner chooses besides the objective, the number of new sites and the minutes (all optional)."""

    candidates: str
    mode: str
    profile: str
    pinned: list[str] | None
    forbidden: list[str] | None
    hubs_file: str | Path | None
    vulnerability: bool
    demand: str


_DEFAULT_CHOICES: ScenarioChoices = {
    "candidates": "h3", "mode": "walk", "profile": "age_11_13", "pinned": None, "forbidden": None, "hubs_file": None,
    "vulnerability": False, "demand": "youth",
}  # fmt: skip


def _full_choices(choices: ScenarioChoices) -> ScenarioChoices:
    """``choices`` with the defaults filled in; a keyword that is not a choice is a TypeError, as for any call."""
    unknown = sorted(set(choices) - set(_DEFAULT_CHOICES))
    if unknown:
        raise TypeError(f"unexpected scenario choice(s): {', '.join(unknown)}")
    return _DEFAULT_CHOICES | choices


def scenario_parameters(choices: ScenarioChoices) -> dict[str, Any]:
    """The choices as a scenario stores them: defaults filled in, ``[]`` for no site ids, the hubs file as text."""
    full = _full_choices(choices)
    return {
        "candidates": full["candidates"], "mode": full["mode"], "profile": full["profile"],
        "pinned": full["pinned"] or [], "forbidden": full["forbidden"] or [], "vulnerability": full["vulnerability"],
        "hubs_file": str(full["hubs_file"] or ""), "demand": full["demand"],
    }  # fmt: skip


def scenario_inputs(city: City, *, cutoff_min: float, **choices: Unpack[ScenarioChoices]) -> ScenarioInputs:
    """Demand, candidates and travel times within ``cutoff_min`` for the city's current release."""
    full = _full_choices(choices)
    candidates, mode, profile = full["candidates"], full["mode"], full["profile"]
    pinned, forbidden, hubs_file = full["pinned"], full["forbidden"], full["hubs_file"]
    if mode not in ("walk", "transit"):
        raise ScenarioError(f"mode {mode!r} is not supported; use walk or transit")
    release = city.current_release()
    if release is None:
        raise ScenarioError(f"{city.name} has no data loaded")
    points, weights, zone, bands = demand_for(release, full["vulnerability"], full["demand"])
    # Wishes steer where hubs go; the before/after figures still count young people, never wish-weighted ones.
    people = demand_for(release, full["vulnerability"])[1] if full["demand"] == "wishes" else None
    sites = candidates_for(release, candidates)
    fixed_ids: list[str] = []
    if hubs_file:
        hubs = hubs_from_csv(hubs_file)
        sites = Places(np.concatenate([hubs.ids, sites.ids]), hubs.names + sites.names,
                       np.concatenate([hubs.lon, sites.lon]), np.concatenate([hubs.lat, sites.lat]))  # fmt: skip
        fixed_ids += list(hubs.ids)
    unknown = [s for s in (pinned or []) + (forbidden or []) if s not in set(sites.ids)]
    if unknown:
        raise ScenarioError(f"unknown site id(s) {', '.join(unknown)} among the {candidates!r} candidates")
    keep = ~np.isin(sites.ids, forbidden or [])
    sites = Places(
        sites.ids[keep], [n for n, k in zip(sites.names, keep, strict=True) if k], sites.lon[keep], sites.lat[keep]
    )
    fixed_ids += list(pinned or [])
    table = _travel_times(release, points, sites, cutoff_min, mode, profile)
    return ScenarioInputs(release, points, weights, zone, bands, sites, fixed_ids, table, cutoff_min, people)


def _method(inputs: ScenarioInputs) -> str:
    return "exact" if len(inputs.sites.ids) * len(inputs.demand.ids) <= EXACT_LIMIT * 1000 else "greedy"


def _check_request(objective: str, minutes: float) -> None:
    if objective not in OBJECTIVES:
        raise ScenarioError(f"unknown objective {objective!r}; use {', '.join(OBJECTIVES)}")
    if not 1 <= minutes <= 60:
        raise ScenarioError(f"minutes={minutes} is out of range (1..60)")


def _within(table: pd.DataFrame, cutoff_min: float) -> pd.DataFrame:
    """The rows of a wider table that the table of ``cutoff_min`` holds (the same tolerance as the searches)."""
    return table[table["travel_time"] <= cutoff_min * 60 * (1 + 1e-12)]


def store_scenario(
    inputs: ScenarioInputs,
    result: siting.SitingResult,
    *,
    objective: str,
    new: int,
    minutes: float,
    parameters: dict[str, object],
    name: str | None = None,
    created_by: str = "",
) -> SitingScenario:
    """Summarise one solved scenario (before/after) and store it."""
    sites = inputs.sites
    summary = siting.scenario_summary(
        _within(inputs.table, _cutoff_for(objective, minutes)),
        inputs.people if inputs.people is not None else inputs.weights, inputs.fixed_ids, result.sites,
        minutes, zones=inputs.zone if len(inputs.zone) else None, age_bands=inputs.bands,
    )  # fmt: skip
    position = {site: i for i, site in enumerate(sites.ids)}
    chosen = [
        {"id": s, "name": sites.names[position[s]], "lon": float(sites.lon[position[s]]),
         "lat": float(sites.lat[position[s]]), "fixed": s in set(inputs.fixed_ids)}
        for s in result.sites
    ]  # fmt: skip
    parameters = parameters | {
        "new": new, "objective": objective, "minutes": minutes, "demand_points": len(inputs.demand.ids),
        "candidate_sites": len(sites.ids),
        "method": "network" if network_for_release(inputs.release) is not None else "straight_line",
    }  # fmt: skip
    outcome = summary.to_dict() | {
        "objective_value": result.objective, "status": result.status, "solver": result.solver,
        "solve_time_s": result.solve_time_s, "uncoverable": len(result.uncoverable),
    }  # fmt: skip
    mode, candidates = parameters.get("mode", "walk"), parameters.get("candidates", "h3")
    label = name or f"{objective} {new} new, {minutes:g} min {mode}, {candidates} ({dt.datetime.now():%Y-%m-%d %H:%M})"
    return SitingScenario.objects.create(
        release=inputs.release, name=label, parameters=json_safe(parameters), sites=chosen, result=json_safe(outcome),
        created_by=created_by,
    )  # fmt: skip


def run_scenario(
    city: City,
    *,
    new: int,
    objective: str,
    minutes: float,
    name: str | None = None,
    created_by: str = "",
    **choices: Unpack[ScenarioChoices],
) -> SitingScenario:
    """Solve one siting scenario for the city's current release and store it."""
    _check_request(objective, minutes)
    inputs = scenario_inputs(city, cutoff_min=_cutoff_for(objective, minutes), **choices)
    result = siting.solve_objective(
        objective, inputs.table, inputs.weights, inputs.sites.ids, new, minutes, fixed=inputs.fixed_ids,
        method=_method(inputs),
    )  # fmt: skip
    return store_scenario(
        inputs, result, objective=objective, new=new, minutes=minutes, parameters=scenario_parameters(choices),
        name=name, created_by=created_by,
    )  # fmt: skip


def run_sweep(
    city: City,
    *,
    news: list[int],
    objectives: list[str],
    minutes: list[float],
    runner: Runner | None = None,
    created_by: str = "",
    **choices: Unpack[ScenarioChoices],
) -> list[SitingScenario]:
    """Every combination of ``news`` × ``objectives`` × ``minutes`` (set covering once per T), stored.

    The travel times are computed once, for the widest reach any combination needs; each combination solves on its
    own rows of that table. With a Dask ``runner`` the solves are tasks on the cluster (the table and demand sent to
    every worker once); the scenarios are the ones :func:`run_scenario` would store one by one.
    """
    combos = sorted({(o, 0 if o == "lscp" else n, float(t)) for o in objectives for n in news for t in minutes})
    for objective, _, t in combos:
        _check_request(objective, t)
    inputs = scenario_inputs(city, cutoff_min=max(_cutoff_for(o, t) for o, _, t in combos), **choices)
    method = _method(inputs)
    arguments = [(o, _within(inputs.table, _cutoff_for(o, t)), n, t) for o, n, t in combos]
    runner = runner or Runner()
    if runner.distributed:
        client = runner.client
        weights, site_ids = client.scatter([inputs.weights, inputs.sites.ids], broadcast=True, hash=False)
        futures = [
            client.submit(
                siting.solve_objective, o, table, weights, site_ids, n, t, fixed=inputs.fixed_ids, method=method,
                pure=False, retries=3,
            )
            for o, table, n, t in arguments
        ]  # fmt: skip
        results = client.gather(futures)
    else:
        results = [
            siting.solve_objective(o, table, inputs.weights, inputs.sites.ids, n, t, fixed=inputs.fixed_ids,
                                   method=method)
            for o, table, n, t in arguments
        ]  # fmt: skip
    parameters = scenario_parameters(choices) | {"sweep": True}
    return [
        store_scenario(inputs, result, objective=o, new=n, minutes=t, parameters=parameters, created_by=created_by)
        for (o, _, n, t), result in zip(arguments, results, strict=True)
    ]


def missions_for(
    release: DataRelease, profile: str = "age_11_13", top: int = 15, demand: str = "youth"
) -> pd.DataFrame:
    """Neighbourhoods ranked for outreach missions: youth × vulnerability × lack of access, by category; with
    ``demand="wishes"`` also weighted by the approved wishes for that category in the zone
    (:func:`layers.siting.rank_missions`). Empty when the city has no zone layer, or no such wish."""
    if demand not in DEMANDS:
        raise ScenarioError(f"demand {demand!r} is not supported; use {', '.join(DEMANDS)}")
    level = primary_zone_level(release.city)
    layer = release.access_layers.filter(mode="walk", origin_kind=level, profile=profile).first() if level else None
    if layer is None:
        return pd.DataFrame()
    zones = {z.code: z for z in release.neighbourhoods.filter(level=level).select_related("population")}
    values = pd.DataFrame({v.origin_id: v.values for v in layer.values.all()}).T
    frame = pd.DataFrame(index=values.index)
    frame["name"] = [zones[c].name if c in zones else c for c in frame.index]
    frame["youth"] = [
        zones[c].population.youth_0_17 if c in zones and hasattr(zones[c], "population") else 0 for c in frame.index
    ]
    try:
        vulnerability = zone_vulnerability(release.city)
    except Exception:  # the index needs the city's zone tables; without them every zone weighs the same
        vulnerability = None
    frame["vulnerability"] = frame.index.map(vulnerability).fillna(0.5) if vulnerability is not None else 0.5
    for column in values.columns:
        if column.endswith("_youth_share_15"):
            frame[f"access_{column.removesuffix('_youth_share_15')}"] = values[column].astype(float).fillna(0.0)
    if not any(c.startswith("access_") for c in frame.columns):
        return pd.DataFrame()
    if demand == "wishes":
        from geo.wishes import approved_wishes_by_zone_and_category

        wishes = approved_wishes_by_zone_and_category(release.city, level)
        return siting.rank_missions(frame, top=top, wishes=wishes) if wishes.to_numpy().sum() > 0 else pd.DataFrame()
    return siting.rank_missions(frame, top=top)


def scenario_export(scenario: SitingScenario, fmt: str) -> tuple[str, bytes]:
    """A scenario's export file (see :func:`scenario_file`) as its name and bytes; nothing is left on disk."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vicino-scenario-") as folder:
        path = scenario_file(scenario, fmt, Path(folder))
        return path.name, path.read_bytes()


def scenario_file(scenario: SitingScenario, fmt: str, folder: Path) -> Path:
    """Write a scenario's sites (points) and per-zone before/after table into ``folder``: CSV or GeoPackage, with
    attribution."""
    import geopandas as gpd

    from geo.exporting import attribution_for
    from layers.exports import layers_to_gpkg

    sites = gpd.GeoDataFrame(
        pd.DataFrame(scenario.sites), geometry=gpd.points_from_xy([s["lon"] for s in scenario.sites],
                                                                  [s["lat"] for s in scenario.sites]), crs=4326
    )  # fmt: skip
    metadata = {
        "scenario": scenario.name,
        "parameters": scenario.parameters,
        "overall": scenario.result.get("overall"),
        "inequality": scenario.result.get("inequality"),
        "attribution": attribution_for(scenario.release),
    }
    slug = f"{scenario.release.city.slug}-scenario-{scenario.pk}"
    if fmt == "csv":
        path = folder / f"{slug}.csv"
        frame = pd.DataFrame(sites.drop(columns="geometry"))
        frame["attribution"] = metadata["attribution"]
        safe_frame(frame).to_csv(path, index=False)
        return path
    path = folder / f"{slug}.gpkg"
    layers = {"sites": sites}
    by_zone = scenario.result.get("by_zone") or {}
    if by_zone:
        level = primary_zone_level(scenario.release.city)
        zones = {z.code: z.geom for z in scenario.release.neighbourhoods.filter(level=level)}
        import shapely

        table = pd.DataFrame(by_zone).T
        layers["by_zone"] = gpd.GeoDataFrame(
            table.reset_index(names="zone"),
            geometry=[shapely.from_wkb(bytes(zones[c].wkb)) if c in zones else None for c in table.index],
            crs=4326,
        )
    return layers_to_gpkg(layers, path, metadata)
