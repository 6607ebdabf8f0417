"""Public profiles: handles, visibility, interests shown or private, following and blocking."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.actions.errors import Refused
from community.actions.posts import create_comment, visible_posts
from community.actions.profiles import can_view_profile, validate_handle
from community.actions.reactions import add_reaction
from community.actions.social import block, follow, is_following, unblock
from community.models import Block, Follow, FollowedInterest, Reaction, User
from tests.community.life_helpers import (  # noqa: F401  (fixtures)
    _fresh_cache,
    club,
    fr,
    html_of,
    join,
    make_post,
    people,
)
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db


# --- Handles --------------------------------------------------------------------------------------


def test_every_account_gets_a_unique_handle(db):
    a = make_user("lea@example.org", display_name="Léa Martin")
    b = make_user("lea2@example.org", display_name="Léa Martin")
    assert a.handle == "lea_martin"
    assert b.handle == "lea_martin2"
    assert a.profile_url == "/membres/lea_martin/"


@pytest.mark.parametrize(
    "bad", ["ab", "a" * 31, "léa", "le a", "lea!", "@", "", "<script>", "admin"]
)
def test_invalid_or_reserved_handles_are_refused(db, bad):
    with pytest.raises(ValidationError):
        validate_handle(bad)


def test_handles_are_unique_whatever_the_case(db):
    make_user("x@example.org").__class__.objects.filter(email="x@example.org").update(
        handle="Lecteur_13"
    )
    with pytest.raises(ValidationError) as error:
        validate_handle("lecteur_13")
    assert error.value.code == "taken_handle"
    assert validate_handle("@lecteur-13") == "lecteur-13"


def test_the_database_refuses_a_case_variant_too(db):
    from django.db import IntegrityError, transaction

    make_user(handle="Zoe_lit")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(handle="zoe_LIT")


# --- The profile page ---------------------------------------------------------------------------------


def test_profile_shows_name_bio_branch_public_interests_and_posts(
    client, club, people, taxonomy, branches
):
    author = people["author"]
    author.bio = "Lectrice de SF depuis toujours."
    author.home_branch = branches["aubagne"]
    author.profile_visibility = User.ProfileVisibility.PUBLIC
    author.save()
    FollowedInterest.objects.create(user=author, interest=taxonomy["sf"], is_public=True)
    FollowedInterest.objects.create(user=author, interest=taxonomy["cuisine"], is_public=False)
    make_post(author, club, "Mon avis sur Hypérion")
    html = html_of(client.get(author.profile_url))
    assert "Léa Martin" in html and "@" + author.handle in html
    assert "Lectrice de SF depuis toujours." in html
    assert "Médiathèque Marcel Pagnol" in html
    assert "Imaginaire › Science-fiction" in html
    assert "Cuisine" not in html  # private interest
    assert "Mon avis sur Hypérion" in html
    assert club.title in html
    client.force_login(author)
    assert "Cuisine" in html_of(client.get(author.profile_url))  # the owner sees all


def test_a_handle_in_another_case_redirects(client, people):
    author = people["author"]
    author.profile_visibility = "public"
    author.save()
    response = client.get(f"/membres/{author.handle.upper()}/")
    assert response.status_code == 301 and response["Location"] == author.profile_url


@pytest.mark.parametrize(
    ("visibility", "viewer", "allowed"),
    [
        ("public", "anonymous", True),
        ("public", "outsider", True),
        ("members", "anonymous", False),
        ("members", "outsider", True),
        ("communities", "outsider", False),
        ("communities", "member", True),
        ("communities", "librarian", True),
        ("communities", "anonymous", False),
    ],
)
def test_profile_visibility(client, people, visibility, viewer, allowed):
    author = people["author"]
    author.profile_visibility = visibility
    author.save()
    if viewer != "anonymous":
        client.force_login(people[viewer])
    response = client.get(author.profile_url)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert fr("Profile not available") in html_of(response)
        assert author.bio not in html_of(response) or not author.bio


def test_edit_the_public_profile(client, people, taxonomy):
    author = people["author"]
    FollowedInterest.objects.create(user=author, interest=taxonomy["sf"], is_public=True)
    FollowedInterest.objects.create(user=author, interest=taxonomy["manga"], is_public=True)
    client.force_login(author)
    url = reverse("community:profile_edit")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "display_name": "Léa M.",
            "handle": "lea_lit",
            "bio": "Bonjour !",
            "profile_visibility": "communities",
            "public_interests": [str(taxonomy["manga"].pk)],
        },
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert (author.handle, author.display_name, author.bio) == ("lea_lit", "Léa M.", "Bonjour !")
    assert author.profile_visibility == "communities"
    shown = set(
        FollowedInterest.objects.filter(user=author, is_public=True).values_list(
            "interest", flat=True
        )
    )
    assert shown == {taxonomy["manga"].pk}


def test_taken_handle_is_a_form_error(client, people):
    client.force_login(people["author"])
    response = client.post(
        reverse("community:profile_edit"),
        {
            "display_name": "",
            "handle": people["member"].handle.upper(),
            "bio": "",
            "profile_visibility": "members",
        },
    )
    assert response.status_code == 200
    assert fr("This handle is already taken.") in html_of(response)


# --- Following and blocking ------------------------------------------------------------------------


def test_follow_and_unfollow_through_the_profile(client, people):
    client.force_login(people["member"])
    url = reverse("community:member_follow", args=[people["author"].handle])
    assert client.post(url, {"follow": "1"}).status_code == 302
    assert is_following(people["member"], people["author"])
    html = html_of(client.get(people["author"].profile_url))
    assert fr("Following") in html
    client.post(url, {"follow": "0"})
    assert not is_following(people["member"], people["author"])


def test_cannot_follow_oneself(people):
    with pytest.raises(Refused):
        follow(people["member"], people["member"])


def test_blocking_cuts_contact_both_ways(client, club, people):
    author, member = people["author"], people["member"]
    follow(member, author)
    follow(author, member)
    post = make_post(author, club, "Message de l'autrice")
    mine = make_post(member, club, "Message du membre")
    client.force_login(member)
    response = client.post(reverse("community:member_block", args=[author.handle]))
    assert response.status_code == 302
    assert Block.objects.filter(blocker=member, blocked=author).exists()
    assert not Follow.objects.exists()  # follows dropped both ways
    # content hidden both ways
    assert "Message de l'autrice" not in html_of(client.get(club.url))
    assert post not in visible_posts(club, member)
    assert mine not in visible_posts(club, author)
    # no more contact
    with pytest.raises(Refused):
        follow(author, member)
    with pytest.raises(Refused):
        create_comment(author, mine, "Hé !")
    with pytest.raises(Refused):
        add_reaction(author, mine, Reaction.Kind.LIKE)
    # profiles hidden both ways
    assert not can_view_profile(author, member)
    client.force_login(author)
    member.profile_visibility = "public"
    member.save()
    assert client.get(member.profile_url).status_code == 404
    # unblocking restores
    unblock(member, author)
    assert post in visible_posts(club, member)


def test_blocked_list_on_the_profile_settings(client, people):
    block(people["member"], people["author"])
    client.force_login(people["member"])
    html = html_of(client.get(reverse("community:profile_edit")))
    assert fr("Blocked members") in html and people["author"].public_name in html
    client.post(reverse("community:member_block", args=[people["author"].handle]), {"block": "0"})
    assert not Block.objects.exists()


def test_profile_of_someone_in_another_community(client, people, taxonomy):
    other = make_community("Club Cuisine", interests=[taxonomy["cuisine"]])
    cook = make_user("chef@example.org", profile_visibility="communities")
    join(cook, other)
    client.force_login(people["member"])
    assert client.get(cook.profile_url).status_code == 403
    join(people["member"], other)
    assert client.get(cook.profile_url).status_code == 200
