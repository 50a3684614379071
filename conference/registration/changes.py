"""Every change to an event's registrations or session choices bumps the event's
`registrations_version`, so that cached staff pages keyed by it are stale at once in every
process. It listens to the ORM's flushes and UPDATE/DELETE statements instead of asking
each service to remember.

On PostgreSQL the bump is an UPDATE of the event row, which waits for that row's lock. A
transaction that already holds the lock (it took it with `lock(Event, …)` before anything
else) bumps in place. One that does not (a check-in locks only the registration) must not
wait for the event row while holding another row, or it could deadlock with a transaction
that locks the event first and then that registration; it bumps in a transaction of its own
right after its commit. Either way, a page cached under the old version can only have been
read before the change was committed, and the next view renders afresh.
"""

from itertools import chain

from sqlalchemy import bindparam, select, update
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session as OrmSession

from conference.database import locked_rows
from conference.events.models import Event
from conference.extensions import db
from conference.programme.models import Session, SessionChoice
from conference.registration.models import Registration

PENDING_BUMPS = "registrations_version_after_commit"


def _bump(connection_or_session, event_ids):
    connection_or_session.execute(
        update(Event)
        .where(Event.id.in_(sorted(event_ids)))
        # Only this version: `updated_at` keys the public pages, which a registration does not change.
        .values(registrations_version=Event.registrations_version + 1, updated_at=Event.updated_at)
        # No loaded Event needs the new number in this transaction.
        .execution_options(synchronize_session=False)
    )


def bumping(*columns):
    """An UPDATE of one event (`:row_id`) that bumps its registrations_version and returns
    `columns` of it, for a service that writes registrations with plain statements, which the
    listeners below do not see. It takes the row's lock on PostgreSQL, as `lock` would."""
    return (
        update(Event.__table__)
        .where(Event.id == bindparam("row_id"))
        .values(registrations_version=Event.registrations_version + 1, updated_at=Event.updated_at)
        .returning(*columns)
    )


def _changed_event_ids(session):
    event_ids = set()
    with session.no_autoflush:
        for instance in chain(session.new, session.dirty, session.deleted):
            # A new row may know its parent only through the relationship until the flush.
            if isinstance(instance, Registration):
                event_ids.add(instance.event_id or instance.event.id)
            elif isinstance(instance, SessionChoice):
                event_ids.add(instance.session.event_id)
    return event_ids


@sqlalchemy_event.listens_for(OrmSession, "before_flush")
def _note_changes(session, flush_context, instances):
    _changed(session, _changed_event_ids(session))


@sqlalchemy_event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_changes(state):
    """UPDATE and DELETE statements bypass the flush: find the events of the rows they hit."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model, where = state.bind_mapper.class_, state.statement.whereclause
    if model is Registration:
        query = select(Registration.event_id)
    elif model is SessionChoice:
        query = select(Session.event_id).join(SessionChoice, SessionChoice.session_id == Session.id)
    else:
        return
    if where is not None:
        query = query.where(where)
    _changed(state.session, set(state.session.scalars(query.distinct())))


def _changed(session, event_ids):
    event_ids.discard(None)
    if not event_ids:
        return
    # SQLite: the transaction holds the database's write lock already.
    sqlite = session.get_bind().dialect.name == "sqlite"
    in_place = event_ids if sqlite else event_ids & locked_rows(session, Event)
    if in_place:
        _bump(session, in_place)
    if later := event_ids - in_place:
        session.info.setdefault(PENDING_BUMPS, set()).update(later)


@sqlalchemy_event.listens_for(OrmSession, "after_commit")
def _bump_after_commit(session):
    event_ids = session.info.pop(PENDING_BUMPS, None)
    if event_ids:
        with db.engine.begin() as connection:
            _bump(connection, event_ids)


@sqlalchemy_event.listens_for(OrmSession, "after_soft_rollback")
def _forget_changes(session, previous_transaction):
    session.info.pop(PENDING_BUMPS, None)
