"""``manage.py run_task_worker``: the background task worker of the configured backend.

With REDIS_URL the tasks go to RQ (``rqworker`` with django-tasks-rq's job class), else to
the database queue (django-tasks-db's ``db_worker``). ``make serve`` runs it (deploy/Procfile).

RQ's worker exits when it loses Redis; this one waits for Redis to come back and starts
again (every 2 s), so a Redis restart needs no restart of the workers.
"""

import logging
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from redis import Redis
from redis.exceptions import RedisError

from cms.observability import queues as queues_module

logger = logging.getLogger("affinites.tasks.worker")

RETRY_SECONDS = 2


def redis_answers() -> bool:
    try:
        return bool(Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


class Command(BaseCommand):
    help = "Run the background task worker: RQ when REDIS_URL is set, else the database queue."

    def handle(self, *args, **options) -> None:
        backend = settings.TASKS["default"]
        queues = backend.get("QUEUES") or ["default"]
        if not queues_module.uses_rq():
            call_command("db_worker", queue_name=",".join(queues))
            return
        while True:
            try:
                call_command("rqworker", *queues, job_class="django_tasks_rq.Job")
                return
            except SystemExit as stop:
                # rqworker exits with 1 when Redis is unreachable; any other exit is final.
                if stop.code != 1 or redis_answers():
                    raise
            logger.warning("Redis unreachable: the task worker waits for it")
            while not redis_answers():
                time.sleep(RETRY_SECONDS)
            logger.warning("Redis is back: the task worker starts again")
