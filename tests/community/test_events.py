"""Event registration: places, waitlist, cancellations, promotions, reminders, librarians' lists."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from cms.models import EventIndexPage, EventPage
from community.actions.events import (
    RegistrationError,
    cancel_registration,
    fill_from_waitlist,
    register_for_event,
    waitlist_position,
)
from community.models import EventRegistration, Notification
from community.tasks import (
    due_reminders,
    remind,
    schedule_event_reminder,
    send_due_reminders,
    send_event_reminder,
    sweep_reminders,
)
from community.templatetags.event_tags import registration_block
from tests.concurrency import run_together
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Status = EventRegistration.Status


def fr(msgid: str, **params) -> str:
    """What the French site shows for `msgid` (the English text until it is translated)."""
    with translation.override("fr"):
        text = gettext(msgid)
    return text % params if params else text


def fr_plural(singular: str, plural: str, count: int, **params) -> str:
    with translation.override("fr"):
        return ngettext(singular, plural, count) % {"counter": count, **params}


def make_event(title: str = "Atelier manga", *, branch, start=None, **kwargs) -> EventPage:
    index = EventIndexPage.objects.get()
    start = start or timezone.now() + timedelta(days=7)
    kwargs.setdefault("registration_required", True)
    page = EventPage(
        title=title,
        start=start,
        end=kwargs.pop("end", start + timedelta(hours=2)),
        branch=branch,
        description="<p>Venez dessiner avec nous.</p>",
        **kwargs,
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def statuses(event) -> dict:
    return dict(EventRegistration.objects.filter(event=event).values_list("user__email", "status"))


@pytest.fixture
def branch(branches):
    return branches["aubagne"]


class Told:
    """The registrations whose member was notified with `kind` (read when looked at), in
    the order of the notifications: the behaviour the member sees under the bell."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def _registrations(self) -> list[EventRegistration]:
        found = []
        for note in Notification.objects.filter(kind=self.kind).order_by("id"):
            registrations = EventRegistration.objects.filter(user_id=note.user_id)
            found += [
                r for r in registrations.select_related("event") if (r.event.url or "") == note.url
            ]
        return found

    def __iter__(self):
        return iter(self._registrations())

    def __len__(self) -> int:
        return len(self._registrations())

    def __eq__(self, other) -> bool:
        return self._registrations() == list(other)


@pytest.fixture
def promotions():
    return Told(Notification.Kind.WAITLIST_PROMOTED)


@pytest.fixture
def reminders():
    return Told(Notification.Kind.EVENT_REMINDER)


# --- Registering ------------------------------------------------------------------------------


def test_places_then_waitlist(branch):
    event = make_event(branch=branch, capacity=2)
    a, b, c, d = (make_user() for _ in range(4))
    assert register_for_event(a, event).status == Status.CONFIRMED
    assert register_for_event(b, event).status == Status.CONFIRMED
    third = register_for_event(c, event)
    fourth = register_for_event(d, event)
    assert third.status == fourth.status == Status.WAITLISTED
    assert third.waitlisted_at is not None
    assert (waitlist_position(third), waitlist_position(fourth)) == (1, 2)
    assert EventRegistration.objects.filter(event=event, status=Status.CONFIRMED).count() == 2


def test_no_capacity_means_everyone_gets_a_place(branch):
    event = make_event(branch=branch, capacity=None)
    for _ in range(5):
        assert register_for_event(make_user(), event).status == Status.CONFIRMED


def test_registering_twice_changes_nothing(branch, member):
    event = make_event(branch=branch, capacity=1)
    first = register_for_event(member, event)
    again = register_for_event(member, event)
    assert again.pk == first.pk and again.status == Status.CONFIRMED
    other = make_user()
    waiting = register_for_event(other, event)
    assert register_for_event(other, event).waitlisted_at == waiting.waitlisted_at
    assert EventRegistration.objects.filter(event=event).count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"registration_required": False}, "not_required"),
        ({"registration_opens": timedelta(days=2)}, "not_open"),
        ({"registration_closes": timedelta(days=-1)}, "closed"),
        ({"start": timedelta(hours=-1)}, "closed"),  # started, not over
        ({"start": timedelta(days=-2)}, "past"),
    ],
)
def test_registration_only_when_open(branch, member, changes, code):
    now = timezone.now()
    kwargs = {}
    for field, delta in changes.items():
        kwargs[field] = now + delta if isinstance(delta, timedelta) else delta
    if "registration_closes" in kwargs:
        kwargs["registration_opens"] = now - timedelta(days=5)
    event = make_event(branch=branch, **kwargs)
    with pytest.raises(RegistrationError) as excinfo:
        register_for_event(member, event)
    assert excinfo.value.code == code
    assert excinfo.value.message
    assert not EventRegistration.objects.filter(event=event).exists()


