"""Topics in a community: titles and categories on posts, the topic list (pinned first,
last activity, replies, "nouveau" markers, categories, search, pagination), the topic page
(replies in order, read position), following a topic, the member list; attacker cases and
query counts."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import pytest
from django.urls import reverse

from community.actions import moderation, topics
from community.actions.errors import Refused
from community.actions.posts import create_comment, create_post, edit_post
from community.actions.social import block
from community.models import (
    ContentStatus,
    ModerationSettings,
    Notification,
    Post,
    TopicCategory,
    TopicFollow,
    TopicRead,
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
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db


def make_category(community, name, slug, position=0):
    return TopicCategory.objects.create(
        community=community, name=name, slug=slug, sort_order=position
    )


@pytest.fixture
def other_club(taxonomy):
    return make_community("Polar et compagnie", interests=[taxonomy["sf"]])


def topic_ids(html: str, posts) -> list[int]:
    """The topics of `posts` in the order the page shows them."""
    found = [(html.find(f'id="publication-{p.pk}"'), p.pk) for p in posts]
    return [pk for index, pk in sorted(found) if index >= 0]


# --- 1. Topics: title, category ------------------------------------------------------------------


def test_a_member_opens_a_topic_with_a_title_and_a_category(client, club, people):
    reading = make_category(club, "Club de lecture", "club-de-lecture")
    client.force_login(people["member"])
    html = html_of(client.get(club.url))
    assert 'name="title"' in html and 'name="category"' in html
    response = client.post(
        reverse("community:post_create", args=[club.pk]),
        {"title": "  Dune :   qui l’a lu ? ", "category": reading.pk, "body": "Le tome 1."},
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.title == "Dune : qui l’a lu ?" and post.category == reading
    # its author follows it from the start
    assert topics.is_following(people["member"], post)
    html = html_of(client.get(post.get_absolute_url()))
    assert "<h1>Dune : qui l’a lu ?</h1>" in html and "Club de lecture" in html


def test_another_communitys_category_is_refused(client, club, other_club, people):
    foreign = make_category(other_club, "Polars", "polars")
    make_category(club, "Club de lecture", "club-de-lecture")
    client.force_login(people["member"])
    response = client.post(
        reverse("community:post_create", args=[club.pk]),
        {"title": "Hop", "category": foreign.pk, "body": "Texte"},
    )
    assert response.status_code == 200  # the form says what is wrong
    assert not Post.objects.exists()
    for bad in ("abc", "-1", "99999999999999999999999", str(foreign.pk + 1000)):
        response = client.post(
            reverse("community:post_create", args=[club.pk]),
            {"title": "Hop", "category": bad, "body": "Texte"},
        )
        assert response.status_code == 200
    assert not Post.objects.exists()
    with pytest.raises(Refused) as error:
        create_post(people["member"], club, "Texte", title="Hop", category=foreign)
    assert error.value.code == "category"
    post = make_post(people["member"], club, "Texte")
    with pytest.raises(Refused):
        edit_post(people["member"], post, "Texte", title="Hop", category=foreign)


def test_outsiders_and_visitors_cannot_open_topics(client, club, people):
    url = reverse("community:post_create", args=[club.pk])
    assert client.post(url, {"title": "Hop", "body": "Texte"}).status_code == 302  # to login
    client.force_login(people["outsider"])
    assert client.post(url, {"title": "Hop", "body": "Texte"}).status_code == 403
    assert not Post.objects.exists()


def test_the_word_list_reads_titles_too(club, people):
    settings = ModerationSettings.load()
    settings.held_words = "crétin\n"
    settings.save()
    post = create_post(people["member"], club, "Texte poli", title="Quel crétin")
    assert post.status == ContentStatus.PENDING


def test_a_post_without_a_title_is_listed_by_its_first_words(client, club, people):
    post = make_post(people["author"], club, "Un premier message sans titre.")
    assert post.topic_title == "Un premier message sans titre."
    assert "Un premier message sans titre." in html_of(client.get(club.url))


def test_librarians_edit_categories_inline_on_the_community_page(client, club, librarian):
    make_category(club, "Club de lecture", "club-de-lecture")
    client.force_login(librarian)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[club.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert 'name="topic_categories-TOTAL_FORMS"' in html and "Club de lecture" in html


# --- 2. The topic list ------------------------------------------------------------------------------


def test_list_shows_pinned_first_then_last_activity(client, club, people):
    old = make_post(people["author"], club, "Vieux sujet", title="Vieux sujet")
    recent = make_post(people["author"], club, "Sujet récent", title="Sujet récent")
    rules = make_post(people["moderator"], club, "Règles", title="Règles du club")
    moderation.set_pinned(people["moderator"], rules, True)
    html = html_of(client.get(club.url))
    assert topic_ids(html, [old, recent, rules]) == [rules.pk, recent.pk, old.pk]
    # a reply brings a topic back up
    make_comment(people["member"], old, "Je relance !")
    html = html_of(client.get(club.url))
    assert topic_ids(html, [old, recent, rules]) == [rules.pk, old.pk, recent.pk]
    row = html.split(f'id="publication-{old.pk}"')[1].split("</li>")[0]
    assert fr("%(counter)s reply", counter=1) in row or "1 réponse" in row
    assert "Léa Martin" in row


def test_list_filters_by_category(client, club, people):
    reading = make_category(club, "Club de lecture", "club-de-lecture")
    films = make_category(club, "Films", "films", 1)
    a = make_post(people["author"], club, "a", title="Sujet lecture", category=reading)
    b = make_post(people["author"], club, "b", title="Sujet films", category=films)
    html = html_of(client.get(club.url, {"categorie": "films"}))
    assert topic_ids(html, [a, b]) == [b.pk]
    html = html_of(client.get(club.url, {"categorie": "inconnue"}))  # unknown: all topics
    assert topic_ids(html, [a, b]) == [b.pk, a.pk]
    bad = client.get(club.url, {"categorie": "<script>", "page": "x"})
    assert bad.status_code == 200


def test_list_is_paginated(client, club, people):
    from community.templatetags.community_life import POSTS_PER_PAGE

    posts = [
        Post.objects.create(
            community=club,
            author=people["author"],
            title=f"Sujet {i}",
            body="x",
            status="published",
        )
        for i in range(POSTS_PER_PAGE + 3)
    ]
    first = html_of(client.get(club.url))
    second = html_of(client.get(club.url, {"page": 2}))
    assert len(topic_ids(first, posts)) == POSTS_PER_PAGE
    assert len(topic_ids(second, posts)) == 3
    assert 'rel="next"' in first


def test_hidden_and_held_topics_are_not_listed_to_others(client, club, people):
    visible = make_post(people["author"], club, "visible", title="Sujet visible")
    hidden = make_post(people["author"], club, "caché", title="Sujet caché")
    moderation.moderate_content(people["moderator"], hidden, moderation.Action.HIDE, "Hors sujet")
    client.force_login(people["member"])
    html = html_of(client.get(club.url))
    assert topic_ids(html, [visible, hidden]) == [visible.pk]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    html = html_of(client.get(club.url, {"q": "caché"}))
    assert topic_ids(html, [visible, hidden]) == []


def test_community_page_queries_are_bounded(client, club, people, django_assert_max_num_queries):
    reading = make_category(club, "Club de lecture", "club-de-lecture")
    client.force_login(people["member"])
    for i in range(3):
        post = make_post(people["author"], club, f"Sujet {i}", title=f"Sujet {i}", category=reading)
        make_comment(people["moderator"], post, "Réponse")
    client.get(club.url)  # warm caches (site, settings)
    with django_assert_max_num_queries(60) as few:
        client.get(club.url)
    for i in range(3, 15):
        author = make_user(f"auteur{i}@example.org", display_name=f"Auteur {i}")
        join(author, club)
        post = make_post(author, club, f"Sujet {i}", title=f"Sujet {i}", category=reading)
        make_comment(people["moderator"], post, "Réponse")
        make_comment(author, post, "Encore")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(club.url)
    assert response.status_code == 200


# --- 3. "Nouveau" markers -----------------------------------------------------------------------


def test_new_topics_and_unread_replies_are_marked_until_opened(client, club, people):
    member = people["member"]
    post = make_post(people["author"], club, "Texte", title="Un sujet")
    client.force_login(member)
    row = html_of(client.get(club.url)).split(f'id="publication-{post.pk}"')[1].split("</li>")[0]
    assert fr("New") in row
    client.get(post.get_absolute_url())
    read = TopicRead.objects.get(user=member, post=post)
    assert read.last_seen_reply_id == 0
    row = html_of(client.get(club.url)).split(f'id="publication-{post.pk}"')[1].split("</li>")[0]
    assert fr("New") not in row
    first = make_comment(people["author"], post, "Première réponse")
    second = make_comment(people["moderator"], post, "Deuxième réponse")
    make_comment(member, post, "Ma propre réponse ne compte pas")
    row = html_of(client.get(club.url)).split(f'id="publication-{post.pk}"')[1].split("</li>")[0]
    assert "2 nouvelles réponses" in row or fr("%(counter)s new replies", counter=2) in row
    html = html_of(client.get(post.get_absolute_url()))
    for comment in (first, second):
        block_ = html.split(f'id="commentaire-{comment.pk}"')[1].split("</header>")[0]
        assert "badge-new" in block_
    read.refresh_from_db()
    assert read.last_seen_reply_id > second.pk  # up to the last reply (their own)
    row = html_of(client.get(club.url)).split(f'id="publication-{post.pk}"')[1].split("</li>")[0]
    assert "badge-new" not in row
    html = html_of(client.get(post.get_absolute_url()))
    assert "badge-new" not in html


def test_visitors_get_no_marker_and_leave_no_trace(client, club, people):
    post = make_post(people["author"], club, "Texte", title="Un sujet")
    html = html_of(client.get(club.url))
    assert "badge-new" not in html
    assert client.get(post.get_absolute_url()).status_code == 200
    assert not TopicRead.objects.exists()


def test_topic_page_opens_at_the_first_unread_reply(client, club, people):
    from community.views.posts import REPLIES_PER_PAGE

    member = people["member"]
    post = make_post(people["author"], club, "Texte", title="Long fil")
    client.force_login(member)
    client.get(post.get_absolute_url())
    from community.models import Comment

    replies = [
        Comment.objects.create(post=post, author=people["author"], body=f"Réponse {i}")
        for i in range(REPLIES_PER_PAGE + 2)
    ]
    TopicRead.objects.filter(user=member, post=post).update(
        last_seen_reply_id=replies[REPLIES_PER_PAGE].pk
    )
    html = html_of(client.get(post.get_absolute_url()))
    assert f'id="commentaire-{replies[REPLIES_PER_PAGE + 1].pk}"' in html
    assert f'id="commentaire-{replies[0].pk}"' not in html
    html = html_of(client.get(post.get_absolute_url(), {"page": 1}))
    assert f'id="commentaire-{replies[0].pk}"' in html
    assert client.get(post.get_absolute_url(), {"page": "zzz"}).status_code == 200


def test_topic_page_queries_are_bounded(client, club, people, django_assert_max_num_queries):
    post = make_post(people["author"], club, "Texte", title="Un sujet")
    client.force_login(people["member"])
    make_comment(people["moderator"], post, "Réponse")
    client.get(post.get_absolute_url())
    make_comment(people["moderator"], post, "Réponse")  # unread: the read position moves
    with django_assert_max_num_queries(60) as few:
        client.get(post.get_absolute_url())
    for i in range(12):
        author = make_user(f"r{i}@example.org", display_name=f"Lecteur {i}")
        join(author, club)
        parent = make_comment(author, post, f"Réponse {i} de @{people['author'].handle}")
        make_comment(people["author"], post, "Merci", parent=parent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(post.get_absolute_url()).status_code == 200


# --- 6. Following a topic: replies notify its followers ---------------------------------------


def test_a_reply_notifies_the_topics_followers(club, people, django_capture_on_commit_callbacks):
    author, member, moderator = people["author"], people["member"], people["moderator"]
    with django_capture_on_commit_callbacks(execute=True):
        post = create_post(author, club, "Texte", title="Sujet suivi")
    topics.set_following(member, post, True)
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(moderator, post, "Une réponse")
    # the author is told once (as the author), the follower as a follower
    assert Notification.objects.filter(user=author).count() == 1
    told = Notification.objects.get(user=member)
    assert told.kind == Notification.Kind.TOPIC_REPLY
    assert "Sujet suivi" in told.title and told.url.startswith(post.get_absolute_url())
    assert not Notification.objects.filter(user=moderator).exists()
    # the moderator now follows it (they replied): the member's reply reaches them
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(member, post, "Moi aussi")
    assert Notification.objects.filter(user=moderator, kind="topic_reply").count() == 1


def test_unfollowing_stops_notifications_even_after_replying(
    client, club, people, django_capture_on_commit_callbacks
):
    author, member = people["author"], people["member"]
    post = make_post(author, club, "Texte", title="Sujet")
    make_comment(member, post, "Je participe")  # follows automatically
    client.force_login(member)
    response = client.post(
        reverse("community:topic_follow", args=[club.pk, post.pk]), {"following": "0"}
    )
    assert response.status_code == 302
    assert not topics.is_following(member, post)
    make_comment(member, post, "Encore moi")  # replying again does not follow again
    assert not topics.is_following(member, post)
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(author, post, "Merci à tous")
    assert not Notification.objects.filter(user=member, kind="topic_reply").exists()


def test_blocks_and_mentions_are_not_notified_twice(
    club, people, django_capture_on_commit_callbacks
):
    author, member, moderator = people["author"], people["member"], people["moderator"]
    post = make_post(author, club, "Texte", title="Sujet")
    topics.set_following(member, post, True)
    topics.set_following(moderator, post, True)
    block(moderator, author)
    with django_capture_on_commit_callbacks(execute=True):
        create_comment(author, post, f"Merci @{member.handle}")
    assert not Notification.objects.filter(user=moderator).exists()  # blocked
    assert list(Notification.objects.filter(user=member).values_list("kind", flat=True)) == [
        "mention"
    ]


def test_a_held_reply_notifies_followers_once_approved(
    club, people, django_capture_on_commit_callbacks
):
    newcomer = make_user("nouveau@example.org", display_name="Nouveau")
    join(newcomer, club)
    post = make_post(people["author"], club, "Texte", title="Sujet")
    topics.set_following(people["member"], post, True)
    settings = ModerationSettings.load()
    settings.held_words = "zut\n"
    settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply = create_comment(newcomer, post, "Zut alors")
    assert reply.status == ContentStatus.PENDING
    assert not Notification.objects.filter(user=people["member"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.moderate_content(people["moderator"], reply, moderation.Action.APPROVE)
    assert Notification.objects.filter(user=people["member"], kind="topic_reply").count() == 1


def test_following_is_for_members_of_visible_topics(client, club, other_club, people):
    post = make_post(people["author"], club, "Texte", title="Sujet")
    url = reverse("community:topic_follow", args=[club.pk, post.pk])
    assert client.post(url, {"following": "1"}).status_code == 302  # to login
    client.force_login(people["outsider"])
    assert client.post(url, {"following": "1"}).status_code == 403
    assert client.get(url).status_code == 405
    client.force_login(people["member"])
    wrong_community = reverse("community:topic_follow", args=[other_club.pk, post.pk])
    assert client.post(wrong_community, {"following": "1"}).status_code == 404
    missing = reverse("community:topic_follow", args=[club.pk, post.pk + 1000])
    assert client.post(missing, {"following": "1"}).status_code == 404
    moderation.moderate_content(people["moderator"], post, moderation.Action.HIDE, "Hors sujet")
    assert client.post(url, {"following": "1"}).status_code == 404
    assert not TopicFollow.objects.filter(user=people["member"]).exists()
    # an open redirect is refused: back to the topic
    visible = make_post(people["author"], club, "Texte", title="Autre")
    response = client.post(
        reverse("community:topic_follow", args=[club.pk, visible.pk]),
        {"following": "1", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_topic_page_offers_to_follow_and_says_so(client, club, people):
    post = make_post(people["author"], club, "Texte", title="Sujet")
    client.force_login(people["member"])
    html = html_of(client.get(post.get_absolute_url()))
    assert fr("Follow this topic") in html and "data-topic-live" in html
    client.post(reverse("community:topic_follow", args=[club.pk, post.pk]), {"following": "1"})
    html = html_of(client.get(post.get_absolute_url()))
    assert fr("Following this topic") in html


# --- 4. Members -----------------------------------------------------------------------------------


def test_member_list_respects_profile_visibility_and_shows_roles(client, club, people):
    public = make_user(
        "public@example.org", display_name="Paula Publique", profile_visibility="public"
    )
    members_only = make_user("membres@example.org", display_name="Marc Membres")
    shy = make_user(
        "discret@example.org", display_name="Dora Discrète", profile_visibility="communities"
    )
    for user in (public, members_only, shy):
        join(user, club)
    url = reverse("community:members", args=[club.pk])
    html = html_of(client.get(url))  # a visitor
    assert "Paula Publique" in html
    assert "Marc Membres" not in html and "Dora Discrète" not in html
    client.force_login(people["outsider"])  # logged in, not in the community
    html = html_of(client.get(url))
    assert "Marc Membres" in html and "Dora Discrète" not in html
    client.force_login(people["member"])  # shares the community
    html = html_of(client.get(url))
    assert "Dora Discrète" in html
    row = html.split("Modo</a>")[1].split("</li>")[0]
    assert fr("Moderator") in row
    block(people["member"], public)
    assert "Paula Publique" not in html_of(client.get(url))
    assert client.get(reverse("community:members", args=[club.pk + 1000])).status_code == 404


def test_member_list_queries_are_bounded(client, club, people, django_assert_max_num_queries):
    client.force_login(people["member"])
    url = reverse("community:members", args=[club.pk])
    join(make_user("m@example.org", profile_visibility="communities"), club)
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for i in range(15):
        join(make_user(f"m{i}@example.org", profile_visibility="communities"), club)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- 5. Search within the community ---------------------------------------------------------------


def test_search_finds_titles_messages_and_replies_of_this_community_only(
    client, club, other_club, people
):
    by_title = make_post(people["author"], club, "Texte", title="Fondation d’Asimov")
    by_body = make_post(people["author"], club, "J’ai relu Fondation cet été", title="Relecture")
    by_reply = make_post(people["author"], club, "Texte", title="Vos lectures de l’été")
    make_comment(people["member"], by_reply, "Fondation, évidemment")
    unrelated = make_post(people["author"], club, "Rien à voir", title="Hypérion")
    join(people["author"], other_club)
    elsewhere = make_post(people["author"], other_club, "Fondation", title="Fondation ailleurs")
    html = html_of(client.get(club.url, {"q": "fondation"}))
    found = topic_ids(html, [by_title, by_body, by_reply, unrelated, elsewhere])
    assert sorted(found) == sorted([by_title.pk, by_body.pk, by_reply.pk])
    assert 'value="fondation"' in html
    # long or odd queries are cut, never a 500
    assert client.get(club.url, {"q": "x" * 5000}).status_code == 200
    assert client.get(club.url, {"q": "%' OR 1=1 --"}).status_code == 200


# --- 6. Erasure and export ------------------------------------------------------------------------


def test_erasure_and_export_cover_reads_and_follows(club, people):
    from community.privacy.personal_data import member_relations

    labels = {relation.model_label for relation in member_relations()}
    assert {"community.TopicRead", "community.TopicFollow"} <= labels
    member = people["member"]
    post = make_post(people["author"], club, "Texte", title="Sujet")
    topics.set_following(member, post, True)
    topics.mark_read(member, post)
    member.delete()
    assert not TopicRead.objects.exists()
    assert not TopicFollow.objects.filter(post=post).exclude(user=people["author"]).exists()


# --- Rate limits and replies to hidden topics -----------------------------------------------------


def test_topics_share_the_posts_rate_limit(client, club, people):
    client.force_login(people["member"])
    url = reverse("community:post_create", args=[club.pk])
    for n in range(6):
        assert client.post(url, {"title": f"Sujet {n}", "body": "Texte"}).status_code == 302
    assert client.post(url, {"title": "Un de trop", "body": "Texte"}).status_code == 429
    assert Post.objects.count() == 6


def test_nobody_replies_to_a_hidden_topic(client, club, people):
    post = make_post(people["author"], club, "Texte", title="Sujet")
    moderation.moderate_content(people["moderator"], post, moderation.Action.HIDE, "Hors sujet")
    client.force_login(people["member"])
    url = reverse("community:comment_create", args=[club.pk, post.pk])
    assert client.post(url, {"body": "Coucou"}).status_code == 409
    assert not post.comments.exists()
    assert not TopicFollow.objects.filter(user=people["member"]).exists()
