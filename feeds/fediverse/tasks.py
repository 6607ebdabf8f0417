"""Background tasks of the Fediverse (django-tasks). The logic lives in ``delivery``."""

from django_tasks import task


@task()
def deliver_activity(delivery_pk: int) -> str:
    from feeds.fediverse.delivery import deliver

    return deliver(delivery_pk)


@task()
def announce_page(page_pk: int) -> int:
    from feeds.fediverse.publication import announce

    return announce(page_pk)


@task()
def withdraw_page(page_pk: int) -> int:
    from feeds.fediverse.publication import withdraw

    return withdraw(page_pk)
