"""Only one `load_content` at a time.

A load runs in one transaction that first takes a lock: on PostgreSQL a
transaction-level advisory lock, on SQLite the database's own write lock (taken
by a write that changes nothing, so a second writer waits on SQLite's busy
timeout). Either lock ends with the transaction. A second run waits for the
first to commit and then finds the content already loaded; once `wait` seconds
have passed it stops with a clear message instead.
"""

import time

from django.db import OperationalError, connection, transaction

from ..models import BundleState

# Any constant 64-bit number, the same in every process: the advisory lock's name.
ADVISORY_LOCK_ID = 7_112_560_104_401_001


class Busy(Exception):
    """Another load holds the lock."""


def take_lock():
    """Take the load lock inside the current transaction, or raise Busy."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])
            if not cursor.fetchone()[0]:
                raise Busy
        elif connection.vendor == "sqlite":
            table = connection.ops.quote_name(BundleState._meta.db_table)
            # Wait a second at a time, so that a waiting run can say so.
            cursor.execute("PRAGMA busy_timeout")
            timeout = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 1000")
            try:
                cursor.execute(f"UPDATE {table} SET id = id WHERE 0 = 1")
            except OperationalError as error:
                if "locked" in str(error):
                    raise Busy from None
                raise
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        # The project runs on PostgreSQL and SQLite only (see docs/deployment.md).


def run_exclusively(work, *, wait, on_wait=None):
    """Run `work()` in a transaction holding the load lock and return its result.

    Wait up to `wait` seconds for another holder (calling `on_wait()` once);
    then raise Busy.
    """
    deadline = time.monotonic() + wait
    waiting = False
    while True:
        try:
            with transaction.atomic():
                take_lock()
                return work()
        except Busy:
            if time.monotonic() >= deadline:
                raise
            if not waiting and on_wait is not None:
                on_wait()
            waiting = True
            time.sleep(0.2)
