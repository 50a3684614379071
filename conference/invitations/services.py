"""Invitations to an event: an invitee list read and checked whole before anything is
written, a personal mail per invitee through the outbox, what each invitee did with it,
and reminders to those who have not answered."""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from conference.audit.services import record
from conference.database import lock, transaction, utcnow
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.invitations.models import Invitation, new_invitation_token
from conference.invitations.notifications import queue_invitation, queue_reminder
from conference.mailings.models import MessageKind, OutboxMessage, OutboxStatus
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.services import RegistrationError, normalise_email

MAX_LIST_BYTES = 1_000_000
MAX_ROWS = 5000
# A second click on "send reminders" within this time reminds nobody twice.
REMINDER_INTERVAL = timedelta(hours=1)
COLUMNS = ("name", "email", "organisation", "sector", "municipality", "language")
# Header names an organiser's spreadsheet may use, in either language.
HEADER_ALIASES = {
    "name": "name",
    "namn": "name",
    "email": "email",
    "e-mail": "email",
    "e-post": "email",
    "epost": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "sector": "sector",
    "sektor": "sector",
    "municipality": "municipality",
    "kommun": "municipality",
    "language": "language",
    "språk": "language",
}
LANGUAGES = {"": "sv", "sv": "sv", "svenska": "sv", "swedish": "sv", "en": "en", "engelska": "en", "english": "en"}
LIMITS = {
    "name": (200, _l("The name is longer than 200 characters.")),
    "email": (254, _l("The e-mail address is longer than 254 characters.")),
    "organisation": (200, _l("The organisation is longer than 200 characters.")),
}


class InvitationError(DomainError):
    """An invitation action the rules refuse."""


@dataclass
class Invitee:
    row: int
    name: str
    email: str
    organisation: str = ""
    sector_id: int | None = None
    municipality_id: int | None = None
    language: str = "sv"


@dataclass
class ListProblem:
    row: int
    reason: str


class InviteeListError(DomainError):
    """An invitee list with bad rows: each is reported, and nothing is imported."""

    def __init__(self, problems):
        super().__init__(_l("The list has errors. Nothing was imported."))
        self.problems = problems


@dataclass
class ImportOutcome:
    invited: list = field(default_factory=list)
    already_invited: list = field(default_factory=list)


