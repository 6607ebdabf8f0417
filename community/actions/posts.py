"""Posts and comments in themed communities: write, edit, delete, read.

Who may post: members who joined the community, and library staff (who meet members
there); never while suspended or banned (`Refused`, 403, with the reason and the end
date). Rate-limited (`ratelimits`). New content may be held for review (word list,
pre-moderation of a new member's first posts): it then waits as ``pending`` and is only
announced once a moderator approves it.

"Announcing" content, after the commit: ``post_published`` (the feed seam),
a notification for each mentioned member (never across a block), and for comments one to
the author of the post or of the comment replied to (``community.notices``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CatalogueItem, EventPage
from cms.transactions import on_commit, on_commit_send
from community import avatars, notices, roles
from community.actions import ratelimits
from community.actions.errors import Refused
from community.actions.moderation import ensure_can_participate, held_reason_for
from community.actions.social import blocked_ids
from community.actions.topics import check_category, follow_automatically, followers_to_notify
from community.markup import extract_mentions
from community.models import (
    Block,
    Comment,
    CommunityPage,
    ContentStatus,
    Membership,
    Post,
    TopicCategory,
    User,
)
from community.post_signals import post_published, post_withdrawn

# --- Who may do what -------------------------------------------------------------------------


def is_member(user, community: CommunityPage) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, community=community).exists()


def ensure_can_post(user, community: CommunityPage) -> None:
    """Raise `Refused` unless `user` may write in `community` now."""
    if not user.is_authenticated:
        raise Refused(_("Log in to take part."), code="anonymous", status=403)
    if not (roles.is_library_staff(user) or is_member(user, community)):
        raise Refused(_("Join the community to take part in the conversation."), code="not_member")
    ensure_can_participate(user, community)


def can_see_post(user, post: Post) -> bool:
    if post.status == ContentStatus.PUBLISHED:
        return post.author_id not in blocked_ids(user)
    if post.status == ContentStatus.PENDING:
        return user.is_authenticated and (
            user.pk == post.author_id or roles.can_moderate(user, post.community)
        )
    if post.status in (ContentStatus.HIDDEN, ContentStatus.REMOVED):
        return roles.can_moderate(user, post.community)
    return False


# --- Reading ---------------------------------------------------------------------------------


def visible_posts(community: CommunityPage, viewer) -> QuerySet[Post]:
    """What `viewer` sees in `community`: published posts (minus blocks), and their own held ones."""
    posts = Post.objects.filter(community=community)
    if viewer.is_authenticated:
        posts = posts.filter(
            Q(status=ContentStatus.PUBLISHED) | Q(status=ContentStatus.PENDING, author=viewer)
        )
        hidden_authors = blocked_ids(viewer)
        if hidden_authors:
            posts = posts.exclude(author_id__in=hidden_authors)
    else:
        posts = posts.filter(status=ContentStatus.PUBLISHED)
    return posts.for_display().pinned_first()


def _comment_visible(comment: Comment, viewer, hidden_authors: set[int]) -> bool:
    if comment.author_id in hidden_authors:
        return False
    if comment.status == ContentStatus.PUBLISHED:
        return True
    return (
        comment.status == ContentStatus.PENDING
        and viewer.is_authenticated
        and comment.author_id == viewer.pk
    )


def visible_comments(post: Post, viewer) -> list[Comment]:
    """Top-level comments in order, each with its visible replies in `replies_list`.

    A comment that is gone (deleted, hidden) but has visible replies stays as a placeholder
    (``is_placeholder``), so the replies keep their context; blocks are applied.
    """
    rows = list(
        Comment.objects.filter(post=post)
        .select_related("author")
        .prefetch_related("author__groups", "mentions")
        .order_by("created_at", "pk")
    )
    hidden_authors = blocked_ids(viewer)
    replies: dict[int, list[Comment]] = {}
    for comment in rows:
        if comment.parent_id is not None and _comment_visible(comment, viewer, hidden_authors):
            replies.setdefault(comment.parent_id, []).append(comment)
    top: list[Comment] = []
    for comment in rows:
        if comment.parent_id is not None:
            continue
        comment.replies_list = replies.get(comment.pk, [])
        comment.is_placeholder = False
        if _comment_visible(comment, viewer, hidden_authors):
            top.append(comment)
        elif comment.replies_list and comment.author_id not in hidden_authors:
            comment.is_placeholder = True
            top.append(comment)
    return top


def post_audience(post: Post) -> QuerySet[User]:
    """Who should see `post` in their feed: community members and the author's followers,
    minus the author and anyone in a block with them (the seam for the feeds package)."""
    blocked = Block.objects.filter(
        Q(blocker=post.author_id, blocked=OuterRef("pk"))
        | Q(blocked=post.author_id, blocker=OuterRef("pk"))
    )
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__community_id=post.community_id)
            | Q(following_links__followed_id=post.author_id)
        )
        .exclude(pk=post.author_id)
        .exclude(Exists(blocked))
        .distinct()
    )


# --- Mentions and announcements ----------------------------------------------------------------


def resolve_mentions(author: User, text: str) -> list[User]:
    """Members mentioned in `text` who may be notified (not the author, not across a block)."""
    handles = extract_mentions(text)
    if not handles:
        return []
    query = Q()
    for handle in handles:
        query |= Q(handle__iexact=handle)
    users = User.objects.filter(query, is_active=True).exclude(pk=author.pk)
    hidden = blocked_ids(author)
    return [u for u in users if u.pk not in hidden]


def mentions_map(users) -> dict[str, str]:
    """handle (lower case) → profile URL, for `community.markup.render_markup`."""
    return {u.handle.lower(): u.profile_url for u in users if u.handle}


def _notify_mentions(author, users, *, post, comment=None) -> None:
    for user in users:
        on_commit(notices.mentioned, user, author, post, comment)


def announce_post(post: Post, *, notify: bool = True) -> None:
    """After the commit: the post is visible (feeds), mentioned members are told."""
    on_commit_send(post_published, Post, post=post)
    if notify:
        blocked = blocked_ids(post.author)
        _notify_mentions(
            post.author,
            [u for u in post.mentions.all() if u.pk not in blocked],
            post=post,
        )


def announce_comment(comment: Comment, *, notify: bool = True) -> None:
    if not notify:
        return
    author = comment.author
    blocked = blocked_ids(author)
    mentioned = [u for u in comment.mentions.all() if u.pk not in blocked]
    told = {u.pk for u in mentioned}
    recipient = comment.parent.author if comment.parent_id else comment.post.author
    if recipient.pk != author.pk and recipient.pk not in blocked and recipient.pk not in told:
        on_commit(notices.replied, comment, recipient)
        told.add(recipient.pk)
    _notify_mentions(author, mentioned, post=comment.post, comment=comment)
    followers = followers_to_notify(comment, exclude=told)
    if followers:
        on_commit(notices.topic_replied, comment, followers)


# --- Writing posts -----------------------------------------------------------------------------


def _check_attachments(image, image_alt: str) -> None:
    if image and not (image_alt or "").strip():
        raise Refused(
            _("Describe the image for people who cannot see it (alternative text)."),
            code="alt",
            status=400,
        )


def create_post(
    author: User,
    community: CommunityPage,
    body: str,
    *,
    image=None,
    image_alt: str = "",
    catalogue_item: CatalogueItem | None = None,
    event: EventPage | None = None,
    title: str = "",
    category: TopicCategory | None = None,
) -> Post:
    """Publish (or hold for review) a post, or a topic when it has a title. Raises
    `Refused` or `RateLimited`. Its author follows it from then on."""
    ensure_can_post(author, community)
    check_category(community, category)
    _check_attachments(image, image_alt)
    processed = avatars.post_image(image) if image else None  # may raise ImageRejected
    ratelimits.hit(author, "post")
    stored_image = avatars.store(processed, "posts") if processed else ""
    title = " ".join((title or "").split())
    held = held_reason_for(author, community, _checked_text(title, body), is_post=True)
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.create(
            community=community,
            author=author,
            title=title,
            category=category,
            body=body.strip(),
            image=stored_image,
            image_alt=(image_alt or "").strip() if stored_image else "",
            catalogue_item=catalogue_item,
            event=event,
            status=ContentStatus.PENDING if held else ContentStatus.PUBLISHED,
            held_reason=held,
            published_at=None if held else now,
        )
        post.mentions.set(resolve_mentions(author, body))
        follow_automatically(author, post)
        if not held:
            announce_post(post)
    return post


def _checked_text(title: str, body: str) -> str:
    """What the word list reads: the title too."""
    return f"{title}\n{body}" if title else body


def _ensure_author(user, obj) -> None:
    if not user.is_authenticated or obj.author_id != user.pk:
        raise Refused(_("Only the author can do that."), code="not_author")
    if obj.status in (ContentStatus.REMOVED, ContentStatus.DELETED):
        raise Refused(_("This content was deleted."), code="deleted", status=404)


def edit_post(
    user: User,
    post: Post,
    body: str,
    *,
    image=None,
    image_alt: str | None = None,
    remove_image: bool = False,
    catalogue_item: CatalogueItem | None = None,
    event: EventPage | None = None,
    title: str | None = None,
    category: TopicCategory | None = None,
) -> Post:
    """The author edits their post: marked "edited"; new mentions are notified. A `title`
    of None keeps the title and the category as they are."""
    _ensure_author(user, post)
    ensure_can_participate(user, post.community)
    check_category(post.community, category)
    old_image = post.image.name if post.image else ""
    new_image = old_image
    if image:
        _check_attachments(image, image_alt or "")
        new_image = avatars.store(avatars.post_image(image), "posts")
    elif remove_image:
        new_image = ""
    alt = (image_alt if image_alt is not None else post.image_alt).strip()
    if new_image and not alt:
        _check_attachments(new_image, alt)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        previous_mentions = set(post.mentions.values_list("pk", flat=True))
        post.body = body.strip()
        post.image = new_image
        post.image_alt = alt if new_image else ""
        post.catalogue_item = catalogue_item
        post.event = event
        post.edited_at = timezone.now()
        fields = ["body", "image", "image_alt", "catalogue_item", "event", "edited_at"]
        if title is not None:
            post.title = " ".join(title.split())
            post.category = category
            fields += ["title", "category"]
        held = ""
        if post.status == ContentStatus.PUBLISHED:
            held = held_reason_for(
                user, post.community, _checked_text(post.title, post.body), is_post=False
            )
            if held:
                post.status = ContentStatus.PENDING
                post.held_reason = held
                fields += ["status", "held_reason"]
                on_commit_send(post_withdrawn, Post, post=post)
        post.save(update_fields=fields)
        mentioned = resolve_mentions(user, post.body)
        post.mentions.set(mentioned)
        if post.status == ContentStatus.PUBLISHED:
            new = [u for u in mentioned if u.pk not in previous_mentions]
            _notify_mentions(user, new, post=post)
    if old_image and old_image != new_image:
        on_commit(avatars.delete_stored, old_image)
    return post


@transaction.atomic
def delete_post(user: User, post: Post) -> None:
    """The author deletes their post: its text and image are erased, the reports keep a copy."""
    _ensure_author(user, post)
    was_public = post.status == ContentStatus.PUBLISHED
    image = post.image.name if post.image else ""
    post.status = ContentStatus.DELETED
    post.title = ""
    post.body = ""
    post.image = ""
    post.image_alt = ""
    post.pinned_at = None
    post.save(update_fields=["status", "title", "body", "image", "image_alt", "pinned_at"])
    post.mentions.clear()
    if was_public:
        on_commit_send(post_withdrawn, Post, post=post)
    if image:
        on_commit(avatars.delete_stored, image)


# --- Comments --------------------------------------------------------------------------------


def create_comment(
    author: User, post: Post, body: str, *, parent: Comment | None = None
) -> Comment:
    """Comment on a post, or reply to a comment (a reply to a reply joins its thread)."""
    community = post.community
    ensure_can_post(author, community)
    if post.status != ContentStatus.PUBLISHED:
        raise Refused(_("This post can no longer be commented on."), code="state", status=409)
    if post.author_id in blocked_ids(author):
        raise Refused(_("You cannot reply to this member."), code="blocked")
    if parent is not None:
        if parent.post_id != post.pk or parent.status != ContentStatus.PUBLISHED:
            raise Refused(_("This comment can no longer be answered."), code="state", status=409)
        if parent.author_id in blocked_ids(author):
            raise Refused(_("You cannot reply to this member."), code="blocked")
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies
    ratelimits.hit(author, "comment")
    held = held_reason_for(author, community, body, is_post=False)
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post,
            parent=parent,
            author=author,
            body=body.strip(),
            status=ContentStatus.PENDING if held else ContentStatus.PUBLISHED,
            held_reason=held,
        )
        comment.mentions.set(resolve_mentions(author, body))
        follow_automatically(author, post)
        if not held:
            announce_comment(comment)
    return comment


@transaction.atomic
def edit_comment(user: User, comment: Comment, body: str) -> Comment:
    _ensure_author(user, comment)
    ensure_can_participate(user, comment.post.community)
    previous = set(comment.mentions.values_list("pk", flat=True))
    comment.body = body.strip()
    comment.edited_at = timezone.now()
    fields = ["body", "edited_at"]
    if comment.status == ContentStatus.PUBLISHED:
        held = held_reason_for(user, comment.post.community, comment.body, is_post=False)
        if held:
            comment.status = ContentStatus.PENDING
            comment.held_reason = held
            fields += ["status", "held_reason"]
    comment.save(update_fields=fields)
    mentioned = resolve_mentions(user, comment.body)
    comment.mentions.set(mentioned)
    if comment.status == ContentStatus.PUBLISHED:
        _notify_mentions(
            user, [u for u in mentioned if u.pk not in previous], post=comment.post, comment=comment
        )
    return comment


@transaction.atomic
def delete_comment(user: User, comment: Comment) -> None:
    _ensure_author(user, comment)
    comment.status = ContentStatus.DELETED
    comment.body = ""
    comment.save(update_fields=["status", "body"])
    comment.mentions.clear()
