"""The session cookie is checked once per process and decoded afresh for each request."""

import time

from conference.site import sessions
from tests.support.staff import staff_client


def cookie_of(client):
    return client.get_cookie("session").value


def test_a_checked_cookie_still_expires_with_the_session_lifetime(app, monkeypatch):
    client = staff_client(app, "organiser")
    assert client.get("/staff/events").status_code == 200  # the cookie is checked and kept
    later = time.time() + 11 * 3600
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    response = client.get("/staff/events")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_changed_cookie_is_refused(app):
    client = staff_client(app, "organiser")
    assert client.get("/staff/events").status_code == 200
    value = cookie_of(client)
    changed = value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB")
    client.set_cookie("session", changed)
    assert client.get("/staff/events").status_code == 302
    client.set_cookie("session", value)
    assert client.get("/staff/events").status_code == 200


def test_each_request_gets_its_own_session(app):
    interface = app.session_interface
    with app.test_request_context("/"):
        from flask import session

        session["_flashes"] = [("info", "hej")]
        value = interface.get_signing_serializer(app).dumps(dict(session))
    with app.test_request_context("/", headers={"Cookie": f"session={value}"}) as context:
        first = interface.open_session(app, context.request)
        first["_flashes"].append(("info", "ändrad"))
        second = interface.open_session(app, context.request)
    assert second["_flashes"] == [("info", "hej")]
    assert not second.modified
