"""Who is on a participant list. `participant_rows` holds the consent rule, and every list,
export, the public page and the API read participants through it and nothing else."""

import enum
from collections import defaultdict
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func

from conference.accounts.models import Role
from conference.audit.services import record
from conference.database import transaction
from conference.events.models import Event, EventStatus
from conference.extensions import db
from conference.links import id_arg
from conference.organiser.registrations import shared_conditions
from conference.programme.models import ChoiceStatus, Session, SessionChoice, Slot
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus


class Audience(enum.StrEnum):
    """Who the list is for; it decides the consent that counts and the fields shown."""

    SECTOR = "sector"  # a sector representative: those who consented to sector lists
    ORGANISER = "organiser"  # every active registration, every field
    PUBLIC = "public"  # the public page: those who consented to the public list


@dataclass(frozen=True)
class Scope:
    audience: Audience
    # The sectors the list covers; empty for an organiser's list of all sectors.
    sector_ids: tuple = ()


@dataclass
class ListFilters:
    session: int | None = None
    track: int | None = None
    municipality: str = ""  # a municipality id, or "other"
    checked_in: str = ""  # "yes", "no" or ""
    status: str = ""  # organisers only: "confirmed", "waitlisted" or "" for both

    @classmethod
    def from_args(cls, args, *, organiser=False):
        status = args.get("status", "")
        return cls(
            session=id_arg(args, "session"),
            track=id_arg(args, "track"),
            municipality="other" if args.get("municipality") == "other" else str(id_arg(args, "municipality") or ""),
            checked_in=args.get("checked_in", "") if args.get("checked_in") in ("yes", "no") else "",
            status=status
            if organiser and status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
            else "",
        )

    def as_args(self):
        return {key: value for key, value in self.__dict__.items() if value not in ("", None)}


# The columns of a list row, by audience; the organiser's list has every field.
BASE_COLUMNS = (
    Registration.id,
    Registration.first_name,
    Registration.last_name,
    Registration.organisation,
    Registration.sector_id,
)
SECTOR_COLUMNS = (
    Registration.email,
    Registration.role_title,
    Municipality.name.label("municipality"),
    Registration.checked_in_at,
)
ORGANISER_COLUMNS = (
    Registration.status,
    Registration.phone,
    Registration.language,
    Registration.dietary_needs,
    Registration.accessibility_needs,
    Registration.consent_sector_list_at,
    Registration.consent_public_list_at,
    Registration.consent_mailings_at,
    Registration.consent_wording_version,
    Registration.created_at,
)


def participant_rows(event_id, scope, filters=None):
    """THE query of every participant list: a Select of the rows `scope` may see, in sector
    order and then by name. A cancelled or erased registration is in no list; a sector
    representative sees only those of their sectors who consented to sector lists, the
    public only those who consented to the public list."""
    filters = filters or ListFilters()
    columns = BASE_COLUMNS
    if scope.audience != Audience.PUBLIC:
        columns += SECTOR_COLUMNS
    if scope.audience == Audience.ORGANISER:
        columns += ORGANISER_COLUMNS
    conditions = [
        Registration.event_id == event_id,
        Registration.erased_at.is_(None),
        Registration.status != RegistrationStatus.CANCELLED,
    ]
    if scope.audience == Audience.SECTOR:
        conditions += [
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.consent_sector_list_at.is_not(None),
        ]
    elif scope.audience == Audience.PUBLIC:
        conditions += [
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.consent_public_list_at.is_not(None),
        ]
    elif filters.status:
        conditions.append(Registration.status == filters.status)
    if scope.audience == Audience.SECTOR or scope.sector_ids:
        conditions.append(Registration.sector_id.in_(scope.sector_ids))
    conditions += shared_conditions(filters, choice_statuses=(ChoiceStatus.CONFIRMED,))
    return (
        db.select(*columns)
        .join(Sector, Sector.id == Registration.sector_id)
        .outerjoin(Municipality, Municipality.id == Registration.municipality_id)
        .where(*conditions)
        .order_by(Sector.sort_order, Registration.last_name, Registration.first_name, Registration.id)
    )


def count_rows(query):
    return db.session.scalar(db.select(func.count()).select_from(query.order_by(None).subquery()))


def chosen_sessions(event_id, query):
    """{registration id: titles of the sessions with a place, in programme order} for the
    people of `query` (a `participant_rows` Select): two queries however long the list."""
    order = db.session.execute(
        db.select(Session.id, Session.title)
        .join(Slot, Slot.id == Session.slot_id)
        .where(Session.event_id == event_id)
        .order_by(Slot.starts_at, Session.id)
    ).all()
    titles = {session_id: title for session_id, title in order}
    position = {session_id: index for index, (session_id, _title) in enumerate(order)}
    people = query.with_only_columns(Registration.id)
    chosen = defaultdict(list)
    rows = db.session.connection().execute(  # plain rows: there are eight per person
        db.select(SessionChoice.registration_id, SessionChoice.session_id).where(
            SessionChoice.registration_id.in_(people), SessionChoice.status == ChoiceStatus.CONFIRMED
        )
    )
    for registration_id, session_id in rows:
        chosen[registration_id].append(session_id)
    return {
        registration_id: [titles[session_id] for session_id in sorted(session_ids, key=position.__getitem__)]
        for registration_id, session_ids in chosen.items()
    }


@dataclass
class ListRequest:
    """What a list or download is of: the event, who asks and for which sectors."""

    event: Event
    scope: Scope
    sectors: list = field(default_factory=list)  # the Sector rows covered, for headings and sheets


def list_request(user, event_id, sector_id=None):
    """The event and scope a staff member asks for. Unknown event or sector: 404; a
    sector the representative does not represent: 403."""
    event = db.session.get(Event, event_id) or abort(404)
    all_sectors = db.session.scalars(db.select(Sector).order_by(Sector.sort_order)).all()
    if sector_id is not None and sector_id not in {sector.id for sector in all_sectors}:
        abort(404)
    if user.has_role(Role.ORGANISER):
        chosen = [sector for sector in all_sectors if sector.id == sector_id] if sector_id else all_sectors
        ids = (sector_id,) if sector_id else ()
        return ListRequest(event, Scope(Audience.ORGANISER, ids), chosen)
    if event.status == EventStatus.DRAFT:
        abort(404)  # not yet anyone's business but the organisers'
    own = [sector for sector in user.sectors]
    if sector_id is not None:
        if sector_id not in {sector.id for sector in own}:
            abort(403)
        own = [sector for sector in own if sector.id == sector_id]
    return ListRequest(event, Scope(Audience.SECTOR, tuple(sector.id for sector in own)), own)


def record_download(request, *, user, kind, filters, rows):
    """The audit entry of a list read or download: who, which event and sectors, how many rows."""
    with transaction():
        record(
            f"participants.{kind}",
            event_id=request.event.id,
            user=user,
            audience=request.scope.audience.value,
            sectors=[sector.code for sector in request.sectors] if request.scope.sector_ids else "all",
            filters=filters.as_args(),
            rows=rows,
        )
