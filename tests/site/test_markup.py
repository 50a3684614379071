"""Pages that screen readers and validators can rely on: no id is used twice on a page
(WCAG 2.1, 4.1.1), also where a page holds several forms, one button each."""

from collections import Counter
from html.parser import HTMLParser

from conference.extensions import db
from conference.registration.models import Registration
from tests.support.factories import create_event, registration_data
from tests.support.forms import submit
from tests.support.programme import import_small_programme
from tests.support.staff import staff_client


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id")


def repeated_ids(page):
    parser = _Ids()
    parser.feed(page)
    return {identifier for identifier, count in parser.ids.items() if count > 1}


def test_no_page_repeats_an_id(app, client):
    create_event(app)
    import_small_programme(app)
    submit(client, "/events/tinget/register", registration_data(app))
    with app.app_context():
        registration = db.session.scalars(db.select(Registration)).one()
    organiser = staff_client(app, "organiser")
    pages = {
        "/events/tinget": client,
        "/events/tinget/programme": client,
        "/events/tinget/register": client,
        f"/manage/{registration.token}": client,
        f"/manage/{registration.token}/cancel": client,
        f"/staff/events/{registration.event_id}": organiser,
        f"/staff/events/{registration.event_id}/registrations": organiser,
        f"/staff/registrations/{registration.id}": organiser,
        f"/staff/events/{registration.event_id}/programme": organiser,
        f"/staff/events/{registration.event_id}/checkin?q=Öberg": organiser,
    }
    for path, visitor in pages.items():
        response = visitor.get(path)
        assert response.status_code == 200, path
        assert repeated_ids(response.get_data(as_text=True)) == set(), path
