"""Signals the community package sends, and the receivers it connects (from `CommunityConfig.ready`).

Sent (higher packages listen; community never imports them):

- ``waitlist_promoted(sender=EventRegistration, registration=…)``: a waitlisted member got a
  place because someone cancelled or the capacity grew. Sent after the commit.
- ``event_reminder_due(sender=EventRegistration, registration=…)``: a confirmed member's
  event starts within 24 hours. Sent once per registration, inside the transaction that
  marks it reminded, so a failing receiver leaves it due.

Received:

- ``post_save`` of ``cms.NetworkSettings`` → the editorial workflow follows the setting.
- Wagtail's ``page_published`` for an ``EventPage`` → free places (a larger capacity, no
  capacity any more) go to the waitlist.
"""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from wagtail.signals import page_published

from cms.models import EventPage, NetworkSettings

waitlist_promoted = Signal()
event_reminder_due = Signal()


@receiver(post_save, sender=NetworkSettings, dispatch_uid="community.editorial_workflow")
def network_settings_saved(sender, instance: NetworkSettings, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    from community.editorial import apply_editorial_workflow

    apply_editorial_workflow(instance.editorial_workflow)


@receiver(page_published, sender=EventPage, dispatch_uid="community.event_published")
def event_published(sender, instance: EventPage, **kwargs) -> None:
    from community.actions.events import fill_from_waitlist

    fill_from_waitlist(instance)
