"""Background tasks (django-tasks) that keep the search index in step with the data."""

from django_tasks import task

from . import indexing


@task()
def sync_search_index(kind: str, ids: list[int]) -> dict:
    """Re-index the objects of `kind` with these ids (removing those no longer searchable)."""
    indexed, removed = indexing.sync(kind, ids)
    return {"kind": kind, "indexed": indexed, "removed": removed}


@task()
def refresh_interest_suggestions() -> None:
    """The interests proposed by the search box, after the taxonomy changed."""
    indexing.sync(indexing.INTERESTS, [])
