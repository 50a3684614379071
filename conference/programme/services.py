"""Reading the programme: what the public pages, feeds and the attendee's agenda show."""

from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from conference.extensions import db
from conference.programme.choices import choice_position
from conference.programme.models import ChoiceStatus, Session, SessionChoice, Slot
from conference.programme.places import free_places


@dataclass
class AgendaItem:
    session: Session
    # None for a plenary session, which every attendee follows without choosing it.
    status: ChoiceStatus | None
    position: int | None = None


def programme(event_id):
    """The event's slots in time order, each with its sessions, rooms, tracks and speakers."""
    return db.session.scalars(
        db.select(Slot)
        .where(Slot.event_id == event_id)
        .order_by(Slot.starts_at)
        .options(
            selectinload(Slot.sessions).options(
                selectinload(Session.room), selectinload(Session.tracks), selectinload(Session.speakers)
            )
        )
    ).all()


def places_by_session(event_id, sessions):
    """Per session id: free places (None: no limit) and how many wait."""
    places = free_places(event_id)
    return {session.id: places.get(session.id, (None, 0)) for session in sessions}


def agenda(registration):
    """What the attendee follows, in time order: plenary sessions and their own choices."""
    chosen = {choice.slot_id: choice for choice in registration.choices}
    items = []
    for slot in programme(registration.event_id):
        if slot.id in chosen:
            choice = chosen[slot.id]
            items.append(AgendaItem(choice.session, choice.status, choice_position(choice)))
        elif len(slot.sessions) == 1:
            items.append(AgendaItem(slot.sessions[0], None))
    return items


def event_session(event_id, session_id):
    return db.session.scalars(
        db.select(Session)
        .where(Session.id == session_id, Session.event_id == event_id)
        .options(selectinload(Session.speakers), selectinload(Session.tracks), selectinload(Session.room))
    ).one_or_none()


def choices_of(registration_id):
    return db.session.scalars(db.select(SessionChoice).where(SessionChoice.registration_id == registration_id)).all()
