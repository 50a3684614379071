"""Organisers keep the model of dialogue forums: series with their fields, events as their
editions, and the demo that loads the reference table's forums."""

import pytest

from conference.coverage.services import coverage
from conference.events.models import Event, Forum, ForumOrigin, Level
from conference.extensions import db
from conference.reference.demo import load_demo
from conference.registration.models import Registration
from tests.organiser.test_events_and_registrations import EVENT_FORM
from tests.support.forms import submit
from tests.support.staff import staff_client

SERIES = {
    "name": "Trepartssamtal",
    "level": "regional",
    "parties": "Kulturförvaltningen, regionplaneringen och folkbildningen.",
    "purpose": "Genomföra folkbildningsstrategin.",
    "invited_by": "Region Stockholms kulturförvaltning",
    "frequency": "2 gånger per år",
    "origin": "new",
}


def test_an_organiser_creates_a_series_and_makes_an_event_an_edition_of_it(app):
    organiser = staff_client(app, "organiser")
    response = submit(organiser, "/staff/forums/new", SERIES)
    assert response.status_code == 303
    with app.app_context():
        forum = db.session.scalars(db.select(Forum)).one()
        assert (forum.level, forum.origin, forum.frequency) == (Level.REGIONAL, ForumOrigin.NEW, "2 gånger per år")
        forum_id = forum.id
    listing = organiser.get("/staff/forums").get_data(as_text=True)
    assert "Trepartssamtal" in listing and "Nytt forum" in listing and "Regional nivå" in listing

    response = submit(organiser, "/staff/events/new", EVENT_FORM | {"forum_id": str(forum_id), "invitation_only": "y"})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalars(db.select(Event)).one()
        assert event.forum_id == forum_id and event.invitation_only
    page = organiser.get(f"/staff/forums/{forum_id}").get_data(as_text=True)
    assert "Dialogforum Södertörn" in page

    changed = submit(organiser, f"/staff/forums/{forum_id}", SERIES | {"frequency": "Varje år"})
    assert changed.status_code == 303
    with app.app_context():
        assert db.session.get(Forum, forum_id).frequency == "Varje år"


def test_a_series_form_with_bad_input_changes_nothing(app):
    organiser = staff_client(app, "organiser")
    submit(organiser, "/staff/forums/new", SERIES)
    too_long = submit(organiser, "/staff/forums/new", SERIES | {"name": "x" * 201})
    assert too_long.status_code == 422
    same_name = submit(organiser, "/staff/forums/new", SERIES)
    assert same_name.status_code == 422
    assert "Ett annat forum har redan det här namnet." in same_name.get_data(as_text=True)
    bad_level = submit(organiser, "/staff/forums/new", SERIES | {"name": "Ny", "level": "galactic"})
    assert bad_level.status_code == 422
    assert organiser.get("/staff/forums/999999").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Forum)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_loads_the_reference_forums_once_with_gaps_in_coverage(app):
    with app.app_context():
        event, created = load_demo()
        assert created and event.slug == "stockholmstinget"
        counts = (
            db.session.scalar(db.select(db.func.count()).select_from(Forum)),
            db.session.scalar(db.select(db.func.count()).select_from(Event)),
            db.session.scalar(db.select(db.func.count()).select_from(Registration)),
        )
        assert counts[0] == 8
        forums = db.session.scalars(db.select(Forum)).all()
        assert all(len(forum.events) >= 2 for forum in forums)
        assert all(any(e.starts_at < event.starts_at for e in forum.events) for forum in forums)

        _again, created_again = load_demo()
        assert not created_again
        assert (
            db.session.scalar(db.select(db.func.count()).select_from(Forum)),
            db.session.scalar(db.select(db.func.count()).select_from(Event)),
            db.session.scalar(db.select(db.func.count()).select_from(Registration)),
        ) == counts

        result = coverage()
        untouched = {row.label for row in result.municipalities if row.total == 0}
        assert untouched == {"Värmdö", "Nykvarn", "Vaxholm", "Salem"}
