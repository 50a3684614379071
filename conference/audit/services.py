from flask_login import current_user
from sqlalchemy import bindparam, insert, select

from conference.audit.models import AuditEntry
from conference.database import request_connection, utcnow
from conference.extensions import db

# Inline: no RETURNING of the new id on PostgreSQL (nobody reads it back).
_INSERT = insert(AuditEntry.__table__).inline()
_COLUMNS = [column for column in AuditEntry.__table__.c if not column.primary_key]


def record(action, *, subject=None, event_id=None, user=None, **details):
    """Write an audit entry in the current transaction; the caller commits it with its change."""
    # A plain INSERT on the transaction's connection: audit entries are never read back in the
    # transaction that writes them, and a read-heavy staff page pays for one on every view.
    db.session.connection().execute(_INSERT, _values(action, subject, event_id, user, details))


def record_read(action, *, subject=None, event_id=None, user=None, only_if=None, **details):
    """Write the audit entry of a page that only reads personal data, committed at once on
    its own: one INSERT on the request's connection, with no transaction around it (see
    `request_connection`). Not for use inside a `transaction()` block.

    `only_if` is (a statement from `insert_where`, its condition's parameters): the entry is
    then written only if the condition holds as it is written, in the same statement. Returns
    whether the entry was written."""
    statement, parameters = only_if or (_INSERT, {})
    result = request_connection().execute(statement, _values(action, subject, event_id, user, details) | parameters)
    return result.rowcount == 1


def insert_where(condition):
    """An INSERT of an audit entry that writes it only where `condition` (a SQL expression with
    bind parameters of its own) holds: for `record_read(only_if=...)`. Build it once."""
    values = select(*(bindparam(column.key, type_=column.type) for column in _COLUMNS)).where(condition)
    statement = insert(AuditEntry.__table__).from_select([column.key for column in _COLUMNS], values).inline()
    # The row count of an INSERT is kept only when asked for (psycopg's is gone once SQLAlchemy
    # closes the cursor).
    return statement.execution_options(preserve_rowcount=True)


def _values(action, subject, event_id, user, details):
    user = user if user is not None else (current_user if current_user and current_user.is_authenticated else None)
    return dict(
        at=utcnow(),
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else "",
        action=action,
        event_id=event_id if event_id is not None else getattr(subject, "event_id", None),
        subject_type=type(subject).__name__.lower() if subject is not None else "",
        subject_id=getattr(subject, "id", None),
        details=details,
    )
