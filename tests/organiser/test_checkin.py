"""Check-in at the door, as an organiser on a tablet would do it: by code, by search, undo,
and two doors checking in the same person at once."""

import re
import threading

from conference.audit.models import AuditEntry
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.services import cancel
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import _FormParser, submit
from tests.support.staff import make_staff, sign_in, staff_client

FLASH = re.compile(r'<div class="notice notice-(\w+)" role="status">([^<]*)</div>')


def register(app, slug="tinget", **overrides):
    response = submit(app.test_client(), f"/events/{slug}/register", registration_data(app, **overrides))
    assert response.status_code == 303
    with app.app_context():
        email = overrides.get("email", "asa.oberg@example.se")
        return db.session.scalars(
            db.select(Registration).where(Registration.email == email).order_by(Registration.id.desc())
        ).first()


def event_id(app, slug="tinget"):
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == slug))


def sector_id(app, code):
    return reference_ids(app, sector=code)[0]


def stored(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id)


def audit(app, action):
    with app.app_context():
        return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def form_fields(html, action):
    """The hidden fields of the page's form that posts to `action`."""
    parser = _FormParser()
    parser.feed(html)
    (form,) = [form for form in parser.forms if form["action"] == action]
    return form["fields"]


def post_from_page(client, page_url, action, data=None):
    """Open the page, then press the button of its form that posts to `action`."""
    page = client.get(page_url)
    assert page.status_code == 200
    return client.post(action, data=form_fields(page.get_data(as_text=True), action) | (data or {}))


def csrf(client, page_url):
    """A CSRF token as a page of the check-in gives it (for posting where no button is offered)."""
    return form_fields(client.get(page_url).get_data(as_text=True), f"{page_url}/code")


def flashes(client, response):
    """The messages shown on the page the response redirects to."""
    assert response.status_code == 303, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return [(kind, text.replace("&#39;", "'")) for kind, text in FLASH.findall(page)], page


def test_check_in_by_code_as_typed_then_undo(app):
    create_event(app)
    person = register(app)
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    assert "0 av 1 incheckade" in organiser.get(page).get_data(as_text=True)

    typed = f" {person.checkin_code[:5].lower()} {person.checkin_code[5:].lower()} "
    response = post_from_page(organiser, page, f"{page}/code", {"code": typed})
    messages, shown = flashes(organiser, response)
    assert messages == [("success", "Åsa Öberg (Studieförbundet Vuxenskolan) är incheckad.")]
    assert response.headers["Location"].endswith(f"?q={person.checkin_code}")
    assert "1 av 1 incheckade" in shown
    assert "Ångra incheckningen" in shown

    checked = stored(app, person.id)
    assert checked.checked_in_at is not None
    with app.app_context():
        assert checked.checked_in_by_id == db.session.scalar(
            db.text("SELECT id FROM \"user\" WHERE role = 'organiser'")
        )
    (entry,) = audit(app, "registration.checked_in")
    assert (entry.user_email, entry.subject_id, entry.event_id) == ("organiser@example.se", person.id, person.event_id)

    undo = f"{page}/{person.id}/undo"
    response = post_from_page(organiser, f"{page}?q={person.checkin_code}", undo)
    messages, shown = flashes(organiser, response)
    assert messages == [("success", "Incheckningen av Åsa Öberg är ångrad.")]
    assert "0 av 1 incheckade" in shown
    assert stored(app, person.id).checked_in_at is None
    assert stored(app, person.id).checked_in_by_id is None
    (entry,) = audit(app, "registration.check_in_undone")
    assert entry.subject_id == person.id


def test_a_page_polling_its_counts_leaves_the_message_for_the_next_page(app):
    """ting.js reads the page again for its live counts: that must not use up the message
    of an action that was just taken (at this door, or in another tab)."""
    create_event(app)
    person = register(app)
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    response = post_from_page(organiser, page, f"{page}/code", {"code": person.checkin_code})
    polled = organiser.get(page, headers={"X-Ting-Poll": "1"}).get_data(as_text=True)
    assert "1 av 1 incheckade" in polled
    assert not FLASH.findall(polled)
    messages, _shown = flashes(organiser, response)
    assert messages == [("success", "Åsa Öberg (Studieförbundet Vuxenskolan) är incheckad.")]


