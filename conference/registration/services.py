"""Registration actions. Each is one transaction that locks the event row before it counts
places, so that two people racing for the last place can never both get it."""

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from conference.audit.services import record
from conference.database import lock, lock_values, transaction, utcnow
from conference.errors import DomainError
from conference.events.models import Event, EventStatus, RegistrationWindow, registration_window
from conference.extensions import db
from conference.invitations.access import invited_address, mark_registered, unused_invitation
from conference.mailings.models import MessageKind, OutboxMessage
from conference.programme.choices import apply_choices, checked_sessions, place_pending_choices
from conference.registration.changes import bumping
from conference.registration.models import ACTIVE, Registration, RegistrationStatus, new_checkin_code, new_token
from conference.registration.notifications import (
    insert_with_confirmation,
    queue_cancellation,
    queue_confirmation,
    queue_manage_link,
    queue_promotion,
    queue_session_promotion,
)

DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "organisation",
    "role_title",
    "sector_id",
    "municipality_id",
    "dietary_needs",
    "accessibility_needs",
    "language",
)
MANAGE_LINK_INTERVAL = timedelta(minutes=10)
CONSENTS = ("consent_sector_list", "consent_public_list", "consent_mailings")


class RegistrationError(DomainError):
    """A registration the rules refuse."""


@dataclass
class RegistrationOutcome:
    # The personal link's token, for the confirmation page.
    token: str
    # False when the address was already registered: the manage link was mailed again instead.
    created: bool
    # The same form sent twice (a double click): show the first answer again, mail nothing.
    double_submit: bool = False
    # The event's row as the registration found it, its registrations_version bumped, with
    # the fields of its version row (events.services.published_event_version): what the
    # form's process may note of it. (Session choices bump that version once more: a page
    # kept under the older one is rendered from what is read then all the same.)
    event: object = None


def normalise_email(address):
    """The canonical form of an e-mail address: trimmed, validated, lower case."""
    try:
        return _normalised(address.strip())
    except EmailNotValidError as error:
        raise RegistrationError(_l("Enter a valid e-mail address, like name@example.se."), field="email") from error


@lru_cache(maxsize=256)
def _normalised(address):
    # The form checks the address, then the service normalises it: validate it once.
    return validate_email(address, check_deliverability=False).normalized.lower()


# The event's row, taken for the registration: its version bumped (the registrations are
# about to change) and its rules read, in one statement that also locks it.
_CLAIM_EVENT = bumping(
    Event.id,
    Event.slug,
    Event.status,
    Event.updated_at,
    Event.programme_version,
    Event.registrations_version,
    Event.capacity,
    Event.waitlist_enabled,
    Event.invitation_only,
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.starts_at,
)
# The invitation to the address, read once the event's lock is held: on PostgreSQL a
# statement sees what was committed when it began, and an organiser adds invitations under
# that lock, so a subquery of the UPDATE above could miss one it waited for. An event by
# invitation only reads it before the INSERT (and once more in its RETURNING); any other,
# in the INSERT's RETURNING only.
_INVITATION_OF_ADDRESS = select(invited_address(bindparam("event_id"), bindparam("email")))
# What a new registration is given; the rest (such as checked_in_at) starts empty.
NEW_REGISTRATION_COLUMNS = (
    "event_id",
    "token",
    "checkin_code",
    "email",
    "status",
    "waitlist_seq",
    "submission_key",
    "created_at",
    "updated_at",
    *DETAIL_FIELDS,
    *(f"{name}_at" for name in CONSENTS),
    "consent_wording_version",
)


def _new_registration(insert):
    """The INSERT of a registration, each of its columns a `:new_<column>` value, that adds
    nothing when the address has an active registration for the event already (the partial
    unique index): the check for one and the INSERT are one statement. It returns the new
    id and the invitation to the address, if any."""
    return (
        insert(Registration.__table__)
        .values({name: bindparam(f"new_{name}") for name in NEW_REGISTRATION_COLUMNS})
        .on_conflict_do_nothing(index_elements=["event_id", "email"], index_where=ACTIVE)
        .returning(
            Registration.id,
            invited_address(bindparam("new_event_id"), bindparam("new_email")).label("invitation_id"),
        )
    )


