"""Publishing the approved offerings: a new release of the city with its layers, made in a background thread.

A moderator's "publish" writes the approved offerings as a catalogue file under ``VICINO_HOME`` (the README schema,
formula-safe) and makes a new release from the served one without reloading the city
(:func:`geo.derived_release.derive_release_with_catalogue`: the served release's rows copied in short transactions,
the file read through the catalogue checks and stored as the catalogue ``providers``, the inputs and input hash
those of a full import of the same inputs; a city that serves no release yet, or whose newer release waits for its
layers, is loaded in full with :func:`geo.importing.import_catalogue`). Then it computes the same accessibility
layers the served release has (:func:`geo.access.compute_access`), publishes the release when it is complete
(:mod:`geo.releases`) and then its pillar index when the served release had one. Each step is recorded on a
:class:`~geo.models.CatalogueJob` (queued, running step x/y, done, failed with its message, in the city's language)
that the moderator page shows. The thread runs in the web process (the embedded default stays one process, nothing
to start); jobs run one at a time. A failed job never touches the served release: families keep the previous one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from data_sources.cities import city_config_from_slug
from data_sources.errors import VicinoError
from geo.access import compute_access
from geo.derived_release import derive_release_with_catalogue
from geo.importing import import_catalogue
from geo.models import CatalogueJob, City, DataRelease
from geo.open_catalogue import write_catalogue_csv
from geo.pillars import YOUTH_PROFILES, compute_pillars
from geo.releases import Publication, publish_if_complete
from routing.profiles import DEFAULT_PROFILES

logger = logging.getLogger(__name__)

#: The catalogue name the approved offerings are imported under (a release's ``inputs`` key).
CATALOGUE_NAME = "providers"
_one_at_a_time = threading.Lock()
_threads: dict[int, threading.Thread] = {}


class PublishError(VicinoError):
    """A publication that cannot go on (said on the job, the served release unchanged)."""


@dataclass(frozen=True)
class LayerPlan:
    """The layers of one mode to compute again: the served release's profiles, origin sets and transit window."""

    mode: str
    profiles: tuple[str, ...]
    origin_kinds: frozenset[str]
    date: dt.date | None = None
    window: tuple[int, int] | None = None


def _plans(rows: list[tuple[str, str, str, dict[str, Any]]]) -> list[LayerPlan]:
    by_mode: dict[str, dict[str, Any]] = defaultdict(lambda: {"profiles": set(), "kinds": set(), "params": {}})
    for mode, profile, origin_kind, parameters in rows:
        plan = by_mode[mode]
        plan["profiles"].add(profile)
        plan["kinds"].add(origin_kind)
        plan["params"] = plan["params"] or (parameters or {})
    plans = []
    for mode, plan in sorted(by_mode.items()):
        params = plan["params"]
        window = tuple(params["window"]) if mode == "transit" and params.get("window") else None
        date = dt.date.fromisoformat(params["date"]) if mode == "transit" and params.get("date") else None
        plans.append(LayerPlan(mode, tuple(sorted(plan["profiles"])), frozenset(plan["kinds"]), date, window))  # type: ignore[arg-type]
    return plans


def access_plans(release: DataRelease | None) -> list[LayerPlan]:
    """What accessibility layers a new release needs to be published in place of ``release``."""
    if release is None:
        return []
    return _plans(list(release.access_layers.values_list("mode", "profile", "origin_kind", "parameters")))


def pillar_plans(release: DataRelease | None) -> list[LayerPlan]:
    """What pillar indexes the served release has (made again once the new release is published)."""
    if release is None:
        return []
    rows = [(m, p, o, {}) for m, p, o in release.pillar_indexes.values_list("mode", "profile", "origin_kind")]
    return _plans(rows)


def catalogue_path(city: City, job: CatalogueJob) -> Path:
    """Where a job writes the approved offerings (one file per job: a release keeps pointing at its own)."""
    return Path(settings.VICINO_HOME) / "catalogues" / city.slug / f"{CATALOGUE_NAME}-{job.pk}.csv"


