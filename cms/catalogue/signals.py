"""Signals the catalogue sends (higher packages listen; cms never imports them).

- ``catalogue_items_written(sender=CatalogueItem, pks=[…])``: an import created, changed,
  restored or withdrew these items. Sent after the batch's transaction commits (the importer
  writes in bulk and sends no ``post_save``).
"""

from django.dispatch import Signal

catalogue_items_written = Signal()
