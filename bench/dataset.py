"""The event the programme and back-office benchmarks read: a published event with a
programme (4 tracks, 10 rooms, slots of 5 parallel sessions with tracks and speakers) and
confirmed registrations with session choices. Written in bulk (executemany through SQLAlchemy
Core on the app's own tables), so 10,000 registrations take seconds, not minutes.

Run in a setup process through `harness.call(env, "dataset", "seed_event", ...)`.
"""

import random
import secrets
from datetime import timedelta

FULL = {"slots": 40, "registrations": 10_000}
SMALL = {"slots": 4, "registrations": 100}
SESSIONS_PER_SLOT = 5
SLOTS_PER_DAY = 10
CHOICES_PER_REGISTRATION = 8  # at most; one per slot, in slots spread over the programme
TRACKS = [("Kultur", "#8a1c5b"), ("Idrott", "#1d6b35"), ("Folkbildning", "#005595"), ("Civilsamhälle", "#a35a00")]
ROOMS = [
    ("Stora salen", 600),
    ("Sal A", 120),
    ("Sal B", 80),
    ("Sal C", 80),
    ("Sal D", 60),
    ("Hörsalen", 300),
    ("Studion", 40),
    ("Biblioteket", 50),
    ("Verkstaden", 30),
    ("Galleriet", 100),
]
FORMATS = ["seminar", "seminar", "workshop", "panel", "seminar"]
FIRST_NAMES = ["Åsa", "Erik", "Fatima", "Johan", "Karin", "Lars", "Maria", "Mohammed", "Sara", "Örjan"]
LAST_NAMES = ["Andersson", "Berg", "Eklund", "Holm", "Johansson", "Lind", "Nilsson", "Öberg", "Svensson", "Yilmaz"]
ORGANISATIONS = [
    "Studieförbundet Vuxenskolan",
    "Region Stockholm",
    "Stockholms stad",
    "Riksidrottsförbundet",
    "Kulturhuset",
    "ABF Stockholm",
    "Södertörns högskola",
]
CHECKIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def seed_event(slug, slots, registrations):
    """The bench event `slug` with `slots` × 5 sessions and `registrations` confirmed registrations.
    Returns {"event_id", "sessions", "registrations", "choices", "sector_ids"}."""
    from conference import create_app
    from conference.database import transaction, utcnow
    from conference.events.models import Event, EventStatus
    from conference.extensions import db
    from conference.programme.models import (
        ChoiceStatus,
        Room,
        Session,
        SessionChoice,
        Slot,
        Speaker,
        SpeakerRole,
        Track,
        session_track,
    )
    from conference.reference.models import Municipality, Sector
    from conference.registration.models import Registration, RegistrationStatus

    rng = random.Random(slug)
    app = create_app()
    now = utcnow().replace(second=0, microsecond=0)
    first_day = (now + timedelta(days=21)).replace(hour=8, minute=0)
    days = (slots + SLOTS_PER_DAY - 1) // SLOTS_PER_DAY
    with app.app_context(), transaction() as session:
        event = Event(
            slug=slug,
            title="Belastningstinget",
            description="Ett stort forum för benchmarken.",
            venue="Folkets hus",
            address="Barnhusgatan 12, Stockholm",
            contact_email="tinget@example.se",
            starts_at=first_day,
            ends_at=first_day + timedelta(days=days - 1, hours=SLOTS_PER_DAY),
            status=EventStatus.PUBLISHED,
            capacity=None,
            waitlist_enabled=True,
            programme_version=1,
        )
        session.add(event)
        session.flush()
        event_id = event.id

        def insert(table, rows):
            if rows:
                session.execute(table.insert(), rows)

        def ids(column, *where, order_by=None):
            query = db.select(column).where(*where).order_by(order_by if order_by is not None else column)
            return session.scalars(query).all()

        insert(
            Track.__table__,
            [
                {"event_id": event_id, "name": name, "colour": colour, "sort_order": position}
                for position, (name, colour) in enumerate(TRACKS)
            ],
        )
        track_ids = ids(Track.id, Track.event_id == event_id, order_by=Track.sort_order)
        insert(
            Room.__table__,
            [
                {"event_id": event_id, "name": name, "capacity": capacity, "accessibility_notes": ""}
                for name, capacity in ROOMS
            ],
        )
        room_ids = ids(Room.id, Room.event_id == event_id)
        slot_rows = []
        for number in range(slots):
            day, hour = divmod(number, SLOTS_PER_DAY)
            starts_at = first_day + timedelta(days=day, hours=hour)
            slot_rows.append(
                {
                    "event_id": event_id,
                    "label": f"Pass {number + 1}",
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=50),
                }
            )
        insert(Slot.__table__, slot_rows)
        slot_ids = ids(Slot.id, Slot.event_id == event_id, order_by=Slot.starts_at)

        session_rows = []
        for slot_number, slot_id in enumerate(slot_ids):
            rooms = room_ids[:5] if slot_number % 2 == 0 else room_ids[5:]
            for place in range(SESSIONS_PER_SLOT):
                number = slot_number * SESSIONS_PER_SLOT + place
                session_rows.append(
                    {
                        "event_id": event_id,
                        "slot_id": slot_id,
                        "room_id": rooms[place],
                        "title": f"Session {number + 1}: samverkan i länet, del {place + 1}",
                        "description": "Hur vi arbetar tillsammans över sektorsgränserna. " * 3,
                        "format": FORMATS[place],
                        "capacity": None if place else 500,
                        "language": "sv" if number % 7 else "en",
                        "interpretation": number % 9 == 0,
                        "sign_language": number % 11 == 0,
                        "hearing_loop": place == 0,
                        "material_url": "",
                        "recording_url": "",
                    }
                )
        insert(Session.__table__, session_rows)
        sessions = session.execute(
            db.select(Session.id, Session.slot_id).where(Session.event_id == event_id).order_by(Session.id)
        ).all()

        tracks_of_sessions, speakers = [], []
        for number, (session_id, _slot_id) in enumerate(sessions):
            chosen = {track_ids[number % len(track_ids)]}
            if number % 3 == 0:
                chosen.add(track_ids[(number // 3) % len(track_ids)])
            tracks_of_sessions += [{"session_id": session_id, "track_id": track_id} for track_id in sorted(chosen)]
            for position in range(1 + number % 3):
                speakers.append(
                    {
                        "session_id": session_id,
                        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "organisation": rng.choice(ORGANISATIONS),
                        "role": SpeakerRole.SPEAKER,
                        "position": position,
                    }
                )
            if number % 4 == 0:
                speakers.append(
                    {
                        "session_id": session_id,
                        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "organisation": rng.choice(ORGANISATIONS),
                        "role": SpeakerRole.MODERATOR,
                        "position": 9,
                    }
                )
        insert(session_track, tracks_of_sessions)
        insert(Speaker.__table__, speakers)

        sector_ids = session.scalars(db.select(Sector.id).order_by(Sector.sort_order, Sector.id)).all()
        municipality_ids = session.scalars(db.select(Municipality.id).order_by(Municipality.id)).all()
        codes = set()
        registration_rows = []
        for number in range(registrations):
            code = "".join(rng.choice(CHECKIN_ALPHABET) for _ in range(10))
            while code in codes:
                code = "".join(rng.choice(CHECKIN_ALPHABET) for _ in range(10))
            codes.add(code)
            created_at = now - timedelta(days=30) + timedelta(seconds=number * 30 * 86400 // max(registrations, 1))
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            registration_rows.append(
                {
                    "event_id": event_id,
                    "token": secrets.token_urlsafe(32),
                    "status": RegistrationStatus.CONFIRMED,
                    "waitlist_seq": None,
                    "email": f"deltagare{number}@example.se",
                    "first_name": first,
                    "last_name": f"{last} {number}",
                    "phone": "070-123 45 67",
                    "organisation": rng.choice(ORGANISATIONS),
                    "role_title": "Verksamhetsutvecklare",
                    "sector_id": sector_ids[number % len(sector_ids)],
                    "municipality_id": None if number % 10 == 9 else municipality_ids[number % len(municipality_ids)],
                    "dietary_needs": "Vegetarisk" if number % 5 == 0 else "",
                    "accessibility_needs": "",
                    "language": "sv",
                    "consent_sector_list_at": created_at,
                    "consent_public_list_at": created_at if number % 2 else None,
                    "consent_mailings_at": None,
                    "consent_wording_version": "2026-1",
                    "submission_key": None,
                    "created_at": created_at,
                    "updated_at": created_at,
                    "cancelled_at": None,
                    "checkin_code": code,
                    "checked_in_at": None,
                    "checked_in_by_id": None,
                }
            )
        insert(Registration.__table__, registration_rows)
        registration_ids = ids(Registration.id, Registration.event_id == event_id)

        # One choice per slot at most, in slots spread over the programme, sessions taken in turn.
        per_registration = min(CHOICES_PER_REGISTRATION, len(slot_ids))
        step = len(slot_ids) // per_registration if per_registration else 1
        by_slot = [sessions[n : n + SESSIONS_PER_SLOT] for n in range(0, len(sessions), SESSIONS_PER_SLOT)]
        choices = []
        for number, registration_id in enumerate(registration_ids):
            for k in range(per_registration):
                slot_number = (number + k * step) % len(slot_ids)
                session_id, slot_id = by_slot[slot_number][(number // len(slot_ids) + k) % SESSIONS_PER_SLOT]
                choices.append(
                    {
                        "registration_id": registration_id,
                        "session_id": session_id,
                        "slot_id": slot_id,
                        "status": ChoiceStatus.CONFIRMED,
                        "waitlist_seq": None,
                        "created_at": now,
                    }
                )
        insert(SessionChoice.__table__, choices)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Statistics, as autovacuum would have gathered them on a database that filled up over weeks.
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return {
        "event_id": event_id,
        "sessions": len(sessions),
        "registrations": len(registration_ids),
        "choices": len(choices),
        "sector_ids": sector_ids,
    }
