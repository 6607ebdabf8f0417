"""``manage.py generate_dataset [--members N --items N --events N --announcements N
--interactions N --seed S] [--anchor YYYY-MM-DD] [--delete]``: the generated dataset of the
benchmarks.

Deterministic (same seed, same anchor day → same rows; the anchor is today unless given, so a
dataset can be generated again, or replayed by tests/bench/recommendation_ceiling.py, on
another day); refuses to run when generated data is
already there (``--delete`` removes it first). See :mod:`feeds.dataset`.
"""

import json
from argparse import ArgumentTypeError
from datetime import UTC, date, datetime, time

from django.core.management.base import BaseCommand, CommandError

from feeds.dataset import (
    TASTE_MODELS,
    DatasetExists,
    DatasetSize,
    delete_generated,
    generate_dataset,
)


class Command(BaseCommand):
    help = "Generate the benchmark dataset (members, items, events, announcements, interactions)."

    def add_arguments(self, parser) -> None:
        defaults = DatasetSize()
        for name in ("members", "items", "events", "announcements", "interactions", "seed"):
            parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
        parser.add_argument(
            "--taste",
            choices=sorted(TASTE_MODELS),
            default=defaults.taste,
            help="How members' tastes are drawn: shared (default; item use calibrated on "
            "the 80/20 rule of library circulation, favourite interests) or classic (the "
            "earlier generator's parameters). See feeds.dataset.TasteModel.",
        )
        parser.add_argument(
            "--anchor",
            type=_day,
            help="The day the generated history ends (YYYY-MM-DD, midnight UTC); today by "
            "default. The same seed and anchor give the same rows.",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete previously generated data first (members @generated.invalid, GEN… "
            "items, gen-… pages).",
        )

    def handle(self, *args, **options) -> None:
        size = DatasetSize(
            **{
                name: options[name]
                for name in ("members", "items", "events", "announcements", "interactions", "seed")
            },
            taste=options["taste"],
        )
        if min(size.members, size.items, size.events, size.announcements, size.interactions) < 0:
            raise CommandError("Les nombres doivent être positifs.")
        if options["delete"]:
            counts = delete_generated()
            self.stdout.write(f"Données générées supprimées : {json.dumps(counts)}")
        self.stdout.write("Génération du jeu de données…")
        try:
            summary = generate_dataset(size, anchor=options["anchor"], say=self.stdout.write)
        except DatasetExists as exc:
            raise CommandError(f"{exc} Relancez avec --delete pour les remplacer.") from exc
        for name, count in summary["counts"].items():
            self.stdout.write(f"  {name:<20} {count:>9}")
        shares = summary["top_20_percent_share"]
        if shares:
            self.stdout.write(
                f"  goûts « {summary['taste']} » : les 20 % de documents les plus utilisés "
                f"font {shares['items'] * 100:.0f} % des interactions, les 20 % de membres "
                f"les plus actifs {shares['members'] * 100:.0f} %"
            )
        total = sum(summary["seconds"].values())
        self.stdout.write(self.style.SUCCESS(f"Jeu de données généré en {total:.1f} s."))


def _day(text: str) -> datetime:
    """--anchor: a day as YYYY-MM-DD, midnight UTC."""
    try:
        return datetime.combine(date.fromisoformat(text), time(0, 0), UTC)
    except ValueError as exc:
        raise ArgumentTypeError(f"« {text} » n’est pas une date AAAA-MM-JJ.") from exc