def parse_invitee_list(text):
    """Read a CSV invitee list (name, e-mail, organisation, sector, municipality, language),
    with or without a header row, separated by commas, semicolons or tabs. Every row is
    checked; any bad row raises InviteeListError listing them all."""
    if len(text.encode()) > MAX_LIST_BYTES:
        raise InvitationError(_l("The list is too large: at most 1 MB."), field="invitees")
    if "\x00" in text:
        raise InvitationError(_l("This is not a text file. Save the list as CSV and try again."), field="invitees")
    rows = [(number, row) for number, row in enumerate(_rows(text), start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise InvitationError(_l("The list is empty."), field="invitees")
    columns = _header(rows[0][1])
    if columns is not None:
        rows = rows[1:]
    columns = columns or COLUMNS
    if len(rows) > MAX_ROWS:
        raise InvitationError(_l("At most %(max)d invitees at a time.", max=MAX_ROWS), field="invitees")
    lookup = _ReferenceLookup()
    invitees, problems, seen = [], [], {}
    for number, row in rows:
        values = {name: (row[position].strip() if position < len(row) else "") for position, name in enumerate(columns)}
        try:
            invitee = _invitee(number, values, lookup)
        except InvitationError as error:
            problems.append(ListProblem(number, str(error.message)))
            continue
        if invitee.email in seen:
            problems.append(
                ListProblem(number, str(_l("The e-mail address is also on row %(row)d.", row=seen[invitee.email])))
            )
            continue
        seen[invitee.email] = number
        invitees.append(invitee)
    if problems:
        raise InviteeListError(problems)
    return invitees


def invite(*, event_id, invitees, now=None):
    """Invite each of `invitees` not already invited, mailing each a personal invitation."""
    now = now or utcnow()
    outcome = ImportOutcome()
    with transaction() as session:
        event = lock(Event, event_id)
        known = set(session.scalars(db.select(Invitation.email).where(Invitation.event_id == event.id)))
        for invitee in invitees:
            if invitee.email in known:
                outcome.already_invited.append(invitee.email)
                continue
            invitation = Invitation(
                event=event,
                name=invitee.name,
                email=invitee.email,
                organisation=invitee.organisation,
                sector_id=invitee.sector_id,
                municipality_id=invitee.municipality_id,
                language=invitee.language,
                invited_at=now,
            )
            session.add(invitation)
            session.flush()
            queue_invitation(invitation)
            known.add(invitee.email)
            outcome.invited.append(invitation)
        record(
            "invitations.sent",
            event_id=event.id,
            invited=len(outcome.invited),
            already_invited=len(outcome.already_invited),
        )
    return outcome


def earlier_attendees(event):
    """The latest registration of each person who took part in another edition of the
    event's series, and is neither invited to nor registered for this one."""
    if event.forum_id is None:
        return []
    taken = db.select(Invitation.email).where(Invitation.event_id == event.id)
    registered = db.select(Registration.email).where(
        Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED
    )
    rows = db.session.scalars(
        db.select(Registration)
        .join(Event, Registration.event_id == Event.id)
        .where(
            Event.forum_id == event.forum_id,
            Event.id != event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.email.not_in(taken),
            Registration.email.not_in(registered),
        )
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    ).all()
    latest = {}
    for registration in rows:
        latest.setdefault(registration.email, registration)
    return sorted(latest.values(), key=lambda registration: (registration.last_name, registration.first_name))


def invite_earlier_attendees(*, event_id, registration_ids, now=None):
    """Invite the chosen earlier attendees of the series, with the details they gave then."""
    event = db.session.get(Event, event_id)
    offered = {registration.id: registration for registration in earlier_attendees(event)}
    chosen = [offered[registration_id] for registration_id in registration_ids if registration_id in offered]
    if not chosen:
        raise InvitationError(_l("Choose at least one person to invite."), field="registration_ids")
    invitees = [
        Invitee(
            row=0,
            name=registration.name,
            email=registration.email,
            organisation=registration.organisation,
            sector_id=registration.sector_id,
            municipality_id=registration.municipality_id,
            language=registration.language,
        )
        for registration in chosen
    ]
    return invite(event_id=event_id, invitees=invitees, now=now)


def send_reminders(*, event_id, now=None):
    """Remind everyone invited who has neither registered nor declined, once per action;
    returns how many were reminded."""
    now = now or utcnow()
    with transaction() as session:
        event = lock(Event, event_id)
        pending = session.scalars(
            db.select(Invitation)
            .where(
                Invitation.event_id == event.id,
                Invitation.registered_at.is_(None),
                Invitation.declined_at.is_(None),
                (Invitation.reminded_at.is_(None)) | (Invitation.reminded_at <= now - REMINDER_INTERVAL),
            )
            .order_by(Invitation.id)
        ).all()
        for invitation in pending:
            invitation.reminded_at = now
            invitation.reminders += 1
            queue_reminder(invitation)
        record("invitations.reminded", event_id=event.id, reminded=len(pending))
    return len(pending)


def find_by_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.scalars(db.select(Invitation).where(Invitation.token == token)).one_or_none()


def invitation_for_form(event, token):
    """The invitation a registration form link carries, if it is one to this event."""
    invitation = find_by_token(token)
    return invitation if invitation is not None and invitation.event_id == event.id else None


def mark_opened(*, invitation_id, now=None):
    """The invitee followed their personal link: the first time counts."""
    with transaction():
        invitation = lock(Invitation, invitation_id)
        if invitation.opened_at is None:
            invitation.opened_at = now or utcnow()
    return invitation


def decline(*, invitation_id, now=None):
    """The invitee says no; someone already registered cancels through their own link instead."""
    with transaction():
        invitation = lock(Invitation, invitation_id)
        if invitation.registered_at is not None:
            raise InvitationError(
                _l("You are registered already. To cancel, use the link in your confirmation e-mail.")
            )
        if invitation.declined_at is None:
            invitation.declined_at = now or utcnow()
            invitation.opened_at = invitation.opened_at or invitation.declined_at
    return invitation


def invitations_of(event_id):
    return db.session.scalars(
        db.select(Invitation)
        .where(Invitation.event_id == event_id)
        .options(db.selectinload(Invitation.registration), db.selectinload(Invitation.municipality))
        .order_by(Invitation.name, Invitation.id)
    ).all()


def erase_personal_data(*, event_id=None, email=None):
    """Erase the invitees' personal data, for one event or one address (or both), in a
    transaction of its own. Returns how many invitations were erased."""
    with transaction():
        erased = erase_invitations(event_id=event_id, email=email)
        record("invitations.erased", event_id=event_id, erased=erased)
    return erased


def erase_invitations(*, event_id=None, email=None):
    """In the caller's transaction: the name, address and organisation go, the personal link
    stops working, and the invitation mails not yet sent are withdrawn. Sector, municipality
    and the timestamps stay for the figures. Returns how many invitations were erased."""
    if event_id is None and email is None:
        raise ValueError("erase for an event, an address, or both")
    query = db.select(Invitation)
    if event_id is not None:
        query = query.where(Invitation.event_id == event_id)
    if email is not None:
        query = query.where(Invitation.email == email.strip().lower())
    invitations = db.session.scalars(query.with_for_update()).all()
    addresses = {invitation.email for invitation in invitations}
    for invitation in invitations:
        invitation.name = ""
        invitation.organisation = ""
        # Unique within the event, as the column requires, and no one's address.
        invitation.email = f"erased-{invitation.id}"
        invitation.token = new_invitation_token()
    if addresses:
        _erase_invitation_mails(db.session, addresses)
    return len(invitations)


def _erase_invitation_mails(session, addresses):
    kinds = (MessageKind.EVENT_INVITATION, MessageKind.INVITATION_REMINDER)
    messages = session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind.in_(kinds), OutboxMessage.recipient.in_(addresses))
    ).all()
    for message in messages:
        if message.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING):
            session.delete(message)
        else:
            message.recipient = ""
            message.raw_message = ""
            message.context = {}


