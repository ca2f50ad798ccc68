"""One consistent view of the database for a long read, such as a streamed export.

An export counts its spans, then reads its documents a few hundred at a time in separate
queries while the download streams, which can take minutes; reviewers and moderators go on
saving meanwhile. Read outside a transaction, each query would see the database as it is
at that moment, and the file would mix states: a W3C collection announcing more (or fewer)
annotations than it holds. ``read_snapshot`` makes every query inside it see the database
as it was at the first one, without holding up anyone's writes:

- **PostgreSQL**: a transaction whose first statement is ``SET TRANSACTION ISOLATION LEVEL
  REPEATABLE READ READ ONLY``. Repeatable read sees one snapshot, taken at the first query,
  for the whole transaction; it takes no locks that block writers, and read only makes any
  accidental write inside fail instead of happening.
- **SQLite**: the settings start every transaction with ``BEGIN IMMEDIATE``
  (``transaction_mode``), which takes the database's one write lock at once, so a plain
  ``transaction.atomic()`` around an export would make every reviewer's save wait, and
  fail after the busy timeout, for as long as the download lasts. In WAL mode a *read*
  transaction keeps the snapshot of its first read until it ends while writers go on
  committing, so this begins one with ``BEGIN DEFERRED`` on the connection itself and ends
  it with ``COMMIT``. Django is not told (it stays in autocommit mode), so nothing may
  write inside the block: Django's own ``BEGIN IMMEDIATE`` would fail there ("cannot start
  a transaction within a transaction").

Inside a transaction already (an ``atomic`` block, or a snapshot around this one), that
transaction is the snapshot, whatever its isolation, and nothing is changed. The block must
be entered and left in one thread, the one whose connection it uses; a generator that
reads inside it (a streamed download) must be closed, by the server when the client goes
away, for the transaction to end before the connection is reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

POSTGRESQL_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Every query inside sees the database as it was at the first one (see the module)."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(POSTGRESQL_SNAPSHOT)
            yield
        return
    if connection.vendor != "sqlite":
        with transaction.atomic(using=using):
            yield
        return
    connection.ensure_connection()
    raw = connection.connection
    if raw.in_transaction:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        # The connection may have been closed meanwhile, which ended the transaction.
        if connection.connection is raw and raw.in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
