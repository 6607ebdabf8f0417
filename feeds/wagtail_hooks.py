"""Wagtail admin hooks of feeds (each feature keeps its hooks in its own module)."""

from feeds.fediverse import admin_hooks as fediverse_admin_hooks  # noqa: F401
from feeds.syndication import admin_hooks as syndication_admin_hooks  # noqa: F401
