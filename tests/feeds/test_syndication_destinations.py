"""One outbox, two destinations: Facebook and the Fediverse side by side.

The editor's "Publier aussi sur" panel (declared by cms, filled by feeds through the
``register_publication_destinations`` hook), the Fediverse rows' states summed up from their
deliveries (sent, partly delivered, unreachable, retried), fanning a row out twice queueing
nothing twice, the shared report with its destination filter, and the migration that gives
the deliveries made before the shared outbox their rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html

from cms.models import AnnouncementPage
from feeds.fediverse import delivery as fediverse_delivery
from feeds.fediverse import outbox as fediverse
from feeds.fediverse.actors import actor_for_branch
from feeds.fediverse.models import FediverseDelivery, FediverseFollower
from feeds.fediverse.remote import RemoteError
from feeds.syndication.models import State, Syndication
from tests.cms.library_factories import make_announcement

pytest.register_assert_rewrite("tests.feeds.fake_graph")
from tests.feeds.fake_graph import publish  # noqa: E402

pytest_plugins = ["tests.feeds.fake_graph"]  # fixtures: graph, connected, run_on_commit…
pytestmark = pytest.mark.django_db

S = Syndication.Status
D = Syndication.Destination
P = Syndication.Problem
A = Syndication.Action


@pytest.fixture
def alcazar(branches):
    return branches["alcazar"]


@pytest.fixture
def servers(monkeypatch):
    """The followers' servers: each inbox answers the status set here (202 by default), or
    is unreachable (None). Every POST is recorded as (inbox, activity type)."""

    class Servers:
        answers: dict[str, int | None] = {}
        received: list[tuple[str, str]] = []

        def post(self, inbox, activity, key_id, private_pem):
            answer = self.answers.get(inbox, 202)
            if answer is None:
                raise RemoteError(f"{inbox} unreachable")
            self.received.append((inbox, activity["type"]))
            return answer

    instance = Servers()
    instance.answers, instance.received = {}, []
    monkeypatch.setattr("feeds.fediverse.remote.post_activity", instance.post)
    return instance


def follow(actor, server: str, name: str = "alice") -> str:
    """A follower on ``server``; returns the inbox deliveries go to (the shared one)."""
    FediverseFollower.objects.create(
        actor=actor,
        remote_actor=f"https://{server}/users/{name}",
        inbox=f"https://{server}/users/{name}/inbox",
        shared_inbox=f"https://{server}/inbox",
    )
    return f"https://{server}/inbox"


def fediverse_rows(**filters):
    return list(Syndication.objects.fediverse().filter(**filters).order_by("id"))


def announce(title, alcazar, **fields):
    return make_announcement(title, branches=[alcazar], **fields)


# --- The Fediverse destination's states -------------------------------------------------


def test_a_publication_update_and_removal_are_three_fediverse_rows_sent_once_each(
    alcazar, servers, run_on_commit
):
    inbox = follow(actor_for_branch(alcazar), "mastodon.example")
    with run_on_commit():
        page = announce("Nuit de la SF", alcazar)
    [create] = fediverse_rows()
    assert create.action == A.CREATE and create.status == S.SENT and create.state == State.PUBLISHED
    assert servers.received == [(inbox, "Create")]
    assert create.deliveries.get().state == FediverseDelivery.State.SENT

    with run_on_commit():
        publish(page)
    update = fediverse_rows()[-1]
    assert update.action == A.UPDATE and update.status == S.SENT
    assert servers.received[-1] == (inbox, "Update")

    with run_on_commit():
        page.unpublish()
    delete = fediverse_rows()[-1]
    assert delete.action == A.DELETE and delete.status == S.SENT and delete.state == State.REMOVED
    assert servers.received[-1] == (inbox, "Delete")
    assert len(servers.received) == 3
    # no Facebook row: the page was not ticked for Facebook
    assert not Syndication.objects.facebook().exists()


def test_without_followers_no_fediverse_row_is_written(alcazar, servers, run_on_commit):
    with run_on_commit():
        announce("Personne n’écoute", alcazar)
    assert not fediverse_rows() and servers.received == []


def test_unticking_fediverse_on_a_published_page_withdraws_it(alcazar, servers, run_on_commit):
    inbox = follow(actor_for_branch(alcazar), "mastodon.example")
    with run_on_commit():
        page = announce("Retirée", alcazar)
    page.publish_on_fediverse = False
    with run_on_commit():
        publish(page)
    assert [row.action for row in fediverse_rows()] == [A.CREATE, A.DELETE]
    assert servers.received == [(inbox, "Create"), (inbox, "Delete")]


def test_some_servers_given_up_is_sent_with_a_warning_and_can_be_retried(
    alcazar, servers, run_on_commit
):
    actor = actor_for_branch(alcazar)
    good = follow(actor, "mastodon.example")
    gone = follow(actor, "gone.example", "bob")
    servers.answers[gone] = 410  # refuses: given up at once
    with run_on_commit():
        announce("À moitié", alcazar)
    [row] = fediverse_rows()
    assert row.status == S.SENT and row.problem == P.PARTLY_DELIVERED
    assert row.problem_detail == "1/2" and "abandonnés (1/2)" in row.reason
    assert sorted(servers.received) == [(gone, "Create"), (good, "Create")]  # gone: 410

    servers.answers[gone] = 202  # the server is back: a librarian retries
    from feeds.syndication.destinations import retry

    with run_on_commit():
        assert retry(row)
    row.refresh_from_db()
    assert row.status == S.SENT and row.problem == ""
    assert servers.received.count((gone, "Create")) == 2
    assert servers.received.count((good, "Create")) == 1  # the server that got it: not again


def test_a_publication_no_server_received_fails_once_given_up(alcazar, servers, run_on_commit):
    inbox = follow(actor_for_branch(alcazar), "down.example")
    servers.answers[inbox] = None
    with run_on_commit():
        announce("Dans le vide", alcazar)
    [row] = fediverse_rows()
    [item] = row.deliveries.all()
    assert row.status == S.SENDING and row.state == State.PENDING  # waiting for the retry
    assert item.state == FediverseDelivery.State.PENDING and "unreachable" in item.last_error

    FediverseDelivery.objects.filter(pk=item.pk).update(
        next_attempt_at=timezone.now(),
        created_at=timezone.now() - fediverse_delivery.GIVE_UP_AFTER,
    )
    assert fediverse_delivery.deliver(item.pk) == fediverse_delivery.Outcome.ABANDONED
    row.refresh_from_db()
    assert row.status == S.FAILED and row.problem == P.UNREACHABLE
    assert "unreachable" in row.error_message


def test_fanning_a_row_out_again_queues_nothing_twice(alcazar, servers, run_on_commit):
    inbox = follow(actor_for_branch(alcazar), "mastodon.example")
    with run_on_commit():
        page = announce("Deux fois", alcazar)
    with run_on_commit():
        publish(page)  # the Update row
    update = fediverse_rows()[-1]
    deliveries = FediverseDelivery.objects.count()
    # a worker died after queueing the deliveries, before saying so: its lease expires
    Syndication.objects.filter(pk=update.pk).update(
        status=S.SENDING,
        claim_token="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    with run_on_commit():
        assert fediverse.resume_due() == 1
    assert FediverseDelivery.objects.count() == deliveries
    pairs = list(FediverseDelivery.objects.values_list("activity_id", "inbox"))
    assert len(pairs) == len(set(pairs))
    assert servers.received.count((inbox, "Update")) == 1
    update.refresh_from_db()
    assert update.status == S.SENT and update.claim_token == ""


def test_a_waiting_row_can_be_cancelled_but_not_once_sent(alcazar, servers):
    follow(actor_for_branch(alcazar), "mastodon.example")
    page = announce("Annulée", alcazar)  # the transaction never commits: the row waits
    [row] = fediverse_rows()
    assert row.status == S.PENDING
    from feeds.syndication.destinations import cancel

    assert cancel(row)
    row.refresh_from_db()
    assert row.status == S.CANCELLED and row.state == State.CANCELLED
    assert fediverse.fan_out(row.pk) == "nothing-to-do"
    assert not cancel(row)
    assert page.pk == row.page_pk


def test_switched_off_the_fediverse_records_nothing(alcazar, servers, settings, run_on_commit):
    settings.FEDIVERSE_ENABLED = False
    follow(actor_for_branch(alcazar), "mastodon.example")
    with run_on_commit():
        announce("Éteint", alcazar)
    assert not fediverse_rows() and servers.received == []


# --- The editor's panel ----------------------------------------------------------------


def _edit(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _form(html):
    """The edit form's data, as the browser would send it (an empty body StreamField is
    rendered by JavaScript: its block count is added here)."""
    data = querydict_from_html(html, form_id="page-edit-form")
    data.setdefault("body-count", "0")
    return data


def test_the_panel_offers_the_configured_destinations_only(
    client, librarian, alcazar, connected, settings
):
    page = announce("Panneau", alcazar, publish_on_facebook=False)
    client.force_login(librarian)
    html = _edit(client, page)
    assert 'name="publish_on_facebook"' in html and 'name="publish_on_fediverse"' in html
    assert html.index('name="publish_on_facebook"') < html.index('name="publish_on_fediverse"')

    settings.FEDIVERSE_ENABLED = False
    html = _edit(client, page)
    assert 'name="publish_on_facebook"' in html and 'name="publish_on_fediverse"' not in html


def test_without_a_facebook_page_the_box_is_not_offered_and_the_value_is_kept(
    client, librarian, alcazar
):
    page = announce("Sans Facebook", alcazar, publish_on_facebook=True)
    client.force_login(librarian)
    html = _edit(client, page)
    assert 'name="publish_on_facebook"' not in html and 'name="publish_on_fediverse"' in html
    data = _form(html)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    assert (
        AnnouncementPage.objects.get(pk=page.pk).get_latest_revision_as_object().publish_on_facebook
    )


def test_an_editor_ticking_fediverse_only_gets_only_a_fediverse_row(
    client, network_admin, alcazar, connected, graph, servers, run_on_commit
):
    inbox = follow(actor_for_branch(alcazar), "mastodon.example")
    page = announce("Fédivers seulement", alcazar, publish=False)
    client.force_login(network_admin)
    data = _form(_edit(client, page))
    data.pop("publish_on_facebook", None)  # unticked
    data["publish_on_fediverse"] = "on"
    data["action-publish"] = "action-publish"
    with run_on_commit():
        response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AnnouncementPage.objects.get(pk=page.pk).live
    [row] = Syndication.objects.all()
    assert row.destination == D.FEDIVERSE and row.status == S.SENT
    assert row.requested_by == network_admin
    assert servers.received == [(inbox, "Create")] and graph.live_posts() == []

    html = _edit(client, page)
    assert 'data-fediverse-status="published"' in html


# --- The shared report -----------------------------------------------------------------


def test_the_report_lists_both_destinations_and_filters_by_destination(
    client, librarian, alcazar, connected, graph, servers, run_on_commit
):
    follow(actor_for_branch(alcazar), "mastodon.example")
    with run_on_commit():
        announce("Partout", alcazar, publish_on_facebook=True)
    assert {row.destination for row in Syndication.objects.all()} == {D.FACEBOOK, D.FEDIVERSE}
    client.force_login(librarian)
    index = reverse("feeds_syndication_report:index")
    html = client.get(index).content.decode()
    assert html.count("Partout") >= 2 and "Facebook" in html and "Fédivers" in html
    fediverse_only = client.get(index, {"destination": "fediverse"}).content.decode()
    assert "Partout" in fediverse_only and "www.facebook.com" not in fediverse_only
    facebook_only = client.get(index, {"destination": "facebook"}).content.decode()
    assert "www.facebook.com" in facebook_only and "?publication=" not in facebook_only
    [row] = fediverse_rows()
    deliveries = client.get(reverse("feeds_fediverse_report:index"), {"publication": row.pk})
    assert deliveries.status_code == 200 and "mastodon.example" in deliveries.content.decode()


def test_retry_and_cancel_are_refused_to_who_may_not_edit_the_page(client, member, alcazar):
    follow(actor_for_branch(alcazar), "mastodon.example")
    announce("Verrouillée", alcazar)
    [row] = fediverse_rows()
    client.force_login(member)
    for name in ("retry", "cancel"):
        response = client.post(reverse(f"feeds_syndication:{name}", args=[row.pk]))
        assert response.status_code in (302, 403)
    row.refresh_from_db()
    assert row.status == S.PENDING


# --- The deliveries made before the shared outbox ----------------------------------------


def test_the_migration_gives_earlier_deliveries_their_publication_rows(alcazar):
    from importlib import import_module

    migration = import_module("feeds.migrations.0016_fediverse_publications_history")
    actor = actor_for_branch(alcazar)
    page = announce("Ancienne", alcazar)
    base = f"https://site.example/ap/{actor.username}/objets/{page.pk}"
    made = [
        (f"{base}/activite", "Create", "https://a.example/inbox", "sent"),
        (f"{base}/activite", "Create", "https://b.example/inbox", "abandoned"),
        (f"{base}/maj/20261201T101010123456", "Update", "https://a.example/inbox", "sent"),
        (
            f"{base}/suppression/20261202T101010123456",
            "Delete",
            "https://a.example/inbox",
            "pending",
        ),
        ("https://site.example/ap/x/accept/1", "Accept", "https://a.example/inbox", "sent"),
    ]
    for activity_id, kind, inbox, state in made:
        FediverseDelivery.objects.create(
            actor=actor,
            activity_id=activity_id,
            activity={"id": activity_id, "type": kind},
            inbox=inbox,
            state=state,
            next_attempt_at=timezone.now(),
        )
    migration.forwards(apps, None)
    rows = fediverse_rows()
    assert [(r.action, r.status, r.problem) for r in rows] == [
        (A.CREATE, S.SENT, P.PARTLY_DELIVERED),
        (A.UPDATE, S.SENT, ""),
        (A.DELETE, S.SENDING, ""),
    ]
    assert all(r.page_pk == page.pk and r.page_title == "Ancienne" for r in rows)
    assert rows[0].deliveries.count() == 2
    assert FediverseDelivery.objects.filter(publication__isnull=True).count() == 1  # Accept
