"""Posts and conversation in a community: writing, editing, cards, pins, comments, reactions,
mentions, the feed seam, pre-moderation, the word list and rate limits."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from community.actions import moderation, ratelimits
from community.actions.errors import Refused
from community.actions.posts import (
    create_comment,
    create_post,
    delete_post,
    edit_post,
    post_audience,
    visible_comments,
    visible_posts,
)
from community.actions.ratelimits import RateLimited
from community.actions.reactions import add_reaction, counts, remove_reaction, toggle_reaction
from community.actions.social import block, follow
from community.models import ContentStatus, ModerationSettings, Notification, Post, Reaction
from community.post_signals import post_published, post_withdrawn
from tests.cms.library_factories import make_event, make_item
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
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


class Received:
    """Collects what a signal sends."""

    def __init__(self, signal):
        self.calls = []
        self.signal = signal
        signal.connect(self, weak=False, dispatch_uid=f"test-{id(self)}")

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)

    def close(self):
        self.signal.disconnect(dispatch_uid=f"test-{id(self)}")


@pytest.fixture
def received():
    opened = []

    def listen(signal):
        r = Received(signal)
        opened.append(r)
        return r

    yield listen
    for r in opened:
        r.close()


# --- Writing -----------------------------------------------------------------------------------


def test_a_member_posts_through_the_page_and_sees_it(client, club, people):
    client.force_login(people["member"])
    response = client.post(
        reverse("community:post_create", args=[club.pk]),
        {"body": "J'ai adoré **Dune** ! Qui l'a lu ?"},
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{club.url}#publication-{post.pk}"
    assert post.status == ContentStatus.PUBLISHED and post.published_at
    assert f'id="publication-{post.pk}"' in html_of(client.get(club.url))  # in the topic list
    html = html_of(client.get(post.get_absolute_url()))
    assert "<strong>Dune</strong>" in html
    assert "@" + people["member"].handle in html


def test_posts_are_public_to_read_but_composer_only_for_joined_members(client, club, people):
    make_post(people["author"], club, "Un premier message.")
    html = html_of(client.get(club.url))
    assert "Un premier message." in html
    assert 'name="body"' not in html
    assert fr("Log in to take part") in html
    client.force_login(people["outsider"])
    html = html_of(client.get(club.url))
    assert 'name="body"' not in html
    assert fr("Join the community to post, comment and react.") in html
    client.force_login(people["member"])
    assert 'name="body"' in html_of(client.get(club.url))


def test_librarians_post_without_joining_and_carry_a_badge(client, club, people):
    news = make_post(people["librarian"], club, "Nouveautés SF à Aubagne.")
    thanks = make_post(people["member"], club, "Merci !")
    html = html_of(client.get(club.url))
    badge = fr("Librarian")
    librarian_card = html.split(f'id="publication-{news.pk}"')[1].split("</li>")[0]
    member_card = html.split(f'id="publication-{thanks.pk}"')[1].split("</li>")[0]
    assert badge in librarian_card
    assert badge not in member_card


def test_edit_marks_the_post_edited_and_only_the_author_may(client, club, people):
    post = make_post(people["author"], club, "Premier jet")
    client.force_login(people["member"])
    url = reverse("community:post_edit", args=[club.pk, post.pk])
    assert client.post(url, {"body": "piraté"}).status_code == 403
    client.force_login(people["author"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "Version corrigée"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Version corrigée" and post.edited_at is not None
    html = html_of(client.get(post.get_absolute_url()))
    assert fr("edited") in html and "Version corrigée" in html


def test_author_deletes_their_post(
    client, club, people, received, django_capture_on_commit_callbacks
):
    post = make_post(people["author"], club, "À effacer")
    withdrawn = received(post_withdrawn)
    client.force_login(people["member"])
    url = reverse("community:post_delete", args=[club.pk, post.pk])
    assert client.post(url).status_code == 403
    client.force_login(people["author"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    post.refresh_from_db()
    assert post.status == ContentStatus.DELETED and post.body == ""
    assert [c["post"].pk for c in withdrawn.calls] == [post.pk]
    assert "À effacer" not in html_of(client.get(club.url))
    assert client.get(post.get_absolute_url()).status_code == 404


def test_post_with_a_catalogue_item_and_an_event_shows_cards(client, club, people, branches):
    item = make_item("Dune", authors="Herbert, Frank", isbn="9782221252055")
    event = make_event("Club SF : Dune", branch=branches["aubagne"])
    client.force_login(people["member"])
    response = client.post(
        reverse("community:post_create", args=[club.pk]),
        {"body": "J'ai adoré ce livre", "item": "978-2-221-25205-5", "event": event.pk},
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.catalogue_item == item and post.event.pk == event.pk
    html = html_of(client.get(post.get_absolute_url()))
    card = html.split(f'id="publication-{post.pk}"')[1].split("</article>\n</article>")[0]
    assert "item-card" in html and "Herbert, Frank" in card
    assert "event-card" in html and "Club SF : Dune" in html


def test_an_unknown_catalogue_title_is_a_form_error(client, club, people):
    client.force_login(people["member"])
    response = client.post(
        reverse("community:post_create", args=[club.pk]), {"body": "Hop", "item": "Titre fantôme"}
    )
    assert response.status_code == 200
    assert "Titre fantôme" in html_of(response)
    assert not Post.objects.exists()


def test_composer_can_be_prefilled_from_a_catalogue_item(client, club, people):
    item = make_item("Hypérion", isbn="9782266111560")
    client.force_login(people["member"])
    response = client.get(reverse("community:post_create", args=[club.pk]) + f"?item={item.pk}")
    assert 'value="9782266111560"' in response.content.decode()


# --- Pins ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "librarian", "admin"])
def test_moderators_and_librarians_pin_posts_at_the_top(client, club, people, who):
    older = make_post(people["author"], club, "Règles du club")
    make_post(people["member"], club, "Message récent")
    client.force_login(people[who])
    response = client.post(reverse("community:post_pin", args=[club.pk, older.pk]), {"pinned": "1"})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.pinned_at and older.pinned_by == people[who]
    html = html_of(client.get(club.url))
    assert html.index("Règles du club") < html.index("Message récent")
    assert fr("Pinned topic") in html
    assert older.moderation_actions.get().action == "pin"


@pytest.mark.parametrize("who", ["author", "member", "outsider"])
def test_members_cannot_pin(client, club, people, who):
    post = make_post(people["author"], club, "Règles du club")
    client.force_login(people[who])
    response = client.post(reverse("community:post_pin", args=[club.pk, post.pk]), {"pinned": "1"})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.pinned_at is None


# --- Comments, replies, reactions ---------------------------------------------------------------------


def test_comments_have_one_level_of_replies(club, people):
    post = make_post(people["author"], club)
    first = make_comment(people["member"], post, "Premier")
    reply = make_comment(people["author"], post, "Réponse", parent=first)
    deeper = make_comment(people["member"], post, "Réponse à la réponse", parent=reply)
    assert reply.parent == first and deeper.parent == first
    top = visible_comments(post, people["member"])
    assert [c.body for c in top] == ["Premier"]
    assert [c.body for c in top[0].replies_list] == ["Réponse", "Réponse à la réponse"]


def test_comment_through_the_page(client, club, people):
    post = make_post(people["author"], club)
    client.force_login(people["member"])
    url = reverse("community:comment_create", args=[club.pk, post.pk])
    response = client.post(url, {"body": "Trop bien"})
    comment = post.comments.get()
    assert response["Location"].endswith(f"#commentaire-{comment.pk}")
    response = client.post(url, {"body": "Moi aussi", "parent": comment.pk})
    html = html_of(client.get(post.get_absolute_url()))
    assert "Trop bien" in html and "Moi aussi" in html
    assert "comment-reply" in html
    assert fr("Reply") in html


def test_deleted_comment_keeps_its_replies_in_context(club, people):
    post = make_post(people["author"], club)
    first = make_comment(people["member"], post, "Premier")
    make_comment(people["author"], post, "Réponse", parent=first)
    from community.actions.posts import delete_comment

    delete_comment(people["member"], first)
    top = visible_comments(post, people["author"])
    assert top[0].is_placeholder and [c.body for c in top[0].replies_list] == ["Réponse"]


def test_reactions_toggle_and_are_counted(client, club, people):
    post = make_post(people["author"], club)
    assert add_reaction(people["member"], post, Reaction.Kind.LIKE) is True
    assert add_reaction(people["member"], post, Reaction.Kind.LIKE) is False  # twice: once
    add_reaction(people["author"], post, Reaction.Kind.LIKE)
    add_reaction(people["member"], post, Reaction.Kind.INTERESTED)
    assert counts(post) == {"like": 2, "interested": 1}
    assert remove_reaction(people["member"], post, Reaction.Kind.LIKE) is True
    assert counts(post) == {"like": 1, "interested": 1}
    assert toggle_reaction(people["member"], post, Reaction.Kind.INTERESTED) is False
    client.force_login(people["member"])
    response = client.post(
        reverse("community:post_react", args=[club.pk, post.pk]), {"kind": "like"}
    )
    assert response.status_code == 302
    html = html_of(client.get(post.get_absolute_url()))
    assert 'aria-pressed="true"' in html
    assert counts(post) == {"like": 2, "interested": 0}


def test_outsiders_cannot_react_or_comment(club, people):
    post = make_post(people["author"], club)
    with pytest.raises(Refused) as error:
        add_reaction(people["outsider"], post, Reaction.Kind.LIKE)
    assert error.value.code == "not_member"
    with pytest.raises(Refused):
        create_comment(people["outsider"], post, "Coucou")


def test_share_link_is_the_post_permalink(client, club, people):
    post = make_post(people["author"], club, "À partager")
    html = html_of(client.get(post.get_absolute_url()))
    assert f'href="{post.get_absolute_url()}" data-share' in html
    assert client.get(post.get_absolute_url()).status_code == 200


# --- Mentions, replies: notifications ---------------------------------------------------------------


def test_mentions_notify_the_mentioned_member(club, people, django_capture_on_commit_callbacks):
    member = people["member"]
    with django_capture_on_commit_callbacks(execute=True):
        post = create_post(people["author"], club, f"Tu devrais lire ça @{member.handle.upper()} !")
    notification = Notification.objects.get(user=member)
    assert notification.kind == Notification.Kind.MENTION
    assert notification.url == post.get_absolute_url()
    assert people["author"].public_name in notification.title
    assert list(post.mentions.all()) == [member]


def test_no_mention_notification_across_a_block(club, people, django_capture_on_commit_callbacks):
    block(people["member"], people["author"])
    with django_capture_on_commit_callbacks(execute=True):
        create_post(people["author"], club, f"Coucou @{people['member'].handle}")
    assert not Notification.objects.filter(user=people["member"]).exists()


def test_replies_notify_the_author_replied_to(club, people, django_capture_on_commit_callbacks):
    post = make_post(people["author"], club)
    with django_capture_on_commit_callbacks(execute=True):
        comment = create_comment(people["member"], post, "Joli")
    reply_note = Notification.objects.get(user=people["author"])
    assert reply_note.kind == Notification.Kind.REPLY
    assert reply_note.url == comment.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(people["author"], post, "Merci", parent=comment)
    assert Notification.objects.filter(user=people["member"], kind=Notification.Kind.REPLY).exists()
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(people["author"], post, "Encore moi")  # on my own post: no one to tell
    assert Notification.objects.filter(user=people["author"]).count() == 1


def test_editing_notifies_only_new_mentions(club, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = create_post(people["author"], club, f"Salut @{people['member'].handle}")
    with django_capture_on_commit_callbacks(execute=True):
        edit_post(
            people["author"],
            post,
            f"Salut @{people['member'].handle} et @{people['moderator'].handle}",
        )
    mentions = Notification.objects.filter(kind=Notification.Kind.MENTION).order_by("id")
    assert [n.user for n in mentions] == [people["member"], people["moderator"]]


def test_the_feed_and_the_author_hear_only_after_the_commit(
    club, people, received, django_capture_on_commit_callbacks
):
    published = received(post_published)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = create_post(people["author"], club, "Bonjour")
        create_comment(people["member"], post, "Salut")
    assert published.calls == []
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    assert [c["post"] for c in published.calls] == [post]
    replies = Notification.objects.filter(kind=Notification.Kind.REPLY)
    assert [n.user for n in replies] == [people["author"]]


def test_post_audience_is_members_and_followers_minus_blocks(club, people):
    fan = make_user("fan@example.org")
    follow(fan, people["author"])
    block(people["member"], people["author"])
    post = make_post(people["author"], club)
    audience = set(post_audience(post))
    assert audience == {people["moderator"], fan}


# --- Pre-moderation and the word list -------------------------------------------------------


def test_a_new_members_first_posts_wait_for_approval(
    client, club, people, received, django_capture_on_commit_callbacks
):
    club.premoderated_posts = 2
    club.save_revision().publish()
    club.refresh_from_db()
    published = received(post_published)
    author = people["author"]
    with django_capture_on_commit_callbacks(execute=True):
        first = create_post(author, club, f"Premier message, coucou @{people['member'].handle}")
    assert first.status == ContentStatus.PENDING and first.held_reason
    assert published.calls == []
    assert not Notification.objects.filter(user=people["member"]).exists()
    # the author sees it, marked; others don't
    client.force_login(author)
    assert fr("Awaiting review") in html_of(client.get(club.url))
    client.force_login(people["member"])
    assert "Premier message" not in html_of(client.get(club.url))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_content(people["moderator"], first, moderation.Action.APPROVE)
    first.refresh_from_db()
    assert first.status == ContentStatus.PUBLISHED
    assert [c["post"].pk for c in published.calls] == [first.pk]
    assert Notification.objects.filter(
        user=people["member"], kind=Notification.Kind.MENTION
    ).exists()
    second = create_post(author, club, "Deuxième")
    assert second.status == ContentStatus.PENDING
    moderation.moderate_content(people["moderator"], second, moderation.Action.APPROVE)
    assert create_post(author, club, "Troisième").status == ContentStatus.PUBLISHED
    # moderators and librarians are never held
    assert create_post(people["librarian"], club, "Info").status == ContentStatus.PUBLISHED


def test_the_word_list_holds_posts_and_comments(club, people):
    settings = ModerationSettings.load()
    settings.held_words = "arnaque\ncrypto gratuite\n"
    settings.save()
    held = create_post(people["author"], club, "Une ÂRNAQUE incroyable")
    assert held.status == ContentStatus.PENDING and "arnaque" in held.held_reason
    assert create_post(people["author"], club, "Les arnaqueurs du far west").status == (
        ContentStatus.PUBLISHED
    )  # whole words only
    post = make_post(people["author"], club, "Bonjour")
    assert make_comment(people["member"], post, "crypto  gratuite ici").status == (
        ContentStatus.PUBLISHED
    )  # the expression is matched as written
    assert make_comment(people["member"], post, "Crypto gratuite ici").status == (
        ContentStatus.PENDING
    )
    assert held not in visible_posts(club, people["member"])
    assert held in visible_posts(club, people["author"])


def test_editing_a_post_into_a_held_word_holds_it_again(
    club, people, received, django_capture_on_commit_callbacks
):
    settings = ModerationSettings.load()
    settings.held_words = "arnaque"
    settings.save()
    withdrawn = received(post_withdrawn)
    post = make_post(people["author"], club, "Propre")
    with django_capture_on_commit_callbacks(execute=True):
        edit_post(people["author"], post, "Finalement une arnaque")
    post.refresh_from_db()
    assert post.status == ContentStatus.PENDING
    assert [c["post"].pk for c in withdrawn.calls] == [post.pk]


# --- Rate limits --------------------------------------------------------------------------------


def test_six_posts_per_ten_minutes_then_a_clear_message(client, club, people):
    client.force_login(people["member"])
    url = reverse("community:post_create", args=[club.pk])
    for n in range(6):
        assert client.post(url, {"body": f"Message {n}"}).status_code == 302
    response = client.post(url, {"body": "Un de trop"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    html = html_of(response)
    assert fr("You have published %(limit)s posts in a short time.", limit=6) in html
    assert Post.objects.count() == 6
    # ten minutes later, the slots are free again
    ratelimits.hit(people["member"], "post", now=time.time() + 601)


def test_twenty_comments_per_ten_minutes(club, people):
    post = make_post(people["author"], club)
    for n in range(20):
        create_comment(people["member"], post, f"c{n}")
    with pytest.raises(RateLimited) as error:
        create_comment(people["member"], post, "encore")
    assert error.value.limit == 20 and error.value.window == 600
    assert "minute" in error.value.message
    create_comment(people["author"], post, "l'autrice peut encore")  # per member


def test_librarians_are_not_rate_limited(club, people):
    for n in range(8):
        create_post(people["librarian"], club, f"Annonce {n}")
    assert Post.objects.filter(author=people["librarian"]).count() == 8


def test_rate_limit_message_says_when_to_retry(people):
    for _ in range(6):
        ratelimits.hit(people["member"], "post")
    with pytest.raises(RateLimited) as error:
        ratelimits.hit(people["member"], "post")
    from cms.dates import format_time

    assert format_time(error.value.retry_at) in error.value.message
    assert 590 <= error.value.retry_after <= 601


# --- Suspension and bans when posting ---------------------------------------------------------------


def test_a_suspended_member_gets_a_clear_403_when_posting(client, club, people):
    moderation.suspend(people["librarian"], people["member"], "Propos insultants répétés", days=7)
    client.force_login(people["member"])
    response = client.post(reverse("community:post_create", args=[club.pk]), {"body": "Hop"})
    assert response.status_code == 403
    html = html_of(response)
    assert "Propos insultants répétés" in html
    assert fr("You cannot take part for now") in html
    assert not Post.objects.exists()
    assert "Propos insultants répétés" in html_of(client.get(club.url))  # said on the page too


def test_deleted_posts_cannot_be_edited(club, people):
    post = make_post(people["author"], club)
    delete_post(people["author"], post)
    with pytest.raises(Refused):
        edit_post(people["author"], post, "revenant")


def test_a_retry_just_past_midnight_reads_in_minutes_and_a_later_one_names_the_day():
    from datetime import timedelta
    from unittest import mock

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    now = midnight - timedelta(minutes=5)  # 23 h 55, local time
    with mock.patch("django.utils.timezone.now", return_value=now):
        soon = RateLimited("comment", midnight + timedelta(minutes=5), 20, 600)
        later = RateLimited("comment", midnight + timedelta(hours=9), 20, 600)
        assert "10" in soon.message and "minutes" in soon.message
        assert "minutes" not in later.message and " à 9" in later.message
