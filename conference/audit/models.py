from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.database import utcnow
from conference.extensions import db


class AuditEntry(db.Model):
    __table_args__ = (
        Index("ix_audit_entry_at_id", "at", "id"),
        Index("ix_audit_entry_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Kept as text so the entry still says who it was if the account is removed.
    user_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped["User | None"] = relationship()  # noqa: F821
