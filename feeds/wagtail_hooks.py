"""Wagtail admin hooks of feeds (each feature keeps its hooks in its own module)."""

from feeds.syndication import admin_hooks as syndication_admin_hooks  # noqa: F401
