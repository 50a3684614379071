"""Every staff route × every kind of visitor. The expected answers are written out here by
hand: a staff route that is not listed fails the test, so a new route needs a rule.

A visitor who may use a route must get its success answer, with real arguments and valid
input: a 200, or for a POST the redirect that follows its work, with a success message and
no error. A 404, 400 or 422 there means the route's body never ran, and fails the test."""

import email
import email.policy
import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from conference.accounts.models import User
from conference.accounts.services import create_user, request_password_reset
from conference.database import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.invitations.services import Invitee, invite
from conference.mailings.models import OutboxMessage
from conference.mailings.services import save_mailing, send
from conference.organiser.checkin_services import check_in
from conference.participants.tokens import create_token
from conference.programme.models import Session
from conference.registration.models import Registration
from tests.support.factories import create_event, create_forum, registration_data
from tests.support.forms import hidden_fields, submit
from tests.support.programme import SMALL_PROGRAMME, import_small_programme
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


@dataclass(frozen=True)
class Call:
    """How the matrix calls a route, where the sample values and a bare request (a GET, or a
    POST with only the CSRF token) are not enough. `values` (path values) and `form` may be
    methods of `World`, called afresh for each visitor: an action that uses up what it acts
    on (deletes, erases, sends) gets its own row each time. `status` is the success answer;
    by default 200 for a GET and 303 for a POST."""

    values: dict | str = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    form: dict | str = field(default_factory=dict)
    status: int | None = None


