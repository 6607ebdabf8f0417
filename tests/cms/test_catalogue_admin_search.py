"""Admin search of the catalogue without a Wagtail index of it (cms/catalogue/admin_search.py).

Wagtail's "default" backend indexes pages, images… but not catalogue items (the site search
has its own index); the snippet listing and the chooser still find items, in the database.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from cms.catalogue import import_catalogue
from cms.catalogue.admin_search import search_catalogue_items
from cms.models import CatalogueItem, Interest
from tests.cms.catalogue_fixtures import iso2709, unimarc_book, write
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return make_user("root@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def items(db):
    return {
        "dune": CatalogueItem.objects.create(
            record_id="R-1", title="Dune", authors="Herbert, Frank", isbn="9782266320481"
        ),
        "fondation": CatalogueItem.objects.create(
            record_id="R-2", title="Fondation", authors="Asimov, Isaac", withdrawn=True
        ),
        "jardin": CatalogueItem.objects.create(
            record_id="KOHA-77", title="Le Jardin secret", authors="Burnett, Frances Hodgson"
        ),
    }


def _catalogue_entries() -> int:
    content_type = ContentType.objects.get_for_model(CatalogueItem)
    return IndexEntry.objects.filter(content_type=content_type).count()


def test_saved_and_imported_items_are_not_in_wagtails_index(tmp_path, items):
    items["dune"].title = "Dune (nouvelle traduction)"
    items["dune"].save()
    import_catalogue(write(tmp_path, "a.mrc", iso2709(unimarc_book("1001"))), "unimarc")

    assert CatalogueItem.objects.count() == 4
    assert _catalogue_entries() == 0


def test_other_models_are_still_indexed_by_wagtail(db):
    interest = Interest.objects.create(name="Astronomie amateur")

    content_type = ContentType.objects.get_for_model(Interest)
    assert IndexEntry.objects.filter(content_type=content_type, object_id=interest.pk).exists()
    found = get_search_backend().search("astronomie", Interest)
    assert [i.pk for i in found] == [interest.pk]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("dune", ["Dune"]),
        ("herbert frank", ["Dune"]),  # words in any order, "Nom, Prénom" stored
        ("Frank Herbert", ["Dune"]),
        ("978-2-266-32048-1", ["Dune"]),  # ISBN with hyphens
        ("2266320483", ["Dune"]),  # its ISBN-10
        ("koha-77", ["Le Jardin secret"]),  # record id
        ("fondation", ["Fondation"]),  # withdrawn items too: the admin manages them
        ("jardin asimov", []),  # every word must match
    ],
)
def test_catalogue_items_are_searched_in_the_database(items, query, expected):
    found = search_catalogue_items(CatalogueItem.objects.all(), query)
    assert sorted(i.title for i in found) == expected
    found = search_catalogue_items(CatalogueItem.objects.filter(withdrawn=False), query)
    assert sorted(i.title for i in found) == [t for t in expected if t != "Fondation"]


def test_empty_query_finds_nothing(items):
    assert list(search_catalogue_items(CatalogueItem.objects.all(), "  ")) == []


def test_admin_listing_search(client, superuser, items):
    assert client.login(username=superuser.username, password=PASSWORD)
    url = reverse("wagtailsnippets_cms_catalogueitem:list")

    response = client.get(url, {"q": "herbert"})

    assert response.status_code == 200
    assert [i.title for i in response.context["object_list"]] == ["Dune"]
    response = client.get(url, {"q": "secret", "withdrawn": "false"})
    assert [i.title for i in response.context["object_list"]] == ["Le Jardin secret"]
    response = client.get(url, {"q": "978-2-266-32048-1"})
    assert [i.title for i in response.context["object_list"]] == ["Dune"]


def test_chooser_search(client, superuser, items):
    assert client.login(username=superuser.username, password=PASSWORD)
    url = reverse("wagtailsnippetchoosers_cms_catalogueitem:choose_results")

    response = client.get(url, {"q": "jardin"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Le Jardin secret" in html
    assert "Dune" not in html
    response = client.get(url, {"q": "herbert frank"})
    html = response.content.decode()
    assert "Dune" in html and "Le Jardin secret" not in html


def test_chooser_has_a_search_box(client, superuser, items):
    assert client.login(username=superuser.username, password=PASSWORD)

    response = client.get(reverse("wagtailsnippetchoosers_cms_catalogueitem:choose"))

    assert response.status_code == 200
    assert 'name="q"' in response.json()["html"]


def test_migration_removes_catalogue_rows_left_by_an_earlier_configuration(items):
    migration = importlib.import_module("search.migrations.0006_catalogue_out_of_wagtails_index")
    content_type = ContentType.objects.get_for_model(CatalogueItem)
    IndexEntry.objects.create(
        content_type=content_type, object_id=str(items["dune"].pk), title="Dune", body=""
    )
    interest = Interest.objects.create(name="Astronomie amateur")

    # RunPython only reads the schema editor's connection
    migration.delete_catalogue_entries(django_apps, SimpleNamespace(connection=connection))

    assert _catalogue_entries() == 0
    interest_type = ContentType.objects.get_for_model(Interest)
    assert IndexEntry.objects.filter(content_type=interest_type, object_id=interest.pk).exists()
