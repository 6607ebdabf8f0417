"""Background task of the retention sweep (django-tasks API)."""

from django_tasks import task

from community.privacy.retention import run_retention


@task()
def purge_expired_data(force: bool = False) -> dict | None:
    """The daily retention sweep; returns its counts (None when it already ran today)."""
    log = run_retention(force=force)
    if log is None:
        return None
    return {
        "prospects_deleted": log.prospects_deleted,
        "consents_deleted": log.consents_deleted,
        "accounts_warned": log.accounts_warned,
        "warnings_cancelled": log.warnings_cancelled,
        "accounts_deleted": log.accounts_deleted,
        "sessions_deleted": log.sessions_deleted,
        "unmet_searches_deleted": log.unmet_searches_deleted,
        "failures": log.failures,
    }
