"""Organisers build events and handle registrations from the back office."""

import re
from datetime import timedelta

from conference.accounts.models import User
from conference.audit.models import AuditEntry
from conference.database import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.mailings.models import OutboxMessage, OutboxStatus
from conference.organiser.checkin_services import check_in
from conference.programme.models import Track
from conference.registration.models import Registration
from conference.registration.services import cancel
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import form_values, hidden_fields, submit
from tests.support.mailings import wait_until
from tests.support.programme import import_small_programme, session_ids
from tests.support.staff import staff_client

EVENT_FORM = {
    "title": "Dialogforum Södertörn",
    "slug": "dialogforum-sodertorn",
    "description": "Dialog mellan kommunerna på Södertörn.",
    "venue": "Huddinge kulturhus",
    "address": "Storgatan 1, Huddinge",
    "contact_email": "dialog@example.se",
    "starts_at": "2027-03-04T09:00",
    "ends_at": "2027-03-04T12:00",
    "capacity": "2",
    "waitlist_enabled": "y",
    "registration_opens_at": "",
    "registration_closes_at": "",
    "privacy_notice": "Region Stockholm behandlar uppgifterna för att genomföra forumet.",
}


def audit_actions(app):
    with app.app_context():
        return [entry.action for entry in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_an_organiser_creates_publishes_and_the_public_can_register(app):
    organiser = staff_client(app, "organiser")
    response = submit(organiser, "/staff/events/new", EVENT_FORM)
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalars(db.select(Event)).one()
        assert event.status == "draft"
        assert event.starts_at.hour == 8  # 09:00 in Stockholm in March is 08:00 UTC
    assert app.test_client().get("/events/dialogforum-sodertorn").status_code == 404

    page = organiser.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Utkast" in page
    organiser.post(f"/staff/events/{event.id}/status/published", data=hidden_fields(page, index=1))
    public = app.test_client().get("/events/dialogforum-sodertorn").get_data(as_text=True)
    assert "Dialogforum Södertörn" in public and "2 platser kvar" in public
    assert "event.created" in audit_actions(app) and "event.published" in audit_actions(app)


def test_bad_event_input_is_refused_beside_the_field(app):
    organiser = staff_client(app, "organiser")
    create_event(app, slug="taken")
    cases = [
        ({"slug": "Not A Slug"}, "slug", "gemener"),
        ({"slug": "taken"}, "slug", "Ett annat evenemang har redan den här adressen."),
        ({"ends_at": "2027-03-04T08:00"}, "ends_at", "Evenemanget måste sluta efter att det börjar."),
        ({"capacity": "-1"}, "capacity", "Ett tal från 0 till 100 000."),
        ({"starts_at": "igår"}, "starts_at", "Inte ett giltigt datum-/tidsvärde"),
        ({"registration_opens_at": "2027-13-01T09:00"}, "registration_opens_at", "Inte ett giltigt datum-/tidsvärde"),
        ({"starts_at": ""}, "starts_at", "Fältet måste fyllas i."),
        ({"title": ""}, "title", "Fältet måste fyllas i."),
        (
            {"contact_email": "not an email"},
            "contact_email",
            "Skriv en giltig e-postadress, till exempel namn@exempel.se.",
        ),
        ({"contact_email": "dialog@"}, "contact_email", "Skriv en giltig e-postadress, till exempel namn@exempel.se."),
    ]
    for changes, field, message in cases:
        response = submit(organiser, "/staff/events/new", EVENT_FORM | changes)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert f'id="{field}-error"' in html, changes
        assert message in html, changes
        if field != "title" and changes[field]:  # a value given is never called missing
            assert "Fältet måste fyllas i." not in html, changes
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 1


def three_registered(app, capacity):
    """An event of `capacity` places that p0, p1 and p2 registered for, in that order, and an
    organiser with its edit form open: (organiser, event id, the form's page)."""
    create_event(app, capacity=capacity)
    for number in range(3):
        submit(app.test_client(), "/events/tinget/register", registration_data(app, email=f"p{number}@example.se"))
    organiser = staff_client(app, "organiser")
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    return organiser, event_id, organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)


