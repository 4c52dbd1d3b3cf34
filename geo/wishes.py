"""Wishes: what children and families wish were nearer, anonymous, moderated, shown only in agreeing groups.

README, "Wishes". A wish names a subject (one of the city's pillars or one opportunity category), an age band (the
city's ``[wishes] age_bands``), who makes it, an optional short text, and roughly where: an H3 resolution-8 cell
that the browser picks from the tapped point among the city's cells (:func:`wish_cells`, so the tap itself never
leaves the device), or a zone of the city's primary level chosen from a list. The server checks the cell
(:func:`zones_of_cell`), derives its zone, checks the text (:mod:`data_sources.wish_text`) and stores the wish
pending, or rejected with the reason when the text carries contact details or blocked words. Moderators approve or
reject (:func:`moderate`). The public sees only counts of approved wishes per area and subject that reach
``VICINO_WISH_THRESHOLD`` (:func:`public_wishes`); planners can weight hub-siting demand by them
(:func:`approved_wishes_by_area`, ``site_hubs --demand wishes``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h3
import pandas as pd
import shapely
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from data_sources.cities import CITIES_DIR
from data_sources.contracts import CATEGORIES
from data_sources.errors import InvalidRequestError, NotFoundError
from data_sources.wish_text import MAX_WISH_TEXT, check_wish_text, read_word_list
from geo.importing import union_of_stored
from geo.models import City, DataRelease, Wish
from geo.pillars import city_pillar_tables, pillar_labels
from geo.shareable_maps import category_label
from geo.zones import city_config, primary_zone_level
from layers.grids import h3_cells_covering
from routing.profiles import DEFAULT_PROFILES

#: The H3 resolution of a wish's place: cells of about 0.74 km² (460 m edge), never a home.
WISH_CELL_RESOLUTION = 8
#: The Django group whose members moderate wishes (created with its permission by :func:`moderators_group`).
MODERATORS_GROUP = "wish moderators"
MODERATE_PERMISSION = "geo.moderate_wish"
_CELLS_VERSION = "v3"


class WishInputError(InvalidRequestError):
    """A wish that cannot be stored as sent (unknown cell, subject, age band...): the client's mistake, a 400."""


def wish_threshold() -> int:
    """The fewest approved wishes agreeing on area and subject that the public view shows (k-anonymity)."""
    return int(getattr(settings, "VICINO_WISH_THRESHOLD", 5))


# ---------------------------------------------------------------------------------------------------------------
# What a wish may say


def age_bands(city: City) -> list[str]:
    """The city's age bands (``[wishes] age_bands``), else the walking profiles' youth bands (``0-5`` ...)."""
    config = city_config(city)
    if config is not None and config.wishes.age_bands:
        return list(config.wishes.age_bands)
    return [f"{p.age_min}-{p.age_max}" for p in DEFAULT_PROFILES if p.age_max < 18]


def city_pillars(city: City) -> list[str]:
    """The pillars of the city's pillar index (its weights file; all seven WISH-MI pillars by default)."""
    weights, _context, _normalisation = city_pillar_tables(city)
    return [key for key in weights.weights if not key.startswith("context:")]


def blocked_words(city: City) -> list[str]:
    """The city's blocked words: its TOML's word lists, else the lists of its language and English that exist."""
    config = city_config(city)
    names = list(config.wishes.blocked_words) if config is not None and config.wishes.blocked_words else []
    if not names:
        names = [f"wishes/blocked_words_{lang}.txt" for lang in dict.fromkeys([city.language, "en"])]
        names = [n for n in names if (CITIES_DIR.parent / n).is_file()]
    return [word for name in names for word in read_word_list(CITIES_DIR.parent / name)]


def who_labels() -> dict[str, str]:
    """Who makes a wish, in the request's language."""
    return {
        Wish.Who.CHILD_WITH_PARENT: _("A child with a parent"),
        Wish.Who.TEENAGER: _("A teenager"),
        Wish.Who.FAMILY: _("A family"),
        Wish.Who.SCHOOL_CLASS: _("A school class"),
    }


