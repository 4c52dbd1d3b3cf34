"""The reject report: every input row either loads or lands here with its reason.

A report is a list of :class:`Reject` records, one per rejected row (or feature), naming the source file, the
row number as a person would count it (1 = first data row, after any header), the field at fault and why.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

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


@dataclass
class RejectReport:
    """Rejected rows of one or more sources, plus how many rows each source read."""

    rejects: list[Reject] = field(default_factory=list)
    read_counts: Counter[str] = field(default_factory=Counter)

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

    def extend(self, other: RejectReport) -> None:
        """Merge another report into this one."""
        self.rejects.extend(other.rejects)
        self.read_counts.update(other.read_counts)

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
            writer = csv.DictWriter(handle, fieldnames=REJECT_COLUMNS)
            writer.writeheader()
            for reject in self.rejects:
                writer.writerow(asdict(reject))
        return path


def reasons(rejects: Iterable[Reject]) -> list[str]:
    """The reasons of some rejects, in order (handy in tests and summaries)."""
    return [r.reason for r in rejects]
