"""Staff sign in, are locked out after failures, reset passwords by mail, and are signed out when idle."""

import re
import time

from conference.accounts.models import User
from conference.audit.models import AuditEntry
from conference.database import transaction, utcnow
from conference.extensions import db
from tests.support.forms import hidden_fields, submit
from tests.support.staff import PASSWORD, make_staff, sign_in, staff_client

LINK = re.compile(r"http://ting\.test(/staff/(?:password/reset|invitation)/\S+)")


def test_an_organiser_signs_in_and_out(app, client):
    make_staff(app, "organiser")
    assert client.get("/staff/events").status_code == 302
    response = sign_in(client, "Organiser@Example.se ")
    assert response.status_code == 303
    assert "Evenemang" in client.get("/staff/events").get_data(as_text=True)
    page = client.get("/staff/account").get_data(as_text=True)
    client.post("/staff/logout", data=hidden_fields(page))
    assert client.get("/staff/events").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.action == "account.login"))


def test_a_wrong_password_gives_one_message_for_unknown_and_known_addresses(app, client):
    make_staff(app, "organiser")
    for email in ("organiser@example.se", "nobody@example.se"):
        response = sign_in(client, email, "fel lösenord")
        assert response.status_code == 422
        assert "E-postadressen eller lösenordet är fel." in response.get_data(as_text=True)
    assert client.get("/staff/events").status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(app, client):
    make_staff(app, "organiser")
    for _ in range(5):
        sign_in(client, "organiser@example.se", "fel lösenord")
    response = sign_in(client, "organiser@example.se")
    assert response.status_code == 422
    assert "För många misslyckade försök" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(db.select(User)).one()
        assert user.locked_until > utcnow()
        with transaction():
            db.session.get(User, user.id).locked_until = utcnow()
    assert sign_in(client, "organiser@example.se").status_code == 303


def test_a_password_is_reset_through_the_mailed_link_once(app, client, inbox):
    make_staff(app, "organiser")
    response = submit(client, "/staff/password/forgot", {"email": "organiser@example.se"})
    assert response.status_code == 303
    submit(client, "/staff/password/forgot", {"email": "nobody@example.se"})  # same answer, no mail
    (mail,) = inbox.wait_for(1)
    assert mail["Subject"] == "Återställ ditt lösenord till Ting"
    path = LINK.search(mail.get_body(("plain",)).get_content()).group(1)

    short = submit(client, path, {"password": "kort", "confirm": "kort"})
    assert short.status_code == 422 and "minst 12 tecken" in short.get_data(as_text=True)
    new_password = "ett helt nytt lösenord"
    assert submit(client, path, {"password": new_password, "confirm": new_password}).status_code == 303
    assert client.get(path).status_code == 404  # used: the password changed
    fresh = client.application.test_client()
    assert sign_in(fresh, "organiser@example.se").status_code == 422
    assert sign_in(fresh, "organiser@example.se", new_password).status_code == 303
    assert len(inbox.messages) == 1


def test_a_password_reset_link_works_for_two_hours(app, client, inbox, monkeypatch):
    make_staff(app, "organiser")
    submit(client, "/staff/password/forgot", {"email": "organiser@example.se"})
    (mail,) = inbox.wait_for(1)
    path = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    sent_at = time.time()
    monkeypatch.setattr(time, "time", lambda: sent_at + 2 * 3600 - 60)
    page = client.get(path)
    assert page.status_code == 200
    monkeypatch.setattr(time, "time", lambda: sent_at + 2 * 3600 + 60)
    assert client.get(path).status_code == 404
    new_password = "ett helt nytt lösenord"
    fields = hidden_fields(page.get_data(as_text=True)) | {"password": new_password, "confirm": new_password}
    assert client.post(path, data=fields).status_code == 404
    fresh = client.application.test_client()
    assert sign_in(fresh, "organiser@example.se", new_password).status_code == 422
    assert sign_in(fresh, "organiser@example.se").status_code == 303


def test_an_idle_session_expires(app):
    client = staff_client(app, "organiser")
    assert client.get("/staff/events").status_code == 200
    with client.session_transaction() as session:
        session["staff_seen_at"] -= 61 * 60
    response = client.get("/staff/events")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/staff/events").status_code == 302


def test_a_page_polling_for_updates_does_not_keep_an_idle_session_alive(app):
    client = staff_client(app, "organiser")
    with client.session_transaction() as session:
        session["staff_seen_at"] -= 59 * 60
    # The mailing page polls itself (static/js/ting.js): not the staff member's activity.
    assert client.get("/staff/events", headers={"X-Ting-Poll": "1"}).status_code == 200
    with client.session_transaction() as session:
        session["staff_seen_at"] -= 2 * 60
    response = client.get("/staff/events", headers={"X-Ting-Poll": "1"})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_busy_session_still_ends_after_the_session_lifetime(app):
    client = staff_client(app, "organiser")
    with client.session_transaction() as session:
        session["staff_signed_in_at"] -= 11 * 3600
    response = client.get("/staff/events")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_changing_the_password_ends_other_sessions(app):
    first = staff_client(app, "organiser")
    second = app.test_client()
    sign_in(second, "organiser@example.se")
    new = "ännu ett nytt lösenord"
    response = submit(first, "/staff/account", {"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 303
    assert first.get("/staff/events").status_code == 200
    assert second.get("/staff/events").status_code == 302


def test_the_cli_creates_the_first_administrator(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "admin", "chef@example.se"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created admin chef@example.se." in result.output
    client = app.test_client()
    assert sign_in(client, "chef@example.se").status_code == 303
    assert client.get("/staff/users").status_code == 200
    again = app.test_cli_runner().invoke(args=["users", "create", "chef@example.se", "--password", PASSWORD])
    assert again.exit_code != 0


def test_an_administrator_invites_a_sector_representative(app, inbox):
    admin = staff_client(app, "admin")
    with app.app_context():
        sector_id = db.session.scalar(db.select(db.text("id FROM sector WHERE code = 'independent_culture'")))
    response = submit(
        admin,
        "/staff/users/new",
        {"email": "rep@klys.se", "name": "Rep", "role": "sector_representative", "sectors": str(sector_id)},
    )
    assert response.status_code == 303
    (mail,) = inbox.wait_for(1)
    path = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    invited = app.test_client()
    password = "min egen fras för ting"
    assert submit(invited, path, {"password": password, "confirm": password}).status_code == 303
    assert invited.get("/staff/account").status_code == 200
    assert invited.get("/staff/events").status_code == 403
    assert invited.get(path).status_code == 404


def test_a_representative_without_a_sector_is_refused(app):
    admin = staff_client(app, "admin")
    response = submit(admin, "/staff/users/new", {"email": "rep@klys.se", "role": "sector_representative"})
    assert response.status_code == 422
    assert "minst en sektor" in response.get_data(as_text=True)
