"""Feed blocks for other packages' templates (templates may use them; Python never imports
feeds from below). ``{% load feed_tags %}`` then ``{% community_feed page %}``."""

from datetime import datetime
from functools import lru_cache

from django import template
from django.template.defaultfilters import date
from django.utils.translation import get_language

from cms.kinds import FeedKind
from feeds.feed.samples import community_sample

register = template.Library()


@register.inclusion_tag("feeds/includes/community_feed.html", takes_context=True)
def community_feed(context, community, limit: int = 8) -> dict:
    """A community's feed: library content for its interests and its recent posts."""
    request = context.get("request")
    # The page lists the community's posts right below: the feed here shows what the
    # library has for the community, without repeating the discussion.
    cards = community_sample(community, limit=limit + 10, request=request)
    return {
        "cards": [card for card in cards if card.kind != FeedKind.POST][:limit],
        "request": request,
    }


@register.filter(expects_localtime=True, is_safe=False)
def card_date(value, arg=None):
    """Django's ``date`` filter, remembered: the cards of a feed page show the same few
    dates to every member (the result depends on the instant, its time zone, the format
    and the language, all in the key)."""
    if value in (None, ""):
        return ""
    offset = value.utcoffset() if isinstance(value, datetime) else None
    return _card_date(value, offset, str(getattr(value, "tzinfo", "")), arg, get_language())


@lru_cache(maxsize=4096)
def _card_date(value, offset, tzname, arg, language) -> str:
    return date(value, arg)
