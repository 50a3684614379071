"""Name badges as PDF: eight to an A4 sheet, for all, for a filtered set, or for one person."""

import io

import pytest
from pypdf import PdfReader

from conference.audit.models import AuditEntry
from conference.events.models import Event
from conference.extensions import db
from conference.organiser import badges
from conference.registration.models import Registration
from tests.conftest import unavailable
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.staff import staff_client

PEOPLE = [
    ("Åsa", "Öberg"),
    ("Örjan", "Älvström"),
    ("Ängla", "Åkesson"),
    ("Bengt", "Ek"),
    ("Karin", "Lindqvist-Nyström"),
    ("Märta", "Sjöö"),
    ("Jöns", "Bäck"),
    ("Elin", "Håkansson"),
    ("Per", "Strömqvist"),
]


@pytest.fixture
def badge_font():
    """The DejaVu fonts the badges are set in (CI installs fonts-dejavu-core)."""
    if not any((directory / "DejaVuSans.ttf").is_file() for directory in badges.FONT_DIRECTORIES):
        unavailable("Badge tests skipped: the DejaVu fonts are missing (apt-get install fonts-dejavu-core)")


def register_people(app, count=None, slug="tinget", **overrides):
    for index, (first, last) in enumerate(PEOPLE[:count]):
        data = registration_data(app, first_name=first, last_name=last, email=f"person{index}@example.se") | overrides
        assert submit(app.test_client(), f"/events/{slug}/register", data).status_code == 303


def registrations(app):
    with app.app_context():
        return db.session.scalars(db.select(Registration).order_by(Registration.id)).all()


def event_id(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def pdf(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def downloads(app):
    with app.app_context():
        return db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "badges.downloaded").order_by(AuditEntry.id)
        ).all()


def test_badges_for_everyone_two_sheets_for_nine_people_with_their_names(app, badge_font):
    create_event(app, title="Stockholmstinget 2027")
    register_people(app)
    organiser = staff_client(app, "organiser")
    page = organiser.get(f"/staff/events/{event_id(app)}/checkin").get_data(as_text=True)
    assert f'href="/staff/events/{event_id(app)}/badges.pdf"' in page

    reader, text = pdf(organiser.get(f"/staff/events/{event_id(app)}/badges.pdf"))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for first, last in PEOPLE:
        assert f"{first} {last}" in text
    assert text.count("Studieförbundet Vuxenskolan") == 9
    assert " ".join(text.split()).count("Folkbildning (studieförbund, folkhögskola)") == 9  # the sector, in Swedish
    assert text.count("Stockholm") >= 9  # the municipality
    for registration in registrations(app):
        assert registration.checkin_code in text
    # Alphabetical by last name, Swedish order: Å, Ä, Ö after Z.
    first_page = reader.pages[0].extract_text()
    assert first_page.index("Jöns Bäck") < first_page.index("Bengt Ek") < first_page.index("Elin Håkansson")
    assert first_page.index("Per Strömqvist") < first_page.index("Ängla Åkesson") < first_page.index("Örjan Älvström")
    assert "Åsa Öberg" in reader.pages[1].extract_text()  # the ninth, alone on the second sheet

    (entry,) = downloads(app)
    assert (entry.user_email, entry.event_id, entry.details["count"]) == ("organiser@example.se", event_id(app), 9)


