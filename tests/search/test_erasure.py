"""Erasure in the index (search.erasure): the entries go or are rewritten, and the
vocabulary loses the words only they held — not the words other entries still hold."""

import pytest
from django.db import connection

from search import indexing
from search.backends import get_backend
from search.erasure import purge
from search.models import SearchEntry, SearchTerm

from .conftest import make_item

pytestmark = pytest.mark.django_db


def terms(*words) -> set[str]:
    return set(SearchTerm.objects.filter(term__in=words).values_list("term", flat=True))


def fts_blob_holds(word: str) -> bool:
    """SQLite: is `word` still in the FTS5 b-tree segments (deleted rows included)?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT block FROM search_fts_data")
        return any(word.encode() in bytes(row[0] or b"") for row in cursor.fetchall())


def test_purge_forgets_only_the_words_no_other_entry_holds():
    kept = make_item("Dune", "Herbert, Frank", summary="Arrakis et ses sables.")
    gone = make_item("Carnet", "Quillebeufwxyz, Albertine", summary="Dune relue, Arrakis.")
    indexing.rebuild()
    assert terms("quillebeufwxyz", "albertine", "dune", "arrakis") == {
        "quillebeufwxyz",
        "albertine",
        "dune",
        "arrakis",
    }
    if connection.vendor == "sqlite":
        assert fts_blob_holds("quillebeufwxyz")

    gone_pk = gone.pk
    gone.delete()  # the row goes; its entry is still in the index until purged
    result = purge({"catalogue": {gone_pk}})

    assert result["removed"] == 1 and result["terms_forgotten"] == 4  # carnet, relue too
    assert terms("quillebeufwxyz", "albertine", "dune", "arrakis") == {"dune", "arrakis"}
    assert not SearchEntry.objects.filter(kind="catalogue", object_id=gone_pk).exists()
    assert get_backend().search("quillebeufwxyz").total == 0
    assert get_backend().search("quillebeufwxy").total == 0  # no typo correction to it
    assert [h.obj.pk for h in get_backend().search("arrakis").hits] == [kept.pk]
    if connection.vendor == "sqlite":
        assert not fts_blob_holds("quillebeufwxyz")  # merged away, not only marked deleted


def test_purge_reindexes_a_rewritten_object():
    item = make_item("Lettres", "Quillebeufabcd, Jeanne", summary="Correspondance.")
    indexing.rebuild()
    item.authors = "Membre parti·e"
    item.save()
    SearchEntry.objects.filter(kind="catalogue", object_id=item.pk).update(
        people="Quillebeufabcd, Jeanne"  # the stale copy the purge must replace
    )
    result = purge({"catalogue": {item.pk}})
    assert result["indexed"] == 1 and "quillebeufabcd" not in terms("quillebeufabcd")
    entry = SearchEntry.objects.get(kind="catalogue", object_id=item.pk)
    assert "Quillebeufabcd" not in entry.people
