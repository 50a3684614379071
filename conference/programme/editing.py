"""Changing the programme from the back office, under the rules the import keeps."""

from flask_babel import lazy_gettext as _l

from conference.audit.services import record
from conference.database import lock, transaction
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.programme.choices import programme_changed, promote_session_waiting
from conference.programme.models import SESSION_FIELDS, Room, Session, SessionChoice, Slot, Track
from conference.registration.notifications import queue_session_promotion


class ProgrammeError(DomainError):
    """A programme change the rules refuse."""


def add_track(*, event_id, name, colour):
    with transaction() as session:
        event = lock(Event, event_id)
        if any(track.name == name for track in event.tracks):
            raise ProgrammeError(_l("There is already a knowledge area with this name."), field="name")
        event.tracks.append(Track(name=name, colour=colour, sort_order=len(event.tracks)))
        session.flush()
        programme_changed(event_id)
        record("programme.track_added", event_id=event_id, name=name)


def add_room(*, event_id, name, capacity, accessibility_notes):
    with transaction() as session:
        event = lock(Event, event_id)
        if any(room.name == name for room in event.rooms):
            raise ProgrammeError(_l("There is already a room with this name."), field="name")
        event.rooms.append(Room(name=name, capacity=capacity, accessibility_notes=accessibility_notes))
        session.flush()
        programme_changed(event_id)
        record("programme.room_added", event_id=event_id, name=name)


def add_slot(*, event_id, label, starts_at, ends_at):
    if ends_at <= starts_at:
        raise ProgrammeError(_l("The slot must end after it starts."), field="ends_at")
    with transaction() as session:
        event = lock(Event, event_id)
        if any(slot.starts_at == starts_at for slot in event.slots):
            raise ProgrammeError(_l("Another slot starts at the same time."), field="starts_at")
        event.slots.append(Slot(label=label, starts_at=starts_at, ends_at=ends_at))
        session.flush()
        programme_changed(event_id)
        record("programme.slot_added", event_id=event_id, label=label)


def save_session(*, event_id, session_id=None, fields, track_ids, speakers, moderators):
    """Create or change a session; `speakers` and `moderators` are (name, organisation) pairs."""
    with transaction() as session:
        event = lock(Event, event_id)
        slot = _own(Slot, fields["slot_id"], event_id, "slot_id")
        room = _own(Room, fields["room_id"], event_id, "room_id") if fields["room_id"] else None
        tracks = [_own(Track, track_id, event_id, "track_ids") for track_id in track_ids]
        if session_id is None:
            item = Session(event=event)
            session.add(item)
        else:
            item = _own(Session, session_id, event_id, None)
            if item.slot_id != slot.id and _choices(item.id):
                raise ProgrammeError(
                    _l("Attendees have chosen this session, so it cannot move to another slot."), field="slot_id"
                )
        for name in SESSION_FIELDS:
            setattr(item, name, fields[name])
        item.slot, item.room, item.tracks = slot, room, tracks
        item.set_speakers(speakers, moderators)
        session.flush()
        promote_session_waiting(item, on_promotion=queue_session_promotion)  # more places for those in line
        programme_changed(event_id)
        record("programme.session_saved", subject=item, event_id=event_id, title=item.title)
    return item


def delete_session(*, event_id, session_id):
    with transaction() as session:
        lock(Event, event_id)
        item = _own(Session, session_id, event_id, None)
        if _choices(item.id):
            raise ProgrammeError(_l("Attendees have chosen this session; it cannot be removed."))
        session.delete(item)
        programme_changed(event_id)
        record("programme.session_deleted", event_id=event_id, title=item.title)


def _own(model, row_id, event_id, field):
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event_id:
        raise ProgrammeError(_l("That is not part of this event's programme."), field=field)
    return row


def _choices(session_id):
    return db.session.scalar(
        db.select(db.func.count()).select_from(SessionChoice).where(SessionChoice.session_id == session_id)
    )
