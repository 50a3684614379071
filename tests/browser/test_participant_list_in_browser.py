"""A sector representative in a real browser: sign in, open the participant list of their
sector, download the XLSX and find the consenting people in it."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.support.participants import ADULT_EDUCATION, PEOPLE, sector_list, seed_event
from tests.support.staff import PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_a_representative_downloads_the_xlsx_of_their_sector(page, live_server):
    app = live_server.app
    seed_event(app)
    email = make_staff(app, "sector_representative", email="folkbildning@example.se", sectors=(ADULT_EDUCATION,))

    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Deltagarlistor")).to_be_visible()

    page.get_by_role("link", name="Stockholmstinget test").click()
    expect(page.get_by_role("heading", name="Deltagarlista: Stockholmstinget test")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("2 personer")
    expect(page.get_by_role("cell", name="Öberg", exact=True)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Ladda ner XLSX").click()
    download = download_info.value
    assert download.suggested_filename == "tinget-adult_education.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("Förnamn", "Efternamn")
    found = {f"{first} {last}" for first, last, *_rest in rows[1:]}
    assert found == sector_list(ADULT_EDUCATION) == {"Åsa Öberg", "Örjan Ängström"}
    assert all(person.name not in found for person in PEOPLE if not person.sector_list)
