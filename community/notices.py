"""What each event of community life tells the member concerned: the notification's title,
text and link, in the site's language (French) whoever's request caused it (a promotion
happens when *someone else* cancels).

The actions call these once their transaction commits (``cms.transactions.on_commit``), so a
failing notification never undoes the action; the event reminder is the exception, written
in the transaction that marks the registration reminded (see ``community.tasks``).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from cms.french import elide
from community.markup import plain_excerpt
from community.models import EventRegistration, ModerationAction, Notification, PurchaseSuggestion
from community.notifications import notify, notify_many

Kind = Notification.Kind


def _french():
    return translation.override(settings.LANGUAGE_CODE)


# --- Events -----------------------------------------------------------------------------------


def _when_and_where(event) -> dict:
    start = timezone.localtime(event.start)
    place = event.branch.name
    if event.room:
        place = f"{place} ({event.room})"
    return {
        "event": event.title,
        "date": format_datetime(start),
        "place": place,
    }


def waitlist_promoted(registration: EventRegistration) -> None:
    """A waitlisted member got a place (someone cancelled, or the capacity grew)."""
    event = registration.event
    with _french():
        params = _when_and_where(event)
        title = _("A place opened up: you are registered for “%(event)s”") % params
        body = (
            _(
                "You were on the waitlist and a place became free: you are now registered for "
                "“%(event)s”, %(date)s, %(place)s. If you can no longer come, please cancel so "
                "that the next person gets the place."
            )
            % params
        )
    notify(registration.user, Kind.WAITLIST_PROMOTED, title, body, event.url or "")


def event_reminder(registration: EventRegistration) -> None:
    """A confirmed member's event starts within 24 hours."""
    event = registration.event
    with _french():
        params = _when_and_where(event)
        title = _("Reminder: “%(event)s” starts soon") % params
        body = (
            _(
                "See you on %(date)s, %(place)s, for “%(event)s”. If you can no longer come, "
                "please cancel your registration so that someone on the waitlist can take your place."
            )
            % params
        )
    notify(registration.user, Kind.EVENT_REMINDER, title, body, event.url or "")


# --- Purchase suggestions -----------------------------------------------------------------------


def _arrival_title(suggestion: PurchaseSuggestion, member, held_at: dict) -> str:
    """“Votre suggestion est arrivée à la Médiathèque …”: the member's own médiathèque when
    it holds the item, else the first that does."""
    branch = held_at.get(member.home_branch_id) or next(iter(held_at.values()), None)
    if branch is None:
        return _("Your suggestion “%(title)s” is in the collections") % {"title": suggestion.title}
    return elide(
        _("Your suggestion “%(title)s” has arrived at %(branch)s")
        % {"title": suggestion.title, "branch": branch.name}
    )


def suggestion_decided(suggestion_pk: int) -> None:
    """A purchase suggestion became available or was refused: its supporters are told."""
    suggestion = PurchaseSuggestion.objects.select_related("item").filter(pk=suggestion_pk).first()
    if suggestion is None:
        return
    supporters = [support.user for support in suggestion.supports.select_related("user")]
    if not supporters:
        return
    Status = PurchaseSuggestion.Status
    with _french():
        if suggestion.status == Status.AVAILABLE:
            item = suggestion.item
            held_at = {}
            url = reverse("community:suggestions")
            if item is not None:
                held_at = {h.branch_id: h.branch for h in item.holdings.select_related("branch")}
                url = reverse("search:item", args=[item.record_id])
            body = _("Open it to see where it is on the shelf and to reserve it.")
            recipients = [(m, _arrival_title(suggestion, m, held_at)) for m in supporters]
        elif suggestion.status == Status.REFUSED:
            title = _("Your suggestion “%(title)s” was not retained") % {"title": suggestion.title}
            body = _("The librarians’ reason: %(reason)s") % {"reason": suggestion.refusal_reason}
            recipients = [(m, title) for m in supporters]
            url = reverse("community:suggestions") + "?etat=refused"
        else:
            return
    notify_many(recipients, Kind.SUGGESTION, body, url)


# --- Posts and comments ---------------------------------------------------------------------------


def mentioned(user, author, post, comment=None) -> None:
    """`author` mentioned `user` in a post or a comment."""
    target = comment or post
    with _french():
        params = {"name": author.public_name, "community": post.community.title}
        if comment is not None:
            title = _("%(name)s mentioned you in a comment in “%(community)s”") % params
        else:
            title = _("%(name)s mentioned you in “%(community)s”") % params
    notify(user, Kind.MENTION, title, plain_excerpt(target.body), target.get_absolute_url())


def replied(comment, recipient) -> None:
    """A new comment answers `recipient`'s post or comment."""
    with _french():
        params = {"name": comment.author.public_name, "community": comment.post.community.title}
        if comment.parent_id:
            title = _("%(name)s replied to your comment in “%(community)s”") % params
        else:
            title = _("%(name)s commented on your post in “%(community)s”") % params
    notify(recipient, Kind.REPLY, title, plain_excerpt(comment.body), comment.get_absolute_url())


def topic_replied(comment, followers) -> None:
    """A new reply in a topic its followers follow (one insert for all of them)."""
    post = comment.post
    with _french():
        title = _("%(name)s replied in “%(topic)s”") % {
            "name": comment.author.public_name,
            "topic": post.topic_title,
        }
    notify_many(
        [(follower, title) for follower in followers],
        Kind.TOPIC_REPLY,
        plain_excerpt(comment.body),
        comment.get_absolute_url(),
    )


# --- Moderation -----------------------------------------------------------------------------------


def report_resolved(report) -> None:
    """The reporter hears that their report was reviewed, and its outcome."""
    with _french():
        title = _("Your report has been reviewed")
    notify(report.reporter, Kind.MODERATION, title, report.outcome, "")


def content_moderated(action: ModerationAction, recipient) -> None:
    """The author hears what the moderators did to their message."""
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
    notify(recipient, Kind.MODERATION, title, body, url)


def member_warned(action: ModerationAction, user) -> None:
    with _french():
        title = _("A warning from the moderators")
        if action.community_id:
            title = _("A warning from the moderators of “%(community)s”") % {
                "community": action.community.title
            }
    url = action.community.url if action.community_id else ""
    notify(user, Kind.MODERATION, title, action.reason, url)


def member_sanctioned(sanction) -> None:
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
    notify(sanction.user, Kind.MODERATION, title, body, "")
