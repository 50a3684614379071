"""Follow-up mailings as organisers compose, target, preview, send and track them, and as
attendees get them: in their language, with their details, and with a working unsubscribe."""

import time
from datetime import timedelta

import pytest

from conference.audit.models import AuditEntry
from conference.database import utcnow
from conference.events.calendar import local_wall_time
from conference.extensions import db
from conference.mailings.models import Mailing, MailingStatus, OutboxMessage, Unsubscribe
from conference.registration.models import Registration
from tests.conftest import close_app, make_app
from tests.support.factories import reference_ids, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.mailings import (
    address,
    compose,
    deliver_all,
    html_of,
    mailing_id_of,
    mailing_messages,
    post_from,
    recipient_count,
    registration_id,
    seed_event,
    send_now,
    text_of,
    wait_until,
)
from tests.support.staff import staff_client


@pytest.fixture
def app(database_url, smtp_server):
    """The app without in-process delivery: each test delivers when it means to, and may
    deliver as at a later time without racing the delivery thread."""
    app = make_app(database_url, smtp_server.port, MAIL_DELIVER_INLINE=False)
    yield app
    close_app(app)


@pytest.fixture
def organiser(app):
    return staff_client(app, "organiser")


@pytest.fixture
def event_id(app, organiser):
    return seed_event(app, app.test_client())


