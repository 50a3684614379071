"""Follow-up mailings: save a draft, send it now or at a set time, queue one rendered message
per recipient in the outbox, retry the failed, and tell how far delivery has come.

Sending never happens in a web request: the request marks the mailing as scheduled (for
now or later), and the delivery run (`flask mail deliver`, or the embedded default's delivery
thread) fixes the recipient list and queues the messages before it delivers.
"""

from dataclasses import dataclass
from email.utils import make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, update

from conference.audit.services import record
from conference.database import after_commit, lock, transaction, utcnow
from conference.errors import DomainError
from conference.events.calendar import local_time
from conference.extensions import db
from conference.links import public_url
from conference.mailings.audience import RECIPIENT_COLUMNS, audience
from conference.mailings.composing import PLACEHOLDERS, MessageWriter, Template, unknown_placeholders
from conference.mailings.models import (
    Mailing,
    MailingKind,
    MailingStatus,
    MessageKind,
    OutboxMessage,
    OutboxStatus,
)
from conference.mailings.outbox import (
    before_delivery,
    message_id_domain,
    new_message_id,
    wake_delivery,
    wake_queuing,
)
from conference.mailings.unsubscribes import unsubscribe_token, unsubscribe_url_prefix
from conference.programme.models import ChoiceStatus, Session, SessionChoice, Slot
from conference.registration.models import Registration

TEXT_FIELDS = ("subject_sv", "body_sv", "subject_en", "body_en")
INSERT_CHUNK = 1000


def save_mailing(*, event_id, fields, user, mailing_id=None):
    """Create or change a mailing not yet sent; returns its id. `fields`: kind, the four
    texts and `audience` (the filters of audience_filters)."""
    _check_texts(fields)
    with transaction() as session:
        if mailing_id is None:
            mailing = Mailing(event_id=event_id, created_by_id=user.id)
            session.add(mailing)
        else:
            mailing = lock(Mailing, mailing_id)
            _refuse_if_sent(mailing)
        mailing.kind = fields["kind"]
        mailing.audience = fields["audience"]
        for name in TEXT_FIELDS:
            setattr(mailing, name, fields[name].strip())
        session.flush()
        return mailing.id


def send(*, mailing_id, user, at=None, now=None):
    """Send now (at=None) or at `at` (naive UTC): the delivery run queues it when it is due."""
    now = now or utcnow()
    if at is not None and at <= now:
        raise DomainError(_("Choose a time in the future."), field="send_at")
    with transaction():
        mailing = lock(Mailing, mailing_id)
        _refuse_if_sent(mailing)
        count = len(audience(mailing.event_id, mailing.kind, mailing.audience).recipients)
        if count == 0:
            raise DomainError(_("No one would get this mailing. Choose another audience."))
        mailing.status = MailingStatus.SCHEDULED
        mailing.scheduled_at = at or now
        mailing.sent_by_id = user.id
        record("mailing.send", subject=mailing, recipients_now=count, at=mailing.scheduled_at.isoformat())
        after_commit(wake_queuing)


def unschedule(*, mailing_id):
    """Take a scheduled mailing back to a draft, if it has not started."""
    with transaction():
        mailing = lock(Mailing, mailing_id)
        _refuse_if_sent(mailing)
        mailing.status = MailingStatus.DRAFT
        mailing.scheduled_at = None
        record("mailing.unscheduled", subject=mailing)


@before_delivery
def queue_due_mailings(now):
    due = db.session.scalars(
        db.select(Mailing.id).where(Mailing.status == MailingStatus.SCHEDULED, Mailing.scheduled_at <= now)
    ).all()
    for mailing_id in due:
        queue_mailing(mailing_id=mailing_id)