def test_more_places_go_to_those_waiting(app, inbox):
    organiser, event_id, form = three_registered(app, capacity=1)
    assert 'value="1"' in form
    values = EVENT_FORM | {
        "slug": "tinget",
        "capacity": "2",
        "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T16:00",
    }
    response = organiser.post(f"/staff/events/{event_id}", data=hidden_fields(form, index=-1) | values)
    assert response.status_code == 303
    with app.app_context():
        statuses = dict(db.session.execute(db.select(Registration.email, Registration.status)).all())
    assert statuses == {"p0@example.se": "confirmed", "p1@example.se": "confirmed", "p2@example.se": "waitlisted"}
    inbox.wait_for(4)
    assert inbox.to("p1@example.se")[-1]["Subject"].startswith("Du har fått en plats")


def test_fewer_places_than_those_placed_are_refused(app, inbox):
    organiser, event_id, form = three_registered(app, capacity=3)
    values = EVENT_FORM | {"slug": "tinget", "starts_at": "2030-01-01T09:00", "ends_at": "2030-01-01T16:00"}
    response = organiser.post(f"/staff/events/{event_id}", data=hidden_fields(form, index=-1) | values)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="capacity-error"' in html
    assert "3 deltagare har redan plats: evenemanget behöver minst så många platser." in html
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.capacity, event.slug) == (3, "tinget")  # nothing saved

    response = organiser.post(
        f"/staff/events/{event_id}", data=hidden_fields(form, index=-1) | values | {"capacity": "3"}
    )
    assert response.status_code == 303  # as many places as those placed is fine


def event_id_of(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def test_closing_registration_stops_registering_on_the_public_page(app):
    create_event(app)
    organiser = staff_client(app, "organiser")
    event_id = event_id_of(app)
    public = app.test_client()
    stale = public.get("/events/tinget/register").get_data(as_text=True)
    assert 'name="first_name"' in stale

    page = organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    response = organiser.post(f"/staff/events/{event_id}/status/close", data=hidden_fields(page, index=1))
    assert response.status_code == 303
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.status == "published" and event.registration_closes_at <= utcnow()
        assert event.registration_window() == "closed"
    assert "Anmälan är stängd." in public.get("/events/tinget").get_data(as_text=True)
    form = public.get("/events/tinget/register").get_data(as_text=True)
    assert "Anmälan är stängd." in form and 'name="first_name"' not in form
    response = public.post("/events/tinget/register", data=hidden_fields(stale) | registration_data(app))
    assert "Anmälan är stängd." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
    assert "event.close" in audit_actions(app)


def test_closing_registration_before_it_opens_leaves_a_window_the_form_saves(app):
    create_event(app, opens_in=timedelta(days=2), closes_in=timedelta(days=10))
    organiser = staff_client(app, "organiser")
    event_id = event_id_of(app)
    page = organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    organiser.post(f"/staff/events/{event_id}/status/close", data=hidden_fields(page, index=1))
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.registration_opens_at < event.registration_closes_at <= utcnow()
        assert event.registration_window() == "closed"

    page = organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    values = form_values(page, index=-1)  # the form saved as it stands, nothing changed
    assert values["registration_opens_at"] < values["registration_closes_at"]
    response = organiser.post(f"/staff/events/{event_id}", data=values)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "Anmälan är stängd." in app.test_client().get("/events/tinget").get_data(as_text=True)


def test_an_archived_event_leaves_the_public_pages(app):
    create_event(app)
    submit(app.test_client(), "/events/tinget/register", registration_data(app))
    organiser = staff_client(app, "organiser")
    event_id = event_id_of(app)
    public = app.test_client()
    assert "Stockholmstinget test" in public.get("/events/tinget").get_data(as_text=True)
    assert "Stockholmstinget test" in public.get("/").get_data(as_text=True)

    page = organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    response = organiser.post(f"/staff/events/{event_id}/status/archived", data=hidden_fields(page, index=1))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Event, event_id).status == "archived"
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 1  # kept
    assert public.get("/events/tinget").status_code == 404
    assert public.get("/events/tinget/register").status_code == 404
    assert "Stockholmstinget test" not in public.get("/").get_data(as_text=True)
    assert "Arkiverat" in organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    assert "event.archived" in audit_actions(app)


