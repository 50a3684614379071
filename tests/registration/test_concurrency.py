"""Forty people race for ten places, through the real form, on SQLite and on PostgreSQL."""

import threading

from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.services import waitlist_position
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields

RACERS = 40
PLACES = 10


def test_forty_racing_for_ten_places_gives_ten_confirmed_and_thirty_waiting_in_order(app, inbox):
    create_event(app, capacity=PLACES)
    clients = [app.test_client() for _ in range(RACERS)]
    forms = [hidden_fields(c.get("/events/tinget/register").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(RACERS)
    outcomes = [None] * RACERS

    def race(index):
        data = forms[index] | registration_data(app, email=f"racer{index}@example.se")
        start.wait()
        outcomes[index] = clients[index].post("/events/tinget/register", data=data).status_code

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == [303] * RACERS
    with app.app_context():
        stored = db.session.scalars(db.select(Registration)).all()
        confirmed = [r for r in stored if r.status == RegistrationStatus.CONFIRMED]
        waiting = sorted((r for r in stored if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlist_seq)
        positions = [waitlist_position(r) for r in waiting]
    assert len(stored) == RACERS
    assert len(confirmed) == PLACES
    assert len(waiting) == RACERS - PLACES
    assert positions == list(range(1, RACERS - PLACES + 1))
    assert len({r.email for r in stored}) == RACERS
    assert len(inbox.wait_for(RACERS)) == RACERS


def test_the_same_person_racing_themselves_is_registered_once(app, inbox):
    create_event(app, capacity=PLACES)
    clients = [app.test_client() for _ in range(8)]
    forms = [hidden_fields(c.get("/events/tinget/register").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(len(clients))
    answers = {}

    def race(index):
        start.wait()
        response = clients[index].post("/events/tinget/register", data=forms[index] | registration_data(app))
        answers[index] = response.status_code

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # One is registered; the others are told the address is registered already (no error).
    assert sorted(answers.values()) == [200] * (len(clients) - 1) + [303]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1
