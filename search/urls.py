"""Search URLs (included from cms/urls.py before Wagtail's catch-all)."""

from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("recherche/", views.results, name="results"),
    path("recherche/notice/<text:record_id>/", views.item, name="item"),
    path("api/recherche/", views.api, name="api"),
    path("api/recherche/suggestions/", views.suggestions, name="suggestions"),
]
