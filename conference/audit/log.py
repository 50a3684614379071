"""The audit log as organisers read it: filters from the query string, checked, and pages
newest first. Pages are found by seeking on (at, id) from the entry a page ends with, not by
an offset, so the thousandth page costs what the first does."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, tuple_

from conference.audit.models import AuditEntry
from conference.extensions import db
from conference.links import MAX_ID

# Days in the filter are the days organisers see: the log shows Stockholm time.
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTION_MAX = AuditEntry.action.type.length
WHO_MAX = AuditEntry.user_email.type.length

# What an entry can be about (`subject_type`: the model's class name, lower case).
SUBJECT_TYPES = {
    "registration": _l("Registration"),
    "event": _l("Event"),
    "forum": _l("Forum series"),
    "session": _l("Session"),
    "slot": _l("Slot"),
    "room": _l("Room"),
    "track": _l("Knowledge area"),
    "mailing": _l("Mailing"),
    "user": _l("Staff account"),
}

_KEY = (AuditEntry.at, AuditEntry.id)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""  # the action starts with this
    who: str = ""  # the staff e-mail contains this
    event: int | None = None
    since: date | None = None  # the first day shown (Stockholm)
    until: date | None = None  # the last day shown (Stockholm)
    subject_type: str = ""
    subject_id: int | None = None

    def as_args(self, **extra):
        """The query string of these filters (and `extra`), for links that keep them."""
        values = {
            "action": self.action,
            "who": self.who,
            "event": self.event,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "subject": self.subject_type,
            "subject_id": self.subject_id,
        } | extra
        return {key: value for key, value in values.items() if value not in ("", None)}

    def conditions(self):
        conditions = []
        if self.action:
            conditions.append(AuditEntry.action.startswith(self.action, autoescape=True))
        if self.who:
            conditions.append(AuditEntry.user_email.contains(self.who.lower(), autoescape=True))
        if self.event:
            conditions.append(AuditEntry.event_id == self.event)
        if self.since:
            conditions.append(AuditEntry.at >= _day_starts(self.since))
        if self.until:
            conditions.append(AuditEntry.at < _day_starts(self.until + timedelta(days=1)))
        if self.subject_type:
            conditions.append(AuditEntry.subject_type == self.subject_type)
        if self.subject_id:
            conditions.append(AuditEntry.subject_id == self.subject_id)
        return conditions


@dataclass
class FilterInput:
    """The filters as typed (to show them again) and what is wrong with them, by argument name.
    With any error, `filters` is no filter at all: the page never looks filtered when it is not."""

    raw: dict
    errors: dict = field(default_factory=dict)
    filters: AuditFilters = AuditFilters()


def read_filters(args):
    """Check the filters of a query string; see `FilterInput`."""
    raw = {
        name: args.get(name, "").strip() for name in ("action", "who", "event", "from", "to", "subject", "subject_id")
    }
    errors = {}
    for name, longest in (("action", ACTION_MAX), ("who", WHO_MAX)):
        if len(raw[name]) > longest:
            errors[name] = _l("At most %(max)d characters.", max=longest)
    event = _whole_number(raw["event"])
    if event is False:
        errors["event"] = _l("Choose an event from the list.")
    since, until = _day(raw["from"]), _day(raw["to"])
    for name, day in (("from", since), ("to", until)):
        if day is False:
            errors[name] = _l("Give a date as year-month-day, like 2027-03-04.")
        elif day and not 2000 <= day.year <= 2100:
            errors[name] = _l("Give a date between the years 2000 and 2100.")
    if "from" not in errors and "to" not in errors and since and until and until < since:
        errors["to"] = _l("The end date is before the start date.")
    if raw["subject"] and raw["subject"] not in SUBJECT_TYPES:
        errors["subject"] = _l("Choose a kind from the list.")
    subject_id = _whole_number(raw["subject_id"])
    if subject_id is False:
        errors["subject_id"] = _l("Give a whole number, like 42.")
    if errors:
        return FilterInput(raw=raw, errors=errors)
    filters = AuditFilters(
        action=raw["action"],
        who=raw["who"],
        event=event,
        since=since,
        until=until,
        subject_type=raw["subject"],
        subject_id=subject_id,
    )
    return FilterInput(raw=raw, filters=filters)


@dataclass
class AuditPage:
    entries: list
    total: int  # entries that match the filters, on all pages
    newer: int | None = None  # the id to page back from (`after`), if there are newer entries
    older: int | None = None  # the id to page on from (`before`), if there are older entries


def audit_page(filters, *, before=None, after=None, size=100):
    """A page of `size` entries that match `filters`, newest first: the newest page, the page
    of those older than entry `before`, or of those newer than entry `after`. An id that is no
    entry gives the newest page; so does paging back past the newest."""
    conditions = filters.conditions()
    total = db.session.scalar(db.select(func.count()).select_from(AuditEntry).where(*conditions))
    cursor = _key_of(before if before is not None else after)
    if cursor is not None and after is not None and before is None:
        rows = _seek(conditions, newer_than=cursor, size=size + 1)
        if len(rows) > size:
            entries = rows[:size][::-1]
            return AuditPage(entries, total, newer=entries[0].id, older=_older_id(conditions, entries[-1]))
        cursor = None  # back at the newest entries: the newest page, a full one
    rows = _seek(conditions, older_than=cursor, size=size + 1)
    if cursor is not None and not rows:
        cursor, rows = None, _seek(conditions, size=size + 1)  # past the oldest: the newest page
    entries = rows[:size]
    older = entries[-1].id if len(rows) > size else None
    newer = None
    if cursor is not None and _any(conditions, _newer_than((entries[0].at, entries[0].id))):
        newer = entries[0].id
    return AuditPage(entries, total, newer=newer, older=older)


def _seek(conditions, *, older_than=None, newer_than=None, size):
    query = db.select(AuditEntry).where(*conditions)
    if newer_than is not None:
        return db.session.scalars(query.where(_newer_than(newer_than)).order_by(*_KEY).limit(size)).all()
    if older_than is not None:
        query = query.where(_older_than(older_than))
    return db.session.scalars(query.order_by(*(column.desc() for column in _KEY)).limit(size)).all()


# The plain comparison on `at` beside the pair's lets SQLite's index on (at, id) start where
# the page starts too (PostgreSQL's takes the pair's).
def _older_than(key):
    return and_(AuditEntry.at <= key[0], tuple_(*_KEY) < tuple_(*key))


def _newer_than(key):
    return and_(AuditEntry.at >= key[0], tuple_(*_KEY) > tuple_(*key))


def _any(conditions, condition):
    return db.session.scalar(db.select(exists().where(*conditions, condition)))


def _older_id(conditions, last):
    return last.id if _any(conditions, _older_than((last.at, last.id))) else None


def _key_of(entry_id):
    if entry_id is None:
        return None
    row = db.session.execute(db.select(AuditEntry.at, AuditEntry.id).where(AuditEntry.id == entry_id)).first()
    return tuple(row) if row else None


def _day_starts(day):
    """The UTC moment (naive, as stored) a Stockholm day begins."""
    return datetime.combine(day, time(), STOCKHOLM).astimezone(UTC).replace(tzinfo=None)


def _day(value):
    """A date typed as YYYY-MM-DD: the date, None if empty, False if it is none."""
    if not value:
        return None
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        return date.fromisoformat(value)
    except ValueError:
        return False


def _whole_number(value):
    """A row id typed in: the number, None if empty, False if it is no id."""
    if not value:
        return None
    if not value.isascii() or not value.isdecimal() or len(value) > 10 or int(value) > MAX_ID:
        return False
    return int(value)
