"""``manage.py generate_catalogue --items N [--seed S] [--output FILE --format unimarc]``.

Deterministic synthetic catalogue for benchmarks (cms.catalogue.generator). With --output,
writes an ISO 2709 UNIMARC file (streamed) and touches no table; without, imports the N
items straight into the database, in bulk, like an import would.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from cms.catalogue.generator import generate_records, generated_entries, write_unimarc
from cms.catalogue.importer import import_entries
from cms.catalogue.progress import ProgressBar, RawOutput
from cms.models import Branch

from .import_catalogue import summary_lines


class Command(BaseCommand):
    help = "Generate a deterministic synthetic catalogue (a UNIMARC file, or rows in the database)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--items", type=int, required=True, help="Number of records.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--output", help="Write an ISO 2709 file instead of the database.")
        parser.add_argument("--format", dest="fmt", default="unimarc", choices=["unimarc"])
        parser.add_argument(
            "--branches",
            help="Comma-separated branch codes for the holdings (default: the branches' codes).",
        )

    def handle(self, *args, items: int, seed: int, output, fmt: str, branches, **options):
        if items < 0:
            raise CommandError("--items doit être positif.")
        if branches:
            codes = [c.strip() for c in branches.split(",") if c.strip()]
        else:
            codes = sorted(set(Branch.objects.exclude(code="").values_list("code", flat=True)))
        if not codes:
            raise CommandError(
                "Aucune médiathèque n'a de code : renseignez Branch.code ou passez --branches."
            )
        records = generate_records(items, seed=seed, branch_codes=codes)
        if output:
            directory = os.path.dirname(os.path.abspath(output))
            if not os.path.isdir(directory):
                raise CommandError(f"Dossier introuvable : {directory}")
            with open(output, "wb") as stream:
                count = write_unimarc(records, stream)
            self.stdout.write(f"{count} notices UNIMARC écrites dans {output}.")
            return
        stderr = RawOutput(self.stderr)
        bar = ProgressBar(stderr, enabled=stderr.isatty())
        try:
            summary = import_entries(generated_entries(records), progress=bar)
        finally:
            bar.close()
        for line in summary_lines(summary):
            self.stdout.write(line)
