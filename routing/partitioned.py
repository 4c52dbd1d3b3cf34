"""Travel-time tables too large to gather: each Dask task writes its part to a folder, the client reads them one by one.

A region's table (every origin to every opportunity within 30 minutes) can outgrow the client's memory. Here each
task takes a batch of *origins* that lie close together (:mod:`routing.area_batches`), computes every row of those
origins, exactly as the in-process job would (walking, or walk + transit never worse than walking), and writes them
to ``<folder>/part-<n>.parquet`` (columns ``from_index`` and ``to_index``, int32 indices into the origins and the
destinations, and ``travel_time``, float seconds). An origin's rows are all in one part, so the indicators of each
origin come from one part; the client holds one part at a time (:meth:`TravelTimeParts.tables`).

A part is written to a temporary name and renamed when complete, so a task retried after its worker died writes the
same part again and a reader never sees half a part. :meth:`TravelTimeParts.check` says which parts are missing or
short before anything is read: the database import (``geo.access``) stores a layer only when every part arrived.

The folder must be one that the workers and the client both see (one machine, or a shared volume on a cluster).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from data_sources.errors import VicinoError
from routing.area_batches import area_batches, reach_bound, seed_points, within_reach
from routing.distributed import (
    DEFAULT_RETRIES,
    Progress,
    chosen,
    compact_index,
    indexed,
    on_cluster,
    places_part,
    searchable,
    transit_batch,
)
from routing.network import Network
from routing.profiles import ADULT, WalkProfile
from routing.snapping import Locations
from routing.timetable import Timetable
from routing.travel_times import ids_column, search_side, walk_distances
from routing.walk_links import links_without_origins

if TYPE_CHECKING:
    from distributed import Client

#: Origins per part: a part of a region's table stays a few MB.
DEFAULT_PART_ORIGINS = 512
PART_COLUMNS = ["from_index", "to_index", "travel_time"]


class MissingPartsError(VicinoError, RuntimeError):
    """A partitioned job ended without every one of its parts: nothing of it may be stored."""


@dataclass(frozen=True)
class TransitSettings:
    """Walk + transit for a partitioned job: the timetable, the departures and the longest journey."""

    timetable: Timetable
    departures: np.ndarray
    max_trip_s: int


@dataclass(frozen=True)
class TravelTimeParts:
    """The parts of one table: where they are, how many rows each should hold, and the ids the indices point to."""

    folder: Path
    paths: tuple[Path, ...]
    rows: tuple[int, ...]
    origin_ids: np.ndarray
    destination_ids: np.ndarray

    @property
    def total_rows(self) -> int:
        return int(sum(self.rows))

    def check(self) -> None:
        """Raise :class:`MissingPartsError` naming every part that is missing or does not hold its rows."""
        import pyarrow.parquet as pq

        problems = []
        for path, rows in zip(self.paths, self.rows, strict=True):
            if not path.is_file():
                problems.append(f"{path.name} is missing")
            elif (found := pq.read_metadata(path).num_rows) != rows:
                problems.append(f"{path.name} holds {found} rows, not {rows}")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            hint = ""
            if len(problems) == len(self.paths) and not any(path.exists() for path in self.paths):
                hint = (
                    f". The workers wrote none here: {self.folder.parent} must be a folder they share with this "
                    "machine, at the same path (a shared volume)"
                )
            raise MissingPartsError(
                f"the job in {self.folder} did not deliver {len(problems)} of its {len(self.paths)} parts ({shown}): "
                f"nothing of it was stored{hint}"
            )

    def tables(self) -> Iterator[pd.DataFrame]:
        """Each part as a ``from_id, to_id, travel_time`` table (ids as in the places), after :meth:`check`."""
        self.check()
        for path in self.paths:
            part = pd.read_parquet(path)
            yield pd.DataFrame(
                {
                    "from_id": ids_column(self.origin_ids, part["from_index"].to_numpy()),
                    "to_id": ids_column(self.destination_ids, part["to_index"].to_numpy()),
                    "travel_time": part["travel_time"].to_numpy(),
                }
            )

    def empty_table(self) -> pd.DataFrame:
        """A ``from_id, to_id, travel_time`` table with no rows (for the origins that reach nothing)."""
        return pd.DataFrame({"from_id": self.origin_ids[:0], "to_id": self.destination_ids[:0], "travel_time": []})

    def remove(self) -> None:
        """Delete the parts and their folder (when it holds nothing else)."""
        for path in self.paths:
            if not path.is_dir():
                path.unlink(missing_ok=True)
        for leftover in self.folder.glob(".part-*"):
            leftover.unlink(missing_ok=True)
        if self.folder.is_dir() and not any(self.folder.iterdir()):
            self.folder.rmdir()


def _min_per_pair(o: np.ndarray, d: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((t, d, o))
    o, d, t = o[order], d[order], t[order]
    first = np.ones(len(o), dtype=bool)
    first[1:] = (o[1:] != o[:-1]) | (d[1:] != d[:-1])
    return o[first], d[first], t[first]


def _write_part(
    path: str,
    network: Network,
    walk: tuple[str, float, float],
    places: tuple[Locations, Locations, Locations | None],
    part: tuple[np.ndarray, ...],
    transit: tuple[Any, ...] | None,
) -> int:
    """Every row of one batch of origins, written to ``path``; returns the number of rows.

    ``places``: the job's broadcast origins, destinations and (for transit) stops; ``part``: the indices of the
    batch's origins, of the destinations within walking reach, and for transit of the stops and destinations within
    reach of an access or walk-only leg.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    side, max_metres, speed = walk
    all_origins, all_destinations, all_stops = places
    origins, destinations = places_part(all_origins, part[0]), places_part(all_destinations, part[1])
    o, d, metres = walk_distances(network, origins, destinations, max_metres, threads=1, search_from=side)
    o, d, seconds = origins.ids[o].astype(np.int64), destinations.ids[d].astype(np.int64), metres / speed
    if transit is not None:
        # As geo.access: the median walk + transit time, never worse than walking, within the cutoff.
        timetable, links, departures, options, sides, cutoff_s = transit
        assert all_stops is not None
        legs = (origins, places_part(all_stops, part[2]), places_part(all_destinations, part[3]))
        t_o, t_d, values = transit_batch(network, timetable, links, departures, options, sides, legs)
        o, d, seconds = _min_per_pair(
            np.concatenate([t_o.astype(np.int64), o]), np.concatenate([t_d.astype(np.int64), d]),
            np.concatenate([values[:, 0], seconds]),
        )  # fmt: skip
        keep = seconds <= cutoff_s
        o, d, seconds = o[keep], d[keep], seconds[keep]
    table = pa.table(
        {"from_index": compact_index(o), "to_index": compact_index(d), "travel_time": seconds.astype(np.float64)}
    )
    final = Path(path)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}")
    pq.write_table(table, temporary)
    temporary.replace(final)  # a part appears whole or not at all; a retried task replaces it
    return table.num_rows


