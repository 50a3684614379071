"""The coverage matrix counted on a seeded multi-series data set: the organiser's page, its
gaps in words and the XLSX export, on SQLite and PostgreSQL."""

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from conference.coverage.services import coverage
from conference.database import transaction, utcnow
from conference.events.models import Event, EventStatus, Forum, Level
from conference.extensions import db
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus
from tests.support.staff import staff_client

THIS_YEAR = utcnow().year


def seed(app):
    """Two series: a municipal dialogue with editions last year and this year, and a
    regional dialogue this year; participation in a few municipalities only."""
    with app.app_context(), transaction() as session:
        municipality = {m.name: m for m in session.scalars(db.select(Municipality))}
        sector = {s.code: s for s in session.scalars(db.select(Sector))}
        dialogue = Forum(name="Kommundialog", level=Level.SUB_REGIONAL)
        regional = Forum(name="Trepartssamtal", level=Level.REGIONAL)
        events = {
            "kd-last": _event(dialogue, "kd-last", datetime(THIS_YEAR - 1, 5, 10, 8)),
            "kd-this": _event(dialogue, "kd-this", datetime(THIS_YEAR, 5, 12, 8)),
            "tp-this": _event(regional, "tp-this", datetime(THIS_YEAR, 9, 1, 8)),
            "draft": _event(regional, "draft", datetime(THIS_YEAR, 10, 1, 8), status=EventStatus.DRAFT),
        }
        session.add_all(events.values())
        rows = [
            ("kd-last", "Nacka", "municipal_official", RegistrationStatus.CONFIRMED, True),
            ("kd-last", "Nacka", "municipal_politician", RegistrationStatus.CONFIRMED, False),
            ("kd-last", "Solna", "municipal_official", RegistrationStatus.CONFIRMED, True),
            ("kd-this", "Nacka", "municipal_official", RegistrationStatus.CONFIRMED, False),
            ("kd-this", "Nacka", "municipal_official", RegistrationStatus.CONFIRMED, False),
            ("kd-this", "Nacka", "adult_education", RegistrationStatus.CONFIRMED, False),
            ("kd-this", "Solna", "municipal_official", RegistrationStatus.CANCELLED, False),
            ("kd-this", "Solna", "municipal_official", RegistrationStatus.WAITLISTED, False),
            ("tp-this", "Solna", "adult_education", RegistrationStatus.CONFIRMED, False),
            ("tp-this", None, "regional_official", RegistrationStatus.CONFIRMED, False),
            ("draft", "Värmdö", "adult_education", RegistrationStatus.CONFIRMED, False),
        ]
        for number, (slug, place, code, status, checked_in) in enumerate(rows):
            session.add(
                Registration(
                    event=events[slug],
                    email=f"person{number}@example.se",
                    first_name="P",
                    last_name=str(number),
                    organisation="Org",
                    sector=sector[code],
                    municipality=municipality[place] if place else None,
                    status=status,
                    waitlist_seq=number if status == RegistrationStatus.WAITLISTED else None,
                    checked_in_at=utcnow() if checked_in else None,
                )
            )
        session.flush()
        return {slug: event.id for slug, event in events.items()} | {"dialogue": dialogue.id}


def _event(forum, slug, starts_at, status=EventStatus.PUBLISHED):
    return Event(
        forum=forum,
        slug=slug,
        title=slug,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        status=status,
    )


def row(rows, label):
    (found,) = [r for r in rows if r.label == label]
    return found


def test_the_model_matrix_counts_confirmed_participation_per_municipality_and_edition(app):
    ids = seed(app)
    with app.app_context():
        result = coverage()
        assert [column.event_id for column in result.columns] == [ids["kd-last"], ids["kd-this"], ids["tp-this"]]
        assert len(result.municipalities) == 26
        nacka = row(result.municipalities, "Nacka")
        assert [cell.count for cell in nacka.cells] == [2, 3, 0]
        assert [cell.checked_in for cell in nacka.cells] == [1, 0, 0]
        assert nacka.cells[1].parts == [
            ("Tjänsteperson i kommun", 2),
            ("Folkbildning (studieförbund, folkhögskola)", 1),
        ]
        assert [cell.band for cell in nacka.cells] == ["few", "several", "none"]
        solna = row(result.municipalities, "Solna")
        # Cancelled and waiting registrations are not participation.
        assert [cell.count for cell in solna.cells] == [1, 0, 1]
        assert solna.reached == 2
        untouched = [r.label for r in result.municipalities if r.total == 0]
        assert len(untouched) == 24 and "Värmdö" in untouched  # a draft's registration does not count
        official = row(result.sectors, "Tjänsteperson i kommun")
        assert [cell.count for cell in official.cells] == [2, 2, 0]
        assert row(result.sectors, "Tjänsteperson i regionen").cells[2].count == 1
        assert row(result.sectors, "Idrott").total == 0
        # A sector's cell counts the municipalities it came from; regional people have none.
        adult_education = row(result.sectors, "Folkbildning (studieförbund, folkhögskola)")
        assert [cell.municipalities for cell in adult_education.cells] == [0, 1, 1]
        assert [cell.municipalities for cell in official.cells] == [2, 1, 0]


def test_the_page_lists_gaps_in_words_for_a_year_and_for_a_series(app):
    ids = seed(app)
    staff = staff_client(app, "organiser")

    year = staff.get(f"/staff/coverage?year={THIS_YEAR}").get_data(as_text=True)
    assert "Värmdö har inte deltagit i någon av årets dialoger." in year
    assert "Nacka har inte deltagit i någon av årets dialoger." not in year
    assert "Nacka har inte deltagit i något tillfälle av Trepartssamtal." in year
    assert "Ingen från sektorn Idrott har deltagit i årets dialoger." in year
    assert "kd-last" not in year

    series = staff.get(f"/staff/coverage?forum={ids['dialogue']}").get_data(as_text=True)
    assert "Värmdö har inte deltagit i något tillfälle av Kommundialog." in series
    assert "Solna har inte deltagit" not in series
    assert "tp-this" not in series

    model = staff.get("/staff/coverage").get_data(as_text=True)
    assert "Värmdö har inte deltagit i någon av dialogerna." in model
    assert "inget deltagande" in model  # the legend says in words what the colours mean


def test_the_xlsx_export_holds_the_same_figures(app):
    seed(app)
    staff = staff_client(app, "organiser")
    response = staff.get("/staff/coverage.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Kommuner", "Sektorer", "Luckor"]
    sheet = workbook["Kommuner"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 26
    assert rows["Nacka"] == (2, 3, 0, 2, 5)
    assert rows["Värmdö"] == (0, 0, 0, 0, 0)
    gaps = [r[0] for r in workbook["Luckor"].iter_rows(min_row=2, values_only=True)]
    assert "Värmdö har inte deltagit i någon av dialogerna." in gaps


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bad_scope_is_404_and_an_empty_scope_says_so(app):
    staff = staff_client(app, "organiser")
    assert staff.get("/staff/coverage?forum=abc").status_code == 404
    assert staff.get("/staff/coverage?forum=999999").status_code == 404
    assert staff.get("/staff/coverage?year=99999").status_code == 404
    assert staff.get("/staff/coverage.xlsx?year=1800").status_code == 404
    assert "Inga tillfällen i det här urvalet ännu." in staff.get("/staff/coverage").get_data(as_text=True)
