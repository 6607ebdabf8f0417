"""``manage.py run_task_worker``: the background task worker of the configured backend.

With REDIS_URL the tasks go to RQ (``rqworker`` with django-tasks-rq's job class), else to
the database queue (django-tasks-db's ``db_worker``). ``make serve`` runs it (deploy/Procfile).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RQ_BACKEND = "django_tasks_rq.RQBackend"


class Command(BaseCommand):
    help = "Run the background task worker: RQ when REDIS_URL is set, else the database queue."

    def handle(self, *args, **options) -> None:
        backend = settings.TASKS["default"]
        queues = backend.get("QUEUES") or ["default"]
        if backend["BACKEND"] == RQ_BACKEND:
            call_command("rqworker", *queues, job_class="django_tasks_rq.Job")
        else:
            call_command("db_worker", queue_name=",".join(queues))
