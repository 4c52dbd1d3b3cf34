"""Service summaries (no trip times) turned into a frequency-based GTFS feed, and a real GTFS turned into them.

Milan's open data has no timetable, only ATM's *service summaries* for winter 2021-22
(``transit/atm_service_summary_2021_22/``, Comune di Milano ds532–ds539): per route variant its ordered stops, its
length ``lung_km`` and stop count ``num_ferm``; per variant and day type (L weekday, S Saturday, F holiday) its
first and last departure and its trips in the day, in the peak, the off-peak and the evening band. This module
holds one summary form, :class:`ServiceSummary`, and three functions:

- :func:`summary_from_atm_folder` reads ATM's eight ``;``-separated files into it (every row loads or lands in the
  reject report with its file, row and field);
- :func:`summary_from_gtfs` summarises a real GTFS feed into the same form (used to validate the method on Porto
  Alegre, where the true timetable is known);
- :func:`feed_from_summary` builds the GTFS-shaped feed that :func:`routing.timetable.timetable_from_feeds`
  reads: one template trip per variant and day type with estimated stop offsets, and ``frequencies`` windows.

The estimate, in the order the build makes it:

- **Run time** of a variant = ``length_km / speed_kmh`` for its mode's *commercial speed* (the speed including
  stops, as operators publish it; :data:`MILAN_COMMERCIAL_SPEEDS_KMH`). The stop offsets split it by the
  straight-line distance between consecutive stops (the stop count is ``num_ferm``, checked against the sequence).
- **Bands**: ATM does not publish the bands' hours. Fitting the zero / non-zero counts of the 1,149 rows with two
  trips or more against their
  service spans (``benchmarks/bench_atm_bands.py``) places two-hour bands at 07:00–09:00 (peak; 94 % of rows
  explained), 10:00–12:00 (off-peak; starts 09:45–10:15 explain as many, 86 %) and 22:30–00:30 (evening; 93 %).
  Two hours is also the length at which the off-peak band holds the day's average rate (1.04 × an even spread),
  the peak more (1.33 ×) and the evening less (0.78 ×), and it turns M5's 39 peak trips into a 3.1-minute headway,
  ATM's published order: :data:`DEFAULT_BANDS`, an assumption (one-hour bands are the alternative the validation
  tries).
- **Headways**: within each band (clipped to the variant's span ``first..last``), band trips / band length; the
  trips of the day not in any band are spread evenly over the rest of the span. A band count given for a band the
  span does not reach is added to the rest. Each piece becomes a frequencies window whose ``k``-th departure is
  ``start + k × headway``.
- **Day types** become services with calendar weekdays: L = Monday–Friday, S = Saturday, F = Sunday (holidays are
  not listed in the files, so none is removed), valid over :data:`ATM_WINTER_2021_22` (the school year: the
  winter timetable's exact dates are not in the files, an assumption).
- A time after midnight belongs to the same service day: a ``last`` earlier than ``first`` gets 24 h added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data_sources.errors import NoUsableRowsError, SourceFormatError, SourceNotFoundError
from data_sources.gtfs import WEEKDAYS, GtfsFeed, interpolate_stop_times, trips_on
from data_sources.rejects import RejectReport

__all__ = [
    "ATM_WINTER_2021_22",
    "DAY_TYPES",
    "DEFAULT_BANDS",
    "MILAN_COMMERCIAL_SPEEDS_KMH",
    "feed_from_atm_folder",
    "Band",
    "ServiceSummary",
    "commercial_speeds_kmh",
    "feed_from_summary",
    "summary_from_atm_folder",
    "summary_from_gtfs",
]

#: The day types of the summaries and the calendar weekdays each stands for (Monday = 0).
DAY_TYPES: dict[str, tuple[int, ...]] = {"L": (0, 1, 2, 3, 4), "S": (5,), "F": (6,)}

#: The validity assumed for ATM's winter 2021-22 timetable (the school year; the files give only "INV2021-2022").
ATM_WINTER_2021_22 = (dt.date(2021, 9, 13), dt.date(2022, 6, 8))

#: Commercial speeds (km/h, stops included) by mode. Assumptions, stated as such: metro 30 km/h (the order of the
#: figure ATM gives for its lines, 27–33 km/h); surface speeds as in the Comune di Milano's PUMS 2018 diagnosis
#: (bus about 14 km/h, tram and trolleybus about 12 km/h). Their effect is shown by the Porto Alegre validation.
MILAN_COMMERCIAL_SPEEDS_KMH: dict[str, float] = {"metro": 30.0, "tram": 12.0, "bus": 14.0, "filobus": 12.0}

_BAND_COLUMNS = ("trips_peak", "trips_offpeak", "trips_evening")


@dataclass(frozen=True)
class Band:
    """One time band of the summaries: its trip-count column and its hours (seconds since midnight)."""

    column: str
    start_s: int
    end_s: int


#: The bands derived from ATM's data (module docstring): two hours each.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("trips_peak", 7 * 3600, 9 * 3600),
    Band("trips_offpeak", 10 * 3600, 12 * 3600),
    Band("trips_evening", 22 * 3600 + 1800, 24 * 3600 + 1800),
)


@dataclass(eq=False)
class ServiceSummary:
    """A transit network as service summaries: what ATM publishes, and what :func:`summary_from_gtfs` makes.

    Attributes
    ----------
    name
        Short name (prefixes ids in the timetable).
    stops
        ``stop_id, stop_name, stop_lat, stop_lon``.
    variants
        ``variant_id, route_id, mode`` (metro, tram, bus, filobus or rail), ``length_km``, ``n_stops``.
    sequences
        ``variant_id, position, stop_id``, ordered by variant then position.
    services
        ``variant_id, day_type`` (L, S, F), ``first_s``, ``last_s`` (seconds since the service day's midnight;
        ``last_s >= first_s``), ``trips_day``, ``trips_peak``, ``trips_offpeak``, ``trips_evening``.
    period
        The timetable period the summaries describe (``INV2021-2022``).
    report
        Rows rejected while reading.
    """

    name: str
    stops: pd.DataFrame
    variants: pd.DataFrame
    sequences: pd.DataFrame
    services: pd.DataFrame
    period: str = ""
    report: RejectReport = field(default_factory=RejectReport)

    def summary(self) -> dict[str, int]:
        """Counts for logs and tests."""
        return {
            "stops": len(self.stops),
            "variants": len(self.variants),
            "sequence_rows": len(self.sequences),
            "service_rows": len(self.services),
            "trips_weekday": int(self.services.loc[self.services["day_type"] == "L", "trips_day"].sum()),
        }


# --------------------------------------------------------------------------------------------------------------
# Reading ATM's files
# --------------------------------------------------------------------------------------------------------------

_ATM_FILES = {
    "surface": ("tpl_fermate.csv", "tpl_percorsi.csv", "tpl_sequenza.csv", "tpl_orari.csv"),
    "metro": ("tpl_metrofermate.csv", "tpl_metropercorsi.csv", "tpl_metrosequenza.csv", "tpl_metroorari.csv"),
}
_MODES = {"BUS": "bus", "TRAM": "tram", "FILOBUS": "filobus", "METRO": "metro"}
_TIME = r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d)$"


def is_atm_summary_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder of ATM's service summaries (it holds ``tpl_percorsi.csv``)."""
    return Path(path).is_dir() and (Path(path) / "tpl_percorsi.csv").exists()