_NEW_REGISTRATION = {"postgresql": _new_registration(postgresql.insert), "sqlite": _new_registration(sqlite.insert)}


@dataclass(frozen=True)
class EventShown:
    """The event as a registration form was built for it: the slug it was sent to and the
    programme it offered choices in."""

    slug: str
    programme_version: int


class EventChanged(RegistrationError):
    """The event is no longer as the form was built for it: unpublished, renamed, or its
    programme changed since."""

    def __init__(self):
        super().__init__(_l("The event changed while you were registering. Check the form and send it again."))


def register(
    *,
    event_id,
    details,
    consents,
    session_ids=(),
    submission_key=None,
    invitation_token=None,
    shown=None,
    now=None,
):
    """Register a person for an event: confirmed while places remain, else waitlisted.

    `session_ids` are the sessions chosen in slots with parallel sessions; `invitation_token`
    is the personal invitation link the form was opened from, if any; `shown`, when given,
    is the event as the form was built for it (EventShown), refused with EventChanged unless
    the event is still so. A registration rush runs through here, so the rows are read and
    written with plain statements on the transaction's connection: on PostgreSQL four round
    trips (BEGIN, the event, the registration with its confirmation and the invitation to
    the address, COMMIT) for an open event without a limit on places. Counting places adds
    two, an event by invitation only one, an invitation to mark one, and a personal link
    with no invitation to the address one.
    Only session choices, which have rules of their own, go through the ORM.
    """
    now = now or utcnow()
    email = normalise_email(details["email"])
    with transaction() as session:
        event = lock_values(_CLAIM_EVENT, Event, event_id)
        if shown is not None and (
            event.status != EventStatus.PUBLISHED
            or event.slug != shown.slug
            or event.programme_version != shown.programme_version
        ):
            raise EventChanged()
        try:
            status, sequence, sessions, invitation_id = _admission(event, email, session_ids, invitation_token, now)
        except DomainError:
            # Someone registered already hears of that rather than of why a new one is refused.
            if (registration := _active_registration(event.id, email)) is not None:
                return _registered_before(registration, submission_key, now, event)
            raise
        token = new_token()
        values = {
            "event_id": event.id,
            "token": token,
            "email": email,
            "status": status,
            "waitlist_seq": sequence,
            "submission_key": submission_key,
            "created_at": now,
            "updated_at": now,
            "checkin_code": new_checkin_code(),
            **{name: details[name] for name in DETAIL_FIELDS},
            **_consent_values(consents, now),
        }
        added = insert_with_confirmation(
            _NEW_REGISTRATION[session.get_bind().dialect.name],
            {f"new_{name}": values[name] for name in NEW_REGISTRATION_COLUMNS},
            email=email,
            status=status,
            # Those waiting already, and this one.
            waitlist_position=_waitlist_rank(event.id, sequence) + 1 if sequence else None,
        )
        if added is None:  # the address is registered already (the INSERT added nothing)
            return _registered_before(_active_registration(event.id, email), submission_key, now, event)
        registration_id = added.id
        # As for an event by invitation only: the address's invitation, else the link's.
        invitation_id = (
            invitation_id or added.invitation_id or unused_invitation(session.connection(), event.id, invitation_token)
        )
        if invitation_id is not None:
            mark_registered(session.connection(), invitation_id, registration_id, now)
        if sessions:
            registration = session.get(Registration, registration_id)
            apply_choices(registration, sessions, now=now, on_promotion=queue_session_promotion)
    return RegistrationOutcome(token, created=True, event=event)


def _admission(event, email, session_ids, invitation_token, now):
    """Whether the rules admit a new registration, and how: (status, waitlist sequence,
    the sessions chosen, and for an event by invitation only the invitation it uses).
    Raises a DomainError if they do not."""
    _check_open(event, now)
    invitation_id = None
    if event.invitation_only:
        connection = db.session.connection()
        invitation_id = connection.execute(
            _INVITATION_OF_ADDRESS, {"event_id": event.id, "email": email}
        ).scalar() or unused_invitation(connection, event.id, invitation_token)
    if event.invitation_only and invitation_id is None:
        raise RegistrationError(
            _l(
                "This event is by invitation only, and this e-mail address has not been invited."
                " Use the address your invitation was sent to, or ask the organisers for an invitation."
            ),
            field="email",
        )
    sessions = checked_sessions(event.id, session_ids)
    if has_room(event):
        return RegistrationStatus.CONFIRMED, None, sessions, invitation_id
    if event.waitlist_enabled:
        return RegistrationStatus.WAITLISTED, _next_waitlist_seq(event), sessions, invitation_id
    raise RegistrationError(_l("The event is full, and it has no waiting list."))


