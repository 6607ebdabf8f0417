"""Background tasks of the weekly digest (django-tasks API).

``send_weekly_digests`` enqueues one ``send_member_digest`` per member who opted in and has
not had this week's digest: on django-tasks-rq, workers on several machines share them; a
member is never sent two (``DigestDelivery`` is claimed first). The scheduler enqueues the
sweep once a week (``send_digests --if-due``, from ``run_scheduler``).
"""

from django.utils import timezone
from django_tasks import task

from feeds import digest


@task()
def send_member_digest(user_id: int) -> bool:
    return digest.send_digest(user_id)


@task()
def send_weekly_digests() -> int:
    """Enqueue a digest for every pending member; returns how many were enqueued."""
    pending = digest.pending_recipient_ids(digest.week_of(timezone.localdate()))
    for user_id in pending:
        send_member_digest.enqueue(user_id)
    return len(pending)
