"""The participants API: a representative makes a token on their account page, a program
fetches the list with it, and a revoked or wrong token is refused."""

import re

import pytest

from conference.accounts.models import User
from conference.accounts.services import update_user
from conference.audit.models import AuditEntry
from conference.extensions import db
from conference.participants.models import ApiToken
from conference.reference.models import Sector
from tests.support.forms import hidden_fields
from tests.support.participants import ADULT_EDUCATION, CULTURE, sector_list, seed_event
from tests.support.programme import session_ids
from tests.support.staff import staff_client

API = "/api/v1/events/tinget/participants"


@pytest.fixture
def representative(app):
    seed_event(app)
    return staff_client(app, "sector_representative", email="rep@example.se", sectors=(ADULT_EDUCATION,))


def create_token(client, name="Vårt CRM"):
    page = client.get("/staff/account").get_data(as_text=True)
    assert "API-nycklar" in page
    response = client.post("/staff/account/tokens", data=hidden_fields(page, index=-1) | {"name": name})
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert "visas bara den här gången" in shown
    return re.search(r'id="new-token"[^>]*value="([^"]+)"', shown).group(1)


def api(app, token, path=API, **args):
    return app.test_client().get(path, query_string=args, headers={"Authorization": f"Bearer {token}"})


def sector_id(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Sector.id).where(Sector.code == code))


def test_a_representative_fetches_their_sector_list_with_a_personal_token(app, representative):
    token = create_token(representative)
    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
        assert stored.last_used_at is None
    response = api(app, token)
    assert response.status_code == 200
    body = response.get_json()
    assert {f"{p['first_name']} {p['last_name']}" for p in body["participants"]} == sector_list(ADULT_EDUCATION)
    assert body["total"] == 2 and body["pages"] == 1 and body["next"] is None
    assert body["sectors"] == [ADULT_EDUCATION]
    asa = next(p for p in body["participants"] if p["first_name"] == "Åsa")
    assert asa["email"] == "asa.oberg@example.se" and asa["sessions"] == "Kultur i hela länet"
    assert "phone" not in asa and "dietary_needs" not in asa
    page = representative.get("/staff/account").get_data(as_text=True)
    assert "Vårt CRM" in page and "Aldrig" not in page  # last used is shown
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "participants.api")).one()
        assert entry.user_email == "rep@example.se" and entry.details["rows"] == 2


def test_the_api_pages_and_filters_as_the_list_does(app, representative):
    token = create_token(representative)
    first = api(app, token, per_page=1).get_json()
    assert first["pages"] == 2 and len(first["participants"]) == 1
    second = app.test_client().get(first["next"], headers={"Authorization": f"Bearer {token}"}).get_json()
    assert second["page"] == 2 and second["next"] is None
    together = {f"{p['first_name']} {p['last_name']}" for p in first["participants"] + second["participants"]}
    assert together == sector_list(ADULT_EDUCATION)
    session = session_ids(app)["Idrott för alla"][0]
    filtered = api(app, token, session=session).get_json()
    assert names_of(filtered) == {"Örjan Ängström"}
    assert api(app, token, checked_in="yes").get_json()["participants"] == []


def names_of(body):
    return {f"{p['first_name']} {p['last_name']}" for p in body["participants"]}


def test_another_sector_is_403_and_unknown_event_or_sector_404(app, representative):
    token = create_token(representative)
    assert api(app, token, sector=sector_id(app, CULTURE)).status_code == 403
    assert api(app, token, sector=sector_id(app, ADULT_EDUCATION)).status_code == 200
    assert api(app, token, sector=99999).status_code == 404
    assert api(app, token, sector="x").status_code == 404
    response = api(app, token, path="/api/v1/events/no-such-event/participants")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_a_revoked_wrong_or_missing_token_is_401(app, representative):
    token = create_token(representative)
    assert app.test_client().get(API).status_code == 401
    assert api(app, token + "x").status_code == 401
    assert app.test_client().get(API, headers={"Authorization": f"Basic {token}"}).status_code == 401
    response = api(app, "nonsense")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    other = staff_client(app, "sector_representative", email="other@example.se", sectors=(CULTURE,))
    page = other.get("/staff/account").get_data(as_text=True)
    refused = other.post("/staff/account/tokens/revoke", data=hidden_fields(page) | {"token_id": token_id})
    assert refused.status_code == 404  # not theirs: nothing changes
    assert api(app, token).status_code == 200
    page = representative.get("/staff/account").get_data(as_text=True)
    revoked = representative.post("/staff/account/tokens/revoke", data=hidden_fields(page) | {"token_id": token_id})
    assert revoked.status_code == 303
    assert "återkallad" in representative.get("/staff/account").get_data(as_text=True)
    assert api(app, token).status_code == 401


def test_a_token_needs_a_name_and_organisers_cannot_make_one(app, representative):
    page = representative.get("/staff/account").get_data(as_text=True)
    response = representative.post("/staff/account/tokens", data=hidden_fields(page, index=-1) | {"name": "  "})
    assert response.status_code == 303
    assert "Namn på den nya nyckeln: Fältet måste fyllas i." in representative.get("/staff/account").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken.id)) is None
    organiser = staff_client(app, "organiser")
    assert "API-nycklar" not in organiser.get("/staff/account").get_data(as_text=True)


def test_the_token_of_a_deactivated_account_is_refused(app, representative):
    token = create_token(representative)
    assert api(app, token).status_code == 200
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == "rep@example.se")).one()
        update_user(user_id=user.id, role=user.role, name=user.name, sectors=user.sectors, active=False)
    assert api(app, token).status_code == 401
