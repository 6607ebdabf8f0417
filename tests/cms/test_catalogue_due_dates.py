"""Due dates of copies on loan: read from UNIMARC 995$n, MARC21 952$q and the CSV's fourth
holding part, stored on Holding, shown as « Emprunté, retour prévu le … »."""

import io
from datetime import date

import pytest

from cms.catalogue import import_catalogue
from cms.catalogue.csvfile import read_csv
from cms.catalogue.records import parse_due_date
from cms.models import CatalogueItem, HoldingStatus
from tests.cms.catalogue_fixtures import iso2709, unimarc_book, write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-20", date(2026, 12, 20)),
        ("2026-12-20 23:59:00", date(2026, 12, 20)),
        ("20261220", date(2026, 12, 20)),
        ("20/12/2026", date(2026, 12, 20)),
        ("", None),
        ("2026-02-31", None),
        ("demain", None),
        ("1", None),
    ],
)
def test_parse_due_date(text, expected):
    assert parse_due_date(text) == expected


@pytest.fixture
def coded_branches(branches):
    for key, code in (("alcazar", "ALC"), ("aubagne", "AUB"), ("arles", "ARL")):
        branches[key].code = code
        branches[key].save()
    return branches


def test_unimarc_import_stores_the_due_date_and_reimport_changes_nothing(tmp_path, coded_branches):
    books = [
        unimarc_book(
            "2001",
            "W ou le souvenir d'enfance",
            holdings=(("ALC", "843 PER", "", "2026-12-01"), ("AUB", "R PER", "0", "")),
        )
    ]
    path = write(tmp_path, "cat.mrc", iso2709(*books))
    import_catalogue(path, "unimarc")
    item = CatalogueItem.objects.get(record_id="2001")
    rows = list(item.holdings.order_by("sort_order").values_list("status", "due_date"))
    assert rows == [(HoldingStatus.ON_LOAN, date(2026, 12, 1)), (HoldingStatus.AVAILABLE, None)]
    summary = import_catalogue(path, "unimarc")
    assert (summary.unchanged, summary.updated) == (1, 0)


def test_csv_due_date_only_for_copies_on_loan():
    data = (
        b"record_id,title,holdings\n"
        b"C1,Titre,ALC|X|emprunte|2026-12-20 ; AUB|Y|disponible|2026-12-21 ; ARL|Z|emprunte\n"
    )
    (entry,) = list(read_csv(io.BytesIO(data)))
    assert [h.due_date for h in entry.record.holdings] == [date(2026, 12, 20), None, None]