class _Reader:
    """Reads one ``;``-separated file, reporting each bad row once with its data row number (1 = first row)."""

    def __init__(self, folder: Path, file: str, source: str, report: RejectReport, required: tuple[str, ...]):
        self.file, self.source, self.report = file, source, report
        path = folder / file
        if not path.exists():
            raise SourceNotFoundError(f"{folder.name}/{file} is missing: ATM's summaries come as eight files")
        try:
            self.frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
        except UnicodeDecodeError as error:
            raise SourceFormatError(f"{folder.name}/{file} is not UTF-8 text ({error})") from None
        missing = [c for c in required if c not in self.frame.columns]
        if missing:
            raise SourceFormatError(f"{folder.name}/{file} lacks the column(s) {', '.join(missing)}")
        if self.frame.empty:
            raise NoUsableRowsError(f"{folder.name}/{file} has no data rows")
        self.frame = self.frame.apply(lambda c: c.str.strip())
        self.frame["_row"] = np.arange(1, len(self.frame) + 1)
        report.read_counts[source] += len(self.frame)

    def drop(self, frame: pd.DataFrame, bad: np.ndarray, column: str, reason: str, id_column: str) -> pd.DataFrame:
        for values in frame[bad].to_dict(orient="records"):
            self.report.add(
                self.source, self.file, int(values["_row"]), column, reason, values.get(column, ""), values[id_column]
            )
        return frame[~bad]

    def numbers(self, frame: pd.DataFrame, column: str, id_column: str, *, integer: bool = False) -> pd.DataFrame:
        values = pd.to_numeric(frame[column].str.replace(",", ".", regex=False), errors="coerce")
        bad = values.isna().to_numpy() | (values < 0).to_numpy()
        if integer:
            bad |= (values.fillna(0) % 1 != 0).to_numpy()
        frame = self.drop(frame, bad, column, "not a non-negative number" if not integer else "not a whole number",
                          id_column)  # fmt: skip
        return frame.assign(**{column: values[~bad].astype(int if integer else float).to_numpy()})