def test_the_registrations_table_searches_filters_sorts_and_pages(app):
    create_event(app)
    for number in range(60):
        organisation = "Region Stockholm" if number % 3 == 0 else "Studieförbundet Vuxenskolan"
        submit(
            app.test_client(),
            "/events/tinget/register",
            registration_data(
                app, email=f"p{number:02}@example.se", last_name=f"Efternamn{number:02}", organisation=organisation
            ),
        )
    organiser = staff_client(app, "organiser")
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    url = f"/staff/events/{event_id}/registrations"
    page = organiser.get(url).get_data(as_text=True)
    assert "60 anmälningar" in page and "Sida 1 av 2" in page
    found = organiser.get(url, query_string={"q": "region stock"}).get_data(as_text=True)
    assert "20 anmälningar" in found
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="asa@example.se"))
    for typed in ("öberg", "OBERG", "åsa öberg", "asa@example"):  # as a Swedish organiser types it
        assert "1 anmälan" in organiser.get(url, query_string={"q": typed}).get_data(as_text=True), typed
    by_name = organiser.get(url, query_string={"sort": "name", "order": "asc"}).get_data(as_text=True)
    assert by_name.index("Efternamn00") < by_name.index("Efternamn01")
    assert by_name.count("aria-sort=") == 1 and 'aria-sort="ascending"' in by_name  # for screen readers
    second = organiser.get(url, query_string={"sort": "name", "order": "asc", "page": 2}).get_data(as_text=True)
    assert "Efternamn59" in second and "Efternamn00" not in second
    assert "Inga anmälningar matchar." not in page
    none = organiser.get(url, query_string={"status": "cancelled"}).get_data(as_text=True)
    assert "0 anmälningar" in none
    assert organiser.get(url, query_string={"page": "x", "sector": "abc", "sort": "evil"}).status_code == 200
    assert "registrations.listed" in audit_actions(app)


# last name: (sector, municipality, organisation, the sessions chosen)
TABLE_PEOPLE = {
    "Alfasson": ("sport", "0182", "Bollklubben", ["Kultur i hela länet"]),
    "Betasson": ("adult_education", "0180", "Vuxenskolan", ["Idrott för alla"]),
    "Gammasson": ("adult_education", "other", "Aktiv kultur", ["Folkbildning och kultur"]),
    "Deltasson": ("regional_politician", "0180", "Region Stockholm", []),
}


def names_in_table(page):
    """The last names in the table's rows, top to bottom."""
    return re.findall(r">(\w+), Åsa</a>", page)


