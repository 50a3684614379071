"""Units of work that hold their locks until commit, on SQLite and PostgreSQL alike.

PostgreSQL takes row locks with ``SELECT … FOR UPDATE``. SQLite has no row locks, so a
write transaction there starts with ``BEGIN IMMEDIATE``: it takes the database's write
lock at once, and a second writer waits (busy_timeout) instead of failing half-way.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g
from sqlalchemy import Enum, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

from conference.extensions import db

_begin_immediate = ContextVar("begin_immediate", default=False)
_REQUEST_CONNECTION = "_ting_request_connection"
# An execution option: on SQLite, the connection's statements run without BEGIN.
_NO_BEGIN = "ting_no_begin"
LOCKED_ROWS = "locked_rows"


def utcnow():
    """Naive UTC: what every DateTime column of Ting stores."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def transaction():
    """Run the block as one write transaction and commit it; roll back on any error.

    A read transaction the caller left open is ended first, so that the write lock is
    taken before anything is read inside the block.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    token = _begin_immediate.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _begin_immediate.reset(token)
    for callback in session.info.pop("after_commit", []):
        callback()


@contextmanager
def write_connection():
    """A bare connection for one write statement that is committed on its own, for hot paths
    that need no ORM session (the delivery worker's bookkeeping, one statement per message).
    PostgreSQL runs it in autocommit, one round trip instead of BEGIN, it and COMMIT; SQLite
    takes the write lock first, as every write transaction of Ting does."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    token = _begin_immediate.set(True)
    try:
        with db.engine.begin() as connection:
            yield connection
    finally:
        _begin_immediate.reset(token)


def read_first_row(statement, params):
    """The first row of `statement` with `params`, or None: a read that needs no transaction
    around it (the statement is committed on its own: PostgreSQL in autocommit, SQLite
    without BEGIN), on a connection given back to the pool at once, so that a request that
    goes on to write holds one connection at a time."""
    with db.engine.connect() as connection:
        return _without_transaction(connection).execute(statement, params).first()


def end_read_transaction():
    """End the ORM session's read transaction, if the request opened one, so that what it
    reads next is at least as new as what was just read on the request's connection (such as
    the versions a cached page is kept under): on SQLite a read transaction keeps the
    snapshot of its first read. Only where the request has written nothing through the session."""
    if db.session().in_transaction():
        db.session.rollback()


def request_connection():
    """This request's connection with no transaction around its statements: each one is
    committed on its own (PostgreSQL in autocommit, SQLite without BEGIN). For what a busy
    staff page needs on every view and that needs no snapshot: reading the signed-in user
    or an event's versions, and writing one row that stands alone, such as the audit entry
    of a page that only reads. No BEGIN or COMMIT (on PostgreSQL no round trip for either)
    and no ORM session. The connection is given back when the app context ends.

    Never write through it inside a `transaction()` block: on SQLite that transaction
    holds the write lock, and this connection would wait for it."""
    connection = g.get(_REQUEST_CONNECTION)
    if connection is None:
        connection = _without_transaction(db.engine.connect())
        setattr(g, _REQUEST_CONNECTION, connection)
    return connection


def _without_transaction(connection):
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection.execution_options(**{_NO_BEGIN: True})


def close_request_connection(_exception=None):
    """Give the request's connection back to the pool (teardown of the app context)."""
    connection = g.pop(_REQUEST_CONNECTION, None)
    if connection is not None:
        connection.close()


def after_commit(callback):
    """Call `callback` once the current `transaction()` has committed."""
    callbacks = db.session().info.setdefault("after_commit", [])
    if callback not in callbacks:
        callbacks.append(callback)


def lock(model, row_id):
    """Load one row and hold it until the transaction ends (a no-op lock on SQLite,
    where `transaction()` already holds the database's write lock)."""
    row = db.session.execute(
        db.select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    db.session().info.setdefault(LOCKED_ROWS, set()).add((model, row_id))
    return row


def lock_values(statement, model, row_id):
    """The values `statement` (a SELECT … FOR UPDATE, or an UPDATE … RETURNING, of one
    `model` row by `:row_id`) returns, the row held until the transaction ends like `lock`,
    without loading it into the ORM: for hot paths that need a few of its columns."""
    row = db.session.connection().execute(statement, {"row_id": row_id}).one()
    db.session().info.setdefault(LOCKED_ROWS, set()).add((model, row_id))
    return row


def serialize(name):
    """Hold the lock named `name` until the transaction ends: for changes that must not run at
    the same time even when they touch different rows. On PostgreSQL a transaction-level
    advisory lock; on SQLite `transaction()` holds the database's write lock already."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_ADVISORY_LOCK, {"name": name})


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:name))")


def locked_rows(session, model):
    """Ids of the `model` rows that the session's current transaction has locked."""
    return {row_id for locked_model, row_id in session.info.get(LOCKED_ROWS, ()) if locked_model is model}


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_locks(session, transaction):
    if transaction.parent is None:  # the outermost transaction: its locks are gone
        session.info.pop(LOCKED_ROWS, None)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.split(".")[0] not in {"sqlite3", "pysqlite2"}:
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name == "sqlite" and not connection.get_execution_options().get(_NO_BEGIN):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def enum_type(enum_class):
    """A portable column type that stores an enum's lower-case values as plain strings."""
    return Enum(
        enum_class,
        native_enum=False,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
