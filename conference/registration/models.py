import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import enum_type, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.reference.models import Municipality, Sector

ACTIVE = text("status != 'cancelled'")


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


def new_token():
    return secrets.token_urlsafe(32)


CHECKIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_checkin_code():
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(10))


class Registration(db.Model):
    __table_args__ = (
        # One active registration per person and event; cancelled ones do not count.
        Index(
            "uq_registration_event_email_active",
            "event_id",
            "email",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("uq_registration_event_waitlist_seq", "event_id", "waitlist_seq", unique=True),
        Index("ix_registration_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus))
    # The order of arrival on the waiting list; the position shown is the rank among those waiting.
    waitlist_seq: Mapped[int | None]

    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    organisation: Mapped[str] = mapped_column(String(200))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    dietary_needs: Mapped[str] = mapped_column(Text, default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="sv")

    # A consent is given when its time is set; the wording version says what was agreed to.
    consent_sector_list_at: Mapped[datetime | None]
    consent_public_list_at: Mapped[datetime | None]
    consent_mailings_at: Mapped[datetime | None]
    consent_wording_version: Mapped[str] = mapped_column(String(20), default="")

    # The key of the form that created this row, to tell a double submit from a second registration.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]
    # Shown as a QR code on the ticket; short enough to type at the door.
    checkin_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_checkin_code)
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Set when the personal data was erased (on request, or by the retention purge); the row
    # stays, nameless, so that counts by sector, municipality and session stay right.
    erased_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    sector: Mapped[Sector] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    choices: Mapped[list["SessionChoice"]] = relationship(  # noqa: F821
        back_populates="registration", cascade="all, delete-orphan"
    )

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self):
        return self.status != RegistrationStatus.CANCELLED
