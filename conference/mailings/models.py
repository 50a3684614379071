import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import enum_type, utcnow
from conference.extensions import db


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MessageKind(enum.StrEnum):
    CONFIRMATION = "confirmation"
    MANAGE_LINK = "manage_link"
    PROMOTION = "promotion"
    CANCELLATION = "cancellation"
    SESSION_PROMOTION = "session_promotion"
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"
    # An invitee's invitation to an event, and its reminder (not a staff account's invitation).
    EVENT_INVITATION = "event_invitation"
    INVITATION_REMINDER = "invite_reminder"
    MAILING = "mailing"
    MAILING_TEST = "mailing_test"


class OutboxMessage(db.Model):
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
    # The mailing this message is one recipient's copy of.
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailing.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    # Set when the message is rendered: when queued, or by the worker from `context`.
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The whole RFC 5322 message; once rendered, every retry sends the same bytes.
    raw_message: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker's claim on a message it is sending; an expired claim means the worker died.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    registration: Mapped["Registration | None"] = relationship()  # noqa: F821


class MailingKind(enum.StrEnum):
    # Thanks, documentation, surveys: only to those who consented to follow-up mailings.
    FOLLOW_UP = "follow_up"
    # About the event itself (a changed time or room): to everyone registered, marked as such.
    PRACTICAL = "practical"


class MailingStatus(enum.StrEnum):
    DRAFT = "draft"
    # Waiting for its time; the delivery worker fixes the recipients and queues the messages then.
    SCHEDULED = "scheduled"
    # Its messages are in the outbox: the recipient list is fixed.
    QUEUED = "queued"


class Mailing(db.Model):
    __table_args__ = (Index("ix_mailing_due", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    kind: Mapped[MailingKind] = mapped_column(enum_type(MailingKind), default=MailingKind.FOLLOW_UP)
    subject_sv: Mapped[str] = mapped_column(String(300))
    body_sv: Mapped[str] = mapped_column(Text)
    # Attendees who chose English get these; empty means they get the Swedish version.
    subject_en: Mapped[str] = mapped_column(String(300), default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # The audience as the query arguments of the registrations list (status, sector, …).
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[MailingStatus] = mapped_column(enum_type(MailingStatus), default=MailingStatus.DRAFT)
    scheduled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None]
    recipient_count: Mapped[int] = mapped_column(default=0)

    event: Mapped["Event"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    sent_by: Mapped["User | None"] = relationship(foreign_keys=[sent_by_id])  # noqa: F821


class Unsubscribe(db.Model):
    """An address that wants no more mailings, kept as a keyed hash (HMAC with SECRET_KEY):
    a purge of personal data leaves no address behind, yet the address stays unsubscribed."""

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # From a mail client's one-click POST (RFC 8058) or the page's button.
    source: Mapped[str] = mapped_column(String(20), default="page")
