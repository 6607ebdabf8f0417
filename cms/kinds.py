"""The kinds of content the site shows in feeds and search results: one enumeration for
feeds (entries, "not interested" marks, ranking) and search (documents, the ``type`` filter,
the JSON API's ``kind``).

A value is stored (feed entries, search index rows, Elasticsearch documents) and public
(search URLs and JSON): renaming one needs a data migration and a reindex.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    """What a feed entry or a search document points at (its object id is the page, post
    or catalogue item id)."""

    ANNOUNCEMENT = "announcement", _("announcement")
    EVENT = "event", _("event")
    RECOMMENDATION = "recommendation", _("curated recommendations")
    # A catalogue item: "catalogue" is its name in search URLs (?type=catalogue) and JSON.
    ITEM = "catalogue", _("document")
    POST = "post", _("community post")
    # Searched, never placed in a feed.
    COMMUNITY = "community", _("community")
