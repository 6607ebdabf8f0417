"""Shared data for the feed tests (ranking, fan-out, pages, real time)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import FollowedInterest
from feeds.store import get_store
from tests.conftest import make_user


def follow(user, *interests):
    for interest in interests:
        FollowedInterest.objects.get_or_create(user=user, interest=interest)


def make_member(email=None, *, interests=(), home=None, lat=None, lon=None, **kwargs):
    user = make_user(email, home_branch=home, latitude=lat, longitude=lon, **kwargs)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    follow(user, *interests)
    return user


def soon(days=3, hours=0):
    return timezone.now() + timedelta(days=days, hours=hours)


@pytest.fixture
def store(settings):
    """The configured store, emptied before and after the test."""
    store = get_store()
    store.clear()
    yield store
    store.clear()


@pytest.fixture
def sf_member(taxonomy, branches):
    """Lives in Aubagne, home branch Marcel Pagnol, follows Science-fiction."""
    return make_member(
        "sf@example.org",
        interests=[taxonomy["sf"]],
        home=branches["aubagne"],
        lat=43.2925,
        lon=5.5693,
    )
