"""Choosing sessions: at registration, through the manage link, with per-session waiting lists."""

import re

import pytest
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from conference.database import transaction
from conference.events.models import Event
from conference.extensions import db
from conference.programme.choices import ChoiceError, checked_sessions
from conference.programme.models import ChoiceStatus, SessionChoice
from conference.registration.models import Registration
from tests.registration.test_journey import manage_path, text_part
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.programme import import_small_programme, session_ids
from tests.support.seats import seat_counts_mismatch


@pytest.fixture(autouse=True)
def seat_counts_stay_exact(app):
    """Whatever a test does to the choices, each session's kept seat counts follow."""
    yield
    assert seat_counts_mismatch(app) == {}


def event_id(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def choice_fields(app, **chosen_titles):
    """Form values choosing sessions by title: {'slot_<id>': '<session id>'}."""
    ids = session_ids(app)
    return {f"slot_{ids[title][1]}": str(ids[title][0]) for title in chosen_titles.values()}


def register_with(client, app, email, *titles):
    data = registration_data(app, email=email) | choice_fields(app, **{str(i): t for i, t in enumerate(titles)})
    return submit(client, "/events/tinget/register", data)


def choices(app, email=None):
    """{email: {title: status}}"""
    with app.app_context():
        rows = db.session.scalars(db.select(SessionChoice)).all()
        result = {}
        for choice in rows:
            result.setdefault(choice.registration.email, {})[choice.session.title] = choice.status
    return result if email is None else result.get(email, {})


def test_attendee_chooses_sessions_when_registering_and_sees_them_on_the_manage_page(app, client, inbox):
    create_event(app)
    import_small_programme(app)
    form = client.get("/events/tinget/register").get_data(as_text=True)
    assert "Pass 1, 10:00–11:00" in form
    assert "Öppning av dagen" not in form  # a plenary session needs no choice
    assert "Ingen programpunkt i detta pass" in form

    response = register_with(client, app, "asa@example.se", "Kultur i hela länet", "Föreningar i rörelse")
    assert response.status_code == 303
    assert choices(app, "asa@example.se") == {
        "Kultur i hela länet": ChoiceStatus.CONFIRMED,
        "Föreningar i rörelse": ChoiceStatus.CONFIRMED,
    }
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ditt program" in confirmation and "Kultur i hela länet" in confirmation

    (mail,) = inbox.wait_for(1)
    body = text_part(mail)
    assert "Ditt program" in body
    assert re.search(r"09:00–09:30\s+Öppning av dagen, Stora salen", body)
    assert re.search(r"10:00–11:00\s+Kultur i hela länet, Sal A", body)
    manage = client.get(manage_path(mail)).get_data(as_text=True)
    assert "Kultur i hela länet" in manage and "Föreningar i rörelse" in manage


def test_attendee_changes_one_session_and_drops_another_through_the_link(app, client, inbox):
    create_event(app)
    import_small_programme(app)
    register_with(client, app, "asa@example.se", "Kultur i hela länet", "Föreningar i rörelse")
    path = manage_path(inbox.wait_for(1)[0])
    ids = session_ids(app)
    data = registration_data(app, email="asa@example.se") | {
        f"slot_{ids['Idrott för alla'][1]}": str(ids["Idrott för alla"][0]),
        f"slot_{ids['Föreningar i rörelse'][1]}": "",
    }
    assert submit(client, path, data).status_code == 303
    assert choices(app, "asa@example.se") == {"Idrott för alla": ChoiceStatus.CONFIRMED}
    page = client.get(path).get_data(as_text=True)
    assert "Idrott för alla" in page.split("Ändra dina uppgifter")[0]


def test_two_sessions_in_one_slot_are_refused_with_a_clear_message(app, client):
    create_event(app)
    import_small_programme(app)
    ids = session_ids(app)
    slot = ids["Kultur i hela länet"][1]
    page = client.get("/events/tinget/register").get_data(as_text=True)
    data = list((hidden_fields(page) | registration_data(app)).items())
    data += [(f"slot_{slot}", str(ids["Kultur i hela länet"][0])), (f"slot_{slot}", str(ids["Idrott för alla"][0]))]
    response = client.post("/events/tinget/register", data=MultiDict(data))
    assert response.status_code == 422
    assert "Du kan välja högst en programpunkt i varje pass." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
        with pytest.raises(ChoiceError, match="högst en programpunkt i varje pass"):
            checked_sessions(event_id(app), [ids["Kultur i hela länet"][0], ids["Idrott för alla"][0]])


def test_a_session_of_another_event_or_a_made_up_id_is_refused_and_changes_nothing(app, client):
    create_event(app)
    create_event(app, slug="annat")
    import_small_programme(app)
    import_small_programme(app, slug="annat")
    ours, theirs = session_ids(app), session_ids(app, slug="annat")
    slot = ours["Kultur i hela länet"][1]
    for value in (str(theirs["Kultur i hela länet"][0]), "999999", "abc", "-1"):
        response = submit(client, "/events/tinget/register", registration_data(app) | {f"slot_{slot}": value})
        assert response.status_code == 422
        assert "Inte ett giltigt val" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
        for foreign in (theirs["Kultur i hela länet"][0], 999999):
            with pytest.raises(ChoiceError, match="inte med i evenemangets program"):
                checked_sessions(event_id(app), [foreign])


def test_a_full_session_waitlists_and_a_cancellation_promotes_the_next_with_a_mail(app, inbox):
    create_event(app)
    import_small_programme(app)  # "Kultur i hela länet" is in Sal A: two places
    clients = {email: app.test_client() for email in ("a@example.se", "b@example.se", "c@example.se", "d@example.se")}
    for email, client in clients.items():
        assert register_with(client, app, email, "Kultur i hela länet").status_code == 303
    assert {email: c["Kultur i hela länet"] for email, c in choices(app).items()} == {
        "a@example.se": ChoiceStatus.CONFIRMED,
        "b@example.se": ChoiceStatus.CONFIRMED,
        "c@example.se": ChoiceStatus.WAITLISTED,
        "d@example.se": ChoiceStatus.WAITLISTED,
    }
    inbox.wait_for(4)
    assert "reservlista, nummer 1" in text_part(inbox.to("c@example.se")[0])
    assert "reservlista, nummer 2" in text_part(inbox.to("d@example.se")[0])
    programme = clients["a@example.se"].get("/events/tinget/programme").get_data(as_text=True)
    assert "fullt – reservlista" in programme

    path = manage_path(inbox.to("a@example.se")[0])
    cancel_page = clients["a@example.se"].get(f"{path}/cancel").get_data(as_text=True)
    clients["a@example.se"].post(f"{path}/cancel", data=hidden_fields(cancel_page))
    assert choices(app, "c@example.se") == {"Kultur i hela länet": ChoiceStatus.CONFIRMED}
    assert choices(app, "d@example.se") == {"Kultur i hela länet": ChoiceStatus.WAITLISTED}
    assert choices(app, "a@example.se") == {}
    inbox.wait_for(6)
    (promotion,) = [m for m in inbox.to("c@example.se") if "programpunkten" in m["Subject"]]
    assert promotion["Subject"] == "Du har fått en plats i programpunkten Kultur i hela länet"
    manage_d = clients["d@example.se"].get(manage_path(inbox.to("d@example.se")[0])).get_data(as_text=True)
    assert "reservlista, nummer 1" in manage_d


def test_changing_away_from_a_full_session_gives_its_place_to_the_next(app, inbox):
    create_event(app)
    import_small_programme(app)
    first, second, third = (app.test_client() for _ in range(3))
    register_with(first, app, "a@example.se", "Kultur i hela länet")
    register_with(second, app, "b@example.se", "Kultur i hela länet")
    register_with(third, app, "c@example.se", "Kultur i hela länet")
    path = manage_path(inbox.wait_for(3)[0])
    ids = session_ids(app)
    data = registration_data(app, email="a@example.se") | {
        f"slot_{ids['Idrott för alla'][1]}": str(ids["Idrott för alla"][0])
    }
    assert submit(first, path, data).status_code == 303
    assert choices(app, "c@example.se") == {"Kultur i hela länet": ChoiceStatus.CONFIRMED}
    assert choices(app, "a@example.se") == {"Idrott för alla": ChoiceStatus.CONFIRMED}
    inbox.wait_for(4)
    assert inbox.to("c@example.se")[-1]["Subject"] == "Du har fått en plats i programpunkten Kultur i hela länet"


def test_choices_of_someone_on_the_event_waiting_list_take_their_place_when_promoted(app, inbox):
    create_event(app, capacity=1)
    import_small_programme(app)
    first, second = app.test_client(), app.test_client()
    register_with(first, app, "a@example.se", "Idrott för alla")
    register_with(second, app, "b@example.se", "Idrott för alla")
    assert choices(app, "b@example.se") == {"Idrott för alla": ChoiceStatus.PENDING}
    path = manage_path(inbox.wait_for(2)[0])
    first.post(f"{path}/cancel", data=hidden_fields(first.get(f"{path}/cancel").get_data(as_text=True)))
    assert choices(app, "b@example.se") == {"Idrott för alla": ChoiceStatus.CONFIRMED}


def test_more_places_in_a_session_go_to_those_waiting_for_it(app, inbox):
    from conference.programme.editing import save_session
    from conference.programme.models import Session

    create_event(app)
    import_small_programme(app)
    for email in ("a@example.se", "b@example.se", "c@example.se"):
        register_with(app.test_client(), app, email, "Kultur i hela länet")
    assert choices(app, "c@example.se") == {"Kultur i hela länet": ChoiceStatus.WAITLISTED}
    with app.app_context():
        session = db.session.scalars(db.select(Session).where(Session.title == "Kultur i hela länet")).one()
        fields = {
            name: getattr(session, name)
            for name in (
                "title",
                "description",
                "format",
                "slot_id",
                "room_id",
                "language",
                "interpretation",
                "sign_language",
                "hearing_loop",
                "material_url",
                "recording_url",
            )
        }
        save_session(
            event_id=session.event_id,
            session_id=session.id,
            fields=fields | {"capacity": 10},
            track_ids=[t.id for t in session.tracks],
            speakers=[],
            moderators=[],
        )
    assert choices(app, "c@example.se") == {"Kultur i hela länet": ChoiceStatus.CONFIRMED}
    inbox.wait_for(4)


def test_seat_counts_follow_a_statement_that_changes_choices_in_bulk(app, client):
    create_event(app)
    import_small_programme(app)
    register_with(app.test_client(), app, "a@example.se", "Kultur i hela länet")  # Sal A holds 2
    assert "1 plats kvar" in client.get("/events/tinget/programme").get_data(as_text=True)
    with app.app_context(), transaction():
        db.session.execute(update(SessionChoice).values(status=ChoiceStatus.WAITLISTED, waitlist_seq=1))
    page = client.get("/events/tinget/programme").get_data(as_text=True)
    assert "1 plats kvar" not in page and "2 platser kvar" not in page
