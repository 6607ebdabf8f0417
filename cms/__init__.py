"""Affinités CMS layer: the Wagtail site, interests, branches and shared page types."""