def _seconds(values: pd.Series) -> pd.Series:
    parts = values.str.extract(_TIME)
    return (parts["h"].astype(float) * 3600 + parts["m"].astype(float) * 60).where(parts["h"].notna())


def summary_from_atm_folder(path: str | Path, *, name: str | None = None) -> ServiceSummary:
    """Read ATM's service summaries (surface network and metro) from a folder of the eight ``tpl_*.csv`` files.

    Stop and variant ids are prefixed ``S`` (surface) and ``M`` (metro): the two sets of files number their own.

    Raises
    ------
    SourceNotFoundError
        The folder or one of the files is missing.
    SourceFormatError, NoUsableRowsError
        A file lacks a column, is not UTF-8, or has no rows left.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise SourceNotFoundError(f"ATM service summaries not found: {folder} is not a folder")
    report = RejectReport()
    stops, variants, sequences, services, periods = [], [], [], [], set()
    for network, (stops_file, variants_file, sequence_file, services_file) in _ATM_FILES.items():
        prefix = "M" if network == "metro" else "S"
        name_column = "nome" if network == "metro" else "ubicazione"
        r = _Reader(folder, stops_file, f"atm/{stops_file}", report, ("id_amat", name_column, "LONG_X_4326",
                                                                      "LAT_Y_4326"))  # fmt: skip
        frame = r.numbers(r.frame, "LONG_X_4326", "id_amat")
        frame = r.numbers(frame, "LAT_Y_4326", "id_amat")
        frame = r.drop(frame, frame["id_amat"].duplicated().to_numpy(), "id_amat", "duplicate stop id", "id_amat")
        stops.append(pd.DataFrame({"stop_id": prefix + frame["id_amat"], "stop_name": frame[name_column],
                                   "stop_lat": frame["LAT_Y_4326"], "stop_lon": frame["LONG_X_4326"]}))  # fmt: skip
        known_stops = set(frame["id_amat"])

        r = _Reader(folder, variants_file, f"atm/{variants_file}", report, ("linea", "mezzo", "percorso", "lung_km",
                                                                            "num_ferm"))  # fmt: skip
        frame = r.drop(r.frame, ~r.frame["mezzo"].isin(list(_MODES)).to_numpy(), "mezzo", "unknown mode", "percorso")
        frame = r.numbers(frame, "lung_km", "percorso")
        frame = r.numbers(frame, "num_ferm", "percorso", integer=True)
        frame = r.drop(frame, frame["percorso"].duplicated().to_numpy(), "percorso", "duplicate variant", "percorso")

        s = _Reader(folder, sequence_file, f"atm/{sequence_file}", report, ("percorso", "num", "id_ferm"))
        seq = s.numbers(s.frame, "num", "percorso", integer=True)
        seq = s.drop(seq, ~seq["percorso"].isin(set(frame["percorso"])).to_numpy(), "percorso",
                     f"variant not in {variants_file}", "percorso")  # fmt: skip
        seq = s.drop(seq, ~seq["id_ferm"].isin(known_stops).to_numpy(), "id_ferm", f"stop not in {stops_file}",
                     "percorso")  # fmt: skip
        seq = s.drop(seq, seq.duplicated(["percorso", "num"]).to_numpy(), "num", "position repeated", "percorso")
        counts = seq.groupby("percorso").size()
        frame = r.drop(frame, ~frame["percorso"].isin(counts[counts >= 2].index).to_numpy(), "percorso",
                       "fewer than two stops in the sequence", "percorso")  # fmt: skip
        seq = seq[seq["percorso"].isin(set(frame["percorso"]))].sort_values(["percorso", "num"])
        differs = frame["num_ferm"].to_numpy() != counts.reindex(frame["percorso"]).to_numpy()
        for row in frame[differs].to_dict(orient="records"):
            message = f"{row['num_ferm']} stops stated, {counts[row['percorso']]} in {sequence_file}: sequence used"
            report.add_note(r.source, r.file, int(row["_row"]), row["percorso"], "num_ferm", message)
        variants.append(pd.DataFrame({"variant_id": prefix + frame["percorso"], "route_id": prefix + frame["linea"],
                                      "mode": frame["mezzo"].map(_MODES), "length_km": frame["lung_km"],
                                      "n_stops": counts.reindex(frame["percorso"]).to_numpy()}))  # fmt: skip
        sequences.append(pd.DataFrame({"variant_id": prefix + seq["percorso"],
                                       "position": seq.groupby("percorso").cumcount().to_numpy(),
                                       "stop_id": prefix + seq["id_ferm"]}))  # fmt: skip

        o = _Reader(folder, services_file, f"atm/{services_file}", report, ("percorso", "tipo_giorno", "inizio",
                    "fine", "corse_gior", "corse_punt", "corse_morb", "corse_sera"))  # fmt: skip
        rows = o.drop(o.frame, ~o.frame["percorso"].isin(set(frame["percorso"])).to_numpy(), "percorso",
                      f"variant not usable in {variants_file}", "percorso")  # fmt: skip
        rows = o.drop(rows, ~rows["tipo_giorno"].isin(list(DAY_TYPES)).to_numpy(), "tipo_giorno",
                      "day type is not L, S or F", "percorso")  # fmt: skip
        for column in ("inizio", "fine"):
            seconds = _seconds(rows[column])
            rows = o.drop(rows, seconds.isna().to_numpy(), column, "not a time HH:MM", "percorso")
            rows = rows.assign(**{column: seconds.dropna().astype(int).to_numpy()})
        for column in ("corse_gior", "corse_punt", "corse_morb", "corse_sera"):
            rows = o.numbers(rows, column, "percorso", integer=True)
        rows = o.drop(rows, (rows["corse_gior"] < 1).to_numpy(), "corse_gior", "no trips in the day", "percorso")
        band_sum = rows["corse_punt"] + rows["corse_morb"] + rows["corse_sera"]
        rows = o.drop(rows, (band_sum > rows["corse_gior"]).to_numpy(), "corse_gior",
                      "fewer trips in the day than in its bands", "percorso")  # fmt: skip
        rows = o.drop(rows, rows.duplicated(["percorso", "tipo_giorno"]).to_numpy(), "tipo_giorno",
                      "variant and day type repeated", "percorso")  # fmt: skip
        if "orario" in rows.columns:
            periods |= set(rows["orario"])
        last = np.where(rows["fine"] < rows["inizio"], rows["fine"] + 86_400, rows["fine"])
        services.append(pd.DataFrame({"variant_id": prefix + rows["percorso"], "day_type": rows["tipo_giorno"],
                                      "first_s": rows["inizio"].to_numpy(), "last_s": last,
                                      "trips_day": rows["corse_gior"].to_numpy(),
                                      "trips_peak": rows["corse_punt"].to_numpy(),
                                      "trips_offpeak": rows["corse_morb"].to_numpy(),
                                      "trips_evening": rows["corse_sera"].to_numpy()}))  # fmt: skip
    return ServiceSummary(
        name=name or folder.name,
        stops=pd.concat(stops, ignore_index=True),
        variants=pd.concat(variants, ignore_index=True),
        sequences=pd.concat(sequences, ignore_index=True),
        services=pd.concat(services, ignore_index=True),
        period=", ".join(sorted(periods)),
        report=report,
    )


# --------------------------------------------------------------------------------------------------------------
# Summarising a real GTFS feed
# --------------------------------------------------------------------------------------------------------------

_GTFS_MODES = {"0": "tram", "1": "metro", "2": "rail", "3": "bus", "11": "filobus"}


def _metres_along(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cumulative great-circle distance along consecutive points (metres, 0 at the first)."""
    phi1, phi2 = np.radians(lat[:-1]), np.radians(lat[1:])
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon[1:] - lon[:-1]) / 2) ** 2
    return np.concatenate([[0.0], np.cumsum(2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0, 1))))])


