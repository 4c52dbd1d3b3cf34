"""Readers of per-zone indicators, by the name a city's TOML or context table gives them.

A reader takes the data folder and returns one row per zone (index = the zone code as a string, named after the
zone level) with one numeric column per indicator. A city names its reader in ``[vulnerability] reader`` and in
the ``reader`` column of its context table (``data_sources/context/*.csv``); a new city with new files writes a
reader module with a ``ZONE_INDICATOR_READERS`` table and names the module in its TOML's ``[city] reader_modules``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from data_sources.cities import shipped_reader_modules
from data_sources.errors import ConfigError

ZoneIndicatorReader = Callable[[str | Path], pd.DataFrame]


def zone_indicator_readers() -> dict[str, ZoneIndicatorReader]:
    """Every reader by name: the ``ZONE_INDICATOR_READERS`` of the shipped cities' reader modules."""
    readers: dict[str, ZoneIndicatorReader] = {}
    for module in shipped_reader_modules():
        readers |= getattr(module, "ZONE_INDICATOR_READERS", {})
    return readers


def zone_indicator_reader(name: str) -> ZoneIndicatorReader:
    """The reader called ``name``.

    Raises
    ------
    ConfigError
        No reader has that name (the message lists the known ones).
    """
    readers = zone_indicator_readers()
    try:
        return readers[name]
    except KeyError:
        raise ConfigError(f"unknown zone indicator reader {name!r}; known: {', '.join(sorted(readers))}") from None
