"""Forty attendees race for a session with ten places, on SQLite and on PostgreSQL."""

import threading

import pytest

from conference.extensions import db
from conference.programme.choices import choice_position
from conference.programme.models import ChoiceStatus, SessionChoice
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields
from tests.support.programme import import_small_programme, session_ids
from tests.support.seats import seat_counts_mismatch

RACERS = 40


@pytest.fixture(autouse=True)
def seat_counts_stay_exact(app):
    """Whatever a test does to the choices, each session's kept seat counts follow."""
    yield
    assert seat_counts_mismatch(app) == {}


def test_forty_choosing_a_ten_place_session_at_once_gives_ten_places_and_thirty_in_line(app, inbox):
    create_event(app)
    import_small_programme(app)  # "Föreningar i rörelse" has capacity 10
    session_id, slot_id = session_ids(app)["Föreningar i rörelse"]
    clients = [app.test_client() for _ in range(RACERS)]
    forms = [hidden_fields(c.get("/events/tinget/register").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(RACERS)
    outcomes = [None] * RACERS

    def race(index):
        data = (
            forms[index]
            | registration_data(app, email=f"racer{index}@example.se")
            | {f"slot_{slot_id}": str(session_id)}
        )
        start.wait()
        outcomes[index] = clients[index].post("/events/tinget/register", data=data).status_code

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == [303] * RACERS
    with app.app_context():
        stored = db.session.scalars(db.select(SessionChoice).where(SessionChoice.session_id == session_id)).all()
        confirmed = [c for c in stored if c.status == ChoiceStatus.CONFIRMED]
        waiting = sorted((c for c in stored if c.status == ChoiceStatus.WAITLISTED), key=lambda c: c.waitlist_seq)
        positions = [choice_position(c) for c in waiting]
    assert len(stored) == RACERS
    assert len(confirmed) == 10
    assert positions == list(range(1, RACERS - 10 + 1))
    inbox.wait_for(RACERS)
