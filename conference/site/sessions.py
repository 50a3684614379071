"""Flask's signed session cookie, with each distinct cookie checked once per process."""

import threading
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# Cookies kept per process; past this many the memory starts afresh.
MAX_COOKIES = 2048


class CheckedCookieSessionInterface(SecureCookieSessionInterface):
    """A signed-in organiser sends the same session cookie view after view: it changes only
    when the session does (the idle stamp about once a minute). Checking its signature and
    unpacking it was a tenth of a cached staff page's time, so a cookie whose signature this
    process has checked is only decoded again. Its age is checked on every request, as
    Flask does, and a fresh session dict is decoded each time, so nothing is shared between
    requests."""

    def __init__(self):
        # (secret keys, cookie) -> (the session as JSON text, when it was signed)
        self.checked = {}
        self.lock = threading.Lock()
        # secret keys -> their serializer: making one tries out its JSON serializer each time,
        # a third of the cost of signing a new attendee's cookie.
        self.serializers = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self.serializers.get(keys)
        if serializer is None:
            serializer = self.serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        checked = self.checked.get(key)
        if checked is None:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(value, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            checked = (self.serializer.dumps(data), int(signed_at.timestamp()))
            with self.lock:
                if len(self.checked) >= MAX_COOKIES:
                    self.checked.clear()
                self.checked[key] = checked
        text, signed_at = checked
        age = int(time.time()) - signed_at
        if not 0 <= age <= int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()  # as itsdangerous refuses it: expired, or from the future
        return self.session_class(self.serializer.loads(text))
