"""Follow-up mailings as organisers compose, target, preview, send and track them, and as
attendees get them: in their language, with their details, and with a working unsubscribe."""

import pytest

from conference.extensions import db
from conference.mailings.models import Mailing
from conference.registration.models import Registration
from tests.support.mailings import (
    address,
    compose,
    deliver_all,
    html_of,
    mailing_id_of,
    mailing_messages,
    recipient_count,
    registration_id,
    seed_event,
    send_now,
    text_of,
)
from tests.support.staff import staff_client


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