def _rows(text):
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect)


def _header(row):
    names = [HEADER_ALIASES.get(cell.strip().lower()) for cell in row]
    if "email" not in names:
        return None
    return tuple(name or f"ignored-{position}" for position, name in enumerate(names))


def _invitee(number, values, lookup):
    name = values.get("name", "")
    if not name:
        raise InvitationError(_l("The name is missing."))
    if not values.get("email"):
        raise InvitationError(_l("The e-mail address is missing."))
    for column, (limit, message) in LIMITS.items():
        if len(values.get(column, "")) > limit:
            raise InvitationError(message)
    try:
        email = normalise_email(values["email"])
    except RegistrationError as error:
        raise InvitationError(_l("“%(value)s” is not a valid e-mail address.", value=values["email"][:80])) from error
    language = LANGUAGES.get(values.get("language", "").lower())
    if language is None:
        raise InvitationError(_l("Unknown language “%(value)s”: use sv or en.", value=values["language"][:40]))
    return Invitee(
        row=number,
        name=name,
        email=email,
        organisation=values.get("organisation", ""),
        sector_id=lookup.sector(values.get("sector", "")),
        municipality_id=lookup.municipality(values.get("municipality", "")),
        language=language,
    )


class _ReferenceLookup:
    """Sectors by code or name and municipalities by name or SCB code, read once per list."""

    def __init__(self):
        self.sectors = {}
        for sector in db.session.scalars(db.select(Sector)):
            for key in (sector.code, sector.name_sv, sector.name_en):
                self.sectors[key.lower()] = sector.id
        self.municipalities = {}
        for municipality in db.session.scalars(db.select(Municipality)):
            self.municipalities[municipality.name.lower()] = municipality.id
            self.municipalities[municipality.code] = municipality.id

    def sector(self, value):
        if not value:
            return None
        if value.lower() not in self.sectors:
            raise InvitationError(_l("Unknown sector “%(value)s”.", value=value[:80]))
        return self.sectors[value.lower()]

    def municipality(self, value):
        if not value:
            return None
        if value.lower() not in self.municipalities:
            raise InvitationError(
                _l("Unknown municipality “%(value)s”: use one of the 26 in Stockholm County.", value=value[:80])
            )
        return self.municipalities[value.lower()]
