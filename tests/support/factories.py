"""Build the rows a test needs through the app's own models."""

from datetime import timedelta

from conference.database import transaction, utcnow
from conference.events.models import Event, EventStatus, Forum, Level
from conference.extensions import db
from conference.reference.models import Municipality, Sector


def create_event(app, *, slug="tinget", capacity=None, waitlist_enabled=True, opens_in=None, closes_in=None, **fields):
    """A published event three weeks ahead; `opens_in`/`closes_in` are timedeltas from now."""
    now = utcnow()
    starts_at = now.replace(second=0, microsecond=0) + timedelta(days=21)
    with app.app_context(), transaction() as session:
        event = Event(
            slug=slug,
            title=fields.pop("title", "Stockholmstinget test"),
            venue="Folkets hus",
            address="Barnhusgatan 12, Stockholm",
            contact_email="tinget@example.se",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=7),
            status=fields.pop("status", EventStatus.PUBLISHED),
            capacity=capacity,
            waitlist_enabled=waitlist_enabled,
            registration_opens_at=now + opens_in if opens_in is not None else None,
            registration_closes_at=now + closes_in if closes_in is not None else None,
            **fields,
        )
        session.add(event)
        session.flush()
        return event.slug


def reference_ids(app, *, sector="adult_education", municipality="0180"):
    """Form values for a sector (by code) and a municipality (by SCB code)."""
    with app.app_context():
        sector_id = db.session.scalar(db.select(Sector.id).where(Sector.code == sector))
        municipality_id = db.session.scalar(db.select(Municipality.id).where(Municipality.code == municipality))
        return str(sector_id), str(municipality_id)


def registration_data(app, **overrides):
    sector, municipality = reference_ids(app)
    return {
        "first_name": "Åsa",
        "last_name": "Öberg",
        "email": "asa.oberg@example.se",
        "phone": "070-123 45 67",
        "organisation": "Studieförbundet Vuxenskolan",
        "role_title": "Verksamhetsutvecklare",
        "sector": sector,
        "municipality": municipality,
        "dietary_needs": "Vegetarisk",
        "accessibility_needs": "",
        "language": "sv",
    } | overrides


def create_forum(app, *, name="Kommundialog", level=Level.SUB_REGIONAL):
    """A forum series; returns its id."""
    with app.app_context(), transaction() as session:
        forum = Forum(name=name, level=level, purpose="Dialog")
        session.add(forum)
        session.flush()
        return forum.id