def active_job(city: City) -> CatalogueJob | None:
    """The city's queued or running publication, if any."""
    statuses = [CatalogueJob.Status.QUEUED, CatalogueJob.Status.RUNNING]
    return city.catalogue_jobs.filter(status__in=statuses).order_by("created").first()


def start_publish_job(city: City, user: Any, *, background: bool = True) -> CatalogueJob:
    """Queue a publication of the city's approved offerings and start it (in a thread unless ``background`` is
    False); a publication already queued or running for the city is returned instead of a second one."""
    running = active_job(city)
    if running is not None and not _stale(running):
        return running
    if running is not None:  # left by a process that stopped while it ran
        with translation.override(city.language):
            message = _("Interrupted: the server stopped while it ran. Publish again.")
        _finish(running, CatalogueJob.Status.FAILED, message)
    served = city.current_release()
    steps = 3 + len(access_plans(served)) + len(pillar_plans(served))
    job = CatalogueJob.objects.create(
        city=city, requested_by=user, steps=steps, step_label="queued", worker=_this_worker()
    )
    if not background:
        run_publish_job(job.pk)
        job.refresh_from_db()
        return job
    thread = threading.Thread(target=_run_in_thread, args=(job.pk,), name=f"catalogue-job-{job.pk}", daemon=True)
    _threads[job.pk] = thread
    thread.start()
    return job


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _stale(job: CatalogueJob) -> bool:
    """Whether a queued or running job's process is gone (it will never finish).

    A job of this process is alive while its thread is; one of another process on this host while that process
    exists (several web workers share the database); one of another host is trusted for a day.
    """
    if job.pk in _threads:
        return not _threads[job.pk].is_alive()
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return True  # this process has no thread for it: it was restarted with the same pid, or never ran it
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return (timezone.now() - job.created).total_seconds() > 24 * 3600


def wait_for_job(job: CatalogueJob, timeout: float) -> None:
    """Wait for a job's thread (tests, commands); returns at once when the job runs in no thread here."""
    thread = _threads.get(job.pk)
    if thread is not None:
        thread.join(timeout)


def _run_in_thread(job_pk: int) -> None:
    # Only here: in the caller's own thread (a command, a test) its connection may be inside a transaction, which
    # close_old_connections() would close under it (PostgreSQL).
    close_old_connections()
    try:
        run_publish_job(job_pk)
    finally:
        _threads.pop(job_pk, None)
        connection.close()  # a thread's own connection, never reused by a request


def _save_job(job: CatalogueJob, fields: list[str]) -> None:
    """Save the job's progress ``fields``, waiting out a moment when SQLite says the table is locked.

    A page reading the job's progress while the thread writes it can make SQLite refuse the write at once ("database
    table is locked" with a shared cache, as the test database; the busy timeout does not apply there); the progress
    is worth a short wait, never a failed publication.
    """
    for attempt in range(50):
        try:
            job.save(update_fields=fields)
            return
        except OperationalError as error:
            if "locked" not in str(error) or attempt == 49:
                raise
            time.sleep(0.1)


