"""The journey toward the library: one signal for every step a person takes.

Any package may send ``journey_step`` (feeds and search too: they may import community).
Two listeners record it, each for its own purpose:

- ``community.outreach`` counts the funnel in aggregate, attributed to a source
  (partner, Facebook via UTM, direct, search), without storing who did it;
- ``community.interactions`` keeps a member's interactions with catalogue items
  (for the collection recommender), only for logged-in members.

Send it with ``send_journey_step(step, ...)`` from an action, after the commit.

Keyword arguments: ``step`` (one of ``Step``), ``request`` (HttpRequest or None),
``member`` (User or None), ``branch`` (cms Branch or None), ``interests`` (list of cms
Interest, may be empty), ``item`` (cms CatalogueItem or None), ``source`` (str or None: a
partner slug, "facebook", "search", "direct"; None lets the listener derive it from the
request/session).
"""

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from cms.transactions import on_commit_send

journey_step = Signal()


class Step(models.TextChoices):
    WIDGET_SHOWN = "widget_shown", _("Widget shown")
    QUESTIONNAIRE_ANSWERED = "questionnaire_answered", _("Questionnaire answered")
    # Double opt-in: asked in the questionnaire, then confirmed from the email sent.
    CONSENT_REQUESTED = "consent_requested", _("Consent asked (awaiting confirmation)")
    CONSENT_GIVEN = "consent_given", _("Consent confirmed")
    ACCOUNT_CREATED = "account_created", _("Account created")
    COMMUNITY_JOINED = "community_joined", _("Community joined")
    FEED_ENTRY_OPENED = "feed_entry_opened", _("Feed entry opened")
    EVENT_REGISTRATION = "event_registration", _("Event registration")
    CARD_SIGNUP_CLICKED = "card_signup_clicked", _("Library card sign-up link clicked")
    RESERVATION_CLICKED = "reservation_clicked", _("Reservation link clicked")


def send_journey_step(
    step: str,
    *,
    request=None,
    member=None,
    branch=None,
    interests=None,
    item=None,
    source: str | None = None,
    sender=None,
) -> None:
    """Send ``journey_step`` once the current transaction commits (at once outside one)."""
    on_commit_send(
        journey_step,
        sender or Step,
        step=step,
        request=request,
        member=member,
        branch=branch,
        interests=list(interests or []),
        item=item,
        source=source,
    )
