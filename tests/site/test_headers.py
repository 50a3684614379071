"""Every answer carries the security headers, once; staff pages are never cached."""

from conference.site.views import SECURITY_HEADERS
from tests.support.staff import staff_client


def test_every_answer_has_the_security_headers_once(app, client):
    for response in (client.get("/"), client.get("/no/such/page"), staff_client(app, "organiser").get("/staff/events")):
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.getlist(name) == [value]


def test_staff_pages_are_not_kept_in_caches(app, client):
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"
    assert staff_client(app, "organiser").get("/staff/events").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
