"""Participant lists: each format holds exactly the people the consent rule allows, a
representative reads only their own sectors, and every download is in the audit log."""

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conference.audit.models import AuditEntry
from conference.database import lock, transaction
from conference.events.models import Event, EventStatus
from conference.extensions import db
from conference.organiser import badges
from conference.participants import exports
from conference.reference.models import Sector
from tests.conftest import unavailable
from tests.support.forms import hidden_fields
from tests.support.participants import (
    ACTIVE,
    ADULT_EDUCATION,
    CULTURE,
    PEOPLE,
    edit_event,
    names,
    public_list,
    registration_id_of,
    sector_list,
    seed_event,
)
from tests.support.programme import session_ids
from tests.support.staff import staff_client


@pytest.fixture
def event(app):
    seed_event(app)
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == "tinget"))


@pytest.fixture
def pdf_font():
    if not any((directory / "DejaVuSans.ttf").is_file() for directory in badges.FONT_DIRECTORIES):
        unavailable("PDF tests skipped: the DejaVu fonts are missing (apt-get install fonts-dejavu-core)")


def sector_id(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Sector.id).where(Sector.code == code))


def representative(app, *sectors, email="rep@example.se"):
    return staff_client(app, "sector_representative", email=email, sectors=sectors)


def download(client, event_id, kind, **args):
    response = client.get(f"/staff/events/{event_id}/participants/download", query_string={"format": kind, **args})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


def csv_rows(response, delimiter=";"):
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def full_names(records, first="Förnamn", last="Efternamn"):
    return {f"{row[first]} {row[last]}" for row in records}


def xlsx_sheets(response):
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    sheets = {}
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = (rows[0], [dict(zip(rows[0], row, strict=False)) for row in rows[1:]])
    return sheets


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_representative_downloads_a_csv_of_the_consenting_people_of_their_sector(app, event):
    client = representative(app, ADULT_EDUCATION)
    response = download(client, event, "csv", separator="semicolon")
    assert response.mimetype == "text/csv"
    header, records = csv_rows(response, ";")
    assert header == [
        "Förnamn",
        "Efternamn",
        "Organisation",
        "Roll",
        "Sektor",
        "Kommun",
        "Programpunkter",
        "E-postadress",
        "Incheckad",
    ]
    assert full_names(records) == sector_list(ADULT_EDUCATION) == {"Åsa Öberg", "Örjan Ängström"}
    asa = next(row for row in records if row["Förnamn"] == "Åsa")
    assert asa["E-postadress"] == "asa.oberg@example.se"
    assert asa["Organisation"] == "Förening för Öberg"
    assert asa["Kommun"] == "Stockholm"
    assert asa["Programpunkter"] == "Kultur i hela länet"
    assert asa["Sektor"].startswith("Folkbildning")
    # What they did not consent to share with a representative is not in the file.
    assert "070-111" not in response.data.decode() and "Glutenfritt" not in response.data.decode()


def test_the_csv_separator_can_be_a_comma(app, event):
    client = representative(app, CULTURE)
    header, records = csv_rows(download(client, event, "csv", separator="comma"), ",")
    assert len(header) == 9
    assert full_names(records) == sector_list(CULTURE) == {"Märta Bildt", "Kåre Kulturell"}


def test_an_xlsx_has_a_sheet_per_sector_with_a_frozen_header_and_readable_widths(app, event):
    client = representative(app, ADULT_EDUCATION, CULTURE)
    response = download(client, event, "xlsx")
    sheets = xlsx_sheets(response)
    assert len(sheets) == 2
    by_sector = {title: full_names(records) for title, (_header, records) in sheets.items()}
    assert sorted(by_sector.values(), key=sorted) == sorted(
        [sector_list(ADULT_EDUCATION), sector_list(CULTURE)], key=sorted
    )
    assert any(title.startswith("Folkbildning") for title in sheets)
    assert set().union(*by_sector.values()) == {"Åsa Öberg", "Örjan Ängström", "Märta Bildt", "Kåre Kulturell"}
    editable = load_workbook(io.BytesIO(response.data))
    for sheet in editable.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["A"].width >= 10
        assert sheet["A1"].font.bold


def test_a_pdf_lists_the_event_sector_date_and_number_of_people(app, event, pdf_font):
    client = representative(app, ADULT_EDUCATION)
    response = download(client, event, "pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response)
    assert "Stockholmstinget test" in text
    assert "Folkbildning" in text
    assert "Antal personer: 2" in text
    for person in PEOPLE:
        assert (person.last_name in text) == (person.name in sector_list(ADULT_EDUCATION)), person.name


def test_a_pdf_too_long_to_lay_out_in_a_request_is_refused_with_a_way_forward(app, event, pdf_font, monkeypatch):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 1)
    client = representative(app, ADULT_EDUCATION)
    response = client.get(f"/staff/events/{event}/participants/download?format=pdf")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "En PDF rymmer högst 1 personer" in page and "XLSX" in page
    with app.app_context():
        assert (
            db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "participants.downloaded_pdf")) is None
        )