def summary_from_gtfs(
    feed: GtfsFeed, dates: Mapping[str, dt.date], *, bands: tuple[Band, ...] = DEFAULT_BANDS
) -> ServiceSummary:
    """Summarise a real GTFS feed into ATM's form: variants, day types, first / last, trips per band, length.

    A variant is a route's stop sequence; a day type's trips are those running on its date in ``dates``
    (``{"L": a Wednesday, ...}``). A trip counts in a band when its first departure falls in ``[start, end)``; its
    length is the great-circle distance along its stops (the module's offsets use the same measure).
    """
    timed = interpolate_stop_times(feed).sort_values(["trip_id", "stop_sequence"], kind="stable")
    by_trip = timed.groupby("trip_id", sort=False)
    sequence_of = by_trip["stop_id"].agg(tuple)
    first_departure = by_trip["departure_time"].first().astype(int)
    route_of = feed.trips.set_index("trip_id")["route_id"]
    keys = pd.DataFrame({"route_id": route_of.reindex(sequence_of.index).to_numpy(), "sequence": sequence_of.values},
                        index=sequence_of.index)  # fmt: skip
    pairs = zip(keys["route_id"], keys["sequence"], strict=True)
    variant_codes = {key: f"{key[0]}~{i}" for i, key in enumerate(dict.fromkeys(pairs))}
    keys["variant_id"] = [variant_codes[(r, s)] for r, s in zip(keys["route_id"], keys["sequence"], strict=True)]
    coordinates = feed.stops.set_index("stop_id")[["stop_lat", "stop_lon"]]
    route_type = feed.routes.set_index("route_id")["route_type"] if "route_type" in feed.routes else pd.Series()
    variants, sequences = [], []
    for (route, sequence), variant in variant_codes.items():
        located = coordinates.reindex(list(sequence))
        metres = _metres_along(located["stop_lat"].to_numpy(float), located["stop_lon"].to_numpy(float))
        variants.append((variant, route, _GTFS_MODES.get(str(route_type.get(route, "3")), "bus"), metres[-1] / 1000,
                         len(sequence)))  # fmt: skip
        sequences.extend((variant, i, stop) for i, stop in enumerate(sequence))
    services = []
    for day_type, date in dates.items():
        running = keys[keys.index.isin(trips_on(feed, date)["trip_id"])].assign(first=first_departure)
        running = running[running.index.isin(first_departure.index)]
        for variant, group in running.groupby("variant_id", sort=False):
            starts = group["first"].to_numpy()
            counts = {b.column: int(((starts >= b.start_s) & (starts < b.end_s)).sum()) for b in bands}
            services.append({"variant_id": variant, "day_type": day_type, "first_s": int(starts.min()),
                             "last_s": int(starts.max()), "trips_day": len(starts)} | counts)  # fmt: skip
    service_frame = pd.DataFrame(services, columns=["variant_id", "day_type", "first_s", "last_s", "trips_day",
                                                    *_BAND_COLUMNS])  # fmt: skip
    for column in _BAND_COLUMNS:
        service_frame[column] = service_frame[column].fillna(0).astype(int)
    used = set(service_frame["variant_id"])
    variant_frame = pd.DataFrame(variants, columns=["variant_id", "route_id", "mode", "length_km", "n_stops"])
    sequence_frame = pd.DataFrame(sequences, columns=["variant_id", "position", "stop_id"])
    stops = feed.stops[["stop_id", "stop_lat", "stop_lon"]].assign(stop_name=feed.stops.get("stop_name", ""))
    return ServiceSummary(
        name=feed.name,
        stops=stops[["stop_id", "stop_name", "stop_lat", "stop_lon"]],
        variants=variant_frame[variant_frame["variant_id"].isin(used)].reset_index(drop=True),
        sequences=sequence_frame[sequence_frame["variant_id"].isin(used)].reset_index(drop=True),
        services=service_frame,
        period=f"summary of {feed.name}",
    )


