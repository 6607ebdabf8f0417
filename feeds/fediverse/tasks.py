"""Background tasks of the Fediverse (django-tasks). The logic lives in ``outbox`` and
``delivery``."""

from django_tasks import task


@task()
def deliver_activity(delivery_pk: int) -> str:
    from feeds.fediverse.delivery import deliver

    return deliver(delivery_pk)


@task()
def publish_on_fediverse(row_pk: int) -> str:
    """Fan one outbox row out to the follower servers (claims it first: safe to run twice)."""
    from feeds.fediverse.outbox import fan_out

    return fan_out(row_pk)
