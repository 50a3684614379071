"""Invitations as the organiser and the invitee use them: a list pasted or uploaded, the
personal mail through a real SMTP server, its links, reminders and invitation-only events."""

import io
import re
import threading
import time
from datetime import timedelta

import pytest

from conference.database import lock, transaction, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.invitations import services
from conference.invitations.models import Invitation, InvitationState
from conference.mailings.models import MessageKind, OutboxMessage
from conference.registration.models import Registration
from conference.registration.services import RegistrationError, register
from tests.support.factories import create_event, create_forum, reference_ids, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.staff import staff_client

INVITATION_LINK = re.compile(r"http://ting\.test(/invitations/[A-Za-z0-9_-]{40,})\s")
DECLINE_LINK = re.compile(r"http://ting\.test(/invitations/[A-Za-z0-9_-]{40,}/decline)")
HEADER = "name,email,organisation,sector,municipality,language\n"
TWO_INVITEES = (
    HEADER
    + "Åsa Öberg,Asa.Oberg@Example.se,Vuxenskolan,adult_education,Nacka,sv\n"
    + "Bo Ek,bo.ek@example.se,Kulturskolan Värmdö,Tjänsteperson i kommun,Värmdö,en\n"
)


def event_id(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def invitations(app):
    with app.app_context():
        return {row.email: row for row in db.session.scalars(db.select(Invitation).order_by(Invitation.id))}


def paste(staff, app, text, slug="tinget"):
    url = f"/staff/events/{event_id(app, slug)}/invitations"
    return submit(staff, url, {"invitees": text})


def press(staff, url, action):
    """Press a button on the invitations page: POST with the page's CSRF token."""
    return staff.post(f"{url}/{action}", data=hidden_fields(staff.get(url).get_data(as_text=True)))


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, pattern=INVITATION_LINK):
    return pattern.search(text_part(message)).group(1)


def test_invitation_is_opened_then_registered_through_the_mail_and_its_link(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")

    response = paste(staff, app, TWO_INVITEES)
    assert response.status_code == 303
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 inbjudningar är på väg." in page
    assert page.count("<strong>Inbjuden</strong>") == 2

    mails = inbox.wait_for(2)
    (asa_mail,) = [mail for mail in mails if mail["To"] == "asa.oberg@example.se"]
    (bo_mail,) = [mail for mail in mails if mail["To"] == "bo.ek@example.se"]
    assert asa_mail["Subject"] == "Du är inbjuden till Stockholmstinget test"
    assert bo_mail["Subject"] == "You are invited to Stockholmstinget test"
    assert "Hej Åsa Öberg!" in text_part(asa_mail)

    invitee = app.test_client()
    opened = invitee.get(link_in(asa_mail))
    assert opened.status_code == 303
    assert opened.headers["Location"].startswith("/events/tinget/register?invitation=")
    assert invitations(app)["asa.oberg@example.se"].state == InvitationState.OPENED

    form_page = invitee.get(opened.headers["Location"])
    assert form_page.headers["Cache-Control"] == "no-store"
    html = form_page.get_data(as_text=True)
    assert 'value="asa.oberg@example.se"' in html
    assert 'value="Vuxenskolan"' in html
    assert 'value="Åsa"' in html and 'value="Öberg"' in html
    fields = hidden_fields(html)
    sector, municipality = reference_ids(app, municipality="0182")
    registered = invitee.post(
        opened.headers["Location"],
        data=fields
        | registration_data(
            app, email="asa.oberg@example.se", organisation="Vuxenskolan", sector=sector, municipality=municipality
        ),
    )
    assert registered.status_code == 303, registered.get_data(as_text=True)

    stored = invitations(app)["asa.oberg@example.se"]
    assert stored.state == InvitationState.REGISTERED
    with app.app_context():
        registration = db.session.get(Registration, stored.registration_id)
        assert registration.email == "asa.oberg@example.se"
    assert invitations(app)["bo.ek@example.se"].state == InvitationState.INVITED

    page = staff.get(f"/staff/events/{event_id(app)}/invitations").get_data(as_text=True)
    assert "<strong>Anmäld</strong>" in page and "<strong>Inbjuden</strong>" in page


def test_a_decline_through_the_link_is_recorded_and_said_back(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    (mail,) = [mail for mail in inbox.wait_for(2) if mail["To"] == "asa.oberg@example.se"]

    invitee = app.test_client()
    path = link_in(mail, DECLINE_LINK)
    assert "Tacka nej till inbjudan" in invitee.get(path).get_data(as_text=True)
    assert invitations(app)["asa.oberg@example.se"].declined_at is None

    response = submit(invitee, path, {})
    assert response.status_code == 303
    assert "Du har tackat nej till inbjudan." in invitee.get(path).get_data(as_text=True)
    assert invitations(app)["asa.oberg@example.se"].state == InvitationState.DECLINED
    page = staff.get(f"/staff/events/{event_id(app)}/invitations").get_data(as_text=True)
    assert "<strong>Tackat nej</strong>" in page


def test_reminders_go_only_to_those_who_have_not_answered_once_per_action(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES + "Cilla Berg,cilla@example.se,Botkyrka kommun,,Botkyrka,sv\n")
    inbox.wait_for(3)
    answered = invitations(app)
    with app.app_context():
        services.decline(invitation_id=answered["bo.ek@example.se"].id)
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="asa.oberg@example.se"))
    inbox.wait_for(4)  # Åsa's confirmation

    url = f"/staff/events/{event_id(app)}/invitations"
    response = press(staff, url, "remind")
    assert response.status_code == 303
    assert "En påminnelse är på väg till 1 inbjuden." in staff.get(url).get_data(as_text=True)
    (reminder,) = [mail for mail in inbox.wait_for(5) if mail["Subject"].startswith("Påminnelse")]
    assert reminder["To"] == "cilla@example.se"

    # A second click at once reminds nobody twice.
    press(staff, url, "remind")
    assert "Ingen att påminna" in staff.get(url).get_data(as_text=True)

    # A later reminder action reminds the one still silent once more, and no one else.
    with app.app_context():
        assert services.send_reminders(event_id=event_id(app), now=utcnow() + timedelta(hours=2)) == 1
    mails = inbox.wait_for(6)
    reminders = [mail for mail in mails if mail["Subject"].startswith("Påminnelse")]
    assert [mail["To"] for mail in reminders] == ["cilla@example.se", "cilla@example.se"]
    assert invitations(app)["cilla@example.se"].reminders == 2
    assert invitations(app)["bo.ek@example.se"].reminders == 0