def commercial_speeds_kmh(feeds: list[GtfsFeed], summaries: list[ServiceSummary], date: dt.date) -> dict[str, float]:
    """Each mode's commercial speed on real feeds: trip-kilometres / trip-hours on ``date`` (lengths as summarised).

    The analogue of the network-wide figure an operator publishes, measured where the timetable is known.
    """
    km: dict[str, float] = {}
    hours: dict[str, float] = {}
    for feed, summary in zip(feeds, summaries, strict=True):
        timed = interpolate_stop_times(feed)
        timed = timed[timed["trip_id"].isin(trips_on(feed, date)["trip_id"])]
        run_s = timed.groupby("trip_id")["departure_time"].agg(lambda t: t.max() - t.min()).astype(float)
        services = summary.services.join(summary.variants.set_index("variant_id"), on="variant_id")
        for mode, rows in services.groupby("mode"):
            km[mode] = km.get(mode, 0.0) + float((rows["trips_day"] * rows["length_km"]).sum())
        mode_of_route = summary.variants.drop_duplicates("route_id").set_index("route_id")["mode"]
        route_of_trip = feed.trips.set_index("trip_id")["route_id"]
        modes = mode_of_route.reindex(route_of_trip.reindex(run_s.index).to_numpy()).to_numpy()
        for mode in set(modes) - {np.nan}:
            hours[mode] = hours.get(mode, 0.0) + float(run_s[modes == mode].sum()) / 3600
    return {mode: round(km[mode] / hours[mode], 2) for mode in km if hours.get(mode)}


