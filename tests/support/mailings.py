"""A seeded event for mailings, and the organiser's steps: compose, send, read the pages."""

import re
import time

from conference.accounts.models import User
from conference.database import transaction, utcnow
from conference.extensions import db
from conference.mailings.outbox import deliver_due
from conference.mailings.unsubscribes import unsubscribe_token, unsubscribe_url_prefix
from conference.organiser.checkin_services import check_in
from conference.registration import services as registrations
from conference.registration.models import Registration
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import _FormParser, submit
from tests.support.programme import import_small_programme, session_ids

# Who registers, in this order, on an event with four places (so E and F wait), and how.
# F then cancels, A is checked in, D unsubscribes.
PEOPLE = {
    "A": dict(
        language="sv", consent=True, sector="adult_education", municipality="0180", sessions=["Kultur i hela länet"]
    ),
    "B": dict(language="en", consent=True, sector="sport", municipality="0180", sessions=["Idrott för alla"]),
    "C": dict(
        language="sv", consent=False, sector="adult_education", municipality="0114", sessions=["Idrott för alla"]
    ),
    "D": dict(language="sv", consent=True, sector="sport", municipality="0114", sessions=[]),
    "E": dict(language="sv", consent=True, sector="other", municipality="0114", sessions=[]),
    "F": dict(language="sv", consent=True, sector="other", municipality="0180", sessions=[]),
}


def address(letter):
    return f"person.{letter.lower()}@example.se"


def seed_event(app, client):
    """The event of PEOPLE, registered through the public form, A checked in by the first staff
    user, D unsubscribed on the page of their link; returns the event id."""
    create_event(app, capacity=4)
    import_small_programme(app)
    ids = session_ids(app)
    for letter, person in PEOPLE.items():
        sector, municipality = reference_ids(app, sector=person["sector"], municipality=person["municipality"])
        data = registration_data(
            app,
            first_name=f"Förnamn{letter}",
            last_name=f"Efternamn{letter}",
            email=address(letter),
            organisation=f"Förening {letter} <&>",
            sector=sector,
            municipality=municipality,
            language=person["language"],
        )
        if person["consent"]:
            data["consent_mailings"] = "y"
        for title in person["sessions"]:
            session_id, slot_id = ids[title]
            data[f"slot_{slot_id}"] = str(session_id)
        response = submit(client, "/events/tinget/register", data)
        assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        rows = {row.email: row for row in db.session.scalars(db.select(Registration))}
        registrations.cancel(registration_id=rows[address("F")].id)
        organiser = db.session.scalars(db.select(User).order_by(User.id)).first()
        check_in(registration_id=rows[address("A")].id, by_user=organiser)
        link = unsubscribe_url_prefix() + unsubscribe_token(address("D"))
    assert client.post(link.removeprefix("http://ting.test")).status_code == 303
    return rows[address("A")].event_id


def registration_id(app, letter):
    with app.app_context():
        return db.session.scalar(db.select(Registration.id).where(Registration.email == address(letter)))


def compose(client, event_id, *, subject="Tack {first_name}!", body="Hej {name}.", **fields):
    """Post the compose form; returns the response (a redirect to the mailing's page if saved)."""
    data = {"kind": "follow_up", "subject_sv": subject, "body_sv": body, "subject_en": "", "body_en": ""}
    for name in ("status", "sector", "municipality", "track", "session", "checked_in"):
        data[name] = ""
    data |= fields
    return submit(client, f"/staff/events/{event_id}/mailings/new", data)


def mailing_id_of(response):
    return int(re.search(r"/staff/mailings/(\d+)$", response.headers["Location"]).group(1))


def recipient_count(client, mailing_id):
    page = client.get(f"/staff/mailings/{mailing_id}").get_data(as_text=True)
    return int(re.search(r'id="recipient-count"><strong>(\d+) mottagare', page).group(1))


def send_now(client, mailing_id):
    return post_from(client, f"/staff/mailings/{mailing_id}", f"/staff/mailings/{mailing_id}/send", {"when": "now"})


def post_from(client, page_url, action, data=None):
    """Post the form of the page at `page_url` whose action is `action`, as its button would."""
    parser = _FormParser()
    parser.feed(client.get(page_url).get_data(as_text=True))
    form = next(form for form in parser.forms if form["action"] == action)
    return client.post(action, data=form["fields"] | (data or {}))


def deliver_all(app, now=None):
    with app.app_context():
        return deliver_due(now=now or utcnow())


def wait_until(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def bulk_registrations(app, event_slug, count, *, prefix="reader"):
    """`count` confirmed registrations that consented to mailings, written in one go."""
    from conference.events.models import Event
    from conference.reference.models import Sector
    from conference.registration.models import RegistrationStatus

    with app.app_context(), transaction() as session:
        event_id = session.scalar(db.select(Event.id).where(Event.slug == event_slug))
        sector_id = session.scalar(db.select(Sector.id).order_by(Sector.id))
        now = utcnow()
        session.add_all(
            Registration(
                event_id=event_id,
                status=RegistrationStatus.CONFIRMED,
                email=f"{prefix}{index}@example.se",
                first_name=f"Läsare{index}",
                last_name="Test",
                organisation="Förening",
                sector_id=sector_id,
                language="en" if index % 2 else "sv",
                consent_mailings_at=now,
            )
            for index in range(count)
        )
        return event_id


def mailing_messages(inbox, count, timeout=30):
    """The messages of mailings (they carry List-Unsubscribe), once `count` have arrived."""
    assert wait_until(lambda: len(_of_mailings(inbox)) >= count, timeout), f"{len(_of_mailings(inbox))} of {count}"
    return _of_mailings(inbox)


def _of_mailings(inbox):
    with inbox.condition:
        return [message for message in inbox.messages if message["List-Unsubscribe"]]


def text_of(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message):
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")
