from conference.database import utcnow
from conference.events.models import Event, EventStatus
from conference.extensions import db


def published_event(slug):
    """The published event with this slug, or None."""
    return db.session.scalars(
        db.select(Event).where(Event.slug == slug, Event.status == EventStatus.PUBLISHED)
    ).one_or_none()


def upcoming_events(now=None):
    now = now or utcnow()
    return db.session.scalars(
        db.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at >= now).order_by(Event.starts_at)
    ).all()
