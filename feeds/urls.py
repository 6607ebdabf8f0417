"""Feeds' public URLs, included at the site root before Wagtail's catch-all.

They all end in ``.ics``, so they cannot shadow a Wagtail page.
"""

from django.urls import path

from feeds import views

app_name = "feeds"

urlpatterns = [
    path("agenda/evenement/<int:page_id>.ics", views.event_calendar, name="event_calendar"),
    path(
        "mediatheques/<slug:branch_slug>/agenda.ics",
        views.branch_calendar,
        name="branch_calendar",
    ),
    path(
        "communautes/<int:page_id>/agenda.ics",
        views.community_calendar,
        name="community_calendar",
    ),
]