CALLS = {
    "accounts.reset_password": Call(values="reset_link"),
    "accounts.accept_invitation": Call(values="invitation_link"),
    # Sends each role on to its start page: the events (organisers) or the participant lists.
    "accounts.home": Call(status=302),
    # "published" keeps the sample event open to every later route.
    "organiser.event_status": Call(values={"action": "published"}),
    "organiser.registration_action": Call(values={"action": "resend"}),
    "organiser.programme_add": Call(values={"part": "tracks"}, form="new_track"),
    "organiser.delete_session": Call(values="new_session"),
    "checkin.by_code": Call(form="new_checkin_code"),
    "checkin.check_in": Call(values="new_registration"),
    "checkin.undo": Call(values="new_checked_in_registration"),
    "invitations.invite_earlier": Call(form="new_earlier_attendee"),
    "invitations.remind": Call(values="new_invitation"),
    "participants.download": Call(query={"format": "csv"}),
    # Its success is a page of its own (200): the new token is shown there once, never again.
    "participants.create_token": Call(form={"name": "Vårt CRM"}, status=200),
    "participants.revoke_token": Call(form="new_api_token"),
    "privacy.erase": Call(values="new_registration"),
    "mailings.send": Call(values="new_mailing", form={"when": "now"}),
    "mailings.unschedule": Call(values="new_scheduled_mailing"),
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
    assert set(CALLS) - endpoints == set(), "calls for routes that no longer exist"
    for rule in staff_routes(app):
        assert hasattr(app.view_functions[rule.endpoint], "required_roles"), f"{rule.endpoint} has no @requires"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_staff_route_answers_each_visitor_as_it_must(app):
    world = World(app)
    failures = []
    for rule in staff_routes(app):
        call = CALLS.get(rule.endpoint, Call())
        method = "GET" if "GET" in rule.methods else "POST"
        success = call.status or (200 if method == "GET" else 303)
        for visitor in (ANONYMOUS, REPRESENTATIVE, ORGANISER, ADMIN):
            client = app.test_client()
            if visitor != ANONYMOUS:
                assert sign_in(client, world.emails[visitor]).status_code == 303
            url = rule.build(world.sample_values | world.made(call.values), append_unknown=False)[1]
            data = None
            if method == "POST":
                data = hidden_fields(client.get("/staff/login").get_data(as_text=True)) | world.made(call.form)
            response = client.open(url, method=method, query_string=call.query, data=data)
            response.close()  # ends a streamed answer (a CSV file) and the request context it holds
            status = response.status_code
            to_login = status == 302 and "/staff/login" in response.headers.get("Location", "")
            allowed = visitor in EXPECTED[rule.endpoint]
            if allowed and (status != success or to_login):
                failures.append(f"{visitor} {method} {url}: {status}, expected {success}")
            elif allowed and method == "POST" and status in (302, 303):
                flashed = {category for category, _ in flashes(client)}
                if "error" in flashed or "success" not in flashed:
                    failures.append(f"{visitor} {method} {url}: flashed {flashes(client)}, expected a success")
            if not allowed and visitor == ANONYMOUS and not to_login:
                failures.append(f"{visitor} {method} {url}: {status}, expected 302 to the login page")
            if not allowed and visitor != ANONYMOUS and status != 403:
                failures.append(f"{visitor} {method} {url}: {status}, expected 403")
    assert not failures, "\n".join(failures)


def flashes(client):
    with client.session_transaction() as session:
        return [tuple(message) for message in session.get("_flashes", [])]


class World:
    """The rows the staff routes act on: the sample event with its programme, a registration
    and a mailing, an earlier edition in the same forum series, the three staff roles, and
    links from mails. Its new_* methods make new rows (path values or form data) for actions
    that use up what they act on."""

    def __init__(self, app):
        self.app = app
        self.numbers = itertools.count(1)
        forum_id = create_forum(app)
        create_event(app, forum_id=forum_id)
        create_event(app, slug="tinget-2025", title="Stockholmstinget 2025", forum_id=forum_id)
        import_small_programme(app)
        self.emails = {role: make_staff(app, role) for role in (REPRESENTATIVE, ORGANISER, ADMIN)}
        with app.app_context():
            self.event_id = db.session.scalar(db.select(Event.id).where(Event.slug == "tinget"))
            self.user_ids = {
                role: db.session.scalar(db.select(User.id).where(User.email == address))
                for role, address in self.emails.items()
            }
            request_password_reset(self.emails[ORGANISER])
            create_user(email="invited@example.se", role="organiser", send_invitation=True)
        self.reset_token = self.token_mailed_to(self.emails[ORGANISER], "password/reset")
        self.invitation_token = self.token_mailed_to("invited@example.se", "invitation")
        self.sample_values = self.samples()

    def made(self, spec):
        """`spec` itself, or what the World method it names makes afresh."""
        return getattr(self, spec)() if isinstance(spec, str) else spec

    def samples(self):
        """A real row id for each kind of id a staff route takes, so a 404 cannot hide a missing rule."""
        with self.app.app_context():
            first = {
                table: db.session.scalar(db.select(db.text(f"min(id) FROM {table}")))
                for table in ('"user"', "session", "forum", "track", "room", "slot")
            }
        values = {
            "event_id": self.event_id,
            "registration_id": self.register("tinget"),
            "user_id": first['"user"'],
            "session_id": first["session"],
            "mailing_id": self.mailing(),
            # Not real: a route that takes these needs a Call with real ones.
            "token": "not-a-real-token",
            "action": "not-an-action",
            "part": "not-a-part",
            "slug": "tinget",
            "forum_id": first["forum"],
            "track_id": first["track"],
            "room_id": first["room"],
            "slot_id": first["slot"],
        }
        assert set(values) == SAMPLE_ARGUMENTS and None not in values.values()
        return values

    def reset_link(self):
        return {"token": self.reset_token}

    def invitation_link(self):
        return {"token": self.invitation_token}

    def new_track(self):
        return {"track-name": f"Kunskapsområde {next(self.numbers)}", "track-colour": "#005595"}

    def new_session(self):
        """A session nobody has chosen, added by importing the programme again with it."""
        title = f"Extra programpunkt {next(self.numbers)}"
        import_small_programme(self.app, text=SMALL_PROGRAMME + f"  - {{title: {title}, slot: Pass 2}}\n")
        with self.app.app_context():
            return {"session_id": db.session.scalar(db.select(Session.id).where(Session.title == title))}

    def new_registration(self):
        return {"registration_id": self.register("tinget")}

    def new_checkin_code(self):
        with self.app.app_context():
            return {"code": db.session.get(Registration, self.register("tinget")).checkin_code}

    def new_checked_in_registration(self):
        registration_id = self.register("tinget")
        with self.app.app_context():
            check_in(registration_id=registration_id, by_user=self.user(ORGANISER))
        return {"registration_id": registration_id}

    def new_earlier_attendee(self):
        """Form data choosing a new attendee of the series' other edition."""
        return {"registration_ids": str(self.register("tinget-2025"))}

    def new_invitation(self):
        """No values: an invitation nobody has answered or been reminded of, for the reminder."""
        number = next(self.numbers)
        invitee = Invitee(row=1, name=f"Inbjuden {number}", email=f"inbjuden{number}@example.se")
        with self.app.app_context():
            invite(event_id=self.event_id, invitees=[invitee])
        return {}

    def new_api_token(self):
        with self.app.app_context():
            row, _ = create_token(user=self.user(REPRESENTATIVE), name=f"Nyckel {next(self.numbers)}")
            return {"token_id": str(row.id)}

    def new_mailing(self):
        return {"mailing_id": self.mailing()}

    def new_scheduled_mailing(self):
        return {"mailing_id": self.mailing(scheduled_in=timedelta(days=1))}

    def user(self, role):
        """The staff member of `role`, in the current app context."""
        return db.session.get(User, self.user_ids[role])

    def register(self, slug):
        """Register a new person for the event through the public form; the registration's id."""
        address = f"deltagare{next(self.numbers)}@example.se"
        data = registration_data(self.app, email=address)
        assert submit(self.app.test_client(), f"/events/{slug}/register", data).status_code == 303
        with self.app.app_context():
            return db.session.scalar(db.select(Registration.id).where(Registration.email == address))

    def token_mailed_to(self, address, path):
        """The token of the /staff/<path>/<token> link in the last mail queued for `address`."""
        with self.app.app_context():
            raw = db.session.scalars(
                db.select(OutboxMessage.raw_message)
                .where(OutboxMessage.recipient == address)
                .order_by(OutboxMessage.id.desc())
            ).first()
        text = email.message_from_string(raw, policy=email.policy.default).get_body(("plain",)).get_content()
        return re.search(rf"/staff/{path}/(\S+)", text).group(1)

    def mailing(self, *, scheduled_in=None):
        """A new mailing of practical information (to everyone registered, so it has
        recipients), scheduled to go `scheduled_in` from now if given; its id."""
        texts = {"subject_sv": "Ny lokal", "body_sv": "Hej {first_name}", "subject_en": "", "body_en": ""}
        with self.app.app_context():
            user = self.user(ORGANISER)
            mailing_id = save_mailing(
                event_id=self.event_id, fields={"kind": "practical", "audience": {}} | texts, user=user
            )
            if scheduled_in is not None:
                send(mailing_id=mailing_id, user=user, at=utcnow() + scheduled_in)
        return mailing_id


def test_staff_routes_take_only_arguments_the_matrix_can_fill(app):
    for rule in staff_routes(app):
        assert rule.arguments <= SAMPLE_ARGUMENTS, f"{rule.rule}: give World.samples() a value for it"
