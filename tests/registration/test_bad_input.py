"""Bad input gets a clear message in the user's language, and changes nothing."""

import itertools
import re
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conference.database import transaction
from conference.extensions import db
from conference.mailings.models import OutboxMessage
from conference.registration.models import Registration
from tests.support.factories import create_event, registration_data
from tests.support.forms import hidden_fields, submit

REQUIRED = ["first_name", "last_name", "email", "organisation", "sector", "municipality", "language"]
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "organisation": 200,
    "role_title": 200,
    "phone": 40,
    "dietary_needs": 1000,
    "accessibility_needs": 1000,
}
FUZZ_EVENTS = itertools.count()


def nothing_stored(app):
    with app.app_context():
        registrations = db.session.scalar(db.select(db.func.count()).select_from(Registration))
        messages = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    return registrations == 0 and messages == 0


def error_beside(html, field):
    """The error text tied to a field (the element its aria-describedby points at)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


@pytest.mark.parametrize("field", REQUIRED)
def test_each_required_field_left_empty_is_named_beside_it(app, client, field):
    create_event(app)
    response = submit(client, "/events/tinget/register", registration_data(app, **{field: ""}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(html, field) == "Fältet måste fyllas i."
    assert f'aria-describedby="{field}-error"' in html or field == "language"
    assert "Rätta följande" in html
    assert nothing_stored(app)


def test_the_form_ties_only_what_exists_to_its_fields(app, client):
    """Attributes without a value are left out: a screen reader would look for an element
    with the id "None", and aria-invalid="None" is no valid state."""
    create_event(app)
    blank = client.get("/events/tinget/register").get_data(as_text=True)
    failed = submit(client, "/events/tinget/register", registration_data(app, first_name="")).get_data(as_text=True)
    for html in (blank, failed):
        assert '="None"' not in html
    assert re.search(r'<input[^>]*aria-describedby="first_name-error"[^>]*aria-invalid="true"', failed)
    assert not re.search(r'<input[^>]*name="last_name"[^>]*aria-(describedby|invalid)', failed)
    assert 'autocomplete="given-name"' in blank


@pytest.mark.parametrize(("field", "limit"), TEXT_LIMITS.items())
def test_each_text_too_long_is_refused_with_its_limit(app, client, field, limit):
    create_event(app)
    value = "a" * (limit + 1) if field != "email" else "a" * 250 + "@example.se"
    response = submit(client, "/events/tinget/register", registration_data(app, **{field: value}))
    assert response.status_code == 422
    assert f"Högst {limit} tecken." in error_beside(response.get_data(as_text=True), field)
    assert nothing_stored(app)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Skriv en giltig e-postadress"),
        ("email", "anna@", "Skriv en giltig e-postadress"),
        ("phone", "ring mig", "Skriv ett telefonnummer med siffror"),
        ("sector", "99999", "Inte ett giltigt val"),
        ("sector", "sport", "Inte ett giltigt val"),
        ("municipality", "-1", "Inte ett giltigt val"),
        ("language", "de", "Inte ett giltigt val"),
    ],
)
def test_values_of_the_wrong_form_are_refused(app, client, field, value, message):
    create_event(app)
    response = submit(client, "/events/tinget/register", registration_data(app, **{field: value}))
    assert response.status_code == 422
    assert message in error_beside(response.get_data(as_text=True), field)
    assert nothing_stored(app)


def test_errors_come_in_english_when_the_page_is_in_english(app, client):
    create_event(app)
    client.get("/language/en")
    response = submit(client, "/events/tinget/register", registration_data(app, first_name="", email="nope"))
    html = response.get_data(as_text=True)
    assert error_beside(html, "first_name") == "This field is required."
    assert "Enter a valid e-mail address" in error_beside(html, "email")


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(app, client):
    create_event(app)
    response = client.post("/events/tinget/register", data=registration_data(app))
    assert response.status_code == 400
    assert "Formuläret hade gått ut eller kom inte från den här webbplatsen" in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_a_post_with_another_sessions_csrf_token_is_refused(app):
    create_event(app)
    stranger = app.test_client()
    token = hidden_fields(stranger.get("/events/tinget/register").get_data(as_text=True))["csrf_token"]
    response = app.test_client().post("/events/tinget/register", data=registration_data(app) | {"csrf_token": token})
    assert response.status_code == 400
    assert nothing_stored(app)


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "1", "../../etc", "a" * 500])
def test_a_forged_manage_token_is_not_found(app, client, token):
    create_event(app)
    submit(client, "/events/tinget/register", registration_data(app))
    for path in (f"/manage/{token}", f"/manage/{token}/cancel", f"/manage/{token}/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Sidan finns inte" in response.get_data(as_text=True)


def test_someone_elses_form_cannot_touch_a_registration_without_its_token(app, client):
    create_event(app)
    submit(client, "/events/tinget/register", registration_data(app))
    page = client.get("/events/tinget/register").get_data(as_text=True)
    response = client.post("/manage/1/cancel", data=hidden_fields(page))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(Registration.status)) == "confirmed"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"opens_in": timedelta(days=1)}, "Anmälan har inte öppnat än."),
        ({"closes_in": timedelta(minutes=-1)}, "Anmälan är stängd."),
        ({"capacity": 0, "waitlist_enabled": False}, "Evenemanget är fullt."),
    ],
)
def test_registering_when_it_is_not_possible_says_why_and_changes_nothing(app, client, event, message):
    create_event(app, **event)
    create_event(app, slug="open")
    page = client.get("/events/tinget/register").get_data(as_text=True)
    assert message in page
    assert 'name="first_name"' not in page
    # A form kept open from before, or crafted: its CSRF token is valid for this session.
    form = hidden_fields(client.get("/events/open/register").get_data(as_text=True))
    response = client.post("/events/tinget/register", data=form | registration_data(app))
    assert response.status_code == 422
    assert message.rstrip(".") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_a_form_posted_just_after_closing_time_is_refused_by_the_rule_not_the_page(app, client):
    create_event(app, closes_in=timedelta(seconds=2))
    page = client.get("/events/tinget/register").get_data(as_text=True)
    assert 'name="first_name"' in page
    time.sleep(2.1)
    response = client.post("/events/tinget/register", data=hidden_fields(page) | registration_data(app))
    assert response.status_code == 422
    assert "Anmälan är stängd." in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_an_unknown_event_is_not_found(client):
    assert client.get("/events/no-such-event").status_code == 404
    assert client.get("/events/no-such-event/register").status_code == 404


def test_the_language_switch_only_redirects_within_the_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.get(f"/language/en?next={target}")
        assert response.headers["Location"] == "/"
    assert client.get("/language/en?next=/events/x").headers["Location"] == "/events/x"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {
            name: st.text(max_size=300)
            for name in [
                "first_name",
                "last_name",
                "email",
                "organisation",
                "phone",
                "sector",
                "municipality",
                "language",
            ]
        }
    )
)
def test_any_input_gets_an_answer_never_a_server_error(app, data):
    slug = create_event(app, slug=f"fuzz-{next(FUZZ_EVENTS)}")
    response = submit(app.test_client(), f"/events/{slug}/register", data)
    if any("\x00" in value for value in data.values()):
        assert response.status_code == 400  # refused before anything reads it
    else:
        assert response.status_code in (303, 422)


def test_markup_in_names_is_shown_as_text_everywhere(app, client, inbox):
    create_event(app)
    evil = '<script>alert("x")</script>'
    response = submit(client, "/events/tinget/register", registration_data(app, first_name=evil, organisation=evil))
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert evil not in confirmation and "&lt;script&gt;" in confirmation
    (mail,) = inbox.wait_for(1)
    html = mail.get_body(("html",)).get_content()
    assert evil not in html and "&lt;script&gt;" in html


def test_a_form_without_its_submission_key_never_reveals_anothers_link(app):
    create_event(app)
    victim = app.test_client()
    submit(victim, "/events/tinget/register", registration_data(app, email="victim@example.se"))
    with app.app_context(), transaction():
        db.session.scalars(db.select(Registration)).one().submission_key = None
    attacker = app.test_client()
    page = attacker.get("/events/tinget/register").get_data(as_text=True)
    form = hidden_fields(page)
    form.pop("submission_key")
    response = attacker.post("/events/tinget/register", data=form | registration_data(app, email="victim@example.se"))
    assert response.status_code == 200
    assert "Du är redan anmäld" in response.get_data(as_text=True)
    assert "/manage/" not in attacker.get("/events/tinget/registered").get_data(as_text=True)


def test_nul_characters_and_huge_ids_are_refused_not_crashed_on(app, client):
    create_event(app)
    assert client.get("/events/a%00b").status_code == 400
    assert client.get("/manage/a%00b").status_code == 400
    response = submit(client, "/events/tinget/register", registration_data(app, first_name="A\x00B"))
    assert response.status_code == 400
    assert client.get("/events/tinget/sessions/99999999999999999999").status_code == 404
    assert client.get("/events/tinget/programme?track=99999999999999999999").status_code == 200
    assert nothing_stored(app)
