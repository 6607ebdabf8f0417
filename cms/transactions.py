"""Side effects after the commit: the one way the project runs tasks, signals and pushes.

House style: an action writes its rows in a transaction and everything that leaves the
database (a background task, a signal to another package, a websocket push, an email) runs
once that transaction commits, so it sees committed rows and nothing happens for a
rolled-back change. Outside a transaction the effect runs at once (Django's rule).

The effects are *robust*: a failure is logged (logger ``django.db.backends.base``, with
the callable's name), never raised into the code that committed, because the change itself
is done whatever happens to its consequences: rebuilds, sweepers and retries catch up.

- ``on_commit(func, *args, **kwargs)``: call ``func(*args, **kwargs)``;
- ``on_commit_enqueue(task, *args, **kwargs)``: ``task.enqueue(*args, **kwargs)``
  (django-tasks);
- ``on_commit_send(signal, sender, **kwargs)``: ``signal.send_robust(sender, **kwargs)``,
  so that every receiver runs even when one fails (Django logs the failures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

__all__ = ["on_commit", "on_commit_enqueue", "on_commit_send"]


def on_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` once the current transaction commits."""
    if not args and not kwargs and hasattr(func, "__qualname__"):
        transaction.on_commit(func, robust=True)
        return

    def effect() -> None:
        func(*args, **kwargs)

    # Django names a failing callable in its log line by ``__qualname__`` (a
    # ``functools.partial`` has none: the log call itself would fail).
    effect.__qualname__ = getattr(func, "__qualname__", repr(func))
    transaction.on_commit(effect, robust=True)


def on_commit_enqueue(task, *args: Any, **kwargs: Any) -> None:
    """Enqueue the django-tasks ``task`` with these arguments once the transaction commits."""
    on_commit(task.enqueue, *args, **kwargs)


def on_commit_send(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` to all its receivers once the transaction commits."""
    on_commit(signal.send_robust, sender, **kwargs)
