import re
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine

from conference.audit.services import record
from conference.database import lock, read_first_row, request_connection, transaction, utcnow
from conference.errors import DomainError
from conference.events.models import Event, EventStatus
from conference.extensions import db
from conference.programme.models import Track
from conference.registration.services import RegistrationError, confirmed_count, normalise_email, promote_waiting

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# Built once: every public page of an event starts with one of these.
_PUBLISHED_EVENT = db.select(Event).where(Event.slug == bindparam("slug"), Event.status == EventStatus.PUBLISHED)
_PUBLISHED_EVENT_VERSION = db.select(
    Event.id,
    Event.updated_at,
    Event.programme_version,
    Event.registrations_version,
    # Whether registration is open and places are left, without loading the event.
    Event.capacity,
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.starts_at,
).where(Event.slug == bindparam("slug"), Event.status == EventStatus.PUBLISHED)


# The version rows this process noted, by slug (see published_event_version).
_NOTES = "ting_event_versions"
_EVENT_VERSIONS = db.select(Event.id, Event.updated_at, Event.programme_version, Event.registrations_version).where(
    Event.id == bindparam("event_id")
)


def event_versions(event_id):
    """(id, updated_at, programme_version, registrations_version) of the event, or None:
    what a cached staff page of it is keyed by, read without loading the event."""
    return request_connection().execute(_EVENT_VERSIONS, {"event_id": event_id}).first()


def published_event(slug):
    """The published event with this slug, or None."""
    return db.session.scalars(_PUBLISHED_EVENT, {"slug": slug}).one_or_none()


def published_event_version(slug, *, max_age=None):
    """(id, updated_at, programme_version, registrations_version, capacity and the registration
    times) of the published event with this slug, or None: what a cached page of it is keyed
    by, read without loading the event. With `max_age` (seconds), what this process noted of
    the event at most that long ago will do."""
    notes = current_app.extensions.setdefault(_NOTES, {})
    noted = notes.get(slug)
    if max_age is not None and noted is not None and time.monotonic() - noted.at <= max_age:
        return noted.version
    version = read_first_row(_PUBLISHED_EVENT_VERSION, {"slug": slug})
    note_event_version(slug, version)
    return version


def note_event_version(slug, version):
    """Note the version row of the published event with this slug (None: there is none), as
    it is now: read just now, or returned by the statement that last changed it."""
    notes = current_app.extensions.setdefault(_NOTES, {})
    if version is None:
        notes.pop(slug, None)
    else:
        notes[slug] = _Noted(version, time.monotonic())


def noted_event_version(slug):
    """What this process noted last of the event with this slug, however long ago, or None:
    possibly out of date, so only for a caller that checks it again where it counts (a
    registration, under the event's lock)."""
    noted = current_app.extensions.get(_NOTES, {}).get(slug)
    return noted.version if noted is not None else None


@dataclass(frozen=True)
class _Noted:
    version: object
    at: float


@sqlalchemy_event.listens_for(Engine, "after_cursor_execute")
def _forget_noted_versions(connection, cursor, statement, parameters, context, executemany):
    """What this process changes of an event, its own pages show at once: any write to the
    event table drops what it noted. A change made by another process shows within the
    `max_age` its pages allow, and so does one of this process that another of its threads
    read and noted while it was being committed."""
    if not (context.isinsert or context.isupdate or context.isdelete) or not has_app_context():
        return
    table = getattr(getattr(context.compiled, "statement", None), "table", None)
    # By name: an ORM statement's table is a copy with annotations.
    if getattr(table, "name", None) == Event.__table__.name:
        current_app.extensions.pop(_NOTES, None)


def event_track_ids(event_id):
    return set(db.session.scalars(db.select(Track.id).where(Track.event_id == event_id)))


def upcoming_events(now=None):
    now = now or utcnow()
    return db.session.scalars(
        db.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at >= now).order_by(Event.starts_at)
    ).all()


EDITABLE_FIELDS = (
    "forum_id",
    "title",
    "slug",
    "description",
    "venue",
    "address",
    "contact_email",
    "privacy_notice",
    "starts_at",
    "ends_at",
    "capacity",
    "waitlist_enabled",
    "invitation_only",
    "registration_opens_at",
    "registration_closes_at",
    "public_list_enabled",
    "retention_until",
)


class EventError(DomainError):
    """An event change the rules refuse."""


def save_event(*, event_id=None, fields):
    """Create an event (as a draft) or change one. A larger capacity gives the new places to
    those waiting, in the same transaction."""
    _check(fields)
    with transaction() as session:
        taken = session.scalar(db.select(Event.id).where(Event.slug == fields["slug"], Event.id != (event_id or 0)))
        if taken:
            raise EventError(_l("Another event already has this address."), field="slug")
        if event_id is None:
            event = Event(status=EventStatus.DRAFT)
            session.add(event)
        else:
            event = lock(Event, event_id)
            _room_for_those_placed(event, fields["capacity"])
        for name in EDITABLE_FIELDS:
            setattr(event, name, fields[name])
        session.flush()
        promoted = promote_waiting(event)
        record("event.created" if event_id is None else "event.changed", subject=event, event_id=event.id)
    return event, promoted


def change_status(*, event_id, status, now=None):
    """Publish, archive or bring back to draft; `close` ends registration now."""
    now = now or utcnow()
    with transaction():
        event = lock(Event, event_id)
        if status == "close":
            _close_registration(event, now)
        else:
            event.status = EventStatus(status)
        record(f"event.{status}", subject=event, event_id=event.id)
    return event


def _close_registration(event, now):
    """Registration closes now, to the minute that the event form shows; one that had not
    opened yet opens a minute before, so the form saves the window as it is."""
    closes = now.replace(second=0, microsecond=0)
    event.registration_closes_at = closes
    if event.registration_opens_at is not None and event.registration_opens_at >= closes:
        event.registration_opens_at = closes - timedelta(minutes=1)


def _room_for_those_placed(event, capacity):
    """Fewer places than attendees already hold are refused, as for a session or a room: a
    place given is never taken back."""
    if capacity is None:
        return
    placed = confirmed_count(event)
    if placed > capacity:
        raise EventError(
            _l("%(num)d attendees already have a place: the event needs at least as many places.", num=placed),
            field="capacity",
        )


def _check(fields):
    if not SLUG.fullmatch(fields["slug"] or ""):
        raise EventError(_l("Use lower-case letters, digits and hyphens, like stockholmstinget-2027."), field="slug")
    if fields["contact_email"]:
        try:
            normalise_email(fields["contact_email"])
        except RegistrationError as error:
            raise EventError(error.message, field="contact_email") from None
    if fields["ends_at"] <= fields["starts_at"]:
        raise EventError(_l("The event must end after it starts."), field="ends_at")
    opens, closes = fields["registration_opens_at"], fields["registration_closes_at"]
    if opens and closes and closes <= opens:
        raise EventError(_l("Registration must close after it opens."), field="registration_closes_at")
    if fields.get("retention_until") and fields["retention_until"] < fields["ends_at"].date():
        raise EventError(_l("Keep the data at least until the event is over."), field="retention_until")
    if fields["capacity"] is not None and fields["capacity"] < 0:
        raise EventError(_l("The capacity cannot be negative."), field="capacity")
