"""Notifications: rows, websocket pushes, emails, the receivers, the member's list page."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cms.models import EventIndexPage, EventPage
from community.actions.events import cancel_registration, register_for_event
from community.models import Notification
from community.notifications import mark_all_read, notify, notify_many, unread_count
from community.tasks import remind
from feeds.consumers import member_group
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """These tests are about what notify() stores and pushes, not the layer: the listener
    below reads through the layer from several event loops (async_to_sync), which only the
    in-memory layer allows (the Redis pub/sub layer keeps its channels per event loop).
    The Redis layers have their own tests in test_relay.py and tests/test_websocket.py."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def listener():
    """A channel subscribed to a member's websocket group; call it to read what arrived."""
    layer = get_channel_layer()
    channels = []

    def subscribe(user):
        name = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(member_group(user.pk), name)
        channels.append((member_group(user.pk), name))
        return lambda: async_to_sync(layer.receive)(name)

    yield subscribe
    for group, name in channels:
        async_to_sync(layer.group_discard)(group, name)


def make_event(branch, **kwargs) -> EventPage:
    start = kwargs.pop("start", timezone.now() + timedelta(days=5))
    page = EventPage(
        title=kwargs.pop("title", "Atelier BD"),
        start=start,
        end=start + timedelta(hours=2),
        branch=branch,
        description="<p>Dessiner des bulles.</p>",
        registration_required=True,
        room="Salle du conte",
        **kwargs,
    )
    EventIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


# --- notify() --------------------------------------------------------------------------------


