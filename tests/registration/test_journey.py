"""An attendee's whole journey through the Flask test client, with mail through a real SMTP server."""

import re
from datetime import timedelta

from icalendar import Calendar

from conference.database import transaction, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.mailings.models import OutboxMessage
from conference.registration.models import Registration, RegistrationStatus
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit

MANAGE_LINK = re.compile(r"http://ting\.test(/manage/[A-Za-z0-9_-]{40,})")


def register(client, app, slug="tinget", **overrides):
    return submit(client, f"/events/{slug}/register", registration_data(app, **overrides))


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message):
    return message.get_body(preferencelist=("html",)).get_content()


def manage_path(message):
    return MANAGE_LINK.search(text_part(message)).group(1)


def registrations(app):
    with app.app_context():
        return db.session.scalars(db.select(Registration).order_by(Registration.id)).all()


def test_registration_is_confirmed_with_a_mail_whose_link_manages_it(app, client, inbox):
    create_event(app, capacity=100)
    page = client.get("/events/tinget").get_data(as_text=True)
    assert "100 platser kvar" in page
    assert "Anmäl dig" in page

    response = register(client, app, email="  Asa.Oberg@Example.SE ", consent_mailings="y")
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tack, Åsa!" in confirmation
    assert "Du har en plats på Stockholmstinget test." in confirmation

    (stored,) = registrations(app)
    assert stored.email == "asa.oberg@example.se"
    assert stored.status == RegistrationStatus.CONFIRMED
    assert stored.consent_mailings_at is not None
    assert stored.consent_sector_list_at is None and stored.consent_public_list_at is None
    assert stored.consent_wording_version == app.config["CONSENT_WORDING_VERSION"]

    (mail,) = inbox.wait_for(1)
    assert mail["To"] == "asa.oberg@example.se"
    assert mail["Subject"] == "Din anmälan till Stockholmstinget test"
    assert "Din plats är bekräftad" in text_part(mail)
    assert "Din plats är bekräftad" in html_part(mail)
    attachments = {part.get_content_type(): part for part in mail.iter_attachments()}
    assert set(attachments) == {"text/calendar", "image/png"}  # the calendar file and the QR ticket
    attachment = attachments["text/calendar"]
    calendar = Calendar.from_ical(attachment.get_content())
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Stockholmstinget test"
    assert entry.decoded("dtstart").tzinfo.key == "Europe/Stockholm"

    manage = client.get(manage_path(mail)).get_data(as_text=True)
    assert "Åsa Öberg" in manage
    assert "asa.oberg@example.se" in manage
    assert "Du har en plats" in manage
    assert "100 platser kvar" not in client.get("/events/tinget").get_data(as_text=True)
    assert "99 platser kvar" in client.get("/events/tinget").get_data(as_text=True)


def test_attendee_changes_details_and_withdraws_a_consent_through_the_link(app, client, inbox):
    create_event(app)
    register(client, app, consent_mailings="y", consent_public_list="y")
    path = manage_path(inbox.wait_for(1)[0])

    changed = registration_data(
        app,
        email="Asa.Oberg@Region.se",
        organisation="Region Stockholm",
        dietary_needs="Glutenfri",
        language="en",
        consent_public_list="y",
    )
    response = submit(client, path, changed)
    assert response.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "Dina ändringar är sparade." in page
    assert "Region Stockholm" in page

    (stored,) = registrations(app)
    assert stored.email == "asa.oberg@region.se"
    assert stored.organisation == "Region Stockholm"
    assert stored.dietary_needs == "Glutenfri"
    assert stored.language == "en"
    assert stored.consent_public_list_at is not None
    assert stored.consent_mailings_at is None


def test_an_address_taken_by_another_registration_cannot_be_moved_to(app, inbox):
    create_event(app)
    register(app.test_client(), app, email="taken@example.se")
    client = app.test_client()
    register(client, app, email="mine@example.se")
    path = manage_path(inbox.wait_for(2)[1])
    response = submit(client, path, registration_data(app, email="Taken@example.se"))
    assert response.status_code == 422
    assert "En annan anmälan till evenemanget har redan den här e-postadressen." in response.get_data(as_text=True)
    assert sorted(r.email for r in registrations(app)) == ["mine@example.se", "taken@example.se"]


def test_cancel_asks_first_then_frees_the_place_for_the_first_in_line(app, inbox):
    create_event(app, capacity=1)
    first, second, third = app.test_client(), app.test_client(), app.test_client()
    register(first, app, email="first@example.se", first_name="Första")
    register(second, app, email="second@example.se", first_name="Andra")
    register(third, app, email="third@example.se", first_name="Tredje")
    inbox.wait_for(3)
    assert "nummer 1 på reservlistan" in second.get("/events/tinget/registered").get_data(as_text=True)
    assert "nummer 2 på reservlistan" in third.get("/events/tinget/registered").get_data(as_text=True)
    waitlisted_mail = inbox.to("third@example.se")[0]
    assert "reservlistan som nummer 2" in text_part(waitlisted_mail)
    assert not list(waitlisted_mail.iter_attachments())

    path = manage_path(inbox.to("first@example.se")[0])
    question = first.get(f"{path}/cancel").get_data(as_text=True)
    assert "Vill du avboka din anmälan" in question
    assert registrations(app)[0].status == RegistrationStatus.CONFIRMED

    response = first.post(f"{path}/cancel", data=hidden_fields(question))
    assert response.status_code == 303
    assert "Anmälan är avbokad." in first.get(path).get_data(as_text=True)

    statuses = {r.email: r.status for r in registrations(app)}
    assert statuses == {
        "first@example.se": RegistrationStatus.CANCELLED,
        "second@example.se": RegistrationStatus.CONFIRMED,
        "third@example.se": RegistrationStatus.WAITLISTED,
    }
    inbox.wait_for(5)
    (promotion,) = inbox.to("second@example.se")[1:]
    assert promotion["Subject"] == "Du har fått en plats på Stockholmstinget test"
    assert "en plats har blivit ledig" in text_part(promotion)
    assert list(promotion.iter_attachments())
    assert inbox.to("first@example.se")[1]["Subject"] == "Din anmälan till Stockholmstinget test är avbokad"
    assert "nummer 1 på reservlistan" in third.get("/events/tinget/registered").get_data(as_text=True)


