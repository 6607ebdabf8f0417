"""Topics: the list of a community's threads, "nouveau" markers, follows, search.

A topic is a `Post` and its replies are its comments (`community.actions.posts` writes
both, with the same membership rules, rate limits and moderation). This module adds the
reading side of threads: the list with its last activity and the member's unread replies
(a fixed number of queries whatever the number of topics), where a member stopped reading
(`TopicRead`), who follows a topic (`TopicFollow`), and search within one community.

Search: on PostgreSQL, French full text (`SearchVector(..., config="french")` with a
`websearch` query) over titles, first messages and published replies; elsewhere (SQLite),
a case-insensitive substring match on the same texts.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from community import roles
from community.actions.errors import Refused
from community.models import (
    Comment,
    CommunityPage,
    ContentStatus,
    Membership,
    Post,
    TopicCategory,
    TopicFollow,
    TopicRead,
    User,
)

SEARCH_MAX_LENGTH = 100


# --- Categories --------------------------------------------------------------------------------


def categories_of(community: CommunityPage) -> list[TopicCategory]:
    return list(TopicCategory.objects.filter(community=community).order_by("sort_order", "pk"))


def check_category(community: CommunityPage, category: TopicCategory | None) -> None:
    """A topic's category must be one of its own community's."""
    if category is not None and category.community_id != community.pk:
        raise Refused(_("This category belongs to another community."), code="category", status=400)


# --- The list ----------------------------------------------------------------------------------


def _published_replies():
    return Comment.objects.filter(post=OuterRef("pk"), status=ContentStatus.PUBLISHED).order_by()


def with_activity(topics: QuerySet[Post], viewer) -> QuerySet[Post]:
    """Annotate `last_activity` (the last published reply, else the topic itself) and, for a
    member, `read_upto` (the last reply they saw, None if never opened) and `unread_count`."""
    last_reply = _published_replies().values("post").annotate(at=Max("created_at")).values("at")
    topics = topics.annotate(
        last_activity=Coalesce(Subquery(last_reply, output_field=DateTimeField()), F("created_at"))
    )
    if not viewer.is_authenticated:
        return topics.annotate(
            read_upto=Value(None, output_field=IntegerField()),
            unread_count=Value(0, output_field=IntegerField()),
        )
    read = TopicRead.objects.filter(user=viewer, post=OuterRef("pk")).values("last_seen_reply_id")[
        :1
    ]
    topics = topics.annotate(read_upto=Subquery(read, output_field=IntegerField()))
    from community.actions.social import blocked_ids

    unread = (
        _published_replies()
        .filter(pk__gt=Coalesce(OuterRef("read_upto"), 0))
        .exclude(author=viewer)
        .exclude(author_id__in=blocked_ids(viewer))
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return topics.annotate(unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


def topic_list(
    community: CommunityPage,
    viewer,
    *,
    category: TopicCategory | None = None,
    query: str = "",
) -> QuerySet[Post]:
    """The topics `viewer` sees in `community`: pinned first, then by last activity."""
    from community.actions.posts import visible_posts

    topics = visible_posts(community, viewer).select_related("category")
    if category is not None:
        topics = topics.filter(category=category)
    if query:
        topics = search(topics, query)
    topics = with_activity(topics, viewer)
    return topics.order_by(F("pinned_at").desc(nulls_last=True), F("last_activity").desc(), "-pk")


def mark_new(topics, viewer) -> None:
    """Set `is_new` on each topic: never opened by `viewer`, written by someone else since
    they joined Affinités (a newcomer does not get the whole history as "nouveau")."""
    for topic in topics:
        topic.is_new = bool(
            viewer.is_authenticated
            and topic.read_upto is None
            and topic.author_id != viewer.pk
            and topic.created_at >= viewer.date_joined
        )


# --- Search ------------------------------------------------------------------------------------


def search(topics: QuerySet[Post], query: str) -> QuerySet[Post]:
    """Topics whose title, first message or a published reply match `query`."""
    query = " ".join(query.split())[:SEARCH_MAX_LENGTH]
    if not query:
        return topics
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        wanted = SearchQuery(query, config="french", search_type="websearch")
        replies = (
            Comment.objects.filter(post=OuterRef("pk"), status=ContentStatus.PUBLISHED)
            .annotate(document=SearchVector("body", config="french"))
            .filter(document=wanted)
        )
        return topics.annotate(
            document=SearchVector("title", "body", config="french"),
            reply_matches=Exists(replies),
        ).filter(Q(document=wanted) | Q(reply_matches=True))
    replies = Comment.objects.filter(
        post=OuterRef("pk"), status=ContentStatus.PUBLISHED, body__icontains=query
    )
    return topics.filter(Q(title__icontains=query) | Q(body__icontains=query) | Exists(replies))


# --- Reading and following ---------------------------------------------------------------------


def mark_read(user, post: Post) -> int | None:
    """Record that `user` has read `post` up to its last reply; return the position they had
    reached before (None if they had never opened it), for the "nouveau" markers."""
    if not user.is_authenticated:
        return None
    before = (
        TopicRead.objects.filter(user=user, post=post)
        .values_list("last_seen_reply_id", flat=True)
        .first()
    )
    last = (
        Comment.objects.filter(post=post, status=ContentStatus.PUBLISHED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    if before is None or last > before:
        TopicRead.objects.bulk_create(
            [TopicRead(user=user, post=post, last_seen_reply_id=last, last_read_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["user", "post"],
            update_fields=["last_seen_reply_id", "last_read_at"],
        )
    return before


def is_following(user, post: Post) -> bool:
    if not user.is_authenticated:
        return False
    return TopicFollow.objects.filter(user=user, post=post, following=True).exists()


def follow_automatically(user, post: Post) -> None:
    """The author of a topic and the members who reply follow it, unless they chose not to."""
    TopicFollow.objects.get_or_create(user=user, post=post)


def set_following(user, post: Post, following: bool) -> TopicFollow:
    """A member follows a topic ("Suivre ce sujet") or stops following it."""
    from community.actions.posts import can_see_post, is_member

    if not user.is_authenticated:
        raise Refused(_("Log in to take part."), code="anonymous", status=403)
    if not can_see_post(user, post) or post.status != ContentStatus.PUBLISHED:
        raise Refused(_("This topic cannot be followed."), code="state", status=404)
    if not (roles.is_library_staff(user) or is_member(user, post.community)):
        raise Refused(_("Join the community to follow its topics."), code="not_member")
    with transaction.atomic():
        follow, created = TopicFollow.objects.select_for_update().get_or_create(
            user=user, post=post, defaults={"following": following}
        )
        if not created and follow.following != following:
            follow.following = following
            follow.save(update_fields=["following"])
    return follow


def followers_to_notify(comment: Comment, exclude: set[int]) -> list[User]:
    """The topic's followers to tell about a new reply: not its author, nor anyone in a block
    with them, nor those in `exclude` (already told: mentioned, replied to)."""
    from community.actions.social import blocked_ids

    skip = set(exclude) | blocked_ids(comment.author) | {comment.author_id}
    return list(
        User.objects.filter(
            is_active=True,
            topic_follows__post_id=comment.post_id,
            topic_follows__following=True,
        ).exclude(pk__in=skip)
    )


# --- Members ------------------------------------------------------------------------------------


def community_members(community: CommunityPage, viewer) -> list[Membership]:
    """The members listed to `viewer`: those whose profile `viewer` may see, by the rule of
    `community.actions.profiles.can_view_profile` (their own choice of visibility, blocks
    both ways, staff see all) applied to the whole list in a fixed number of queries;
    librarians and moderators first."""
    from community.actions.social import blocked_ids

    memberships = list(
        Membership.objects.filter(community=community, user__is_active=True)
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("user__display_name", "pk")
    )
    Visibility = User.ProfileVisibility
    viewer_id = viewer.pk if viewer.is_authenticated else None
    blocked = blocked_ids(viewer)
    sees_all = roles.is_library_staff(viewer)
    shared: set[int] | None = None
    shown = []
    for membership in memberships:
        user = membership.user
        if user.pk == viewer_id:
            visible = True
        elif user.pk in blocked:
            visible = False
        elif sees_all or user.profile_visibility == Visibility.PUBLIC:
            visible = True
        elif viewer_id is None:
            visible = False
        elif user.profile_visibility == Visibility.MEMBERS:
            visible = True
        else:
            if shared is None:
                shared = set(
                    Membership.objects.filter(
                        community__in=Membership.objects.filter(user_id=viewer_id).values(
                            "community"
                        )
                    ).values_list("user_id", flat=True)
                )
            visible = user.pk in shared
        if visible:
            membership.is_librarian = roles.is_library_staff(user)
            shown.append(membership)
    shown.sort(key=lambda m: (not m.is_librarian, m.role != Membership.Role.MODERATOR))
    return shown
