"""An event whose attendees span two sectors and every combination of the list consents,
registered through the public form, for the participant-list and privacy tests."""

from dataclasses import dataclass

from conference.extensions import db
from conference.registration.models import Registration
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.programme import import_small_programme, session_ids

ADULT_EDUCATION, CULTURE = "adult_education", "independent_culture"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    sector: str
    municipality: str
    sector_list: bool
    public_list: bool
    session: str = ""
    cancelled: bool = False

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}"


PEOPLE = [
    Person(
        "Åsa",
        "Öberg",
        "asa.oberg@example.se",
        "070-111 11 01",
        ADULT_EDUCATION,
        "0180",
        True,
        True,
        "Kultur i hela länet",
    ),
    Person(
        "Örjan",
        "Ängström",
        "orjan.angstrom@example.se",
        "070-111 11 02",
        ADULT_EDUCATION,
        "0184",
        True,
        False,
        "Idrott för alla",
    ),
    Person("Pål", "Åkesson", "pal.akesson@example.se", "070-111 11 03", ADULT_EDUCATION, "0180", False, True),
    Person("Nils", "Näslund", "nils.naslund@example.se", "070-111 11 04", ADULT_EDUCATION, "0180", False, False),
    Person(
        "Märta", "Bildt", "marta.bildt@example.se", "070-111 11 05", CULTURE, "0182", True, True, "Kultur i hela länet"
    ),
    Person("Kåre", "Kulturell", "kare.kulturell@example.se", "070-111 11 06", CULTURE, "0180", True, False),
    Person("Ylva", "Ärlig", "ylva.arlig@example.se", "070-111 11 07", CULTURE, "0126", False, True),
    Person("Göran", "Östlund", "goran.ostlund@example.se", "070-111 11 08", CULTURE, "0180", False, False),
    # Consented to everything, then cancelled: on no list at all.
    Person(
        "Stina",
        "Struken",
        "stina.struken@example.se",
        "070-111 11 09",
        ADULT_EDUCATION,
        "0180",
        True,
        True,
        cancelled=True,
    ),
]
ACTIVE = [person for person in PEOPLE if not person.cancelled]


def names(people):
    return {person.name for person in people}


def sector_list(*sectors):
    """Who a representative of `sectors` must see."""
    return names(p for p in ACTIVE if p.sector in sectors and p.sector_list)


def public_list():
    return names(p for p in ACTIVE if p.public_list)


def seed_event(app, slug="tinget", **event_fields):
    """The event with its small programme and every person of PEOPLE registered through the
    form (and the cancelled one cancelled through their manage link)."""
    create_event(app, slug=slug, **event_fields)
    import_small_programme(app, slug=slug)
    sessions = session_ids(app, slug=slug)
    for person in PEOPLE:
        sector, municipality = reference_ids(app, sector=person.sector, municipality=person.municipality)
        data = registration_data(
            app,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            phone=person.phone,
            organisation=f"Förening för {person.last_name}",
            sector=sector,
            municipality=municipality,
            dietary_needs=f"Glutenfritt åt {person.first_name}",
        )
        if person.sector_list:
            data["consent_sector_list"] = "y"
        if person.public_list:
            data["consent_public_list"] = "y"
        if person.session:
            session_id, slot_id = sessions[person.session][:2]
            data[f"slot_{slot_id}"] = str(session_id)
        response = submit(app.test_client(), f"/events/{slug}/register", data)
        assert response.status_code == 303, response.get_data(as_text=True)
        if person.cancelled:
            client = app.test_client()
            assert submit(client, f"/manage/{token_of(app, person.email)}/cancel", {}).status_code == 303


def token_of(app, email):
    with app.app_context():
        return db.session.scalar(
            db.select(Registration.token).where(Registration.email == email).order_by(Registration.id.desc())
        )


def registration_id_of(app, email):
    with app.app_context():
        return db.session.scalar(db.select(Registration.id).where(Registration.email == email))


EVENT_FORM = {
    "title": "Stockholmstinget test",
    "slug": "tinget",
    "venue": "Folkets hus",
    "starts_at": "2030-05-20T09:00",
    "ends_at": "2030-05-20T16:00",
    "waitlist_enabled": "y",
}


def edit_event(organiser, event_id, **changes):
    """Save the event through the organiser's event form, with `changes` to its fields."""
    page = organiser.get(f"/staff/events/{event_id}").get_data(as_text=True)
    return organiser.post(f"/staff/events/{event_id}", data=hidden_fields(page, index=-1) | EVENT_FORM | changes)
