"""Moderation: reports, the queues (community page and Wagtail admin), decisions, sanctions,
the log, and telling the reporter and the member concerned."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from community.actions import moderation
from community.actions.errors import Refused
from community.actions.posts import create_post
from community.models import (
    ContentStatus,
    ModerationAction,
    Notification,
    Report,
    Sanction,
)
from tests.community.life_helpers import (  # noqa: F401  (fixtures)
    _fresh_cache,
    club,
    fr,
    html_of,
    join,
    make_comment,
    make_post,
    people,
)
from tests.conftest import make_community

pytestmark = pytest.mark.django_db


def act(client, community, **data):
    data.setdefault("reason", "")
    return client.post(reverse("community:moderation_act", args=[community.pk]), data)


# --- Reporting -------------------------------------------------------------------------------


def test_report_a_post_through_the_page(client, club, people):
    post = make_post(people["author"], club, "Achetez mes cryptos !!!")
    client.force_login(people["member"])
    url = reverse("community:report_post", args=[club.pk, post.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "spam", "details": "Pub répétée"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.post, report.community) == (people["member"], post, club)
    assert report.excerpt == "Achetez mes cryptos !!!" and report.details == "Pub répétée"
    client.post(url, {"reason": "spam"})  # twice: still one open report
    assert Report.objects.count() == 1


def test_report_needs_a_reason(client, club, people):
    post = make_post(people["author"], club)
    client.force_login(people["member"])
    response = client.post(reverse("community:report_post", args=[club.pk, post.pk]), {})
    assert response.status_code == 200
    assert fr("Choose a reason.") in html_of(response)
    assert not Report.objects.exists()


def test_report_a_comment_and_a_member(client, club, people):
    post = make_post(people["author"], club)
    comment = make_comment(people["author"], post, "Insulte")
    client.force_login(people["member"])
    client.post(
        reverse("community:report_comment", args=[club.pk, comment.pk]), {"reason": "harassment"}
    )
    client.post(
        reverse("community:report_member", args=[people["author"].handle]), {"reason": "other"}
    )
    kinds = sorted(r.target_kind for r in Report.objects.all())
    assert kinds == ["comment", "member"]
    assert Report.objects.get(member=people["author"]).community is None


def test_cannot_report_oneself(club, people):
    post = make_post(people["author"], club)
    with pytest.raises(Refused):
        moderation.report(people["author"], reason="spam", post=post)


def test_ten_reports_per_hour(client, club, people):
    client.force_login(people["member"])
    posts = [make_post(people["librarian"], club, f"Annonce {n}") for n in range(11)]
    for post in posts[:10]:
        response = client.post(
            reverse("community:report_post", args=[club.pk, post.pk]), {"reason": "spam"}
        )
        assert response.status_code == 302
    response = client.post(
        reverse("community:report_post", args=[club.pk, posts[10].pk]), {"reason": "spam"}
    )
    assert response.status_code == 429
    assert fr("You have sent %(limit)s reports in a short time.", limit=10) in html_of(response)
    assert Report.objects.count() == 10


# --- The community's queue and decisions ----------------------------------------------------------


def test_moderator_hides_a_reported_post_everyone_is_told_and_it_is_logged(
    client, club, people, django_capture_on_commit_callbacks
):
    post = make_post(people["author"], club, "Contenu douteux")
    report = moderation.report(people["member"], reason="hate", post=post)
    client.force_login(people["moderator"])
    html = html_of(client.get(reverse("community:moderation_queue", args=[club.pk])))
    assert "Contenu douteux" in html and fr("Reports to review") in html
    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            client,
            club,
            action="hide",
            target="report",
            target_id=report.pk,
            reason="Propos haineux",
        )
    assert response.status_code == 302
    post.refresh_from_db()
    report.refresh_from_db()
    assert post.status == ContentStatus.HIDDEN
    assert report.status == Report.Status.RESOLVED and report.resolved_by == people["moderator"]
    entry = ModerationAction.objects.get()
    assert (entry.actor, entry.action, entry.reason) == (
        people["moderator"],
        "hide",
        "Propos haineux",
    )
    assert entry.post == post and entry.member == people["author"] and entry.report == report
    assert entry.created_at and "Contenu douteux" in entry.target_repr
    # the reporter is told the outcome, the author what happened to their post
    told = Notification.objects.get(user=people["member"])
    assert told.body == report.outcome and report.outcome
    author_note = Notification.objects.get(user=people["author"])
    assert "Propos haineux" in author_note.body
    # hidden for members, listed for moderators, in the log
    client.force_login(people["member"])
    assert "Contenu douteux" not in html_of(client.get(club.url))
    client.force_login(people["moderator"])
    log = html_of(client.get(reverse("community:moderation_log", args=[club.pk])))
    assert "Propos haineux" in log and people["moderator"].public_name in log


def test_a_decision_needs_a_reason(client, club, people):
    post = make_post(people["author"], club)
    client.force_login(people["moderator"])
    response = act(client, club, action="hide", target="post", target_id=post.pk)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == ContentStatus.PUBLISHED
    assert not ModerationAction.objects.exists()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert fr("Say why: the reason is kept in the moderation log.") in messages


def test_delete_and_restore(club, people):
    post = make_post(people["author"], club)
    moderation.delete(people["moderator"], post, "Hors sujet")
    post.refresh_from_db()
    assert post.status == ContentStatus.REMOVED and post.body  # kept for the record
    moderation.moderate_content(
        people["librarian"], post, moderation.Action.RESTORE, "Finalement acceptable"
    )
    post.refresh_from_db()
    assert post.status == ContentStatus.PUBLISHED
    assert list(post.moderation_actions.values_list("action", flat=True)) == ["restore", "delete"]
    with pytest.raises(Refused):
        moderation.moderate_content(
            people["librarian"], post, moderation.Action.RESTORE, "encore"
        )  # already visible


def test_dismissing_tells_the_reporter(club, people, django_capture_on_commit_callbacks):
    post = make_post(people["author"], club)
    report = moderation.report(people["member"], reason="other", post=post)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.dismiss(people["moderator"], report, "Rien d'anormal")
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    note = Notification.objects.get(user=people["member"])
    assert note.body == report.outcome
    assert not Notification.objects.filter(user=people["author"]).exists()


def test_one_decision_closes_every_report_about_the_same_post(
    club, people, django_capture_on_commit_callbacks
):
    post = make_post(people["author"], club)
    first = moderation.report(people["member"], reason="spam", post=post)
    second = moderation.report(people["moderator"], reason="spam", post=post)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_content(
            people["librarian"], post, moderation.Action.HIDE, "Spam", report=first
        )
    assert set(Report.objects.values_list("status", flat=True)) == {"resolved"}
    assert (
        Notification.objects.filter(user__in=[people["member"], people["moderator"]]).count() == 2
    )
    assert second.pk


def test_warn_a_member(club, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = moderation.warn(
            people["moderator"], people["author"], "Restez courtois", community=club
        )
    assert entry.action == "warn" and entry.community == club
    note = Notification.objects.get(user=people["author"])
    assert note.body == "Restez courtois" and club.title in note.title


def test_held_content_is_approved_or_rejected_from_the_queue(client, club, people):
    club.premoderated_posts = 1
    club.save_revision().publish()
    held = create_post(people["author"], club, "Premier message **en attente**")
    other = create_post(people["member"], club, "Autre message <script>alert(1)</script>")
    client.force_login(people["moderator"])
    response = client.get(reverse("community:moderation_queue", args=[club.pk]))
    html = html_of(response)
    assert fr("Waiting for approval") in html
    # shown as the post will be: Markdown rendered, raw HTML as inert text
    raw = response.content.decode()
    assert "Premier message <strong>en attente</strong>" in raw and "**" not in raw
    assert "Autre message &lt;script&gt;alert(1)&lt;/script&gt;" in raw
    act(client, club, action="approve", target="post", target_id=held.pk)
    act(client, club, action="delete", target="post", target_id=other.pk, reason="Publicité")
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.status == ContentStatus.PUBLISHED and other.status == ContentStatus.REMOVED


# --- Sanctions --------------------------------------------------------------------------------------


def test_community_moderator_suspends_from_their_community(
    client, club, people, taxonomy, django_capture_on_commit_callbacks
):
    other = make_community("Club BD", interests=[taxonomy["bd"]])
    join(people["author"], other)
    post = make_post(people["author"], club, "Troll")
    report = moderation.report(people["member"], reason="harassment", post=post)
    client.force_login(people["moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        act(
            client,
            club,
            action="suspend",
            target="report",
            target_id=report.pk,
            reason="Trolls répétés",
            days=3,
        )
    sanction = Sanction.objects.get()
    assert sanction.kind == "suspension" and sanction.community == club
    assert timedelta(days=2, hours=23) < sanction.ends_at - timezone.now() <= timedelta(days=3)
    report.refresh_from_db()
    assert report.status == "resolved"
    assert Notification.objects.filter(user=people["author"]).exists()
    # refused here, with the reason and the date; still welcome elsewhere
    client.force_login(people["author"])
    response = client.post(reverse("community:post_create", args=[club.pk]), {"body": "Re"})
    assert response.status_code == 403
    assert "Trolls répétés" in html_of(response)
    assert (
        client.post(
            reverse("community:post_create", args=[other.pk]), {"body": "Ailleurs"}
        ).status_code
        == 302
    )


def test_only_library_staff_suspend_on_the_whole_network(client, club, people):
    client.force_login(people["moderator"])
    act(
        client,
        club,
        action="suspend",
        target="member",
        target_id=people["author"].pk,
        reason="Spam",
        days=2,
        network="on",
    )
    assert not Sanction.objects.exists()
    moderation.suspend(people["librarian"], people["author"], "Spam partout", days=2)
    sanction = Sanction.objects.get()
    assert sanction.community is None
    assert moderation.active_sanction(people["author"], club) == sanction


def test_ban_and_lift(client, club, people):
    moderation.ban(people["moderator"], people["author"], club, "Harcèlement")
    with pytest.raises(Refused) as error:
        create_post(people["author"], club, "Re")
    assert error.value.code == "banned"
    assert club.title in error.value.message and "Harcèlement" in error.value.message
    sanction = Sanction.objects.get()
    assert sanction.ends_at is None
    client.force_login(people["moderator"])
    act(client, club, action="lift", target="sanction", target_id=sanction.pk, reason="Excuses")
    sanction.refresh_from_db()
    assert sanction.lifted_by == people["moderator"]
    assert create_post(people["author"], club, "Merci").status == "published"
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["lift", "ban"]


def test_a_finished_suspension_no_longer_applies(club, people):
    sanction = moderation.suspend(people["librarian"], people["author"], "Pause", days=1)
    Sanction.objects.filter(pk=sanction.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=2)
    )
    assert create_post(people["author"], club, "De retour").status == "published"


def test_nobody_sanctions_library_staff_or_themselves(club, people):
    with pytest.raises(Refused):
        moderation.suspend(people["moderator"], people["librarian"], "Non", days=1, community=club)
    with pytest.raises(Refused):
        moderation.ban(people["moderator"], people["moderator"], club, "Moi")
    with pytest.raises(Refused):
        moderation.warn(people["member"], people["author"], "Pas modérateur", community=club)


def test_moderators_only_act_in_their_community(client, club, people, taxonomy):
    other = make_community("Club BD", interests=[taxonomy["bd"]])
    join(people["author"], other)
    post = make_post(people["author"], other, "Ailleurs")
    client.force_login(people["moderator"])
    assert client.get(reverse("community:moderation_queue", args=[other.pk])).status_code == 403
    assert (
        act(client, club, action="hide", target="post", target_id=post.pk, reason="x").status_code
        == 404
    )
    with pytest.raises(Refused):
        moderation.moderate_content(people["moderator"], post, moderation.Action.HIDE, "x")


def test_member_reports_go_to_library_staff_only(club, people):
    moderation.report(people["member"], reason="other", member=people["author"])
    assert not moderation.reports_for(people["moderator"]).exists()
    assert moderation.reports_for(people["librarian"]).count() == 1


# --- The Wagtail admin queue ------------------------------------------------------------------------


def test_librarians_moderate_from_the_wagtail_admin(
    client, club, people, django_capture_on_commit_callbacks
):
    post = make_post(people["author"], club, "Signalé depuis le site")
    report = moderation.report(people["member"], reason="spam", post=post)
    moderation.report(people["member"], reason="other", member=people["moderator"])
    client.force_login(people["librarian"])
    html = html_of(client.get("/admin/moderation/"))
    assert "Signalé depuis le site" in html and club.title in html
    assert html.count('name="target" value="report"') == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/moderation/agir/",
            {"action": "delete", "target": "report", "target_id": report.pk, "reason": "Spam"},
        )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == ContentStatus.REMOVED
    log = html_of(client.get("/admin/moderation/journal/"))
    assert "Spam" in log and people["librarian"].public_name in log
    assert Notification.objects.filter(user=people["member"]).exists()


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_the_admin_queue_is_for_library_staff(client, people, who):
    client.force_login(people[who])
    response = client.get("/admin/moderation/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert not response["Location"].startswith("/admin/moderation")


def test_network_admins_edit_the_word_list(client, people):
    client.force_login(people["admin"])
    response = client.get("/admin/settings/community/moderationsettings/")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
