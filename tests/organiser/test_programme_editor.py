"""Organisers build the programme in the back office, and it shows at once on the public page."""

import re

from conference.extensions import db
from conference.programme.models import Session
from tests.support.factories import create_event
from tests.support.forms import hidden_fields
from tests.support.staff import staff_client


def event_id(app):
    from conference.events.models import Event

    with app.app_context():
        return db.session.scalar(db.select(Event.id))


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