def travel_time_parts_on_cluster(
    client: Client,
    folder: Path,
    network: Network,
    origins: Locations,
    destinations: Locations,
    cutoff_s: float,
    profile: WalkProfile = ADULT,
    *,
    transit: TransitSettings | None = None,
    batch: int = DEFAULT_PART_ORIGINS,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> TravelTimeParts:
    """The walking (or walk + transit) table of ``origins`` written in parts to ``folder`` by the cluster's workers.

    The rows are those of :func:`routing.travel_times.travel_times` (walking) or, with ``transit``, the per-pair
    minimum of :func:`routing.raptor.transit_travel_times`' median and walking, kept within ``cutoff_s`` (as
    ``geo.access`` combines them). Every origin is in exactly one part, also the origins that reach nothing.
    """
    folder.mkdir(parents=True, exist_ok=True)
    max_metres = profile.metres_in(cutoff_s) * (1 + 1e-12)  # as travel_times: a walk of exactly the cutoff counts
    walk = (search_side(len(origins), len(destinations)), max_metres, profile.speed_m_s)
    reach = reach_bound(network, max_metres)
    destination_points = seed_points(network, destinations)
    batches = area_batches(network, origins, batch)
    transit_parts: list[tuple[np.ndarray, np.ndarray]] = []
    shared_transit: list[Any] = []
    stops = None
    if transit is not None:
        links, stops = links_without_origins(
            network, transit.timetable, destinations, profile=profile, origin_ids=compact_index(np.empty(0, np.int64))
        )  # fmt: skip
        links = replace(links, destination_ids=compact_index(np.arange(len(destinations))))
        sides = (search_side(len(origins), len(stops)), search_side(len(origins), len(destinations)))
        leg_reach = reach_bound(network, links.max_walk_m)
        stop_points = seed_points(network, stops)
        options = {"percentiles": [50.0], "max_trip_s": transit.max_trip_s}
        shared_transit = [
            on_cluster(client, transit.timetable),
            *client.scatter([links, transit.departures, options], broadcast=True, hash=False),
        ]
        for index in batches:
            near_stops = within_reach(network, origins, index, stop_points, len(stops), leg_reach)
            near = within_reach(network, origins, index, destination_points, len(destinations), leg_reach)
            transit_parts.append((chosen(near_stops), chosen(near)))
    paths = [folder / f"part-{n:05d}.parquet" for n in range(len(batches))]
    shared_network, shared_places = None, None
    if batches:
        shared_network = on_cluster(client, network, searchable)
        shared_places = tuple(
            None if places is None else on_cluster(client, places, indexed) for places in (origins, destinations, stops)
        )
    inputs = []
    for n, index in enumerate(batches):
        near = within_reach(network, origins, index, destination_points, len(destinations), reach)
        legs = transit_parts[n] if transit is not None else (None, None)
        inputs.append((compact_index(index), chosen(near), *legs))
    settings = None
    if transit is not None:
        settings = (*shared_transit, sides, cutoff_s)
    futures = client.map(
        _write_part, [str(p) for p in paths], [shared_network] * len(paths), [walk] * len(paths),
        [shared_places] * len(paths), inputs, [settings] * len(paths), retries=retries, pure=False,
    )  # fmt: skip
    if progress is not None and futures:
        progress(futures)
    parts = TravelTimeParts(folder, tuple(paths), (), np.asarray(origins.ids), np.asarray(destinations.ids))
    try:
        rows = client.gather(futures) if futures else []
    except Exception as error:
        parts.remove()  # a failed job leaves no parts behind (a retried job starts in a new folder)
        raise MissingPartsError(
            f"the job in {folder} failed on the cluster ({type(error).__name__}: {error}): nothing of it was stored"
        ) from error
    return replace(parts, rows=tuple(int(r) for r in rows))


def new_job_folder(root: Path, name: str) -> Path:
    """A fresh folder for one job's parts under ``root`` (``<name>-<random>``)."""
    return root / f"{name}-{uuid.uuid4().hex[:12]}"