def subject_choices(city: City) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a wish may be about, grouped: the opportunity categories, then the city's pillars (value, label)."""
    return [
        (_("A kind of activity"), [(f"category:{c}", subject_label(f"category:{c}")) for c in CATEGORIES]),
        (
            _("A part of wellbeing (WISH-MI pillar)"),
            [(f"pillar:{p}", subject_label(f"pillar:{p}")) for p in city_pillars(city)],
        ),
    ]


def subject_label(subject: str) -> str:
    """``pillar:social_relations`` → "Social relations", ``category:sport`` → "Sport", in the request's language."""
    kind, _sep, key = subject.partition(":")
    if kind == "pillar":
        return pillar_labels().get(key, key)
    return category_label(key).capitalize() if key != "stem" else category_label(key)


# ---------------------------------------------------------------------------------------------------------------
# Where: the city's resolution-8 cells and its zones


def _release_of(city: City) -> DataRelease:
    release = city.current_release()
    if release is None:
        raise NotFoundError(f"{city.name} has no data loaded yet")
    return release


def city_boundary(release: DataRelease) -> shapely.Geometry | None:
    """The city's area: the union of its coarsest zone level, else of its grid cells."""
    levels = list(release.neighbourhoods.order_by().values_list("level", flat=True).distinct())
    if levels:
        coarsest = min(levels, key=lambda level: release.neighbourhoods.filter(level=level).count())
        geometries = release.neighbourhoods.filter(level=coarsest).values_list("geom", flat=True)
    else:
        geometries = release.population_zones.filter(kind="h3").values_list("geom", flat=True)
    return union_of_stored(geometries)


def _cells_path(release: DataRelease) -> Path:
    return (
        Path(settings.VICINO_HOME)
        / "wishes"
        / f"{release.input_hash[:16]}-cells-r{WISH_CELL_RESOLUTION}-{_CELLS_VERSION}.json"
    )


