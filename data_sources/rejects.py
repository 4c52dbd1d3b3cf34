"""The reject report: every input row either loads or lands here with its reason.

A report is a list of :class:`Reject` records, one per rejected row (or feature), naming the source file, the
row number as a person would count it (1 = first data row, after any header), the field at fault and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from data_sources.csv_safety import SafeDictWriter

REJECT_COLUMNS = ["source", "file", "row", "id", "field", "reason", "value"]


@dataclass(frozen=True, slots=True)
class Reject:
    """One rejected input row."""

    source: str
    file: str
    row: int | None
    field: str
    reason: str
    value: str = ""
    id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        return f"{where}, field {self.field!r}: {self.reason}" + (f" (value {self.value!r})" if self.value else "")


@dataclass(frozen=True, slots=True)
class SetAside:
    """One input row that was read, is not bad, and has no output row of its own.

    ``into`` is the id of the output row it was merged into (one street-sport area from its 12 monthly rows), or
    empty when the row simply carries no opportunity (a grid cell whose counts are all 0).
    """

    source: str
    file: str
    row: int | None
    reason: str
    into: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """A change made to a loaded row (clipped geometry, a tag dropped); the row itself still loads."""

    source: str
    file: str
    row: int | None
    id: str
    field: str
    message: str


@dataclass
class RejectReport:
    """Rejected rows of one or more sources, how many rows each source read, and rows set aside or changed.

    For every source: ``read = loaded + set aside + rejected`` (see :meth:`balance`).
    """

    rejects: list[Reject] = field(default_factory=list)
    read_counts: Counter[str] = field(default_factory=Counter)
    set_aside: list[SetAside] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def add(
        self,
        source: str,
        file: str | Path,
        row: int | None,
        field_name: str,
        reason: str,
        value: object = "",
        id: object = "",
    ) -> None:
        """Record one rejected row."""
        text = "" if value is None else str(value)
        self.rejects.append(
            Reject(source, Path(file).name, row, field_name, reason, text[:200], "" if id is None else str(id))
        )

    def add_set_aside(self, source: str, file: str | Path, row: int | None, reason: str, into: object = "") -> None:
        """Record one row read and set aside (merged into ``into``, or carrying no opportunity)."""
        self.set_aside.append(SetAside(source, Path(file).name, row, reason, "" if into is None else str(into)))

    def add_note(
        self, source: str, file: str | Path, row: int | None, id: object, field_name: str, message: str
    ) -> None:
        """Record a change made to a loaded row."""
        self.notes.append(Note(source, Path(file).name, row, str(id), field_name, message))

    def extend(self, other: RejectReport) -> None:
        """Merge another report into this one."""
        self.rejects.extend(other.rejects)
        self.read_counts.update(other.read_counts)
        self.set_aside.extend(other.set_aside)
        self.notes.extend(other.notes)

    @property
    def merged(self) -> Counter[str]:
        """Per source, the rows merged into another output row."""
        return Counter(s.source for s in self.set_aside if s.into)

    def set_aside_count(self, source: str | None = None) -> int:
        """Number of rows set aside (merged or carrying no opportunity), of one source or of all."""
        return sum(1 for s in self.set_aside if source is None or s.source == source)

    def balance(self, source: str, loaded: int) -> dict[str, int | bool]:
        """The accounting of one source: read, loaded, merged, set aside, rejected, and whether it adds up."""
        read = self.read_counts[source]
        set_aside = self.set_aside_count(source)
        rejected = self.rejected_count(source)
        return {
            "read": read,
            "loaded": loaded,
            "merged": self.merged[source],
            "set_aside": set_aside,
            "rejected": rejected,
            "balanced": read == loaded + set_aside + rejected,
        }

    def set_aside_frame(self) -> pd.DataFrame:
        """The set-aside rows as a DataFrame (source, file, row, reason, into)."""
        return pd.DataFrame([asdict(s) for s in self.set_aside], columns=["source", "file", "row", "reason", "into"])

    def notes_frame(self) -> pd.DataFrame:
        """The notes as a DataFrame (source, file, row, id, field, message)."""
        return pd.DataFrame(
            [asdict(n) for n in self.notes], columns=["source", "file", "row", "id", "field", "message"]
        )

    def rejected_count(self, source: str | None = None) -> int:
        """Number of rejected rows (of one source, or of all)."""
        if source is None:
            return len(self.rejects)
        return sum(1 for r in self.rejects if r.source == source)

    def __iter__(self) -> Iterator[Reject]:
        return iter(self.rejects)

    def __len__(self) -> int:
        return len(self.rejects)

    def to_frame(self) -> pd.DataFrame:
        """The rejects as a DataFrame with :data:`REJECT_COLUMNS`."""
        return pd.DataFrame([asdict(r) for r in self.rejects], columns=REJECT_COLUMNS)

    def to_csv(self, path: str | Path) -> Path:
        """Write the rejects as CSV (header always written, so an empty report is still a valid file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = SafeDictWriter(handle, fieldnames=REJECT_COLUMNS)
            writer.writeheader()
            for reject in self.rejects:
                writer.writerow(asdict(reject))
        return path


def reasons(rejects: Iterable[Reject]) -> list[str]:
    """The reasons of some rejects, in order (handy in tests and summaries)."""
    return [r.reason for r in rejects]
