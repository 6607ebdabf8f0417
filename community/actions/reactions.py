"""Reactions to posts ("j'aime", "ça m'intéresse"): one row per (post, member, kind).

Adding twice is a no-op (unique constraint, `ignore_conflicts`), removing deletes the row;
counts are computed by aggregate (`Post.objects.with_counts()`), so they are exact however
many members react at the same moment.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cms.transactions import on_commit
from community.actions.errors import Refused
from community.actions.posts import ensure_can_post
from community.actions.social import blocked_ids
from community.interactions import record_reaction
from community.models import ContentStatus, Post, Reaction, User


def _check(user: User, post: Post, kind: str) -> None:
    if kind not in Reaction.Kind.values:
        raise Refused(_("Unknown reaction."), code="kind", status=400)
    ensure_can_post(user, post.community)
    if post.status != ContentStatus.PUBLISHED:
        raise Refused(_("This post can no longer receive reactions."), code="state", status=409)
    if post.author_id in blocked_ids(user):
        raise Refused(_("You cannot react to this member’s posts."), code="blocked")


def add_reaction(user: User, post: Post, kind: str) -> bool:
    """Returns True if the reaction was added (False: it was already there)."""
    _check(user, post, kind)
    existed = Reaction.objects.filter(post=post, user=user, kind=kind).exists()
    with transaction.atomic():
        # INSERT … ON CONFLICT DO NOTHING: a concurrent double click never makes two rows.
        Reaction.objects.bulk_create(
            [Reaction(post=post, user=user, kind=kind)], ignore_conflicts=True
        )
    if not existed:
        # bulk_create sends no post_save: record the interaction with the post's item here.
        on_commit(record_reaction, user, post, kind)
    return not existed


def remove_reaction(user: User, post: Post, kind: str) -> bool:
    deleted, _rows = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    return deleted > 0


def toggle_reaction(user: User, post: Post, kind: str) -> bool:
    """Add the reaction, or remove it if present. Returns True when it is now on."""
    _check(user, post, kind)
    if Reaction.objects.filter(post=post, user=user, kind=kind).exists():
        remove_reaction(user, post, kind)
        return False
    add_reaction(user, post, kind)
    return True


def counts(post: Post) -> dict[str, int]:
    annotated = Post.objects.with_counts().get(pk=post.pk)
    return {
        Reaction.Kind.LIKE: annotated.like_count,
        Reaction.Kind.INTERESTED: annotated.interested_count,
    }


def reactions_of(user, posts) -> set[tuple[int, str]]:
    """{(post id, kind)} for the posts `user` reacted to (for pressed buttons)."""
    if not user.is_authenticated:
        return set()
    ids = [p.pk for p in posts]
    return set(Reaction.objects.filter(user=user, post_id__in=ids).values_list("post_id", "kind"))
