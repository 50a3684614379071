"""Session choices. Every function here runs inside the caller's transaction, with the
event row already locked, so counting places and taking one cannot interleave."""

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm import selectinload

from conference.database import utcnow
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.programme.models import ChoiceStatus, Session, SessionChoice, Slot


class ChoiceError(DomainError):
    """A session choice the rules refuse."""


def choice_slots(event_id):
    """The slots in which an attendee chooses: those with parallel sessions, sessions loaded."""
    slots = db.session.scalars(
        db.select(Slot)
        .where(Slot.event_id == event_id)
        .order_by(Slot.starts_at)
        .options(selectinload(Slot.sessions).selectinload(Session.room))
    ).all()
    return [slot for slot in slots if len(slot.sessions) > 1]


def checked_sessions(event_id, session_ids):
    """The sessions behind `session_ids`, refused unless all are this event's, one per slot."""
    session_ids = set(session_ids)
    if not session_ids:
        return []
    sessions = db.session.scalars(
        db.select(Session).where(Session.id.in_(session_ids), Session.event_id == event_id)
    ).all()
    if len(sessions) != len(session_ids):
        raise ChoiceError(_l("One of the chosen sessions is not part of this event's programme."), field="sessions")
    slots = [session.slot_id for session in sessions]
    if len(slots) != len(set(slots)):
        raise ChoiceError(_l("You can choose only one session in each slot."), field="sessions")
    return sessions


def apply_choices(registration, sessions, *, on_promotion, now=None):
    """Make `sessions` the registration's choices: unchanged ones keep their place, a
    dropped one passes its place to the next in line, a new one is placed now."""
    wanted = {session.slot_id: session for session in sessions}
    freed = []
    for choice in list(registration.choices):
        if choice.slot_id in wanted and wanted[choice.slot_id].id == choice.session_id:
            del wanted[choice.slot_id]
            continue
        if choice.status == ChoiceStatus.CONFIRMED:
            freed.append(choice.session)
        registration.choices.remove(choice)
    db.session.flush()
    for slot_id, session in wanted.items():
        status, sequence = _placement(session, registration)
        registration.choices.append(
            SessionChoice(
                session=session, slot_id=slot_id, status=status, waitlist_seq=sequence, created_at=now or utcnow()
            )
        )
        db.session.flush()
    for session in freed:
        promote_session_waiting(session, on_promotion=on_promotion)


def place_pending_choices(registration):
    """Once a registration has a place at the event, its choices take theirs."""
    pending = [choice for choice in registration.choices if choice.status == ChoiceStatus.PENDING]
    for choice in pending:
        choice.status, choice.waitlist_seq = _placement(choice.session, registration)
        db.session.flush()


def promote_session_waiting(session, *, on_promotion):
    while _free_places(session) != 0:
        first = db.session.scalars(
            db.select(SessionChoice)
            .where(SessionChoice.session_id == session.id, SessionChoice.status == ChoiceStatus.WAITLISTED)
            .order_by(SessionChoice.waitlist_seq)
            .limit(1)
        ).first()
        if first is None:
            return
        first.status = ChoiceStatus.CONFIRMED
        first.waitlist_seq = None
        db.session.flush()
        on_promotion(first)


def session_fill(event_id):
    """Per session of the event: (confirmed, waiting), in one query."""
    rows = db.session.execute(
        db.select(SessionChoice.session_id, SessionChoice.status, func.count())
        .join(Session, Session.id == SessionChoice.session_id)
        .where(Session.event_id == event_id, SessionChoice.status != ChoiceStatus.PENDING)
        .group_by(SessionChoice.session_id, SessionChoice.status)
    )
    fill = defaultdict(lambda: [0, 0])
    for session_id, status, count in rows:
        fill[session_id][0 if status == ChoiceStatus.CONFIRMED else 1] = count
    return {session_id: tuple(counts) for session_id, counts in fill.items()}


def choice_position(choice):
    if choice.status != ChoiceStatus.WAITLISTED:
        return None
    return db.session.scalar(
        db.select(func.count())
        .select_from(SessionChoice)
        .where(
            SessionChoice.session_id == choice.session_id,
            SessionChoice.status == ChoiceStatus.WAITLISTED,
            SessionChoice.waitlist_seq <= choice.waitlist_seq,
        )
    )


def programme_changed(event_id):
    """The programme changed: cached programme pages of the event are stale from now on.
    (A change of choices needs no call: it bumps the event's registrations_version.)"""
    # Only this version: `updated_at` keys the pages that seat counts do not change.
    db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(programme_version=Event.programme_version + 1, updated_at=Event.updated_at)
    )


def _placement(session, registration):
    """(status, waiting-list sequence) for a new choice of `session`."""
    from conference.registration.models import RegistrationStatus

    if registration.status != RegistrationStatus.CONFIRMED:
        return ChoiceStatus.PENDING, None
    if _has_room(session):
        return ChoiceStatus.CONFIRMED, None
    highest = db.session.scalar(
        db.select(func.max(SessionChoice.waitlist_seq)).where(SessionChoice.session_id == session.id)
    )
    return ChoiceStatus.WAITLISTED, (highest or 0) + 1


def _fill_of(session_id):
    counts = dict(
        db.session.execute(
            db.select(SessionChoice.status, func.count())
            .where(SessionChoice.session_id == session_id)
            .group_by(SessionChoice.status)
        ).all()
    )
    return counts.get(ChoiceStatus.CONFIRMED, 0), counts.get(ChoiceStatus.WAITLISTED, 0)


def _free_places(session):
    capacity = session.effective_capacity
    if capacity is None:
        return None
    return max(capacity - _fill_of(session.id)[0], 0)


def _has_room(session):
    """A place is free in the session and nobody who came earlier waits for it."""
    capacity = session.effective_capacity
    if capacity is None:
        return True
    confirmed, waiting = _fill_of(session.id)
    return confirmed < capacity and waiting == 0
