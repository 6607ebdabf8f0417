"""``manage.py search_index``."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search.backends import get_backend
from search.models import SearchEntry

pytestmark = pytest.mark.django_db


def test_rebuild_with_progress_and_status(catalogue):
    SearchEntry.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("search_index", "--rebuild", "--progress", stdout=out, stderr=err)
    assert "9 documents indexed" in out.getvalue()
    assert "[" in err.getvalue() and "100 %" in err.getvalue()
    assert get_backend().search("dune").total == 1
    out = io.StringIO()
    call_command("search_index", "--status", stdout=out)
    assert "indexed: 9; indexable: 9" in out.getvalue()


def test_sync_some_objects(catalogue):
    item = catalogue["dune"]
    SearchEntry.objects.filter(object_id=item.pk).delete()
    out = io.StringIO()
    call_command("search_index", "--sync", "catalogue", str(item.pk), stdout=out)
    assert "1 indexed, 0 removed" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("search_index", "--sync", "nothing", "1")
