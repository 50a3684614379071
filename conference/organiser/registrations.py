"""The registrations of an event as organisers search, filter, sort and page through them.
One query for the page and one for the count, whatever the filters (and one more to match a
search): it stays fast at 10,000."""

from dataclasses import dataclass

from sqlalchemy import exists, func
from sqlalchemy.orm import joinedload

from conference.extensions import db
from conference.links import id_arg
from conference.organiser.checkin_services import matching_ids
from conference.programme.models import SessionChoice, session_track
from conference.registration.models import Registration, RegistrationStatus

PAGE_SIZE = 50
SORTS = {
    "name": (Registration.last_name, Registration.first_name, Registration.id),
    "organisation": (Registration.organisation, Registration.id),
    "registered": (Registration.created_at, Registration.id),
    "status": (Registration.status, Registration.waitlist_seq, Registration.id),
}


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    sector: int | None = None
    municipality: str = ""  # a municipality id, or "other"
    session: int | None = None
    track: int | None = None
    checked_in: str = ""  # "yes", "no" or ""
    sort: str = "registered"
    descending: bool = True
    page: int = 1

    @classmethod
    def from_args(cls, args):
        sort = args.get("sort", "registered")
        return cls(
            q=args.get("q", "").strip()[:200],
            status=args.get("status", "") if args.get("status") in set(RegistrationStatus) else "",
            sector=id_arg(args, "sector"),
            municipality="other" if args.get("municipality") == "other" else str(id_arg(args, "municipality") or ""),
            session=id_arg(args, "session"),
            track=id_arg(args, "track"),
            checked_in=args.get("checked_in", "") if args.get("checked_in") in ("yes", "no") else "",
            sort=sort if sort in SORTS else "registered",
            descending=args.get("order", "desc" if sort == "registered" else "asc") == "desc",
            page=min(max(id_arg(args, "page") or 1, 1), 100000),
        )

    def as_args(self, **changes):
        """The query string of these filters with `changes`, for links that keep the rest."""
        values = {**self.__dict__, **changes}
        values["order"] = "desc" if values.pop("descending") else "asc"
        return {key: value for key, value in values.items() if value not in ("", None)}


def registration_page(event_id, filters):
    """(registrations on the page with sector and municipality loaded, total matching)."""
    conditions = filter_conditions(event_id, filters)
    total = db.session.scalar(db.select(func.count()).select_from(Registration).where(*conditions))
    order = [column.desc() if filters.descending else column.asc() for column in SORTS[filters.sort]]
    rows = db.session.scalars(
        db.select(Registration)
        .where(*conditions)
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
        .options(joinedload(Registration.sector), joinedload(Registration.municipality))
    ).all()
    return rows, total


def filter_conditions(event_id, filters):
    conditions = [Registration.event_id == event_id]
    if filters.q:
        # As at the door: case and accents aside, every word, or the check-in code.
        conditions.append(Registration.id.in_(matching_ids(event_id, filters.q)))
    if filters.status:
        conditions.append(Registration.status == filters.status)
    if filters.sector:
        conditions.append(Registration.sector_id == filters.sector)
    return conditions + shared_conditions(filters)


def shared_conditions(filters, *, choice_statuses=None):
    """The filters the registrations table and the participant lists have in common:
    municipality, check-in, and a session or knowledge area among the choices (with one of
    `choice_statuses`, when given)."""
    conditions = []
    if filters.municipality == "other":
        conditions.append(Registration.municipality_id.is_(None))
    elif filters.municipality:
        conditions.append(Registration.municipality_id == int(filters.municipality))
    if filters.checked_in == "yes":
        conditions.append(Registration.checked_in_at.is_not(None))
    elif filters.checked_in == "no":
        conditions.append(Registration.checked_in_at.is_(None))
    chosen = [SessionChoice.registration_id == Registration.id]
    if choice_statuses:
        chosen.append(SessionChoice.status.in_(choice_statuses))
    if filters.session:
        conditions.append(exists().where(*chosen, SessionChoice.session_id == filters.session))
    if filters.track:
        conditions.append(
            exists().where(
                *chosen,
                SessionChoice.session_id == session_track.c.session_id,
                session_track.c.track_id == filters.track,
            )
        )
    return conditions
