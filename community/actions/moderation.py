"""Moderation: reports, the review of held content, sanctions, and the log of every action.

Who may do what (`community.roles`):

- community moderators act on their community's posts and comments, warn members, and
  suspend or ban them *from that community*;
- library staff (librarians, network admins) act everywhere and may also suspend a member
  from the whole network;
- nobody sanctions themselves or a member of the library staff.

Every action writes a `ModerationAction` (who, when, what, why, a snapshot of the target)
and resolves the open reports about the same target; their reporters are told the outcome
and the member concerned is told what happened to their content or account
(``community.notices``). All of it after the commit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from cms.transactions import on_commit, on_commit_send
from community import notices, roles
from community.actions import ratelimits
from community.actions.errors import Refused
from community.markup import plain_excerpt
from community.models import (
    Comment,
    CommunityPage,
    ContentStatus,
    ModerationAction,
    ModerationSettings,
    Post,
    Report,
    Sanction,
    User,
)
from community.post_signals import post_withdrawn

Action = ModerationAction.Action


# --- Sanctions: can this member take part? ---------------------------------------------------


def active_sanction(user, community: CommunityPage | None = None) -> Sanction | None:
    """The member's sanction in force for `community` (network-wide ones included)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Sanction.objects.active()
        .applying_to(community)
        .filter(user=user)
        .order_by(  # a ban outweighs a suspension, and the longest lasts
            "-kind", "-ends_at"
        )
        .select_related("community")
        .first()
    )


def sanction_message(sanction: Sanction) -> str:
    params = {
        "community": sanction.community.title if sanction.community_id else "",
        "until": format_datetime(sanction.ends_at) if sanction.ends_at else "",
        "reason": sanction.reason,
    }
    if sanction.kind == Sanction.Kind.BAN:
        if sanction.ends_at:
            text = _("You are banned from “%(community)s” until %(until)s.")
        else:
            text = _("You are banned from “%(community)s”.")
    elif sanction.community_id:
        text = _("You are suspended from “%(community)s” until %(until)s.")
    elif sanction.ends_at:
        text = _("Your account is suspended until %(until)s.")
    else:
        text = _("Your account is suspended.")
    return " ".join(
        [
            text % params,
            _("Reason given by the moderators: %(reason)s") % params,
            _("You can still read, but not post, comment or react."),
        ]
    )


def ensure_can_participate(user, community: CommunityPage | None) -> None:
    """Raise `Refused` (403) when a suspension or ban keeps `user` from taking part."""
    sanction = active_sanction(user, community)
    if sanction is not None:
        code = "banned" if sanction.kind == Sanction.Kind.BAN else "suspended"
        raise Refused(sanction_message(sanction), code=code)


# --- What holds content for review -----------------------------------------------------------


def held_reason_for(author: User, community: CommunityPage, text: str, *, is_post: bool) -> str:
    """Why new content must wait for a moderator ("" when it can appear at once)."""
    if roles.can_moderate(author, community):
        return ""
    word = ModerationSettings.load().held_word_in(text)
    if word:
        return _("Contains a word on the review list (“%(word)s”).") % {"word": word}
    if is_post and community.premoderated_posts:
        approved = (
            Post.objects.filter(author=author, community=community)
            .exclude(status=ContentStatus.PENDING)
            .exclude(published_at__isnull=True)
            .count()
        )
        if approved < community.premoderated_posts:
            return _("A new member’s first posts are reviewed in this community.")
    return ""


# --- Reports ---------------------------------------------------------------------------------


def report(
    reporter: User,
    *,
    reason: str,
    details: str = "",
    post: Post | None = None,
    comment: Comment | None = None,
    member: User | None = None,
) -> Report:
    """Report a post, a comment or a member. Rate-limited (10 per hour)."""
    if sum(x is not None for x in (post, comment, member)) != 1:
        raise ValueError("report exactly one of post, comment, member")
    target_author = post.author if post else comment.author if comment else member
    if target_author.pk == reporter.pk:
        raise Refused(_("You cannot report yourself."), code="self")
    if reason not in Report.Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    existing = Report.objects.filter(
        reporter=reporter,
        status=Report.Status.OPEN,
        post=post,
        comment=comment,
        member=member,
    ).first()
    if existing is not None:  # reporting twice adds nothing
        return existing
    ratelimits.hit(reporter, "report")
    if post is not None:
        community_id, excerpt = post.community_id, post.body
    elif comment is not None:
        community_id, excerpt = comment.post.community_id, comment.body
    else:
        community_id, excerpt = None, member.bio
    return Report.objects.create(
        reporter=reporter,
        post=post,
        comment=comment,
        member=member,
        community_id=community_id,
        reason=reason,
        details=details.strip(),
        excerpt=excerpt,
    )


