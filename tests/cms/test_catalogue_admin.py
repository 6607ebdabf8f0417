"""Admin: the catalogue snippets and the "Import the catalogue" upload view."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.models import CatalogueItem, DocumentType, Holding, Service, SubjectRule
from tests.cms.catalogue_fixtures import csv_bytes, iso2709, marc21_book, unimarc_book
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/catalogue-import/"


@pytest.fixture
def importer(db):
    user = make_user("import@example.org")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="cms", codename="add_catalogueitem"),
    )
    return user


@pytest.fixture
def superuser(db):
    return make_user("root@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def coded(branches):
    branches["alcazar"].code = "ALC"
    branches["alcazar"].save()
    return branches


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def upload(client, data: bytes, fmt: str, name="export.mrc", prune=False):
    payload = {"file": SimpleUploadedFile(name, data), "format": fmt}
    if prune:
        payload["prune"] = "on"
    return client.post(IMPORT_URL, payload)


def test_import_url_is_the_admin_view():
    assert reverse("catalogue-import:index") == IMPORT_URL


def test_importer_sees_the_form_and_the_menu_entry(client, importer):
    login(client, importer)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="file"' in html and 'name="format"' in html and 'name="prune"' in html
    assert 'enctype="multipart/form-data"' in html
    dashboard = client.get("/admin/").content.decode()
    assert IMPORT_URL in dashboard


def test_import_shows_the_summary_with_rejected_records(client, importer, coded):
    login(client, importer)
    data = iso2709(
        unimarc_book("1001", "Les choses"),
        unimarc_book(None, "Sans identifiant"),
        unimarc_book("1002", "Espèces d'espaces", holdings=(("ZZZ", "X", "", ""),)),
    )

    response = upload(client, data, "unimarc")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="read">3<' in html
    assert 'data-count="created">2<' in html
    assert 'data-count="rejected">1<' in html
    assert 'data-count="warnings">1<' in html
    assert "identifiant de notice manquant" in html
    assert "code de médiathèque inconnu « ZZZ »" in html
    assert "export.mrc" in html
    assert set(CatalogueItem.objects.values_list("record_id", flat=True)) == {"1001", "1002"}
    assert Holding.objects.count() == 1

    again = upload(client, data, "unimarc").content.decode()
    assert 'data-count="unchanged">2<' in again
    assert 'data-count="created">0<' in again


@pytest.mark.parametrize("fmt", ["unimarc", "csv"])
def test_large_upload_spooled_to_disk_is_imported(client, importer, coded, settings, fmt):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # forces a TemporaryUploadedFile
    login(client, importer)
    if fmt == "csv":
        data = csv_bytes([{"record_id": f"C{n}", "title": f"Titre {n}"} for n in range(50)])
    else:
        data = iso2709(*[unimarc_book(str(n)) for n in range(50)])
    html = upload(client, data, fmt).content.decode()
    assert 'data-count="created">50<' in html
    assert CatalogueItem.objects.count() == 50


def test_too_large_upload_is_refused(client, importer, monkeypatch):
    from cms.catalogue import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 1000)
    login(client, importer)
    response = upload(client, iso2709(*[unimarc_book(str(n)) for n in range(5)]), "unimarc")
    assert response.context["form"].has_error("file", "too_large")
    assert CatalogueItem.objects.count() == 0


def test_import_with_prune_from_the_admin(client, importer, coded):
    login(client, importer)
    upload(client, iso2709(unimarc_book("1001"), unimarc_book("1002")), "unimarc")
    html = upload(client, iso2709(unimarc_book("1001")), "unimarc", prune=True).content.decode()
    assert 'data-count="withdrawn">1<' in html
    assert CatalogueItem.objects.get(record_id="1002").withdrawn is True


def test_csv_import_from_the_admin(client, importer, coded):
    login(client, importer)
    data = csv_bytes([{"record_id": "C1", "title": "Tintin au Tibet", "type": "bd"}])
    html = upload(client, data, "csv", name="export.csv").content.decode()
    assert 'data-count="created">1<' in html
    assert CatalogueItem.objects.get(record_id="C1").doc_type == DocumentType.COMIC


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"record_id,title\n1,Hello\n", "unimarc", "pas au format ISO 2709"),
        (iso2709(marc21_book()), "unimarc", "semble être en MARC21"),
        (iso2709(unimarc_book()), "marc21", "semble être en UNIMARC"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "csv", "pas un CSV de catalogue"),
        (b"<notxml", "marcxml", "MARCXML"),
        (b"not a catalogue", "marcxml", "MARCXML"),
    ],
)
def test_bad_file_is_a_form_error_and_nothing_is_written(
    client, importer, coded, data, fmt, message
):
    login(client, importer)
    response = upload(client, data, fmt)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "data-import-summary" not in html
    assert CatalogueItem.objects.count() == 0


def test_missing_or_empty_file_is_a_form_error(client, importer):
    login(client, importer)
    response = client.post(IMPORT_URL, {"format": "unimarc"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    response = upload(client, b"", "unimarc")
    assert response.context["form"].has_error("file")
    assert CatalogueItem.objects.count() == 0


def test_staff_without_permission_is_refused_and_has_no_menu_entry(client, coded):
    # Someone who may open the admin but not add catalogue items (librarians may: README).
    editor = make_user("editeur@example.org")
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    # Wagtail turns PermissionDenied into a redirect to the dashboard with an error message.
    login(client, editor)
    response = client.get(IMPORT_URL)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    response = upload(client, iso2709(unimarc_book("1001")), "unimarc")
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert CatalogueItem.objects.count() == 0
    assert IMPORT_URL not in client.get("/admin/").content.decode()


def test_member_is_sent_to_login(client, member, coded):
    login(client, member)
    response = upload(client, iso2709(unimarc_book("1001")), "unimarc")
    assert response.status_code == 302
    assert CatalogueItem.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert "/comptes/" in response["Location"] or "login" in response["Location"]


def test_catalogue_item_listing_filters(client, superuser, coded, taxonomy):
    bd = CatalogueItem.objects.create(
        record_id="BD-0001", title="Astérix le Gaulois", doc_type="bd", language="fre", year=1961
    )
    novel = CatalogueItem.objects.create(
        record_id="2", title="Fondation", doc_type="livre", language="eng", withdrawn=True
    )
    Holding.objects.create(item=bd, branch=coded["alcazar"])
    Holding.objects.create(item=bd, branch=coded["alcazar"], call_number="BD GOS 2")
    novel.interests.add(taxonomy["sf"])
    novel.save()  # ParentalManyToManyField: written on save
    login(client, superuser)
    url = reverse("wagtailsnippets_cms_catalogueitem:list")

    def titles(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [i.title for i in response.context["object_list"]]

    assert sorted(titles()) == ["Astérix le Gaulois", "Fondation"]
    assert titles(doc_type="bd") == ["Astérix le Gaulois"]
    assert titles(language="eng") == ["Fondation"]
    assert titles(withdrawn="true") == ["Fondation"]
    assert titles(interests=taxonomy["sf"].pk) == ["Fondation"]
    assert titles(branch=coded["alcazar"].pk) == ["Astérix le Gaulois"]  # once, not twice
    html = client.get(url).content.decode()
    assert "Astérix le Gaulois" in html
    assert "BD-0001" in html and "1961" in html  # record id and year columns


def test_network_group_has_services_and_subject_rules(client, superuser, taxonomy):
    Service.objects.create(name="Wifi")
    SubjectRule.objects.create(
        match="subject_contains", pattern="fantasy", interest=taxonomy["fantasy"]
    )
    login(client, superuser)
    services = client.get(reverse("wagtailsnippets_cms_service:list"))
    assert services.status_code == 200 and "Wifi" in services.content.decode()
    rules = client.get(reverse("wagtailsnippets_cms_subjectrule:list"))
    assert rules.status_code == 200 and "fantasy" in rules.content.decode()
    menu = client.get("/admin/").content.decode()
    for url in (
        reverse("wagtailsnippets_cms_service:list"),
        reverse("wagtailsnippets_cms_subjectrule:list"),
        reverse("wagtailsnippets_cms_catalogueitem:list"),
        IMPORT_URL,
    ):
        assert url in menu


def test_interest_listing_and_its_parent_filter(client, superuser, taxonomy):
    login(client, superuser)
    url = reverse("wagtailsnippets_cms_interest:list")
    response = client.get(url, {"parent": taxonomy["imaginaire"].pk})
    assert response.status_code == 200
    assert sorted(i.name for i in response.context["object_list"]) == ["Fantasy", "Science-fiction"]
