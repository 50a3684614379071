import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import enum_type, utcnow
from conference.extensions import db
from conference.reference.models import Sector


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    SECTOR_REPRESENTATIVE = "sector_representative"


user_sector = Table(
    "user_sector",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class StaffMember(UserMixin):
    """What Flask-Login and the pages ask of a staff account: the same for the ORM `User` and
    for `SignedIn`, the copy of it that a request gets as `current_user`."""

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """What the login cookie holds: a changed password ends every other session."""
        return f"{self.id}:{self.password_stamp()}"

    def password_stamp(self):
        """A fragment of the password hash: links and sessions from before a change stop working."""
        return self.stamp_of(self.password_hash)

    @staticmethod
    def stamp_of(password_hash):
        return (password_hash or "unset")[-12:]

    def has_role(self, *roles):
        """Administrators may do all an organiser may."""
        return self.role in roles or (self.role == Role.ADMIN and Role.ORGANISER in roles)


class User(StaffMember, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_type(Role))
    # None until an invited person sets a password through their invitation link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    sectors: Mapped[list[Sector]] = relationship(secondary=user_sector, order_by=Sector.sort_order)


class SignedIn(StaffMember):
    """The signed-in account as `current_user`: its row as read at the start of the request,
    without the ORM (every staff page loads it, and most need only its id, address and role).
    Anything else asked of it, such as its sectors, comes from the session's `User`, loaded
    on first use. It compares equal to the `User` of the same account and password."""

    def __init__(self, **columns):
        self.__dict__.update(columns)

    def __getattr__(self, name):
        # Only called for what the row does not hold.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.account(), name)

    def account(self):
        """The session's `User` of this account."""
        if "_account" not in self.__dict__:
            self._account = db.session.get(User, self.id)
        return self._account