def wish_cells(release: DataRelease) -> dict[str, Any]:
    """The city's H3 resolution-8 cells (those overlapping its area) as GeoJSON, each with its zone and the zone's
    name; built once per release and kept under ``VICINO_HOME/wishes``."""
    path = _cells_path(release)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    boundary = city_boundary(release)
    if boundary is None:
        raise NotFoundError(f"{release.city.name} has no area loaded (no zones, no grid) to place wishes in")
    cells = h3_cells_covering(boundary, WISH_CELL_RESOLUTION)
    level = primary_zone_level(release.city)
    zones = list(release.neighbourhoods.filter(level=level)) if level else []
    shapes = [shapely.from_wkb(bytes(z.geom.wkb)) for z in zones]
    tree = shapely.STRtree(shapes) if shapes else None
    features = []
    for cell, polygon in zip(cells["id"], cells.geometry, strict=True):
        # The zones the cell overlaps, most of the cell first (the first is its zone unless the person chooses a
        # neighbouring one from the list: a small neighbourhood may hold no cell's larger part).
        overlaps: list[tuple[float, int]] = []
        if tree is not None:
            for i in tree.query(polygon):
                share = shapes[i].intersection(polygon).area / polygon.area
                if share > 0.001:
                    overlaps.append((share, int(i)))
        overlaps.sort(reverse=True)
        if tree is not None and not overlaps:
            continue  # a sliver on the border (under 0.1 % of the cell inside the city): not a place to wish for
        zone_codes = [zones[i].code for _share, i in overlaps]
        zone_code = zone_codes[0] if zone_codes else ""
        zone_name = zones[overlaps[0][1]].name if overlaps else ""
        ring = [[round(x, 6), round(y, 6)] for x, y in polygon.exterior.coords]
        features.append({
            "type": "Feature",
            "properties": {"id": cell, "zone": zone_code, "zone_name": zone_name, "zones": zone_codes},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })  # fmt: skip
    collection = {
        "type": "FeatureCollection",
        "properties": {"resolution": WISH_CELL_RESOLUTION, "level": level, "cells": len(features)},
        "features": features,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    partial.replace(path)
    return collection


def zones_of_cell(release: DataRelease, cell: str) -> list[str]:
    """The zone codes one of the city's resolution-8 cells overlaps, most of the cell first (empty for a city
    without zones); a :class:`WishInputError` naming the problem for anything that is not such a cell."""
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise WishInputError(f"cell {str(cell)[:40]!r} is not an H3 cell id")
    resolution = h3.get_resolution(cell)
    if resolution != WISH_CELL_RESOLUTION:
        raise WishInputError(
            f"cell {cell!r} has resolution {resolution}; a wish's place is a resolution-{WISH_CELL_RESOLUTION} cell"
        )
    for feature in wish_cells(release)["features"]:
        if feature["properties"]["id"] == cell:
            return [str(code) for code in feature["properties"]["zones"]]
    raise WishInputError(f"cell {cell!r} is not in {release.city.name}")


def zone_choices(release: DataRelease) -> list[tuple[str, str]]:
    """The city's primary-level zones as (code, name), by name: the list that replaces the map."""
    level = primary_zone_level(release.city)
    if not level:
        return []
    return sorted(release.neighbourhoods.filter(level=level).values_list("code", "name"), key=lambda z: z[1])


# ---------------------------------------------------------------------------------------------------------------
# Making and moderating a wish


@dataclass(frozen=True)
class WishRequest:
    """A wish as sent: ``subject`` is ``pillar:<key>`` or ``category:<key>``; ``cell`` or ``zone`` (or both)."""

    subject: str
    age_band: str
    who: str
    text: str = ""
    cell: str = ""
    zone: str = ""


def submit_wish(city: City, request: WishRequest) -> Wish:
    """Check a wish and store it: pending, or rejected automatically with the reason (see the module docstring)."""
    release = _release_of(city)
    kind, _sep, key = request.subject.partition(":")
    if kind == "pillar" and key in city_pillars(city):
        pillar, category = key, ""
    elif kind == "category" and key in CATEGORIES:
        pillar, category = "", key
    else:
        raise WishInputError(
            f"subject {request.subject[:60]!r} is not known; use pillar:<{'|'.join(city_pillars(city))}> or "
            f"category:<{'|'.join(CATEGORIES)}>"
        )
    bands = age_bands(city)
    if request.age_band not in bands:
        raise WishInputError(f"age_band {request.age_band[:20]!r} is not one of {', '.join(bands)}")
    if request.who not in Wish.Who.values:
        raise WishInputError(f"who {request.who[:30]!r} is not one of {', '.join(Wish.Who.values)}")
    if len(request.text.strip()) > MAX_WISH_TEXT:
        raise WishInputError(f"text has {len(request.text.strip())} characters; at most {MAX_WISH_TEXT}")
    cell, zone = request.cell.strip(), request.zone.strip()
    if not cell and not zone:
        raise WishInputError("say roughly where: tap the map (cell) or choose your area (zone)")
    if cell:
        cell_zones = zones_of_cell(release, cell)
        if zone and cell_zones and zone not in cell_zones:
            raise WishInputError(
                f"zone {zone[:64]!r} does not overlap cell {cell!r} (it overlaps {', '.join(cell_zones)})"
            )
        zone = zone or (cell_zones[0] if cell_zones else "")
    if zone and zone not in dict(zone_choices(release)):
        raise WishInputError(f"zone {zone[:64]!r} is not one of {city.name}'s areas")
    check = check_wish_text(request.text, blocked_words(city))
    reasons = []
    if check.contacts:
        reasons.append("contact details (" + ", ".join(check.contacts) + ") removed: a wish is anonymous")
    if check.blocked:
        reasons.append("blocked words: " + ", ".join(check.blocked))
    return Wish.objects.create(
        city=city, cell=cell, zone=zone, pillar=pillar, category=category, text=check.text,
        age_band=request.age_band, who=request.who,
        status=Wish.Status.REJECTED if reasons else Wish.Status.PENDING, reason="; ".join(reasons),
        automatic=bool(reasons), created=timezone.localdate(),
    )  # fmt: skip


def moderators_group() -> Group:
    """The group of wish moderators, with the permission to moderate (created when missing)."""
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    permission = Permission.objects.get(codename="moderate_wish", content_type__app_label="geo")
    group.permissions.add(permission)
    return group


def can_moderate(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def moderate(wish: Wish, *, approve: bool, by: str, reason: str = "") -> Wish:
    """Approve a wish, or reject it with a reason (required)."""
    reason = " ".join(reason.split())[:300]
    if not approve and not reason:
        raise WishInputError("a rejection needs a reason")
    wish.status = Wish.Status.APPROVED if approve else Wish.Status.REJECTED
    wish.reason = "" if approve else reason
    wish.automatic = False
    wish.moderated = timezone.localdate()
    wish.moderated_by = by
    wish.save(update_fields=["status", "reason", "automatic", "moderated", "moderated_by"])
    return wish


# ---------------------------------------------------------------------------------------------------------------
# What the public and planners see


def _area_field(level: str) -> str:
    if level not in {"zone", "cell"}:
        raise WishInputError(f"level {level[:20]!r} is not supported; use zone or cell")
    return level


def agreeing_counts(city: City, level: str) -> list[dict[str, Any]]:
    """Approved wishes per area and subject where at least the threshold agree (``area, subject, wishes``)."""
    field = _area_field(level)
    rows = (
        Wish.objects.filter(city=city, status=Wish.Status.APPROVED).exclude(**{field: ""})
        .values(field, "pillar", "category").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    k = wish_threshold()
    return sorted(
        (
            {"area": r[field], "subject": f"pillar:{r['pillar']}" if r["pillar"] else f"category:{r['category']}",
             "wishes": r["n"]}
            for r in rows if r["n"] >= k
        ),
        key=lambda r: (-r["wishes"], r["area"], r["subject"]),
    )  # fmt: skip


def public_wishes(city: City, level: str = "zone") -> dict[str, Any]:
    """Areas where at least the threshold of approved wishes agree on a subject, as GeoJSON: per area its name and
    ``subjects`` (``[{subject, wishes}]``, most wished first). Areas below the threshold are left out entirely."""
    release = _release_of(city)
    counts = agreeing_counts(city, level)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for row in counts:
        by_area.setdefault(row["area"], []).append(
            {"subject": row["subject"], "label": subject_label(row["subject"]), "wishes": row["wishes"]}
        )
    features = []
    if level == "zone":
        zone_level = primary_zone_level(city)
        zones = release.neighbourhoods.filter(level=zone_level, code__in=list(by_area)) if zone_level else []
        for zone in zones:
            features.append({
                "type": "Feature",
                "properties": {"area": zone.code, "name": zone.name, "subjects": by_area[zone.code]},
                "geometry": json.loads(zone.geom.simplify(0.0001, preserve_topology=True).geojson),
            })  # fmt: skip
    else:
        cells = {f["properties"]["id"]: f for f in wish_cells(release)["features"]}
        for cell, subjects in by_area.items():
            if cell in cells:
                props = cells[cell]["properties"]
                features.append({
                    "type": "Feature",
                    "properties": {"area": cell, "name": props["zone_name"] or cell, "subjects": subjects},
                    "geometry": cells[cell]["geometry"],
                })  # fmt: skip
    return {
        "type": "FeatureCollection",
        "properties": {
            "level": level, "threshold": wish_threshold(), "areas": len(features),
            "note": _(
                "An area shows wishes only where at least %(k)d approved wishes agree on the same subject, so that "
                "no single child or family can be recognised; areas with fewer show nothing."
            ) % {"k": wish_threshold()},
        },
        "features": features,
    }  # fmt: skip


def approved_wishes_by_area(city: City, level: str) -> dict[str, int]:
    """Every approved wish counted per area (``zone`` or ``cell``), whatever the subject: the siting demand's
    weights (planners see counts behind a login; the public view applies the threshold)."""
    field = _area_field(level)
    rows = (
        Wish.objects.filter(city=city, status=Wish.Status.APPROVED).exclude(**{field: ""})
        .values(field).annotate(n=Count("id")).order_by()
    )  # fmt: skip
    return {r[field]: r["n"] for r in rows}


def approved_wishes_by_zone_and_category(city: City, level: str) -> pd.DataFrame:
    """Approved wishes that name a kind of activity, counted per zone of ``level`` (rows) and category (columns):
    the missions' weights. Wishes naming a pillar are not counted here (a pillar spans several categories)."""
    rows = (
        Wish.objects.filter(city=city, status=Wish.Status.APPROVED).exclude(zone="").exclude(category="")
        .values("zone", "category").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    frame = pd.DataFrame.from_records(list(rows), columns=["zone", "category", "n"])
    return frame.pivot_table(index="zone", columns="category", values="n", aggfunc="sum", fill_value=0)
