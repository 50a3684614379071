"""Administrators invite and change staff accounts: Ting never loses its last administrator,
and an account is only ever made for a valid e-mail address."""

import re
import threading

import pytest

from conference.accounts.models import Role, User
from conference.accounts.services import AccountError, set_password, update_user
from conference.audit.models import AuditEntry
from conference.extensions import db
from conference.mailings.models import OutboxMessage
from tests.support.forms import hidden_fields, submit
from tests.support.staff import PASSWORD, make_staff, sign_in, staff_client

LAST_ADMINISTRATOR = "Ting behöver minst en aktiv administratör som kan logga in."
OWN_ACCOUNT = "Du kan inte inaktivera ditt eget konto."
INVALID_ADDRESS = "Skriv en giltig e-postadress, till exempel namn@exempel.se."


def account(app, email):
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        return {"id": user.id, "role": user.role, "name": user.name, "active": user.active}


def changes_recorded(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "account.changed"))


def error_beside(html, field):
    """The error message the form shows beside `field`, or None."""
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return found and found.group(1)


@pytest.mark.parametrize(
    ("other_administrator", "change", "field", "message"),
    [
        # The last administrator demoting themselves.
        (False, {"role": "organiser", "active": "y"}, "role", LAST_ADMINISTRATOR),
        # Deactivating one's own account ("active" unticked), even with another administrator.
        (True, {"role": "admin"}, "active", OWN_ACCOUNT),
    ],
)
def test_an_administrator_cannot_lock_themselves_out(app, other_administrator, change, field, message):
    if other_administrator:
        make_staff(app, "admin", email="other.admin@example.se")
    admin = staff_client(app, "admin")
    me = account(app, "admin@example.se")
    response = submit(admin, f"/staff/users/{me['id']}", {"name": "Ny chef", **change})
    assert response.status_code == 422
    assert message in error_beside(response.get_data(as_text=True), field)
    assert account(app, "admin@example.se") == me
    assert changes_recorded(app) == 0
    assert admin.get("/staff/users").status_code == 200


def test_an_administrator_demotes_another_but_then_stays_the_last(app):
    make_staff(app, "admin", email="other.admin@example.se")
    admin = staff_client(app, "admin")
    other = account(app, "other.admin@example.se")
    response = submit(admin, f"/staff/users/{other['id']}", {"name": "", "role": "organiser", "active": "y"})
    assert response.status_code == 303
    assert account(app, "other.admin@example.se")["role"] == Role.ORGANISER

    me = account(app, "admin@example.se")
    response = submit(admin, f"/staff/users/{me['id']}", {"name": "", "role": "organiser", "active": "y"})
    assert response.status_code == 422
    assert account(app, "admin@example.se") == me
    assert changes_recorded(app) == 1


def test_the_last_active_administrator_cannot_be_deactivated(app):
    make_staff(app, "admin")
    organiser = account(app, make_staff(app, "organiser"))
    with app.app_context():
        administrator = db.session.scalars(db.select(User).where(User.role == Role.ADMIN)).one()
        with pytest.raises(AccountError) as refused:
            update_user(user_id=administrator.id, role="admin", name="", sectors=[], active=False)
        assert refused.value.field == "active"
        # Promoting someone else first makes it possible.
        update_user(user_id=organiser["id"], role="admin", name="", sectors=[], active=True)
        update_user(user_id=administrator.id, role="admin", name="", sectors=[], active=False)
    assert account(app, "admin@example.se")["active"] is False


def test_administrators_demoting_each_other_at_once_leave_one(app):
    """Each of six administrators demotes the next at the same moment (on PostgreSQL, in
    transactions that overlap): at least one must stay."""
    count = 6
    addresses = [make_staff(app, "admin", email=f"admin{index}@example.se") for index in range(count)]
    targets = [account(app, addresses[(index + 1) % count])["id"] for index in range(count)]
    clients = [staff_client_for(app, address) for address in addresses]
    forms = [
        hidden_fields(c.get(f"/staff/users/{target}").get_data(as_text=True))
        for c, target in zip(clients, targets, strict=True)
    ]
    start = threading.Barrier(count)
    outcomes = [None] * count

    def demote(index):
        data = forms[index] | {"name": "", "role": "organiser", "active": "y"}
        start.wait()
        outcomes[index] = clients[index].post(f"/staff/users/{targets[index]}", data=data).status_code

    threads = [threading.Thread(target=demote, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # 403: an administrator demoted before their own request began is one no longer.
    assert set(outcomes) <= {303, 403, 422}, outcomes
    roles = [account(app, address)["role"] for address in addresses]
    assert roles.count(Role.ADMIN) >= 1, (outcomes, roles)


def test_an_invited_administrator_counts_once_they_have_chosen_a_password(app):
    admin = staff_client(app, "admin")
    assert submit(admin, "/staff/users/new", {"email": "ny.chef@example.se", "role": "admin"}).status_code == 303
    me = account(app, "admin@example.se")
    demote_me = {"name": "", "role": "organiser", "active": "y"}
    response = submit(admin, f"/staff/users/{me['id']}", demote_me)
    assert response.status_code == 422
    assert LAST_ADMINISTRATOR in error_beside(response.get_data(as_text=True), "role")
    assert account(app, "admin@example.se") == me

    with app.app_context():
        invited = db.session.scalars(db.select(User).where(User.email == "ny.chef@example.se")).one()
        set_password(user_id=invited.id, password=PASSWORD)
    assert submit(admin, f"/staff/users/{me['id']}", demote_me).status_code == 303
    assert account(app, "admin@example.se")["role"] == Role.ORGANISER


def staff_client_for(app, address):
    client = app.test_client()
    assert sign_in(client, address).status_code == 303
    return client


@pytest.mark.parametrize("address", ["abc", "a@b", "ab c@example.se"])
def test_an_invitation_to_an_invalid_address_is_refused_beside_the_field(app, address):
    admin = staff_client(app, "admin")
    response = submit(admin, "/staff/users/new", {"email": address, "name": "Någon", "role": "organiser"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "email") == INVALID_ADDRESS
    assert "Inbjudan är på väg" not in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_an_invitation_goes_to_the_normalised_address(app, inbox):
    admin = staff_client(app, "admin")
    response = submit(admin, "/staff/users/new", {"email": " Ny.Person@Example.SE ", "role": "organiser"})
    assert response.status_code == 303
    assert "Inbjudan är på väg till ny.person@example.se" in admin.get("/staff/users").get_data(as_text=True)
    (mail,) = inbox.wait_for(1)
    assert mail["To"] == "ny.person@example.se"


@pytest.mark.parametrize("address", ["abc", "a@b"])
def test_the_cli_refuses_an_invalid_address(app, address):
    result = app.test_cli_runner().invoke(args=["users", "create", address, "--password", PASSWORD])
    assert result.exit_code != 0
    assert INVALID_ADDRESS in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
