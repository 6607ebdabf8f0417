"""One process of a kind at a time across machines: the scheduler's lock.

Two schedulers started by mistake (a second machine, a unit started twice, an upgrade that
overlaps) would send the digests and reminders twice. Each scheduler holds the lock of its
name before every round and stands by while another holds it; when the holder stops or
dies, a standby takes over at its next round.

- PostgreSQL: a session advisory lock on a connection of its own (not Django's, which jobs
  may close), released by PostgreSQL when that connection ends, a crash included.
- SQLite (one machine): an exclusive ``flock`` on a file beside the database, released by
  the kernel when the process ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path

from django.db import connections

logger = logging.getLogger(__name__)

# The libpq keywords Django's connection parameters may carry that a plain connection needs.
_LIBPQ_KEYS = {
    "dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert",
    "sslkey", "passfile", "service", "options", "application_name", "target_session_attrs",
}  # fmt: skip


class LeaderLock:
    def __init__(self, name: str, using: str = "default"):
        self.name = name
        self.using = using
        # advisory lock keys are 64-bit integers: a stable one from the name
        self.key = zlib.crc32(f"affinites:{name}".encode())
        self._pg = None
        self._file = None

    @property
    def vendor(self) -> str:
        return connections[self.using].vendor

    def hold(self) -> bool:
        """True when this process holds the lock (taking it if free); never waits."""
        if self.vendor == "postgresql":
            return self._hold_pg()
        return self._hold_file()

    def release(self) -> None:
        if self._pg is not None:
            self._pg.close()  # the session ends: PostgreSQL releases its advisory locks
            self._pg = None
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the flock
            self._file = None

    # --- PostgreSQL -----------------------------------------------------------------------

    def _hold_pg(self) -> bool:
        import psycopg

        if self._pg is not None:
            try:
                self._pg.execute("SELECT 1")
                return True
            except psycopg.Error:
                logger.warning("Lost the connection holding the %s lock", self.name)
                self._pg.close()
                self._pg = None
        params = connections[self.using].get_connection_params()
        conninfo = {k: v for k, v in params.items() if k in _LIBPQ_KEYS}
        conninfo.setdefault("connect_timeout", 5)
        try:
            conn = psycopg.connect(autocommit=True, **conninfo)
        except psycopg.Error as error:
            logger.warning("Cannot reach PostgreSQL for the %s lock: %s", self.name, error)
            return False
        try:
            (taken,) = conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        except psycopg.Error:
            conn.close()
            return False
        if taken:
            self._pg = conn
            return True
        conn.close()
        return False

    # --- SQLite: a file lock --------------------------------------------------------------

    def path(self) -> Path:
        database = str(connections[self.using].settings_dict["NAME"])
        if database.startswith("file:") or database == ":memory:" or not database:
            directory = Path(os.environ.get("TMPDIR", "/tmp"))
        else:
            directory = Path(database).resolve().parent
        return directory / f".affinites-{self.name}.lock"

    def _hold_file(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path(), "a+")  # noqa: SIM115  (kept open while the lock is held)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True