def queue_mailing(*, mailing_id):
    """Fix the recipients and put one rendered message per recipient in the outbox, in one
    transaction: a later registration does not join, and a crash leaves nothing half-queued."""
    with transaction() as session:
        mailing = lock(Mailing, mailing_id)
        if mailing.status != MailingStatus.SCHEDULED:
            return 0  # another worker has queued it
        recipients = audience(mailing.event_id, mailing.kind, mailing.audience).recipients
        renderer = Renderer(mailing)
        writer = MessageWriter(current_app.config["MAIL_DEFAULT_SENDER"])
        domain = message_id_domain()
        now = utcnow()
        rows = []
        for recipient in recipients:
            subject, text, html, _language = renderer.render(recipient)
            message_id = make_msgid(domain=domain)
            raw = writer.write(
                message_id=message_id,
                recipient=recipient.email,
                subject=subject,
                text=text,
                html_body=html,
                unsubscribe_url=renderer.values(recipient)["unsubscribe_link"],
            )
            rows.append(
                {
                    "kind": MessageKind.MAILING,
                    "registration_id": recipient.id,
                    "mailing_id": mailing.id,
                    "recipient": recipient.email,
                    "subject": subject[:300],
                    "raw_message": raw,
                    "context": {},
                    "message_id": message_id,
                    "status": OutboxStatus.QUEUED,
                    "attempts": 0,
                    "last_error": "",
                    "created_at": now,
                    # Due from the mailing's time, so the delivery run that queued them sends them.
                    "next_attempt_at": mailing.scheduled_at,
                }
            )
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(insert(OutboxMessage), rows[start : start + INSERT_CHUNK])
        mailing.status = MailingStatus.QUEUED
        mailing.queued_at = now
        mailing.recipient_count = len(rows)
        record("mailing.queued", subject=mailing, user=mailing.sent_by, recipients=len(rows))
        after_commit(wake_delivery)
        return len(rows)


def send_test(*, mailing_id, user, registration_id=None):
    """Queue the mailing, as `registration_id` (or the first recipient) would get it, to `user`."""
    with transaction() as session:
        mailing = session.get(Mailing, mailing_id)
        recipient = preview_recipient(mailing, registration_id)
        if recipient is None:
            raise DomainError(_("No one would get this mailing. Choose another audience."))
        renderer = Renderer(mailing)
        subject, text, html, _language = renderer.render(recipient)
        subject = _("[Test] %(subject)s", subject=subject)
        message_id = new_message_id()
        session.add(
            OutboxMessage(
                kind=MessageKind.MAILING_TEST,
                mailing_id=mailing.id,
                recipient=user.email,
                subject=subject[:300],
                raw_message=MessageWriter(current_app.config["MAIL_DEFAULT_SENDER"]).write(
                    message_id=message_id,
                    recipient=user.email,
                    subject=subject,
                    text=text,
                    html_body=html,
                    unsubscribe_url=renderer.values(recipient)["unsubscribe_link"],
                ),
                message_id=message_id,
            )
        )
        record("mailing.test_sent", subject=mailing, as_registration=recipient.id)
        after_commit(wake_delivery)


def retry_failed(*, mailing_id):
    """Queue the failed messages of a mailing again; returns how many."""
    with transaction() as session:
        mailing = lock(Mailing, mailing_id)
        count = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.mailing_id == mailing_id,
                OutboxMessage.kind == MessageKind.MAILING,
                OutboxMessage.status == OutboxStatus.FAILED,
            )
            .values(status=OutboxStatus.QUEUED, next_attempt_at=utcnow())
        ).rowcount
        if count:
            record("mailing.retried", subject=mailing, messages=count)
            after_commit(wake_delivery)
        return count


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    failed: int = 0
    waiting: int = 0

    @property
    def percent(self):
        """How much of the mailing is done (sent or failed for good)."""
        return 100 if not self.total else (self.sent + self.failed) * 100 // self.total


def progress(mailing_id):
    counts = dict(
        db.session.execute(
            db.select(OutboxMessage.status, func.count())
            .where(OutboxMessage.mailing_id == mailing_id, OutboxMessage.kind == MessageKind.MAILING)
            .group_by(OutboxMessage.status)
        ).all()
    )
    sent, failed = counts.get(OutboxStatus.SENT, 0), counts.get(OutboxStatus.FAILED, 0)
    waiting = counts.get(OutboxStatus.QUEUED, 0) + counts.get(OutboxStatus.SENDING, 0)
    return Progress(total=sent + failed + waiting, sent=sent, failed=failed, waiting=waiting)


