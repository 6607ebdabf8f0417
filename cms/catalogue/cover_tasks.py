"""Background cover fetching (django-tasks): after each import batch, and the catch-up run.

- After an import batch has committed (``catalogue_items_written``), the written items that
  are due for a cover (covers.due_items) are claimed and handed to ``fetch_covers_task`` in
  chunks of ``CHUNK``.
- ``manage.py fetch_covers`` (run by the scheduler) claims a bounded batch of due items:
  items imported before a cover service was configured, failures whose waiting time is over.
"""

from django_tasks import task

from cms.transactions import on_commit_enqueue

from .covers import claim_due, fetch_covers

CHUNK = 50


@task()
def fetch_covers_task(pks: list[int]) -> dict[str, int]:
    return fetch_covers(pks)


def enqueue_claimed(pks: list[int]) -> int:
    """Hand claimed items to the task, CHUNK at a time (on commit); how many."""
    for start in range(0, len(pks), CHUNK):
        on_commit_enqueue(fetch_covers_task, pks[start : start + CHUNK])
    return len(pks)


def covers_after_import(sender, pks, **kwargs) -> None:
    """Receiver of catalogue_items_written: look for the covers of the written items."""
    if pks:
        enqueue_claimed(claim_due(len(pks), pks=pks))