def reports_for(user: User, *, status: str = Report.Status.OPEN) -> QuerySet[Report]:
    """The reports `user` may review: all for library staff, their communities' otherwise."""
    reports = Report.objects.filter(status=status).select_related(
        "reporter", "post__author", "comment__author", "comment__post", "member", "community"
    )
    ids = roles.moderated_community_ids(user)
    if ids is None:
        return reports
    return reports.filter(community_id__in=ids)


def held_posts_for(user: User) -> QuerySet[Post]:
    posts = Post.objects.filter(status=ContentStatus.PENDING).select_related("author", "community")
    ids = roles.moderated_community_ids(user)
    return posts if ids is None else posts.filter(community_id__in=ids)


def held_comments_for(user: User) -> QuerySet[Comment]:
    comments = Comment.objects.filter(status=ContentStatus.PENDING).select_related(
        "author", "post", "post__community"
    )
    ids = roles.moderated_community_ids(user)
    return comments if ids is None else comments.filter(post__community_id__in=ids)


def log_for(user: User, community: CommunityPage | None = None) -> QuerySet[ModerationAction]:
    entries = ModerationAction.objects.select_related("actor", "member", "community")
    if community is not None:
        entries = entries.filter(community=community)
    ids = roles.moderated_community_ids(user)
    return entries if ids is None else entries.filter(community_id__in=ids)


# --- Acting ----------------------------------------------------------------------------------


def _community_of(target) -> CommunityPage | None:
    if isinstance(target, Post):
        return target.community
    if isinstance(target, Comment):
        return target.post.community
    return None