def test_not_open_message_gives_the_opening_date(branch, member):
    opens = timezone.now() + timedelta(days=2)
    event = make_event(branch=branch, registration_opens=opens)
    with pytest.raises(RegistrationError) as excinfo:
        register_for_event(member, event)
    assert str(timezone.localtime(opens).year) in excinfo.value.message
    # …and it opens on time
    assert register_for_event(member, event, now=opens).status == Status.CONFIRMED


# --- Cancelling and promotions ------------------------------------------------------------


def test_cancelling_a_place_promotes_the_first_in_line(
    branch, django_capture_on_commit_callbacks, promotions
):
    event = make_event(branch=branch, capacity=1)
    holder, first, second = make_user(), make_user(), make_user()
    register_for_event(holder, event)
    now = timezone.now()
    register_for_event(first, event, now=now)
    register_for_event(second, event, now=now)  # same instant: the id decides
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cancelled = cancel_registration(holder, event)
    assert cancelled.status == Status.CANCELLED
    promoted = EventRegistration.objects.get(event=event, user=first)
    assert promoted.status == Status.CONFIRMED and promoted.promoted_at is not None
    assert EventRegistration.objects.get(event=event, user=second).status == Status.WAITLISTED
    assert waitlist_position(EventRegistration.objects.get(event=event, user=second)) == 1
    assert [r.pk for r in promotions] == [promoted.pk]
    assert callbacks  # the member was told after the commit, not before


def test_promotion_is_told_only_after_the_commit(branch, promotions):
    event = make_event(branch=branch, capacity=1)
    holder, waiting = make_user(), make_user()
    register_for_event(holder, event)
    register_for_event(waiting, event)
    cancel_registration(holder, event)  # the test transaction never commits
    assert EventRegistration.objects.get(user=waiting, event=event).status == Status.CONFIRMED
    assert promotions == []


def test_leaving_the_waitlist_promotes_nobody(
    branch, django_capture_on_commit_callbacks, promotions
):
    event = make_event(branch=branch, capacity=1)
    holder, a, b = make_user(), make_user(), make_user()
    register_for_event(holder, event)
    register_for_event(a, event)
    register_for_event(b, event)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(a, event)
    assert statuses(event) == {
        holder.email: Status.CONFIRMED,
        a.email: Status.CANCELLED,
        b.email: Status.WAITLISTED,
    }
    assert promotions == []


def test_registering_again_after_cancelling_reuses_the_row(branch):
    event = make_event(branch=branch, capacity=1)
    holder, member = make_user(), make_user()
    register_for_event(holder, event)
    first = register_for_event(member, event)
    cancel_registration(member, event)
    late = make_user()
    register_for_event(late, event)
    again = register_for_event(member, event)
    assert again.pk == first.pk
    assert again.status == Status.WAITLISTED
    assert waitlist_position(again) == 2  # behind the one who waited meanwhile


def test_cancelling_nothing_or_after_the_start(branch, member):
    event = make_event(branch=branch, capacity=3)
    assert cancel_registration(member, event) is None
    register_for_event(member, event)
    with pytest.raises(RegistrationError) as excinfo:
        cancel_registration(member, event, now=event.start + timedelta(minutes=5))
    assert excinfo.value.code == "started"
    assert statuses(event)[member.email] == Status.CONFIRMED


