import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import enum_type, utcnow
from conference.extensions import db


class Level(enum.StrEnum):
    LOCAL = "local"
    SUB_REGIONAL = "sub_regional"
    REGIONAL = "regional"
    LOCAL_REGIONAL = "local_regional"
    ALL_LEVELS = "all_levels"


class ForumOrigin(enum.StrEnum):
    """Whether a forum series already existed when the dialogue model was drawn up, or is new in it."""

    EXISTING = "existing"
    NEW = "new"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RegistrationWindow(enum.StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


class Forum(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[Level] = mapped_column(enum_type(Level))
    purpose: Mapped[str] = mapped_column(Text, default="")
    parties: Mapped[str] = mapped_column(Text, default="")
    invited_by: Mapped[str] = mapped_column(String(300), default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    origin: Mapped[ForumOrigin] = mapped_column(enum_type(ForumOrigin), default=ForumOrigin.EXISTING)

    events: Mapped[list["Event"]] = relationship(back_populates="forum", order_by="Event.starts_at")


class Event(db.Model):
    __table_args__ = (CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forum.id"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[EventStatus] = mapped_column(enum_type(EventStatus), default=EventStatus.DRAFT)
    capacity: Mapped[int | None]
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    # Only invited addresses may register; the registration service enforces it.
    invitation_only: Mapped[bool] = mapped_column(default=False)
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changes with every change to the row; cached pages of the event are keyed by it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    forum: Mapped[Forum | None] = relationship(back_populates="events")
    tracks: Mapped[list["Track"]] = relationship(  # noqa: F821
        back_populates="event", order_by="Track.sort_order", cascade="all, delete-orphan"
    )
    slots: Mapped[list["Slot"]] = relationship(  # noqa: F821
        back_populates="event", order_by="Slot.starts_at", cascade="all, delete-orphan"
    )
    rooms: Mapped[list["Room"]] = relationship(  # noqa: F821
        back_populates="event", order_by="Room.name", cascade="all, delete-orphan"
    )
    # Bumped by every change to the programme or to its seat counts, so a cached programme
    # page is valid exactly while this number is unchanged.
    programme_version: Mapped[int] = mapped_column(default=0)
    # Bumped by every change to the event's registrations or session choices
    # (conference/registration/changes.py); cached staff pages are keyed by it.
    registrations_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The organiser switches the public participant list on; only those who consented are on it.
    public_list_enabled: Mapped[bool] = mapped_column(default=False)
    # After this day `flask privacy purge` anonymises the registrations; None means the default.
    retention_until: Mapped[date | None]

    @property
    def retention_date(self):
        """The day after which the registrations are anonymised: as set, or twelve months after the event."""
        return self.retention_until or default_retention(self.ends_at)

    def registration_window(self, now=None):
        return registration_window(self, now)


def registration_window(event, now=None):
    """Whether registration is open now for `event`: an Event, or a row with its
    registration_opens_at, registration_closes_at and starts_at."""
    now = now or utcnow()
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationWindow.NOT_YET_OPEN
    closes_at = event.registration_closes_at or event.starts_at
    if now >= closes_at:
        return RegistrationWindow.CLOSED
    return RegistrationWindow.OPEN


def default_retention(ends_at):
    """Twelve months after the event's last day (28 February for a 29 February)."""
    day = ends_at.date()
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
