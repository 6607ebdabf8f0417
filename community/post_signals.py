"""The feed seam: signals community sends for the packages above it (community never imports
feeds; ``feeds/receivers.py`` listens). Both are sent *after the commit* of the action that
caused them (``cms.transactions.on_commit_send``), so receivers see committed rows and a
failing receiver never undoes the action.

- ``post_published(sender=Post, post=…)``: a post became visible in its community;
- ``post_withdrawn(sender=Post, post=…)``: it no longer is (hidden, deleted, held again).

The audience of a post is ``community.actions.posts.post_audience(post)``: members of the
community and followers of the author, minus anyone in a block with the author.

Notifications need no signal: the actions call ``community.notices`` on commit.
"""

from django.dispatch import Signal

post_published = Signal()
post_withdrawn = Signal()
