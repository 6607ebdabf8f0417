"""How many background tasks wait, and for how long the oldest has waited, on whichever
backend runs them: RQ on Redis (REDIS_URL) or the database queue."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone


def queue_names() -> list[str]:
    return list(settings.TASKS["default"].get("QUEUES") or ["default"])


def uses_rq() -> bool:
    from django_tasks import task_backends
    from django_tasks_rq import RQBackend

    return isinstance(task_backends["default"], RQBackend)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=UTC)  # RQ stores UTC


def waiting(queue_name: str) -> tuple[int, datetime | None]:
    """(tasks waiting to run, when the oldest of them was enqueued) for one queue."""
    if uses_rq():
        import django_rq
        from rq.job import Job

        queue = django_rq.get_queue(queue_name)
        count = queue.count
        oldest = None
        first = queue.get_job_ids(0, 1)
        if first:
            job = Job.fetch(first[0], connection=queue.connection)
            oldest = _aware(job.enqueued_at)
        return count, oldest
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready().filter(queue_name=queue_name, backend_name="default")
    first = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return ready.count(), first


def fallback_waiting() -> tuple[int, datetime | None]:
    """Tasks kept in the database while Redis was unreachable, not yet moved back to RQ."""
    if "fallback" not in settings.TASKS:
        return 0, None
    from django_tasks_db.models import DBTaskResult

    kept = DBTaskResult.objects.ready().filter(backend_name="fallback")
    first = kept.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return kept.count(), first


def depth() -> int:
    """Tasks waiting on every queue (raises when the queue's store is unreachable)."""
    return sum(waiting(name)[0] for name in queue_names())
