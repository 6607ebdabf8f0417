"""Facebook syndication, the happy paths: create, update, delete, scheduled, ordering."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction

pytest.register_assert_rewrite("tests.feeds.fake_graph")  # it is also a plugin, below
from tests.feeds.fake_graph import (  # noqa: E402
    PAGE_ID,
    make_announcement,
    make_event,
    make_image,
    publish,
    rows,
    settings_url,
)

pytest_plugins = ["tests.feeds.fake_graph"]  # fixtures: graph, connected, clock…
pytestmark = pytest.mark.django_db


def test_publishing_an_announcement_posts_it_to_the_page_feed(connected, graph, run_on_commit):
    page = make_announcement("Nuit de la lecture", intro="Lectures et musique jusqu'à minuit.")
    with run_on_commit():
        publish(page)

    [row] = rows()
    assert row.action == "create" and row.status == "sent"
    [call] = graph.calls("POST", r"/feed$")
    assert call["path"] == f"/{PAGE_ID}/feed"
    assert call["version"] == connected.api_version
    message, link = call["params"]["message"], call["params"]["link"]
    assert message.startswith("Nuit de la lecture\n\nLectures et musique jusqu'à minuit.")
    query = parse_qs(urlsplit(link).query)
    assert query["utm_source"] == ["facebook"] and query["utm_medium"] == ["social"]
    assert query["utm_campaign"] == [page.slug]
    assert query["utm_content"] == [f"aff{row.pk}"]  # our marker
    assert link in message
    assert urlsplit(link).path == page.url
    [post] = graph.live_posts(PAGE_ID)
    assert row.post_id == post["id"] and row.sent_at is not None
    assert row.post_url == f"https://www.facebook.com/{post['id']}"
    assert not graph.calls("POST", r"/photos$")


def test_a_page_with_an_image_is_posted_as_a_photo(connected, graph, run_on_commit):
    page = make_announcement("Expo photo", image=make_image())
    with run_on_commit():
        publish(page)

    [row] = rows()
    assert row.status == "sent"
    [call] = graph.calls("POST", r"/photos$")
    url = call["params"]["url"]
    assert re.match(r"^https://affinites\.example\.org/media/images/.+fill-1200x630", url)
    assert call["params"]["caption"].startswith("Expo photo\n\n")
    assert "utm_content=aff" in call["params"]["caption"]
    assert not graph.calls("POST", r"/feed$")
    [post] = graph.live_posts()
    assert row.post_id == post["id"] == f"{PAGE_ID}_{post['id'].split('_')[1]}"
    assert row.image_url == url


def test_an_event_message_says_when_and_where(connected, graph, branches, run_on_commit):
    page = make_event("Club manga", branch=branches["aubagne"], room="Salle Pagnol")
    with run_on_commit():
        publish(page)
    [call] = graph.calls("POST", r"/feed$")
    message = call["params"]["message"]
    assert "Médiathèque Marcel Pagnol (Salle Pagnol)" in message
    assert "On parle manga & on dessine." in message  # rich text → plain text
    assert "<b>" not in message


def test_not_flagged_pages_are_not_posted(connected, graph, run_on_commit):
    with run_on_commit():
        publish(make_announcement(flag=False))
    assert rows() == [] and graph.requests == []


def test_editing_a_published_page_updates_the_post(connected, graph, run_on_commit):
    page = make_announcement("Atelier BD", intro="Première version.")
    with run_on_commit():
        publish(page)
    post_id = rows()[0].post_id

    page.intro = "Deuxième version, avec les horaires."
    with run_on_commit():
        publish(page)

    create, update = rows()
    assert update.action == "update" and update.status == "sent"
    assert update.post_id == post_id
    [call] = graph.calls("POST", rf"^/{post_id}$")
    assert "Deuxième version" in call["params"]["message"]
    assert f"utm_content=aff{create.pk}" in call["params"]["message"]  # same marker
    assert graph.posts[post_id]["message"] == call["params"]["message"]
    assert len(graph.live_posts()) == 1


def test_unpublishing_removes_the_post(connected, graph, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    post_id = rows()[0].post_id

    with run_on_commit():
        page.unpublish()

    create, delete = rows()
    assert delete.action == "delete" and delete.status == "sent" and delete.post_id == post_id
    assert [c["path"] for c in graph.calls("DELETE")] == [f"/{post_id}"]
    assert graph.live_posts() == []
    assert delete.state == "removed"


def test_deleting_a_live_page_removes_the_post(connected, graph, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    post_id = rows()[0].post_id
    page_pk = page.pk

    with run_on_commit():
        page.delete()

    create, delete = rows()
    assert delete.action == "delete" and delete.status == "sent"
    assert delete.page_id is None and delete.page_pk == page_pk  # the row outlives the page
    assert graph.posts[post_id]["deleted"]


def test_unticking_the_flag_on_a_published_page_removes_the_post(connected, graph, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    page.publish_on_facebook = False
    with run_on_commit():
        publish(page)
    assert [r.action for r in rows()] == ["create", "delete"]
    assert graph.live_posts() == []


def test_removing_a_post_already_deleted_on_facebook_is_done(connected, graph, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    graph.posts[rows()[0].post_id]["deleted"] = True  # someone deleted it on Facebook
    with run_on_commit():
        page.unpublish()
    assert rows()[-1].status == "sent"


def test_scheduled_publishing_posts_at_go_live_not_before(connected, graph, clock, run_on_commit):
    page = make_announcement("Salon du livre")
    page.go_live_at = clock.now() + __import__("datetime").timedelta(hours=3)
    with run_on_commit():
        publish(page)
    assert not page.live
    assert rows() == [] and graph.requests == []

    clock.advance(hours=1)
    with run_on_commit():
        call_command("publish_scheduled")
    assert rows() == [] and graph.requests == []

    clock.advance(hours=2, minutes=1)
    with run_on_commit():
        call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live
    [row] = rows()
    assert row.status == "sent" and row.action == "create"
    assert len(graph.calls("POST", r"/feed$")) == 1


def test_the_row_belongs_to_the_publishing_transaction(connected, graph, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        try:
            with transaction.atomic():
                publish(page)
                assert len(rows()) == 1  # written with the publication…
                raise RuntimeError("the publication fails later on")
        except RuntimeError:
            pass
    assert rows() == []  # …and rolled back with it: nothing is sent
    assert graph.requests == []


def test_publications_before_the_page_is_connected_wait_then_go(
    db, graph, page_token, run_on_commit, network_admin, client
):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    [row] = rows()
    assert row.status == "pending" and row.problem == "not_connected"
    assert "n’est pas encore connectée" in row.reason
    assert graph.requests == []

    client.force_login(network_admin)
    with run_on_commit():
        response = client.post(
            settings_url(),
            {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": page_token},
        )
    assert response.status_code == 302
    [row] = rows()
    assert row.status == "sent"
    assert len(graph.live_posts()) == 1


def test_edits_while_waiting_are_coalesced_into_one_post(db, graph, page_token, run_on_commit):
    page = make_announcement(intro="v1")
    with run_on_commit():
        publish(page)
        page.intro = "v2"
        publish(page)
    assert [(r.action, r.status) for r in rows()] == [("create", "pending")]

    with run_on_commit():
        page.unpublish()  # never sent, so nothing to remove
    assert [(r.action, r.status) for r in rows()] == [("create", "cancelled")]


def test_unpublished_then_republished_before_the_removal_keeps_the_post(
    connected, graph, run_on_commit
):
    from feeds.syndication.models import FacebookConnection

    page = make_announcement()
    with run_on_commit():
        publish(page)
    FacebookConnection.objects.update(broken=True, broken_reason="expired")
    with run_on_commit():
        page.unpublish()
        publish(page)
    assert [(r.action, r.status) for r in rows()] == [
        ("create", "sent"),
        ("delete", "cancelled"),
        ("update", "pending"),
    ]


def test_a_transient_failure_before_sending_is_coalesced_then_cancelled(
    connected, graph, run_on_commit
):
    page = make_announcement()
    graph.fail("POST", r"/feed$", code=2)
    with run_on_commit():
        publish(page)  # Facebook answered "retry later": nothing was created
        page.intro = "v2"
        publish(page)  # coalesced into the waiting creation
        page.unpublish()
    [create] = rows()
    assert create.status == "cancelled" and create.problem == "unpublished"
    assert graph.live_posts() == []


def test_an_update_waits_for_its_creation(connected, graph, run_on_commit):
    from tests.feeds.fake_graph import make_due, resume

    page = make_announcement(intro="v1")
    graph.fail("POST", r"/feed$", delay=2.0, after=True)  # created, but the answer is late
    with run_on_commit():
        publish(page)
    [create] = rows()
    assert create.status == "pending" and create.in_flight
    page.intro = "v2"
    with run_on_commit():
        publish(page)
    create, update = rows()
    assert update.action == "update" and update.status == "pending"  # waits for the create
    assert not graph.calls("POST", r"^/\d+_\d+$")

    make_due()
    with run_on_commit():
        resume()
    create, update = rows()
    assert create.status == "sent" and update.status == "sent"
    assert update.post_id == create.post_id
    [post] = graph.live_posts()
    assert "v2" in post["message"]
    assert len(graph.calls("POST", r"/feed$")) == 1


def test_reconciliation_records_a_publication_whose_signal_was_lost(
    connected, graph, clock, run_on_commit
):
    from wagtail.signals import page_published

    from feeds.syndication import receivers
    from feeds.syndication.outbox import resume_due

    page = make_announcement()
    page_published.disconnect(dispatch_uid="feeds.syndication.page_published")
    try:
        publish(page)  # as if the process died between the page's commit and ours
    finally:
        page_published.connect(
            receivers.on_page_published, dispatch_uid="feeds.syndication.page_published"
        )
    assert rows() == []
    clock.advance(minutes=2)
    with run_on_commit():
        counts = resume_due()
    assert counts["recorded"] == 1
    [row] = rows()
    assert row.status == "sent" and len(graph.live_posts()) == 1
    with run_on_commit():
        assert resume_due()["recorded"] == 0  # idempotent
