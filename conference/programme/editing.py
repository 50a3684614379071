"""Changing the programme from the back office, under the rules the import keeps."""

from flask_babel import lazy_gettext as _l

from conference.audit.services import record
from conference.database import lock, transaction
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.programme.choices import programme_changed, promote_session_waiting, session_fill
from conference.programme.models import SESSION_FIELDS, Room, Session, SessionChoice, Slot, Track
from conference.registration.notifications import queue_session_promotion


class ProgrammeError(DomainError):
    """A programme change the rules refuse."""


def add_track(*, event_id, name, colour):
    with transaction() as session:
        event = lock(Event, event_id)
        _unique_track_name(event, name)
        # After a removal the count of knowledge areas may already be some area's place.
        last = max((track.sort_order for track in event.tracks), default=-1)
        event.tracks.append(Track(name=name, colour=colour, sort_order=last + 1))
        session.flush()
        programme_changed(event_id)
        record("programme.track_added", event_id=event_id, name=name)


def add_room(*, event_id, name, capacity, accessibility_notes):
    with transaction() as session:
        event = lock(Event, event_id)
        _unique_room_name(event, name)
        event.rooms.append(Room(name=name, capacity=capacity, accessibility_notes=accessibility_notes))
        session.flush()
        programme_changed(event_id)
        record("programme.room_added", event_id=event_id, name=name)


def add_slot(*, event_id, label, starts_at, ends_at):
    _slot_times(starts_at, ends_at)
    with transaction() as session:
        event = lock(Event, event_id)
        _unique_slot(event, label, starts_at)
        event.slots.append(Slot(label=label, starts_at=starts_at, ends_at=ends_at))
        session.flush()
        programme_changed(event_id)
        record("programme.slot_added", event_id=event_id, label=label)


def change_track(*, event_id, track_id, name, colour):
    with transaction():
        event = lock(Event, event_id)
        track = _own(Track, track_id, event_id, None)
        _unique_track_name(event, name, track)
        before = track.name
        track.name, track.colour = name, colour
        programme_changed(event_id)
        record("programme.track_changed", subject=track, name=name, colour=colour, name_before=before)


def remove_track(*, event_id, track_id):
    """The sessions lose the knowledge area and stay in the programme."""
    with transaction() as session:
        lock(Event, event_id)
        track = _own(Track, track_id, event_id, None)
        # The sessions' links to it go with it: session_track's foreign key cascades.
        session.delete(track)
        programme_changed(event_id)
        record("programme.track_removed", event_id=event_id, name=track.name)


def change_room(*, event_id, room_id, name, capacity, accessibility_notes):
    """Sessions without places of their own have the room's: places added go to those
    waiting for them at once, and fewer places than attendees already hold are refused."""
    with transaction():
        event = lock(Event, event_id)
        room = _own(Room, room_id, event_id, None)
        _unique_room_name(event, name, room)
        sessions = db.session.scalars(
            db.select(Session).where(Session.room_id == room.id, Session.capacity.is_(None)).order_by(Session.id)
        ).all()
        if capacity is not None:
            fill = session_fill(event_id)
            for item in sessions:
                taken = fill.get(item.id, (0, 0))[0]
                if taken > capacity:
                    raise ProgrammeError(
                        _l(
                            "%(num)d attendees already have a place in %(title)s, which is in this room: "
                            "it needs at least as many places.",
                            num=taken,
                            title=item.title,
                        ),
                        field="capacity",
                    )
        before = room.capacity
        room.name, room.capacity, room.accessibility_notes = name, capacity, accessibility_notes
        db.session.flush()
        for item in sessions:
            promote_session_waiting(item, on_promotion=queue_session_promotion)
        programme_changed(event_id)
        record("programme.room_changed", subject=room, name=name, capacity=capacity, capacity_before=before)


def remove_room(*, event_id, room_id):
    with transaction() as session:
        lock(Event, event_id)
        room = _own(Room, room_id, event_id, None)
        if refusal := removal_refused(room):
            raise ProgrammeError(refusal)
        session.delete(room)
        programme_changed(event_id)
        record("programme.room_removed", event_id=event_id, name=room.name)


def change_slot(*, event_id, slot_id, label, starts_at, ends_at):
    """The slot's sessions move with it."""
    _slot_times(starts_at, ends_at)
    with transaction():
        event = lock(Event, event_id)
        slot = _own(Slot, slot_id, event_id, None)
        _unique_slot(event, label, starts_at, slot)
        slot.label, slot.starts_at, slot.ends_at = label, starts_at, ends_at
        programme_changed(event_id)
        record(
            "programme.slot_changed",
            subject=slot,
            label=label,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
        )


def remove_slot(*, event_id, slot_id):
    with transaction() as session:
        lock(Event, event_id)
        slot = _own(Slot, slot_id, event_id, None)
        if refusal := removal_refused(slot):
            raise ProgrammeError(refusal)
        session.delete(slot)
        programme_changed(event_id)
        record("programme.slot_removed", event_id=event_id, label=slot.label)


def removal_refused(item):
    """Why a knowledge area, room or slot cannot be removed now, or None if it can."""
    if isinstance(item, Track) or not sessions_using(item):
        return None  # sessions only lose a knowledge area; a room or slot would leave them nowhere
    if isinstance(item, Room):
        return _l("Sessions take place in this room: move them to another room first.")
    return _l("This slot has sessions: move or remove them first.")


def sessions_using(item):
    """Titles of the sessions in a knowledge area, a room or a slot: what removing it touches."""
    if isinstance(item, Track):
        condition = Session.tracks.contains(item)
    elif isinstance(item, Room):
        condition = Session.room_id == item.id
    else:
        condition = Session.slot_id == item.id
    return db.session.scalars(db.select(Session.title).where(condition).order_by(Session.title)).all()


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
        if session_id is not None:
            _room_for_those_placed(item)
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


def _room_for_those_placed(item):
    """Fewer places than attendees already hold in the session (its own, or its room's) are
    refused, as for a room: a place given is never taken back."""
    capacity = item.effective_capacity
    if capacity is not None and item.confirmed_count > capacity:
        raise ProgrammeError(
            _l(
                "%(num)d attendees already have a place in this session: it needs at least as many places.",
                num=item.confirmed_count,
            ),
            field="capacity" if item.capacity is not None else "room_id",
        )


def _unique_track_name(event, name, track=None):
    if any(other.name == name and other is not track for other in event.tracks):
        raise ProgrammeError(_l("There is already a knowledge area with this name."), field="name")


def _unique_room_name(event, name, room=None):
    if any(other.name == name and other is not room for other in event.rooms):
        raise ProgrammeError(_l("There is already a room with this name."), field="name")


def _slot_times(starts_at, ends_at):
    if ends_at <= starts_at:
        raise ProgrammeError(_l("The slot must end after it starts."), field="ends_at")


def _unique_slot(event, label, starts_at, slot=None):
    """The import finds a slot by its label, so two with one label would make it guess."""
    others = [other for other in event.slots if other is not slot]
    if any(other.label == label for other in others):
        raise ProgrammeError(_l("There is already a slot with this name."), field="label")
    if any(other.starts_at == starts_at for other in others):
        raise ProgrammeError(_l("Another slot starts at the same time."), field="starts_at")


def _own(model, row_id, event_id, field):
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event_id:
        raise ProgrammeError(_l("That is not part of this event's programme."), field=field)
    return row


def _choices(session_id):
    return db.session.scalar(
        db.select(db.func.count()).select_from(SessionChoice).where(SessionChoice.session_id == session_id)
    )
