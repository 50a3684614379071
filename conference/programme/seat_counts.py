"""Each session row keeps how many choices of it are confirmed and waiting, so that pages
showing free places read 200 rows instead of counting 80,000 choices. The counts are
recounted from the choices, in the same transaction, whenever a flush or an UPDATE/DELETE
statement touches a session's choices: they are exact, never adjusted by hand.

The rules themselves (a place is free, the first in line moves up) count the choices
directly, under the event's lock (programme/choices.py); these columns are for showing."""

from itertools import chain

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session as OrmSession

from conference.programme.models import ChoiceStatus, Session, SessionChoice

TO_RECOUNT = "sessions_to_recount"


def _count(status):
    return (
        select(func.count())
        .select_from(SessionChoice)
        .where(SessionChoice.session_id == Session.id, SessionChoice.status == status)
        .scalar_subquery()
    )


_RECOUNT = update(Session).values(
    confirmed_count=_count(ChoiceStatus.CONFIRMED), waitlisted_count=_count(ChoiceStatus.WAITLISTED)
)


def recount(connection, session_ids):
    connection.execute(_RECOUNT.where(Session.id.in_(sorted(session_ids))))


@sqlalchemy_event.listens_for(OrmSession, "before_flush")
def _note_changed_choices(session, flush_context, instances):
    session_ids = set()
    with session.no_autoflush:
        for instance in chain(session.new, session.dirty, session.deleted):
            if isinstance(instance, SessionChoice):
                # A new choice may know its session only through the relationship until the flush.
                session_ids.add(instance.session_id or instance.session.id)
                session_ids.update(inspect(instance).attrs.session_id.history.deleted)
    session_ids.discard(None)
    if session_ids:
        session.info.setdefault(TO_RECOUNT, set()).update(session_ids)


@sqlalchemy_event.listens_for(OrmSession, "after_flush_postexec")
def _recount_after_flush(session, flush_context):
    _recount_noted(session)


@sqlalchemy_event.listens_for(OrmSession, "do_orm_execute")
def _note_statement(state):
    """UPDATE and DELETE statements on the choices bypass the flush: their sessions are
    recounted at the next flush or at the commit, after the statement has run."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if state.bind_mapper.class_ is not SessionChoice:
        return
    query = select(SessionChoice.session_id).distinct()
    if state.statement.whereclause is not None:
        query = query.where(state.statement.whereclause)
    session_ids = set(state.session.scalars(query))
    if session_ids:
        state.session.info.setdefault(TO_RECOUNT, set()).update(session_ids)


@sqlalchemy_event.listens_for(OrmSession, "before_commit")
def _recount_before_commit(session):
    _recount_noted(session)


@sqlalchemy_event.listens_for(OrmSession, "after_soft_rollback")
def _forget(session, previous_transaction):
    session.info.pop(TO_RECOUNT, None)


def _recount_noted(session):
    session_ids = session.info.pop(TO_RECOUNT, None)
    if session_ids:
        recount(session.connection(), session_ids)
