"""Ting: registration, programme and follow-up for large public forums."""

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from conference import config
from conference.database import close_request_connection
from conference.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from conference.links import IdConverter
from conference.names import TEMPLATE_GLOBALS
from conference.registration.ticket import qr_svg
from conference.site.sessions import CheckedCookieSessionInterface


def create_app(overrides=None):
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(config.INSTANCE_DIR),
    )
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    app.url_map.converters["int"] = IdConverter
    app.session_interface = CheckedCookieSessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from conference import models  # noqa: F401  (every table, for Alembic and relationships)
    from conference.programme import seat_counts  # noqa: F401  (keeps the sessions' seat counts exact)
    from conference.registration import changes  # noqa: F401  (keeps Event.registrations_version current)
    from conference.site.views import select_locale

    db.init_app(app)
    app.teardown_appcontext(close_request_connection)
    migrate.init_app(app, db, directory=str(config.INSTANCE_DIR.parent / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    _init_login(app)

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["current_language"] = lambda: str(get_locale())
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.jinja_env.globals["ticket_qr"] = qr_svg
    _register_blueprints(app)
    _register_cli(app)
    _start_inline_delivery(app)
    return app


def _init_login(app):
    from flask_babel import lazy_gettext as _l

    from conference.accounts.access import expire_idle_staff_sessions
    from conference.accounts.services import user_for_session

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"
    login_manager.user_loader(user_for_session)
    app.before_request(expire_idle_staff_sessions)


def _register_blueprints(app):
    from conference.accounts.views import blueprint as accounts
    from conference.coverage.views import blueprint as coverage
    from conference.events.views import blueprint as events
    from conference.forums.views import blueprint as forums
    from conference.invitations.views import blueprint as invitations
    from conference.mailings.views import blueprint as mailings
    from conference.mailings.views import public as unsubscribe
    from conference.organiser import programme as _programme_editor  # noqa: F401  (its routes join organiser's)
    from conference.organiser.checkin import blueprint as checkin
    from conference.organiser.dashboard import blueprint as dashboard
    from conference.organiser.views import blueprint as organiser
    from conference.participants.api import blueprint as api
    from conference.participants.views import blueprint as participants
    from conference.privacy.views import blueprint as privacy
    from conference.programme.views import blueprint as programme
    from conference.registration.views import blueprint as registration
    from conference.site.views import blueprint as site

    for blueprint in (
        site,
        events,
        programme,
        registration,
        accounts,
        organiser,
        dashboard,
        checkin,
        invitations,
        forums,
        coverage,
        participants,
        privacy,
        api,
        mailings,
        unsubscribe,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app):
    from conference.accounts.cli import users_cli
    from conference.mailings.cli import mail_cli
    from conference.privacy.cli import privacy_cli
    from conference.programme.cli import programme_cli
    from conference.reference.cli import demo_command, reference_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(programme_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(demo_command)


def _start_inline_delivery(app):
    from conference.mailings.outbox import InlineDelivery

    if app.config["MAIL_DELIVER_INLINE"]:
        app.extensions["ting_inline_delivery"] = InlineDelivery(app)
