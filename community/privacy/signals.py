"""Signals other packages listen to when a member leaves.

- ``account_deleting(sender=User, user, keep_posts)``: inside the deletion's transaction,
  before anything is removed (the member's rows are still there);
- ``account_deleted(sender=User, user_id)``: once the deletion has committed. Stores kept
  outside the database (a Redis feed store…) drop what they hold for ``user_id`` here.
- ``content_erased(sender=User, rows)``: inside the deletion's transaction, once every
  row is written: ``rows`` maps model labels ("community.Post") to the primary keys of
  the rows whose text was rewritten (the member's identifiers replaced) or that were
  deleted. Copies of those texts (the search index) are refreshed from the tables here.
"""

from django.dispatch import Signal

account_deleting = Signal()
account_deleted = Signal()
content_erased = Signal()
