"""Staff accounts for tests, made through the same service as `flask users create`."""

from conference.accounts.services import create_user
from conference.extensions import db
from conference.reference.models import Sector
from tests.support.forms import submit

PASSWORD = "korrekt häst batteri häftklammer"


def make_staff(app, role, email=None, sectors=("adult_education",)):
    email = email or f"{role}@example.se"
    with app.app_context():
        chosen = db.session.scalars(db.select(Sector).where(Sector.code.in_(sectors))).all()
        create_user(
            email=email, role=role, password=PASSWORD, sectors=chosen if role == "sector_representative" else ()
        )
    return email


def sign_in(client, email, password=PASSWORD):
    return submit(client, "/staff/login", {"email": email, "password": password})


def staff_client(app, role, **kwargs):
    client = app.test_client()
    response = sign_in(client, make_staff(app, role, **kwargs))
    assert response.status_code == 303, response.get_data(as_text=True)
    return client