def test_an_invitation_only_event_refuses_an_uninvited_address_and_accepts_an_invited_one(app, inbox):
    create_event(app, invitation_only=True)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    inbox.wait_for(2)
    assert "endast för inbjudna" in app.test_client().get("/events/tinget").get_data(as_text=True)

    refused = submit(app.test_client(), "/events/tinget/register", registration_data(app, email="okand@example.se"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="email-error"' in html
    assert "Evenemanget är endast för inbjudna, och den här e-postadressen har inte bjudits in." in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0
        # The rule holds in the service, whichever way a registration arrives.
        with pytest.raises(RegistrationError):
            register(
                event_id=event_id(app),
                details=_details(app, "annan@example.se"),
                consents={},
            )

    accepted = submit(app.test_client(), "/events/tinget/register", registration_data(app, email=" BO.EK@example.se "))
    assert accepted.status_code == 303
    assert invitations(app)["bo.ek@example.se"].state == InvitationState.REGISTERED


def test_a_list_with_bad_rows_is_reported_row_by_row_and_nothing_is_imported(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    url = f"/staff/events/{event_id(app)}/invitations"
    data = (
        "namn;e-post;organisation;sektor;kommun;språk\n"
        "Åsa Öberg;asa@example.se;Vuxenskolan;adult_education;Nacka;sv\n"
        "Utan Adress;;Kulturhuset;;Solna;sv\n"
        "Bo Ek;bo@example.se;Gotham kommun;;Gotham;sv\n"
        "Cilla Berg;inte-en-adress;;;;sv\n"
        "Dan Ek;asa@example.se;;;;xx\n"
    ).encode()
    fields = hidden_fields(staff.get(url).get_data(as_text=True))
    response = staff.post(
        url,
        data=fields | {"file": (io.BytesIO(data), "inbjudna.csv"), "invitees": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Listan har fel. Ingenting importerades." in html
    assert "Rad 3: E-postadressen saknas." in html
    assert "Rad 4: Okänd kommun “Gotham”" in html
    assert "Rad 5: “inte-en-adress” är inte en giltig e-postadress." in html
    assert "Rad 6: Okänt språk “xx”" in html
    assert "Rad 2:" not in html
    assert invitations(app) == {}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_an_empty_list_and_a_repeated_address_are_refused_with_a_message(app):
    create_event(app)
    staff = staff_client(app, "organiser")
    empty = paste(staff, app, "   ")
    assert empty.status_code == 422
    assert "Välj en CSV-fil eller klistra in en lista." in empty.get_data(as_text=True)
    twice = paste(staff, app, "Åsa,asa@example.se\nÅsa igen,ASA@example.se\n")
    assert twice.status_code == 422
    assert "Rad 2: E-postadressen finns också på rad 1." in twice.get_data(as_text=True)
    assert invitations(app) == {}


def test_inviting_an_address_again_sends_no_second_invitation(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    inbox.wait_for(2)
    response = paste(staff, app, "Åsa Öberg,asa.oberg@example.se\nNy Person,ny@example.se\n")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 inbjudan är på väg." in page
    assert "1 adress var redan inbjuden och fick inget nytt mejl." in page
    assert len(inbox.wait_for(3)) == 3
    assert sorted(invitations(app)) == ["asa.oberg@example.se", "bo.ek@example.se", "ny@example.se"]


def test_earlier_attendees_of_the_series_can_be_invited_with_their_details(app, inbox):
    forum = create_forum(app)
    create_event(app, slug="dialog-2025", forum_id=forum)
    create_event(app, slug="dialog-2026", forum_id=forum)
    create_event(app, slug="annat")
    submit(app.test_client(), "/events/dialog-2025/register", registration_data(app, email="tidigare@example.se"))
    submit(app.test_client(), "/events/annat/register", registration_data(app, email="annan@example.se"))
    inbox.wait_for(2)
    staff = staff_client(app, "organiser")
    url = f"/staff/events/{event_id(app, 'dialog-2026')}/invitations"
    page = staff.get(url).get_data(as_text=True)
    assert "Åsa Öberg (Studieförbundet Vuxenskolan, Stockholmstinget test)" in page
    assert "annan@example.se" not in page
    with app.app_context():
        registration_id = db.session.scalar(
            db.select(Registration.id).where(Registration.email == "tidigare@example.se")
        )

    response = staff.post(
        f"{url}/earlier-attendees",
        data=hidden_fields(page) | {"registration_ids": str(registration_id)},
    )
    assert response.status_code == 303
    invitation = invitations(app)["tidigare@example.se"]
    assert invitation.event_id == event_id(app, "dialog-2026")
    assert (invitation.name, invitation.organisation) == ("Åsa Öberg", "Studieförbundet Vuxenskolan")
    assert inbox.wait_for(3)[-1]["To"] == "tidigare@example.se"

    refused = staff.post(f"{url}/earlier-attendees", data=hidden_fields(page) | {"registration_ids": "999999"})
    assert refused.status_code == 422


def test_personal_data_of_invitations_can_be_erased_and_the_link_stops_working(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    (mail,) = [mail for mail in inbox.wait_for(2) if mail["To"] == "asa.oberg@example.se"]
    with app.app_context():
        assert services.erase_personal_data(email="Asa.Oberg@example.se") == 1
        erased = db.session.scalars(db.select(Invitation).where(Invitation.municipality_id.is_not(None))).all()
        names = sorted(invitation.name for invitation in erased)
        assert names == ["", "Bo Ek"]
        assert (
            db.session.scalars(
                db.select(OutboxMessage).where(
                    OutboxMessage.kind == MessageKind.EVENT_INVITATION,
                    OutboxMessage.recipient == "asa.oberg@example.se",
                )
            ).all()
            == []
        )
    assert app.test_client().get(link_in(mail)).status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_links_and_ids_are_404(app):
    create_event(app)
    staff = staff_client(app, "organiser")
    assert app.test_client().get("/invitations/not-a-token").status_code == 404
    assert app.test_client().get("/invitations/" + "x" * 300 + "/decline").status_code == 404
    assert staff.get("/staff/events/999999/invitations").status_code == 404
    assert staff.get("/staff/events/99999999999999/invitations").status_code == 404


def _details(app, email):
    data = registration_data(app, email=email)
    return {
        "email": email,
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "phone": "",
        "organisation": data["organisation"],
        "role_title": "",
        "sector_id": int(data["sector"]),
        "municipality_id": int(data["municipality"]),
        "dietary_needs": "",
        "accessibility_needs": "",
        "language": "sv",
    }


def test_the_personal_link_admits_its_invitee_under_another_address_once(app, inbox):
    create_event(app, invitation_only=True)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    (mail,) = [mail for mail in inbox.wait_for(2) if mail["To"] == "bo.ek@example.se"]
    invitee = app.test_client()
    form_url = invitee.get(link_in(mail)).headers["Location"]

    response = submit(invitee, form_url, registration_data(app, email="bo.privat@example.se"))
    assert response.status_code == 303
    assert invitations(app)["bo.ek@example.se"].state == InvitationState.REGISTERED

    # The link has been used: it does not let a third address in.
    again = submit(app.test_client(), form_url, registration_data(app, email="tredje@example.se"))
    assert again.status_code == 422
    assert "har inte bjudits in" in again.get_data(as_text=True)


def test_declining_after_registering_points_to_the_cancel_link_and_changes_nothing(app, inbox):
    create_event(app)
    staff = staff_client(app, "organiser")
    paste(staff, app, TWO_INVITEES)
    (mail,) = [mail for mail in inbox.wait_for(2) if mail["To"] == "asa.oberg@example.se"]
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="asa.oberg@example.se"))
    path = link_in(mail, DECLINE_LINK)
    invitee = app.test_client()
    page = invitee.get(path).get_data(as_text=True)
    assert "Du är redan anmäld." in page
    # No button is offered; a POST all the same (an old tab) is refused.
    csrf = hidden_fields(invitee.get("/events/tinget/register").get_data(as_text=True))["csrf_token"]
    refused = invitee.post(path, data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert invitations(app)["asa.oberg@example.se"].declined_at is None


def wait_until_a_registration_waits_for_the_lock(app):
    """On PostgreSQL until another backend waits for a lock; SQLite cannot tell, so a pause."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            time.sleep(0.5)
            return
        for _ in range(200):
            with db.engine.connect() as connection:
                waiting = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                ).scalar()
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("the registration never waited for the event's lock")


@pytest.mark.parametrize("invitation_only", [True, False], ids=["by-invitation-only", "open"])
def test_an_invitation_added_while_a_registration_waits_for_the_event_counts_for_it(app, invitation_only):
    """Organisers add invitations holding the event's lock (SQLite: the write lock); a
    registration that waited for it must see them, though on PostgreSQL a statement sees
    only what was committed when it began."""
    create_event(app, invitation_only=invitation_only)
    the_event, details = event_id(app), _details(app, "bo.ek@example.se")
    locked, registering = threading.Event(), threading.Event()
    failures = []

    def organiser_inviting():
        try:
            with app.app_context(), transaction() as session:
                lock(Event, the_event)
                locked.set()
                registering.wait(timeout=10)
                wait_until_a_registration_waits_for_the_lock(app)
                session.add(Invitation(event_id=the_event, name="Bo Ek", email="bo.ek@example.se"))
        except Exception as error:  # reported in the test's own thread
            failures.append(error)

    organiser = threading.Thread(target=organiser_inviting)
    organiser.start()
    locked.wait(timeout=10)
    registering.set()
    with app.app_context():
        outcome = register(event_id=the_event, details=details, consents={})
    organiser.join(timeout=10)

    assert not failures, failures
    assert outcome.created
    invitation = invitations(app)["bo.ek@example.se"]
    with app.app_context():
        registered = db.session.scalars(db.select(Registration).where(Registration.token == outcome.token)).one()
    assert invitation.registration_id == registered.id
    assert invitation.state == InvitationState.REGISTERED


@pytest.mark.parametrize("invitation_only", [True, False], ids=["by-invitation-only", "open"])
def test_an_invitee_using_someone_elses_link_uses_their_own_invitation(app, invitation_only):
    create_event(app, invitation_only=invitation_only)
    the_event = event_id(app)
    with app.app_context(), transaction() as session:
        session.add(Invitation(event_id=the_event, name="Anna Berg", email="anna.berg@example.se"))
        session.add(Invitation(event_id=the_event, name="Bo Ek", email="bo.ek@example.se"))
    annas_link = invitations(app)["anna.berg@example.se"].token

    with app.app_context():
        register(
            event_id=the_event, details=_details(app, "bo.ek@example.se"), consents={}, invitation_token=annas_link
        )

    by_address = invitations(app)
    assert by_address["bo.ek@example.se"].state == InvitationState.REGISTERED
    assert by_address["anna.berg@example.se"].state == InvitationState.INVITED
    anna = app.test_client().get(f"/events/tinget/register?invitation={annas_link}").get_data(as_text=True)
    assert 'value="anna.berg@example.se"' in anna  # her link still fills in her form
