"""The connection budget: what the process set of ``make serve`` may hold at once on
PostgreSQL, against what the server accepts (run by ``migrate`` and ``check --database``).

    WEB_CONCURRENCY x DB_POOL_MAX_SIZE   web workers, each with its pool
  + TASK_WORKERS                         one connection each (no pool)
  + 1                                    the scheduler (no pool)
  + CONNECTION_HEADROOM                  migrations, manage.py commands, psql, backups
  <= max_connections - superuser_reserved_connections
"""

from django.conf import settings
from django.core import checks
from django.db import connections

CONNECTION_HEADROOM = 10


def web_worker_connections() -> int:
    """The most connections one web worker holds: its pool, or without a pool one per
    request running at once plus one for the websockets' database work."""
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if pool:
        return pool["max_size"]
    return settings.WEB_REQUESTS_PER_WORKER + 1


def connections_needed() -> int:
    return (
        settings.WEB_CONCURRENCY * web_worker_connections()
        + settings.TASK_WORKERS
        + 1
        + CONNECTION_HEADROOM
    )


@checks.register(checks.Tags.database)
def connection_budget(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    # Server settings: Django has no API to read them.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
        cursor.execute("SHOW superuser_reserved_connections")
        reserved = int(cursor.fetchone()[0])
    available = max_connections - reserved
    needed = connections_needed()
    if needed <= available:
        return []
    return [
        checks.Warning(
            f"The processes may open {needed} PostgreSQL connections, the server accepts "
            f"{available} ({max_connections} max_connections - {reserved} reserved).",
            hint=(
                f"{settings.WEB_CONCURRENCY} web workers (WEB_CONCURRENCY) x "
                f"{web_worker_connections()} (DB_POOL_MAX_SIZE) + {settings.TASK_WORKERS} "
                f"task workers (TASK_WORKERS) + 1 scheduler + {CONNECTION_HEADROOM} spare: "
                "lower DB_POOL_MAX_SIZE or WEB_CONCURRENCY, or raise max_connections."
            ),
            id="cms.W001",
        )
    ]
