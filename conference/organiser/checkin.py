"""Check-in at the door (a page for a tablet: search, scan or type a code, one button to
check in and one to undo) and name badges as PDF."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit.services import record
from conference.database import transaction
from conference.events.models import Event
from conference.extensions import db
from conference.links import id_arg
from conference.organiser import checkin_services as services
from conference.organiser.badges import BadgeFilters, BadgeFontMissing, event_badges, person_badge
from conference.reference.models import Sector
from conference.registration.models import Registration, RegistrationStatus
from conference.site.forms import Form

blueprint = Blueprint("checkin", __name__, url_prefix="/staff")
ORGANISERS = (Role.ORGANISER,)
QUERY_MAX_LENGTH = 200


class CodeForm(Form):
    code = StringField(
        _l("Check-in code"),
        validators=[
            DataRequired(message=_l("Type the code from the ticket, or scan its QR code.")),
            Length(max=40, message=_l("A check-in code has ten letters and digits.")),
        ],
    )


def _event(event_id):
    return db.session.get(Event, event_id) or abort(404)


def _query(source):
    return " ".join(source.get("q", "").split())[:QUERY_MAX_LENGTH]


def _back(event, query=""):
    return redirect(url_for(".page", event_id=event.id, q=query or None), code=303)


@blueprint.get("/events/<int:event_id>/checkin")
@requires(*ORGANISERS)
def page(event_id):
    event = _event(event_id)
    query = _query(request.args)
    result = services.search(event.id, query) if query else None
    if result is not None:
        with transaction():
            record("checkin.searched", event_id=event.id, query=query, rows=result.total)
    return render_template(
        "organiser/checkin.html",
        event=event,
        query=query,
        result=result,
        counts=services.counts_by_sector(event.id),
        sectors=db.session.scalars(db.select(Sector).order_by(Sector.sort_order, Sector.id)).all(),
        code_form=CodeForm(formdata=None),
    )


@blueprint.post("/events/<int:event_id>/checkin/code")
@requires(*ORGANISERS)
def by_code(event_id):
    event = _event(event_id)
    form = CodeForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for errors in form.errors.values() for error in errors), "error")
        return _back(event)
    registration = services.find_by_code(event.id, form.code.data)
    if registration is None:
        code = services.normalise_code(form.code.data)
        flash(_("No registration for this event has the code %(code)s.", code=code or "?"), "error")
        return _back(event)
    return _check_in(event, registration, registration.checkin_code)


@blueprint.post("/events/<int:event_id>/checkin/<int:registration_id>")
@requires(*ORGANISERS)
def check_in(event_id, registration_id):
    event = _event(event_id)
    registration = services.registration_in_event(event.id, registration_id) or abort(404)
    return _check_in(event, registration, _query(request.form))


@blueprint.post("/events/<int:event_id>/checkin/<int:registration_id>/undo")
@requires(*ORGANISERS)
def undo(event_id, registration_id):
    event = _event(event_id)
    registration = services.registration_in_event(event.id, registration_id) or abort(404)
    outcome = services.undo_check_in(registration_id=registration.id, event_id=event.id, by_user=current_user)
    if outcome.changed:
        flash(_("The check-in of %(name)s is undone.", name=outcome.registration.name), "success")
    else:
        flash(_("%(name)s was not checked in.", name=outcome.registration.name), "info")
    return _back(event, _query(request.form))


def _check_in(event, registration, query):
    try:
        outcome = services.check_in(registration_id=registration.id, event_id=event.id, by_user=current_user)
    except services.CheckInRefused as error:
        flash(str(error.message), "error")  # text, never markup: it holds the attendee's name
        return _back(event, query)
    person = outcome.registration
    if outcome.changed:
        flash(
            _("%(name)s (%(organisation)s) is checked in.", name=person.name, organisation=person.organisation),
            "success",
        )
    elif person.checked_in_at is not None:
        flash(
            _(
                "%(name)s was already checked in at %(time)s.",
                name=person.name,
                time=format_time(person.checked_in_at, "HH:mm"),
            ),
            "info",
        )
    return _back(event, query)


@blueprint.get("/events/<int:event_id>/badges.pdf")
@requires(*ORGANISERS)
def badges(event_id):
    event = _event(event_id)
    filters = BadgeFilters(
        sector_id=id_arg(request.args, "sector"),
        checked_in={"yes": True, "no": False}.get(request.args.get("checked_in", "")),
        query=_query(request.args),
    )
    try:
        pdf, count = event_badges(event, by_user=current_user, filters=filters)
    except BadgeFontMissing as error:
        return _font_missing(event, error)
    if not count:
        flash(_("No confirmed registration matches, so there are no badges to make."), "info")
        return _back(event)
    return _pdf(pdf, f"badges-{event.slug}.pdf")


@blueprint.get("/registrations/<int:registration_id>/badge.pdf")
@requires(*ORGANISERS)
def badge(registration_id):
    registration = db.session.get(Registration, registration_id) or abort(404)
    if registration.status != RegistrationStatus.CONFIRMED:
        flash(_("Badges are made only for registrations with a confirmed place."), "error")
        return _back(registration.event, registration.checkin_code)
    try:
        pdf = person_badge(registration, by_user=current_user)
    except BadgeFontMissing as error:
        return _font_missing(registration.event, error)
    return _pdf(pdf, f"badge-{registration.checkin_code}.pdf")


def _font_missing(event, error):
    current_app.logger.error("%s", error)
    flash(
        _("Badges cannot be made on this server: the font they are set in is missing. Please tell the administrator."),
        "error",
    )
    return _back(event)


def _pdf(data, filename):
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
