"""Feed blocks for other packages' templates (templates may use them; Python never imports
feeds from below). ``{% load feed_tags %}`` then ``{% community_feed page %}``."""

from django import template

from feeds.entry_links import open_url
from feeds.feed import community_sample

register = template.Library()


@register.inclusion_tag("feeds/includes/community_feed.html", takes_context=True)
def community_feed(context, community, limit: int = 8) -> dict:
    """A community's feed: library content for its interests and its recent posts."""
    request = context.get("request")
    # The page lists the community's posts right below: the feed here shows what the
    # library has for the community, without repeating the discussion.
    cards = community_sample(community, limit=limit + 10, request=request)
    return {
        "cards": [card for card in cards if card.kind != "post"][:limit],
        "request": request,
    }


@register.filter
def feed_open_url(card) -> str:
    """The card's link through the counted "feed entry opened" click-through."""
    return open_url(card.kind, card.entry.object_id, card.url)
