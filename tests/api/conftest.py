import pytest
from django.core.cache import cache

from .world import build_world


@pytest.fixture
def world(db):
    cache.clear()  # quotas live in the cache
    return build_world()
