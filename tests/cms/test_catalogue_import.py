"""The importer: upsert by record id, idempotence, updates, prune, broken records, index."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.catalogue import CatalogueFormatError, import_catalogue
from cms.catalogue.importer import import_entries
from cms.catalogue.records import CatalogueRecord, Entry, HoldingRecord
from cms.models import CatalogueItem, Holding, HoldingStatus, SubjectRule
from tests.cms.catalogue_fixtures import field, iso2709, unimarc_book, write
from tests.conftest import make_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded_branches(branches):
    for key, code in (("alcazar", "ALC"), ("aubagne", "AUB"), ("arles", "ARL")):
        branches[key].code = code
        branches[key].save()
    return branches


def three_books():
    return [
        unimarc_book("1001", "Les choses", holdings=(("ALC", "843 PER", "0", ""),)),
        unimarc_book(
            "1002",
            "W ou le souvenir d'enfance",
            isbn="2-07-036822-X",
            holdings=(("ALC", "843 PER", "", "2026-12-01"), ("AUB", "R PER", "en commande", "")),
        ),
        unimarc_book("1003", "La vie mode d'emploi", isbn=None, holdings=()),
    ]


def test_first_import_creates_items_with_holdings(tmp_path, coded_branches):
    path = write(tmp_path, "cat.mrc", iso2709(*three_books()))

    summary = import_catalogue(path, "unimarc")

    assert (summary.read, summary.created, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert summary.rejected == []
    assert CatalogueItem.objects.count() == 3
    w = CatalogueItem.objects.get(record_id="1002")
    assert w.title == "W ou le souvenir d'enfance"
    assert w.isbn == "9782070368228"
    assert w.authors == "Perec, Georges"
    assert w.source_hash and len(w.source_hash) == 64
    holdings = list(
        w.holdings.order_by("sort_order").values_list("branch__code", "call_number", "status")
    )
    assert holdings == [
        ("ALC", "843 PER", HoldingStatus.ON_LOAN),
        ("AUB", "R PER", HoldingStatus.ON_ORDER),
    ]
    assert CatalogueItem.objects.get(record_id="1003").holdings.count() == 0


def test_reimport_is_idempotent_and_writes_nothing(tmp_path, coded_branches):
    path = write(tmp_path, "cat.mrc", iso2709(*three_books()))
    import_catalogue(path, "unimarc")
    before = dict(CatalogueItem.objects.values_list("record_id", "updated_at"))
    holding_ids = set(Holding.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        summary = import_catalogue(path, "unimarc")

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert summary.indexed == 0
    assert dict(CatalogueItem.objects.values_list("record_id", "updated_at")) == before
    assert set(Holding.objects.values_list("pk", flat=True)) == holding_ids
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_changed_record_is_updated_and_its_holdings_replaced(tmp_path, coded_branches):
    import_catalogue(write(tmp_path, "v1.mrc", iso2709(*three_books())), "unimarc")
    item = CatalogueItem.objects.get(record_id="1001")
    created_at, updated_at = item.created_at, item.updated_at
    changed = three_books()
    changed[0] = unimarc_book(
        "1001",
        "Les choses : une histoire des années soixante",
        holdings=(("ARL", "843 PER", "réparation", ""),),
    )

    summary = import_catalogue(write(tmp_path, "v2.mrc", iso2709(*changed)), "unimarc")

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    item.refresh_from_db()
    assert item.title == "Les choses : une histoire des années soixante"
    assert item.created_at == created_at
    assert item.updated_at > updated_at
    assert list(item.holdings.values_list("branch__code", "status")) == [
        ("ARL", HoldingStatus.IN_REPAIR)
    ]
    assert Holding.objects.filter(item__record_id="1001").count() == 1


def test_prune_withdraws_absent_items_and_reappearing_items_come_back(tmp_path, coded_branches):
    books = three_books()
    import_catalogue(write(tmp_path, "all.mrc", iso2709(*books)), "unimarc")

    summary = import_catalogue(
        write(tmp_path, "two.mrc", iso2709(*books[:2])), "unimarc", prune=True
    )

    assert summary.withdrawn == 1
    assert summary.unchanged == 2
    gone = CatalogueItem.objects.get(record_id="1003")
    assert gone.withdrawn is True
    assert gone.holdings.count() == 0  # it had none; nothing deleted either way
    assert CatalogueItem.objects.count() == 3  # withdrawn, not deleted
    assert set(CatalogueItem.objects.active().values_list("record_id", flat=True)) == {
        "1001",
        "1002",
    }

    summary = import_catalogue(write(tmp_path, "all2.mrc", iso2709(*books)), "unimarc")

    assert (summary.updated, summary.restored, summary.unchanged) == (1, 1, 2)
    gone.refresh_from_db()
    assert gone.withdrawn is False


def test_prune_without_prune_flag_keeps_absent_items(tmp_path, coded_branches):
    books = three_books()
    import_catalogue(write(tmp_path, "all.mrc", iso2709(*books)), "unimarc")
    summary = import_catalogue(write(tmp_path, "one.mrc", iso2709(books[0])), "unimarc")
    assert summary.withdrawn == 0
    assert CatalogueItem.objects.active().count() == 3


def test_prune_is_refused_when_no_record_is_valid(tmp_path, coded_branches):
    import_catalogue(write(tmp_path, "all.mrc", iso2709(*three_books())), "unimarc")
    broken = iso2709(unimarc_book(None, "Sans identifiant"))

    summary = import_catalogue(write(tmp_path, "bad.mrc", broken), "unimarc", prune=True)

    assert summary.withdrawn == 0
    assert summary.rejected_count == 1
    assert CatalogueItem.objects.active().count() == 3
    assert any("aucune notice n’a été retirée" in w.reason for w in summary.warnings)


def test_prune_keeps_items_whose_record_was_rejected_this_time(tmp_path, coded_branches):
    books = three_books()
    import_catalogue(write(tmp_path, "all.mrc", iso2709(*books)), "unimarc")
    books[2] = unimarc_book("1003", "   ")  # same id, but no title now: rejected

    summary = import_catalogue(write(tmp_path, "v2.mrc", iso2709(*books)), "unimarc", prune=True)

    assert [(p.position, p.record_id) for p in summary.rejected] == [(3, "1003")]
    assert summary.withdrawn == 0
    assert CatalogueItem.objects.get(record_id="1003").withdrawn is False


def test_broken_records_are_reported_and_skipped(tmp_path, coded_branches):
    good = unimarc_book("1001", "Les choses").as_marc()
    no_id = unimarc_book(None, "Sans identifiant").as_marc()
    bad_year = unimarc_book("1004", "Année bizarre", date="[s.d.]").as_marc()
    bad_isbn = unimarc_book("1005", "ISBN faux", isbn="978-2-07-036822-9").as_marc()
    truncated = unimarc_book("1006", "Coupée en deux").as_marc()
    after = unimarc_book("1007", "Après la coupure").as_marc()
    last_cut = unimarc_book("1008", "Fin de fichier coupée").as_marc()
    data = good + no_id + bad_year + bad_isbn + truncated[:-40] + after + last_cut[:-30]

    summary = import_catalogue(write(tmp_path, "broken.mrc", data), "unimarc")

    assert set(CatalogueItem.objects.values_list("record_id", flat=True)) == {
        "1001",
        "1004",
        "1005",
        "1007",
    }
    rejected = {(p.position, p.record_id): p.reason for p in summary.rejected}
    assert rejected.keys() == {(2, ""), (5, "1006"), (7, "1008")}
    assert "identifiant" in rejected[(2, "")]
    assert "tronquée" in rejected[(5, "1006")]
    assert "tronquée" in rejected[(7, "1008")]
    assert summary.created == 4
    # a non-numeric publication date and an invalid ISBN are warnings, not rejections
    assert CatalogueItem.objects.get(record_id="1004").year == 1965  # from 100$a/9-12
    assert CatalogueItem.objects.get(record_id="1005").isbn == ""
    warnings = {(p.record_id, p.reason) for p in summary.warnings}
    assert ("1004", "année illisible ignorée : « [s.d.] »") not in warnings  # 100$a had it
    assert any(r == "1005" and "clé de contrôle" in reason for r, reason in warnings)


def test_unreadable_year_without_fallback_is_a_warning(tmp_path, coded_branches):
    book = unimarc_book("1004", "Année bizarre", date="s.d.")
    book.remove_fields("100")
    summary = import_catalogue(write(tmp_path, "y.mrc", iso2709(book)), "unimarc")
    assert summary.created == 1
    assert CatalogueItem.objects.get().year is None
    assert [w.reason for w in summary.warnings] == ["année illisible ignorée : « s.d. »"]


def test_unknown_branch_code_skips_the_copy_with_a_warning(tmp_path, coded_branches):
    book = unimarc_book(
        "1001",
        holdings=(
            ("ALC", "A", "", ""),
            ("ZZZ", "B", "", ""),
            ("YYY", "C", "", ""),
            ("YYY", "D", "", ""),
        ),
    )

    summary = import_catalogue(write(tmp_path, "b.mrc", iso2709(book)), "unimarc")

    assert summary.created == 1
    assert list(Holding.objects.values_list("branch__code", "call_number")) == [("ALC", "A")]
    assert [(w.position, w.record_id, w.reason) for w in summary.warnings] == [
        (1, "1001", "code de médiathèque inconnu « ZZZ » : exemplaire ignoré"),
        (1, "1001", "code de médiathèque inconnu « YYY » : 2 exemplaires ignorés"),
    ]


def test_a_new_branch_code_changes_the_hash_so_the_copy_appears(tmp_path, coded_branches):
    book = unimarc_book("1001", holdings=(("NEW", "B", "", ""),))
    path = write(tmp_path, "b.mrc", iso2709(book))
    import_catalogue(path, "unimarc")
    assert Holding.objects.count() == 0
    make_branch("Médiathèque nouvelle", commune="Istres", lat=43.5, lon=4.98, code="NEW")

    summary = import_catalogue(path, "unimarc")

    assert summary.updated == 1
    assert list(Holding.objects.values_list("branch__code", flat=True)) == ["NEW"]


def test_duplicate_record_ids_in_a_file_last_one_wins(tmp_path, coded_branches):
    data = iso2709(unimarc_book("1001", "Première"), unimarc_book("1001", "Seconde"))
    summary = import_catalogue(write(tmp_path, "d.mrc", data), "unimarc")
    assert CatalogueItem.objects.get(record_id="1001").title == "Seconde"
    assert summary.warning_count == 1
    assert "double" in summary.warnings[0].reason


def test_duplicates_across_batches_are_detected(tmp_path, coded_branches):
    data = iso2709(
        unimarc_book("1001", "Première"), unimarc_book("1002"), unimarc_book("1001", "Seconde")
    )
    summary = import_catalogue(write(tmp_path, "d.mrc", data), "unimarc", batch_size=2)
    assert CatalogueItem.objects.get(record_id="1001").title == "Seconde"
    assert (summary.created, summary.updated) == (2, 1)
    assert [(w.position, w.record_id) for w in summary.warnings] == [(3, "1001")]


def test_small_batches_give_the_same_result(tmp_path, coded_branches):
    path = write(tmp_path, "cat.mrc", iso2709(*three_books()))
    summary = import_catalogue(path, "unimarc", batch_size=1)
    assert summary.created == 3
    assert Holding.objects.count() == 3


def _search(text):
    from cms.catalogue.admin_search import search_catalogue_items

    return [item.record_id for item in search_catalogue_items(CatalogueItem.objects.all(), text)]


def test_imported_and_updated_items_are_found_by_the_admin_search(tmp_path, coded_branches):
    import_catalogue(write(tmp_path, "cat.mrc", iso2709(*three_books())), "unimarc")
    assert _search("souvenir") == ["1002"]
    changed = three_books()
    changed[1] = unimarc_book("1002", "Espèces d'espaces")
    import_catalogue(write(tmp_path, "v2.mrc", iso2709(*changed)), "unimarc")
    assert _search("espaces") == ["1002"]
    assert _search("souvenir") == []


def test_subject_rules_set_interests_and_rule_changes_update_items(
    tmp_path, coded_branches, taxonomy
):
    SubjectRule.objects.create(
        match=SubjectRule.Match.DEWEY_PREFIX,
        pattern="8",
        genre="science-fiction",
        interest=taxonomy["sf"],
    )
    sf = unimarc_book(
        "1001",
        "Fondation",
        extra=(field("606", ("a", "Science fiction")), field("676", ("a", "813.54"))),
    )
    history = unimarc_book(
        "1002",
        "Histoire de la science-fiction",
        extra=(field("606", ("a", "Science-fiction")), field("676", ("a", "809.3876"))),
    )
    physics = unimarc_book(
        "1003",
        "Physique",
        extra=(field("606", ("a", "Physique")), field("676", ("a", "530"))),
    )
    path = write(tmp_path, "sf.mrc", iso2709(sf, history, physics))

    import_catalogue(path, "unimarc")

    assert set(taxonomy["sf"].catalogue_items.values_list("record_id", flat=True)) == {
        "1001",
        "1002",
    }
    SubjectRule.objects.create(
        match=SubjectRule.Match.SUBJECT_EQUALS, pattern="physique", interest=taxonomy["cuisine"]
    )
    summary = import_catalogue(path, "unimarc")
    assert (summary.updated, summary.unchanged) == (1, 2)
    assert list(taxonomy["cuisine"].catalogue_items.values_list("record_id", flat=True)) == ["1003"]


def test_database_refusal_rejects_only_the_offending_record(coded_branches, monkeypatch):
    from cms.catalogue import importer

    original = importer._Importer.write

    def write_refusing_1002(self, batch, rejected_ids):
        if any(p.record.record_id == "1002" for p in batch):
            CatalogueItem.objects.bulk_create([CatalogueItem(record_id="X", title="x")])
            CatalogueItem.objects.bulk_create([CatalogueItem(record_id="X", title="x")])
        return original(self, batch, rejected_ids)

    monkeypatch.setattr(importer._Importer, "write", write_refusing_1002)
    entries = [
        Entry(
            i, CatalogueRecord(record_id=f"100{i}", title=f"T{i}", holdings=[HoldingRecord("ALC")])
        )
        for i in (1, 2, 3)
    ]

    summary = import_entries(entries)

    assert summary.created == 2
    assert [(p.position, p.record_id) for p in summary.rejected] == [(2, "1002")]
    assert "base de données" in summary.rejected[0].reason
    assert set(CatalogueItem.objects.values_list("record_id", flat=True)) == {"1001", "1003"}
    assert Holding.objects.count() == 2


def test_wrong_flavour_and_garbage_raise_format_errors_before_writing(tmp_path, coded_branches):
    from tests.cms.catalogue_fixtures import marc21_book

    with pytest.raises(CatalogueFormatError, match="MARC21"):
        import_catalogue(write(tmp_path, "m21.mrc", iso2709(marc21_book())), "unimarc")
    with pytest.raises(CatalogueFormatError, match="ISO 2709"):
        import_catalogue(io.BytesIO(b"record_id,title\n1,Hello\n"), "unimarc")
    with pytest.raises(CatalogueFormatError, match="vide"):
        import_catalogue(io.BytesIO(b""), "marc21")
    with pytest.raises(CatalogueFormatError, match="Format inconnu"):
        import_catalogue(io.BytesIO(b""), "pdf")
    assert CatalogueItem.objects.count() == 0


@pytest.mark.parametrize("fmt", ["unimarc", "marc21", "marcxml", "csv"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_never_crash(fmt, seed, coded_branches):
    import random

    rng = random.Random(seed)
    garbage = bytes(rng.randrange(256) for _ in range(5000))
    try:
        summary = import_catalogue(io.BytesIO(garbage), fmt)
    except CatalogueFormatError:
        pass
    else:
        assert summary.created == 0
    assert CatalogueItem.objects.count() == 0
