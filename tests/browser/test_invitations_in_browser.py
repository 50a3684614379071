"""An organiser uploads an invitee list in a real browser, and an invitee registers through
the link in the real invitation mail, with the form filled in for them."""

import re

import pytest
from playwright.sync_api import expect

from conference.events.models import Event
from conference.extensions import db
from tests.support.factories import create_event
from tests.support.staff import PASSWORD, make_staff

pytestmark = pytest.mark.browser

INVITEES = (
    "namn;e-post;organisation;sektor;kommun;språk\n"
    "Åsa Öberg;asa.oberg@example.se;Studieförbundet Vuxenskolan;adult_education;Nacka;sv\n"
    "Bo Ek;bo.ek@example.se;Tyresö kommun;municipal_official;Tyresö;sv\n"
)


def test_an_organiser_uploads_invitees_and_an_invitee_registers_through_the_mail(page, live_server, inbox, tmp_path):
    app = live_server.app
    create_event(app, invitation_only=True)
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    email = make_staff(app, "organiser")
    invitee_list = tmp_path / "inbjudna.csv"
    invitee_list.write_text(INVITEES, encoding="utf-8")

    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Evenemang")).to_be_visible()

    page.goto(f"/staff/events/{event_id}")
    page.get_by_role("navigation", name="Det här evenemanget").get_by_role("link", name="Inbjudningar").click()
    page.get_by_label("Lista över inbjudna (CSV-fil)").set_input_files(str(invitee_list))
    page.get_by_role("button", name="Skicka inbjudningarna").click()
    expect(page.get_by_text("2 inbjudningar är på väg.")).to_be_visible()
    rows = page.locator("table.invitations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Åsa Öberg")).to_contain_text("Inbjuden")

    mails = inbox.wait_for(2)
    (mail,) = [mail for mail in mails if mail["To"] == "asa.oberg@example.se"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server.url)}/invitations/[A-Za-z0-9_-]+(?=\s)", body).group(0)

    invitee = page.context.browser.new_context(base_url=live_server.url, locale="sv-SE").new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Anmälan till Stockholmstinget test")).to_be_visible()
    expect(invitee.get_by_label("E-postadress", exact=True)).to_have_value("asa.oberg@example.se")
    expect(invitee.get_by_label("Förnamn", exact=True)).to_have_value("Åsa")
    expect(invitee.get_by_label("Organisation", exact=True)).to_have_value("Studieförbundet Vuxenskolan")
    expect(invitee.get_by_label("Kommun", exact=True)).to_have_value(re.compile(r"\d+"))
    invitee.get_by_role("button", name="Anmäl dig").click()
    expect(invitee.get_by_text("Tack, Åsa!")).to_be_visible()
    invitee.context.close()

    page.reload()
    expect(rows.filter(has_text="Åsa Öberg")).to_contain_text("Anmäld")
    expect(rows.filter(has_text="Bo Ek")).to_contain_text("Inbjuden")