def _registered_before(registration, submission_key, now, event):
    """The address has an active registration already: a double submit of the same form is
    answered as the first was; else the manage link is mailed again (once per interval)."""
    double_submit = bool(submission_key) and registration.submission_key == submission_key
    if not double_submit and not _manage_link_recently_sent(registration, now):
        queue_manage_link(registration)
    return RegistrationOutcome(registration.token, created=False, double_submit=double_submit, event=event)


def update_details(*, registration_id, details, consents, session_ids=None, by_staff=False, now=None):
    """Change what an attendee can change through the manage link; `session_ids` None
    leaves the session choices as they are. A change by staff is in the audit log."""
    now = now or utcnow()
    email = normalise_email(details["email"])
    with transaction() as session:
        event_id = session.scalar(db.select(Registration.event_id).where(Registration.id == registration_id))
        lock(Event, event_id)
        registration = lock(Registration, registration_id)
        check_changeable(registration)
        if session_ids is not None:
            sessions = checked_sessions(event_id, session_ids)
            apply_choices(registration, sessions, now=now, on_promotion=queue_session_promotion)
        if email != registration.email:
            if _active_registration(registration.event_id, email) is not None:
                raise RegistrationError(
                    _l("Another registration for this event already uses this e-mail address."), field="email"
                )
            registration.email = email
        for name in DETAIL_FIELDS:
            setattr(registration, name, details[name])
        _apply_consents(registration, consents, now)
        if by_staff:
            record("registration.changed", subject=registration)
    return registration


def check_changeable(registration):
    """A cancelled registration's details and choices stay as they were."""
    if registration.status == RegistrationStatus.CANCELLED:
        raise RegistrationError(_l("This registration is cancelled and can no longer be changed."))


def cancel(*, registration_id, by_staff=False, now=None):
    """Cancel a registration; a freed place goes to the first on the waiting list. One
    cancelled already is refused, and nobody is mailed again."""
    now = now or utcnow()
    with transaction() as session:
        event_id = session.scalar(db.select(Registration.event_id).where(Registration.id == registration_id))
        event = lock(Event, event_id)
        registration = lock(Registration, registration_id)
        if registration.status == RegistrationStatus.CANCELLED:
            raise RegistrationError(_l("This registration was already cancelled. No mail is sent."))
        if by_staff:
            record("registration.cancelled", subject=registration)
        return cancel_locked(event, registration, now=now)


def cancel_locked(event, registration, *, now, notify=True):
    """Cancel `registration` and give its places to those waiting; call inside a transaction
    with the event and the registration locked. `notify` False: no cancellation mail (the
    attendee who deletes their data gets none, as their address is erased at once)."""
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.waitlist_seq = None
    apply_choices(registration, [], on_promotion=queue_session_promotion)
    if notify:
        queue_cancellation(registration)
    return promote_waiting(event)


def promote_waiting(event):
    """Give free places to those first in line; call with the event row locked."""
    promoted = []
    while _free_places(event) != 0:
        first = db.session.scalars(
            db.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.waitlist_seq)
            .limit(1)
        ).first()
        if first is None:
            break
        first.status = RegistrationStatus.CONFIRMED
        first.waitlist_seq = None
        db.session.flush()
        place_pending_choices(first)
        queue_promotion(first)
        promoted.append(first)
    return promoted


