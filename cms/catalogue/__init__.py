"""The catalogue import: library-system exports (UNIMARC, MARC21, MARCXML, CSV) → CatalogueItem.

Public surface:

* `import_catalogue(path_or_file, fmt, prune=False, progress=None) -> ImportSummary`
* `CatalogueFormatError`: the file cannot be read in that format (nothing was written)
* `FORMATS`: the format names ("unimarc", "marc21", "marcxml", "csv")
* `normalise_isbn`, `isbn_variants`: ISBN/EAN handling (also for search)

Modules: isbn (ISBN/EAN/ISSN), records (the normalised record), vocab (folding, type /
audience / status vocabularies), marc + unimarc + marc21 (MARC readers and mappings),
csvfile (CSV reader), rules (subject → interest matcher), importer (batched upsert),
progress (terminal progress bar), generator (synthetic catalogues for benchmarks), forms and
views (the admin upload).
"""

from .errors import CatalogueFormatError
from .isbn import isbn_variants, normalise_isbn

__all__ = [
    "FORMATS",
    "CatalogueFormatError",
    "ImportSummary",
    "Problem",
    "import_catalogue",
    "isbn_variants",
    "normalise_isbn",
]

_FROM_IMPORTER = {"FORMATS", "ImportSummary", "Problem", "import_catalogue"}


def __getattr__(name: str):
    # The importer needs the models: loaded on first use, so that `cms.catalogue.isbn`
    # stays importable without Django (e.g. by a script or a settings-free test).
    if name in _FROM_IMPORTER:
        from . import importer

        return getattr(importer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
