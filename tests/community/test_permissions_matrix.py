"""Who may do what in a community: every community URL and action, for every kind of person.

Rows: actions (URL + method). Columns: anonymous, member not joined, member joined, the
post's author, community moderator, librarian, network admin, suspended member (network),
member banned from the community, member blocked by the author. Each cell is the expected
HTTP status ("login": sent to the login page).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import pytest
from django.urls import reverse

from community.actions import moderation
from community.actions.social import block
from community.models import Membership
from tests.community.life_helpers import (  # noqa: F401  (fixtures)
    _fresh_cache,
    club,
    join,
    make_comment,
    make_post,
    people,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider",
    "member",
    "author",
    "moderator",
    "librarian",
    "admin",
    "suspended",
    "banned",
    "blocked",
]


@pytest.fixture
def world(club, people):
    suspended = make_user("suspendu@example.org")
    banned = make_user("banni@example.org")
    blocked = make_user("bloque@example.org")
    for user in (suspended, banned, blocked):
        join(user, club)
    moderation.suspend(people["librarian"], suspended, "Spam", days=7)
    moderation.ban(people["moderator"], banned, club, "Insultes")
    block(people["author"], blocked)
    people["author"].profile_visibility = "members"
    people["author"].save()
    post = make_post(people["author"], club, "Le message de l'autrice")
    comment = make_comment(people["author"], post, "Son commentaire")
    return {
        "club": club,
        "post": post,
        "comment": comment,
        "users": {**people, "suspended": suspended, "banned": banned, "blocked": blocked},
    }


def _url(name, w, *extra):
    return reverse(f"community:{name}", args=[w["club"].pk, *extra])


ACTIONS = {
    "view community": lambda c, w: c.get(w["club"].url),
    "view post": lambda c, w: c.get(w["post"].get_absolute_url()),
    "compose form": lambda c, w: c.get(_url("post_create", w)),
    "publish": lambda c, w: c.post(_url("post_create", w), {"body": "Salut"}),
    "comment": lambda c, w: c.post(_url("comment_create", w, w["post"].pk), {"body": "Oui"}),
    "reply": lambda c, w: c.post(
        _url("comment_create", w, w["post"].pk), {"body": "Oui", "parent": w["comment"].pk}
    ),
    "react": lambda c, w: c.post(_url("post_react", w, w["post"].pk), {"kind": "like"}),
    "edit post": lambda c, w: c.post(_url("post_edit", w, w["post"].pk), {"body": "Changé"}),
    "delete post": lambda c, w: c.post(_url("post_delete", w, w["post"].pk)),
    "edit comment": lambda c, w: c.post(_url("comment_edit", w, w["comment"].pk), {"body": "X"}),
    "delete comment": lambda c, w: c.post(_url("comment_delete", w, w["comment"].pk)),
    "pin": lambda c, w: c.post(_url("post_pin", w, w["post"].pk), {"pinned": "1"}),
    "report post": lambda c, w: c.post(_url("report_post", w, w["post"].pk), {"reason": "spam"}),
    "report comment": lambda c, w: c.post(
        _url("report_comment", w, w["comment"].pk), {"reason": "spam"}
    ),
    "moderation queue": lambda c, w: c.get(_url("moderation_queue", w)),
    "moderation log": lambda c, w: c.get(_url("moderation_log", w)),
    "moderate (hide)": lambda c, w: c.post(
        _url("moderation_act", w),
        {"action": "hide", "target": "post", "target_id": w["post"].pk, "reason": "Test"},
    ),
    "join": lambda c, w: c.post(reverse("community:join", args=[w["club"].pk])),
    "author's profile": lambda c, w: c.get(w["users"]["author"].profile_url),
    "follow author": lambda c, w: c.post(
        reverse("community:member_follow", args=[w["users"]["author"].handle])
    ),
    "report author": lambda c, w: c.post(
        reverse("community:report_member", args=[w["users"]["author"].handle]),
        {"reason": "other"},
    ),
    "admin moderation queue": lambda c, w: c.get("/admin/moderation/"),
}

L = "login"
ALL_OK_200 = dict.fromkeys(ROLES, 200)


def row(default, **cells):
    return {role: cells.get(role, default) for role in ROLES}


# anonymous first, then the others; 302 = done (redirect back), 403 = refused with a message
EXPECTED = {
    "view community": ALL_OK_200,
    "view post": row(200, blocked=404),
    "compose form": row(200, anonymous=L, outsider=403, suspended=403, banned=403),
    "publish": row(302, anonymous=L, outsider=403, suspended=403, banned=403),
    "comment": row(302, anonymous=L, outsider=403, suspended=403, banned=403, blocked=403),
    "reply": row(302, anonymous=L, outsider=403, suspended=403, banned=403, blocked=403),
    "react": row(302, anonymous=L, outsider=403, suspended=403, banned=403, blocked=403),
    "edit post": row(403, anonymous=L, author=302),
    "delete post": row(403, anonymous=L, author=302),
    "edit comment": row(403, anonymous=L, author=302),
    "delete comment": row(403, anonymous=L, author=302),
    "pin": row(403, anonymous=L, moderator=302, librarian=302, admin=302),
    "report post": row(302, anonymous=L, author=403, blocked=404),
    "report comment": row(302, anonymous=L, author=403),
    "moderation queue": row(403, anonymous=L, moderator=200, librarian=200, admin=200),
    "moderation log": row(403, anonymous=L, moderator=200, librarian=200, admin=200),
    "moderate (hide)": row(403, anonymous=L, moderator=302, librarian=302, admin=302),
    "join": row(302, anonymous=L),
    "author's profile": row(200, anonymous=403, blocked=404),
    "follow author": row(302, anonymous=L, author=403, blocked=403),
    "report author": row(302, anonymous=L, author=404),
    "admin moderation queue": row("no", anonymous=L, librarian=200, admin=200),
}


def test_the_matrix_covers_every_community_life_url():
    from community import urls

    names = {p.name for p in urls.urlpatterns}
    covered = {
        "post_create",
        "post_detail",
        "post_edit",
        "post_delete",
        "post_pin",
        "post_react",
        "comment_create",
        "comment_edit",
        "comment_delete",
        "report_post",
        "report_comment",
        "moderation_queue",
        "moderation_act",
        "moderation_log",
        "member_profile",
        "member_follow",
        "report_member",
        "join",
    }
    life = {
        n for n in names if n.startswith(("post_", "comment_", "report_", "moderation_", "member_"))
    }
    assert life - covered <= {"member_block"}  # blocking: see test_profiles
    assert set(EXPECTED) == set(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission(client, world, action, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = ACTIONS[action](client, world)
    expected = EXPECTED[action][role]
    if expected == L:
        assert response.status_code == 302, (action, role)
        assert "/comptes/login/" in response["Location"], (action, role)
    elif expected == "no":  # the admin: refused or sent away, never shown
        assert response.status_code in (302, 403), (action, role)
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/moderation"), (action, role)
    else:
        assert response.status_code == expected, (action, role, response.status_code)
        if expected == 302:
            assert "/comptes/login/" not in response.get("Location", ""), (action, role)


def test_refusals_say_why(client, world):
    users = world["users"]
    client.force_login(users["suspended"])
    html = client.post(_url("post_create", world), {"body": "x"}).content.decode()
    assert "Spam" in html
    client.force_login(users["banned"])
    html = client.post(_url("post_create", world), {"body": "x"}).content.decode()
    assert "Insultes" in html and world["club"].title.replace("'", "&#x27;") in html


def test_a_moderator_role_is_per_community(world):
    moderator = world["users"]["moderator"]
    assert Membership.objects.get(user=moderator).role == Membership.Role.MODERATOR