def test_search_finds_by_name_without_accents_or_organisation_and_checks_in(app):
    create_event(app)
    asa = register(app)
    bengt = register(app, first_name="Bengt", last_name="Ek", email="bengt@example.se", organisation="Region Stockholm")
    register(app, first_name="Örjan", last_name="Älv", email="orjan@example.se", organisation="Sensus")
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"

    found = organiser.get(f"{page}?q=oberg").get_data(as_text=True)
    assert "Åsa Öberg" in found and "Bengt Ek" not in found and "Örjan Älv" not in found
    assert "1 träff" in found
    found = organiser.get(f"{page}?q=REGION+stockholm").get_data(as_text=True)
    assert "Bengt Ek" in found and "Åsa Öberg" not in found
    found = organiser.get(f"{page}?q=vuxenskolan").get_data(as_text=True)
    assert "Åsa Öberg" in found and "Örjan Älv" not in found
    assert "Ingen matchar" in organiser.get(f"{page}?q=nobody").get_data(as_text=True)

    response = post_from_page(organiser, f"{page}?q=region", f"{page}/{bengt.id}")
    messages, shown = flashes(organiser, response)
    assert messages == [("success", "Bengt Ek (Region Stockholm) är incheckad.")]
    assert response.headers["Location"].endswith("?q=region")
    assert re.search(r"Incheckad kl\. \d\d:\d\d", shown)
    assert stored(app, bengt.id).checked_in_at is not None
    assert stored(app, asa.id).checked_in_at is None


def test_the_page_counts_by_sector(app):
    create_event(app)
    politicians = [
        register(
            app, first_name=f"Politiker{n}", email=f"p{n}@example.se", sector=sector_id(app, "regional_politician")
        )
        for n in range(3)
    ]
    register(app)  # adult education
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    for person in politicians[:2]:
        post_from_page(organiser, page, f"{page}/code", {"code": person.checkin_code})

    shown = organiser.get(page).get_data(as_text=True)
    assert "2 av 4 incheckade" in shown
    rows = dict(
        (name, (int(checked), int(confirmed)))
        for name, checked, confirmed in re.findall(
            r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', shown
        )
    )
    assert rows == {"Regionpolitiker": (2, 3), "Folkbildning (studieförbund, folkhögskola)": (0, 1), "Totalt": (2, 4)}


def test_checking_in_twice_tells_when_the_first_was_and_records_once(app):
    create_event(app)
    person = register(app)
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    post_from_page(organiser, page, f"{page}/code", {"code": person.checkin_code})
    response = post_from_page(organiser, page, f"{page}/code", {"code": person.checkin_code})
    ((kind, text),), _ = flashes(organiser, response)
    assert kind == "info"
    assert re.fullmatch(r"Åsa Öberg var redan incheckad kl\. \d\d:\d\d\.", text)
    assert len(audit(app, "registration.checked_in")) == 1

    post_from_page(organiser, f"{page}?q=asa", f"{page}/{person.id}/undo")
    response = organiser.post(f"{page}/{person.id}/undo", data=csrf(organiser, page))
    assert flashes(organiser, response)[0] == [("info", "Åsa Öberg var inte incheckad.")]
    assert len(audit(app, "registration.check_in_undone")) == 1


def test_an_unknown_code_or_another_events_code_is_not_found_for_this_event(app):
    create_event(app)
    create_event(app, slug="annat", title="Ett annat forum")
    register(app)
    elsewhere = register(app, slug="annat", email="annan@example.se")
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"

    response = post_from_page(organiser, page, f"{page}/code", {"code": elsewhere.checkin_code})
    assert flashes(organiser, response)[0] == [
        ("error", f"Ingen anmälan till det här evenemanget har koden {elsewhere.checkin_code}.")
    ]
    response = post_from_page(organiser, page, f"{page}/code", {"code": "zzzz-zzzz-zz"})
    assert flashes(organiser, response)[0] == [
        ("error", "Ingen anmälan till det här evenemanget har koden ZZZZZZZZZZ.")
    ]
    response = post_from_page(organiser, page, f"{page}/code", {"code": "   "})
    assert flashes(organiser, response)[0] == [("error", "Skriv koden från biljetten, eller skanna QR-koden.")]
    assert stored(app, elsewhere.id).checked_in_at is None
    assert audit(app, "registration.checked_in") == []

    # Another event's registration through this event's address is not there at all.
    token = csrf(organiser, page)
    assert organiser.post(f"{page}/{elsewhere.id}", data=token).status_code == 404
    assert organiser.post(f"{page}/{elsewhere.id}/undo", data=token).status_code == 404
    assert organiser.post(f"{page}/999999", data=token).status_code == 404
    assert organiser.get("/staff/events/999999/checkin").status_code == 404
    assert organiser.get(f"{page}?q=annan").get_data(as_text=True).count("annan@example.se") == 0
    assert stored(app, elsewhere.id).checked_in_at is None


