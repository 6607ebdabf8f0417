"""``manage.py requeue_fallback_tasks``: the tasks kept in the database queue while Redis
was unreachable (cms/serving/degraded.py), moved back to RQ in the order they came, once
Redis answers. The scheduler runs it every minute; nothing to do without Redis."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import task_backends
from redis.exceptions import RedisError

from cms.serving.degraded import FALLBACK_BACKEND

BATCH = 500


class Command(BaseCommand):
    help = "Move the tasks kept in the database during a Redis outage back to RQ."

    def handle(self, *args, **options) -> None:
        if FALLBACK_BACKEND not in settings.TASKS:
            return
        from django_tasks_db.models import DBTaskResult

        backend = task_backends["default"]
        moved = 0
        while True:
            with transaction.atomic():
                rows = list(
                    DBTaskResult.objects.ready()
                    .filter(backend_name=FALLBACK_BACKEND)
                    .order_by("enqueued_at")
                    .select_for_update(skip_locked=True)[:BATCH]
                )
                if not rows:
                    break
                for row in rows:
                    task = import_string(row.task_path).using(
                        priority=row.priority, queue_name=row.queue_name, backend="default"
                    )
                    args = row.args_kwargs
                    try:
                        backend.enqueue_on_redis(task, args["args"], args["kwargs"])
                    except RedisError as error:
                        self.stderr.write(f"Redis still unreachable ({error}): {moved} moved")
                        break
                    row.delete()
                    moved += 1
                else:
                    continue
                break
        if moved:
            self.stdout.write(f"{moved} tasks kept during the Redis outage moved back to RQ")
