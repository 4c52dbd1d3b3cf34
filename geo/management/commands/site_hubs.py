"""`python manage.py site_hubs CITY --new N --objective mclp|pmedian|lscp --minutes T ...`: a siting scenario."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from data_sources.errors import VicinoError
from geo.models import City
from geo.siting import OBJECTIVES, run_scenario


class Command(BaseCommand):
    help = "Choose where new community hubs do the most good, print the before/after table and store the scenario."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city")
        parser.add_argument("--new", type=int, default=3, help="new hubs to open (mclp, pmedian)")
        parser.add_argument("--objective", choices=OBJECTIVES, default="mclp")
        parser.add_argument("--minutes", type=float, default=15, help="the reach T, 1..60 minutes")
        parser.add_argument("--mode", choices=["walk", "transit"], default="walk")
        parser.add_argument("--candidates", default="h3", help="h3, schools, libraries, opportunities[:category]")
        parser.add_argument("--profile", default="age_11_13")
        parser.add_argument("--hubs", help="existing hubs, CSV with id,name,longitude,latitude (kept open)")
        parser.add_argument("--pin", action="append", default=[], help="a candidate id that must open")
        parser.add_argument("--forbid", action="append", default=[], help="a candidate id that must not open")
        parser.add_argument("--vulnerability", action="store_true", help="weight youth by the NIL vulnerability index")
        parser.add_argument("--name")

    def handle(self, *args: Any, **options: Any) -> None:
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(f"No city {options['city']!r} is loaded. Run load_city first.")
        try:
            scenario = run_scenario(
                city, new=options["new"], objective=options["objective"], minutes=options["minutes"],
                candidates=options["candidates"], mode=options["mode"], profile=options["profile"],
                pinned=options["pin"], forbidden=options["forbid"], hubs_file=options["hubs"],
                vulnerability=options["vulnerability"], name=options["name"],
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
