"""Purchase suggestions: suggesting, "Moi aussi", duplicates, librarians' decisions, the
catalogue import making them available, notifications, exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from pymarc import MARCReader

from cms.catalogue import import_catalogue
from cms.models import HoldingStatus
from community import roles
from community.actions import suggestions as actions
from community.actions.errors import Refused
from community.models import Notification, PurchaseSuggestion, SuggestionSupport
from tests.cms.library_factories import make_item
from tests.conftest import make_community, make_user

Status = PurchaseSuggestion.Status


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limit slots live in the cache, keyed by member id: ids come back between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def now(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (signals to feeds, notifications) as the test goes."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def reader(branches, taxonomy):
    member = make_user("lea@example.org", home_branch=branches["aubagne"])
    member.interests.set([taxonomy["sf"]])
    return member


@pytest.fixture
def librarian(branches):
    user = make_user(groups=[roles.LIBRARIANS])
    branches["aubagne"].librarians.add(user)
    return user


def login(client, user):
    client.force_login(user)
    return client


def test_a_member_suggests_a_title_and_is_its_first_supporter(client, reader, taxonomy, branches):
    login(client, reader)
    form = client.get(reverse("community:suggest") + "?titre=Les+Furtifs")
    assert form.status_code == 200
    assert 'value="Les Furtifs"' in form.content.decode()
    response = client.post(
        reverse("community:suggest"),
        {
            "title": "Les Furtifs",
            "author": "Alain Damasio",
            "isbn": "978-2-37305-162-9",
            "reason": "Un grand roman de SF français.",
            "interests": [taxonomy["sf"].pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    suggestion = PurchaseSuggestion.objects.get()
    assert suggestion.isbn == "9782373051629" and suggestion.status == Status.RECEIVED
    assert list(suggestion.branches.all()) == [branches["aubagne"]]
    assert list(suggestion.supports.values_list("user", flat=True)) == [reader.pk]
    page = response.content.decode()
    assert "Les Furtifs" in page and "1 personne le veut" in page


def test_the_same_title_again_adds_support_instead_of_a_duplicate(reader, taxonomy):
    first, created = actions.suggest(reader, title="Le Petit Prince", author="Saint-Exupéry")
    assert created
    other = make_user()
    again, created = actions.suggest(other, title="petit prince", author="Antoine de Saint-Exupery")
    assert not created and again.pk == first.pk
    by_isbn, _ = actions.suggest(reader, title="Les Furtifs", isbn="2373051621")
    same, created = actions.suggest(other, title="Furtifs (Les)", isbn="9782373051629")
    assert not created and same.pk == by_isbn.pk
    assert PurchaseSuggestion.objects.count() == 2
    assert SuggestionSupport.objects.filter(suggestion=first).count() == 2


def test_a_title_already_held_points_to_the_item(client, reader, branches):
    make_item(
        "Dune",
        authors="Herbert, Frank",
        record_id="DUNE1",
        holdings=[(branches["aubagne"], HoldingStatus.AVAILABLE)],
    )
    login(client, reader)
    response = client.post(
        reverse("community:suggest"), {"title": "Dune", "author": "Frank Herbert"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "est déjà dans les collections" in page
    assert reverse("search:item", args=["DUNE1"]) in page
    assert not PurchaseSuggestion.objects.exists()


def test_bad_input_gets_a_clear_message_and_saves_nothing(client, reader):
    login(client, reader)
    response = client.post(reverse("community:suggest"), {"title": "X", "isbn": "12345"})
    assert response.status_code == 400
    assert "n’est pas un ISBN ou un EAN valide" in response.content.decode()
    response = client.post(reverse("community:suggest"), {"title": ""})
    assert response.status_code == 400
    assert not PurchaseSuggestion.objects.exists()
    client.logout()
    assert client.get(reverse("community:suggest")).status_code == 302  # to the login page


def test_an_interest_gone_since_the_form_was_shown_is_said_and_the_text_kept(
    client, reader, taxonomy
):
    """A librarian may delete an interest while a member fills the form: the answer says
    which choice failed, next to the interests, and keeps what the member wrote."""
    login(client, reader)
    gone = taxonomy["sf"].pk + 10_000
    response = client.post(
        reverse("community:suggest"),
        {"title": "Les Furtifs", "reason": "Pour le club SF", "interests": [gone]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    errors = re.search(
        r'<ul class="errorlist" id="suggestion-interests-errors"[^>]*>(.*?)</ul>', page, re.S
    )
    assert errors and f"{gone} n’en fait pas partie" in errors.group(1)
    assert 'value="Les Furtifs"' in page and "Pour le club SF" in page
    assert not PurchaseSuggestion.objects.exists()


def test_suggestions_are_rate_limited_like_posts(client, reader):
    login(client, reader)
    for n in range(5):
        client.post(reverse("community:suggest"), {"title": f"Titre numéro {n}"})
    response = client.post(reverse("community:suggest"), {"title": "Un de trop"})
    assert response.status_code == 429 and "Retry-After" in response
    assert PurchaseSuggestion.objects.count() == 5


def test_me_too_and_its_undo(client, reader):
    suggestion, _ = actions.suggest(reader, title="Les Furtifs")
    other = make_user()
    url = reverse("community:suggestion_support", args=[suggestion.pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    assert suggestion.supports.count() == 1
    login(client, other)
    client.post(url, {"next": "https://evil.example/"})
    assert suggestion.supports.count() == 2
    listing = client.get(reverse("community:suggestions")).content.decode()
    assert "2 personnes le veulent" in listing and 'aria-pressed="true"' in listing
    client.post(url, {"support": "0"})
    assert suggestion.supports.count() == 1
    assert client.post(reverse("community:suggestion_support", args=[10**6])).status_code == 404


def test_librarians_decide_on_their_branches_suggestions_and_supporters_hear(
    reader, librarian, branches, now
):
    suggestion, _ = actions.suggest(reader, title="Les Furtifs")
    elsewhere = make_user(groups=[roles.LIBRARIANS])
    branches["arles"].librarians.add(elsewhere)
    with pytest.raises(Refused):
        actions.set_status(elsewhere, suggestion, Status.ACCEPTED)
    with pytest.raises(Refused):
        actions.set_status(reader, suggestion, Status.ACCEPTED)
    with pytest.raises(Refused):
        actions.set_status(librarian, suggestion, Status.REFUSED)  # no reason
    actions.set_status(librarian, suggestion, Status.ACCEPTED)
    with pytest.raises(Refused):
        actions.set_status(librarian, suggestion, "nonsense")
    with now():
        actions.set_status(librarian, suggestion, Status.REFUSED, reason="Épuisé chez l’éditeur.")
    [note] = Notification.objects.filter(user=reader, kind=Notification.Kind.SUGGESTION)
    assert "n’a pas été retenue" in note.title and "Épuisé" in note.body
    with pytest.raises(Refused):
        actions.support(make_user(), suggestion)  # closed


def test_an_imported_record_makes_the_suggestion_available_and_tells_its_supporters(
    client, reader, branches, now
):
    branches["aubagne"].code = "AUB"
    branches["aubagne"].save()
    suggestion, _ = actions.suggest(reader, title="Les Furtifs", isbn="9782373051629")
    other = make_user(home_branch=branches["arles"])
    actions.support(other, suggestion)
    csv = (
        "record_id,title,authors,type,isbn,holdings\n"
        'FURT1,Les furtifs,"Damasio, Alain",livre,2373051621,AUB|R DAM|disponible\n'
    )
    with now():
        import_catalogue(io.BytesIO(csv.encode()), "csv")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.AVAILABLE and suggestion.item.record_id == "FURT1"
    notes = {n.user_id: n for n in Notification.objects.filter(kind=Notification.Kind.SUGGESTION)}
    assert set(notes) == {reader.pk, other.pk}
    assert (
        notes[reader.pk].title
        == "Votre suggestion « Les Furtifs » est arrivée à la Médiathèque Marcel Pagnol"
    )
    assert client.get(notes[reader.pk].url).status_code == 200  # the item's page


def test_an_item_added_in_the_admin_matches_by_title_and_author(reader, now):
    suggestion, _ = actions.suggest(reader, title="Le Petit Prince", author="Saint-Exupéry")
    with now():
        make_item("Petit prince (Le)", authors="Saint-Exupéry, Antoine de", record_id="PP1")
        make_item("Le Petit Prince", authors="Autre, Auteur", record_id="PP2")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.AVAILABLE and suggestion.item.record_id == "PP1"


def test_merging_a_duplicate_moves_its_supporters(reader, librarian):
    first, _ = actions.suggest(reader, title="Les Furtifs", author="Damasio")
    second, _ = actions.suggest(make_user(), title="Furtifs, roman", author="A. Damasio")
    actions.merge(librarian, second, first)
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first
    assert first.supports.count() == 2 and not second.supports.exists()


def test_admin_listing_decision_and_unimarc_export(client, reader, librarian, branches, now):
    mine, _ = actions.suggest(reader, title="Les Furtifs", author="Damasio", isbn="9782373051629")
    theirs, _ = actions.suggest(make_user(home_branch=branches["arles"]), title="Autre titre")
    client.force_login(librarian)
    listing = client.get(reverse("purchase_suggestions:index"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Les Furtifs" in page and "Autre titre" not in page
    assert client.get(reverse("purchase_suggestions:edit", args=[theirs.pk])).status_code == 404
    edit = reverse("purchase_suggestions:edit", args=[mine.pk])
    refused = client.post(edit, {"status": Status.REFUSED, "refusal_reason": ""})
    assert refused.status_code == 200 and "Dites pourquoi" in refused.content.decode()
    with now():
        client.post(edit, {"status": Status.ORDERED, "refusal_reason": ""})
    mine.refresh_from_db()
    assert mine.status == Status.ORDERED
    export = client.get(reverse("suggestion_unimarc_export"))
    assert export.status_code == 200
    [record] = list(MARCReader(io.BytesIO(export.content), to_unicode=True, force_utf8=True))
    assert record["200"]["a"] == "Les Furtifs" and record["010"]["a"] == "9782373051629"
    csv_export = client.get(reverse("purchase_suggestions:index") + "?export=csv")
    assert csv_export.status_code == 200 and "Les Furtifs" in b"".join(
        csv_export.streaming_content
    ).decode("utf-8-sig")
    client.force_login(reader)
    assert client.get(reverse("suggestion_unimarc_export")).status_code in (302, 403)


def test_the_csv_export_never_hands_a_formula_to_the_spreadsheet(client, reader, librarian):
    """Titles, authors and reasons are the members' text: a cell Excel or LibreOffice would
    run as a formula (CSV injection) is exported as text, with a leading apostrophe."""
    actions.suggest(
        reader, title='=HYPERLINK("https://evil.example/")', author="@SUM(1+1)", reason="+33 1"
    )
    client.force_login(librarian)
    export = client.get(reverse("purchase_suggestions:index") + "?export=csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["Titre"] == '\'=HYPERLINK("https://evil.example/")'
    assert row["Auteur"] == "'@SUM(1+1)" and row["Pourquoi ce titre"] == "'+33 1"
    assert row["État"] == "reçue"  # the state's French label, not its stored value


def test_marc_separators_typed_by_a_member_do_not_break_the_unimarc_export(
    client, reader, librarian
):
    """0x1D ends a MARC record, 0x1E a field, 0x1F starts a subfield: in a title they would
    cut the record the acquisitions module reads. They, and a reason's line breaks, are
    exported as spaces."""
    actions.suggest(
        reader,
        title="Titre\x1e\x1dcassé\x1fa",
        author="Auteur\x1f",
        reason="ligne 1\r\nligne 2",
    )
    actions.suggest(make_user(home_branch=reader.home_branch), title="Second titre")
    client.force_login(librarian)
    export = client.get(reverse("suggestion_unimarc_export")).content
    assert export.count(b"\x1d") == 2  # one record terminator per suggestion
    records = list(MARCReader(io.BytesIO(export), to_unicode=True, force_utf8=True))
    titles = {record["200"]["a"]: record for record in records}
    assert set(titles) == {"Titre cassé a", "Second titre"}
    broken = titles["Titre cassé a"]
    assert broken["200"].get_subfields("f") == ["Auteur"]
    assert broken["300"]["a"].endswith("ligne 1 ligne 2")


def test_entry_points_from_an_empty_search_and_a_community(client, reader, taxonomy, branches):
    community = make_community(
        "Science-fiction", interests=[taxonomy["sf"]], branches=[branches["aubagne"]]
    )
    page = client.get("/recherche/?q=zyxwvut").content.decode()
    assert reverse("community:suggest") + "?titre=zyxwvut" in page
    assert (
        reverse("community:suggest") + f"?communaute={community.pk}"
        in client.get(community.url).content.decode()
    )
    login(client, reader)
    form = client.get(reverse("community:suggest") + f"?communaute={community.pk}").content.decode()
    assert re.search(rf'value="{taxonomy["sf"].pk}"[^>]*checked', form)
