"""The seat counts kept on each session, checked against the choices themselves."""

from sqlalchemy import func

from conference.extensions import db
from conference.programme.models import ChoiceStatus, Session, SessionChoice


def seat_counts_mismatch(app):
    """{session title: (kept counts, true counts)} wherever they differ."""
    with app.app_context():
        truth = {}
        for session_id, status, count in db.session.execute(
            db.select(SessionChoice.session_id, SessionChoice.status, func.count()).group_by(
                SessionChoice.session_id, SessionChoice.status
            )
        ):
            truth.setdefault(session_id, {})[status] = count
        mismatch = {}
        for session in db.session.scalars(db.select(Session)):
            true = (
                truth.get(session.id, {}).get(ChoiceStatus.CONFIRMED, 0),
                truth.get(session.id, {}).get(ChoiceStatus.WAITLISTED, 0),
            )
            kept = (session.confirmed_count, session.waitlisted_count)
            if kept != true:
                mismatch[session.title] = (kept, true)
        return mismatch
