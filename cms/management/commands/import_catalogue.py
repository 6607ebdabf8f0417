"""``manage.py import_catalogue FILE --format unimarc|marc21|marcxml|csv [--prune]``.

Imports (upserts) a library-system export into the catalogue; see cms.catalogue.importer.
A progress bar is drawn on stderr when it is a terminal (or with --progress); the summary is
printed at the end. Rejected records do not change the exit code (0): they are listed.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from cms.catalogue import FORMATS, CatalogueFormatError, ImportSummary, import_catalogue
from cms.catalogue.progress import ProgressBar, RawOutput

SHOWN_PROBLEMS = 50


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def summary_lines(summary: ImportSummary, *, all_problems: bool = False) -> list[str]:
    """The summary in French, one line per figure, then the problems."""
    lines = [
        f"Import terminé en {summary.seconds:.1f} s ({_n(round(summary.rate))} notices/s).",
        f"  Notices lues       : {_n(summary.read)}",
        f"  Créées             : {_n(summary.created)}",
        f"  Mises à jour       : {_n(summary.updated)}"
        + (f" (dont {_n(summary.restored)} remises en service)" if summary.restored else ""),
        f"  Inchangées         : {_n(summary.unchanged)}",
        f"  Retirées           : {_n(summary.withdrawn)}",
        f"  Rejetées           : {_n(summary.rejected_count)}",
        f"  Avertissements     : {_n(summary.warning_count)}",
    ]
    for title, problems, count in (
        ("Notices rejetées", summary.rejected, summary.rejected_count),
        ("Avertissements", summary.warnings, summary.warning_count),
    ):
        if not problems:
            continue
        shown = problems if all_problems else problems[:SHOWN_PROBLEMS]
        lines.append(f"{title} :")
        for problem in shown:
            where = f"notice n° {problem.position}" if problem.position else "fichier"
            ident = f" ({problem.record_id})" if problem.record_id else ""
            lines.append(f"  - {where}{ident} : {problem.reason}")
        if count > len(shown):
            lines.append(f"  … et {_n(count - len(shown))} autre(s).")
    return lines


class Command(BaseCommand):
    help = "Import a catalogue export (UNIMARC, MARC21, MARCXML or CSV) into the catalogue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The export file.")
        parser.add_argument(
            "--format", dest="fmt", required=True, choices=sorted(FORMATS), help="File format."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Mark as withdrawn the items that are not in the file (they are not deleted).",
        )
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="Draw the progress bar even when stderr is not a terminal.",
        )
        progress.add_argument(
            "--no-progress",
            dest="progress",
            action="store_false",
            default=None,
            help="No progress bar, even on a terminal.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Records per transaction (default 500)."
        )

    def handle(self, *args, file: str, fmt: str, prune: bool, progress, **options) -> None:
        if not os.path.isfile(file):
            raise CommandError(f"Fichier introuvable : {file}")
        if not os.access(file, os.R_OK):
            raise CommandError(f"Fichier illisible (droits) : {file}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size doit être au moins 1.")
        stderr = RawOutput(self.stderr)  # the bar writes "\r", not whole lines
        enabled = progress if progress is not None else stderr.isatty()
        bar = ProgressBar(stderr, total_bytes=os.path.getsize(file), enabled=enabled)
        try:
            summary = import_catalogue(
                file, fmt, prune=prune, progress=bar, batch_size=options["batch_size"]
            )
        except CatalogueFormatError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror or exc}") from exc
        finally:
            bar.close()
        for line in summary_lines(summary, all_problems=options["verbosity"] >= 2):
            self.stdout.write(line)
