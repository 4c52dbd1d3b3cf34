"""When a release becomes the one a city serves (publishing).

The served release must always be complete: a new import (a new GTFS, a new catalogue) would otherwise be served
at once with none of the accessibility layers the planner and the downloads show. So a release is *published*
(status ``ready``; :meth:`City.current_release` returns the newest published one) only when it has every layer
the release served now has (same mode, profile and origin set). The first release of a city, or one replacing a
release without layers, is published as soon as it is loaded; any other stays ``loaded`` until
``compute_access`` has computed the missing layers, which publishes it. ``compute_access --publish`` publishes
it anyway (when a layer cannot be made any more, for example a city that lost its street network).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.models import DataRelease


@dataclass(frozen=True)
class Publication:
    """The outcome of trying to publish a release: whether it is served now, and the layers it still lacks."""

    release: DataRelease
    published: bool
    served: DataRelease | None
    missing: tuple[str, ...] = ()
    older: bool = False

    def message(self) -> str:
        """One sentence for the operator."""
        slug = self.release.city.slug
        if self.published:
            return f"Release {self.release.pk} is published: {self.release.city.name} now serves it."
        if self.older:
            return (
                f"Release {self.release.pk} (these inputs) was loaded before; {self.release.city.name} serves the "
                f"newer release {self.served.pk if self.served else '-'}."
            )
        shown = ", ".join(self.missing[:6]) + (f" and {len(self.missing) - 6} more" if len(self.missing) > 6 else "")
        modes = sorted({name.split("_", 1)[0] for name in self.missing})
        mode = "all" if len(modes) > 1 else modes[0]
        return (
            f"Release {self.release.pk} is loaded but not published: {self.release.city.name} still serves release "
            f"{self.served.pk if self.served else '-'}, which has {len(self.missing)} "
            f"layer{'s' if len(self.missing) != 1 else ''} this one lacks "
            f"({shown}). Run `python manage.py compute_access {slug} --mode {mode}` to compute them; it publishes "
            f"the release when they exist (or add --publish to publish it without them)."
        )


def layer_names(release: DataRelease) -> set[str]:
    """The names of a release's accessibility layers (``walk_age_11_13_nil`` ...)."""
    return {f"{m}_{p}_{o}" for m, p, o in release.access_layers.values_list("mode", "profile", "origin_kind")}


def publish_if_complete(release: DataRelease, *, force: bool = False) -> Publication:
    """Publish ``release`` when it has every layer of the served release (or when ``force``); say what it lacks."""
    served = release.city.current_release()
    if release.status == DataRelease.Status.READY and (served is None or served.pk == release.pk):
        return Publication(release, True, served)
    if served is not None and served.created > release.created and not force:
        return Publication(release, False, served, older=True)
    missing = tuple(sorted(layer_names(served) - layer_names(release))) if served is not None else ()
    if missing and not force:
        return Publication(release, False, served, missing)
    release.status = DataRelease.Status.READY
    release.save(update_fields=["status"])
    return Publication(release, True, served)
