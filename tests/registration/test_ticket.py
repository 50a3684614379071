"""The ticket: the confirmation mail and the manage page carry a QR code of the check-in code."""

import re

from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.ticket import qr_png
from tests.support.factories import create_event, registration_data
from tests.support.forms import submit

MANAGE_LINK = re.compile(r"http://ting\.test(/manage/[A-Za-z0-9_-]{40,})")


def register(app, **overrides):
    assert submit(app.test_client(), "/events/tinget/register", registration_data(app, **overrides)).status_code == 303


def stored(app, email):
    with app.app_context():
        return db.session.scalars(db.select(Registration).where(Registration.email == email)).one()


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_confirmed_place_gets_the_qr_code_by_mail_and_on_the_manage_page(app, client, inbox):
    create_event(app)
    register(app)
    code = stored(app, "asa.oberg@example.se").checkin_code
    (mail,) = inbox.wait_for(1)

    assert f"Visa den bifogade QR-koden vid entrén: {code}" in text_part(mail)
    assert code in mail.get_body(preferencelist=("html",)).get_content()
    (ticket,) = [part for part in mail.iter_attachments() if part.get_content_type() == "image/png"]
    assert ticket.get_filename() == "tinget-qr.png"
    assert ticket.get_content() == qr_png(code)  # the code alone: the manage link is not in it

    page = client.get(MANAGE_LINK.search(text_part(mail)).group(1)).get_data(as_text=True)
    assert "Din biljett" in page
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="ticket-qr"><title>QR-kod för incheckning</title>', page)
    assert f'<figcaption class="ticket-code">{code}</figcaption>' in page


def test_a_place_on_the_waiting_list_gets_no_ticket(app, client, inbox):
    create_event(app, capacity=1)
    register(app, email="first@example.se")
    register(app, email="second@example.se")
    inbox.wait_for(2)
    (mail,) = inbox.to("second@example.se")

    assert "QR-koden" not in text_part(mail)  # not "QR" alone: the random link may hold those letters
    assert list(mail.iter_attachments()) == []
    page = client.get(MANAGE_LINK.search(text_part(mail)).group(1)).get_data(as_text=True)
    assert "reservlistan" in page
    assert "ticket-qr" not in page
    assert stored(app, "second@example.se").checkin_code not in page