def test_raising_the_capacity_and_publishing_promotes_the_waitlist(
    branch, django_capture_on_commit_callbacks, promotions
):
    event = make_event(branch=branch, capacity=1)
    people = [make_user() for _ in range(4)]
    for person in people:
        register_for_event(person, event)
    event.capacity = 3
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision().publish()
    assert [statuses(event)[p.email] for p in people] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]
    assert len(promotions) == 2
    assert fill_from_waitlist(event) == []  # nothing more to do


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: on SQLite, write transactions are serialised anyway "
            "(set DATABASE_URL=postgres://… to run it)"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_registrations_never_exceed_the_capacity(branch):
    _needs_postgresql()
    event = make_event(branch=branch, capacity=5)
    members = [make_user() for _ in range(20)]
    errors = run_together([lambda m=m: register_for_event(m, event) for m in members])
    assert errors == []
    assert EventRegistration.objects.filter(event=event, status=Status.CONFIRMED).count() == 5
    assert EventRegistration.objects.filter(event=event, status=Status.WAITLISTED).count() == 15
    positions = sorted(
        waitlist_position(r)
        for r in EventRegistration.objects.filter(event=event, status=Status.WAITLISTED)
    )
    assert positions == list(range(1, 16))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_cancellations_and_registrations(branch):
    _needs_postgresql()
    event = make_event(branch=branch, capacity=3)
    holders = [make_user() for _ in range(3)]
    waiting = [make_user() for _ in range(5)]
    newcomers = [make_user() for _ in range(4)]
    for person in holders + waiting:
        register_for_event(person, event)
    jobs = [lambda m=m: cancel_registration(m, event) for m in holders]
    jobs += [lambda m=m: register_for_event(m, event) for m in newcomers]
    errors = run_together(jobs)
    assert errors == []
    result = statuses(event)
    # the three freed places went to the first three who were waiting, never to a newcomer
    assert [result[m.email] for m in waiting] == [Status.CONFIRMED] * 3 + [Status.WAITLISTED] * 2
    assert all(result[m.email] == Status.WAITLISTED for m in newcomers)
    assert list(result.values()).count(Status.CONFIRMED) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_double_click_makes_one_registration(branch):
    _needs_postgresql()
    event = make_event(branch=branch, capacity=5)
    member = make_user()
    errors = run_together([lambda: register_for_event(member, event) for _ in range(6)])
    assert errors == []
    assert EventRegistration.objects.filter(event=event, user=member).count() == 1


# --- Views ------------------------------------------------------------------------------------


