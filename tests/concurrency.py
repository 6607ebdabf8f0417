"""Running a few functions at the same moment, each in its own thread with its own database
connection, for the tests that check a row lock or a constraint under real concurrency
(PostgreSQL: SQLite serialises write transactions anyway)."""

import threading
from collections.abc import Callable

from django.db import connection


def run_together(workers: list[Callable[[], object]]) -> list[Exception]:
    """Start every worker at once (behind a barrier) and wait for all; returns the errors
    they raised, so a test asserts on them instead of losing them in a thread."""
    barrier = threading.Barrier(len(workers))
    errors: list[Exception] = []

    def run(worker) -> None:
        try:
            barrier.wait()
            worker()
        except Exception as error:  # reported to the caller
            errors.append(error)
        finally:
            connection.close()  # the thread's own connection

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
