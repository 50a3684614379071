"""Who may open which staff page. Every staff view declares its roles with `requires`;
the authorization test fails for a staff route that does not."""

from datetime import timedelta
from functools import wraps

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from conference.database import utcnow

IDLE_KEY = "staff_seen_at"
SIGNED_IN_KEY = "staff_signed_in_at"


def requires(*roles):
    """Only for signed-in staff with one of `roles` (an administrator counts as an organiser)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = frozenset(roles)
        return guarded

    return decorate


def open_to_all(view):
    """A staff page for people who are not signed in (login, password reset)."""
    view.required_roles = frozenset()
    return view


def start_staff_session(user):
    """Sign `user` in for at most PERMANENT_SESSION_LIFETIME, however busy they stay."""
    login_user(user)
    session.permanent = True
    session[SIGNED_IN_KEY] = session[IDLE_KEY] = utcnow().timestamp()


POLL_HEADER = "X-Ting-Poll"


def expire_idle_staff_sessions():
    """Sign out a staff session idle longer than STAFF_IDLE_MINUTES, or older than
    PERMANENT_SESSION_LIFETIME."""
    if not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    seen_at = session.get(IDLE_KEY, 0)
    signed_in_at = session.get(SIGNED_IN_KEY, 0)
    idle_limit = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"]).total_seconds()
    if (
        now - seen_at > idle_limit
        or now - signed_in_at > current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    ):
        logout_user()
        session.pop(IDLE_KEY, None)
        flash(_("You were signed out after a while without activity. Please sign in again."), "info")
        return redirect(url_for("accounts.login", next=request.full_path))
    # Renewing the stamp rewrites the session cookie; once per sixtieth of the idle limit
    # is exact enough (an hour's limit ends between 59 and 60 minutes without activity).
    # A page polling for its own updates (static/js/ting.js) is not activity.
    if now - seen_at > idle_limit / 60 and not request.headers.get(POLL_HEADER):
        session[IDLE_KEY] = now
    return None