def _messages(response) -> list[str]:
    """The messages this response added (earlier ones were not displayed yet)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_register_view_confirms_then_waitlists(client, branch):
    event = make_event(branch=branch, capacity=1)
    first, second = make_user(), make_user()
    client.force_login(first)
    response = client.post(reverse("community:event_register", args=[event.pk]))
    assert response.status_code == 302
    assert response["Location"] == event.url
    assert _messages(response) == [fr("You are registered for “%(event)s”.", event=event.title)]
    response = client.post(reverse("community:event_register", args=[event.pk]))
    assert _messages(response) == [
        fr("You are already registered for “%(event)s”.", event=event.title)
    ]

    client.force_login(second)
    response = client.post(reverse("community:event_waitlist", args=[event.pk]))
    assert statuses(event)[second.email] == Status.WAITLISTED
    [message] = _messages(response)
    assert event.title in message and "1" in message


def test_cancel_view(client, branch, django_capture_on_commit_callbacks):
    event = make_event(branch=branch, capacity=1)
    holder, waiting = make_user(), make_user()
    register_for_event(holder, event)
    register_for_event(waiting, event)
    client.force_login(waiting)
    response = client.post(reverse("community:event_cancel", args=[event.pk]))
    assert _messages(response) == [fr("You left the waitlist for “%(event)s”.", event=event.title)]
    client.force_login(holder)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("community:event_cancel", args=[event.pk]))
    assert _messages(response) == [
        fr("Your registration for “%(event)s” is cancelled.", event=event.title)
    ]
    response = client.post(reverse("community:event_cancel", args=[event.pk]))
    assert _messages(response) == [
        fr("You were not registered for “%(event)s”.", event=event.title)
    ]


def test_errors_are_messages_not_error_pages(client, branch, member):
    event = make_event(branch=branch, registration_opens=timezone.now() + timedelta(days=1))
    client.force_login(member)
    response = client.post(reverse("community:event_register", args=[event.pk]))
    assert response.status_code == 302
    [message] = _messages(response)
    assert message.startswith(fr("Registration opens on %(date)s.", date="")[:10])
    assert not EventRegistration.objects.exists()


def test_views_are_post_only_login_required_and_csrf_protected(client, branch, member):
    event = make_event(branch=branch, capacity=4)
    url = reverse("community:event_register", args=[event.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    response = client.get(url)  # e.g. back from the login page: just the event
    assert response.status_code == 302 and response["Location"].startswith(event.url)
    assert client.put(url).status_code == 405
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post(url).status_code == 403
    assert not EventRegistration.objects.exists()


def test_unpublished_or_unknown_event_is_404(client, branch, member):
    event = make_event(branch=branch, capacity=4)
    event.unpublish()
    client.force_login(member)
    assert client.post(reverse("community:event_register", args=[event.pk])).status_code == 404
    assert client.post(reverse("community:event_cancel", args=[999999])).status_code == 404


# --- The registration block of the event page -----------------------------------------------


def test_block_counts_places_and_shows_own_status(branch):
    event = make_event(branch=branch, capacity=3)
    a, b, c, d = (make_user() for _ in range(4))
    register_for_event(a, event)
    block = registration_block(event, b)
    assert (block.is_open, block.remaining, block.is_full, block.registration) == (
        True,
        2,
        False,
        None,
    )
    register_for_event(b, event)
    register_for_event(c, event)
    register_for_event(d, event)
    block = registration_block(event, d)
    assert block.is_full and block.remaining == 0
    assert block.is_waitlisted and block.position == 1
    assert block.register_url == reverse("community:event_waitlist", args=[event.pk])
    assert registration_block(event, a).is_confirmed


def test_event_page_shows_places_and_register_button(client, branch, member):
    event = make_event(branch=branch, capacity=3)
    register_for_event(make_user(), event)
    client.force_login(member)
    html = client.get(event.url).content.decode()
    assert fr_plural("%(counter)s place left", "%(counter)s places left", 2) in html
    assert fr("Sign me up") in html
    assert reverse("community:event_register", args=[event.pk]) in html

    register_for_event(member, event)
    html = client.get(event.url).content.decode()
    assert fr("You are registered") in html
    assert fr("Cancel my registration") in html
    assert reverse("community:event_cancel", args=[event.pk]) in html


def test_event_page_when_full_and_on_the_waitlist(client, branch, member):
    event = make_event(branch=branch, capacity=1)
    register_for_event(make_user(), event)
    client.force_login(member)
    html = client.get(event.url).content.decode()
    assert fr("Full — join the waitlist") in html
    assert fr("Join the waitlist") in html
    register_for_event(member, event)
    html = client.get(event.url).content.decode()
    assert fr("You are on the waitlist (position %(position)s)", position=1) in html
    assert fr("Leave the waitlist") in html


def test_event_page_for_anonymous_visitors(client, branch):
    event = make_event(branch=branch, capacity=10)
    html = client.get(event.url).content.decode()
    assert fr("Log in to register") in html
    assert "/comptes/login/?next=" in html
    assert fr("Sign me up") not in html


def test_block_for_events_without_registration_or_past(branch, member):
    free = make_event(branch=branch, registration_required=False)
    block = registration_block(free, member)
    assert block.show and block.capacity is None and block.registration is None
    past = make_event(
        branch=branch,
        start=timezone.now() - timedelta(days=3),
        end=timezone.now() - timedelta(days=3) + timedelta(hours=2),
        capacity=5,
    )
    assert not registration_block(past, member).show
    from django.template.loader import render_to_string

    html = render_to_string("community/event_registration.html", {"page": past, "user": member})
    assert html.strip() == ""
    html = render_to_string("community/event_registration.html", {"page": free, "user": member})
    assert fr("No registration needed: just come along.") in html


# --- Reminders ------------------------------------------------------------------------------


def test_reminder_is_sent_once_within_24_hours(branch, member, reminders):
    event = make_event(branch=branch, capacity=5, start=timezone.now() + timedelta(days=3))
    registration = register_for_event(member, event)
    assert remind(registration.pk) is False  # three days ahead: not yet
    later = event.start - timedelta(hours=20)
    assert remind(registration.pk, now=later) is True
    assert remind(registration.pk, now=later + timedelta(hours=1)) is False
    registration.refresh_from_db()
    assert registration.reminded_at == later
    assert [r.pk for r in reminders] == [registration.pk]


def test_no_reminder_for_waitlist_cancelled_or_started(branch, reminders):
    event = make_event(branch=branch, capacity=1, start=timezone.now() + timedelta(hours=10))
    holder, waiting, gone = make_user(), make_user(), make_user()
    confirmed = register_for_event(holder, event)
    waitlisted = register_for_event(waiting, event)
    register_for_event(gone, event)
    cancelled = cancel_registration(gone, event)
    assert remind(waitlisted.pk) is False
    assert remind(cancelled.pk) is False
    assert remind(confirmed.pk, now=event.start + timedelta(minutes=1)) is False
    assert reminders == []


def test_reminder_task_uses_the_clock(branch, member, reminders, monkeypatch):
    event = make_event(branch=branch, capacity=5, start=timezone.now() + timedelta(days=2))
    registration = register_for_event(member, event)
    frozen = event.start - timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    result = send_event_reminder.enqueue(registration.pk)  # immediate backend in tests
    assert result.return_value is True
    assert send_event_reminder.enqueue(registration.pk).return_value is False
    assert len(reminders) == 1


def test_sweep_and_command_send_what_is_due(branch, reminders, monkeypatch):
    now = timezone.now()
    soon = make_event("Demain", branch=branch, capacity=5, start=now + timedelta(hours=20))
    later = make_event("Plus tard", branch=branch, capacity=5, start=now + timedelta(days=4))
    people = [make_user() for _ in range(3)]
    for person in people:
        register_for_event(person, soon)
        register_for_event(person, later)
    assert set(due_reminders(now).values_list("event_id", flat=True)) == {soon.pk}
    assert sweep_reminders(now) == 3
    assert sweep_reminders(now) == 0
    # the command (cron) and the task find the later event once its window opens
    monkeypatch.setattr(timezone, "now", lambda: later.start - timedelta(hours=23))
    out = io.StringIO()
    call_command("send_event_reminders", stdout=out)
    assert out.getvalue().startswith("3 ")
    assert send_due_reminders.enqueue().return_value == 0
    assert len(reminders) == 6


def test_reminders_are_deferred_only_where_the_backend_can(branch, member, settings):
    event = make_event(branch=branch, capacity=5, start=timezone.now() + timedelta(days=5))
    registration = register_for_event(member, event)
    # Immediate backend (tests): no run_after support → nothing enqueued, nothing sent.
    schedule_event_reminder(registration)
    registration.refresh_from_db()
    assert registration.reminded_at is None

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = send_event_reminder.get_backend()
    schedule_event_reminder(registration)
    [result] = [r for r in backend.results if r.task.name == "send_event_reminder"]
    assert result.task.run_after == event.start - timedelta(hours=24)
    assert list(result.args) == [registration.pk]


def _reminders_enqueued(backend) -> list[list]:
    return [list(r.args) for r in backend.results if r.task.name == "send_event_reminder"]


def test_confirmation_and_promotion_schedule_the_reminder(
    branch, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = send_event_reminder.get_backend()
    event = make_event(branch=branch, capacity=1)
    holder, waiting = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        first = register_for_event(holder, event)
        second = register_for_event(waiting, event)  # waitlisted: no reminder
    assert _reminders_enqueued(backend) == [[first.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(holder, event)
    assert _reminders_enqueued(backend) == [[first.pk], [second.pk]]


# --- Librarians' lists in the admin ----------------------------------------------------------


@pytest.fixture
def full_event(branch):
    event = make_event("Club lecture", branch=branch, capacity=2)
    people = [
        make_user("alice@example.org", display_name="Alice"),
        make_user("bruno@example.org", first_name="Bruno", last_name="Martin"),
        make_user("chloe@example.org", display_name="=cmd|' /C calc'!A0"),
        make_user("dan@example.org", display_name="Dan"),
    ]
    for person in people:
        register_for_event(person, event)
    return event


def test_librarian_sees_attendees_and_waitlist(client, librarian, full_event, branch):
    branch.librarians.add(librarian)
    client.force_login(librarian)
    response = client.get(reverse("event_registrations", args=[full_event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Alice", "bruno@example.org", "Bruno Martin", "dan@example.org", "Club lecture"):
        assert text in html
    assert html.index("alice@example.org") < html.index("chloe@example.org")
    assert reverse("event_registrations_csv", args=[full_event.pk]) in html


def test_csv_export_for_excel(client, network_admin, full_event):
    client.force_login(network_admin)
    response = client.get(reverse("event_registrations_csv", args=[full_event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    with translation.override("fr"):
        assert rows[0][:5] == [
            gettext("Name"),
            gettext("Email address"),
            gettext("Registered at"),
            gettext("Status"),
            gettext("Position on the waitlist"),
        ]
        confirmed = str(Status.CONFIRMED.label)
        waitlisted = str(Status.WAITLISTED.label)
    body = rows[1:]
    assert [(r[1], r[3], r[4]) for r in body] == [
        ("alice@example.org", confirmed, ""),
        ("bruno@example.org", confirmed, ""),
        ("chloe@example.org", waitlisted, "1"),
        ("dan@example.org", waitlisted, "2"),
    ]
    assert body[2][0].startswith("'=")  # no formula injection into Excel


def test_members_cannot_see_registrations(client, member, full_event):
    client.force_login(member)
    for name in ("event_registrations", "event_registrations_csv"):
        response = client.get(reverse(name, args=[full_event.pk]))
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/")


def test_registrations_button_in_page_listing_and_header(client, librarian, full_event, branch):
    branch.librarians.add(librarian)
    client.force_login(librarian)
    url = reverse("event_registrations", args=[full_event.pk])
    listing = client.get(reverse("wagtailadmin_explore", args=[full_event.get_parent().pk]))
    assert url in listing.content.decode()
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[full_event.pk]))
    assert url in edit.content.decode()
    # not on other page types
    index_edit = client.get(reverse("wagtailadmin_pages:edit", args=[full_event.get_parent().pk]))
    assert "/inscriptions/" not in index_edit.content.decode()