def test_badges_for_a_filtered_set(app, badge_font):
    create_event(app)
    register_people(app, count=4)
    politician = reference_ids(app, sector="regional_politician")[0]
    data = registration_data(
        app,
        first_name="Öllegård",
        last_name="Politiker",
        email="pol@example.se",
        sector=politician,
        organisation="Region Stockholm",
    )
    assert submit(app.test_client(), "/events/tinget/register", data).status_code == 303
    organiser = staff_client(app, "organiser")
    base = f"/staff/events/{event_id(app)}"

    _, text = pdf(organiser.get(f"{base}/badges.pdf?sector={politician}"))
    assert "Öllegård Politiker" in text and "Åsa Öberg" not in text
    assert "Regionpolitiker" in text

    _, text = pdf(organiser.get(f"{base}/badges.pdf?q=oberg"))
    assert "Åsa Öberg" in text and "Bengt Ek" not in text

    asa = next(r for r in registrations(app) if r.first_name == "Åsa")
    page = organiser.get(f"{base}/checkin")
    token = {"csrf_token": hidden_fields(page.get_data(as_text=True))["csrf_token"]}
    assert organiser.post(f"{base}/checkin/code", data=token | {"code": asa.checkin_code}).status_code == 303
    reader, text = pdf(organiser.get(f"{base}/badges.pdf?checked_in=yes"))
    assert len(reader.pages) == 1 and "Åsa Öberg" in text and "Bengt Ek" not in text
    _, text = pdf(organiser.get(f"{base}/badges.pdf?checked_in=no"))
    assert "Åsa Öberg" not in text and "Bengt Ek" in text and "Öllegård Politiker" in text

    # Nothing matches: no empty PDF, but a message on the check-in page.
    response = organiser.get(f"{base}/badges.pdf?q=nobody")
    assert response.status_code == 303
    assert "Ingen bekräftad anmälan matchar" in organiser.get(response.headers["Location"]).get_data(as_text=True)

    details = [entry.details for entry in downloads(app)]
    assert [d["count"] for d in details] == [1, 1, 1, 4]
    assert details[0]["sector_id"] == int(politician)
    assert details[2]["checked_in"] == "yes"


def test_one_persons_badge_and_none_for_someone_without_a_place(app, badge_font):
    create_event(app, capacity=1)
    register_people(app, count=2)
    placed, waiting = registrations(app)
    organiser = staff_client(app, "organiser")

    reader, text = pdf(organiser.get(f"/staff/registrations/{placed.id}/badge.pdf"))
    assert len(reader.pages) == 1
    assert "Åsa Öberg" in text and "Örjan Älvström" not in text
    assert placed.checkin_code in text
    (entry,) = downloads(app)
    assert (entry.subject_type, entry.subject_id, entry.details["count"]) == ("registration", placed.id, 1)

    response = organiser.get(f"/staff/registrations/{waiting.id}/badge.pdf")
    assert response.status_code == 303
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Namnbrickor görs bara för anmälningar med en bekräftad plats." in page
    assert organiser.get("/staff/registrations/999999/badge.pdf").status_code == 404
    assert organiser.get("/staff/events/999999/badges.pdf").status_code == 404
    assert len(downloads(app)) == 1


def test_a_long_name_and_organisation_still_fit_on_the_badge(app, badge_font):
    create_event(app)
    data = registration_data(
        app,
        first_name="Anna-Karin Margareta",
        last_name="Johansson-Lindqvist af Ågerström",
        organisation="Studieförbundet Vuxenskolan Stockholms län med en mycket lång avdelningsbeteckning",
    )
    assert submit(app.test_client(), "/events/tinget/register", data).status_code == 303
    organiser = staff_client(app, "organiser")
    reader, text = pdf(organiser.get(f"/staff/events/{event_id(app)}/badges.pdf"))
    assert len(reader.pages) == 1
    assert "Anna-Karin" in text and "Johansson-Lindqvist" in text


def test_without_font_the_server_says_so_instead_of_failing(app, monkeypatch, tmp_path):
    create_event(app)
    register_people(app, count=1)
    monkeypatch.setattr(badges, "FONT_DIRECTORIES", (tmp_path,))
    organiser = staff_client(app, "organiser")
    response = organiser.get(f"/staff/events/{event_id(app)}/badges.pdf")
    assert response.status_code == 303
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Namnbrickor kan inte göras på den här servern: typsnittet de sätts med saknas." in page
    assert downloads(app) == []
