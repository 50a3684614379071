import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import enum_type, utcnow
from conference.events.models import Event
from conference.extensions import db


class SessionFormat(enum.StrEnum):
    KEYNOTE = "keynote"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    PANEL = "panel"
    OTHER = "other"


class ChoiceStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    # The attendee is on the event's waiting list: the choice takes a place once they get one.
    PENDING = "pending"


class SpeakerRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"


class Track(db.Model):
    """A knowledge area (kunskapsområde) of an event's programme."""

    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    name: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7), default="#005595")
    sort_order: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tracks")


class Slot(db.Model):
    """A time block; the sessions in one slot run in parallel."""

    __table_args__ = (UniqueConstraint("event_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    label: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    event: Mapped[Event] = relationship(back_populates="slots")
    sessions: Mapped[list["Session"]] = relationship(back_populates="slot", order_by="Session.id")


class Room(db.Model):
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    name: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int | None]
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="rooms")


session_track = Table(
    "session_track",
    db.metadata,
    Column("session_id", ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("track_id", ForeignKey("track.id", ondelete="CASCADE"), primary_key=True),
)


# What a session's form, the import and the editor set one to one.
SESSION_FIELDS = (
    "title",
    "description",
    "format",
    "capacity",
    "language",
    "interpretation",
    "sign_language",
    "hearing_loop",
    "material_url",
    "recording_url",
)


class Session(db.Model):
    """A programme item: keynote, seminar, workshop, panel."""

    # (id, slot_id) is unique so that a session choice can name both and the database
    # keeps them consistent: that is what makes "one session per slot" a constraint.
    __table_args__ = (UniqueConstraint("id", "slot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[SessionFormat] = mapped_column(enum_type(SessionFormat), default=SessionFormat.SEMINAR)
    # None: the room's capacity; both None: no limit.
    capacity: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(5), default="sv")
    interpretation: Mapped[bool] = mapped_column(default=False)
    sign_language: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    material_url: Mapped[str] = mapped_column(String(500), default="")
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    # Kept exact by conference/programme/seat_counts.py, for pages that show free places.
    confirmed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlisted_count: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship()
    slot: Mapped[Slot] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship()
    tracks: Mapped[list[Track]] = relationship(secondary=session_track, order_by=Track.sort_order)
    speakers: Mapped[list["Speaker"]] = relationship(
        back_populates="session", order_by="Speaker.position", cascade="all, delete-orphan"
    )

    def set_speakers(self, speakers, moderators):
        """Replace the speakers and moderators: (name, organisation) pairs, in this order."""
        people = [(*person, SpeakerRole.SPEAKER) for person in speakers]
        people += [(*person, SpeakerRole.MODERATOR) for person in moderators]
        self.speakers = [
            Speaker(name=name, organisation=organisation, role=role, position=position)
            for position, (name, organisation, role) in enumerate(people)
        ]

    @property
    def effective_capacity(self):
        if self.capacity is not None:
            return self.capacity
        return self.room.capacity if self.room else None


class Speaker(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[SpeakerRole] = mapped_column(enum_type(SpeakerRole), default=SpeakerRole.SPEAKER)
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="speakers")


class SessionChoice(db.Model):
    """An attendee's choice of a session; at most one per slot."""

    __table_args__ = (
        UniqueConstraint("registration_id", "slot_id"),
        ForeignKeyConstraint(["session_id", "slot_id"], ["session.id", "session.slot_id"]),
        Index("uq_session_choice_session_waitlist_seq", "session_id", "waitlist_seq", unique=True),
        Index("ix_session_choice_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"))
    session_id: Mapped[int]
    slot_id: Mapped[int]
    status: Mapped[ChoiceStatus] = mapped_column(enum_type(ChoiceStatus))
    waitlist_seq: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[Session] = relationship()
    registration: Mapped["Registration"] = relationship(back_populates="choices")  # noqa: F821
