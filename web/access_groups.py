"""The groups of data that ``VICINO_PUBLIC_DATA`` opens to everyone (see :mod:`web.access`; plain data, so
that the settings can check the variable)."""

from __future__ import annotations

#: The groups of data, and what each one holds (pages and API endpoints).
GROUPS: dict[str, str] = {
    "cities": "city list and detail, base maps",
    "families": "family page; reachable opportunities, isochrones, routes and place search from a point",
    "schools": "schools page; school list and what a school's pupils reach (JSON and CSV)",
    "neighbourhoods": "indicators of official neighbourhoods (NIL, municipi) for youth",
    "grid": "indicators of fine areas: H3 cells and census sections",
    "layers": "analysts' page; layer list and downloads (GeoPackage, GeoJSON, CSV, GeoParquet), vector tiles",
    "planner": "planner page; hub-siting scenarios and their exports",
}
#: Open data by default: what families and schools need, and official neighbourhood aggregates.
DEFAULT_PUBLIC = ("cities", "families", "schools", "neighbourhoods")
#: Levels of ``/neighbourhoods`` that are fine areas (the ``grid`` group).
FINE_LEVELS = frozenset({"h3", "census_section"})
