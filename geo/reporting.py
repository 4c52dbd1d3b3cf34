"""Plain-text summaries printed by the management commands."""

from __future__ import annotations


def summary_table(counts: dict[str, dict[str, int]]) -> str:
    """A table of read / loaded / rejected (and merged, where a source merges rows) per source."""
    columns = ["read", "loaded", "merged", "rejected"]
    shown = [c for c in columns if c != "merged" or any(c in v for v in counts.values())]
    width = max([len("source"), *(len(name) for name in counts)])
    lines = ["source".ljust(width) + "".join(c.rjust(10) for c in shown)]
    lines.append("-" * len(lines[0]))
    for name, values in counts.items():
        lines.append(name.ljust(width) + "".join(str(values.get(c, 0)).rjust(10) for c in shown))
    totals = {c: sum(v.get(c, 0) for v in counts.values()) for c in shown}
    lines.append("-" * len(lines[0]))
    lines.append("total".ljust(width) + "".join(str(totals[c]).rjust(10) for c in shown))
    return "\n".join(lines)
