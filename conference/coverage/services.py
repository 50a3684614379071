"""How close the model of dialogue forums comes to its aim: every municipality and every
sector reached. A matrix of the 26 municipalities (and of the sectors) against the editions
in scope, counted by one grouped query.

Participation is a confirmed registration; check-ins are counted beside it for editions
that have them. Only the event, status, sector, municipality and check-in time of a
registration are read, so the figures survive the anonymisation of old registrations."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, extract, func, literal_column

from conference.database import utcnow
from conference.events.models import Event, EventStatus, Forum
from conference.extensions import db
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus

# Participation bands of a cell: none, a few (1–2), several (3 or more).
SEVERAL = 3


@dataclass
class Cell:
    count: int = 0
    checked_in: int = 0
    # (sector, count) in a municipality's cell; a sector's cell only counts its municipalities.
    parts: list = field(default_factory=list)
    municipalities: int = 0

    @property
    def band(self):
        if self.count == 0:
            return "none"
        return "several" if self.count >= SEVERAL else "few"


@dataclass
class Row:
    label: str
    cells: list
    total: int = 0

    @property
    def reached(self):
        """The number of editions this row took part in."""
        return sum(1 for cell in self.cells if cell.count)


@dataclass
class Column:
    event_id: int
    title: str
    forum_id: int
    forum_name: str
    starts_at: datetime
    upcoming: bool


@dataclass
class Gap:
    """A municipality or sector that none of the editions in scope (or of one series) reached."""

    subject: str
    kind: str  # "municipality" or "sector"
    forum_name: str | None = None


@dataclass
class Coverage:
    scope: str  # "model", "forum" or "year"
    forum: Forum | None
    year: int | None
    columns: list
    municipalities: list
    sectors: list
    gaps: list
    years: list


def coverage(*, forum_id=None, year=None, now=None):
    """The coverage of one series, of one year, or (neither given) of the whole model."""
    now = now or utcnow()
    forum = db.session.get(Forum, forum_id) if forum_id is not None else None
    events = db.select(Event, Forum.name).join(Forum).where(Event.status != EventStatus.DRAFT)
    if forum is not None:
        events = events.where(Event.forum_id == forum.id)
    if year is not None:
        events = events.where(Event.starts_at >= datetime(year, 1, 1), Event.starts_at < datetime(year + 1, 1, 1))
    columns = [
        Column(event.id, event.title, event.forum_id, forum_name, event.starts_at, event.starts_at > now)
        for event, forum_name in db.session.execute(events.order_by(Forum.name, Event.starts_at, Event.id))
    ]
    counts = _counts([column.event_id for column in columns])
    municipalities = db.session.execute(db.select(Municipality.id, Municipality.name).order_by(Municipality.name)).all()
    sectors = [(sector.id, sector.name) for sector in db.session.scalars(db.select(Sector).order_by(Sector.sort_order))]
    municipality_rows = _rows(municipalities, columns, counts, by="municipality", sector_names=dict(sectors))
    sector_rows = _rows(sectors, columns, counts, by="sector")
    return Coverage(
        scope="forum" if forum is not None else ("year" if year is not None else "model"),
        forum=forum,
        year=year,
        columns=columns,
        municipalities=municipality_rows,
        sectors=sector_rows,
        gaps=_gaps(columns, municipality_rows, "municipality") + _gaps(columns, sector_rows, "sector"),
        years=_years(),
    )


def gap_sentence(gap, coverage, *, this_year):
    """The gap in words, in the current language."""
    subject = gap.subject
    if gap.forum_name is not None and coverage.scope != "forum":
        if gap.kind == "municipality":
            return _("%(subject)s has taken part in no edition of %(forum)s.", subject=subject, forum=gap.forum_name)
        return _("Nobody from %(subject)s has taken part in %(forum)s.", subject=subject, forum=gap.forum_name)
    if coverage.scope == "forum":
        if gap.kind == "municipality":
            return _(
                "%(subject)s has taken part in no edition of %(forum)s.", subject=subject, forum=coverage.forum.name
            )
        return _("Nobody from %(subject)s has taken part in %(forum)s.", subject=subject, forum=coverage.forum.name)
    if coverage.scope == "year" and coverage.year == this_year:
        if gap.kind == "municipality":
            return _("%(subject)s has taken part in none of this year's dialogues.", subject=subject)
        return _("Nobody from %(subject)s has taken part in this year's dialogues.", subject=subject)
    if coverage.scope == "year":
        if gap.kind == "municipality":
            return _(
                "%(subject)s has taken part in none of the dialogues of %(year)d.", subject=subject, year=coverage.year
            )
        return _(
            "Nobody from %(subject)s has taken part in the dialogues of %(year)d.", subject=subject, year=coverage.year
        )
    if gap.kind == "municipality":
        return _("%(subject)s has taken part in none of the dialogues.", subject=subject)
    return _("Nobody from %(subject)s has taken part in any of the dialogues.", subject=subject)


def _counts(event_ids):
    """(event, municipality, sector) → (confirmed, checked in), in one grouped query."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        db.select(
            Registration.event_id,
            Registration.municipality_id,
            Registration.sector_id,
            func.count(),
            func.count(case((Registration.checked_in_at.is_not(None), literal_column("1")))),
        )
        .where(Registration.event_id.in_(event_ids), Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.event_id, Registration.municipality_id, Registration.sector_id)
    ).all()
    return {
        (event_id, municipality_id, sector_id): (count, checked)
        for event_id, municipality_id, sector_id, count, checked in rows
    }


def _rows(subjects, columns, counts, *, by, sector_names=None):
    cells = {}
    for (event_id, municipality_id, sector_id), (count, checked) in counts.items():
        cell = cells.setdefault((event_id, municipality_id if by == "municipality" else sector_id), Cell())
        cell.count += count
        cell.checked_in += checked
        if by == "municipality" and sector_id in sector_names:
            cell.parts.append((sector_names[sector_id], count))
        elif by == "sector" and municipality_id is not None:
            cell.municipalities += 1
    for cell in cells.values():
        cell.parts.sort(key=lambda part: (-part[1], part[0]))
    rows = []
    for subject_id, label in subjects:
        row_cells = [cells.get((column.event_id, subject_id), Cell()) for column in columns]
        rows.append(Row(label, row_cells, total=sum(cell.count for cell in row_cells)))
    return rows


def _gaps(columns, rows, kind):
    """Those reached by none of the editions in scope; then, for each series among several,
    those that none of its editions reached."""
    if not columns:
        return []
    gaps = [Gap(row.label, kind) for row in rows if row.total == 0]
    forums = {}
    for position, column in enumerate(columns):
        forums.setdefault((column.forum_id, column.forum_name), []).append(position)
    if len(forums) > 1:
        untouched = {gap.subject for gap in gaps}
        for (_forum_id, forum_name), positions in forums.items():
            for row in rows:
                if row.label not in untouched and not any(row.cells[position].count for position in positions):
                    gaps.append(Gap(row.label, kind, forum_name))
    return gaps


def _years():
    years = db.session.scalars(
        db.select(extract("year", Event.starts_at).label("year"))
        .where(Event.forum_id.is_not(None), Event.status != EventStatus.DRAFT)
        .distinct()
    ).all()
    return sorted((int(year) for year in years), reverse=True)
