"""The attendee's privacy rights and the retention rule.

`erase_registrations` is the one place that blanks a person's data, in every table that
holds it: the attendee's own deletion, an organiser's erasure on request and the retention
purge all go through it. A table that comes to hold attendees' personal data gets its own
eraser in ERASERS. What the statistics need stays: the row itself with its sector,
municipality, status, session choices and check-in time.
"""

from dataclasses import dataclass

from sqlalchemy import String, cast, literal, update

from conference.audit.models import AuditEntry
from conference.audit.services import record
from conference.database import lock, transaction, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.invitations.services import erase_invitations
from conference.mailings.models import Mailing, MessageKind, OutboxMessage, OutboxStatus
from conference.organiser.checkin_services import fold
from conference.programme.models import ChoiceStatus
from conference.programme.services import agenda
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.services import cancel_locked

ERASED = "[erased]"
# Audit details that hold what staff typed (searches): personal data whenever they name someone.
FREE_TEXT_KEYS = frozenset({"q", "query"})
PURGE_BATCH = 1000


# --------------------------------------------------------------------------- the attendee


def personal_data(registration):
    """All that Ting holds about the attendee, as JSON-able data (their right of access)."""
    event = registration.event
    messages = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id).order_by(OutboxMessage.id)
    ).all()
    return {
        "event": {"title": event.title, "slug": event.slug, "starts_at": _iso(event.starts_at)},
        "registration": {
            "status": registration.status.value,
            "registered_at": _iso(registration.created_at),
            "updated_at": _iso(registration.updated_at),
            "cancelled_at": _iso(registration.cancelled_at),
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "email": registration.email,
            "phone": registration.phone,
            "organisation": registration.organisation,
            "role": registration.role_title,
            "sector": registration.sector.name,
            "municipality": registration.municipality.name if registration.municipality else None,
            "dietary_needs": registration.dietary_needs,
            "accessibility_needs": registration.accessibility_needs,
            "language": registration.language,
            "checked_in_at": _iso(registration.checked_in_at),
            "checkin_code": registration.checkin_code,
        },
        "consents": {
            "sector_lists": _iso(registration.consent_sector_list_at),
            "public_list": _iso(registration.consent_public_list_at),
            "mailings": _iso(registration.consent_mailings_at),
            "wording_version": registration.consent_wording_version,
        },
        "sessions": [
            {"title": item.session.title, "status": item.status.value if item.status else ChoiceStatus.CONFIRMED.value}
            for item in agenda(registration)
        ],
        "messages": [
            {
                "kind": message.kind.value,
                "subject": message.subject,
                "status": message.status.value,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
            }
            for message in messages
        ],
        "retention_until": event.retention_date.isoformat(),
    }


def withdraw_consents(*, registration_id):
    """Withdraw every consent at once; also for a cancelled registration."""
    with transaction():
        registration = lock(Registration, registration_id)
        registration.consent_sector_list_at = None
        registration.consent_public_list_at = None
        registration.consent_mailings_at = None
    return registration


def delete_registration(*, registration_id, now=None):
    """The attendee deletes their registration: the place goes to the next in line, and the
    personal data is erased at once. Returns the people promoted."""
    now = now or utcnow()
    with transaction():
        event_id = db.session.scalar(db.select(Registration.event_id).where(Registration.id == registration_id))
        event = lock(Event, event_id)
        registration = lock(Registration, registration_id)
        promoted = []
        if registration.status != RegistrationStatus.CANCELLED:
            promoted = cancel_locked(event, registration, now=now, notify=False)
        erase_registrations([registration], now=now)
    return promoted


# --------------------------------------------------------------------------- organisers


def erase_on_request(*, registration_id, by_user, now=None):
    """An organiser erases one person's data on request. Before the event ends their place
    is freed too; afterwards the row stays, nameless, in the statistics."""
    now = now or utcnow()
    with transaction():
        event_id = db.session.scalar(db.select(Registration.event_id).where(Registration.id == registration_id))
        event = lock(Event, event_id)
        registration = lock(Registration, registration_id)
        if registration.erased_at is not None:
            return False
        if registration.status != RegistrationStatus.CANCELLED and event.ends_at > now:
            cancel_locked(event, registration, now=now, notify=False)
        erase_registrations([registration], now=now)
        record("registration.erased", subject=registration, user=by_user, reason="request")
    return True


@dataclass
class PurgeReport:
    events: int = 0
    registrations: int = 0


def purge(*, now=None, user=None):
    """Anonymise the registrations of every event whose retention date has passed."""
    now = now or utcnow()
    report = PurgeReport()
    candidates = db.session.scalars(
        db.select(Event.id)
        .where(Event.ends_at < now)
        .where(
            db.select(Registration.id)
            .where(Registration.event_id == Event.id, Registration.erased_at.is_(None))
            .exists()
        )
    ).all()
    for event_id in candidates:
        if db.session.get(Event, event_id).retention_date >= now.date():
            continue
        report.events += 1
        report.registrations += _purge_event(event_id, now, user)
    return report


