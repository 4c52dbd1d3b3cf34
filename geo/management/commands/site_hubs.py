"""`python manage.py site_hubs CITY --new N --objective mclp|pmedian|lscp --minutes T ...`: a siting scenario.

With ``--sweep``, ``--new``, ``--objective`` and ``--minutes`` take comma-separated lists and every combination is
solved and stored (on the Dask cluster when one is configured, ``--dask``), for the planner's comparison.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.errors import VicinoError
from geo.cluster import runner_for
from geo.models import City
from geo.siting import DEMANDS, OBJECTIVES, run_scenario, run_sweep


def _numbers(text: str, kind: type, name: str) -> list:
    try:
        return [kind(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--{name} {text!r}: give numbers separated by commas (e.g. 1,2,3)") from None


class Command(BaseCommand):
    help = "Choose where new community hubs do the most good, print the before/after table and store the scenario."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("--new", default="3", help="new hubs to open (mclp, pmedian); a list with --sweep")
        parser.add_argument("--objective", default="mclp", help=f"{', '.join(OBJECTIVES)}; a list with --sweep")
        parser.add_argument("--minutes", default="15", help="the reach T, 1..60 minutes; a list with --sweep")
        parser.add_argument("--sweep", action="store_true", help="solve every combination of the lists given")
        parser.add_argument(
            "--dask",
            default=settings.VICINO_DASK_SCHEDULER,
            help="with --sweep: a Dask scheduler or local:N (default VICINO_DASK_SCHEDULER)",
        )
        parser.add_argument("--mode", choices=["walk", "transit"], default="walk")
        parser.add_argument("--candidates", default="h3", help="h3, schools, libraries, opportunities[:category]")
        parser.add_argument("--profile", default="age_11_13")
        parser.add_argument("--hubs", help="existing hubs, CSV with id,name,longitude,latitude (kept open)")
        parser.add_argument("--pin", action="append", default=[], help="a candidate id that must open")
        parser.add_argument("--forbid", action="append", default=[], help="a candidate id that must not open")
        parser.add_argument("--vulnerability", action="store_true", help="weight youth by the NIL vulnerability index")
        parser.add_argument(
            "--demand",
            choices=DEMANDS,
            default="youth",
            help="youth, or wishes: youth × (1 + the area's approved wishes per young person, relative to the most)",
        )
        parser.add_argument("--name")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"No city {options['city']!r} is loaded. Run load_city first.")
        news = _numbers(options["new"], int, "new")
        minutes = _numbers(options["minutes"], float, "minutes")
        objectives = [o.strip() for o in options["objective"].split(",") if o.strip()]
        unknown = [o for o in objectives if o not in OBJECTIVES]
        if unknown or not objectives:
            raise CommandError(f"--objective {options['objective']!r}: use {', '.join(OBJECTIVES)}")
        if options["sweep"]:
            self._sweep(city, news, objectives, minutes, options)
            return
        if len(news) != 1 or len(minutes) != 1 or len(objectives) != 1:
            raise CommandError("--new, --objective and --minutes take one value each; give --sweep for lists")
        try:
            scenario = run_scenario(
                city, new=news[0], objective=objectives[0], minutes=minutes[0],
                candidates=options["candidates"], mode=options["mode"], profile=options["profile"],
                pinned=options["pin"], forbidden=options["forbid"], hubs_file=options["hubs"],
                vulnerability=options["vulnerability"], demand=options["demand"], name=options["name"],
            )  # fmt: skip
        except (VicinoError, ValueError) as error:
            raise CommandError(str(error)) from None
        result = scenario.result
        overall = result["overall"]
        self.stdout.write(f"Scenario {scenario.pk}: {scenario.name}")
        self.stdout.write(f"  solver {result['solver']} ({result['status']}), {result['solve_time_s']:.2f} s")
        for site in scenario.sites:
            self.stdout.write(f"  {'fixed' if site['fixed'] else 'new  '} {site['id']:30} {site['name']}")
        self.stdout.write(
            f"  youth within {scenario.parameters['minutes']:g} min: {overall['coverage_before']:.1%} → "
            f"{overall['coverage_after']:.1%} (+{overall['newly_covered']:.0f})"
        )
        for band, row in (result.get("by_age_band") or {}).items():
            self.stdout.write(f"    {band:10} newly covered {row['newly_covered']:8.0f}")
        self.stdout.write(self.style.SUCCESS("Stored."))

    def _sweep(self, city: City, news: list[int], objectives: list[str], minutes: list[float], options: Any) -> None:
        try:
            with runner_for(options["dask"], progress=self.stdout.write, show_progress=False) as runner:
                scenarios = run_sweep(
                    city, news=news, objectives=objectives, minutes=minutes, runner=runner,
                    candidates=options["candidates"], mode=options["mode"], profile=options["profile"],
                    hubs_file=options["hubs"], vulnerability=options["vulnerability"], demand=options["demand"],
                )  # fmt: skip
        except (VicinoError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{'scenario':>8} {'objective':9} {'new':>3} {'T':>4} {'covered before':>15} {'after':>7}")
        for scenario in scenarios:
            p, overall = scenario.parameters, scenario.result["overall"]
            self.stdout.write(
                f"{scenario.pk:>8} {p['objective']:9} {p['new']:>3} {p['minutes']:>4g} "
                f"{overall['coverage_before']:>15.1%} {overall['coverage_after']:>7.1%}"
            )
        self.stdout.write(self.style.SUCCESS(f"Stored {len(scenarios)} scenarios."))
