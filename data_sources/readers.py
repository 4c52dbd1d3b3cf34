"""The registry of source readers a city's TOML can name: ``reader = "<name>"`` → one function.

``geo`` looks a source's reader up here (:func:`reader_named`) and stores what it returns; it never imports a
reader module by a name taken from a file. Every reader takes a path and returns ``(frame, report)``: the rows
of its kind's contract (:data:`~data_sources.contracts.OPPORTUNITY_COLUMNS` or
:data:`~data_sources.contracts.SCHOOL_COLUMNS`) and a :class:`~data_sources.validation.SourceReport`.

============================== ============= ====================================================================
name (the TOML's ``reader``)   kind          module
============================== ============= ====================================================================
``opportunities_from_parks``   opportunities :mod:`data_sources.osm_opportunities` (needs the boundary)
``schools_from_file``          schools       :mod:`data_sources.schools` (Vicino's format; default)
(a city's own formats)         either        the ``READERS`` table of a module the city's TOML names in
                                             ``[city] reader_modules``
============================== ============= ====================================================================

A new reader is one function in the module of its source family and one line in that module's ``READERS``
(here for a generic format).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from data_sources import osm_opportunities, schools
from data_sources.cities import reader_module, shipped_reader_modules
from data_sources.errors import ConfigError
from data_sources.place_names import PlaceNamer
from data_sources.validation import Area

__all__ = ["GENERIC_READERS", "Reader", "reader_named", "registered_readers"]


@dataclass(frozen=True)
class Reader:
    """One registered reader.

    Attributes
    ----------
    read
        The function: ``read(path, *, boundary, source, ...) -> (frame, report)``.
    kind
        The source kind whose contract it returns (``"opportunities"`` or ``"schools"``).
    options
        The source's TOML options passed on to it as keyword arguments (e.g. ``level``).
    needs_boundary
        Whether it cannot read without the city boundary (it clips to it).
    """

    read: Callable[..., tuple[gpd.GeoDataFrame, Any]]
    kind: str
    options: tuple[str, ...] = ()
    needs_boundary: bool = False

    def __call__(
        self,
        path: Path,
        *,
        boundary: Area | None,
        source: str,
        namer: PlaceNamer | None = None,
        same_places: gpd.GeoDataFrame | None = None,
        options: Mapping[str, object] | None = None,
    ) -> tuple[gpd.GeoDataFrame, Any]:
        """Read ``path``: the namer is passed to readers that name places, ``same_places`` to those that take it.

        Raises
        ------
        ConfigError
            If ``same_places`` is given to a reader that does not take it, or the boundary a reader needs is
            missing.
        """
        parameters = inspect.signature(self.read).parameters
        extra: dict[str, Any] = {k: v for k, v in (options or {}).items() if k in self.options}
        if namer is not None and "namer" in parameters:
            extra["namer"] = namer
        if same_places is not None:
            if "same_places" not in parameters:
                raise ConfigError(f"source {source!r}: reader {self.read.__name__} takes no same_places_as")
            extra["same_places"] = same_places
        if self.needs_boundary:
            if boundary is None:
                raise ConfigError(f"source {source!r}: reader {self.read.__name__} needs the city boundary")
            return self.read(path, boundary, source=source, **extra)
        return self.read(path, boundary=boundary, source=source, **extra)


#: The readers any city's TOML may name, by name (see the module docstring); a city's own formats are read by
#: its ``reader_modules`` (``[city]`` in its TOML), each with a ``READERS`` table of the same shape.
GENERIC_READERS: dict[str, Reader] = {
    "opportunities_from_parks": Reader(
        osm_opportunities.opportunities_from_parks, "opportunities", needs_boundary=True
    ),
    "schools_from_file": Reader(schools.schools_from_file, "schools"),
}


def registered_readers(modules: tuple[str, ...] = ()) -> dict[str, Reader]:
    """Every reader by name: the generic ones, those of the shipped cities' reader modules, and those of
    ``modules`` (the reader modules of a city TOML outside ``data_sources/cities``).

    Raises
    ------
    ConfigError
        If a reader module does not exist, or two modules register one name.
    """
    readers = dict(GENERIC_READERS)
    for module in (*shipped_reader_modules(), *(reader_module(name) for name in modules)):
        for name, reader in getattr(module, "READERS", {}).items():
            if readers.setdefault(name, reader) is not reader:
                raise ConfigError(f"reader {name!r} is registered twice (again in {module.__name__})")
    return readers


def reader_named(name: str, kind: str, *, where: str, modules: tuple[str, ...] = ()) -> Reader:
    """The registered reader ``name`` of a source of ``kind``.

    Parameters
    ----------
    name
        The TOML's ``reader`` value.
    kind
        The source's kind; the reader must return that kind's contract.
    where
        Names the configuration and source in the error (``"<city>.toml: source 'pools'"``).
    modules
        The city's ``reader_modules`` (needed only for a TOML outside ``data_sources/cities``).

    Raises
    ------
    ConfigError
        If no reader has that name, or it reads another kind of source.
    """
    readers = registered_readers(modules)
    reader = readers.get(name)
    if reader is None:
        known = ", ".join(sorted(k for k, r in readers.items() if r.kind == kind))
        raise ConfigError(f"{where} names an unknown reader {name!r} (known {kind} readers: {known})")
    if reader.kind != kind:
        raise ConfigError(f"{where} names reader {name!r}, which reads {reader.kind}, not {kind}")
    return reader
