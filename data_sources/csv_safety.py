"""CSV cells that a spreadsheet will never run as a formula (OWASP "CSV Injection").

Every CSV Vicino writes passes its text cells through :func:`safe_cell` (or a frame through :func:`safe_frame`):
a name such as ``=HYPERLINK("http://evil","click")`` from a catalogue or OSM is written as
``'=HYPERLINK(...)``, which Excel, LibreOffice and Google Sheets show as text. Numbers stay numbers: a negative
number (a float, or a text cell that is only a number such as ``-12.5``) is left alone, since a spreadsheet reads it
as a number, not a formula. This module lives in ``data_sources`` because reject reports are written here too;
``layers`` and ``geo`` use it from here.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

import pandas as pd

#: First characters that make a spreadsheet evaluate a cell (OWASP): = + - @, tab and carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run as a formula: then prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe; numeric columns are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(safe_cell)
    safe.columns = [safe_cell(column) for column in safe.columns]
    return safe


class SafeDictWriter(csv.DictWriter):
    """:class:`csv.DictWriter` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, handle: TextIO, fieldnames: list[str], **kwargs: Any) -> None:
        super().__init__(handle, fieldnames=fieldnames, **kwargs)

    def writerow(self, rowdict: dict[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})
