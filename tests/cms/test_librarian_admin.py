"""The librarian's admin: a new event starts at their médiathèque, interests are chosen in a
grouped, filterable checkbox list (everywhere interests are picked), required fields say
so before saving."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms.models import EventIndexPage, EventPage, NewsIndexPage, RecommendationIndexPage
from community.models import CommunityIndexPage
from tests.conftest import make_interest, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def librarian_of_aubagne(branches):
    return make_user(groups=["Bibliothécaires"], home_branch=branches["aubagne"])


def _add_url(model: str, parent) -> str:
    return f"/admin/pages/add/{model}/{parent.pk}/"


def _selected_branch(html: str) -> str | None:
    match = re.search(r'<input type="hidden" name="branch" value="(\d*)"', html)
    return match.group(1) if match else None


def test_a_new_event_starts_at_the_librarians_mediatheque(client, librarian_of_aubagne, branches):
    client.force_login(librarian_of_aubagne)
    html = client.get(_add_url("cms/eventpage", EventIndexPage.objects.get())).content.decode()
    assert _selected_branch(html) == str(branches["aubagne"].pk)
    assert "Médiathèque Marcel Pagnol" in html


def test_a_new_announcement_targets_the_librarians_mediatheque(
    client, librarian_of_aubagne, branches
):
    client.force_login(librarian_of_aubagne)
    html = client.get(
        _add_url("cms/announcementpage", NewsIndexPage.objects.get())
    ).content.decode()
    branches_field = re.search(r'<select name="branches".*?</select>', html, re.S).group(0)
    chosen = re.findall(r'<option value="(\d+)"\s+selected', branches_field)
    assert chosen == [str(branches["aubagne"].pk)]


def test_an_existing_event_keeps_its_own_mediatheque(client, librarian_of_aubagne, branches):
    from tests.cms.library_factories import make_event

    event = make_event("Club manga", branch=branches["arles"])
    client.force_login(librarian_of_aubagne)
    html = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    assert _selected_branch(html) == str(branches["arles"].pk)


def test_without_a_home_branch_nothing_is_chosen_for_them(client, branches):
    client.force_login(make_user(groups=["Bibliothécaires"]))
    html = client.get(_add_url("cms/eventpage", EventIndexPage.objects.get())).content.decode()
    assert _selected_branch(html) in ("", None)


def test_interests_are_grouped_checkboxes_with_a_filter(client, librarian_of_aubagne, taxonomy):
    client.force_login(librarian_of_aubagne)
    html = client.get(_add_url("cms/eventpage", EventIndexPage.objects.get())).content.decode()
    assert '<select name="interests"' not in html
    chooser = re.search(
        r'<div class="interest-chooser".*?</fieldset>\s*</div>\s*</div>', html, re.S
    )
    assert chooser, "the interest chooser is on the page"
    legends = re.findall(r"<legend>(.*?)</legend>", chooser.group(0))
    assert legends == ["Imaginaire", "BD", "Cuisine"]
    assert "Imaginaire (tout le thème)" in chooser.group(0)
    assert re.search(
        r'<label for="id_interests-filter">Filtrer les centres d’intérêt</label>', html
    )
    assert html.count('type="checkbox" name="interests"') == 6
    assert "js/interest-chooser.js" in html and "css/interest-chooser.css" in html


def test_the_chooser_costs_the_same_queries_whatever_the_number_of_interests(
    client, librarian_of_aubagne, taxonomy
):
    client.force_login(librarian_of_aubagne)
    url = _add_url("cms/eventpage", EventIndexPage.objects.get())
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    theme = make_interest("Musique", position=9)
    for n in range(12):
        make_interest(f"Genre {n}", theme, position=n)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_required_fields_are_explained_before_saving(client, librarian_of_aubagne):
    client.force_login(librarian_of_aubagne)
    html = client.get(_add_url("cms/eventpage", EventIndexPage.objects.get())).content.decode()
    assert "Les champs marqués d’un astérisque (*) sont obligatoires" in html
    for label in ("Début", "Fin", "Médiathèque", "Description"):
        assert re.search(
            rf"{label}\s*<span class=\"w-required-mark\">\*</span>", html
        ) or re.search(rf"{label}</span><span class=\"w-required-mark\"", html), label
    assert "Après le début." in html  # the rule checked on saving is said beside the field


@pytest.mark.parametrize(
    "url",
    [
        lambda: _add_url("cms/announcementpage", NewsIndexPage.objects.get()),
        lambda: _add_url("cms/recommendationpage", RecommendationIndexPage.objects.get()),
        lambda: _add_url("community/communitypage", CommunityIndexPage.objects.get()),
        lambda: reverse("wagtailsnippets_cms_catalogueitem:add"),
    ],
    ids=["announcement", "curated list", "community", "catalogue item"],
)
def test_every_form_that_picks_interests_uses_the_chooser(client, network_admin, taxonomy, url):
    client.force_login(network_admin)
    html = client.get(url()).content.decode()
    assert "data-interest-chooser" in html
    assert '<select name="interests"' not in html


@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("wagtailsnippets_cms_subjectrule:add"),
        lambda: reverse("wagtailsnippets_feeds_facebookinterest:add"),
    ],
    ids=["subject rule", "facebook interest"],
)
def test_a_single_interest_is_chosen_in_a_grouped_list(client, network_admin, taxonomy, url):
    client.force_login(network_admin)
    html = client.get(url()).content.decode()
    select = re.search(r'<select name="interest".*?</select>', html, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["Imaginaire", "BD", "Cuisine"]


def test_an_event_is_saved_with_the_interests_ticked(
    client, librarian_of_aubagne, taxonomy, branches
):
    client.force_login(librarian_of_aubagne)
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(microsecond=0)
    response = client.post(
        _add_url("cms/eventpage", EventIndexPage.objects.get()),
        {
            "title": "Atelier manga",
            "slug": "atelier-manga",
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "end": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "branch": branches["aubagne"].pk,
            "interests": [taxonomy["manga"].pk, taxonomy["bd"].pk],
            "description": '{"blocks":[{"key":"a","text":"Dessin.","type":"unstyled","depth":0,"inlineStyleRanges":[],"entityRanges":[],"data":{}}],"entityMap":{}}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = EventPage.objects.get(slug="atelier-manga")
    assert set(event.interests.all()) == {taxonomy["manga"], taxonomy["bd"]}
