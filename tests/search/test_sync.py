"""The index follows the data: saves, deletes, unpublish, holdings, imports, interests —
through on-commit background tasks, and never for a transaction that rolls back."""

import io
from unittest import mock

import pytest
from django.db import transaction

from cms.catalogue import import_catalogue
from cms.models import CatalogueItem, Holding, HoldingStatus
from search.backends import get_backend
from search.backends.base import Filters
from search.models import SearchEntry
from tests.conftest import make_community, make_interest, make_user

from .conftest import make_event, make_item

pytestmark = pytest.mark.django_db


def found(q, **kwargs) -> list[str]:
    return [hit.obj.title for hit in get_backend().search(q, **kwargs).hits]


def test_save_update_and_delete(on_commit, branches):
    with on_commit():
        item = make_item(
            "Le Horla", "Maupassant, Guy de", holdings=[(branches["arles"], "disponible")]
        )
    assert found("horla") == ["Le Horla"]
    with on_commit():
        item.title = "Le Horla et autres contes"
        item.save()
    assert found("contes horla") == ["Le Horla et autres contes"]
    assert SearchEntry.objects.filter(kind="catalogue", object_id=item.pk).count() == 1
    with on_commit():
        item.delete()
    assert found("horla") == []
    assert not SearchEntry.objects.filter(kind="catalogue").exists()
    assert [s.label for s in get_backend().suggest("le horl")] == []


def test_withdrawn_item_leaves_the_index(on_commit):
    with on_commit():
        item = make_item("Bel-Ami", "Maupassant, Guy de")
    assert found("bel ami") == ["Bel-Ami"]
    with on_commit():
        item.withdrawn = True
        item.save()
    assert found("bel ami") == []


def test_holding_status_change_updates_availability(on_commit, branches):
    with on_commit():
        item = make_item(
            "Une vie", "Maupassant, Guy de", holdings=[(branches["arles"], "emprunte")]
        )
    available = Filters(available=True)
    assert found("une vie", filters=available) == []
    with on_commit():
        holding = Holding.objects.get(item=item)
        holding.status = HoldingStatus.AVAILABLE
        holding.save()
    assert found("une vie", filters=available) == ["Une vie"]
    with on_commit():
        holding.delete()
    assert found("une vie", filters=Filters(branches=(branches["arles"].pk,))) == []


def test_publish_unpublish_and_delete_pages(on_commit, branches, taxonomy):
    with on_commit():
        event = make_event(
            "Atelier manga pour ados", branches["aubagne"], interests=[taxonomy["manga"]]
        )
    assert found("atelier manga") == ["Atelier manga pour ados"]
    with on_commit():
        event.unpublish()
    assert found("atelier manga") == []
    with on_commit():
        event.save_revision().publish()
    assert found("atelier manga") == ["Atelier manga pour ados"]
    with on_commit():
        event.delete()
    assert found("atelier manga") == []


def test_communities_and_their_suggestions(on_commit, taxonomy):
    with on_commit():
        club = make_community("Le cercle des cuisiniers", interests=[taxonomy["cuisine"]])
    assert found("cuisiniers") == ["Le cercle des cuisiniers"]
    assert ("community", "Le cercle des cuisiniers") in {
        (s.kind, s.label) for s in get_backend().suggest("cercle")
    }
    with on_commit():
        club.unpublish()
    assert found("cuisiniers") == []
    assert get_backend().suggest("cercle") == []


def test_rolled_back_transaction_schedules_nothing(on_commit):
    with mock.patch("search.tasks.sync_search_index") as task:
        with on_commit():
            try:
                with transaction.atomic():
                    make_item("Pierre et Jean", "Maupassant, Guy de")
                    raise RuntimeError
            except RuntimeError:
                pass
        task.enqueue.assert_not_called()
    assert found("pierre jean") == []


def test_one_task_per_kind_per_transaction(on_commit, branches):
    patch = mock.patch("search.tasks.sync_search_index")
    with patch as task, on_commit(), transaction.atomic():
        item = make_item("Mont-Oriol", holdings=[(branches["arles"], "disponible")])
        item.title = "Mont-Oriol (édition de poche)"
        item.save()
        other = make_item("Fort comme la mort")
    task.enqueue.assert_called_once_with("catalogue", sorted([item.pk, other.pk]))


def test_catalogue_import_reaches_the_index(on_commit, branches):
    branches["arles"].code = "ARL"
    branches["arles"].save()
    csv = (
        "record_id,title,authors,type,year,language,summary,holdings\n"
        'IMP1,Le Rouge et le Noir,"Stendhal",livre,1830,fre,Julien Sorel à Verrières.,ARL|R STE|disponible\n'
        'IMP2,La Chartreuse de Parme,"Stendhal",livre,1839,fre,Fabrice del Dongo.,ARL|R STE|emprunte\n'
    )
    with on_commit():
        summary = import_catalogue(io.BytesIO(csv.encode()), "csv")
    assert summary.created == 2
    assert sorted(found("stendhal")) == ["La Chartreuse de Parme", "Le Rouge et le Noir"]
    assert found("stendhal", filters=Filters(available=True)) == ["Le Rouge et le Noir"]
    # a second import withdrawing one record (prune) removes it from the index
    with on_commit():
        import_catalogue(
            io.BytesIO(
                csv.splitlines(keepends=True)[0].encode()
                + csv.splitlines(keepends=True)[1].encode()
            ),
            "csv",
            prune=True,
        )
    assert CatalogueItem.objects.get(record_id="IMP2").withdrawn
    assert found("stendhal") == ["Le Rouge et le Noir"]


def test_new_interest_becomes_a_suggestion(on_commit):
    with on_commit():
        make_interest("Astronomie")
    assert [(s.kind, s.label) for s in get_backend().suggest("astro")] == [
        ("interest", "Astronomie")
    ]


def test_published_community_posts_are_searchable(on_commit, taxonomy):
    from community import models as community_models

    if not hasattr(community_models, "Post"):
        pytest.skip("community posts do not exist yet")
    club = make_community("Club manga", interests=[taxonomy["manga"]])
    author = make_user()
    with on_commit():
        post = community_models.Post.objects.create(
            community=club, author=author, body="Qui a lu le dernier tome de Frieren ?"
        )
    assert [h.kind for h in get_backend().search("frieren").hits] == ["post"]
    with on_commit():
        post.status = "removed"
        post.save()
    assert get_backend().search("frieren").hits == []