def test_a_mailing_reaches_each_recipient_in_their_language_with_their_details(app, organiser, event_id, inbox):
    response = compose(
        organiser,
        event_id,
        subject="Tack, {first_name}!",
        body="Hej **{name}** från {organisation} på {event}.\n\nDina pass:\n\n{sessions}\n\n[Din anmälan]({manage_link})",
        subject_en="Thank you, {first_name}!",
        body_en="Hello **{name}** of {organisation} at {event}.\n\nYour sessions:\n\n{sessions}\n\nLeave: {unsubscribe_link}",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    mailing_id = mailing_id_of(response)
    assert recipient_count(organiser, mailing_id) == 3  # A, B, E: C did not consent, D … F cancelled
    assert send_now(organiser, mailing_id).status_code == 303
    deliver_all(app)
    messages = {message["To"]: message for message in mailing_messages(inbox, 3)}
    assert set(messages) == {address("A"), address("B"), address("E")}

    swedish = messages[address("A")]
    assert swedish["Subject"] == "Tack, FörnamnA!"
    text = text_of(swedish)
    html = html_of(swedish)
    assert "Hej **FörnamnA EfternamnA** från Förening A <&> på Stockholmstinget test." in text
    assert "10:00–11:00 Kultur i hela länet" in text
    assert "<strong>FörnamnA EfternamnA</strong> från Förening A &lt;&amp;&gt; på Stockholmstinget test" in html
    with app.app_context():
        token = db.session.get(Registration, registration_id(app, "A")).token
    assert f'<a href="http://ting.test/manage/{token}" rel="noopener noreferrer">Din anmälan</a>' in html
    assert "samtyckt till uppföljande utskick" in text

    english = messages[address("B")]
    assert english["Subject"] == "Thank you, FörnamnB!"
    english_text = text_of(english)
    assert "Hello **FörnamnB EfternamnB** of Förening B <&> at Stockholmstinget test." in english_text
    assert "10:00–11:00 Idrott för alla" in english_text
    assert "agreed to get follow-up mailings" in english_text
    unsubscribe_link = english["List-Unsubscribe"].strip("<>")
    assert f"Leave: {unsubscribe_link}" in english_text
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "example.se" not in unsubscribe_link  # the link names no address

    waiting = messages[address("E")]
    assert "Dina pass:\n\n\n" in text_of(waiting)  # no sessions: an empty line


def test_an_unknown_placeholder_is_refused_beside_its_field_and_nothing_is_saved(app, organiser, event_id):
    response = compose(organiser, event_id, body="Hej {fornamn}!")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="body_sv-error">Okänd platshållare {fornamn}. Du kan använda: {first_name}' in page
    english = compose(organiser, event_id, subject_en="Hi {firstname}", body_en="Hello")
    assert english.status_code == 422
    assert 'id="subject_en-error">Okänd platshållare {firstname}.' in english.get_data(as_text=True)
    half = compose(organiser, event_id, subject_en="Hi {first_name}")
    assert 'id="body_en-error">Ge både ämne och text på engelska, eller inget av dem.' in half.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Mailing)) == 0


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, 3),
        ({"status": "confirmed"}, 2),
        ({"status": "waitlisted"}, 1),
        ({"status": "cancelled"}, 1),
        ({"checked_in": "yes"}, 1),
        ({"checked_in": "no"}, 2),
        ({"sector": "sport"}, 1),
        ({"sector": "adult_education"}, 1),
        ({"municipality": "0114"}, 1),
        ({"municipality": "0180"}, 2),
        ({"session": "Idrott för alla"}, 1),
        ({"track": "Kultur"}, 1),
        ({"track": "Idrott"}, 1),
        ({"sector": "sport", "status": "confirmed"}, 1),
        ({"sector": "sport", "status": "waitlisted"}, 0),
        ({"municipality": "0180", "checked_in": "no"}, 1),
        ({"track": "Kultur", "checked_in": "yes", "sector": "adult_education"}, 1),
        ({"kind": "practical"}, 4),
        ({"kind": "practical", "sector": "adult_education"}, 2),
        ({"kind": "practical", "municipality": "0114", "status": "confirmed"}, 1),
    ],
)
def test_the_audience_is_counted_before_sending_for_each_filter(app, organiser, event_id, fields, expected):
    response = compose(organiser, event_id, **_filter_values(app, fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert recipient_count(organiser, mailing_id_of(response)) == expected


def _filter_values(app, fields):
    """Form values for filters named by codes and titles."""
    from conference.programme.models import Track
    from tests.support.factories import reference_ids
    from tests.support.programme import session_ids

    values = dict(fields)
    if "sector" in values:
        values["sector"] = reference_ids(app, sector=values["sector"])[0]
    if "municipality" in values:
        values["municipality"] = reference_ids(app, municipality=values["municipality"])[1]
    if "session" in values:
        values["session"] = str(session_ids(app)[values["session"]][0])
    if "track" in values:
        with app.app_context():
            values["track"] = str(db.session.scalar(db.select(Track.id).where(Track.name == values["track"])))
    return values


def test_one_click_unsubscribe_is_immediate_recorded_without_the_address_and_honoured(app, organiser, event_id, inbox):
    mailing_id = mailing_id_of(compose(organiser, event_id))
    send_now(organiser, mailing_id)
    deliver_all(app)
    (to_b,) = [message for message in mailing_messages(inbox, 3) if message["To"] == address("B")]
    link = to_b["List-Unsubscribe"].strip("<>").removeprefix("http://ting.test")

    # A mail client's RFC 8058 one-click POST: no cookie, no CSRF token.
    response = app.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert app.test_client().post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 204  # twice: no error
    assert "Klart: den här adressen får inga fler utskick" in app.test_client().get(link).get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(db.select(Unsubscribe).order_by(Unsubscribe.created_at)).all()
    assert [row.source for row in rows] == ["page", "one_click"]  # D on the page, then B
    assert all("@" not in row.address_hash and "person" not in row.address_hash for row in rows)

    assert recipient_count(organiser, mailing_id_of(compose(organiser, event_id))) == 2  # A and E
    assert recipient_count(organiser, mailing_id_of(compose(organiser, event_id, kind="practical"))) == 3


def test_an_unsubscribe_link_that_this_site_did_not_sign_is_not_found(client):
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post("/unsubscribe/eyJhIjoxfQ.forged", data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_preview_shows_any_recipient_and_a_test_goes_to_the_organiser_only(app, organiser, event_id, inbox):
    mailing_id = mailing_id_of(
        compose(organiser, event_id, subject_en="Thanks {first_name}", body_en="From **{organisation}**")
    )
    page = organiser.get(f"/staff/mailings/{mailing_id}/preview?registration={registration_id(app, 'B')}")
    text = page.get_data(as_text=True)
    assert '<dd id="preview-subject">Thanks FörnamnB</dd>' in text
    assert "From <strong>Förening B &lt;&amp;&gt;</strong>" in text
    assert "<script" not in text.split('id="preview-html"')[1].split("</div>")[0]
    first = organiser.get(f"/staff/mailings/{mailing_id}/preview?registration=x").get_data(as_text=True)
    assert '<dd id="preview-subject">Tack FörnamnA!</dd>' in first  # a malformed choice shows the first

    response = post_from(
        organiser,
        f"/staff/mailings/{mailing_id}/preview?registration={registration_id(app, 'B')}",
        f"/staff/mailings/{mailing_id}/test",
    )
    assert response.status_code == 303
    deliver_all(app)
    (test,) = mailing_messages(inbox, 1)
    assert test["To"] == "organiser@example.se"
    assert test["Subject"] == "[Test] Thanks FörnamnB"
    assert "Ett test skickas till organiser@example.se" in organiser.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Mailing, mailing_id).status == MailingStatus.DRAFT
        kinds = db.session.scalars(db.select(OutboxMessage.kind).where(OutboxMessage.mailing_id == mailing_id)).all()
    assert kinds == ["mailing_test"]


def test_the_recipients_are_fixed_when_a_scheduled_mailing_starts(app, organiser, event_id, inbox):
    mailing_id = mailing_id_of(compose(organiser, event_id))
    in_an_hour = local_wall_time(utcnow() + timedelta(hours=1))
    response = post_from(
        organiser,
        f"/staff/mailings/{mailing_id}",
        f"/staff/mailings/{mailing_id}/send",
        {"when": "later", "send_at": in_an_hour.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 303
    assert "Schemalagt till" in organiser.get(f"/staff/mailings/{mailing_id}").get_data(as_text=True)
    deliver_all(app)
    assert mailing_messages(inbox, 0) == []  # not yet due

    register_late(app, "G")  # before the mailing starts: joins it
    deliver_all(app, now=utcnow() + timedelta(hours=1, minutes=1))
    assert {message["To"] for message in mailing_messages(inbox, 4)} == {address(x) for x in "ABEG"}
    register_late(app, "H")  # after: does not
    deliver_all(app, now=utcnow() + timedelta(hours=2))
    time.sleep(0.3)
    assert len(mailing_messages(inbox, 4)) == 4
    page = organiser.get(f"/staff/mailings/{mailing_id}").get_data(as_text=True)
    assert "till 4 mottagare" in page and "100 % klart: 4 skickade, 0 misslyckade, 0 väntar." in page
    archive = organiser.get("/staff/mailings").get_data(as_text=True)
    assert "organiser@example.se" in archive and "Tack {first_name}!" in archive
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert {"mailing.send", "mailing.queued", "mailing.recipients_viewed"} <= set(actions)


def test_a_send_time_in_the_past_or_missing_is_refused_beside_the_field(app, organiser, event_id):
    mailing_id = mailing_id_of(compose(organiser, event_id))
    page, action = f"/staff/mailings/{mailing_id}", f"/staff/mailings/{mailing_id}/send"
    past = local_wall_time(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_from(organiser, page, action, {"when": "later", "send_at": past})
    assert response.status_code == 422
    assert 'id="send_at-error">Välj en tidpunkt i framtiden.' in response.get_data(as_text=True)
    missing = post_from(organiser, page, action, {"when": "later", "send_at": ""})
    assert 'id="send_at-error">Ange när utskicket ska skickas.' in missing.get_data(as_text=True)
    nobody = mailing_id_of(compose(organiser, event_id, sector=reference_ids(app, sector="academia")[0]))
    refused = post_from(organiser, f"/staff/mailings/{nobody}", f"/staff/mailings/{nobody}/send", {"when": "now"})
    assert "Ingen skulle få det här utskicket." in refused.get_data(as_text=True)
    with app.app_context():
        assert {row.status for row in db.session.scalars(db.select(Mailing))} == {MailingStatus.DRAFT}


def test_a_failed_recipient_shows_its_error_and_is_retried_on_request(app, organiser, event_id, smtp_server):
    inbox = smtp_server.inbox
    inbox.refuse[address("B")] = "550 5.1.1 No such user"
    mailing_id = mailing_id_of(compose(organiser, event_id))
    send_now(organiser, mailing_id)
    deliver_all(app)
    mailing_messages(inbox, 2)
    page = organiser.get(f"/staff/mailings/{mailing_id}?status=failed").get_data(as_text=True)
    assert "100 % klart: 2 skickade, 1 misslyckade, 0 väntar." in page
    assert address("B") in page and "550 5.1.1 No such user" in page and address("A") not in page

    del inbox.refuse[address("B")]
    response = post_from(organiser, f"/staff/mailings/{mailing_id}", f"/staff/mailings/{mailing_id}/retry")
    assert response.status_code == 303
    deliver_all(app)
    assert address("B") in {message["To"] for message in mailing_messages(inbox, 3)}
    page = organiser.get(f"/staff/mailings/{mailing_id}").get_data(as_text=True)
    assert "100 % klart: 3 skickade, 0 misslyckade, 0 väntar." in page


def test_a_sent_mailing_cannot_be_changed_or_sent_again(app, organiser, event_id):
    mailing_id = mailing_id_of(compose(organiser, event_id))
    send_now(organiser, mailing_id)
    deliver_all(app)
    response = organiser.get(f"/staff/mailings/{mailing_id}/edit")
    assert response.status_code == 303
    assert "Utskicket är skickat och kan inte längre ändras." in organiser.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        token = hidden_fields(organiser.get(f"/staff/events/{event_id}/mailings/new").get_data(as_text=True))
        count = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    again = organiser.post(f"/staff/mailings/{mailing_id}/send", data=token | {"when": "now"})
    assert "Utskicket är skickat och kan inte längre ändras." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == count


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_or_unknown_mailing_ids_are_not_found(organiser):
    for url in ("/staff/mailings/999999", "/staff/mailings/abc", "/staff/mailings/99999999999/preview"):
        assert organiser.get(url).status_code == 404
    assert organiser.get("/staff/events/999999/mailings/new").status_code == 404


def register_late(app, letter):
    data = registration_data(app, email=address(letter), first_name=f"Förnamn{letter}", consent_mailings="y")
    assert submit(app.test_client(), "/events/tinget/register", data).status_code == 303


def test_a_line_break_in_a_name_cannot_add_a_header(app, organiser, event_id, inbox):
    data = registration_data(
        app, email="eva@example.se", first_name="Eva\r\nBcc: evil@example.se", consent_mailings="y"
    )
    assert submit(app.test_client(), "/events/tinget/register", data).status_code == 303
    mailing_id = mailing_id_of(compose(organiser, event_id, subject="Tack {first_name}", status="waitlisted"))
    send_now(organiser, mailing_id)
    deliver_all(app)
    to_eva = [message for message in mailing_messages(inbox, 2) if message["To"] == "eva@example.se"]
    assert [message["Subject"] for message in to_eva] == ["Tack Eva Bcc: evil@example.se"]
    assert to_eva[0]["Bcc"] is None


def test_without_a_relay_a_sent_mailing_is_queued_in_the_outbox_by_the_web_process(database_url, smtp_server, inbox):
    """The embedded default without MAIL_SERVER (`make run`): nothing is delivered, yet a sent
    mailing's messages are written to the outbox, where organisers read them."""
    app = make_app(database_url, smtp_server.port, MAIL_SERVER=None, MAIL_DELIVER_INLINE=True)
    try:
        organiser = staff_client(app, "organiser")
        event = seed_event(app, app.test_client())
        mailing_id = mailing_id_of(compose(organiser, event))
        assert send_now(organiser, mailing_id).status_code == 303

        def queued():
            with app.app_context():
                mailing = db.session.get(Mailing, mailing_id)
                rows = db.session.scalar(
                    db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.mailing_id == mailing_id)
                )
                return mailing.status != MailingStatus.SCHEDULED and rows == 3

        assert wait_until(queued)
        with app.app_context():
            statuses = set(
                db.session.scalars(db.select(OutboxMessage.status).where(OutboxMessage.mailing_id == mailing_id))
            )
        assert statuses == {"queued"}
        assert inbox.messages == []  # nothing was delivered, not even the confirmations
    finally:
        close_app(app)