def _ensure_moderator(actor: User, community: CommunityPage | None) -> None:
    if not roles.can_moderate(actor, community):
        raise Refused(_("Only this community’s moderators and the librarians can do that."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why: the reason is kept in the moderation log."), code="reason")
    return reason


def _outcome_text(action: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return {
            Action.HIDE: _("The moderators reviewed your report and hid the content."),
            Action.DELETE: _("The moderators reviewed your report and deleted the content."),
            Action.WARN: _("The moderators reviewed your report and warned the member."),
            Action.SUSPEND: _("The moderators reviewed your report and suspended the member."),
            Action.BAN: _(
                "The moderators reviewed your report and banned the member from the community."
            ),
            Action.DISMISS: _(
                "The moderators reviewed your report and found nothing against the rules."
            ),
        }.get(action, _("The moderators reviewed your report."))


def _resolve_reports(
    actor: User, entry: ModerationAction, *, report: Report | None, target
) -> list[Report]:
    """Close `report` and the other open reports about the same target; tell the reporters."""
    reports = Report.objects.filter(status=Report.Status.OPEN)
    if isinstance(target, Post):
        reports = reports.filter(post=target)
    elif isinstance(target, Comment):
        reports = reports.filter(comment=target)
    elif isinstance(target, User):
        reports = reports.filter(member=target)
    else:
        reports = reports.none()
    if report is not None:
        reports = Report.objects.filter(Q(pk__in=reports.values("pk")) | Q(pk=report.pk)).filter(
            status=Report.Status.OPEN
        )
    closed = list(reports.select_related("reporter"))
    status = Report.Status.DISMISSED if entry.action == Action.DISMISS else Report.Status.RESOLVED
    outcome = _outcome_text(entry.action)
    now = timezone.now()
    for item in closed:
        item.status = status
        item.resolved_at = now
        item.resolved_by = actor
        item.outcome = outcome
        item.save(update_fields=["status", "resolved_at", "resolved_by", "outcome"])
        on_commit(notices.report_resolved, item)
    if closed and entry.report_id is None:
        entry.report = report or closed[0]
        entry.save(update_fields=["report"])
    return closed


def _log(actor: User, action: str, reason: str, *, target=None, **fields) -> ModerationAction:
    if isinstance(target, Post):
        fields.update(
            post=target,
            community=target.community,
            member=target.author,
            target_repr=plain_excerpt(target.body, 500),
        )
    elif isinstance(target, Comment):
        fields.update(
            comment=target,
            post_id=target.post_id,
            community=target.post.community,
            member=target.author,
            target_repr=plain_excerpt(target.body, 500),
        )
    elif isinstance(target, User):
        fields.setdefault("member", target)
        fields.setdefault("target_repr", f"{target.public_name} (@{target.handle})")
    return ModerationAction.objects.create(actor=actor, action=action, reason=reason, **fields)


def _set_status(target, status: str) -> str:
    previous = target.status
    target.status = status
    update = ["status"]
    if status == ContentStatus.PUBLISHED and isinstance(target, Post):
        target.held_reason = ""
        update.append("held_reason")
        if target.published_at is None:
            target.published_at = timezone.now()
            update.append("published_at")
    target.save(update_fields=update)
    return previous


def _after_content_change(target, previous: str, entry: ModerationAction) -> None:
    from community.actions.posts import announce_comment, announce_post

    now_public = target.status == ContentStatus.PUBLISHED
    was_public = previous == ContentStatus.PUBLISHED
    if isinstance(target, Post):
        if now_public and not was_public:
            announce_post(target, notify=previous == ContentStatus.PENDING)
        elif was_public and not now_public:
            on_commit_send(post_withdrawn, Post, post=target)
    elif isinstance(target, Comment) and now_public and not was_public:
        announce_comment(target, notify=previous == ContentStatus.PENDING)
    on_commit(notices.content_moderated, entry, target.author)


_CONTENT_ACTIONS = {
    Action.APPROVE: (ContentStatus.PUBLISHED, {ContentStatus.PENDING}),
    Action.HIDE: (ContentStatus.HIDDEN, {ContentStatus.PUBLISHED, ContentStatus.PENDING}),
    Action.DELETE: (
        ContentStatus.REMOVED,
        {ContentStatus.PUBLISHED, ContentStatus.PENDING, ContentStatus.HIDDEN},
    ),
    Action.RESTORE: (ContentStatus.PUBLISHED, {ContentStatus.HIDDEN, ContentStatus.REMOVED}),
}


def moderate_content(
    actor: User, target: Post | Comment, action: str, reason: str = "", *, report=None
) -> ModerationAction:
    """Approve, hide, delete or restore a post or comment."""
    community = _community_of(target)
    _ensure_moderator(actor, community)
    new_status, allowed_from = _CONTENT_ACTIONS[action]
    if action != Action.APPROVE:
        reason = _require_reason(reason)
    with transaction.atomic():
        target = type(target).objects.select_for_update().get(pk=target.pk)
        if target.status not in allowed_from:
            raise Refused(
                _("This cannot be done in the content’s current state (%(status)s).")
                % {"status": target.get_status_display()},
                code="state",
                status=409,
            )
        previous = _set_status(target, new_status)
        entry = _log(actor, action, reason, target=target, report=report)
        if action in (Action.HIDE, Action.DELETE):
            _resolve_reports(actor, entry, report=report, target=target)
        elif report is not None:
            _resolve_reports(actor, entry, report=report, target=None)
        _after_content_change(target, previous, entry)
    return entry


def delete(actor, target, reason: str, *, report=None) -> ModerationAction:
    return moderate_content(actor, target, Action.DELETE, reason, report=report)


def _ensure_can_sanction(actor: User, member: User, community: CommunityPage | None) -> None:
    _ensure_moderator(actor, community)
    if member.pk == actor.pk:
        raise Refused(_("You cannot sanction yourself."), code="self")
    if roles.is_library_staff(member) or (
        community is not None
        and roles.is_community_moderator(member, community)
        and not roles.is_library_staff(actor)
    ):
        raise Refused(
            _("Librarians and moderators are not sanctioned here: contact a network admin."),
            code="staff",
        )


@transaction.atomic
def warn(
    actor: User,
    member: User,
    reason: str,
    *,
    community: CommunityPage | None = None,
    report: Report | None = None,
) -> ModerationAction:
    """A warning: logged and sent to the member, nothing else changes."""
    community = community or (report.community if report else None)
    _ensure_can_sanction(actor, member, community)
    reason = _require_reason(reason)
    entry = _log(actor, Action.WARN, reason, target=member, community=community, report=report)
    _resolve_reports(actor, entry, report=report, target=member)
    on_commit(notices.member_warned, entry, member)
    return entry


@transaction.atomic
def sanction(
    actor: User,
    member: User,
    kind: str,
    reason: str,
    *,
    community: CommunityPage | None = None,
    days: int | None = None,
    report: Report | None = None,
) -> Sanction:
    """Suspend (for `days`, here or network-wide) or ban from a community (`days` None: for good)."""
    community = community if community is not None else (report.community if report else None)
    _ensure_can_sanction(actor, member, community)
    reason = _require_reason(reason)
    if kind == Sanction.Kind.BAN and community is None:
        raise Refused(_("A ban is from a community: choose which one."), code="community")
    if kind == Sanction.Kind.SUSPENSION:
        if not days or days < 1:
            raise Refused(_("A suspension lasts at least one day."), code="days")
        if community is None and not roles.is_library_staff(actor):
            raise Refused(_("Only librarians can suspend a member from the whole network."))
    now = timezone.now()
    record = Sanction.objects.create(
        user=member,
        kind=kind,
        community=community,
        reason=reason,
        starts_at=now,
        ends_at=now + timedelta(days=days) if days else None,
        created_by=actor,
    )
    action = Action.BAN if kind == Sanction.Kind.BAN else Action.SUSPEND
    entry = _log(
        actor,
        action,
        reason,
        target=member,
        community=community,
        sanction=record,
        report=report,
    )
    _resolve_reports(actor, entry, report=report, target=member)
    if report is not None and report.target_kind != "member":
        _resolve_reports(actor, entry, report=None, target=report.target)
    on_commit(notices.member_sanctioned, record)
    return record


def suspend(actor, member, reason, *, days: int, community=None, report=None) -> Sanction:
    return sanction(
        actor,
        member,
        Sanction.Kind.SUSPENSION,
        reason,
        community=community,
        days=days,
        report=report,
    )


def ban(actor, member, community, reason, *, days: int | None = None, report=None) -> Sanction:
    return sanction(
        actor, member, Sanction.Kind.BAN, reason, community=community, days=days, report=report
    )


@transaction.atomic
def lift(actor: User, record: Sanction, reason: str) -> ModerationAction:
    """End a suspension or ban before its term."""
    _ensure_moderator(actor, record.community)
    if record.community_id is None and not roles.is_library_staff(actor):
        raise Refused(_("Only librarians can lift a network-wide suspension."))
    reason = _require_reason(reason)
    record.lifted_at = timezone.now()
    record.lifted_by = actor
    record.save(update_fields=["lifted_at", "lifted_by"])
    return _log(
        actor, Action.LIFT, reason, target=record.user, community=record.community, sanction=record
    )


@transaction.atomic
def dismiss(actor: User, report_: Report, reason: str = "") -> ModerationAction:
    """Close a report without acting on its target; the reporter is told."""
    _ensure_moderator(actor, report_.community)
    if report_.status != Report.Status.OPEN:
        raise Refused(_("This report was already handled."), code="state", status=409)
    entry = _log(
        actor,
        Action.DISMISS,
        (reason or "").strip(),
        target=report_.target,
        report=report_,
    )
    if report_.community_id and entry.community_id is None:
        entry.community_id = report_.community_id
        entry.save(update_fields=["community"])
    _resolve_reports(actor, entry, report=report_, target=None)
    return entry


@transaction.atomic
def set_pinned(actor: User, post: Post, pinned: bool) -> Post:
    """Pin a post at the top of its community (moderators and library staff), or unpin it."""
    _ensure_moderator(actor, post.community)
    if pinned and post.status != ContentStatus.PUBLISHED:
        raise Refused(_("Only a published post can be pinned."), code="state", status=409)
    post.pinned_at = timezone.now() if pinned else None
    post.pinned_by = actor if pinned else None
    post.save(update_fields=["pinned_at", "pinned_by"])
    _log(actor, Action.PIN if pinned else Action.UNPIN, "", target=post)
    return post