def _purge_event(event_id, now, user):
    erased = 0
    with transaction():
        lock(Event, event_id)
        while batch := db.session.scalars(
            db.select(Registration)
            .where(Registration.event_id == event_id, Registration.erased_at.is_(None))
            .limit(PURGE_BATCH)
        ).all():
            erase_registrations(batch, now=now, whole_event=True)
            erased += len(batch)
        record("privacy.purged", event_id=event_id, user=user, registrations=erased)
    return erased


# --------------------------------------------------------------------------- erasure


def erase_registrations(registrations, *, now, whole_event=False):
    """Blank the personal data of `registrations` (all of one event) in every table that
    holds it; call inside a transaction. `whole_event`: every registration of the event is
    being erased, so every free text in its audit entries goes too."""
    if not registrations:
        return
    needles = _needles(registrations)
    ids = [registration.id for registration in registrations]
    for eraser in ERASERS:
        eraser(registrations[0].event_id, ids, needles, whole_event)
    db.session.flush()
    db.session.execute(
        update(Registration)
        .where(Registration.id.in_(ids))
        .values(
            first_name="",
            last_name="",
            email=literal("erased-") + cast(Registration.id, String),
            token=literal("erased-") + cast(Registration.id, String),
            phone="",
            organisation="",
            role_title="",
            dietary_needs="",
            accessibility_needs="",
            submission_key=None,
            consent_sector_list_at=None,
            consent_public_list_at=None,
            consent_mailings_at=None,
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    for registration in registrations:
        db.session.expire(registration)


def _erase_outbox(event_id, ids, needles, whole_event):
    """Messages to the person: no address, subject, body or context remains; one not yet
    sent is never sent."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.registration_id.in_(ids), OutboxMessage.status.in_(_UNSENT))
        .values(status=OutboxStatus.FAILED, last_error=ERASED)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.registration_id.in_(ids))
        .values(recipient="", subject="", raw_message=None, context={}, last_error=ERASED)
        .execution_options(synchronize_session=False)
    )


_UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)


def _erase_audit(event_id, ids, needles, whole_event):
    """Staff searches that name the person (or, for a whole event, every search in it)."""
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.event_id == event_id)).all()
    for entry in entries:
        scrubbed = _scrub(entry.details, needles, whole_event)
        if scrubbed != entry.details:
            entry.details = scrubbed


def _erase_invitations(event_id, ids, needles, whole_event):
    """The invitations to the event of these people (all of them, for a whole event)."""
    if whole_event:
        erase_invitations(event_id=event_id)
        return
    emails = db.session.scalars(db.select(Registration.email).where(Registration.id.in_(ids))).all()
    for email in emails:
        erase_invitations(event_id=event_id, email=email)


def _erase_mailing_tests(event_id, ids, needles, whole_event):
    """Test copies of the event's mailings: each was rendered as an attendee would get it and
    sent to an organiser, so it may be anyone's. They are disposable: all of them go."""
    mailing_ids = db.select(Mailing.id).where(Mailing.event_id == event_id).scalar_subquery()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind == MessageKind.MAILING_TEST, OutboxMessage.mailing_id.in_(mailing_ids))
        .values(subject="", raw_message=None, context={})
        .execution_options(synchronize_session=False)
    )


# Add the eraser of each table that holds attendees' personal data here.
ERASERS = (_erase_outbox, _erase_audit, _erase_invitations, _erase_mailing_tests)


def _needles(registrations):
    """The folded texts that identify these people, for finding them in free text."""
    texts = set()
    for registration in registrations:
        for text in (
            registration.email,
            registration.phone,
            registration.first_name,
            registration.last_name,
            f"{registration.first_name} {registration.last_name}",
        ):
            folded = fold(text or "").strip()
            if len(folded) >= 2:
                texts.add(folded)
    return texts


def _scrub(value, needles, everything, key=None):
    if isinstance(value, dict):
        return {name: _scrub(item, needles, everything, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles, everything, key) for item in value]
    if not isinstance(value, str) or not value:
        return value
    folded = fold(value)
    if key in FREE_TEXT_KEYS:
        # A search may hold a part of the name ("oberg" for Öberg): any word of it will do.
        words = [word for word in folded.split() if len(word) >= 2]
        if everything or any(word in needle for word in words for needle in needles):
            return ERASED
    # A whole event's purge blanks every search above; other details name no attendee.
    if not everything and any(needle in folded for needle in needles):
        return ERASED
    return value


def _iso(moment):
    return moment.isoformat() if moment else None
