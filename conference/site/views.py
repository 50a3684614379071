from flask import Blueprint, abort, current_app, has_request_context, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from conference.links import safe_next

blueprint = Blueprint("site", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Personal links carry their token in the path: never send it on to another site.
    "Referrer-Policy": "no-referrer",
}


PRIVATE_PATHS = ("/manage/", "/staff", "/invitations/")


@blueprint.get("/language/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
    return redirect(safe_next(request.args.get("next")), code=303)


def select_locale():
    """The visitor's chosen language; outside a request (CLI, workers) the default."""
    language = session.get("language") if has_request_context() else None
    return language if language in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@blueprint.before_app_request
def refuse_nul_characters():
    """A NUL character is never meaningful input, and PostgreSQL refuses to store it."""
    values = [request.path, *request.args.values(), *(request.form.values() if request.form else ())]
    if any("\x00" in value for value in values):
        abort(400)


@blueprint.after_app_request
def add_security_headers(response):
    headers = response.headers
    # Those a view did not set itself, added in one go (every answer gets them).
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present])
    # A registration form opened from an invitation is filled in with the invitee's details.
    if request.path.startswith(PRIVATE_PATHS) or "invitation" in request.args:
        # Personal data: no copy in the browser's or a proxy's cache.
        headers["Cache-Control"] = "no-store"
    return response


@blueprint.app_errorhandler(CSRFError)
def csrf_error(error):
    message = _(
        "The form had expired or did not come from this site. Nothing was saved. Go back, reload the page and try again."
    )
    return render_template("site/error.html", title=_("The form could not be sent"), message=message), 400


@blueprint.app_errorhandler(400)
def bad_request(error):
    return render_template(
        "site/error.html", title=_("Bad request"), message=_("The request could not be understood.")
    ), 400


@blueprint.app_errorhandler(404)
def not_found(error):
    message = _("There is nothing here. If you followed a personal link, it may have been replaced by a newer one.")
    return render_template("site/error.html", title=_("Page not found"), message=message), 404


@blueprint.app_errorhandler(403)
def forbidden(error):
    return render_template("site/error.html", title=_("Not allowed"), message=_("You may not do this.")), 403


@blueprint.app_errorhandler(405)
def method_not_allowed(error):
    return render_template(
        "site/error.html", title=_("Not allowed"), message=_("That action is not possible here.")
    ), 405


@blueprint.app_errorhandler(429)
def too_many_requests(error):
    message = _("Too many attempts in a short time. Wait a minute and try again.")
    return render_template("site/error.html", title=_("Too many attempts"), message=message), 429


@blueprint.app_errorhandler(500)
def server_error(error):
    message = _("Something went wrong on our side. Nothing was saved; please try again in a moment.")
    return render_template("site/error.html", title=_("Something went wrong"), message=message), 500
