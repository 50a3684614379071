"""Check-in at the door. Several tablets check people in at once, so each check-in is a
single conditional UPDATE: of two doors scanning the same ticket together exactly one
changes the row, and the other is told when that happened."""

import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, update
from sqlalchemy.orm import selectinload

from conference.audit.services import record
from conference.database import lock, transaction, utcnow
from conference.errors import DomainError
from conference.extensions import db
from conference.reference.models import Sector
from conference.registration.models import Registration, RegistrationStatus

SEARCH_LIMIT = 50
CODE_MAX_LENGTH = 16


class CheckInRefused(DomainError):
    """A registration that cannot be checked in: on the waiting list, or cancelled.

    Its message names the person, so it is a plain string, translated when raised: a lazy
    string counts as markup in a flashed message, and the name would not be escaped."""


class NotForThisEvent(LookupError):
    """No such registration in this event."""


@dataclass
class CheckInOutcome:
    registration: Registration
    # True when this call changed the row; False when it was so already (another door, a double tap).
    changed: bool


@dataclass
class SearchResult:
    registrations: list[Registration]
    # How many matched in all; only the first SEARCH_LIMIT are in `registrations`.
    total: int


@dataclass
class SectorCount:
    sector: Sector
    confirmed: int
    checked_in: int


@dataclass
class Counts:
    sectors: list[SectorCount]
    confirmed: int
    checked_in: int


def check_in(*, registration_id, by_user, event_id=None, now=None):
    """Check a confirmed registration in; a second check-in changes nothing and says when the first was."""
    now = now or utcnow()
    with transaction() as session:
        conditions = [
            Registration.id == registration_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_(None),
        ]
        if event_id is not None:
            conditions.append(Registration.event_id == event_id)
        result = session.execute(
            update(Registration)
            .where(*conditions)
            .values(checked_in_at=now, checked_in_by_id=by_user.id)
            .execution_options(synchronize_session=False)
        )
        registration = _reload(registration_id, event_id)
        if result.rowcount == 1:
            record("registration.checked_in", subject=registration, user=by_user)
            return CheckInOutcome(registration, changed=True)
        if registration.status == RegistrationStatus.WAITLISTED:
            raise CheckInRefused(
                _("%(name)s is on the waiting list and has no place to check in to.", name=registration.name)
            )
        if registration.status == RegistrationStatus.CANCELLED:
            raise CheckInRefused(_("%(name)s has cancelled the registration.", name=registration.name))
        return CheckInOutcome(registration, changed=False)


def undo_check_in(*, registration_id, by_user, event_id=None):
    """Take a check-in back (a wrong tap); undoing one that is not there changes nothing."""
    with transaction():
        _reload(registration_id, event_id)
        registration = lock(Registration, registration_id)
        if registration.checked_in_at is None:
            return CheckInOutcome(registration, changed=False)
        was = registration.checked_in_at
        registration.checked_in_at = None
        registration.checked_in_by_id = None
        record("registration.check_in_undone", subject=registration, user=by_user, was_checked_in_at=was.isoformat())
        return CheckInOutcome(registration, changed=True)


def _reload(registration_id, event_id):
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration is None or (event_id is not None and registration.event_id != event_id):
        raise NotForThisEvent(registration_id)
    return registration


def registration_in_event(event_id, registration_id):
    """The registration, if it belongs to the event; else None."""
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event_id else None


def normalise_code(text):
    """A code as typed or scanned: case, spaces and dashes do not matter. None if it cannot be one."""
    code = "".join((text or "").split()).replace("-", "").upper()
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    return code


def find_by_code(event_id, code):
    """The registration of this event with this check-in code, or None (also for another event's code)."""
    code = normalise_code(code)
    if code is None:
        return None
    return db.session.scalars(
        db.select(Registration).where(Registration.checkin_code == code, Registration.event_id == event_id)
    ).one_or_none()


def fold(text):
    """Text for matching: lower case, without accents, so "asa oberg" finds "Åsa Öberg"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})  # after z, in Swedish order


def sort_key(registration):
    """Alphabetical by last name, then first name, as a Swedish reader expects (å, ä, ö after z)."""
    return (
        registration.last_name.casefold().translate(_SWEDISH_ORDER),
        registration.first_name.casefold().translate(_SWEDISH_ORDER),
        registration.id,
    )


def search(event_id, query, *, limit=SEARCH_LIMIT, statuses=None):
    """Registrations of the event whose name, organisation or e-mail address hold every word
    of `query` (case and accents aside), or whose check-in code it is."""
    matched = matching_ids(event_id, query, statuses=statuses)
    rows = _load(matched)
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
    return SearchResult(rows, len(matched))


def matching_ids(event_id, query, *, statuses=None):
    """Ids of the event's registrations that `query` finds, as `search` does.

    Matching runs in Python over the event's few thousand names: SQLite's lower() and LIKE
    fold only ASCII, and "Öberg" must be found typed as "oberg" or "öberg".
    """
    terms = fold(query or "").split()
    if not terms:
        return []
    code = normalise_code(query)
    columns = db.select(
        Registration.id,
        Registration.first_name,
        Registration.last_name,
        Registration.organisation,
        Registration.email,
        Registration.checkin_code,
    ).where(Registration.event_id == event_id)
    if statuses:
        columns = columns.where(Registration.status.in_(statuses))
    return [
        row.id
        for row in db.session.execute(columns)
        if row.checkin_code == code
        or all(term in fold(f"{row.first_name} {row.last_name} {row.organisation} {row.email}") for term in terms)
    ]


def _load(ids):
    rows = []
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        rows += db.session.scalars(
            db.select(Registration)
            .where(Registration.id.in_(ids[start : start + 500]))
            .options(selectinload(Registration.sector), selectinload(Registration.municipality))
        ).all()
    return sorted(rows, key=sort_key)


def counts_by_sector(event_id):
    """Confirmed and checked-in registrations of the event, per sector and in all."""
    rows = db.session.execute(
        db.select(Registration.sector_id, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.sector_id)
    ).all()
    numbers = {sector_id: (confirmed, checked_in) for sector_id, confirmed, checked_in in rows}
    sectors = db.session.scalars(
        db.select(Sector).where(Sector.id.in_(numbers)).order_by(Sector.sort_order, Sector.id)
    ).all()
    per_sector = [SectorCount(sector, *numbers[sector.id]) for sector in sectors]
    return Counts(
        per_sector,
        confirmed=sum(count.confirmed for count in per_sector),
        checked_in=sum(count.checked_in for count in per_sector),
    )
