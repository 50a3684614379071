"""Every staff route × every kind of visitor. The expected answers are written out here by
hand: a staff route that is not listed fails the test, so a new route needs a rule."""

import pytest

from tests.support.factories import create_event, create_forum, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.programme import import_small_programme
from tests.support.staff import make_staff, sign_in

ANONYMOUS, REPRESENTATIVE, ORGANISER, ADMIN = "anonymous", "sector_representative", "organiser", "admin"
EVERYONE = {ANONYMOUS, REPRESENTATIVE, ORGANISER, ADMIN}
STAFF = {REPRESENTATIVE, ORGANISER, ADMIN}
ORGANISERS = {ORGANISER, ADMIN}

# endpoint → who may use it
EXPECTED = {
    "accounts.login": EVERYONE,
    "accounts.forgot_password": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.accept_invitation": EVERYONE,
    "accounts.logout": STAFF,
    "accounts.home": STAFF,
    "accounts.account": STAFF,
    "accounts.users": {ADMIN},
    "accounts.invite": {ADMIN},
    "accounts.edit_user": {ADMIN},
    "organiser.events_list": ORGANISERS,
    "organiser.new_event": ORGANISERS,
    "organiser.event": ORGANISERS,
    "organiser.event_status": ORGANISERS,
    "organiser.registrations_list": ORGANISERS,
    "organiser.registration": ORGANISERS,
    "organiser.registration_action": ORGANISERS,
    "organiser.audit_log": ORGANISERS,
    "dashboard.show": ORGANISERS,
    "checkin.page": ORGANISERS,
    "checkin.by_code": ORGANISERS,
    "checkin.check_in": ORGANISERS,
    "checkin.undo": ORGANISERS,
    "checkin.badges": ORGANISERS,
    "checkin.badge": ORGANISERS,
    "organiser.programme_page": ORGANISERS,
    "organiser.programme_add": ORGANISERS,
    "organiser.new_session": ORGANISERS,
    "organiser.edit_session": ORGANISERS,
    "organiser.delete_session": ORGANISERS,
    "organiser.edit_track": ORGANISERS,
    "organiser.remove_track": ORGANISERS,
    "organiser.edit_room": ORGANISERS,
    "organiser.remove_room": ORGANISERS,
    "organiser.edit_slot": ORGANISERS,
    "organiser.remove_slot": ORGANISERS,
    "forums.forums_list": ORGANISERS,
    "forums.new_forum": ORGANISERS,
    "forums.forum": ORGANISERS,
    "invitations.staff_list": ORGANISERS,
    "invitations.invite_earlier": ORGANISERS,
    "invitations.remind": ORGANISERS,
    "coverage.show": ORGANISERS,
    "coverage.export": ORGANISERS,
    "participants.events": STAFF,
    "participants.show": STAFF,
    "participants.download": STAFF,
    "participants.create_token": {REPRESENTATIVE},
    "participants.revoke_token": {REPRESENTATIVE},
    "privacy.erase": ORGANISERS,
    "mailings.archive": ORGANISERS,
    "mailings.index": ORGANISERS,
    "mailings.new": ORGANISERS,
    "mailings.edit": ORGANISERS,
    "mailings.show": ORGANISERS,
    "mailings.preview": ORGANISERS,
    "mailings.send_test": ORGANISERS,
    "mailings.send": ORGANISERS,
    "mailings.unschedule": ORGANISERS,
    "mailings.retry": ORGANISERS,
}


SAMPLE_ARGUMENTS = {
    "event_id",
    "registration_id",
    "user_id",
    "session_id",
    "mailing_id",
    "token",
    "slug",
    "action",
    "part",
    "forum_id",
    "track_id",
    "room_id",
    "slot_id",
}


def staff_routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")]


def test_every_staff_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in staff_routes(app)}
    assert endpoints - set(EXPECTED) == set(), "staff routes without a rule in EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "rules for routes that no longer exist"
    for rule in staff_routes(app):
        assert hasattr(app.view_functions[rule.endpoint], "required_roles"), f"{rule.endpoint} has no @requires"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_staff_route_answers_each_visitor_as_it_must(app):
    create_event(app)
    create_forum(app)
    import_small_programme(app)
    submit(app.test_client(), "/events/tinget/register", registration_data(app))
    emails = {role: make_staff(app, role) for role in (REPRESENTATIVE, ORGANISER, ADMIN)}
    make_mailing(app)
    values = sample_values(app)
    failures = []
    for rule in staff_routes(app):
        url = rule.build(values)[1] if rule.arguments else rule.rule
        method = "GET" if "GET" in rule.methods else "POST"
        for visitor in (ANONYMOUS, REPRESENTATIVE, ORGANISER, ADMIN):
            client = app.test_client()
            if visitor != ANONYMOUS:
                assert sign_in(client, emails[visitor]).status_code == 303
            data = hidden_fields(client.get("/staff/login").get_data(as_text=True)) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            status = response.status_code
            to_login = status == 302 and "/staff/login" in response.headers.get("Location", "")
            allowed = visitor in EXPECTED[rule.endpoint]
            if allowed and (to_login or status in (401, 403)):
                failures.append(f"{visitor} {method} {url}: {status}, but may use it")
            if not allowed and visitor == ANONYMOUS and not to_login:
                failures.append(f"{visitor} {method} {url}: {status}, expected 302 to the login page")
            if not allowed and visitor != ANONYMOUS and status != 403:
                failures.append(f"{visitor} {method} {url}: {status}, expected 403")
    assert failures == []


def make_mailing(app):
    from conference.accounts.models import User
    from conference.events.models import Event
    from conference.extensions import db
    from conference.mailings.services import save_mailing

    with app.app_context():
        texts = {"subject_sv": "Tack", "body_sv": "Hej {first_name}", "subject_en": "", "body_en": ""}
        save_mailing(
            event_id=db.session.scalar(db.select(Event.id)),
            fields={"kind": "follow_up", "audience": {}} | texts,
            user=db.session.scalars(db.select(User)).first(),
        )


def sample_values(app):
    """A real row id for each kind of id a staff route takes, so a 404 cannot hide a missing rule."""
    from conference.extensions import db

    with app.app_context():
        first = {
            table: db.session.scalar(db.select(db.text(f"min(id) FROM {table}")))
            for table in ("event", "registration", '"user"', "session", "forum", "mailing", "track", "room", "slot")
        }
    values = {
        "event_id": first["event"],
        "registration_id": first["registration"],
        "user_id": first['"user"'],
        "session_id": first["session"] or 1,
        "mailing_id": first["mailing"] or 1,
        "token": "not-a-real-token",
        "slug": "tinget",
        "action": "close",
        "part": "tracks",
        "forum_id": first["forum"],
        "track_id": first["track"],
        "room_id": first["room"],
        "slot_id": first["slot"],
    }
    assert set(values) == SAMPLE_ARGUMENTS
    return values


def test_staff_routes_take_only_arguments_the_matrix_can_fill(app):
    for rule in staff_routes(app):
        assert rule.arguments <= SAMPLE_ARGUMENTS, f"{rule.rule}: give sample_values() a value for it"