def test_notify_records_and_pushes_on_commit(member, listener, django_capture_on_commit_callbacks):
    receive = listener(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(member, Kind.EVENT_REMINDER, "Rappel", "C'est demain.", "/agenda/x/")
    assert Notification.objects.filter(user=member).count() == 1
    assert len(callbacks) == 1  # the push waits for the commit; no email (not opted in)
    callbacks[0]()
    message = receive()
    assert message["type"] == "member.event"
    assert message["payload"] == {
        "type": "notification",
        "id": notification.pk,
        "kind": "event_reminder",
        "title": "Rappel",
        "body": "C'est demain.",
        "url": "/agenda/x/",
        "created_at": notification.created_at.isoformat(),
        "unread": 1,
    }
    assert mail.outbox == []


def test_notify_emails_members_who_opted_in(django_capture_on_commit_callbacks):
    member = make_user("lea@example.org", display_name="Léa", notify_by_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, Kind.WAITLIST_PROMOTED, "Une place pour vous", "Vous êtes inscrite.", "/a/")
    [email] = mail.outbox
    assert email.to == ["lea@example.org"]
    assert email.subject == "[Affinités] Une place pour vous"
    assert "Vous êtes inscrite." in email.body
    assert "http://127.0.0.1:8000/a/" in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "Une place pour vous" in html and 'href="http://127.0.0.1:8000/a/"' in html
    assert 'lang="fr"' in html
    with translation.override("fr"):
        assert gettext("Hello %(name)s,") % {"name": "Léa"} in email.body


def test_a_broken_channel_layer_does_not_lose_the_notification(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()

    async def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer, "group_send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, Kind.REPLY, "Réponse", "", "")
    assert unread_count(member) == 1


def test_notify_many_pushes_each_member_their_own_notification(
    listener, django_capture_on_commit_callbacks
):
    ana = make_user("ana@example.org")
    bea = make_user("bea@example.org", notify_by_email=True)
    quiet = make_user("quiet@example.org")  # no page open: stored, not pushed
    notify(ana, Kind.REPLY, "Une réponse", "", "/r/")
    receive_ana, receive_bea = listener(ana), listener(bea)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored = notify_many(
            [(ana, "Nouveau pour Ana"), (bea, "Nouveau pour Béa"), (quiet, "Pour Quiet")],
            Kind.COMMUNITY_ANNOUNCEMENT,
            "Le résumé",
            "/actualites/x/",
        )
    assert [n.user_id for n in stored] == [ana.pk, bea.pk, quiet.pk]
    assert all(n.pk for n in stored)
    assert len(callbacks) == 2  # one push for all, one email (Béa opted in)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    first, second = receive_ana()["payload"], receive_bea()["payload"]
    assert (first["id"], first["title"], first["unread"]) == (stored[0].pk, "Nouveau pour Ana", 2)
    assert (second["id"], second["title"], second["unread"]) == (
        stored[1].pk,
        "Nouveau pour Béa",
        1,
    )
    assert second["body"] == "Le résumé" and second["url"] == "/actualites/x/"
    [email] = mail.outbox
    assert email.to == ["bea@example.org"]
    assert unread_count(quiet) == 1


def test_notify_many_costs_the_same_queries_for_3_or_30_members(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    def run(count, prefix):
        users = [make_user(f"{prefix}{n}@example.org") for n in range(count)]
        # the insert; on commit the unread counts, the relay's outbox rows and their cleanup
        with (
            django_assert_max_num_queries(4),
            django_capture_on_commit_callbacks(execute=True),
        ):
            notify_many([(u, "Titre") for u in users], Kind.COMMUNITY_ANNOUNCEMENT)
        return Notification.objects.filter(user__in=users).count()

    assert run(3, "few") == 3
    assert run(30, "many") == 30


def test_notify_many_with_nobody_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notify_many([], Kind.REPLY) == []
    assert callbacks == []


# --- Receivers ---------------------------------------------------------------------------------


def test_promotion_notifies_the_promoted_member(
    branches, listener, django_capture_on_commit_callbacks
):
    event = make_event(branches["aubagne"], capacity=1)
    holder = make_user()
    waiting = make_user(notify_by_email=True)
    register_for_event(holder, event)
    register_for_event(waiting, event)
    receive = listener(waiting)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(holder, event)
    [notification] = Notification.objects.filter(user=waiting)
    assert notification.kind == Kind.WAITLIST_PROMOTED
    assert "Atelier BD" in notification.title
    assert "Médiathèque Marcel Pagnol (Salle du conte)" in notification.body
    assert notification.url == event.url
    assert receive()["payload"]["unread"] == 1
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    assert not Notification.objects.filter(user=holder).exists()


def test_reminder_notifies_once(branches, member, django_capture_on_commit_callbacks):
    event = make_event(branches["arles"], start=timezone.now() + timedelta(hours=20))
    registration = register_for_event(member, event)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind(registration.pk)
        assert not remind(registration.pk)
    [notification] = Notification.objects.filter(user=member)
    assert notification.kind == Kind.EVENT_REMINDER
    assert "Atelier BD" in notification.title
    assert notification.url == event.url


def test_texts_are_in_the_site_language_whoever_triggers_them(
    branches, django_capture_on_commit_callbacks
):
    event = make_event(branches["aubagne"], capacity=1)
    holder, waiting = make_user(), make_user()
    register_for_event(holder, event)
    register_for_event(waiting, event)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        cancel_registration(holder, event)  # the one cancelling browses in English
    notification = Notification.objects.get(user=waiting)
    with translation.override("fr"):
        expected = gettext("A place opened up: you are registered for “%(event)s”") % {
            "event": event.title
        }
    assert notification.title == expected


# --- The list page -------------------------------------------------------------------------------


def test_list_needs_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_list_shows_unread_first(client, member):
    old_unread = notify(member, Kind.REPLY, "Ancienne non lue", "", "")
    read = notify(member, Kind.REPLY, "Déjà lue", "", "")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    Notification.objects.filter(pk=old_unread.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    notify(member, Kind.REPLY, "Nouvelle", "", "")
    notify(make_user(), Kind.REPLY, "Pas pour moi", "", "")
    client.force_login(member)
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.index("Nouvelle") < html.index("Ancienne non lue") < html.index("Déjà lue")
    assert "Pas pour moi" not in html
    assert html.count("card is-unread") == 2
    assert reverse("notifications:mark_all_read") in html


def test_opening_marks_read_and_follows_the_link(client, member):
    notification = notify(member, Kind.EVENT_REMINDER, "Rappel", "", "/agenda/atelier/")
    client.force_login(member)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/agenda/atelier/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_is_safe(client, member):
    foreign = notify(make_user(), Kind.REPLY, "Pas pour moi", "", "/x/")
    outside = notify(member, Kind.REPLY, "Lien externe", "", "https://evil.example/")
    client.force_login(member)
    assert client.get(reverse("notifications:open", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    response = client.get(reverse("notifications:open", args=[outside.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_as_read(client, member):
    for title in ("Un", "Deux"):
        notify(member, Kind.REPLY, title, "", "")
    other = notify(make_user(), Kind.REPLY, "Autre", "", "")
    client.force_login(member)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert unread_count(member) == 0
    other.refresh_from_db()
    assert other.read_at is None
    assert mark_all_read(member) == 0


# --- The email preference in the profile -----------------------------------------------------


def test_profile_saves_the_email_preference(client, taxonomy, branches):
    member = make_user()
    client.force_login(member)
    data = {
        "display_name": "Sam",
        "interests": [taxonomy["sf"].pk],
        "place": "Aubagne",
        "insee": "13005",
        "branch": branches["aubagne"].pk,
        "notify_by_email": "on",
    }
    assert client.post(reverse("community:profile"), data).status_code == 302
    member.refresh_from_db()
    assert member.notify_by_email is True
    html = client.get(reverse("community:profile")).content.decode()
    assert 'name="notify_by_email"' in html and "checked" in html
    del data["notify_by_email"]
    client.post(reverse("community:profile"), data)
    member.refresh_from_db()
    assert member.notify_by_email is False
