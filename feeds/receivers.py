"""feeds reacting to community: notifications for waitlist promotions, event reminders and
purchase suggestions that arrived or were refused.

Connected in `FeedsConfig.ready`. The texts are written in the site's language (French),
whoever's request triggered them: a promotion happens when *someone else* cancels.
"""

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from cms.french import elide
from community.models import EventRegistration, PurchaseSuggestion
from community.signals import event_reminder_due, suggestion_decided, waitlist_promoted
from feeds.models import Notification
from feeds.notifications import notify, notify_many


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


@receiver(waitlist_promoted, dispatch_uid="feeds.waitlist_promoted")
def on_waitlist_promoted(sender, registration: EventRegistration, **kwargs) -> None:
    event = registration.event
    with translation.override(settings.LANGUAGE_CODE):
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
    notify(registration.user, Notification.Kind.WAITLIST_PROMOTED, title, body, event.url or "")


@receiver(event_reminder_due, dispatch_uid="feeds.event_reminder_due")
def on_event_reminder_due(sender, registration: EventRegistration, **kwargs) -> None:
    event = registration.event
    with translation.override(settings.LANGUAGE_CODE):
        params = _when_and_where(event)
        title = _("Reminder: “%(event)s” starts soon") % params
        body = (
            _(
                "See you on %(date)s, %(place)s, for “%(event)s”. If you can no longer come, "
                "please cancel your registration so that someone on the waitlist can take your place."
            )
            % params
        )
    notify(registration.user, Notification.Kind.EVENT_REMINDER, title, body, event.url or "")


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


@receiver(suggestion_decided, dispatch_uid="feeds.suggestion_decided")
def on_suggestion_decided(sender, suggestion_pk: int, **kwargs) -> None:
    suggestion = PurchaseSuggestion.objects.select_related("item").filter(pk=suggestion_pk).first()
    if suggestion is None:
        return
    supporters = [support.user for support in suggestion.supports.select_related("user")]
    if not supporters:
        return
    Status = PurchaseSuggestion.Status
    with translation.override(settings.LANGUAGE_CODE):
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
    notify_many(recipients, Notification.Kind.SUGGESTION, body, url)