def test_registering_again_resends_the_link_and_creates_no_duplicate(app, inbox):
    create_event(app)
    register(app.test_client(), app, email="asa.oberg@example.se")
    again = register(app.test_client(), app, email="ASA.OBERG@example.se", first_name="Någon")
    assert again.status_code == 200
    assert "Du är redan anmäld" in again.get_data(as_text=True)
    (stored,) = registrations(app)
    assert stored.first_name == "Åsa"
    confirmation, link_again = inbox.wait_for(2)
    assert link_again["Subject"] == "Din personliga länk till Stockholmstinget test"
    assert manage_path(link_again) == manage_path(confirmation)


def test_registering_again_after_closing_time_resends_the_link_rather_than_refusing(app, inbox):
    create_event(app)
    register(app.test_client(), app, email="asa.oberg@example.se")
    client = app.test_client()
    page = client.get("/events/tinget/register").get_data(as_text=True)  # kept open past closing time
    with app.app_context(), transaction() as session:
        session.scalars(db.select(Event)).one().registration_closes_at = utcnow() - timedelta(minutes=1)
    again = client.post("/events/tinget/register", data=hidden_fields(page) | registration_data(app))
    assert again.status_code == 200
    assert "Du är redan anmäld" in again.get_data(as_text=True)
    assert len(registrations(app)) == 1
    assert inbox.wait_for(2)[1]["Subject"] == "Din personliga länk till Stockholmstinget test"


def test_a_double_submit_registers_once_and_mails_once(app, client, inbox):
    create_event(app)
    form = hidden_fields(client.get("/events/tinget/register").get_data(as_text=True))
    data = form | registration_data(app)
    first = client.post("/events/tinget/register", data=data)
    second = client.post("/events/tinget/register", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(registrations(app)) == 1
    inbox.wait_for(1)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1


def test_an_english_speaker_registers_and_is_mailed_in_english(app, client, inbox):
    create_event(app)
    client.get("/language/en?next=/events/tinget")
    page = client.get("/events/tinget/register").get_data(as_text=True)
    assert "First name" in page and 'lang="en"' in page
    response = register(client, app, language="en")
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you, Åsa!" in confirmation
    assert "You have a place at Stockholmstinget test." in confirmation
    (mail,) = inbox.wait_for(1)
    assert mail["Subject"] == "Your registration for Stockholmstinget test"
    assert "Your place is confirmed" in text_part(mail)


def test_mail_follows_the_attendees_language_not_the_pages(app, client, inbox):
    create_event(app)
    register(client, app, language="en")
    (mail,) = inbox.wait_for(1)
    assert mail["Subject"] == "Your registration for Stockholmstinget test"


def test_a_new_link_replaces_the_old_one(app, client, inbox):
    create_event(app)
    register(client, app)
    old_path = manage_path(inbox.wait_for(1)[0])
    page = client.get(old_path).get_data(as_text=True)
    response = client.post(f"{old_path}/new-link", data=hidden_fields(page, index=1))
    assert response.status_code == 303
    new_path = manage_path(inbox.wait_for(2)[1])
    assert new_path != old_path
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200


def test_the_calendar_file_behind_the_link_has_the_event_in_stockholm_time(app, client, inbox):
    create_event(app)
    register(client, app)
    path = manage_path(inbox.wait_for(1)[0])
    response = client.get(f"{path}/calendar.ics")
    assert response.mimetype == "text/calendar"
    (entry,) = Calendar.from_ical(response.data).walk("VEVENT")
    with app.app_context():
        starts_at = db.session.scalar(db.select(Event.starts_at))
    start = entry.decoded("dtstart")
    assert start.tzinfo.key == "Europe/Stockholm"
    assert start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert start.replace(tzinfo=None) - start.utcoffset() == starts_at


def test_the_event_page_says_plainly_when_registration_is_not_possible(app, client):
    create_event(app, slug="early", opens_in=timedelta(days=2))
    create_event(app, slug="late", closes_in=timedelta(days=-1))
    create_event(app, slug="full", capacity=0)
    create_event(app, slug="full-no-list", capacity=0, waitlist_enabled=False)

    early = client.get("/events/early").get_data(as_text=True)
    assert "Anmälan har inte öppnat än." in early and "Anmäl dig</a>" not in early
    late = client.get("/events/late").get_data(as_text=True)
    assert "Anmälan är stängd." in late and "/events/late/register" not in late
    full = client.get("/events/full").get_data(as_text=True)
    assert "Evenemanget är fullt – du kan anmäla dig till reservlistan." in full
    assert "Anmäl dig till reservlistan" in full
    no_list = client.get("/events/full-no-list").get_data(as_text=True)
    assert "Evenemanget är fullt." in no_list and "/events/full-no-list/register" not in no_list