def test_an_organiser_downloads_everyone_with_every_field(app, event, pdf_font):
    organiser = staff_client(app, "organiser")
    header, records = csv_rows(download(organiser, event, "csv"))
    assert full_names(records) == names(ACTIVE)
    for column in ("Telefon", "Kostönskemål", "Samtycke: sektorslistor", "Samtycke: publik lista", "Status"):
        assert column in header
    nils = next(row for row in records if row["Förnamn"] == "Nils")
    assert nils["Telefon"] == "070-111 11 04"
    assert nils["Kostönskemål"] == "Glutenfritt åt Nils"
    assert nils["Samtycke: sektorslistor"] == ""
    assert next(row for row in records if row["Förnamn"] == "Åsa")["Samtycke: sektorslistor"] != ""

    _header, culture = csv_rows(download(organiser, event, "csv", sector=sector_id(app, CULTURE)))
    assert full_names(culture) == names(p for p in ACTIVE if p.sector == CULTURE)
    _header, waiting = csv_rows(download(organiser, event, "csv", status="waitlisted"))
    assert waiting == []

    sheets = xlsx_sheets(download(organiser, event, "xlsx"))
    assert set().union(*(full_names(records) for _header, records in sheets.values())) == names(ACTIVE)
    text = pdf_text(download(organiser, event, "pdf"))
    assert "Alla sektorer" in text and f"Antal personer: {len(ACTIVE)}" in text
    assert "Struken" not in text


def test_filters_by_session_municipality_and_check_in(app, event):
    client = representative(app, ADULT_EDUCATION, CULTURE)
    culture_session = session_ids(app)["Kultur i hela länet"][0]
    _header, records = csv_rows(download(client, event, "csv", session=culture_session))
    assert full_names(records) == {"Åsa Öberg", "Märta Bildt"}
    with app.app_context():
        solna = db.session.scalar(db.text("SELECT id FROM municipality WHERE code = '0184'"))
    _header, records = csv_rows(download(client, event, "csv", municipality=solna))
    assert full_names(records) == {"Örjan Ängström"}

    organiser = staff_client(app, "organiser")
    page = organiser.get(f"/staff/events/{event}/checkin").get_data(as_text=True)
    assert "Incheckning" in page
    registration = registration_id_of(app, "kare.kulturell@example.se")
    response = organiser.post(
        f"/staff/events/{event}/checkin/{registration}", data=hidden_fields(page) | {"registration_id": registration}
    )
    assert response.status_code == 303
    _header, checked_in = csv_rows(download(client, event, "csv", checked_in="yes"))
    assert full_names(checked_in) == {"Kåre Kulturell"}
    assert checked_in[0]["Incheckad"] != ""
    _header, not_yet = csv_rows(download(client, event, "csv", checked_in="no"))
    assert full_names(not_yet) == {"Åsa Öberg", "Örjan Ängström", "Märta Bildt"}


def test_the_list_page_shows_the_same_people_and_offers_the_downloads(app, event):
    client = representative(app, CULTURE)
    page = client.get(f"/staff/events/{event}/participants").get_data(as_text=True)
    for person in PEOPLE:
        assert (person.last_name in page) == (person.name in sector_list(CULTURE)), person.name
    assert "Ladda ner XLSX" in page and "Semikolon" in page


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_a_representative_gets_403_for_another_sectors_list(app, event, kind):
    client = representative(app, ADULT_EDUCATION)
    other = sector_id(app, CULTURE)
    response = client.get(f"/staff/events/{event}/participants/download?format={kind}&sector={other}")
    assert response.status_code == 403
    assert client.get(f"/staff/events/{event}/participants?sector={other}").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action.startswith("participants."))) is None


def test_unknown_event_sector_or_format_is_404(app, event):
    client = representative(app, ADULT_EDUCATION)
    base = f"/staff/events/{event}/participants"
    assert client.get(f"/staff/events/{event + 1000}/participants").status_code == 404
    assert client.get(f"{base}/download?format=csv&sector=99999").status_code == 404
    assert client.get(f"{base}/download?format=csv&sector=abc").status_code == 404
    assert client.get(f"{base}/download?format=docx").status_code == 404
    assert client.get(f"{base}/download?format=csv&sector={sector_id(app, ADULT_EDUCATION)}").status_code == 200


def test_a_draft_events_list_is_for_organisers_only(app, event):
    with app.app_context(), transaction():
        lock(Event, event).status = EventStatus.DRAFT
    base = f"/staff/events/{event}/participants"
    client = representative(app, ADULT_EDUCATION)
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/download?format=csv").status_code == 404
    assert staff_client(app, "organiser").get(f"{base}/download?format=csv").status_code == 200


def test_each_download_is_in_the_audit_log_with_who_what_and_how_many(app, event):
    client = representative(app, ADULT_EDUCATION)
    download(client, event, "csv")
    download(client, event, "xlsx", checked_in="no")
    with app.app_context():
        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action.startswith("participants.")).order_by(AuditEntry.id)
        ).all()
        assert [entry.action for entry in entries] == ["participants.downloaded_csv", "participants.downloaded_xlsx"]
        assert all(entry.user_email == "rep@example.se" and entry.event_id == event for entry in entries)
        assert entries[0].details["rows"] == 2
        assert entries[0].details["sectors"] == [ADULT_EDUCATION]
        assert entries[1].details["filters"] == {"checked_in": "no"}


def test_the_public_list_is_off_until_the_organiser_switches_it_on(app, event):
    assert app.test_client().get("/events/tinget/participants").status_code == 404
    assert "Vilka kommer" not in app.test_client().get("/events/tinget").get_data(as_text=True)
    organiser = staff_client(app, "organiser")
    assert edit_event(organiser, event, public_list_enabled="y").status_code == 303
    assert "Vilka kommer" in app.test_client().get("/events/tinget").get_data(as_text=True)
    page = app.test_client().get("/events/tinget/participants").get_data(as_text=True)
    for person in PEOPLE:
        assert (person.name in page) == (person.name in public_list()), person.name
    assert "Förening för Bildt" in page
    assert "@example.se" not in page and "070-111" not in page
    assert app.test_client().get("/events/no-such-event/participants").status_code == 404
