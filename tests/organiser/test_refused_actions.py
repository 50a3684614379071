"""Back-office actions the rules refuse: a clear message, and nothing changed or mailed."""

from datetime import timedelta

from conference.accounts.models import User
from conference.database import utcnow
from conference.extensions import db
from conference.mailings.models import OutboxMessage
from conference.mailings.outbox import deliver_due
from conference.privacy.services import erase_on_request
from conference.registration.models import Registration
from conference.registration.services import cancel
from tests.conftest import close_app, make_app
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.staff import staff_client


def register(app, email="anna@example.se"):
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email=email))
    with app.app_context():
        return db.session.scalar(db.select(Registration.id).where(Registration.email == email))


def outbox_count(app, registration_id):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.registration_id == registration_id)
        )


def post_action(organiser, registration_id, action, page):
    """POST an action with the CSRF token of a page the organiser opened earlier (a stale page)."""
    return organiser.post(
        f"/staff/registrations/{registration_id}/{action}", data=hidden_fields(page, index=1), follow_redirects=True
    )


def test_the_confirmation_is_not_sent_again_for_a_cancelled_registration(app):
    create_event(app)
    registration_id = register(app)
    organiser = staff_client(app, "organiser")
    stale = organiser.get(f"/staff/registrations/{registration_id}").get_data(as_text=True)
    assert "Skicka bekräftelsen igen" in stale
    with app.app_context():
        cancel(registration_id=registration_id)
    before = outbox_count(app, registration_id)

    page = post_action(organiser, registration_id, "resend", stale).get_data(as_text=True)
    assert "Anmälan är avbokad: ingen bekräftelse skickas." in page
    assert "Bekräftelsen är skickad igen." not in page
    assert outbox_count(app, registration_id) == before


def test_the_confirmation_is_not_sent_again_for_an_erased_registration(app):
    create_event(app)
    registration_id = register(app)
    organiser = staff_client(app, "organiser")
    stale = organiser.get(f"/staff/registrations/{registration_id}").get_data(as_text=True)
    with app.app_context():  # after the event: the place stays confirmed, the data goes
        erase_on_request(
            registration_id=registration_id,
            by_user=db.session.scalars(db.select(User)).first(),
            now=utcnow() + timedelta(days=30),
        )
        assert db.session.get(Registration, registration_id).status == "confirmed"
    before = outbox_count(app, registration_id)

    page = post_action(organiser, registration_id, "resend", stale).get_data(as_text=True)
    assert "Personens uppgifter är raderade: ingen bekräftelse kan skickas." in page
    assert outbox_count(app, registration_id) == before
    assert "Skicka bekräftelsen igen" not in organiser.get(f"/staff/registrations/{registration_id}").get_data(
        as_text=True
    )


def test_cancelling_a_cancelled_registration_again_says_so_and_mails_nobody(app):
    create_event(app)
    registration_id = register(app)
    organiser = staff_client(app, "organiser")
    stale = organiser.get(f"/staff/registrations/{registration_id}").get_data(as_text=True)
    page = post_action(organiser, registration_id, "cancel", stale).get_data(as_text=True)
    assert "Anmälan är avbokad och deltagaren har mejlats." in page
    with app.app_context():
        cancelled_at = db.session.get(Registration, registration_id).cancelled_at
    before = outbox_count(app, registration_id)

    page = post_action(organiser, registration_id, "cancel", stale).get_data(as_text=True)
    assert "Anmälan var redan avbokad. Inget mejl skickas." in page
    assert "Anmälan är avbokad och deltagaren har mejlats." not in page
    assert outbox_count(app, registration_id) == before
    with app.app_context():
        assert db.session.get(Registration, registration_id).cancelled_at == cancelled_at


def test_changes_to_a_cancelled_registration_are_refused_with_a_visible_message(app):
    create_event(app)
    registration_id = register(app)
    organiser = staff_client(app, "organiser")
    stale = organiser.get(f"/staff/registrations/{registration_id}").get_data(as_text=True)
    with app.app_context():
        cancel(registration_id=registration_id)
    url = f"/staff/registrations/{registration_id}"
    for changes in ({"organisation": "Nacka kommun"}, {"organisation": "Nacka kommun", "email": "not an address"}):
        data = hidden_fields(stale, index=-1) | registration_data(app, email="anna@example.se") | changes
        response = organiser.post(url, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert 'role="alert"' in html and "Anmälan är avbokad och kan inte längre ändras." in html, changes
    with app.app_context():
        assert db.session.get(Registration, registration_id).organisation == "Studieförbundet Vuxenskolan"


def test_the_mail_table_names_kinds_and_states_in_the_page_language(database_url, smtp_server):
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    try:
        create_event(app)
        registration_id = register(app)
        organiser = staff_client(app, "organiser")
        url = f"/staff/registrations/{registration_id}"
        queued = organiser.get(url).get_data(as_text=True)
        mail_table = queued[queued.index("E-post till deltagaren") :]
        assert "<td>Bekräftelse</td>" in mail_table and "<td>Köad" in mail_table
        assert "confirmation" not in mail_table and "queued" not in mail_table

        with app.app_context():
            assert deliver_due().sent == 1
        sent = organiser.get(url).get_data(as_text=True)
        mail_table = sent[sent.index("E-post till deltagaren") :]
        assert "<td>Skickat" in mail_table and ">sent" not in mail_table
        with organiser.session_transaction() as session:
            session["language"] = "en"
        english = organiser.get(url).get_data(as_text=True)
        assert "<td>Sent" in english[english.index("Mail to the attendee") :]
    finally:
        close_app(app)
