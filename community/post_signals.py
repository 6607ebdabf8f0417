"""Signals of community life: the seam between community and the packages above it.

community never imports feeds; feeds (``feeds/post_receivers.py``) listens to these and
turns them into notifications and feed entries. Every signal is sent *after the commit* of
the action that caused it (``transaction.on_commit``), so receivers see committed rows and
a failing receiver never undoes the action.

Feed seam (issue "Personalised feeds"): ``post_published`` says a post became visible in
its community; ``post_withdrawn`` says it no longer is (hidden, deleted, held again). Its
audience is ``community.actions.posts.post_audience(post)``: members of the community and
followers of the author, minus anyone in a block with the author.

================================  ==============================================================
signal                            keyword arguments
================================  ==============================================================
``post_published``                ``post``
``post_withdrawn``                ``post``
``comment_published``             ``comment``
``member_mentioned``              ``user`` (mentioned), ``author``, ``post``, ``comment`` or None
``comment_replied``               ``comment`` (the new one), ``recipient`` (author replied to)
``content_moderated``             ``action`` (ModerationAction), ``recipient`` (content author)
``member_warned``                 ``action`` (ModerationAction), ``user``
``member_sanctioned``             ``sanction``, ``action``
``report_resolved``               ``report``, ``action`` (ModerationAction or None)
``member_followed``               ``follower``, ``followed``
================================  ==============================================================
"""

from functools import partial

from django.db import transaction
from django.dispatch import Signal

post_published = Signal()
post_withdrawn = Signal()
comment_published = Signal()
member_mentioned = Signal()
comment_replied = Signal()
content_moderated = Signal()
member_warned = Signal()
member_sanctioned = Signal()
report_resolved = Signal()
member_followed = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs), robust=True)