def test_the_registrations_table_filters_by_every_field_and_sorts_by_every_column(app):
    """Alfasson, Betasson, Gammasson and Deltasson register in that order; Alfasson is
    checked in and Deltasson cancels."""
    create_event(app)
    import_small_programme(app)
    sessions = session_ids(app)
    for last_name, (sector, municipality, organisation, titles) in TABLE_PEOPLE.items():
        sector_id, municipality_id = reference_ids(app, sector=sector, municipality=municipality)
        data = registration_data(
            app,
            email=f"{last_name.lower()}@example.se",
            last_name=last_name,
            organisation=organisation,
            sector=sector_id,
            municipality="other" if municipality == "other" else municipality_id,
        ) | {f"slot_{sessions[title][1]}": str(sessions[title][0]) for title in titles}
        assert submit(app.test_client(), "/events/tinget/register", data).status_code == 303
    organiser = staff_client(app, "organiser")
    with app.app_context():
        ids = dict(db.session.execute(db.select(Registration.last_name, Registration.id)).all())
        check_in(registration_id=ids["Alfasson"], by_user=db.session.scalars(db.select(User)).first())
        cancel(registration_id=ids["Deltasson"])
        event_id = db.session.scalar(db.select(Event.id))
        tracks = dict(db.session.execute(db.select(Track.name, Track.id)).all())
    url = f"/staff/events/{event_id}/registrations"

    def table(**args):
        return names_in_table(organiser.get(url, query_string=args).get_data(as_text=True))

    assert table() == ["Deltasson", "Gammasson", "Betasson", "Alfasson"]  # the latest first
    sport, _ = reference_ids(app, sector="sport")
    adult_education, nacka = reference_ids(app, sector="adult_education", municipality="0182")
    _, stockholm = reference_ids(app, municipality="0180")
    assert table(sector=sport) == ["Alfasson"]
    assert table(sector=adult_education) == ["Gammasson", "Betasson"]
    assert table(municipality=nacka) == ["Alfasson"]
    assert table(municipality=stockholm) == ["Deltasson", "Betasson"]
    assert table(municipality="other") == ["Gammasson"]
    assert table(session=sessions["Idrott för alla"][0]) == ["Betasson"]
    assert table(session=sessions["Folkbildning och kultur"][0]) == ["Gammasson"]
    assert table(track=tracks["Kultur"]) == ["Gammasson", "Alfasson"]
    assert table(track=tracks["Idrott"]) == ["Betasson"]
    assert table(checked_in="yes") == ["Alfasson"]
    assert table(checked_in="no") == ["Deltasson", "Gammasson", "Betasson"]
    assert table(sector=adult_education, municipality=stockholm) == ["Betasson"]  # filters combine
    assert table(status="cancelled") == ["Deltasson"]

    assert table(sort="organisation", order="asc") == ["Gammasson", "Alfasson", "Deltasson", "Betasson"]
    assert table(sort="organisation", order="desc") == ["Betasson", "Deltasson", "Alfasson", "Gammasson"]
    # Cancelled, then confirmed, then the waiting list (by place in line); the earliest first.
    assert table(sort="status", order="asc") == ["Deltasson", "Alfasson", "Betasson", "Gammasson"]
    assert table(sort="status", order="desc") == ["Gammasson", "Betasson", "Alfasson", "Deltasson"]
    page = organiser.get(url, query_string={"sort": "organisation", "order": "desc"}).get_data(as_text=True)
    assert page.count("aria-sort=") == 1 and 'aria-sort="descending"' in page


def test_the_registrations_table_shows_every_change_at_once(app):
    """The table is cached per version of the event's registrations; whatever changes a
    registration, by whichever path, shows in the next view."""
    create_event(app)
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="a@example.se"))
    organiser = staff_client(app, "organiser")
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
        first = db.session.scalars(db.select(Registration)).one()
    url = f"/staff/events/{event_id}/registrations"
    assert "1 anmälan" in organiser.get(url).get_data(as_text=True)
    assert "0 anmälningar" in organiser.get(url, query_string={"checked_in": "yes"}).get_data(as_text=True)

    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="b@example.se"))
    assert "2 anmälningar" in organiser.get(url).get_data(as_text=True)

    with app.app_context():  # locks the registration only, not the event
        check_in(registration_id=first.id, by_user=db.session.scalars(db.select(User)).first())
    assert "1 anmälan" in organiser.get(url, query_string={"checked_in": "yes"}).get_data(as_text=True)

    # A script's plain transaction reads, then writes: on SQLite it fails if another connection
    # writes in between, so first let the delivery thread finish with the confirmations.
    assert wait_until(lambda: all_sent(app)), "the confirmations were never delivered"
    with app.app_context():  # a change outside any service, as a script would make it
        db.session.get(Registration, first.id).organisation = "Folkbildningsförbundet"
        db.session.commit()
    assert "Folkbildningsförbundet" in organiser.get(url).get_data(as_text=True)


