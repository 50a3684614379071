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


class OutboxMessage(db.Model):
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"), index=True)
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
