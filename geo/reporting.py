"""Plain-text summaries printed by the management commands."""

from __future__ import annotations

COLUMNS = ["read", "loaded", "set_aside", "rejected"]


def summary_table(counts: dict[str, dict[str, int]]) -> str:
    """A table of read / loaded / set aside / rejected per input, with totals; set aside only when used.

    Every line adds up: ``read = loaded + set_aside + rejected``; set-aside rows were merged into another row (a
    street-sport area from its monthly rows) or carry nothing to load (a grid cell with no school).
    """
    shown = [c for c in COLUMNS if c != "set_aside" or any(v.get(c) for v in counts.values())]
    width = max([len("source"), *(len(name) for name in counts)])
    header = "source".ljust(width) + "".join(c.replace("_", " ").rjust(11) for c in shown)
    lines = [header, "-" * len(header)]
    for name, values in counts.items():
        lines.append(name.ljust(width) + "".join(str(values.get(c, 0)).rjust(11) for c in shown))
    lines.append("-" * len(header))
    lines.append(
        "total".ljust(width) + "".join(str(sum(v.get(c, 0) for v in counts.values())).rjust(11) for c in shown)
    )
    return "\n".join(lines)
