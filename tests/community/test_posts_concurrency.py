"""Counts stay exact under concurrent reactions (PostgreSQL: real parallel transactions)."""

import pytest
from django.db import connection

from community.actions.posts import create_comment
from community.actions.reactions import add_reaction, counts, remove_reaction
from community.models import Comment, Post, Reaction
from tests.community.life_helpers import join
from tests.concurrency import run_together
from tests.conftest import make_community, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def setup(taxonomy):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (set DATABASE_URL=postgres://…)")
    club = make_community("Club", interests=[taxonomy["sf"]])
    author = make_user()
    join(author, club)
    post = Post.objects.create(community=club, author=author, body="Réagissez !")
    members = [make_user() for _ in range(12)]
    for member in members:
        join(member, club)
    return club, post, members


def test_concurrent_likes_are_all_counted_once(setup):
    club, post, members = setup
    # every member likes, and every member double-clicks (two requests at once)
    workers = [lambda m=m: add_reaction(m, post, Reaction.Kind.LIKE) for m in members] * 2
    assert run_together(workers) == []
    assert counts(post)[Reaction.Kind.LIKE] == len(members)
    assert Reaction.objects.filter(post=post).count() == len(members)


def test_concurrent_likes_and_unlikes_end_exact(setup):
    club, post, members = setup
    for member in members[:6]:
        add_reaction(member, post, Reaction.Kind.LIKE)
    workers = [lambda m=m: remove_reaction(m, post, Reaction.Kind.LIKE) for m in members[:6]]
    workers += [lambda m=m: add_reaction(m, post, Reaction.Kind.LIKE) for m in members[6:]]
    workers += [lambda m=m: add_reaction(m, post, Reaction.Kind.INTERESTED) for m in members]
    assert run_together(workers) == []
    assert counts(post) == {Reaction.Kind.LIKE: 6, Reaction.Kind.INTERESTED: 12}
    annotated = Post.objects.with_counts().get(pk=post.pk)
    assert (annotated.like_count, annotated.interested_count) == (6, 12)


def test_concurrent_comments_are_all_counted(setup):
    club, post, members = setup
    workers = [lambda m=m: create_comment(m, post, "Moi aussi !") for m in members]
    assert run_together(workers) == []
    assert Comment.objects.filter(post=post).count() == len(members)
    assert Post.objects.with_counts().get(pk=post.pk).comment_count == len(members)
