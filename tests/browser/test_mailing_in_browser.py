"""An organiser's follow-up mailing in a real browser: compose, preview, send a test, send,
and watch the progress reach 100 %."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.mailings import mailing_messages
from tests.support.staff import PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_an_organiser_composes_previews_tests_and_sends_a_mailing(page, live_server, smtp_server):
    app = live_server.app
    slug = create_event(app)
    for first_name, address in (("Märta", "marta"), ("Olof", "olof"), ("Sanna", "sanna")):
        data = registration_data(
            app, first_name=first_name, last_name="Ek", email=f"{address}@example.se", consent_mailings="y"
        )
        assert submit(app.test_client(), f"/events/{slug}/register", data).status_code == 303
    email = make_staff(app, "organiser")

    page.goto("/staff/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Evenemang")).to_be_visible()
    page.get_by_role("link", name="Stockholmstinget test").click()
    page.get_by_role("link", name="Utskick", exact=True).last.click()
    page.get_by_role("link", name="Nytt utskick").click()

    page.get_by_label("Ämne på svenska").fill("Tack för i dag, {fornamn}")
    page.get_by_label("Text på svenska").fill("Hej **{first_name}**!\n\nHär är dokumentationen.")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Okänd platshållare {fornamn}.").first).to_be_visible()
    page.get_by_label("Ämne på svenska").fill("Tack för i dag, {first_name}")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("3 mottagare")).to_be_visible()

    page.get_by_role("link", name="Förhandsvisning").click()
    page.get_by_label("Visa som").select_option(label="Olof Ek (olof@example.se)")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#preview-subject")).to_have_text("Tack för i dag, Olof")
    expect(page.locator("#preview-html strong")).to_have_text("Olof")
    page.get_by_role("button", name="Skicka detta som test till mig").click()
    expect(page.get_by_text(f"Ett test skickas till {email}.")).to_be_visible()
    (test,) = mailing_messages(smtp_server.inbox, 1)
    assert test["To"] == email and test["Subject"] == "[Test] Tack för i dag, Olof"

    smtp_server.inbox.delay = 1.5  # a slow relay: the page follows the sending as it goes
    page.get_by_role("button", name="Skicka nu").click()
    expect(page.get_by_text("Utskicket skickas.")).to_be_visible()
    # The page moves on by itself from "scheduled" to the progress once the messages are queued,
    progress = page.locator("#progress-text")
    expect(progress).to_be_visible(timeout=10000)
    assert "100 % klart" not in progress.inner_text()
    # and then updates the progress in place (a reload would forget this mark).
    page.evaluate("window.stillTheSamePage = true")
    expect(progress).to_have_text(re.compile(r"^100 % klart: 3 skickade, 0 misslyckade, 0 väntar\."), timeout=20000)
    assert page.evaluate("window.stillTheSamePage === true")
    expect(page.get_by_role("cell", name="sanna@example.se")).to_be_visible()
    received = mailing_messages(smtp_server.inbox, 4)
    assert sorted(message["To"] for message in received[1:]) == [
        "marta@example.se",
        "olof@example.se",
        "sanna@example.se",
    ]
