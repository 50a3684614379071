import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.reference.models import Municipality, Sector


class InvitationState(enum.StrEnum):
    """Where an invitee is: derived from the timestamps, the latest answer winning."""

    INVITED = "invited"
    OPENED = "opened"
    REGISTERED = "registered"
    DECLINED = "declined"


def new_invitation_token():
    return secrets.token_urlsafe(32)


class Invitation(db.Model):
    __table_args__ = (UniqueConstraint("event_id", "email", name="uq_invitation_event_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_invitation_token)
    # Personal data: erased by `erase_personal_data`, the state timestamps stay for the figures.
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    language: Mapped[str] = mapped_column(String(5), default="sv")

    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    registered_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(default=0)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="SET NULL"), index=True)

    event: Mapped[Event] = relationship()
    sector: Mapped[Sector | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    registration: Mapped["Registration | None"] = relationship()  # noqa: F821

    @property
    def state(self):
        if self.registered_at is not None:
            return InvitationState.REGISTERED
        if self.declined_at is not None:
            return InvitationState.DECLINED
        if self.opened_at is not None:
            return InvitationState.OPENED
        return InvitationState.INVITED

    @property
    def answered(self):
        return self.registered_at is not None or self.declined_at is not None
