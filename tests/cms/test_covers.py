"""Covers: found in the record (856) or at the cover service, downloaded once from a local
server, checked (type, size, Pillow, bombs), stored as Wagtail images, retried politely."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Collection

from cms.catalogue import covers, import_catalogue
from cms.catalogue.covers import Outcome, claim_due, fetch_cover
from cms.catalogue.marc import read_marc21, read_unimarc
from cms.models import CatalogueItem, NetworkSettings
from tests.cms.catalogue_fixtures import field, iso2709, marc21_book, unimarc_book
from tests.cms.cover_server import CoverServer
from tests.cms.library_factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings):
    settings.COVERS_REQUEST_INTERVAL = 0
    settings.COVERS_ALLOWED_HOSTS = ["127.0.0.1"]  # the local cover server
    with CoverServer() as running:
        yield running


def set_service(template: str) -> None:
    network = NetworkSettings.load()
    network.cover_url_template = template
    network.save()


# --- The record's address -------------------------------------------------------------------


def test_unimarc_856_cover_address_is_kept():
    marc = unimarc_book(
        extra=(
            field("856", ("u", "https://koha.example.org/notice/1001"), ("2", "Notice")),
            field(
                "856",
                ("u", "https://koha.example.org/cgi-bin/koha/opac-image.pl?biblionumber=1001"),
            ),
        )
    )
    (entry,) = read_unimarc(io.BytesIO(iso2709(marc)))
    assert entry.record.cover_url == (
        "https://koha.example.org/cgi-bin/koha/opac-image.pl?biblionumber=1001"
    )


@pytest.mark.parametrize(
    ("subfields", "expected"),
    [
        ((("u", "https://img.example.org/a"), ("q", "image/jpeg")), "https://img.example.org/a"),
        ((("u", "https://img.example.org/b"), ("3", "Couverture")), "https://img.example.org/b"),
        ((("u", "https://img.example.org/c.png"),), "https://img.example.org/c.png"),
        ((("u", "https://www.example.org/review"), ("z", "Critique")), ""),
        ((("u", "ftp://img.example.org/d.jpg"),), ""),
    ],
)
def test_marc21_856_only_a_picture_of_the_cover(subfields, expected):
    marc = marc21_book(extra=(field("856", *subfields, ind="42"),))
    (entry,) = read_marc21(io.BytesIO(iso2709(marc)))
    assert entry.record.cover_url == expected


def test_import_keeps_the_address_and_fetches_the_cover_once(
    tmp_path, branches, server, django_capture_on_commit_callbacks
):
    branches["alcazar"].code = "ALC"
    branches["alcazar"].save()
    marc = unimarc_book(
        "1001", extra=(field("856", ("u", server.url("/ok.jpg")), ("q", "image/jpeg")),)
    )
    path = tmp_path / "export.mrc"
    path.write_bytes(iso2709(marc))

    with django_capture_on_commit_callbacks(execute=True):
        import_catalogue(path, "unimarc")  # on commit: claimed, then the task (run at once)

    item = CatalogueItem.objects.get(record_id="1001")
    assert item.cover_source_url == server.url("/ok.jpg")
    assert item.cover is not None and item.cover_outcome == Outcome.STORED
    assert item.cover.collection.name == "Couvertures"
    assert (item.cover.width, item.cover.height) == (200, 300)
    assert item.cover.description  # alt text for the admin's image library
    assert server.requests == ["/ok.jpg"]

    with django_capture_on_commit_callbacks(execute=True):
        import_catalogue(path, "unimarc")  # unchanged record: nothing fetched again
    item.cover.file.open()  # stored locally
    assert server.requests == ["/ok.jpg"]
    assert Collection.objects.filter(name="Couvertures").count() == 1


# --- Fetching -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ok.jpg", "/ok.png"])
def test_a_good_picture_is_stored(server, path):
    item = make_item("Dune", cover_source_url=server.url(path))
    assert fetch_cover(item.pk) == Outcome.STORED
    item.refresh_from_db()
    assert item.cover.file.size > 0
    assert item.cover_checked_at is not None
    assert fetch_cover(item.pk) == Outcome.STORED  # already there: no request
    assert server.requests == [path]


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/missing", Outcome.NOT_FOUND),
        ("/page.html", Outcome.REFUSED),
        ("/fake.jpg", Outcome.REFUSED),
        ("/huge.jpg", Outcome.REFUSED),
        ("/huge-declared.jpg", Outcome.REFUSED),
        ("/bomb.png", Outcome.REFUSED),
        ("/tiny.gif", Outcome.NOT_FOUND),
        ("/busy", Outcome.FAILED),
    ],
)
def test_what_is_not_a_usable_cover_is_recorded_and_nothing_stored(server, path, outcome):
    item = make_item("Dune", cover_source_url=server.url(path))
    assert fetch_cover(item.pk) == outcome
    item.refresh_from_db()
    assert item.cover is None
    assert item.cover_outcome == outcome
    assert item.cover_checked_at is not None


def test_a_slow_server_is_given_up(server, monkeypatch):
    monkeypatch.setattr(covers, "TIMEOUT", (2, 0.5))
    server.slow_seconds = 2
    item = make_item("Dune", cover_source_url=server.url("/slow.jpg"))
    started = timezone.now()
    assert fetch_cover(item.pk) == Outcome.FAILED
    assert (timezone.now() - started).total_seconds() < 2


def test_an_unreachable_host_is_a_failure(settings):
    settings.COVERS_REQUEST_INTERVAL = 0
    settings.COVERS_ALLOWED_HOSTS = ["127.0.0.1"]
    item = make_item("Dune", cover_source_url="http://127.0.0.1:9/cover.jpg")
    assert fetch_cover(item.pk) == Outcome.FAILED


def test_redirects_are_followed_a_few_times_and_checked(server):
    moved = make_item("A", cover_source_url=server.url("/moved"))
    assert fetch_cover(moved.pk) == Outcome.STORED
    loop = make_item("B", cover_source_url=server.url("/loop"))
    assert fetch_cover(loop.pk) == Outcome.NOT_FOUND
    assert server.requests.count("/loop") == covers.MAX_REDIRECTS + 1
    inside = make_item("C", cover_source_url=server.url("/inside"))
    assert fetch_cover(inside.pk) == Outcome.REFUSED  # 10.1.2.3 never asked


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok.jpg",
        "http://localhost:{port}/ok.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/ok.jpg",
    ],
)
def test_private_addresses_are_refused_unless_allowed(server, settings, url):
    settings.COVERS_ALLOWED_HOSTS = []
    item = make_item("Dune", cover_source_url=url.format(port=server.port))
    assert fetch_cover(item.pk) == Outcome.REFUSED
    assert server.requests == []


def test_the_cover_service_is_asked_by_isbn_when_the_record_has_none(server):
    item = make_item("Dune", isbn="9782266320481")
    assert fetch_cover(item.pk) == Outcome.NONE  # off by default
    set_service(server.url("/isbn/{isbn}.jpg?default=false"))
    assert fetch_cover(item.pk) == Outcome.STORED
    assert server.requests == ["/isbn/9782266320481.jpg"]


def test_the_record_comes_first_then_the_service(server):
    set_service(server.url("/isbn/{isbn}.jpg"))
    item = make_item("Dune", isbn="9782266320481", cover_source_url=server.url("/missing"))
    assert fetch_cover(item.pk) == Outcome.STORED
    assert server.requests == ["/missing", "/isbn/9782266320481.jpg"]


def test_the_service_address_must_name_the_isbn():
    network = NetworkSettings.load()
    network.cover_url_template = "https://covers.example.org/cover.jpg"
    with pytest.raises(ValidationError):
        network.full_clean()
    network.cover_url_template = "https://covers.example.org/{isbn}.jpg"
    network.full_clean()
    assert network.cover_url("978 2") == "https://covers.example.org/978%202.jpg"


# --- Not hammering the provider ---------------------------------------------------------------


def test_failures_are_not_fetched_again_at_every_run(server):
    missing = make_item("A", cover_source_url=server.url("/missing"))
    busy = make_item("B", cover_source_url=server.url("/busy"))
    make_item("C")  # no source at all: never claimed
    assert sorted(claim_due(10)) == sorted([missing.pk, busy.pk])
    assert claim_due(10) == []  # claimed: a second run does not take them
    covers.fetch_covers([missing.pk, busy.pk])
    assert claim_due(10) == []

    now = timezone.now()
    CatalogueItem.objects.update(cover_checked_at=now - timedelta(days=2))
    assert claim_due(10) == [busy.pk]  # a network failure: tried again the next day
    CatalogueItem.objects.filter(pk=missing.pk).update(cover_checked_at=now - timedelta(days=31))
    assert claim_due(10) == [missing.pk]  # "no cover": a month later


def test_the_catch_up_command_is_bounded(server):
    items = [make_item(f"Livre {n}", cover_source_url=server.url("/ok.jpg")) for n in range(3)]
    out = io.StringIO()
    call_command("fetch_covers", "--limit", "2", stdout=out)
    assert "2 item(s)" in out.getvalue()
    assert CatalogueItem.objects.filter(cover__isnull=False).count() == 2
    call_command("fetch_covers", "--limit", "2", stdout=io.StringIO())
    assert all(CatalogueItem.objects.get(pk=i.pk).cover_id for i in items)
    assert len(server.requests) == 3
