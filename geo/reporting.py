"""Plain-text summaries printed by the management commands."""

from __future__ import annotations

from typing import Any

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


def write_release_outcome(command: Any, city_name: str, result: Any) -> None:
    """What a management command that imported a release prints after the summary table: the release created or
    unchanged, then whether it was published (both the same for ``load_city`` and ``import_opportunities``)."""
    state = "created" if result.created else "unchanged"
    command.stdout.write(command.style.SUCCESS(f"{city_name}: release {result.release.pk} {state}."))
    if result.publication is not None:
        style = command.style.SUCCESS if result.publication.published else command.style.WARNING
        command.stdout.write(style(result.publication.message()))
