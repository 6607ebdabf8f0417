"""Facebook syndication when things go wrong: every error class, expiry, crashes, races."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from feeds.syndication.graph import GraphClient
from feeds.syndication.models import FacebookConnection, Syndication
from feeds.syndication.outbox import send

pytest.register_assert_rewrite("tests.feeds.fake_graph")  # it is also a plugin, below
from tests.feeds.fake_graph import (  # noqa: E402
    PAGE_ID,
    make_announcement,
    make_due,
    publish,
    resume,
    rows,
    settings_url,
)

pytest_plugins = ["tests.feeds.fake_graph"]  # fixtures: graph, connected, clock…
pytestmark = pytest.mark.django_db


def _publish_one(run_on_commit, title="Rencontre d'auteur"):
    page = make_announcement(title)
    with run_on_commit():
        publish(page)
    return page


# --- 1, 2, HTTP 5xx, timeouts: exponential backoff with jitter -------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"code": 1},
        {"code": 2},
        {"status": 500},  # bare 5xx, no Graph error body
        {"status": 503},
        {"drop": True},  # connection dropped before Facebook did anything
    ],
    ids=["code-1", "code-2", "http-500", "http-503", "dropped"],
)
def test_transient_errors_are_retried_with_backoff(connected, graph, run_on_commit, fault):
    graph.fail("POST", r"/feed$", **fault)
    before = timezone.now()
    _publish_one(run_on_commit)

    [row] = rows()
    assert row.status == "pending" and row.problem == "transient"
    assert row.retries == 1 and row.attempts == 1
    delay = (row.next_attempt_at - before).total_seconds()
    assert 15 <= delay <= 31  # first retry: 30 s, jittered into [15, 30]
    assert graph.live_posts() == []

    make_due()
    with run_on_commit():
        resume()
    [row] = rows()
    assert row.status == "sent" and len(graph.live_posts()) == 1


def test_backoff_schedule_then_failure(connected, graph, clock, run_on_commit):
    graph.fail("POST", r"/feed$", status=503, times=-1)
    _publish_one(run_on_commit)
    delays = []
    for _ in range(20):
        [row] = rows()
        if row.status != "pending":
            break
        delays.append((row.next_attempt_at - row.updated_at).total_seconds())
        clock.travel_to(row.next_attempt_at)
        with run_on_commit():
            resume()
    [row] = rows()
    assert row.status == "failed" and row.problem == "transient"
    assert row.attempts == 8 and len(graph.calls("POST", r"/feed$")) == 8
    nominal = [30, 60, 120, 240, 480, 960, 1920]
    assert len(delays) == 7
    for delay, d in zip(delays, nominal, strict=True):
        assert d / 2 - 1 <= delay <= d + 1
    assert "Impossible de joindre Facebook après 8 tentatives" in row.reason


def test_a_timeout_after_facebook_created_the_post_never_posts_twice(
    connected, graph, run_on_commit
):
    graph.fail("POST", r"/feed$", delay=2.0, after=True)  # created, answer too late
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "pending" and row.in_flight  # ambiguous
    assert len(graph.live_posts()) == 1

    make_due()
    with run_on_commit():
        resume()
    [row] = rows()
    assert row.status == "sent" and not row.in_flight
    [post] = graph.live_posts()
    assert row.post_id == post["id"]  # adopted, found by its marker
    assert len(graph.calls("POST", r"/feed$")) == 1
    [check] = graph.calls("GET", r"/posts$")
    assert check["path"] == f"/{PAGE_ID}/posts"


def test_a_dropped_connection_after_the_post_was_created_is_adopted(
    connected, graph, run_on_commit
):
    graph.fail("POST", r"/feed$", drop=True, after=True)
    _publish_one(run_on_commit)
    make_due()
    with run_on_commit():
        resume()
    assert [r.status for r in rows()] == ["sent"]
    assert len(graph.live_posts()) == 1 and len(graph.calls("POST", r"/feed$")) == 1


def test_a_dropped_connection_before_anything_happened_posts_once(connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", drop=True)
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.in_flight  # we cannot know: look before posting again
    make_due()
    with run_on_commit():
        resume()
    assert [r.status for r in rows()] == ["sent"]
    assert len(graph.live_posts()) == 1 and len(graph.calls("POST", r"/feed$")) == 2


# --- 4, 17, 32, 613, 80001: rate limits ----------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limits_wait_for_the_time_facebook_gives(connected, graph, run_on_commit, code):
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 25,
                "total_time": 40,
                "estimated_time_to_regain_access": 7,
            }
        ]
    }
    graph.fail(
        "POST",
        r"/feed$",
        code=code,
        headers={
            "X-Business-Use-Case-Usage": json.dumps(usage),
            "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 10, "total_time": 20}),
        },
    )
    before = timezone.now()
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "pending" and row.problem == "throttled" and row.retries == 0
    delay = (row.next_attempt_at - before).total_seconds()
    assert 7 * 60 <= delay <= 7 * 60 * 1.1 + 1
    connection = FacebookConnection.load()
    assert connection.paused_until == row.next_attempt_at

    # While paused, other publications wait without calling Facebook.
    calls = len(graph.requests)
    _publish_one(run_on_commit, "Autre annonce")
    assert len(graph.requests) == calls
    assert rows()[1].next_attempt_at == connection.paused_until
    assert "La limite d’envois de Facebook est atteinte" in rows()[1].reason


def test_app_usage_alone_waits_the_default_time(connected, graph, run_on_commit, settings):
    graph.fail(
        "POST",
        r"/feed$",
        code=4,
        headers={
            "X-App-Usage": json.dumps({"call_count": 104, "total_cputime": 3, "total_time": 9})
        },
    )
    before = timezone.now()
    _publish_one(run_on_commit)
    [row] = rows()
    delay = (row.next_attempt_at - before).total_seconds()
    default = settings.FACEBOOK_THROTTLE_DEFAULT_SECONDS
    assert default <= delay <= default * 1.1 + 1


# --- 190: the token expired or was revoked ----------------------------------------------


def test_token_expiry_stops_alerts_and_resumes_the_backlog_once_reconnected(
    connected, graph, page_token, run_on_commit, network_admin, librarian, client
):
    graph.expire(page_token, subcode=463)
    first = _publish_one(run_on_commit, "Première")
    [row] = rows()
    assert row.status == "pending" and row.problem == "token"
    connection = FacebookConnection.load()
    assert connection.broken and connection.broken_reason == "expired"
    assert "le jeton a expiré" in connection.broken_reason_text

    # One email to the network admins (not to librarians), with the way to fix it.
    [email] = mail.outbox
    assert email.to == [network_admin.email]
    assert "/admin/settings/feeds/facebookconnection/" in email.body

    # Nothing more is sent while broken; the backlog grows.
    calls = len(graph.requests)
    second = _publish_one(run_on_commit, "Deuxième")
    first.intro = "Première, corrigée."
    with run_on_commit():
        publish(first)
    assert len(graph.requests) == calls
    assert len(mail.outbox) == 1  # alerted once
    assert [r.status for r in rows()] == ["pending", "pending"]
    assert "aura reconnecté la Page" in rows()[1].reason

    # The banner shows in the admin, for librarians too (loaded from an admin URL, so
    # that nothing shows on the login page).
    banner_url = reverse("feeds_syndication:banner")
    assert client.get(banner_url).status_code == 302  # anonymous: to the login page
    client.force_login(librarian)
    assert banner_url in client.get("/admin/").content.decode()
    banner = client.get(banner_url).content.decode()
    assert 'id="affinites-facebook-banner"' in banner and "2 publications sont en attente" in banner
    assert "Reconnect the Page" not in banner  # librarians cannot fix it themselves

    # A network admin saves a new, valid token: everything pending goes out.
    new_token = graph.add_page(PAGE_ID, "Médiathèques des Bouches-du-Rhône")
    client.force_login(network_admin)
    with run_on_commit():
        response = client.post(
            settings_url(),
            {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": new_token},
        )
    assert response.status_code == 302
    connection = FacebookConnection.load()
    assert not connection.broken and connection.page_token() == new_token
    assert [r.status for r in rows()] == ["sent", "sent"]
    messages = sorted(p["message"] for p in graph.live_posts())
    assert len(messages) == 2 and "Première, corrigée." in messages[1]
    assert {r.page_id for r in rows()} == {first.pk, second.pk}
    assert banner_url not in client.get("/admin/").content.decode()
    assert client.get(banner_url).status_code == 204


@pytest.mark.parametrize(
    "subcode, reason", [(458, "app_removed"), (460, "password_changed"), (467, "invalid")]
)
def test_other_token_subcodes_break_the_connection(
    connected, graph, page_token, run_on_commit, subcode, reason
):
    graph.expire(page_token, subcode=subcode)
    _publish_one(run_on_commit)
    connection = FacebookConnection.load()
    assert connection.broken and connection.broken_reason == reason


def test_an_undecryptable_token_breaks_the_connection(connected, graph, run_on_commit, settings):
    settings.FACEBOOK_TOKEN_KEY = "another key entirely"
    _publish_one(run_on_commit)
    connection = FacebookConnection.load()
    assert connection.broken and connection.broken_reason == "undecryptable"
    assert rows()[0].status == "pending" and graph.requests == []


# --- 10, 200–299: permissions --------------------------------------------------------


def test_missing_permission_fails_naming_it(connected, graph, run_on_commit):
    graph.fail(
        "POST",
        r"/feed$",
        code=10,
        message="(#10) Application does not have permission for this action",
    )
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "failed" and row.problem == "permission"
    assert row.problem_detail == "pages_manage_posts"
    assert "pages_manage_posts" in row.reason


def test_permission_named_by_facebook_is_reported(connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", code=200)  # names pages_read_engagement and pages_manage_posts
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "failed" and row.error_code == 200
    assert row.problem_detail == "pages_read_engagement, pages_manage_posts"
    assert row.fbtrace_id.startswith("A")


@pytest.mark.parametrize("code", [210, 299])
def test_the_whole_200_range_is_a_permission_error(connected, graph, run_on_commit, code):
    graph.fail("POST", r"/feed$", code=code, message=f"(#{code}) Permissions error")
    _publish_one(run_on_commit)
    assert rows()[0].problem == "permission"


# --- 368, 506, others ----------------------------------------------------------------


def test_temporarily_blocked_waits_and_retries_later(connected, graph, run_on_commit, settings):
    graph.fail("POST", r"/feed$", code=368)
    before = timezone.now()
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "pending" and row.problem == "blocked"
    delay = (row.next_attempt_at - before).total_seconds()
    assert (
        settings.FACEBOOK_BLOCKED_RETRY_SECONDS
        <= delay
        <= settings.FACEBOOK_BLOCKED_RETRY_SECONDS * 1.1 + 1
    )
    assert "368" in row.reason
    make_due()
    with run_on_commit():
        resume()
    assert rows()[0].status == "sent"


def test_a_duplicate_answer_for_our_own_post_adopts_it(connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", code=506, after=True)  # written, then "duplicate"
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "sent" and not row.in_flight
    [post] = graph.live_posts()
    assert row.post_id == post["id"] and len(graph.calls("POST", r"/feed$")) == 1


def test_a_duplicate_answer_without_our_post_posts_a_variant(connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", code=506)  # the same text is on the Page, not ours
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "sent" and row.problem == ""
    [post] = graph.live_posts()
    assert row.post_id == post["id"]
    first, second = graph.calls("POST", r"/feed$")
    marker = f"utm_content=aff{row.pk}"
    assert first["params"]["link"].endswith(marker)
    assert second["params"]["link"].endswith(marker + "-1")  # only the marker differs
    assert first["params"]["message"].replace(marker, marker + "-1") == post["message"]


def test_a_duplicate_answer_every_time_fails_with_a_message(
    connected, graph, run_on_commit, settings
):
    graph.fail("POST", r"/feed$", code=506, times=-1)
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "failed" and row.problem == "duplicate"
    assert "Publication en double" in row.reason and row.error_code == 506
    assert len(graph.calls("POST", r"/feed$")) == settings.FACEBOOK_DUPLICATE_VARIANTS + 1
    assert graph.live_posts() == []


def test_a_create_that_commits_after_the_timeout_is_waited_for_not_posted_again(
    connected, graph, run_on_commit, settings
):
    """Graph answers too late (the client's read timeout is 1.5 s) and writes the post 4 s
    after the request: a retry before then looks for it, does not create."""
    settings.FACEBOOK_UNCERTAIN_SECONDS = 30
    graph.fail("POST", r"/feed$", delay=4.0)
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "pending" and row.in_flight and row.uncertain_until
    assert graph.live_posts() == []

    make_due()  # the retry comes before Facebook has written the post
    with run_on_commit():
        resume()
    [row] = rows()
    assert row.status == "pending" and row.in_flight and row.retries == 1
    assert graph.live_posts() == [] and len(graph.calls("POST", r"/feed$")) == 1

    deadline = time.monotonic() + 10
    while not graph.live_posts() and time.monotonic() < deadline:
        time.sleep(0.2)
    make_due()
    with run_on_commit():
        resume()
    [row] = rows()
    assert row.status == "sent" and not row.in_flight and row.uncertain_until is None
    [post] = graph.live_posts()
    assert row.post_id == post["id"] and len(graph.calls("POST", r"/feed$")) == 1


def test_a_create_that_timed_out_and_never_appears_is_sent_again_after_the_wait(
    connected, graph, run_on_commit, clock
):
    graph.fail("POST", r"/feed$", delay=2.0, status=503)  # too late, and nothing written
    _publish_one(run_on_commit)
    [row] = rows()
    until = row.uncertain_until
    make_due()
    with run_on_commit():
        resume()
    assert len(graph.calls("POST", r"/feed$")) == 1  # still waiting for it to appear
    clock.travel_to(until)
    make_due()
    with run_on_commit():
        resume()
    [row] = rows()
    assert row.status == "sent" and len(graph.live_posts()) == 1
    assert len(graph.calls("POST", r"/feed$")) == 2


FAULTS = {
    "timeout-then-commit": {"delay": 3.0},
    "timeout-never-commit": {"delay": 2.0, "status": 503},
    "506-ours": {"code": 506, "after": True},
    "506-someone-else-s": {"code": 506},
    "5xx": {"status": 500},
    "5xx-after-writing": {"status": 500, "after": True},
    "graph-error-2-after-writing": {"code": 2, "after": True},
    "network-error": {"drop": True},
    "network-error-after-writing": {"drop": True, "after": True},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_every_fault_class_ends_with_exactly_one_post(
    connected, graph, run_on_commit, settings, fault
):
    """Retries run in real time (short delays) so that Graph's slow write happens when
    it would: nothing but the outbox decides when to look and when to create."""
    settings.FACEBOOK_RETRY_BASE_SECONDS = 1
    settings.FACEBOOK_UNCERTAIN_SECONDS = 6
    settings.FACEBOOK_UNCERTAIN_CHECK_SECONDS = 1
    graph.fail("POST", r"/feed$", **fault)
    _publish_one(run_on_commit)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [row] = rows()
        if row.status != "pending":
            break
        wait = (row.next_attempt_at - timezone.now()).total_seconds() if row.next_attempt_at else 0
        time.sleep(max(0.0, wait) + 0.05)
        with run_on_commit():
            resume()
    time.sleep(max(fault.get("delay", 0.0), 0.5))  # a slow write would show by now
    [row] = rows()
    assert row.status == "sent"
    [post] = graph.live_posts()
    assert row.post_id == post["id"]


def test_other_errors_fail_with_facebook_s_message(connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", code=100, message="(#100) Invalid parameter")
    _publish_one(run_on_commit)
    [row] = rows()
    assert row.status == "failed" and row.problem == "rejected"
    assert "(#100) Invalid parameter" in row.reason


def test_retry_sends_a_failed_row_again(connected, graph, run_on_commit):
    from feeds.syndication.outbox import retry

    graph.fail("POST", r"/feed$", code=10)
    _publish_one(run_on_commit)
    [row] = rows()
    with run_on_commit():
        assert retry(row)
    [row] = rows()
    assert row.status == "sent" and row.problem == "" and len(graph.live_posts()) == 1


# --- crashes and races -----------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, nothing in send() catches it."""


@pytest.mark.parametrize("reached_facebook", [True, False])
def test_a_worker_killed_mid_send_is_resumed_without_loss_or_duplicate(
    connected, graph, run_on_commit, monkeypatch, reached_facebook
):
    real = GraphClient.create_feed_post

    def killed(self, *args, **kwargs):
        if reached_facebook:
            real(self, *args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(GraphClient, "create_feed_post", killed)
    page = make_announcement()
    with run_on_commit():
        publish(page)  # the task dies (the immediate backend records it as failed)
    monkeypatch.undo()

    [row] = rows()
    assert row.status == "sending" and row.in_flight  # left mid-send
    assert len(graph.live_posts()) == (1 if reached_facebook else 0)

    # Another worker does not touch it while the lease runs…
    assert send(row.pk) == "not-claimed"
    with run_on_commit():
        assert resume()["enqueued"] == 0

    # …and resumes it once the lease has expired.
    make_due()
    with run_on_commit():
        assert resume()["enqueued"] == 1
    [row] = rows()
    assert row.status == "sent"
    [post] = graph.live_posts()
    assert row.post_id == post["id"]
    assert len(graph.calls("POST", r"/feed$")) == 1


def test_a_row_is_claimed_once(connected, graph):
    from feeds.syndication.outbox import _claim

    page = make_announcement()
    row = Syndication.objects.create(page=page, page_pk=page.pk, page_title="x", action="create")
    now = timezone.now()
    assert _claim(row.pk, now) is not None
    assert _claim(row.pk, now) is None
    assert _claim(row.pk, now + timedelta(seconds=301)) is not None  # lease expired


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_send_a_row_once(graph, page_token):
    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no real race")
    from django.db import connections

    connection = FacebookConnection.load()
    connection.page_id = PAGE_ID
    connection.set_page_token(page_token)
    connection.save()
    page = make_announcement()
    page.save_revision().publish()  # autocommit: the immediate backend sends it now
    Syndication.objects.all().delete()
    graph.posts.clear()
    graph.requests.clear()
    row = Syndication.objects.create(
        page=page, page_pk=page.pk, page_title=page.title, action="create"
    )
    graph.fail("POST", r"/feed$", delay=0.3, after=True, times=-1)  # widen the window

    workers = 8
    barrier = threading.Barrier(workers)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(send(row.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes).count("sent") == 1, outcomes
    assert set(outcomes) <= {"sent", "not-claimed", "nothing-to-do"}
    assert len(graph.calls("POST", r"/feed$")) == 1
    assert len(graph.live_posts()) == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1
