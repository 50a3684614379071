"""The attendee's privacy rights through their personal link, an organiser's erasure on
request, and the retention purge that leaves no trace of anyone in any table."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import JSON, String, Text

from conference.accounts.models import User
from conference.audit.models import AuditEntry
from conference.database import lock, transaction, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.invitations.services import invite, parse_invitee_list
from conference.mailings.models import MailingKind, OutboxMessage, OutboxStatus
from conference.mailings.services import queue_mailing, save_mailing, send, send_test
from conference.organiser import stats
from conference.registration.models import Registration, RegistrationStatus
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.participants import (
    ACTIVE,
    ADULT_EDUCATION,
    PEOPLE,
    edit_event,
    registration_id_of,
    sector_list,
    seed_event,
    token_of,
)
from tests.support.staff import staff_client


def event_id(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def rep_csv_names(app, event):
    client = staff_client(app, "sector_representative", email=f"rep{utcnow().timestamp()}@example.se")
    text = client.get(f"/staff/events/{event}/participants/download?format=csv").get_data(as_text=True)
    return {" ".join(line.split(";")[:2]) for line in text.splitlines()[1:]}


def test_an_attendee_downloads_all_the_data_held_about_them(app, inbox):
    seed_event(app)
    token = token_of(app, "asa.oberg@example.se")
    manage = app.test_client().get(f"/manage/{token}").get_data(as_text=True)
    assert "Ladda ner alla uppgifter vi har om dig (JSON)" in manage
    response = app.test_client().get(f"/manage/{token}/my-data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert data["registration"]["first_name"] == "Åsa"
    assert data["registration"]["email"] == "asa.oberg@example.se"
    assert data["registration"]["phone"] == "070-111 11 01"
    assert data["registration"]["dietary_needs"] == "Glutenfritt åt Åsa"
    assert data["consents"]["sector_lists"] and data["consents"]["public_list"] and not data["consents"]["mailings"]
    assert {"title": "Kultur i hela länet", "status": "confirmed"} in data["sessions"]
    assert data["messages"][0]["kind"] == "confirmation"
    assert data["retention_until"] == (event_ends(app) + timedelta(days=365)).isoformat()
    assert app.test_client().get("/manage/not-a-token/my-data.json").status_code == 404


def event_ends(app):
    with app.app_context():
        return db.session.scalar(db.select(Event.ends_at)).date()


def test_withdrawing_consents_takes_the_attendee_off_every_list(app):
    seed_event(app)
    event = event_id(app)
    organiser = staff_client(app, "organiser")
    edit_event(organiser, event, public_list_enabled="y")
    assert "Åsa Öberg" in rep_csv_names(app, event)
    token = token_of(app, "asa.oberg@example.se")
    client = app.test_client()
    page = client.get(f"/manage/{token}").get_data(as_text=True)
    forms = [i for i, _ in enumerate(page.split("<form")[1:]) if "withdraw-consents" in _.split(">", 1)[0]]
    response = client.post(f"/manage/{token}/withdraw-consents", data=hidden_fields(page, index=forms[0]))
    assert response.status_code == 303
    assert "Dina samtycken är återkallade" in client.get(f"/manage/{token}").get_data(as_text=True)
    assert rep_csv_names(app, event) == sector_list(ADULT_EDUCATION) - {"Åsa Öberg"}
    assert "Åsa Öberg" not in app.test_client().get("/events/tinget/participants").get_data(as_text=True)
    assert client.post(f"/manage/{token}/withdraw-consents", data={}).status_code == 400


def test_deleting_a_registration_frees_the_place_and_erases_the_data(app, inbox):
    create_event(app, capacity=1)
    client = app.test_client()
    submit(client, "/events/tinget/register", registration_data(app, email="first@example.se", first_name="Ebba"))
    submit(app.test_client(), "/events/tinget/register", registration_data(app, email="second@example.se"))
    inbox.wait_for(2)
    token = token_of(app, "first@example.se")
    confirm = client.get(f"/manage/{token}/delete")
    assert "Ta bort din anmälan till" in confirm.get_data(as_text=True)
    response = client.post(f"/manage/{token}/delete", data=hidden_fields(confirm.get_data(as_text=True)))
    assert response.status_code == 303
    assert "Din anmälan är borttagen" in client.get(response.headers["Location"]).get_data(as_text=True)
    inbox.wait_for(3)
    assert inbox.to("second@example.se")[-1]["Subject"].startswith("Du har fått en plats")
    assert len(inbox.to("first@example.se")) == 1  # only the confirmation: no mail after deletion
    with app.app_context():
        erased = db.session.scalars(db.select(Registration).where(Registration.erased_at.is_not(None))).one()
        assert erased.status == RegistrationStatus.CANCELLED
        assert (erased.first_name, erased.last_name, erased.phone, erased.organisation) == ("", "", "", "")
        assert "first@example.se" not in erased.email and erased.dietary_needs == ""
        messages = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.registration_id == erased.id)).all()
        assert messages and all(m.recipient == "" and m.raw_message is None and m.subject == "" for m in messages)
    assert app.test_client().get(f"/manage/{token}").status_code == 404


def test_an_organiser_erases_one_persons_data_on_request(app, inbox):
    seed_event(app)
    event = event_id(app)
    organiser = staff_client(app, "organiser")
    assert "Öberg" in organiser.get(f"/staff/events/{event}/registrations?q=Öberg").get_data(as_text=True)
    organiser.get(f"/staff/events/{event}/registrations?q=Bildt")
    registration = registration_id_of(app, "asa.oberg@example.se")
    page = organiser.get(f"/staff/registrations/{registration}").get_data(as_text=True)
    assert "Radera personens uppgifter" in page
    response = organiser.post(f"/staff/registrations/{registration}/erase", data=hidden_fields(page))
    assert response.status_code == 303
    table = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Personens uppgifter är raderade" in table
    assert "Raderad" in table and "Öberg" not in table
    with app.app_context():
        row = db.session.get(Registration, registration)
        assert row.erased_at is not None and row.first_name == "" and row.email == f"erased-{registration}"
        assert row.status == RegistrationStatus.CANCELLED  # before the event: the place is freed
        searches = [
            entry.details["filters"]["q"]
            for entry in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "registrations.listed"))
            if "q" in entry.details.get("filters", {})
        ]
        assert searches == ["[erased]", "Bildt"]  # only the search that named her is erased
        erasure = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "registration.erased")).one()
        assert erasure.subject_id == registration and erasure.user_email == "organiser@example.se"
    assert "Åsa Öberg" not in rep_csv_names(app, event)
    again = organiser.post(f"/staff/registrations/{registration}/erase", data=hidden_fields(page))
    assert "redan raderade" in organiser.get(again.headers["Location"]).get_data(as_text=True)
    assert organiser.post("/staff/registrations/999999/erase", data=hidden_fields(page)).status_code == 404


def personal_strings():
    """Every seeded name, e-mail address, phone number, organisation and need, folded."""
    texts = set()
    for person in PEOPLE:
        texts |= {
            person.name,
            person.last_name,
            person.email,
            person.phone,
            f"Förening för {person.last_name}",
            f"Glutenfritt åt {person.first_name}",
        }
    return {text.casefold() for text in texts}


def find_personal_data(app):
    """(table, column, needle) wherever a seeded personal string is stored, in any text or
    JSON column of any table: a table added later is searched too."""
    needles = personal_strings()
    found = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.columns if isinstance(column.type, (String, Text, JSON))]
            for column in columns:
                for (value,) in db.session.execute(db.select(column)):
                    if value is None:
                        continue
                    text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).casefold()
                    found |= {(table.name, column.name, needle) for needle in needles if needle in text}
    return found


def counts(app, event):
    with app.app_context():
        return (
            stats.totals(event),
            stats.by_sector(event),
            stats.by_municipality(event, "other"),
            stats.by_track(event),
            stats.session_fill(event),
        )


def move_into_the_past(app, event, *, days):
    with app.app_context(), transaction():
        row = lock(Event, event)
        row.starts_at -= timedelta(days=days)
        row.ends_at -= timedelta(days=days)
        row.registration_closes_at = row.starts_at


def test_the_purge_leaves_no_personal_data_in_any_table_and_keeps_the_counts(app, inbox):
    seed_event(app)
    inbox.wait_for(len(PEOPLE) + 1)  # the confirmations and the cancellation
    event = event_id(app)
    organiser = staff_client(app, "organiser")
    organiser.get(f"/staff/events/{event}/registrations?q=Åsa Öberg")
    organiser.get(f"/staff/events/{event}/checkin?q=naslund")
    page = organiser.get(f"/staff/events/{event}/checkin?q=Kulturell").get_data(as_text=True)
    kare = registration_id_of(app, "kare.kulturell@example.se")
    assert organiser.post(f"/staff/events/{event}/checkin/{kare}", data=hidden_fields(page)).status_code == 303
    staff_client(app, "sector_representative", email="rep@example.se").get(
        f"/staff/events/{event}/participants/download?format=csv"
    )
    invited = PEOPLE[:2]  # one invited and registered, one who came in the end or not
    with app.app_context():
        invitees = parse_invitee_list("\n".join(f"{person.name},{person.email}" for person in invited))
        invite(event_id=event, invitees=invitees)
    inbox.wait_for(len(PEOPLE) + 1 + len(invited))
    with app.app_context():  # a mailing to all, and its test copy to the organiser
        sender = db.session.scalars(db.select(User).where(User.email == "organiser@example.se")).one()
        texts = {"subject_sv": "Till {name}", "body_sv": "Hej {first_name} på {organisation}!"}
        fields = {"kind": MailingKind.PRACTICAL, "audience": {}, "subject_en": "", "body_en": ""} | texts
        mailing_id = save_mailing(event_id=event, fields=fields, user=sender)
        send_test(mailing_id=mailing_id, user=sender)
        send(mailing_id=mailing_id, user=sender)
        queue_mailing(mailing_id=mailing_id)
    found = find_personal_data(app)
    # The search can fail: before the purge it finds the people where they are stored.
    assert {table for table, _column, _needle in found} >= {
        "registration",
        "outbox_message",
        "audit_entry",
        "invitation",
    }
    before = counts(app, event)
    create_event(app, slug="later", title="Ett senare forum")
    submit(
        app.test_client(),
        "/events/later/register",
        registration_data(app, email="kept@example.se", first_name="Kvar", last_name="Kvist"),
    )

    move_into_the_past(app, event, days=400)  # the default retention, twelve months, is over
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert f"anonymised {len(PEOPLE)} registrations in 1 events" in result.output

    assert find_personal_data(app) == set()
    assert counts(app, event) == before
    with app.app_context():
        purged = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "privacy.purged")).one()
        assert purged.event_id == event and purged.details["registrations"] == len(PEOPLE)
        assert db.session.scalar(db.select(Registration.email).where(Registration.email == "kept@example.se"))
        unsent = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.QUEUED))
        assert all(message.recipient for message in unsent)
    assert "0 registrations" in app.test_cli_runner().invoke(args=["privacy", "purge"]).output
    assert len(ACTIVE) == stats_total_active(app, event)


def stats_total_active(app, event):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event, Registration.status != RegistrationStatus.CANCELLED)
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_event_is_not_purged_before_its_retention_date(app):
    seed_event(app)
    event = event_id(app)
    move_into_the_past(app, event, days=30)
    organiser = staff_client(app, "organiser")
    page = organiser.get(f"/staff/events/{event}").get_data(as_text=True)
    assert "Personuppgifterna sparas till och med" in page
    assert "0 registrations" in app.test_cli_runner().invoke(args=["privacy", "purge"]).output
    assert find_personal_data(app) != set()

    too_early = edit_event(organiser, event, retention_until="2030-05-01")
    assert too_early.status_code == 422
    assert "Spara uppgifterna åtminstone tills evenemanget är slut." in too_early.get_data(as_text=True)
    past = (utcnow() - timedelta(days=2)).date()
    ends = (utcnow() - timedelta(days=3)).replace(hour=16, minute=0)
    response = edit_event(
        organiser,
        event,
        starts_at=f"{ends:%Y-%m-%d}T09:00",
        ends_at=f"{ends:%Y-%m-%d}T16:00",
        retention_until=past.isoformat(),
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Event, event).retention_until == past
    assert f"anonymised {len(PEOPLE)} registrations" in app.test_cli_runner().invoke(args=["privacy", "purge"]).output
