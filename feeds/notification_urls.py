"""Notification URLs; the root URLconf includes them with `path("", include(...))`."""

from django.urls import path

from feeds import notification_views as views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/tout-lu/", views.notification_mark_all_read, name="mark_all_read"),
    path("notifications/<id:notification_id>/", views.notification_open, name="open"),
]
