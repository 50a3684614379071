"""Choosing sessions in the real form in a real browser, and seeing them on the manage page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_registration_in_browser import fill_swedish_form
from tests.support.factories import create_event
from tests.support.programme import import_small_programme

pytestmark = pytest.mark.browser

NO_SESSION = "Ingen programpunkt i detta pass"


def slot_group(page, label):
    """The fieldset of one slot; its legend reads e.g. "Pass 1, 10:00–11:00"."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(label)},"))


def choose(page, slot, title):
    """Pick a session, or none, the way a mouse user does: by clicking its label."""
    slot_group(page, slot).locator("label").filter(has_text=title).click()


def radio(page, slot, title):
    return slot_group(page, slot).get_by_role("radio", name=title)


def agenda_titles(page):
    return page.locator("ul.agenda > li > a")


def open_registration_form(page, live_server):
    slug = create_event(live_server.app)
    import_small_programme(live_server.app, slug=slug)
    page.goto(f"/events/{slug}/register")
    expect(page.get_by_role("group", name="Programpunkter")).to_be_visible()
    return slug


def test_chosen_sessions_are_shown_after_registering_and_can_be_changed(page, live_server, inbox):
    slug = open_registration_form(page, live_server)

    # Only slots with parallel sessions are offered; the plenary opening needs no choice.
    expect(page.locator("fieldset.slot-choice")).to_have_count(2)
    expect(page.get_by_role("radio", name="Öppning av dagen")).to_have_count(0)
    # Nothing is chosen until the attendee chooses.
    expect(radio(page, "Pass 1", NO_SESSION)).to_be_checked()
    expect(radio(page, "Pass 2", NO_SESSION)).to_be_checked()
    # Sal A holds two: the place count is part of the choice's label.
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_have_accessible_name(
        re.compile(r"Kultur i hela länet.*2 platser kvar")
    )

    fill_swedish_form(page, "Åsa", "asa.oberg@example.se")
    choose(page, "Pass 1", "Kultur i hela länet")
    choose(page, "Pass 2", "Folkbildning och kultur")
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()
    expect(radio(page, "Pass 2", "Folkbildning och kultur")).to_be_checked()
    page.get_by_role("button", name="Anmäl dig").click()

    # The confirmation page lists the attendee's programme, plenary first.
    expect(page).to_have_url(re.compile(rf"/events/{slug}/registered$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack, Åsa!")
    expect(page.get_by_role("heading", level=2, name="Ditt program")).to_be_visible()
    expect(agenda_titles(page)).to_have_text(["Öppning av dagen", "Kultur i hela länet", "Folkbildning och kultur"])

    # The mail carries the same manage link as the confirmation page.
    [mail] = inbox.wait_for(1)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    manage_link = page.get_by_role("link", name="Se eller ändra din anmälan")
    manage_path = manage_link.get_attribute("href")
    assert re.fullmatch(r"/manage/[\w-]+", manage_path), manage_path
    assert f"{live_server.url}{manage_path}" in body
    manage_link.click()

    # The manage page shows the choices in the agenda and in the edit form.
    expect(page).to_have_url(re.compile(rf"{re.escape(manage_path)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Din anmälan till Stockholmstinget test")
    expect(agenda_titles(page)).to_have_text(["Öppning av dagen", "Kultur i hela länet", "Folkbildning och kultur"])
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()
    expect(radio(page, "Pass 2", "Folkbildning och kultur")).to_be_checked()
    expect(radio(page, "Pass 1", "Idrott för alla")).not_to_be_checked()
    expect(radio(page, "Pass 2", NO_SESSION)).not_to_be_checked()

    # Giving up the Pass 2 session.
    choose(page, "Pass 2", NO_SESSION)
    expect(radio(page, "Pass 2", NO_SESSION)).to_be_checked()
    page.get_by_role("button", name="Spara ändringar").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(manage_path)}$"))
    expect(page.get_by_role("status")).to_have_text("Dina ändringar är sparade.")
    expect(agenda_titles(page)).to_have_text(["Öppning av dagen", "Kultur i hela länet"])
    expect(page.locator("ul.agenda")).not_to_contain_text("Folkbildning och kultur")
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()
    expect(radio(page, "Pass 2", NO_SESSION)).to_be_checked()
    expect(radio(page, "Pass 2", "Folkbildning och kultur")).not_to_be_checked()


def test_session_choices_work_with_the_keyboard(page, live_server):
    """Each slot is one radio group: Tab enters it at the checked radio, arrow keys move the choice."""
    slug = open_registration_form(page, live_server)
    fill_swedish_form(page, "Åsa", "asa.oberg@example.se")

    # Tab from the last field before the sessions lands on the checked radio of Pass 1.
    page.get_by_label("Kommun", exact=True).focus()
    page.keyboard.press("Tab")
    expect(radio(page, "Pass 1", NO_SESSION)).to_be_focused()

    page.keyboard.press("ArrowDown")
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_focused()
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(radio(page, "Pass 1", "Idrott för alla")).to_be_checked()
    expect(radio(page, "Pass 1", "Kultur i hela länet")).not_to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()
    expect(radio(page, "Pass 1", "Idrott för alla")).not_to_be_checked()
    # Arrows stay inside the slot: Pass 2 is untouched.
    expect(radio(page, "Pass 2", NO_SESSION)).to_be_checked()

    # Tab leaves the group and enters the next slot's group.
    page.keyboard.press("Tab")
    expect(radio(page, "Pass 2", NO_SESSION)).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(radio(page, "Pass 2", "Folkbildning och kultur")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(radio(page, "Pass 2", "Föreningar i rörelse")).to_be_checked()
    expect(radio(page, "Pass 2", "Folkbildning och kultur")).not_to_be_checked()
    expect(radio(page, "Pass 1", "Kultur i hela länet")).to_be_checked()

    page.get_by_role("button", name="Anmäl dig").click()
    expect(page).to_have_url(re.compile(rf"/events/{slug}/registered$"))
    expect(agenda_titles(page)).to_have_text(["Öppning av dagen", "Kultur i hela länet", "Föreningar i rörelse"])
