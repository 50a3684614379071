"""The programme page, the calendar files and the JSON feed show what the database holds."""

from icalendar import Calendar

from conference.extensions import db
from conference.programme.models import Session
from tests.registration.test_journey import manage_path
from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.programme import import_small_programme, session_ids


def entries(data):
    return {str(entry["summary"]): entry for entry in Calendar.from_ical(data).walk("VEVENT")}


def stockholm_local(entry, key):
    value = entry.decoded(key)
    assert value.tzinfo.key == "Europe/Stockholm"
    return value.strftime("%H:%M")


def test_the_programme_page_shows_slots_with_parallel_sessions_and_filters_by_track(app, client):
    create_event(app)
    import_small_programme(app)
    page = client.get("/events/tinget/programme").get_data(as_text=True)
    assert page.index("Öppning av dagen") < page.index("Kultur i hela länet") < page.index("Föreningar i rörelse")
    assert "10:00–11:00" in page and "Pass 1" in page
    assert "2 platser kvar" in page and "10 platser kvar" in page
    assert "Maria Eklund" in page

    with app.app_context():
        kultur = db.session.scalar(db.select(db.text("id FROM track WHERE name = 'Kultur'")))
    filtered = client.get(f"/events/tinget/programme?track={kultur}").get_data(as_text=True)
    assert "Kultur i hela länet" in filtered and "Folkbildning och kultur" in filtered
    assert "Idrott för alla" not in filtered and "Föreningar i rörelse" not in filtered
    assert client.get("/events/tinget/programme?track=abc").status_code == 200


def test_a_session_has_its_own_page(app, client):
    create_event(app)
    import_small_programme(app)
    session_id, _ = session_ids(app)["Kultur i hela länet"]
    page = client.get(f"/events/tinget/sessions/{session_id}").get_data(as_text=True)
    assert "Kultur i hela länet" in page
    assert "Maria Eklund, Region Stockholm" in page and "Lena Holm" in page
    assert "Sal A" in page
    assert client.get("/events/tinget/sessions/999999").status_code == 404
    create_event(app, slug="annat")
    assert client.get(f"/events/annat/sessions/{session_id}").status_code == 404


def test_calendar_files_hold_the_right_times_in_stockholm_time(app, client, inbox):
    create_event(app)
    import_small_programme(app)
    session_id, slot_id = session_ids(app)["Idrott för alla"]

    one = entries(client.get(f"/events/tinget/sessions/{session_id}/calendar.ics").data)
    assert list(one) == ["Idrott för alla"]
    assert stockholm_local(one["Idrott för alla"], "dtstart") == "10:00"
    assert stockholm_local(one["Idrott för alla"], "dtend") == "11:00"

    feed = client.get("/events/tinget/programme.ics")
    assert feed.mimetype == "text/calendar"
    assert set(entries(feed.data)) == {
        "Öppning av dagen",
        "Kultur i hela länet",
        "Idrott för alla",
        "Folkbildning och kultur",
        "Föreningar i rörelse",
    }
    assert b"VTIMEZONE" in feed.data and b"TZID:Europe/Stockholm" in feed.data

    submit(client, "/events/tinget/register", registration_data(app) | {f"slot_{slot_id}": str(session_id)})
    personal = entries(client.get(f"{manage_path(inbox.wait_for(1)[0])}/calendar.ics").data)
    assert set(personal) == {"Öppning av dagen", "Idrott för alla"}
    assert stockholm_local(personal["Öppning av dagen"], "dtstart") == "09:00"
    assert "Sal B" in str(personal["Idrott för alla"]["location"])


def test_the_json_feed_matches_the_database(app, client):
    create_event(app)
    import_small_programme(app)
    session_id, slot_id = session_ids(app)["Kultur i hela länet"]
    submit(client, "/events/tinget/register", registration_data(app) | {f"slot_{slot_id}": str(session_id)})
    feed = client.get("/events/tinget/programme.json").json
    with app.app_context():
        sessions = {s.id: s for s in db.session.scalars(db.select(Session))}
        by_id = {item["id"]: item for slot in feed["slots"] for item in slot["sessions"]}
        assert set(by_id) == set(sessions)
        for item_id, item in by_id.items():
            stored = sessions[item_id]
            assert item["title"] == stored.title
            assert item["room_id"] == stored.room_id
            assert item["capacity"] == stored.effective_capacity
            assert item["track_ids"] == [t.id for t in stored.tracks]
            assert [s["name"] for s in item["speakers"]] == [s.name for s in stored.speakers]
    assert by_id[session_id]["places_left"] == 1
    assert [slot["label"] for slot in feed["slots"]] == ["Öppning", "Pass 1", "Pass 2"]
    assert feed["slots"][1]["starts_at"].endswith(("+01:00", "+02:00"))
    assert {t["name"] for t in feed["tracks"]} == {"Kultur", "Idrott"}
    assert client.get("/events/unknown/programme.json").status_code == 404


def test_the_programme_page_shows_a_new_choice_at_once(app, client):
    create_event(app)
    import_small_programme(app)
    assert "2 platser kvar" in client.get("/events/tinget/programme").get_data(as_text=True)
    before = " ".join(client.get("/events/tinget/register").get_data(as_text=True).split())
    assert "Sal A · Kultur · 2 platser kvar" in before
    session_id, slot_id = session_ids(app)["Kultur i hela länet"]
    submit(app.test_client(), "/events/tinget/register", registration_data(app) | {f"slot_{slot_id}": str(session_id)})
    page = client.get("/events/tinget/programme").get_data(as_text=True)
    assert "2 platser kvar" not in page and "1 plats kvar" in page
    form = client.get("/events/tinget/register").get_data(as_text=True)
    assert "Sal A · Kultur · 1 plats kvar" in " ".join(form.split())  # the form's labels too
    assert "\x00" not in page + form  # no hole left unfilled
    client.get("/language/en")
    assert "1 place left" in client.get("/events/tinget/programme").get_data(as_text=True)


def test_the_programme_page_is_sent_compressed_to_browsers_that_accept_it(app, client):
    import gzip

    create_event(app)
    import_small_programme(app)
    plain = client.get("/events/tinget/programme")
    compressed = client.get("/events/tinget/programme", headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.headers.get("Content-Encoding") is None
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert gzip.decompress(compressed.data) == plain.data
    assert "Kultur i hela länet" in plain.get_data(as_text=True)


def test_a_shared_link_with_tracking_parameters_gets_the_same_page_without_them(app, client):
    create_event(app)
    import_small_programme(app)
    shared = client.get("/events/tinget/programme?utm_source=nyhetsbrev&fbclid=IwAR0abc").get_data(as_text=True)
    assert shared == client.get("/events/tinget/programme").get_data(as_text=True)
    assert "fbclid" not in shared and "IwAR0abc" not in shared
    assert "next=/events/tinget/programme" in shared.replace("%2F", "/")
    filtered = client.get("/events/tinget/programme?track=999999&utm_source=x").get_data(as_text=True)
    assert filtered == shared  # an unknown track shows the whole programme