def _finish(job: CatalogueJob, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.finished = timezone.now()
    _save_job(job, ["status", "message", "finished"])


def run_publish_job(job_pk: int) -> None:
    """Run one publication (see the module docstring); any failure is recorded on the job, never raised."""
    with _one_at_a_time:
        job = CatalogueJob.objects.select_related("city").get(pk=job_pk)
        job.status = CatalogueJob.Status.RUNNING
        _save_job(job, ["status"])
        try:
            with translation.override(job.city.language):  # the moderators read the city's language
                message = _publish(job)
        except Exception as error:  # every failure is the moderator's to read; the served release stays
            logger.exception("catalogue job %s failed", job.pk)
            text = str(error) if isinstance(error, VicinoError) else f"{type(error).__name__}: {error}"
            _finish(job, CatalogueJob.Status.FAILED, text)
        else:
            _finish(job, CatalogueJob.Status.DONE, message)


def _publish(job: CatalogueJob) -> str:
    city = job.city
    served = city.current_release()
    access, pillars = access_plans(served), pillar_plans(served)
    job.steps = 3 + len(access) + len(pillars)
    step = _stepper(job)

    step(_("Writing the approved offerings"))
    path = catalogue_path(city, job)
    job.offerings = write_catalogue_csv(city, path)
    _save_job(job, ["offerings"])
    if job.offerings == 0:
        raise PublishError(_("No offering is approved yet: nothing to publish."))

    step(_("Making a new version of the city's data with the approved offerings"))
    config = city_config_from_slug(city.slug)
    latest = city.latest_release()
    if served is None or latest is None or latest.pk != served.pk:
        # Nothing to derive from, or a newer release waits for its layers (new inputs the served one lacks): the
        # city's sources are loaded in full with the catalogue, as the operator's next import would.
        result = import_catalogue(config, path, name=CATALOGUE_NAME)
    else:
        result = derive_release_with_catalogue(served, config, path, name=CATALOGUE_NAME)
    job.release = result.release
    _save_job(job, ["release"])
    counts = result.counts.get(CATALOGUE_NAME, {})
    if counts.get("rejected"):
        first = next((r for r in result.report.rejects if r.source == CATALOGUE_NAME), None)
        raise PublishError(
            _("%(n)s approved offerings were rejected by the import (first: %(first)s).")
            % {"n": counts["rejected"], "first": first}
        )
    if not result.created and result.release.status == DataRelease.Status.READY:
        return f"{job.offerings} approved offerings: the city already serves them (release {result.release.pk})."

    for plan in access:
        step(
            _("Travel times (%(mode)s) for %(origins)s")
            % {"mode": plan.mode, "origins": ", ".join(sorted(plan.origin_kinds))}
        )
        compute_access(
            city, profiles=tuple(p for p in DEFAULT_PROFILES if p.name in plan.profiles),
            origin_kinds=set(plan.origin_kinds), mode=plan.mode, date=plan.date,
            **({"window": plan.window} if plan.window else {}),
        )  # fmt: skip

    step(_("Publishing the new release"))
    publication = publish_if_complete(result.release)
    if not publication.published:
        raise PublishError(not_published_message(publication))

    for plan in pillars:
        step(_("Pillar index (%(mode)s)") % {"mode": plan.mode})
        compute_pillars(
            city, profiles=tuple(p for p in YOUTH_PROFILES if p.name in plan.profiles),
            origin_kinds=set(plan.origin_kinds), mode=plan.mode,
        )  # fmt: skip
    return f"{job.offerings} approved offerings published in release {result.release.pk}."


def not_published_message(publication: Publication) -> str:
    """Why a release was not published, for the moderator (in the active language; the operator's command line
    reads :meth:`Publication.message`)."""
    release, served = publication.release.pk, publication.served.pk if publication.served else "-"
    if publication.older:
        return _("Data version %(release)s was made before; the city serves the newer version %(served)s.") % {
            "release": release, "served": served,
        }  # fmt: skip
    shown = ", ".join(publication.missing[:6])
    if len(publication.missing) > 6:
        shown += " " + _("and %(n)s more") % {"n": len(publication.missing) - 6}
    return ngettext(
        "Data version %(release)s is not published: families still see version %(served)s, which has "
        "%(n)s map layer this one lacks (%(layers)s).",
        "Data version %(release)s is not published: families still see version %(served)s, which has "
        "%(n)s map layers this one lacks (%(layers)s).",
        len(publication.missing),
    ) % {"release": release, "served": served, "n": len(publication.missing), "layers": shown}


def _stepper(job: CatalogueJob) -> Callable[[str], None]:
    def step(label: str) -> None:
        job.step += 1
        job.step_label = label
        _save_job(job, ["step", "steps", "step_label"])

    return step