def test_waitlisted_and_cancelled_people_cannot_be_checked_in(app):
    create_event(app, capacity=2)
    placed = register(app, email="placed@example.se", first_name="Plats")
    leaving = register(app, email="leaving@example.se", first_name="Avbokad")
    waiting = register(app, email="waiting@example.se", first_name="Väntar")
    assert stored(app, waiting.id).status == RegistrationStatus.WAITLISTED
    with app.app_context():
        cancel(registration_id=leaving.id)
    assert stored(app, waiting.id).status == RegistrationStatus.CONFIRMED  # promoted into the freed place
    latecomer = register(app, email="late@example.se", first_name="Sen")
    assert stored(app, latecomer.id).status == RegistrationStatus.WAITLISTED

    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    response = post_from_page(organiser, page, f"{page}/code", {"code": latecomer.checkin_code})
    messages, shown = flashes(organiser, response)
    assert messages == [("error", "Sen Öberg står på reservlistan och har ingen plats att checka in på.")]
    assert "På reservlistan: ingen plats att checka in på" in shown
    response = post_from_page(organiser, page, f"{page}/code", {"code": leaving.checkin_code})
    assert flashes(organiser, response)[0] == [("error", "Avbokad Öberg har avbokat sin anmälan.")]

    found = organiser.get(f"{page}?q=oberg").get_data(as_text=True)
    buttons = {int(number) for number in re.findall(rf'action="{page}/(\d+)"', found)}
    assert buttons == {placed.id, waiting.id}  # only those with a place get a check-in button
    assert stored(app, latecomer.id).checked_in_at is None
    assert stored(app, leaving.id).checked_in_at is None
    assert stored(app, placed.id).checked_in_at is None
    assert audit(app, "registration.checked_in") == []
    assert "0 av 2 incheckade" in found


def test_two_doors_checking_in_the_same_person_at_once_count_once(app):
    create_event(app)
    people = [register(app, first_name=f"Gäst{n}", email=f"guest{n}@example.se") for n in range(3)]
    doors = []
    for name in ("door-a", "door-b"):
        client = app.test_client()
        assert sign_in(client, make_staff(app, "organiser", email=f"{name}@example.se")).status_code == 303
        doors.append(client)
    page = f"/staff/events/{event_id(app)}/checkin"

    for person in people:
        # Door A scans the ticket while door B presses the person's button in its search results.
        requests = [
            (
                f"{page}/code",
                form_fields(doors[0].get(page).get_data(as_text=True), f"{page}/code") | {"code": person.checkin_code},
            ),
            (
                f"{page}/{person.id}",
                form_fields(
                    doors[1].get(f"{page}?q={person.first_name}").get_data(as_text=True), f"{page}/{person.id}"
                ),
            ),
        ]
        start = threading.Barrier(2)
        responses = [None, None]

        def door(index, requests=requests, start=start, responses=responses):
            url, data = requests[index]
            start.wait()
            responses[index] = doors[index].post(url, data=data)

        threads = [threading.Thread(target=door, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        kinds = sorted(flashes(doors[index], responses[index])[0][0][0] for index in range(2))
        assert kinds == ["info", "success"]

    entries = audit(app, "registration.checked_in")
    assert sorted(entry.subject_id for entry in entries) == sorted(person.id for person in people)
    for person in people:
        assert stored(app, person.id).checked_in_at is not None
    assert "3 av 3 incheckade" in doors[0].get(page).get_data(as_text=True)


def test_the_page_works_without_inline_scripts_and_offers_the_camera(app):
    create_event(app)
    organiser = staff_client(app, "organiser")
    response = organiser.get(f"/staff/events/{event_id(app)}/checkin")
    page = response.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # CSP allows no inline script
    assert "/static/js/checkin.js" in page
    assert 'data-decoder="/static/vendor/jsqr/jsQR.js"' in page
    assert organiser.get("/static/vendor/jsqr/jsQR.js").status_code == 200
    assert organiser.get("/static/js/checkin.js").status_code == 200
    assert 'name="code"' in page  # typing the code needs no script


def test_a_name_with_markup_is_shown_as_text(app):
    create_event(app, capacity=1)
    register(app, email="first@example.se", first_name="<i>Först</i>")
    late = register(app, email="late@example.se", first_name="<b>Sen</b>")
    organiser = staff_client(app, "organiser")
    page = f"/staff/events/{event_id(app)}/checkin"
    response = post_from_page(organiser, page, f"{page}/code", {"code": late.checkin_code})
    messages, shown = flashes(organiser, response)
    assert messages == [
        ("error", "&lt;b&gt;Sen&lt;/b&gt; Öberg står på reservlistan och har ingen plats att checka in på.")
    ]
    assert "<b>Sen</b>" not in shown
    found = organiser.get(f"{page}?q=oberg").get_data(as_text=True)
    assert "<i>" not in found and "&lt;i&gt;Först&lt;/i&gt; Öberg" in found