# --------------------------------------------------------------------------------------------------------------
# Building the frequency feed
# --------------------------------------------------------------------------------------------------------------


def headway_windows(
    first_s: int, last_s: int, trips_day: int, band_trips: Mapping[str, int], bands: tuple[Band, ...] = DEFAULT_BANDS
) -> list[tuple[int, int, int]]:
    """The frequency windows ``(start_s, end_s, headway_s)`` of one variant on one day type.

    Each band clipped to ``first_s..last_s`` gets its trips at ``length / trips``; the other trips of the day are
    spread over the rest of the span, pieces getting trips in proportion to their length (largest remainders).
    A window's ``end_s`` is ``start_s + trips × headway_s``, so that expanding it gives exactly its trips. A single
    trip in the day departs at ``first_s``.
    """
    if trips_day <= 1 or last_s <= first_s:
        return [(first_s, first_s + 60, 60)]
    span_end = last_s + 1  # the last departure is inside the span
    windows: list[tuple[int, int, int]] = []
    rest_trips = trips_day
    covered: list[tuple[int, int]] = []
    for band in bands:
        # A band may also be met a day later (the evening band by a span past midnight).
        for shift in (0, 86_400):
            start, end = max(first_s, band.start_s + shift), min(span_end, band.end_s + shift)
            n = int(band_trips.get(band.column, 0))
            if end > start and n > 0:
                windows.append((start, end, n))
                covered.append((start, end))
                rest_trips -= n
                break
    pieces = []
    cursor = first_s
    for start, end in sorted(covered):
        if start > cursor:
            pieces.append((cursor, start))
        cursor = max(cursor, end)
    if span_end > cursor:
        pieces.append((cursor, span_end))
    if rest_trips > 0 and pieces:
        lengths = np.array([b - a for a, b in pieces], dtype=float)
        share = rest_trips * lengths / lengths.sum()
        counts = np.floor(share).astype(int)
        for i in np.argsort(-(share - counts), kind="stable")[: rest_trips - counts.sum()]:
            counts[i] += 1
        windows.extend((a, b, int(n)) for (a, b), n in zip(pieces, counts, strict=True) if n > 0)
    result = []
    for start, end, n in sorted(windows):
        headway = max(1, round((end - start) / n))
        result.append((start, start + n * headway, headway))
    return result


def _stop_offsets(summary: ServiceSummary, speeds_kmh: Mapping[str, float]) -> pd.DataFrame:
    """``variant_id, position, stop_id, offset_s``: run time length / speed split by distance between stops."""
    sequences = summary.sequences.sort_values(["variant_id", "position"], kind="stable")
    located = summary.stops.set_index("stop_id").reindex(sequences["stop_id"].to_numpy())
    variants = summary.variants.set_index("variant_id")
    unknown = sorted(set(variants["mode"]) - set(speeds_kmh))
    if unknown:
        raise SourceFormatError(f"{summary.name}: no commercial speed for mode(s) {', '.join(unknown)}")
    frames = []
    for variant, rows in sequences.groupby("variant_id", sort=False):
        index = np.flatnonzero(sequences["variant_id"].to_numpy() == variant)
        metres = _metres_along(located["stop_lat"].to_numpy(float)[index], located["stop_lon"].to_numpy(float)[index])
        fraction = metres / metres[-1] if metres[-1] > 0 else np.linspace(0, 1, len(metres))
        row = variants.loc[variant]
        run_s = float(row["length_km"]) / speeds_kmh[row["mode"]] * 3600
        frames.append(rows.assign(offset_s=np.rint(fraction * run_s).astype(np.int64)))
    return pd.concat(frames, ignore_index=True)