def test_every_view_of_the_table_is_in_the_audit_log_once(app):
    """Views served from the cache write their entry only while the event is unchanged; after
    a change the entry tells what the new page showed."""
    create_event(app)
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="a@example.se"))
    organiser = staff_client(app, "organiser")
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    url = f"/staff/events/{event_id}/registrations"
    for _ in range(3):
        assert "1 anmälan" in organiser.get(url).get_data(as_text=True)
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="b@example.se"))
    assert "2 anmälningar" in organiser.get(url).get_data(as_text=True)
    assert "0 anmälningar" in organiser.get(url, query_string={"checked_in": "yes"}).get_data(as_text=True)
    with app.app_context():
        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "registrations.listed").order_by(AuditEntry.id)
        ).all()
        assert [entry.details["total"] for entry in entries] == [1, 1, 1, 2, 0]
        assert entries[-1].details["filters"]["checked_in"] == "yes"
        assert {entry.user_email for entry in entries} == {"organiser@example.se"}
        assert {entry.event_id for entry in entries} == {event_id}


def all_sent(app):
    with app.app_context():
        return not db.session.scalar(db.select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT))


def test_an_organiser_edits_cancels_promotes_and_resends(app, inbox):
    create_event(app, capacity=1)
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="first@example.se"))
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="second@example.se"))
    inbox.wait_for(2)
    organiser = staff_client(app, "organiser")
    with app.app_context():
        first, second = db.session.scalars(db.select(Registration).order_by(Registration.id)).all()
        first_id, second_id, event_id = first.id, second.id, first.event_id

    page = organiser.get(f"/staff/registrations/{first_id}").get_data(as_text=True)
    assert "first@example.se" in page
    response = organiser.post(
        f"/staff/registrations/{first_id}",
        data=hidden_fields(page, index=-1)
        | registration_data(app, email="first@example.se", organisation="Nacka kommun"),
    )
    assert response.status_code == 303

    page = organiser.get(f"/staff/registrations/{second_id}").get_data(as_text=True)
    organiser.post(f"/staff/registrations/{second_id}/promote", data=hidden_fields(page, index=1))
    with app.app_context():
        assert db.session.get(Registration, second_id).status == "confirmed"
        assert db.session.get(Event, event_id).capacity == 2
        assert db.session.get(Registration, first_id).organisation == "Nacka kommun"

    organiser.post(f"/staff/registrations/{first_id}/resend", data=hidden_fields(page, index=1))
    organiser.post(f"/staff/registrations/{first_id}/cancel", data=hidden_fields(page, index=1))
    with app.app_context():
        assert db.session.get(Registration, first_id).status == "cancelled"
    inbox.wait_for(5)
    subjects = [m["Subject"] for m in inbox.to("first@example.se")]
    assert subjects[-1] == "Din anmälan till Stockholmstinget test är avbokad"
    assert subjects.count("Din anmälan till Stockholmstinget test") == 2
    actions = audit_actions(app)
    for action in (
        "registration.viewed",
        "registration.changed",
        "registration.promoted",
        "registration.confirmation_resent",
        "registration.cancelled",
    ):
        assert action in actions


def test_unknown_ids_are_not_found(app):
    organiser = staff_client(app, "organiser")
    for url in (
        "/staff/events/9999",
        "/staff/events/9999/registrations",
        "/staff/registrations/9999",
        "/staff/events/9999/programme",
    ):
        assert organiser.get(url).status_code == 404


def test_the_audit_log_shows_who_did_what_and_filters(app):
    create_event(app)
    submit(app.test_client(), "/events/tinget/register", registration_data(app))
    organiser = staff_client(app, "organiser")
    with app.app_context():
        registration_id = db.session.scalar(db.select(Registration.id))
    organiser.get(f"/staff/registrations/{registration_id}")
    page = organiser.get("/staff/audit").get_data(as_text=True)
    assert "registration.viewed" in page and "organiser@example.se" in page
    filtered = organiser.get("/staff/audit", query_string={"action": "account."}).get_data(as_text=True)
    assert "account.login" in filtered and "registration.viewed" not in filtered
    assert "registration.viewed" not in organiser.get("/staff/audit", query_string={"who": "nobody"}).get_data(
        as_text=True
    )
