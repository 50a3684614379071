"""A process takes a registration in with the form built for the event as it last read it,
without reading it again first; the registration checks it under the event's lock. Here the
event changes between that read and the POST. A second app on the same database plays the
other gunicorn worker, which served the visitor a page after the change."""

import time
from datetime import timedelta

import pytest

from conference.database import transaction, utcnow
from conference.events.models import Event, EventStatus
from conference.extensions import db
from conference.mailings.models import OutboxMessage
from conference.registration import services, views
from conference.registration.models import Registration
from tests.conftest import close_app, make_app
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields
from tests.support.programme import SMALL_PROGRAMME, import_small_programme, session_ids

FORM = "/events/tinget/register"


@pytest.fixture
def other_worker(database_url, smtp_server):
    other = make_app(database_url, smtp_server.port)
    yield other
    close_app(other)


def page_from(worker, client, path=FORM):
    """The page `worker` serves to the visitor whose cookies `client` keeps."""
    other_client = worker.test_client()
    page = other_client.get(path).get_data(as_text=True)
    client.set_cookie("session", other_client.get_cookie("session").value)
    return page


def stored(app):
    with app.app_context():
        return [
            (registration.event.slug, registration.email, sorted(choice.session_id for choice in registration.choices))
            for registration in db.session.scalars(db.select(Registration).order_by(Registration.id))
        ]


def queued(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))


def change_event(app, **changes):
    with app.app_context(), transaction() as session:
        event = session.scalars(db.select(Event).where(Event.slug == "tinget")).one()
        for name, value in changes.items():
            setattr(event, name, value)


def test_a_choice_in_a_programme_published_after_this_process_read_the_event_is_kept(app, client, other_worker, inbox):
    create_event(app)
    # This process takes a registration while the event has no programme.
    earlier = app.test_client()
    page = earlier.get(FORM).get_data(as_text=True)
    earlier.post(FORM, data=hidden_fields(page) | registration_data(app, email="earlier@example.se"))
    import_small_programme(other_worker)
    page = page_from(other_worker, client)
    session_id, slot_id = session_ids(app)["Idrott för alla"]
    assert f'name="slot_{slot_id}"' in page

    response = client.post(FORM, data=hidden_fields(page) | registration_data(app) | {f"slot_{slot_id}": session_id})

    assert response.status_code == 303
    assert stored(app)[1:] == [("tinget", "asa.oberg@example.se", [session_id])]
    inbox.wait_for(2)
    assert inbox.to("asa.oberg@example.se")[0]["Subject"] == "Din anmälan till Stockholmstinget test"


def test_a_session_added_after_this_process_built_its_form_is_taken_not_refused(app, client, other_worker, inbox):
    create_event(app)
    import_small_programme(app)
    # This process builds the form for the programme as it is, taking a registration.
    earlier = app.test_client()
    page = earlier.get(FORM).get_data(as_text=True)
    earlier.post(FORM, data=hidden_fields(page) | registration_data(app, email="earlier@example.se"))
    import_small_programme(
        other_worker,
        text=SMALL_PROGRAMME.replace(
            "sessions:", "sessions:\n  - {title: Läsfrämjande, slot: Pass 1, room: Stora salen}"
        ),
    )
    page = page_from(other_worker, client)
    session_id, slot_id = session_ids(app)["Läsfrämjande"]

    response = client.post(FORM, data=hidden_fields(page) | registration_data(app) | {f"slot_{slot_id}": session_id})

    assert response.status_code == 303
    assert stored(app)[-1] == ("tinget", "asa.oberg@example.se", [session_id])


def test_a_form_sent_to_an_address_that_now_names_another_event_registers_for_that_one(app, client, other_worker):
    create_event(app)
    page = client.get(FORM).get_data(as_text=True)
    change_event(other_worker, slug="tinget-2026")
    create_event(other_worker, slug="tinget", title="Stockholmstinget 2027")

    response = client.post(FORM, data=hidden_fields(page) | registration_data(app))

    assert response.status_code == 303
    assert stored(app) == [("tinget", "asa.oberg@example.se", [])]
    with app.app_context():
        assert db.session.scalars(db.select(Registration)).one().event.title == "Stockholmstinget 2027"


def test_a_form_sent_after_the_event_was_unpublished_is_not_found_and_changes_nothing(app, client, other_worker):
    create_event(app)
    page = client.get(FORM).get_data(as_text=True)
    change_event(other_worker, status=EventStatus.DRAFT)

    response = client.post(FORM, data=hidden_fields(page) | registration_data(app))

    assert response.status_code == 404
    assert stored(app) == []
    assert queued(app) == 0


def test_a_change_by_another_process_shows_on_the_form_within_a_second(app, client, other_worker):
    create_event(app)
    assert 'name="first_name"' in client.get(FORM).get_data(as_text=True)
    change_event(other_worker, registration_closes_at=utcnow() - timedelta(minutes=1))

    time.sleep(views.FORM_MAX_AGE + 0.1)
    assert "Anmälan är stängd." in client.get(FORM).get_data(as_text=True)


def test_a_change_made_by_this_process_shows_on_the_form_at_once(app, client, monkeypatch):
    monkeypatch.setattr(views, "FORM_MAX_AGE", 3600)  # only the change can make the form read again
    create_event(app)
    assert 'name="slot_' not in client.get(FORM).get_data(as_text=True)
    import_small_programme(app)  # bumps the programme's version with an UPDATE statement
    assert 'name="slot_' in client.get(FORM).get_data(as_text=True)
    change_event(app, registration_closes_at=utcnow() - timedelta(minutes=1))  # an ORM flush

    assert "Anmälan är stängd." in client.get(FORM).get_data(as_text=True)


def test_the_service_refuses_an_event_not_as_shown_and_changes_nothing(app):
    create_event(app)
    import_small_programme(app)
    with app.app_context():
        event = db.session.scalars(db.select(Event).where(Event.slug == "tinget")).one()
        event_id, version, registrations_version = event.id, event.programme_version, event.registrations_version
    details = registration_data(app) | {"sector_id": int(registration_data(app)["sector"]), "municipality_id": None}

    def refused(shown):
        with app.test_request_context():
            with pytest.raises(services.EventChanged) as refusal:
                services.register(event_id=event_id, details=details, consents={}, shown=shown)
            return str(refusal.value.message)

    changed = "Evenemanget ändrades medan du anmälde dig. Kontrollera formuläret och skicka det igen."
    assert refused(services.EventShown("tinget", version - 1)) == changed  # another programme
    assert refused(services.EventShown("another", version)) == changed  # another address
    change_event(app, status=EventStatus.DRAFT)
    assert refused(services.EventShown("tinget", version)) == changed  # no longer published

    assert stored(app) == []
    assert queued(app) == 0
    with app.app_context():
        assert db.session.get(Event, event_id).registrations_version == registrations_version
