"""The figures of an event's dashboard. Each figure is one query that lets the database
count (GROUP BY), so the dashboard costs the same few queries for 50 registrations or 5,000."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from sqlalchemy import and_, case, distinct, func, literal_column, null, select, union_all

from conference.extensions import db
from conference.programme.models import ChoiceStatus, Room, Session, SessionChoice, Slot, Track, session_track
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTIVE = Registration.status != RegistrationStatus.CANCELLED


def _count_where(condition, column=None):
    """COUNT of the rows that meet `condition` (portable: COUNT skips the NULL of CASE … ELSE)."""
    return func.count(case((condition, literal_column("1") if column is None else column)))


@dataclass(frozen=True)
class Totals:
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    # Checked in at the door, of those not cancelled.
    checked_in: int = 0

    @property
    def active(self):
        return self.confirmed + self.waitlisted

    @property
    def received(self):
        return self.active + self.cancelled


@dataclass(frozen=True)
class GroupCount:
    """Active registrations of one sector or municipality."""

    id: int | None
    label: str
    confirmed: int
    waitlisted: int

    @property
    def total(self):
        return self.confirmed + self.waitlisted


@dataclass(frozen=True)
class TrackCount:
    id: int
    name: str
    colour: str
    sessions: int
    # Confirmed places in the track's sessions, summed over its sessions.
    confirmed_places: int
    # Registrations that chose at least one session in the track (any status).
    registrations: int


@dataclass(frozen=True)
class SessionFill:
    id: int
    title: str
    slot: str
    room: str
    capacity: int | None
    confirmed: int
    waitlisted: int
    # The only session of its slot: everyone attends it, nobody chooses it.
    plenary: bool

    @property
    def free(self):
        return None if self.capacity is None else max(self.capacity - self.confirmed, 0)

    @property
    def fill_rate(self):
        """Confirmed places over capacity (0–1, or above when over-full); None without a limit."""
        if not self.capacity:
            return None
        return self.confirmed / self.capacity


@dataclass(frozen=True)
class Day:
    date: date
    registered: int
    cancelled: int
    # Registrations not cancelled at the end of the day.
    cumulative: int


def totals(event_id):
    """Registrations by status, and how many of the active ones have checked in."""
    rows = db.session.execute(
        select(Registration.status, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    counts = {status: (count, checked_in) for status, count, checked_in in rows}

    def count(status):
        return counts.get(status, (0, 0))[0]

    return Totals(
        confirmed=count(RegistrationStatus.CONFIRMED),
        waitlisted=count(RegistrationStatus.WAITLISTED),
        cancelled=count(RegistrationStatus.CANCELLED),
        checked_in=sum(checked for status, (_, checked) in counts.items() if status != RegistrationStatus.CANCELLED),
    )


def by_sector(event_id):
    """Every sector, also those nobody registered from, with its confirmed and waiting registrations."""
    registration = and_(Registration.sector_id == Sector.id, Registration.event_id == event_id, ACTIVE)
    rows = db.session.execute(
        select(
            Sector.id,
            Sector.name_sv,
            Sector.name_en,
            _count_where(Registration.status == RegistrationStatus.CONFIRMED),
            _count_where(Registration.status == RegistrationStatus.WAITLISTED),
        )
        .outerjoin(Registration, registration)
        .group_by(Sector.id, Sector.name_sv, Sector.name_en, Sector.sort_order)
        .order_by(Sector.sort_order, Sector.id)
    ).all()
    english = str(get_locale()) == "en"
    return [
        GroupCount(sector_id, name_en if english else name_sv, confirmed, waiting)
        for sector_id, name_sv, name_en, confirmed, waiting in rows
    ]


def by_municipality(event_id, other_label):
    """Every municipality in alphabetical order, also those with nobody, then `other_label`:
    the registrations from outside the county (no municipality)."""
    confirmed = _count_where(Registration.status == RegistrationStatus.CONFIRMED)
    waiting = _count_where(Registration.status == RegistrationStatus.WAITLISTED)
    registration = and_(Registration.municipality_id == Municipality.id, Registration.event_id == event_id, ACTIVE)
    named = (
        select(Municipality.id, Municipality.name, confirmed, waiting)
        .outerjoin(Registration, registration)
        .group_by(Municipality.id, Municipality.name)
    )
    outside = select(null(), null(), confirmed, waiting).where(
        Registration.event_id == event_id, ACTIVE, Registration.municipality_id.is_(None)
    )
    rows = db.session.execute(union_all(named, outside)).all()
    municipalities = sorted(
        (GroupCount(*row) for row in rows if row[0] is not None), key=lambda row: swedish_sort_key(row.label)
    )
    return [*municipalities, *(GroupCount(None, other_label, *row[2:]) for row in rows if row[0] is None)]


def by_track(event_id):
    """Per knowledge area: its sessions, the confirmed places in them, and how many
    registrations chose at least one of them."""
    chooser = and_(Registration.id == SessionChoice.registration_id, ACTIVE)
    rows = db.session.execute(
        select(
            Track.id,
            Track.name,
            Track.colour,
            func.count(distinct(session_track.c.session_id)),
            _count_where(
                and_(SessionChoice.status == ChoiceStatus.CONFIRMED, Registration.id.is_not(None)), SessionChoice.id
            ),
            func.count(distinct(Registration.id)),
        )
        .select_from(Track)
        .outerjoin(session_track, session_track.c.track_id == Track.id)
        .outerjoin(SessionChoice, SessionChoice.session_id == session_track.c.session_id)
        .outerjoin(Registration, chooser)
        .where(Track.event_id == event_id)
        .group_by(Track.id, Track.name, Track.colour, Track.sort_order)
        .order_by(Track.sort_order, Track.id)
    ).all()
    return [TrackCount(*row) for row in rows]


def session_fill(event_id):
    """Per session, in programme order: confirmed places, capacity and waiting list."""
    sessions_in_slot = (
        select(func.count(Session.id)).where(Session.slot_id == Slot.id).correlate(Slot).scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Session.id,
            Session.title,
            Slot.label,
            func.coalesce(Room.name, ""),
            # The same rule as Session.effective_capacity: the session's own, else the room's.
            func.coalesce(Session.capacity, Room.capacity),
            # Kept exact by programme/seat_counts.py: no need to count the choices again.
            Session.confirmed_count,
            Session.waitlisted_count,
            sessions_in_slot,
        )
        .select_from(Session)
        .join(Slot, Slot.id == Session.slot_id)
        .outerjoin(Room, Room.id == Session.room_id)
        .where(Session.event_id == event_id)
        .order_by(Slot.starts_at, Session.id)
    ).all()
    return [
        SessionFill(session_id, title, slot, room, capacity, confirmed, waiting, plenary=in_slot == 1)
        for session_id, title, slot, room, capacity, confirmed, waiting, in_slot in rows
    ]


def by_day(event_id):
    """Registrations received and cancelled per day (Stockholm time), with the running
    total of those not cancelled; every day from the first to the last, also quiet ones."""
    rows = db.session.execute(
        select(Registration.created_at, Registration.cancelled_at).where(Registration.event_id == event_id)
    ).all()
    registered = Counter(stockholm_date(created) for created, _ in rows)
    cancelled = Counter(stockholm_date(at) for _, at in rows if at is not None)
    if not registered:
        return []
    day, last = min(registered), max(registered | cancelled)
    days, running = [], 0
    while day <= last:
        running += registered[day] - cancelled[day]
        days.append(Day(day, registered[day], cancelled[day], running))
        day += timedelta(days=1)
    return days


def stockholm_date(moment):
    """The Stockholm calendar day of a naive UTC datetime, as Ting stores them."""
    return moment.replace(tzinfo=UTC).astimezone(STOCKHOLM).date()


SWEDISH_LAST_LETTERS = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y", "-": " "})


def swedish_sort_key(text):
    """Alphabetical as in Swedish (… x, y, z, å, ä, ö), the same on every database."""
    return text.casefold().translate(SWEDISH_LAST_LETTERS)
