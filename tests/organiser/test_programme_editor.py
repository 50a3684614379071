"""Organisers build the programme in the back office, and it shows at once on the public page."""

import re

from conference.extensions import db
from conference.programme.models import Session
from tests.support.factories import create_event
from tests.support.forms import hidden_fields, submit
from tests.support.programme import import_small_programme
from tests.support.staff import staff_client


def event_id(app, slug="tinget"):
    from conference.events.models import Event

    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def first_value(html, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        return re.search(r'<option[^>]*value="(\d+)"', select.group(1)).group(1)
    return re.search(rf'name="{name}" type="checkbox" value="(\d+)"', html).group(1)


def test_an_organiser_adds_a_slot_a_room_a_track_and_a_session(app):
    create_event(app)
    organiser = staff_client(app, "organiser")
    base = f"/staff/events/{event_id(app)}/programme"
    page = organiser.get(base).get_data(as_text=True)
    token = hidden_fields(page)["csrf_token"]
    assert (
        organiser.post(
            f"{base}/slots",
            data={
                "csrf_token": token,
                "slot-label": "Pass 1",
                "slot-starts_at": "2030-05-02T10:00",
                "slot-ends_at": "2030-05-02T11:00",
            },
        ).status_code
        == 303
    )
    assert (
        organiser.post(
            f"{base}/rooms", data={"csrf_token": token, "room-name": "Sal A", "room-capacity": "30"}
        ).status_code
        == 303
    )
    assert (
        organiser.post(
            f"{base}/tracks", data={"csrf_token": token, "track-name": "Kultur", "track-colour": "#8a1c5b"}
        ).status_code
        == 303
    )
    bad = organiser.post(f"{base}/tracks", data={"csrf_token": token, "track-name": "Kultur", "track-colour": "red"})
    assert bad.status_code == 422 and "En färg som #8a1c5b." in bad.get_data(as_text=True)

    form = organiser.get(f"{base}/sessions/new").get_data(as_text=True)
    slot, room, track = (first_value(form, name) for name in ("slot_id", "room_id", "track_ids"))
    data = {
        "title": "Kultur i hela länet",
        "description": "Om kultur.",
        "format": "panel",
        "slot_id": slot,
        "room_id": room,
        "track_ids": track,
        "language": "sv",
        "speakers": "Maria Eklund (Region Stockholm)\nJonas Berg",
        "moderator": "Lena Holm (Region Stockholm)",
        "material_url": "",
        "recording_url": "",
    }
    response = organiser.post(f"{base}/sessions/new", data=hidden_fields(form) | data)
    assert response.status_code == 303, response.get_data(as_text=True)
    public = app.test_client().get("/events/tinget/programme").get_data(as_text=True)
    assert "Kultur i hela länet" in public and "30 platser kvar" not in public  # a single session is plenary
    with app.app_context():
        session = db.session.scalars(db.select(Session)).one()
        assert [(s.name, s.organisation, s.role) for s in session.speakers] == [
            ("Maria Eklund", "Region Stockholm", "speaker"),
            ("Jonas Berg", "", "speaker"),
            ("Lena Holm", "Region Stockholm", "moderator"),
        ]
        assert session.effective_capacity == 30 and [t.name for t in session.tracks] == ["Kultur"]

    bad_url = organiser.post(
        f"{base}/sessions/new", data=hidden_fields(form) | data | {"title": "Två", "recording_url": "inte en adress"}
    )
    assert bad_url.status_code == 422
    assert "En webbadress" in bad_url.get_data(as_text=True)
    foreign = organiser.post(f"{base}/sessions/new", data=hidden_fields(form) | data | {"slot_id": "99999"})
    assert foreign.status_code == 422


def programme_rows(app):
    """The stored knowledge areas, rooms and slots, to see that a refused change changed nothing."""
    from conference.events.models import Event
    from conference.programme.models import Room, Slot, Track

    with app.app_context():
        return (
            db.session.execute(db.select(Track.event_id, Track.name, Track.colour).order_by(Track.id)).all(),
            db.session.execute(
                db.select(Room.event_id, Room.name, Room.capacity, Room.accessibility_notes).order_by(Room.id)
            ).all(),
            db.session.execute(
                db.select(Slot.event_id, Slot.label, Slot.starts_at, Slot.ends_at).order_by(Slot.id)
            ).all(),
            db.session.execute(db.select(Event.id, Event.programme_version).order_by(Event.id)).all(),
            db.session.execute(db.select(Session.id, Session.slot_id, Session.room_id).order_by(Session.id)).all(),
        )


def part_ids(app, slug="tinget"):
    """{'tracks': {name: id}, 'rooms': {name: id}, 'slots': {label: id}} of one event."""
    from conference.events.models import Event
    from conference.programme.models import Room, Slot, Track

    with app.app_context():
        event = db.session.scalar(db.select(Event.id).where(Event.slug == slug))
        return {
            "tracks": dict(db.session.execute(db.select(Track.name, Track.id).where(Track.event_id == event)).all()),
            "rooms": dict(db.session.execute(db.select(Room.name, Room.id).where(Room.event_id == event)).all()),
            "slots": dict(db.session.execute(db.select(Slot.label, Slot.id).where(Slot.event_id == event)).all()),
        }


def event_day(app):
    """The event's day in Stockholm, as the slot form's datetime-local inputs take it."""
    from conference.events.calendar import local_wall_time
    from conference.events.models import Event

    with app.app_context():
        return local_wall_time(db.session.scalar(db.select(Event.starts_at).where(Event.slug == "tinget"))).date()


def audit_actions(app):
    from conference.audit.models import AuditEntry

    with app.app_context():
        return db.session.scalars(
            db.select(AuditEntry.action).where(AuditEntry.action.startswith("programme.")).order_by(AuditEntry.id)
        ).all()


def test_an_organiser_renames_a_knowledge_area_a_room_and_a_slot_and_the_public_programme_shows_it_at_once(app):
    create_event(app)
    import_small_programme(app)
    organiser = staff_client(app, "organiser")
    base, ids = f"/staff/events/{event_id(app)}/programme", part_ids(app)
    public = app.test_client()
    before = public.get("/events/tinget/programme").get_data(as_text=True)  # now in the page cache
    assert "Pass 1" in before and ">Kultur<" in before and "Sal A" in before

    form = organiser.get(f"{base}/tracks/{ids['tracks']['Kultur']}").get_data(as_text=True)
    assert 'value="Kultur"' in form and 'value="#8a1c5b"' in form
    response = submit(
        organiser, f"{base}/tracks/{ids['tracks']['Kultur']}", {"name": " Kultur och konst ", "colour": "#123abc"}
    )
    assert response.status_code == 303 and response.headers["Location"] == base
    assert "Ändringen är sparad." in organiser.get(base).get_data(as_text=True)
    room = f"{base}/rooms/{ids['rooms']['Sal A']}"
    assert 'value="2"' in organiser.get(room).get_data(as_text=True)
    response = submit(organiser, room, {"name": "Sal Alfa", "capacity": "2", "accessibility_notes": "Hiss"})
    assert response.status_code == 303
    slot = f"{base}/slots/{ids['slots']['Pass 1']}"
    day = event_day(app)
    assert f'value="{day}T10:00"' in organiser.get(slot).get_data(as_text=True)  # Stockholm time, as entered
    response = submit(
        organiser, slot, {"label": "Seminariepass 1", "starts_at": f"{day}T10:15", "ends_at": f"{day}T11:30"}
    )
    assert response.status_code == 303

    after = public.get("/events/tinget/programme").get_data(as_text=True)
    assert ">Kultur och konst<" in after and "--track: #123abc" in after and ">Kultur<" not in after
    assert "Sal Alfa" in after and "Sal A<" not in after
    assert "10:15–11:30</time> Seminariepass 1" in after and "Pass 1" not in after
    assert audit_actions(app) == ["programme.track_changed", "programme.room_changed", "programme.slot_changed"]


def test_an_organiser_removes_a_knowledge_area_and_an_unused_room_and_slot_after_a_confirmation(app):
    create_event(app)
    import_small_programme(app)
    organiser = staff_client(app, "organiser")
    base = f"/staff/events/{event_id(app)}/programme"
    token = hidden_fields(organiser.get(base).get_data(as_text=True))["csrf_token"]
    organiser.post(f"{base}/rooms", data={"room-csrf_token": token, "room-name": "Sal C"})
    day = event_day(app)
    organiser.post(
        f"{base}/slots",
        data={
            "slot-csrf_token": token,
            "slot-label": "Pass 3",
            "slot-starts_at": f"{day}T15:00",
            "slot-ends_at": f"{day}T16:00",
        },
    )
    ids = part_ids(app)
    public = app.test_client()
    public.get("/events/tinget/programme")

    track = f"{base}/tracks/{ids['tracks']['Idrott']}/remove"
    page = organiser.get(track).get_data(as_text=True)
    assert "Ta bort kunskapsområdet Idrott?" in page and "Idrott för alla" in page and "Ja, ta bort" in page
    assert part_ids(app) == ids  # asking changes nothing
    assert organiser.post(track).status_code == 400  # not without the form's token
    response = submit(organiser, track, {})
    assert response.status_code == 303
    assert "Kunskapsområdet är borttaget." in organiser.get(base).get_data(as_text=True)
    with app.app_context():
        sessions = db.session.scalars(db.select(Session).order_by(Session.id)).all()
        assert {s.title: [t.name for t in s.tracks] for s in sessions} == {
            "Öppning av dagen": ["Kultur"],
            "Kultur i hela länet": ["Kultur"],
            "Idrott för alla": [],
            "Folkbildning och kultur": ["Kultur"],
            "Föreningar i rörelse": [],
        }
    after = public.get("/events/tinget/programme").get_data(as_text=True)
    assert "Idrott för alla" in after and f"track={ids['tracks']['Idrott']}" not in after

    for part, name in (("rooms", "Sal C"), ("slots", "Pass 3")):
        url = f"{base}/{part}/{ids[part][name]}/remove"
        assert "Ingen programpunkt använder det." in organiser.get(url).get_data(as_text=True)
        assert submit(organiser, url, {}).status_code == 303
        assert organiser.get(url).status_code == 404
    assert name not in public.get("/events/tinget/programme").get_data(as_text=True)
    assert set(part_ids(app)["rooms"]) == {"Stora salen", "Sal A", "Sal B"}
    assert set(part_ids(app)["slots"]) == {"Öppning", "Pass 1", "Pass 2"}
    assert audit_actions(app)[-3:] == ["programme.track_removed", "programme.room_removed", "programme.slot_removed"]


def test_a_room_or_slot_that_sessions_use_is_not_removed(app):
    create_event(app)
    import_small_programme(app)
    organiser = staff_client(app, "organiser")
    base, ids = f"/staff/events/{event_id(app)}/programme", part_ids(app)
    before = programme_rows(app)
    for url, message in (
        (f"{base}/rooms/{ids['rooms']['Sal A']}/remove", "Programpunkter äger rum i den här lokalen"),
        (f"{base}/slots/{ids['slots']['Pass 1']}/remove", "Passet har programpunkter"),
    ):
        page = organiser.get(url).get_data(as_text=True)
        assert message in page and "Ja, ta bort" not in page and "Kultur i hela länet" in page
        # Sent anyway, as from a page opened before a session moved in: refused, with the reason.
        token = hidden_fields(organiser.get(f"{base}/tracks/{ids['tracks']['Kultur']}/remove").get_data(as_text=True))
        response = organiser.post(url, data=token)
        assert response.status_code == 303
        assert message in organiser.get(base).get_data(as_text=True)
    assert programme_rows(app) == before and audit_actions(app) == []


def test_more_places_in_a_room_go_to_those_waiting_and_fewer_than_are_taken_are_refused(app, inbox):
    from conference.programme.models import ChoiceStatus
    from tests.programme.test_session_choice import choices, register_with
    from tests.registration.test_journey import text_part

    create_event(app)
    import_small_programme(app)
    for email in ("a@example.se", "b@example.se", "c@example.se"):
        register_with(app.test_client(), app, email, "Kultur i hela länet", "Föreningar i rörelse")
    assert choices(app, "c@example.se") == {
        "Kultur i hela länet": ChoiceStatus.WAITLISTED,  # Sal A has two places
        "Föreningar i rörelse": ChoiceStatus.CONFIRMED,  # in Sal A too, with ten places of its own
    }
    inbox.wait_for(3)
    organiser = staff_client(app, "organiser")
    base, ids = f"/staff/events/{event_id(app)}/programme", part_ids(app)
    room = f"{base}/rooms/{ids['rooms']['Sal A']}"
    before = programme_rows(app)

    fewer = submit(organiser, room, {"name": "Sal Alfa", "capacity": "1"})
    assert fewer.status_code == 422
    assert "2 deltagare har redan plats i Kultur i hela länet" in fewer.get_data(as_text=True)
    assert programme_rows(app) == before  # not even the new name

    response = submit(organiser, room, {"name": "Sal A", "capacity": "4"})
    assert response.status_code == 303
    assert choices(app, "c@example.se")["Kultur i hela länet"] == ChoiceStatus.CONFIRMED
    inbox.wait_for(4)
    (mail,) = [message for message in inbox.to("c@example.se") if "Kultur i hela länet" in message["Subject"]]
    assert "Kultur i hela länet" in text_part(mail)
    public = app.test_client().get("/events/tinget/programme").get_data(as_text=True)
    card = public.split("Kultur i hela länet</a>")[1].split("</li>")[0]
    assert "1 plats kvar" in card  # four places, three taken
    with app.app_context():
        from conference.programme.models import Room

        assert db.session.scalar(db.select(Room.capacity).where(Room.name == "Sal A")) == 4
    assert audit_actions(app) == ["programme.room_changed"]


def test_bad_input_gets_an_error_beside_the_field_and_changes_nothing(app):
    create_event(app)
    import_small_programme(app)
    create_event(app, slug="annat", title="Ett annat ting")
    import_small_programme(app, slug="annat")
    organiser = staff_client(app, "organiser")
    base, ids, day = f"/staff/events/{event_id(app)}/programme", part_ids(app), event_day(app)
    track, room, slot = (
        f"{base}/tracks/{ids['tracks']['Kultur']}",
        f"{base}/rooms/{ids['rooms']['Sal A']}",
        f"{base}/slots/{ids['slots']['Pass 1']}",
    )
    good_slot = {"label": "Pass 1", "starts_at": f"{day}T10:00", "ends_at": f"{day}T11:00"}
    cases = [
        (track, {"name": "", "colour": "#8a1c5b"}, "name", "Fältet måste fyllas i."),
        (track, {"name": "   ", "colour": "#8a1c5b"}, "name", "Fältet måste fyllas i."),
        (track, {"name": "K" * 101, "colour": "#8a1c5b"}, "name", "längre än 100 tecken"),
        (track, {"name": "Kultur", "colour": "red"}, "colour", "En färg som #8a1c5b."),
        (track, {"name": "Kultur", "colour": "#8a1c5"}, "colour", "En färg som #8a1c5b."),
        (track, {"name": "Idrott", "colour": "#8a1c5b"}, "name", "Det finns redan ett kunskapsområde med det namnet."),
        (room, {"name": "", "capacity": "2"}, "name", "Fältet måste fyllas i."),
        (room, {"name": "Sal B", "capacity": "2"}, "name", "Det finns redan en lokal med det namnet."),
        (room, {"name": "Sal A", "capacity": "-1"}, "capacity", "Ett tal från 0 till 100 000."),
        (room, {"name": "Sal A", "capacity": "många"}, "capacity", "Inte ett giltigt heltal"),
        (room, {"name": "Sal A", "accessibility_notes": "x" * 501}, "accessibility_notes", "längre än 500 tecken"),
        (slot, good_slot | {"ends_at": f"{day}T09:30"}, "ends_at", "Passet måste sluta efter att det börjar."),
        (slot, good_slot | {"ends_at": f"{day}T10:00"}, "ends_at", "Passet måste sluta efter att det börjar."),
        (slot, good_slot | {"label": "Pass 2"}, "label", "Det finns redan ett pass med det namnet."),
        (
            slot,
            good_slot | {"starts_at": f"{day}T13:00", "ends_at": f"{day}T13:30"},
            "starts_at",
            "Ett annat pass börjar samtidigt.",
        ),
        (slot, good_slot | {"label": ""}, "label", "Fältet måste fyllas i."),
        (slot, good_slot | {"starts_at": "i morgon"}, "starts_at", ""),  # not a time: whichever error WTForms gives
    ]
    before = programme_rows(app)
    for url, data, field, message in cases:
        response = submit(organiser, url, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, (url, data)
        error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page)
        assert error and message in error.group(1), (data, error and error.group(1))
        assert programme_rows(app) == before, data
    assert audit_actions(app) == []

    # In English the errors are in English.
    organiser.get("/language/en")
    page = submit(organiser, slot, good_slot | {"ends_at": f"{day}T09:00"}).get_data(as_text=True)
    assert "The slot must end after it starts." in page

    other = part_ids(app, "annat")
    token = hidden_fields(organiser.get(track).get_data(as_text=True))
    for part, name in (("tracks", "Kultur"), ("rooms", "Sal B"), ("slots", "Pass 2")):
        foreign = f"{base}/{part}/{other[part][name]}"  # another event's row under this event's address
        assert organiser.get(foreign).status_code == 404
        assert organiser.post(foreign, data=token | {"name": "X", "label": "X"}).status_code == 404
        assert organiser.get(f"{foreign}/remove").status_code == 404
        assert organiser.post(f"{foreign}/remove", data=token).status_code == 404
        assert organiser.get(f"/staff/events/99999/programme/{part}/{ids[part][name]}").status_code == 404
        assert organiser.get(f"{base}/{part}/99999999999999999999").status_code == 404
    assert programme_rows(app) == before and audit_actions(app) == []


def three_attendees_in_two_sessions(app, inbox):
    """The small programme, and three attendees who chose "Kultur i hela länet" (two places in
    Sal A: two get one) and "Föreningar i rörelse" (ten places of its own: all three do)."""
    from tests.programme.test_session_choice import register_with

    create_event(app)
    import_small_programme(app)
    for email in ("a@example.se", "b@example.se", "c@example.se"):
        register_with(app.test_client(), app, email, "Kultur i hela länet", "Föreningar i rörelse")
    inbox.wait_for(3)


def test_a_session_keeps_at_least_as_many_places_as_attendees_hold_in_it(app, inbox):
    from flask_babel import force_locale

    from conference.programme.editing import ProgrammeError, save_session
    from conference.programme.models import SESSION_FIELDS, SpeakerRole

    three_attendees_in_two_sessions(app, inbox)
    before = programme_rows(app)
    with app.app_context():
        item = db.session.scalar(db.select(Session).where(Session.title == "Föreningar i rörelse"))
        assert (item.capacity, item.confirmed_count) == (10, 3)
        people = {role: [(p.name, p.organisation) for p in item.speakers if p.role == role] for role in SpeakerRole}
        change = {
            "event_id": item.event_id,
            "session_id": item.id,
            "fields": {name: getattr(item, name) for name in SESSION_FIELDS}
            | {"slot_id": item.slot_id, "room_id": item.room_id},
            "track_ids": [track.id for track in item.tracks],
            "speakers": people[SpeakerRole.SPEAKER],
            "moderators": people[SpeakerRole.MODERATOR],
        }
        db.session.remove()
        try:
            save_session(**change | {"fields": change["fields"] | {"capacity": 2}})
        except ProgrammeError as error:
            refusal = error
        else:
            raise AssertionError("two places for three attendees were accepted")
        assert refusal.field == "capacity"
        with force_locale("en"):
            assert str(refusal.message) == (
                "3 attendees already have a place in this session: it needs at least as many places."
            )
        assert programme_rows(app) == before
        assert db.session.scalar(db.select(Session.capacity).where(Session.id == change["session_id"])) == 10
        save_session(**change | {"fields": change["fields"] | {"capacity": 3}})
        assert db.session.scalar(db.select(Session.capacity).where(Session.id == change["session_id"])) == 3


def test_an_import_that_would_take_places_back_imports_nothing(app, inbox):
    from conference.programme.importer import ImportFailed
    from tests.support.programme import SMALL_PROGRAMME

    three_attendees_in_two_sessions(app, inbox)
    before = programme_rows(app)
    smaller = SMALL_PROGRAMME.replace("{name: Sal A, capacity: 2}", "{name: Sal A, capacity: 1}").replace(
        "capacity: 10}", "capacity: 2}"
    )
    try:
        import_small_programme(app, text=smaller)
    except ImportFailed as failure:
        problems = failure.errors
    else:
        raise AssertionError("an import that takes places back went through")
    assert sorted(problems) == [
        "session 'Föreningar i rörelse' would have room for 2, but 3 attendees already have a place",
        "session 'Kultur i hela länet' would have room for 1, but 2 attendees already have a place",
    ]
    assert programme_rows(app) == before