def promote_now(*, registration_id):
    """An organiser gives a waiting person a place now, ahead of the line if need be. When
    the event is full its capacity grows by one, so confirmed never exceeds capacity."""
    with transaction() as session:
        event_id = session.scalar(db.select(Registration.event_id).where(Registration.id == registration_id))
        event = lock(Event, event_id)
        registration = lock(Registration, registration_id)
        if registration.status != RegistrationStatus.WAITLISTED:
            raise RegistrationError(_l("Only someone on the waiting list can be promoted."))
        if event.capacity is not None and confirmed_count(event) >= event.capacity:
            event.capacity += 1
        registration.status = RegistrationStatus.CONFIRMED
        registration.waitlist_seq = None
        session.flush()
        place_pending_choices(registration)
        queue_promotion(registration)
        record("registration.promoted", subject=registration, capacity=event.capacity)
    return registration


def resend_confirmation(*, registration_id):
    """Mail the confirmation (or the waiting-list notice) again; refused for a cancelled or
    erased registration, which has nothing to confirm."""
    with transaction():
        registration = lock(Registration, registration_id)
        if registration.erased_at is not None:
            raise RegistrationError(_l("This person's data is erased: no confirmation can be sent."))
        if registration.status == RegistrationStatus.CANCELLED:
            raise RegistrationError(_l("This registration is cancelled: no confirmation is sent."))
        queue_confirmation(registration, waitlist_position=waitlist_position(registration))
        record("registration.confirmation_resent", subject=registration)
    return registration


def renew_manage_link(*, registration_id):
    """Replace the personal link (the old one stops working) and mail the new one."""
    with transaction():
        registration = lock(Registration, registration_id)
        registration.token = new_token()
        queue_manage_link(registration)
    return registration


def find_by_token(token):
    if not token or len(token) > 64:
        return None
    return db.session.scalars(
        db.select(Registration).where(Registration.token == token, Registration.erased_at.is_(None))
    ).one_or_none()


def confirmed_count(event):
    return db.session.scalar(
        db.select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    )


def places_left(event):
    """Free places, or None when the event has no limit."""
    return _free_places(event)


def _free_places(event):
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_count(event), 0)


def waiting_count(event):
    return db.session.scalar(
        db.select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
    )


def has_room(event):
    """A place is free, and nobody who came earlier is waiting for it."""
    if event.capacity is None:
        return True
    return _free_places(event) > 0 and waiting_count(event) == 0


def waitlist_position(registration):
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return _waitlist_rank(registration.event_id, registration.waitlist_seq)


def _waitlist_rank(event_id, sequence):
    return db.session.scalar(
        db.select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.waitlist_seq <= sequence,
        )
    )


def _manage_link_recently_sent(registration, now):
    """One resent link per ten minutes: typing someone's address again and again must not flood them."""
    return (
        db.session.scalar(
            db.select(OutboxMessage.id).where(
                OutboxMessage.registration_id == registration.id,
                OutboxMessage.kind == MessageKind.MANAGE_LINK,
                OutboxMessage.created_at > now - MANAGE_LINK_INTERVAL,
            )
        )
        is not None
    )


def _active_registration(event_id, email):
    return db.session.scalars(
        db.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == email,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    ).one_or_none()


def _next_waitlist_seq(event):
    highest = db.session.scalar(db.select(func.max(Registration.waitlist_seq)).where(Registration.event_id == event.id))
    return (highest or 0) + 1


def _check_open(event, now):
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationError(_l("Registration for this event is not open."))
    window = registration_window(event, now)
    if window == RegistrationWindow.NOT_YET_OPEN:
        raise RegistrationError(_l("Registration has not opened yet."))
    if window == RegistrationWindow.CLOSED:
        raise RegistrationError(_l("Registration has closed."))


def _apply_consents(registration, consents, now):
    """`consents` None leaves them as they are: only the attendee gives or withdraws one."""
    if consents is None:
        return
    for name in CONSENTS:
        column = f"{name}_at"
        given = bool(consents.get(name))
        if given and getattr(registration, column) is None:
            setattr(registration, column, now)
            registration.consent_wording_version = current_app.config["CONSENT_WORDING_VERSION"]
        elif not given:
            setattr(registration, column, None)


def _consent_values(consents, now):
    """The consent columns of a new registration: the time of each consent given."""
    values = {f"{name}_at": now if consents.get(name) else None for name in CONSENTS}
    values["consent_wording_version"] = current_app.config["CONSENT_WORDING_VERSION"] if any(values.values()) else ""
    return values
