"""feeds reacting to community: notifications for waitlist promotions and event reminders.

Connected in `FeedsConfig.ready`. The texts are written in the site's language (French),
whoever's request triggered them: a promotion happens when *someone else* cancels.
"""

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from community.models import EventRegistration
from community.signals import event_reminder_due, waitlist_promoted
from feeds.models import Notification
from feeds.notifications import notify


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
