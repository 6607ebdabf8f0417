"""Links to the RSS/Atom feeds and the iCal calendar of a community or a branch.

{% load web_feed_tags %}
{% web_feed_head_links "community" page %}   → <link rel="alternate"> tags for <head>
{% web_feed_subscribe_links "branch" branch %} → the visible "Subscribe" link group
"""

from django import template
from django.urls import reverse

from cms.links import absolute_url

register = template.Library()

ROUTES = {
    "community": ("feeds:community_rss", "feeds:community_atom", "feeds:community_calendar"),
    "branch": ("feeds:branch_rss", "feeds:branch_atom", "feeds:branch_calendar"),
}


def feed_links(request, kind: str, subject) -> dict:
    """Absolute addresses: {name, rss, atom, ics, webcal}. `subject`: a community page or a
    Branch."""
    rss, atom, calendar = ROUTES[kind]
    key = subject.pk if kind == "community" else subject.slug

    def absolute(name: str) -> str:
        path = reverse(name, args=[key])
        if request is not None:
            return request.build_absolute_uri(path)
        return absolute_url(path)

    ics = absolute(calendar)
    return {
        "name": getattr(subject, "title", None) or subject.name,
        "rss": absolute(rss),
        "atom": absolute(atom),
        "ics": ics,
        "webcal": "webcal://" + ics.split("://", 1)[1],
    }


@register.inclusion_tag("feeds/includes/web_feed_head.html", takes_context=True)
def web_feed_head_links(context, kind: str, subject) -> dict:
    return {"links": feed_links(context.get("request"), kind, subject)}


@register.inclusion_tag("feeds/includes/web_feed_subscribe.html", takes_context=True)
def web_feed_subscribe_links(context, kind: str, subject) -> dict:
    return {"links": feed_links(context.get("request"), kind, subject), "kind": kind}
