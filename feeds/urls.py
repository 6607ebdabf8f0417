"""Feeds' public URLs, included at the site root before Wagtail's catch-all.

The calendars end in ``.ics``, the RSS/Atom feeds in ``.xml`` (a Wagtail slug has no dot, so
neither can shadow a page); the feed lives under ``/fil/`` (keep no Wagtail page there).
"""

from django.urls import path
from django.views.decorators.cache import cache_control

from feeds import feed_views, views, web_feeds

app_name = "feeds"

urlpatterns = [
    path("fil/", feed_views.feed, name="feed"),
    path("fil/pas-interesse/", feed_views.not_interested, name="not_interested"),
    path("fil/pas-interesse/annuler/", feed_views.undo_not_interested, name="undo_not_interested"),
    path("fil/decouvrir/", feed_views.discover, name="discover"),
    path("fil/ouvrir/", feed_views.open_entry, name="open_entry"),
    path("agenda.ics", views.agenda_calendar, name="agenda_calendar"),
    path("agenda/evenement/<id:page_id>.ics", views.event_calendar, name="event_calendar"),
    path(
        "mediatheques/<slug:branch_slug>/agenda.ics",
        views.branch_calendar,
        name="branch_calendar",
    ),
    path(
        "communautes/<id:page_id>/agenda.ics",
        views.community_calendar,
        name="community_calendar",
    ),
    path(
        "communautes/<id:page_id>/rss.xml",
        cache_control(max_age=900)(web_feeds.CommunityFeed()),
        name="community_rss",
    ),
    path(
        "communautes/<id:page_id>/atom.xml",
        cache_control(max_age=900)(web_feeds.CommunityAtomFeed()),
        name="community_atom",
    ),
    path(
        "mediatheques/<slug:branch_slug>/rss.xml",
        cache_control(max_age=900)(web_feeds.BranchFeed()),
        name="branch_rss",
    ),
    path(
        "mediatheques/<slug:branch_slug>/atom.xml",
        cache_control(max_age=900)(web_feeds.BranchAtomFeed()),
        name="branch_atom",
    ),
]
