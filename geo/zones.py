"""A city's zone levels, from its TOML (``[zones]``): which levels it has, which is primary, their labels.

Generic code asks here instead of naming a city's levels (``"nil"``, ``"municipio"``): a new city declares its
levels in ``data_sources/cities/<slug>.toml`` and needs no code.
"""

from __future__ import annotations

from data_sources.cities import CityConfig, city_config_from_slug
from data_sources.errors import ConfigError
from geo.models import City

#: Population units that are not administrative zones, after the city's own levels in the display order.
UNIT_LEVELS = ("h3", "census_section")


def city_config(city: City) -> CityConfig | None:
    """The city's TOML configuration, or None for a city loaded without one."""
    try:
        return city_config_from_slug(city.slug)
    except ConfigError:
        return None


def primary_zone_level(city: City) -> str:
    """The zone level of the city's gap, vulnerability and mission tables (``[zones] primary``; ``""`` = none)."""
    config = city_config(city)
    return config.zones.primary if config is not None else ""


def zone_level_order(city: City) -> list[str]:
    """The city's zone levels, finest first, then the population units (``h3``, ``census_section``)."""
    config = city_config(city)
    levels = list(config.zones.levels) if config is not None else []
    return levels + [level for level in UNIT_LEVELS if level not in levels]
