"""A small programme, imported through the real importer."""

from conference.programme.importer import import_programme

SMALL_PROGRAMME = """
tracks:
  - {name: Kultur, colour: "#8a1c5b"}
  - {name: Idrott, colour: "#1d6b35"}
rooms:
  - {name: Stora salen, capacity: 300}
  - {name: Sal A, capacity: 2}
  - {name: Sal B, capacity: 50}
slots:
  - {label: Öppning, start: "09:00", end: "09:30"}
  - {label: Pass 1, start: "10:00", end: "11:00"}
  - {label: Pass 2, start: "13:00", end: "14:00"}
sessions:
  - {title: Öppning av dagen, slot: Öppning, room: Stora salen, format: keynote, tracks: [Kultur, Idrott]}
  - {title: Kultur i hela länet, slot: Pass 1, room: Sal A, tracks: [Kultur],
     speakers: [{name: Maria Eklund, organisation: Region Stockholm}], moderator: {name: Lena Holm}}
  - {title: Idrott för alla, slot: Pass 1, room: Sal B, tracks: [Idrott]}
  - {title: Folkbildning och kultur, slot: Pass 2, room: Sal B, tracks: [Kultur]}
  - {title: Föreningar i rörelse, slot: Pass 2, room: Sal A, tracks: [Idrott], capacity: 10}
"""


def import_small_programme(app, slug="tinget", text=SMALL_PROGRAMME):
    with app.app_context():
        import_programme(slug, "programme.yaml", text.encode())


def session_ids(app, slug="tinget"):
    """Session ids by title."""
    from conference.events.models import Event
    from conference.extensions import db
    from conference.programme.models import Session

    with app.app_context():
        rows = db.session.execute(
            db.select(Session.title, Session.id, Session.slot_id).join(Event).where(Event.slug == slug)
        ).all()
        return {title: (session_id, slot_id) for title, session_id, slot_id in rows}