def preview_recipient(mailing, registration_id=None):
    """The recipient a preview or test shows: the one chosen, if in the event, else the first."""
    if registration_id is not None:
        row = db.session.execute(
            db.select(*RECIPIENT_COLUMNS).where(
                Registration.id == registration_id, Registration.event_id == mailing.event_id
            )
        ).one_or_none()
        if row is not None:
            return row
    recipients = audience(mailing.event_id, mailing.kind, mailing.audience).recipients
    return recipients[0] if recipients else None


class Renderer:
    """A mailing compiled once per language; renders any recipient's message."""

    def __init__(self, mailing):
        self.event = mailing.event
        self.templates = {"sv": _template(mailing, "sv", mailing.subject_sv, mailing.body_sv)}
        if mailing.subject_en and mailing.body_en:
            self.templates["en"] = _template(mailing, "en", mailing.subject_en, mailing.body_en)
        self.sessions = sessions_by_registration(mailing.event_id)
        self.manage_prefix = public_url("registration.manage", token="-").removesuffix("-")
        self.unsubscribe_prefix = unsubscribe_url_prefix()
        self._last = (None, None)

    def values(self, recipient):
        """Every placeholder's value for `recipient` (the last one's kept: asked for twice in a row)."""
        if self._last[0] != recipient.id:
            self._last = (
                recipient.id,
                {
                    "first_name": recipient.first_name,
                    "name": f"{recipient.first_name} {recipient.last_name}",
                    "organisation": recipient.organisation,
                    "event": self.event.title,
                    "sessions": self.sessions.get(recipient.id, ""),
                    "manage_link": self.manage_prefix + recipient.token,
                    "unsubscribe_link": self.unsubscribe_prefix + unsubscribe_token(recipient.email),
                },
            )
        return self._last[1]

    def render(self, recipient):
        """(subject, text, HTML fragment, language) of `recipient`'s message."""
        language = recipient.language if recipient.language in self.templates else "sv"
        return *self.templates[language].render(self.values(recipient)), language


def sessions_by_registration(event_id):
    """registration id → the sessions they chose, one per line with the time, in time order."""
    lines = {
        session_id: f"{local_time(starts_at):%H:%M}–{local_time(ends_at):%H:%M} {title}"
        for session_id, title, starts_at, ends_at in db.session.execute(
            db.select(Session.id, Session.title, Slot.starts_at, Slot.ends_at)
            .join(Slot, Slot.id == Session.slot_id)
            .where(Slot.event_id == event_id)
        )
    }
    chosen = {}
    for registration_id, session_id in db.session.execute(
        db.select(SessionChoice.registration_id, SessionChoice.session_id)
        .join(Slot, Slot.id == SessionChoice.slot_id)
        .where(Slot.event_id == event_id, SessionChoice.status == ChoiceStatus.CONFIRMED)
        .order_by(SessionChoice.registration_id, Slot.starts_at)
    ):
        chosen.setdefault(registration_id, []).append(lines[session_id])
    return {registration_id: "\n".join(items) for registration_id, items in chosen.items()}


def _template(mailing, language, subject, body):
    with force_locale(language):
        event = mailing.event.title
        if mailing.kind == MailingKind.PRACTICAL:
            lead = _("Practical information about %(event)s, for everyone registered.", event=event)
            note = _("You get this mail because you are registered for %(event)s.", event=event)
        else:
            lead = ""
            note = _(
                "You get this mail because you are registered for %(event)s and agreed to get follow-up mailings.",
                event=event,
            )
        note += "\n" + _("To get no more mailings: %(link)s", link="{unsubscribe_link}")
    return Template(subject, body, lead=lead, note=note)


def _check_texts(fields):
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for name in TEXT_FIELDS:
        unknown = unknown_placeholders(fields[name])
        if unknown:
            raise DomainError(
                _(
                    "Unknown placeholder %(placeholder)s. You can use: %(known)s.",
                    placeholder="{" + unknown[0] + "}",
                    known=known,
                ),
                field=name,
            )
    if bool(fields["subject_en"].strip()) != bool(fields["body_en"].strip()):
        field = "body_en" if fields["subject_en"].strip() else "subject_en"
        raise DomainError(_("Give both the English subject and text, or neither."), field=field)


def _refuse_if_sent(mailing):
    if mailing.status == MailingStatus.QUEUED:
        raise DomainError(_("This mailing has been sent: it can no longer be changed."))
