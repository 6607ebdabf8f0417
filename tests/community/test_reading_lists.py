"""Members' reading lists and « Ça m'intéresse » on items: the actions with their limits, the
pages, and what an attacker can try (others' lists, private lists, bad ids, CSRF, `next`).
Privacy: the lists are exported and erased with the account."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.models import HoldingStatus
from community.actions import lists as actions
from community.actions import ratelimits
from community.actions.errors import Refused
from community.actions.ratelimits import RateLimited
from community.models import Interaction, ReadingList, ReadingListEntry, Sanction
from community.privacy.erasure import delete_account
from community.privacy.export import as_json, member_data
from feeds.recommendations.signals import signal_rows
from tests.cms.library_factories import make_item
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


@pytest.fixture(autouse=True)
def _no_rate_limits_left(member):
    ratelimits.reset(member)
    yield
    ratelimits.reset(member)


@pytest.fixture
def items(branches):
    return {
        "dune": make_item("Dune", holdings=[(branches["aubagne"], HoldingStatus.AVAILABLE)]),
        "peste": make_item("La Peste", holdings=[(branches["arles"], HoldingStatus.ON_LOAN)]),
        "gone": make_item("Retiré", withdrawn=True),
    }


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


# --- actions --------------------------------------------------------------------------


def test_default_list_is_created_once_and_cannot_be_deleted(member):
    first = actions.default_list(member)
    assert actions.default_list(member) == first
    assert first.is_default and first.name == "À lire"
    with pytest.raises(Refused) as refused:
        actions.delete_list(member, first.pk)
    assert refused.value.status == 400


def test_create_rename_delete(member):
    created = actions.create_list(member, "  Polars   de l’été ", public=True)
    assert created.name == "Polars de l’été" and created.public
    with pytest.raises(Refused, match="déjà une liste"):
        actions.create_list(member, "polars DE l’été")
    with pytest.raises(Refused, match="nom"):
        actions.create_list(member, "   ")
    with pytest.raises(Refused):
        actions.create_list(member, "x" * 81)
    renamed = actions.update_list(member, created.pk, name="Polars", public=False)
    assert (renamed.name, renamed.public) == ("Polars", False)
    assert actions.delete_list(member, created.pk) == "Polars"
    assert not ReadingList.objects.filter(pk=created.pk).exists()


def test_limits_number_of_lists_and_creation_rate(member, settings):
    settings.AFFINITES_RATE_LIMITS = {"list": (3, 3600)}
    for n in range(3):
        actions.create_list(member, f"Liste {n}")
    with pytest.raises(RateLimited) as limited:
        actions.create_list(member, "Liste 4")
    assert "3 listes" in limited.value.message
    settings.AFFINITES_RATE_LIMITS = {"list": (100, 3600)}
    ratelimits.reset(member)
    for n in range(3, actions.MAX_LISTS - 1):  # « À lire » holds the last place
        actions.create_list(member, f"Liste {n}")
    with pytest.raises(Refused) as refused:
        actions.create_list(member, "Une de trop")
    assert refused.value.code == "too_many"
    assert actions.default_list(member).is_default
    assert ReadingList.objects.filter(owner=member).count() == actions.MAX_LISTS


def test_the_name_of_to_read_is_taken_before_it_is_stored(member):
    with pytest.raises(Refused, match="déjà une liste"):
        actions.create_list(member, "à LIRE")
    mine = actions.create_list(member, "Polars")
    with pytest.raises(Refused, match="déjà une liste"):
        actions.update_list(member, mine.pk, name="À lire", public=False)
    assert not ReadingList.objects.filter(owner=member, is_default=True).exists()


def test_add_and_remove_items(member, items, monkeypatch):
    reading_list, added = actions.add_item(member, None, items["dune"].pk, "pour les vacances")
    assert added and reading_list.is_default
    assert actions.add_item(member, None, items["dune"].pk) == (reading_list, False)
    assert ReadingListEntry.objects.get().note == "pour les vacances"
    with pytest.raises(Refused) as gone:
        actions.add_item(member, None, items["gone"].pk)
    assert gone.value.status == 410
    with pytest.raises(Refused):
        actions.add_item(member, None, items["peste"].pk, "x" * 281)
    monkeypatch.setattr(actions, "MAX_ENTRIES", 1)
    with pytest.raises(Refused) as full:
        actions.add_item(member, reading_list.pk, items["peste"].pk)
    assert full.value.code == "too_many"
    assert actions.remove_item(member, reading_list.pk, items["dune"].pk)
    assert not actions.remove_item(member, reading_list.pk, items["dune"].pk)


@pytest.mark.parametrize("bad_id", [999999, "abc", "-1", "", None])
def test_bad_item_ids_are_not_found(member, bad_id):
    actions.default_list(member)
    with pytest.raises(Refused) as refused:
        actions.add_item(member, None, bad_id)
    assert refused.value.status == 404


def test_someone_elses_list_is_not_found(member, items):
    other = make_user()
    theirs = actions.create_list(other, "À moi", public=True)
    for attempt in (
        lambda: actions.add_item(member, theirs.pk, items["dune"].pk),
        lambda: actions.remove_item(member, theirs.pk, items["dune"].pk),
        lambda: actions.update_list(member, theirs.pk, name="Piraté", public=True),
        lambda: actions.delete_list(member, theirs.pk),
    ):
        with pytest.raises(Refused) as refused:
            attempt()
        assert refused.value.status == 404
    theirs.refresh_from_db()
    assert theirs.name == "À moi" and not theirs.entries.exists()


def test_a_sanctioned_member_cannot_make_a_list_public(member):
    Sanction.objects.create(user=member, kind=Sanction.Kind.SUSPENSION, starts_at=timezone.now())
    with pytest.raises(Refused) as refused:
        actions.create_list(member, "Publique", public=True)
    assert refused.value.code == "sanction"
    private = actions.create_list(member, "Privée")
    with pytest.raises(Refused):
        actions.update_list(member, private.pk, name="Privée", public=True)


def test_interest_toggle_feeds_the_recommender(member, items):
    item, interested = actions.toggle_interest(member, items["dune"].pk)
    assert interested
    row = Interaction.objects.get()
    assert (row.kind, row.post_id, row.item_id) == ("interested", None, item.pk)
    signals = list(signal_rows(["interactions"], members=[member.pk]))
    assert [(s.item_id, s.weight) for s in signals] == [(item.pk, 0.7)]
    assert actions.toggle_interest(member, items["dune"].pk)[1] is False
    assert not Interaction.objects.exists()
    with pytest.raises(Refused) as gone:
        actions.toggle_interest(member, items["gone"].pk)
    assert gone.value.status == 410


# --- pages ----------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client, items):
    item = items["dune"]
    for url in (
        reverse("community:my_lists"),
        reverse("community:list_create"),
        reverse("community:item_add_to_list", args=[item.pk]),
        reverse("community:item_interest", args=[item.pk]),
    ):
        method = client.get if url == reverse("community:my_lists") else client.post
        response = method(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not ReadingList.objects.exists() and not Interaction.objects.exists()


def test_add_to_to_read_from_the_item_page(signed_in, member, items):
    item = items["dune"]
    page = reverse("search:item", args=[item.record_id])
    response = signed_in.post(
        reverse("community:item_add_to_list", args=[item.pk]), {"list": "", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    to_read = ReadingList.objects.get(owner=member)
    assert to_read.is_default and to_read.entries.get().item == item
    shown = text(signed_in.get(page))
    assert "Ajouté à votre liste « À lire »" in shown
    assert "Dans vos listes :" in shown and to_read.get_absolute_url() in shown


def test_reading_the_lists_writes_nothing_until_something_is_added(signed_in, member, items):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = items["dune"]
    page = reverse("search:item", args=[item.record_id])
    signed_in.get(page)  # the site settings are created on first use
    with CaptureQueriesContext(connection) as queries:
        lists_page = text(signed_in.get(reverse("community:my_lists")))
        item_page = text(signed_in.get(page))
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not ReadingList.objects.filter(owner=member).exists()
    # « À lire » is shown all the same: on the lists page, and to choose on the item page
    assert '<h2 class="card-title">À lire</h2>' in lists_page
    assert '<option value="">À lire</option>' in item_page
    signed_in.post(reverse("community:item_add_to_list", args=[item.pk]), {"list": ""})
    to_read = ReadingList.objects.get(owner=member)
    assert to_read.is_default and to_read.entries.get().item == item
    lists_page = text(signed_in.get(reverse("community:my_lists")))
    assert f'<a href="{to_read.get_absolute_url()}">À lire</a>' in lists_page


def test_my_lists_page_create_and_list_page(signed_in, member, items):
    response = signed_in.get(reverse("community:my_lists"))
    assert "À lire" in text(response)
    response = signed_in.post(
        reverse("community:list_create"), {"name": "Science-fiction", "public": "1"}
    )
    created = ReadingList.objects.get(owner=member, name="Science-fiction")
    assert response["Location"] == created.get_absolute_url() and created.public
    signed_in.post(
        reverse("community:item_add_to_list", args=[items["dune"].pk]), {"list": created.pk}
    )
    shown = text(signed_in.get(created.get_absolute_url()))
    assert "Dune" in shown and "Réglages de la liste" in shown
    # a form refusal comes back as a message, not an error page
    response = signed_in.post(
        reverse("community:list_create"), {"name": "science-fiction"}, follow=True
    )
    assert response.status_code == 200 and "déjà une liste" in text(response)
    assert "Science-fiction" in text(signed_in.get(reverse("community:my_library")))


def test_public_list_is_readable_by_anyone_private_by_no_one_else(client, member, items):
    public = actions.create_list(member, "Mes coups de cœur", public=True)
    private = actions.create_list(member, "Secret")
    actions.add_item(member, public.pk, items["dune"].pk)
    actions.add_item(member, private.pk, items["peste"].pk)
    shown = text(client.get(public.get_absolute_url()))
    assert "Dune" in shown and "Réglages de la liste" not in shown
    assert client.get(private.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(private.get_absolute_url()).status_code == 404
    assert client.get(reverse("community:reading_list", args=[999999])).status_code == 404


def test_attacker_cannot_touch_others_lists_through_the_pages(client, member, items):
    theirs = actions.create_list(member, "À Camille", public=True)
    actions.add_item(member, theirs.pk, items["dune"].pk)
    attacker = make_user()
    client.force_login(attacker)
    for url, data in (
        (reverse("community:list_update", args=[theirs.pk]), {"name": "x", "public": "1"}),
        (reverse("community:list_delete", args=[theirs.pk]), {}),
        (reverse("community:list_remove_item", args=[theirs.pk, items["dune"].pk]), {}),
        (reverse("community:item_add_to_list", args=[items["peste"].pk]), {"list": theirs.pk}),
        (reverse("community:item_add_to_list", args=[items["peste"].pk]), {"list": "abc"}),
        (reverse("community:item_add_to_list", args=[999999]), {}),
        (reverse("community:item_interest", args=[999999]), {}),
    ):
        assert client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.name == "À Camille" and theirs.entries.count() == 1
    assert client.get(reverse("community:list_update", args=[theirs.pk])).status_code == 405


def test_csrf_is_enforced(member, items):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    url = reverse("community:item_interest", args=[items["dune"].pk])
    assert client.post(url).status_code == 403
    assert client.post(reverse("community:list_create"), {"name": "x"}).status_code == 403
    assert not Interaction.objects.exists() and not ReadingList.objects.exists()


def test_next_to_another_site_is_ignored(signed_in, items):
    item = items["dune"]
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = signed_in.post(reverse("community:item_interest", args=[item.pk]), {"next": bad})
        assert response["Location"] == reverse("search:item", args=[item.record_id])


def test_interest_toggle_from_the_item_page(signed_in, member, items):
    item = items["dune"]
    page = reverse("search:item", args=[item.record_id])
    signed_in.post(reverse("community:item_interest", args=[item.pk]), {"next": page})
    shown = text(signed_in.get(page))
    assert 'aria-pressed="true"' in shown and "Ça m’intéresse ✓" in shown
    signed_in.post(reverse("community:item_interest", args=[item.pk]), {"next": page})
    assert 'aria-pressed="false"' in text(signed_in.get(page))


# --- privacy ----------------------------------------------------------------------------


def test_lists_are_exported_and_erased_with_the_account(member, items):
    reading_list = actions.create_list(member, "Pour Noël", public=True)
    actions.add_item(member, reading_list.pk, items["dune"].pk, "note très personnelle")
    actions.toggle_interest(member, items["peste"].pk)
    exported = str(as_json(member, member_data(member)))
    assert "Pour Noël" in exported and "note très personnelle" in exported
    delete_account(member, keep_posts=True)
    assert not ReadingList.objects.exists() and not ReadingListEntry.objects.exists()
    assert not Interaction.objects.exists()


def test_list_page_queries_do_not_grow_with_items(
    client, member, branches, django_assert_max_num_queries
):
    public = actions.create_list(member, "Beaucoup", public=True)
    for n in range(12):
        item = make_item(
            f"Titre {n}",
            holdings=[
                (branches["aubagne"], HoldingStatus.AVAILABLE),
                (branches["arles"], HoldingStatus.ON_LOAN),
            ],
        )
        actions.add_item(member, public.pk, item.pk)
    client.force_login(member)
    client.get(public.get_absolute_url())  # the site settings are created on first use
    with django_assert_max_num_queries(14):
        response = client.get(public.get_absolute_url())
    assert text(response).count("En rayon à") + text(response).count("Disponible à") == 12
    with django_assert_max_num_queries(12):
        assert client.get(reverse("community:my_lists")).status_code == 200


# --- librarians: a curated list from a member's public list -----------------------------


def test_librarian_builds_a_draft_selection_from_a_public_list(client, member, librarian, items):
    from cms.models import RecommendationPage

    public = actions.create_list(member, "Polars marseillais", public=True)
    private = actions.create_list(member, "Secret")
    actions.add_item(member, public.pk, items["dune"].pk)
    actions.add_item(member, public.pk, items["peste"].pk)
    actions.add_item(member, private.pk, items["peste"].pk)
    client.force_login(librarian)
    listing = text(client.get(reverse("members_public_lists")))
    assert "Polars marseillais" in listing and "Secret" not in listing
    response = client.post(reverse("members_public_list_selection", args=[public.pk]))
    page = RecommendationPage.objects.get()
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert not page.live and page.title == "Polars marseillais"
    assert [block.value["item"] for block in page.items] == [items["dune"], items["peste"]]
    assert client.get(response["Location"]).status_code == 200
    # a second selection from the same list gets its own address
    client.post(reverse("members_public_list_selection", args=[public.pk]))
    assert RecommendationPage.objects.filter(slug="polars-marseillais-2").exists()
    # private lists and bad ids do not exist here
    assert (
        client.post(reverse("members_public_list_selection", args=[private.pk])).status_code == 404
    )
    assert client.post(reverse("members_public_list_selection", args=[999999])).status_code == 404
    assert client.get(reverse("members_public_list_selection", args=[public.pk])).status_code == 405


def test_members_cannot_build_selections(client, member):
    public = actions.create_list(member, "À moi", public=True)
    client.force_login(member)
    response = client.post(reverse("members_public_list_selection", args=[public.pk]))
    assert response.status_code in (302, 403)
    from cms.models import RecommendationPage

    assert not RecommendationPage.objects.exists()


def test_new_list_from_the_item_page_holds_the_item(signed_in, member, items):
    item = items["dune"]
    page = reverse("search:item", args=[item.record_id])
    assert "Dans une nouvelle liste" in text(signed_in.get(page))
    response = signed_in.post(
        reverse("community:list_create"), {"name": "Été", "item": item.pk, "next": page}
    )
    assert response["Location"] == page
    created = ReadingList.objects.get(owner=member, name="Été")
    assert [entry.item for entry in created.entries.all()] == [item]
    assert "Ajouté à votre nouvelle liste « Été »" in text(signed_in.get(page))


def test_control_characters_in_a_name_or_a_note_are_refused_with_a_reason(signed_in, member, items):
    """NUL is refused by PostgreSQL in text (a 500 there before): refused on every database,
    with the reason said and nothing saved."""
    with pytest.raises(Refused, match="caractères de contrôle"):
        actions.create_list(member, "Polars\x00")
    with pytest.raises(Refused, match="caractères de contrôle"):
        actions.add_item(member, None, items["dune"].pk, "note\x00")
    assert not ReadingList.objects.exists()
    mine = actions.create_list(member, "Polars")
    for url, data in (
        (reverse("community:list_create"), {"name": "Polars\x00 noirs"}),
        (reverse("community:list_update", args=[mine.pk]), {"name": "Pol\x00ars"}),
        (
            reverse("community:list_create"),
            {"name": "Du\x1bne", "item": items["dune"].pk},
        ),
    ):
        response = signed_in.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert "caractères de contrôle" in text(response), url
    assert list(ReadingList.objects.values_list("name", flat=True)) == ["Polars"]
    assert not ReadingListEntry.objects.exists()
    kept = actions.add_item(member, None, items["dune"].pk, "ligne 1\nligne 2\tfin")[0]
    assert kept.entries.get().note == "ligne 1\nligne 2\tfin"
