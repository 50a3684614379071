"""An organiser's day in a real browser: sign in, add a session, see it in the public
programme, and check an attendee in at the door."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.programme import import_small_programme
from tests.support.staff import PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_an_organiser_adds_a_session_and_checks_an_attendee_in(page, live_server):
    app = live_server.app
    slug = create_event(app)
    import_small_programme(app, slug=slug)
    submit(app.test_client(), f"/events/{slug}/register", registration_data(app, first_name="Märta", last_name="Ek"))
    email = make_staff(app, "organiser")

    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Evenemang")).to_be_visible()

    page.get_by_role("link", name="Program", exact=True).first.click()
    page.get_by_role("link", name="Ny programpunkt").click()
    page.get_by_label("Rubrik").fill("Kulturarv i förorten")
    page.get_by_label("Pass", exact=True).select_option(label="Pass 1 10:00")
    page.get_by_label("Lokal").select_option(label="Sal B")
    page.get_by_label("Medverkande").fill("Ahmed Yusuf (RF-SISU Stockholm)")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Programpunkten är sparad.")).to_be_visible()

    page.goto(f"/events/{slug}/programme")
    card = page.locator(".session-card").filter(has_text="Kulturarv i förorten")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Ahmed Yusuf")

    page.goto("/staff/events")
    page.get_by_role("link", name="Incheckning").first.click()
    expect(page.get_by_text("0 av 1 incheckade")).to_be_visible()
    page.get_by_role("region", name="Hitta en person").get_by_label("Namn eller organisation").fill("Märta")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("button", name=re.compile(r"^Checka in.*Märta Ek")).click()
    expect(page.get_by_text("1 av 1 incheckade")).to_be_visible()