def feed_from_summary(
    summary: ServiceSummary,
    speeds_kmh: Mapping[str, float],
    *,
    bands: tuple[Band, ...] = DEFAULT_BANDS,
    validity: tuple[dt.date, dt.date] = ATM_WINTER_2021_22,
    name: str | None = None,
) -> GtfsFeed:
    """The GTFS-shaped feed of a service summary: template trips with estimated times, and frequencies.

    One trip per variant and day type (``<variant>/<day type>``, service = the day type), calling at the variant's
    stops at the offsets of the run time (``length_km / speeds_kmh[mode]``, split by distance), with the windows
    of :func:`headway_windows`. ``validity`` bounds the calendar; dates of the summary's day types
    (L Monday–Friday, S Saturday, F Sunday) inside it run.
    """
    offsets = _stop_offsets(summary, speeds_kmh)
    services = summary.services.merge(summary.variants[["variant_id", "route_id"]], on="variant_id")
    services = services.assign(trip_id=services["variant_id"] + "/" + services["day_type"])
    stop_times = services[["variant_id", "trip_id"]].merge(offsets, on="variant_id")
    stop_times = pd.DataFrame(
        {
            "trip_id": stop_times["trip_id"],
            "arrival_time": (stop_times["offset_s"] + 0).astype("Int64"),
            "departure_time": stop_times["offset_s"].astype("Int64"),
            "stop_id": stop_times["stop_id"],
            "stop_sequence": stop_times["position"].astype(int),
        }
    ).sort_values(["trip_id", "stop_sequence"], ignore_index=True)
    frequencies = []
    for row in services.itertuples(index=False):
        counts = {band.column: getattr(row, band.column) for band in bands}
        for start, end, headway in headway_windows(row.first_s, row.last_s, row.trips_day, counts, bands):
            frequencies.append((row.trip_id, start, end, headway, 0))
    calendar = pd.DataFrame(
        [
            {"service_id": day_type, **{w: i in weekdays for i, w in enumerate(WEEKDAYS)},
             "start_date": pd.Timestamp(validity[0]), "end_date": pd.Timestamp(validity[1])}
            for day_type, weekdays in DAY_TYPES.items()
        ]
    )  # fmt: skip
    routes = summary.variants.drop_duplicates("route_id")
    return GtfsFeed(
        name=name or summary.name,
        path=Path(summary.name),
        agency=pd.DataFrame(columns=["agency_name"]),
        stops=summary.stops.reset_index(drop=True),
        routes=pd.DataFrame({"route_id": routes["route_id"], "route_type": routes["mode"]}),
        trips=pd.DataFrame(
            {"route_id": services["route_id"], "service_id": services["day_type"], "trip_id": services["trip_id"]}
        ),
        stop_times=stop_times,
        calendar=calendar,
        calendar_dates=pd.DataFrame(
            {
                "service_id": pd.Series([], dtype=object),
                "date": pd.Series([], dtype="datetime64[ns]"),
                "exception_type": pd.Series([], dtype=int),
            }
        ),  # fmt: skip
        frequencies=pd.DataFrame(
            frequencies, columns=["trip_id", "start_time", "end_time", "headway_secs", "exact_times"]
        ),  # fmt: skip
        shapes=pd.DataFrame(columns=["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]),
        report=summary.report,
    )


def feed_from_atm_folder(path: str | Path, *, name: str | None = None) -> GtfsFeed:
    """ATM's service summaries in ``path`` as a frequency feed at Milan's commercial speeds.

    The one entry point of ``reader = "atm_summary"``: :func:`summary_from_atm_folder` then
    :func:`feed_from_summary` with :data:`MILAN_COMMERCIAL_SPEEDS_KMH`, so no caller outside this reader knows the
    speeds.
    """
    return feed_from_summary(summary_from_atm_folder(path, name=name), MILAN_COMMERCIAL_SPEEDS_KMH, name=name)
