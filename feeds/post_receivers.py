"""feeds reacting to community life: notifications for mentions, replies and moderation.

Connected by importing this module from `FeedsConfig.ready` (``from feeds import
post_receivers``). The signals are sent after the commit by `community.actions` (see
`community.post_signals`); the texts are written in the site's language (French).

Feed entries for posts (``post_published`` / ``post_withdrawn``, audience
``community.actions.posts.post_audience``) belong to the feeds fan-out and are wired there.
"""

from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from community.markup import plain_excerpt
from community.models import ModerationAction
from community.post_signals import (
    comment_replied,
    content_moderated,
    member_mentioned,
    member_sanctioned,
    member_warned,
    report_resolved,
)
from feeds.models import Notification
from feeds.notifications import notify

MODERATION = Notification.Kind.MODERATION


def _french():
    return translation.override(settings.LANGUAGE_CODE)


@receiver(member_mentioned, dispatch_uid="feeds.member_mentioned")
def on_member_mentioned(sender, user, author, post, comment=None, **kwargs) -> None:
    target = comment or post
    with _french():
        params = {"name": author.public_name, "community": post.community.title}
        if comment is not None:
            title = _("%(name)s mentioned you in a comment in “%(community)s”") % params
        else:
            title = _("%(name)s mentioned you in “%(community)s”") % params
    notify(
        user,
        Notification.Kind.MENTION,
        title,
        plain_excerpt(target.body),
        target.get_absolute_url(),
    )


@receiver(comment_replied, dispatch_uid="feeds.comment_replied")
def on_comment_replied(sender, comment, recipient, **kwargs) -> None:
    with _french():
        params = {"name": comment.author.public_name, "community": comment.post.community.title}
        if comment.parent_id:
            title = _("%(name)s replied to your comment in “%(community)s”") % params
        else:
            title = _("%(name)s commented on your post in “%(community)s”") % params
    notify(
        recipient,
        Notification.Kind.REPLY,
        title,
        plain_excerpt(comment.body),
        comment.get_absolute_url(),
    )


@receiver(report_resolved, dispatch_uid="feeds.report_resolved")
def on_report_resolved(sender, report, action=None, **kwargs) -> None:
    with _french():
        title = _("Your report has been reviewed")
    notify(report.reporter, MODERATION, title, report.outcome, "")


@receiver(content_moderated, dispatch_uid="feeds.content_moderated")
def on_content_moderated(sender, action: ModerationAction, recipient, **kwargs) -> None:
    Action = ModerationAction.Action
    target = action.post if action.comment_id is None else action.comment
    url = target.get_absolute_url() if target is not None else ""
    with _french():
        titles = {
            Action.APPROVE: _("Your message was approved: it is now visible"),
            Action.HIDE: _("Your message was hidden by the moderators"),
            Action.DELETE: _("Your message was deleted by the moderators"),
            Action.RESTORE: _("Your message is visible again"),
        }
        title = titles.get(action.action)
        body = action.reason
        if action.reason and action.action in (Action.HIDE, Action.DELETE):
            body = _("Reason: %(reason)s") % {"reason": action.reason}
    if title is None:
        return
    if action.action in (Action.HIDE, Action.DELETE):
        url = ""
    notify(recipient, MODERATION, title, body, url)


@receiver(member_warned, dispatch_uid="feeds.member_warned")
def on_member_warned(sender, action: ModerationAction, user, **kwargs) -> None:
    with _french():
        title = _("A warning from the moderators")
        if action.community_id:
            title = _("A warning from the moderators of “%(community)s”") % {
                "community": action.community.title
            }
    notify(
        user, MODERATION, title, action.reason, action.community.url if action.community_id else ""
    )


@receiver(member_sanctioned, dispatch_uid="feeds.member_sanctioned")
def on_member_sanctioned(sender, sanction, action=None, **kwargs) -> None:
    with _french():
        params = {
            "community": sanction.community.title if sanction.community_id else "",
            "until": format_datetime(sanction.ends_at) if sanction.ends_at else "",
        }
        if sanction.kind == sanction.Kind.BAN:
            title = _("You are banned from “%(community)s”") % params
        elif sanction.community_id:
            title = _("You are suspended from “%(community)s” until %(until)s") % params
        else:
            title = _("Your account is suspended until %(until)s") % params
        body = _("Reason: %(reason)s") % {"reason": sanction.reason}
    notify(sanction.user, MODERATION, title, body, "")
