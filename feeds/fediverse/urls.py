"""The Fediverse's addresses: WebFinger and NodeInfo at the site root, the actors under /ap/."""

from django.urls import path

from feeds.fediverse import inbox, views

app_name = "fediverse"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo_links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("ap/inbox", inbox.shared_inbox, name="shared_inbox"),
    path("ap/<slug:username>/", views.actor, name="actor"),
    path("ap/<slug:username>/inbox", inbox.actor_inbox, name="inbox"),
    path("ap/<slug:username>/outbox", views.outbox, name="outbox"),
    path("ap/<slug:username>/followers", views.followers, name="followers"),
    path("ap/<slug:username>/objets/<id:page_id>", views.page_object, name="object"),
    path(
        "ap/<slug:username>/objets/<id:page_id>/activite",
        views.page_activity,
        name="activity",
    ),
]
