"""Registering through the real form in a real browser, in Swedish and in English."""

import re

import pytest
from playwright.sync_api import expect

from conference.extensions import db
from conference.mailings.models import OutboxMessage
from conference.registration.models import Registration
from tests.support.factories import create_event

pytestmark = pytest.mark.browser

TITLE = "Stockholmstinget test"


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(db.select(db.func.count(Registration.id))),
            db.session.scalar(db.select(db.func.count(OutboxMessage.id))),
        )


def text_body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def fill_swedish_form(page, first_name, email):
    page.get_by_label("Förnamn", exact=True).fill(first_name)
    page.get_by_label("Efternamn", exact=True).fill("Öberg")
    page.get_by_label("E-postadress", exact=True).fill(email)
    page.get_by_label("Telefon (frivilligt)", exact=True).fill("070-123 45 67")
    page.get_by_label("Organisation", exact=True).fill("Studieförbundet Vuxenskolan")
    page.get_by_label("Sektor", exact=True).select_option(label="Folkbildning (studieförbund, folkhögskola)")
    page.get_by_label("Kommun", exact=True).select_option(label="Stockholm")
    page.get_by_label("Specialkost (frivilligt)", exact=True).fill("Vegetarisk")
    page.get_by_label(
        "Jag godkänner att mitt namn, min organisation och sektor visas i en offentlig deltagarlista."
    ).check()


def fill_english_form(page, first_name, email):
    page.get_by_label("First name", exact=True).fill(first_name)
    page.get_by_label("Last name", exact=True).fill("Smith")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Organisation", exact=True).fill("Riksteatern")
    page.get_by_label("Sector", exact=True).select_option(
        label="Independent cultural sector (artists, regional centres)"
    )
    page.get_by_label("Municipality", exact=True).select_option(label="Other, or outside Stockholm County")
    page.get_by_label(
        "I want to receive follow-up mailings from the organisers after the event (documentation, surveys)."
    ).check()


def test_register_through_the_form_in_swedish_and_in_english(page, live_server, inbox):
    slug = create_event(live_server.app)

    # Swedish, the default language.
    page.goto(f"/events/{slug}")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("link", name="Anmäl dig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmälan till {TITLE}")
    expect(page.get_by_role("radio", name="Svenska")).to_be_checked()
    fill_swedish_form(page, "Åsa", "asa.oberg@example.se")
    page.get_by_role("button", name="Anmäl dig").click()

    expect(page).to_have_url(re.compile(rf"/events/{slug}/registered$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack, Åsa!")
    expect(page.get_by_text(f"Du har en plats på {TITLE}.")).to_be_visible()

    [mail] = inbox.wait_for(1)
    assert mail["To"] == "asa.oberg@example.se"
    assert mail["Subject"] == f"Din anmälan till {TITLE}"
    body = text_body(mail)
    assert "Hej Åsa!" in body
    manage_url = re.search(rf"{re.escape(live_server.url)}/manage/[\w-]+", body)
    assert manage_url, body
    page.goto(manage_url.group())
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Din anmälan till {TITLE}")
    expect(page.get_by_label("Förnamn", exact=True)).to_have_value("Åsa")

    # English, chosen through the link in the header.
    page.goto(f"/events/{slug}")
    page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/events/{slug}$"))
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Register for {TITLE}")
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    fill_english_form(page, "John", "john.smith@example.org")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, John!")
    expect(page.get_by_text(f"You have a place at {TITLE}.")).to_be_visible()

    messages = inbox.wait_for(2)
    [mail] = inbox.to("john.smith@example.org")
    assert mail["Subject"] == f"Your registration for {TITLE}"
    assert "Hello John," in text_body(mail)
    assert f"{live_server.url}/manage/" in text_body(mail)
    assert len(messages) == 2
    assert counts(live_server.app) == (2, 2)


def test_empty_form_shows_errors_next_to_the_fields_and_creates_nothing(page, live_server, inbox):
    slug = create_event(live_server.app)
    page.goto(f"/events/{slug}/register")
    page.get_by_role("button", name="Anmäl dig").click()

    required = ["Förnamn", "Efternamn", "E-postadress", "Organisation", "Sektor", "Kommun"]
    for label in required:
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        # The error is shown next to the field and read out with it.
        expect(field).to_have_accessible_description("Fältet måste fyllas i.")
        error = page.locator(f"#{field.get_attribute('id')}-error")
        expect(error).to_be_visible()
        expect(error).to_have_text("Fältet måste fyllas i.")
    for label in ["Telefon (frivilligt)", "Roll eller titel (frivilligt)"]:
        expect(page.get_by_label(label, exact=True)).not_to_have_attribute("aria-invalid", "true")

    # The summary takes focus and links to each field in error.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(len(required))
    summary.get_by_role("link", name=re.compile("^Förnamn")).click()
    expect(page).to_have_url(re.compile(r"#first_name$"))

    # Nothing registered, nothing queued, nothing sent.
    assert counts(live_server.app) == (0, 0)
    assert inbox.messages == []


def test_form_reflows_at_320_css_pixels(page, live_server, tmp_path):
    """WCAG 1.4.10: no horizontal scrolling at 320 px, on the empty form and with errors shown."""
    slug = create_event(live_server.app, title="Stockholmstinget om folkbildning, kultur och civilsamhälle 2026")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/events/{slug}/register")
    page.screenshot(path=tmp_path / "registration-form-320.png", full_page=True)
    assert (tmp_path / "registration-form-320.png").stat().st_size > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_role("button", name="Anmäl dig").click()
    expect(page.locator("#error-summary")).to_be_visible()
    page.screenshot(path=tmp_path / "registration-errors-320.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
