"""Readers of per-zone indicators, by the name a city's TOML or context table gives them.

A reader takes the data folder and returns one row per zone (index = the zone code as a string, named after the
zone level) with one numeric column per indicator. A city names its reader in ``[vulnerability] reader`` and in
the ``reader`` column of its context table (``data_sources/context/*.csv``); a new city with new files adds its
reader module here and its name to :data:`ZONE_INDICATOR_READERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from data_sources.errors import ConfigError
from data_sources.milan_indicators import milan_vulnerability_components

ZoneIndicatorReader = Callable[[str | Path], pd.DataFrame]

#: Every reader by name.
ZONE_INDICATOR_READERS: dict[str, ZoneIndicatorReader] = {
    "milan_vulnerability_components": milan_vulnerability_components,
}


def zone_indicator_reader(name: str) -> ZoneIndicatorReader:
    """The reader called ``name``.

    Raises
    ------
    ConfigError
        No reader has that name (the message lists the known ones).
    """
    try:
        return ZONE_INDICATOR_READERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown zone indicator reader {name!r}; known: {', '.join(sorted(ZONE_INDICATOR_READERS))}"
        ) from None
