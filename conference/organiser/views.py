from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, exists, func

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit import log as audit
from conference.audit.services import insert_where, record, record_read
from conference.cache import CSRF_HOLE, cached, without_csrf
from conference.database import transaction
from conference.errors import DomainError
from conference.events import services as events
from conference.events.models import Event
from conference.extensions import db
from conference.links import id_arg
from conference.mailings.models import OutboxMessage
from conference.organiser.forms import EventForm
from conference.organiser.registrations import PAGE_SIZE, Filters, registration_page
from conference.programme.choices import choice_slots
from conference.programme.models import Session, Slot, Track
from conference.programme.services import agenda, places_by_session
from conference.reference.models import Municipality, Sector
from conference.registration import services as registrations
from conference.registration.forms import RegistrationDetailsForm, with_session_choices
from conference.registration.models import Registration, RegistrationStatus
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("organiser", __name__, url_prefix="/staff")
ORGANISERS = (Role.ORGANISER,)
AUDIT_PAGE_SIZE = 100
STATUS_ACTIONS = ("published", "draft", "archived", "close")


@blueprint.get("/events")
@requires(*ORGANISERS)
def events_list():
    counts = dict(
        db.session.execute(
            db.select(Registration.event_id, func.count())
            .where(Registration.status != RegistrationStatus.CANCELLED)
            .group_by(Registration.event_id)
        ).all()
    )
    rows = db.session.scalars(db.select(Event).order_by(Event.starts_at.desc())).all()
    return render_template("organiser/events.html", events=rows, counts=counts)


@blueprint.route("/events/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event, _promoted = events.save_event(fields=form.fields_for_save())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The event is created as a draft. Publish it when it is ready."), "success")
            return redirect(url_for(".event", event_id=event.id), code=303)
    return render_template("organiser/event_form.html", form=form, event=None), 422 if form.errors else 200


@blueprint.route("/events/<int:event_id>", methods=["GET", "POST"])
@requires(*ORGANISERS)
def event(event_id):
    current = db.session.get(Event, event_id) or abort(404)
    form = EventForm()
    if request.method == "GET":
        form.fill_from(current)
    elif form.validate_on_submit():
        try:
            _event, promoted = events.save_event(event_id=event_id, fields=form.fields_for_save())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The event is saved."), "success")
            if promoted:
                flash(_("%(count)d on the waiting list got a place and were mailed.", count=len(promoted)), "success")
            return redirect(url_for(".event", event_id=event_id), code=303)
    return render_template(
        "organiser/event_form.html",
        form=form,
        event=current,
        actions=ConfirmForm(),
        places_left=registrations.places_left(current),
    ), 422 if form.errors else 200


@blueprint.post("/events/<int:event_id>/status/<action>")
@requires(*ORGANISERS)
def event_status(event_id, action):
    db.session.get(Event, event_id) or abort(404)
    if action not in STATUS_ACTIONS or not ConfirmForm().validate_on_submit():
        abort(400)
    events.change_status(event_id=event_id, status=action)
    flash(_("Done."), "success")
    return redirect(url_for(".event", event_id=event_id), code=303)


@blueprint.get("/events/<int:event_id>/registrations")
@requires(*ORGANISERS)
def registrations_list(event_id):
    if session.get("_flashes"):  # this organiser's own messages: not from the cache
        events.event_versions(event_id) or abort(404)
        page, shown, total, filters = _registrations_page(event_id, Filters.from_args(request.args))
        record_read("registrations.listed", event_id=event_id, filters=filters, rows=shown, total=total)
        return _with_csrf(page)
    # The back-office menu depends on the role; the full path holds the filters, and the
    # language switch's way back.
    view = (event_id, str(get_locale()), current_user.role, request.full_path)
    # Served before at some versions of the event: if the page of those versions is still
    # kept, and the event still has them as the audit entry is written, that entry is the
    # view's only statement.
    served_versions = current_app.extensions.setdefault("ting_served_tables", {})
    served = served_versions.get(view)
    if served is not None and (kept := _kept_table(view, served)) is not None:
        page, shown, total, filters = kept
        condition = {"version_" + name: value for name, value in served._asdict().items()}
        if record_read(
            "registrations.listed",
            event_id=event_id,
            only_if=(_INSERT_IF_UNCHANGED, condition),
            filters=filters,
            rows=shown,
            total=total,
        ):
            return _with_csrf(page)
    versions = events.event_versions(event_id) or abort(404)
    # Sector and municipality names carry no version: a renamed one shows within a minute.
    page, shown, total, filters = cached(
        _table_key(view, versions),
        lambda: _registrations_page(event_id, Filters.from_args(request.args)),
        max_age=TABLE_MAX_AGE,
    )
    record_read("registrations.listed", event_id=event_id, filters=filters, rows=shown, total=total)
    if len(served_versions) >= MAX_SERVED_VIEWS:
        served_versions.clear()
    served_versions[view] = versions
    return _with_csrf(page)


# Views of the table whose versions this app (in this process) keeps, for their next view.
MAX_SERVED_VIEWS = 1024
TABLE_MAX_AGE = 60
_INSERT_IF_UNCHANGED = insert_where(
    exists().where(
        Event.id == bindparam("version_id"),
        Event.updated_at == bindparam("version_updated_at"),
        Event.programme_version == bindparam("version_programme_version"),
        Event.registrations_version == bindparam("version_registrations_version"),
    )
)


class _NotKept(Exception):
    pass


def _kept_table(view, versions):
    """The cached table of `view` at `versions`, or None when the cache no longer keeps it."""

    def not_kept():
        raise _NotKept

    try:
        return cached(_table_key(view, versions), not_kept, max_age=TABLE_MAX_AGE)
    except _NotKept:
        return None


def _table_key(view, versions):
    return ("registrations-table", *versions, *view[1:])


def _with_csrf(page):
    """`with_csrf` for a page kept as UTF-8: it is not encoded again on every view."""
    return page.replace(_CSRF_HOLE, generate_csrf().encode())


_CSRF_HOLE = CSRF_HOLE.encode()


def _registrations_page(event_id, filters):
    """(the page without its CSRF token, in UTF-8, rows on the page, rows matching, the
    filters as query arguments)."""
    event = db.session.get(Event, event_id)
    rows, total = registration_page(event.id, filters)
    page = render_template(
        "organiser/registrations.html",
        event=event,
        rows=rows,
        total=total,
        filters=filters,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        sectors=db.session.scalars(db.select(Sector).order_by(Sector.sort_order)).all(),
        municipalities=db.session.scalars(db.select(Municipality).order_by(Municipality.name)).all(),
        sessions=db.session.scalars(
            db.select(Session).join(Slot).where(Session.event_id == event.id).order_by(Slot.starts_at, Session.id)
        ).all(),
        tracks=db.session.scalars(db.select(Track).where(Track.event_id == event.id).order_by(Track.sort_order)).all(),
    )
    return without_csrf(page).encode(), len(rows), total, filters.as_args()


@blueprint.route("/registrations/<int:registration_id>", methods=["GET", "POST"])
@requires(*ORGANISERS)
def registration(registration_id):
    current = db.session.get(Registration, registration_id) or abort(404)
    slots = choice_slots(current.event_id)
    form = with_session_choices(RegistrationDetailsForm, slots)()
    if request.method == "GET":
        form.fill_from(current)
        with transaction():
            record("registration.viewed", subject=current)
    else:
        try:
            # Refused before the fields are checked: a cancelled registration shows no form.
            registrations.check_changeable(current)
            if form.validate_on_submit():
                registrations.update_details(
                    registration_id=registration_id,
                    details=form.details(),
                    consents=None,
                    session_ids=form.session_ids(),
                    by_staff=True,
                )
                flash(_("The registration is saved."), "success")
                return redirect(url_for(".registration", registration_id=registration_id), code=303)
        except DomainError as error:
            show_error(form, error)
    messages = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.registration_id == registration_id).order_by(OutboxMessage.id)
    ).all()
    return render_template(
        "organiser/registration.html",
        registration=current,
        event=current.event,
        form=form,
        actions=ConfirmForm(),
        position=registrations.waitlist_position(current),
        agenda=agenda(current),
        places=places_by_session(current.event_id, [session for slot in slots for session in slot.sessions]),
        messages=messages,
    ), 422 if form.errors else 200


@blueprint.post("/registrations/<int:registration_id>/<action>")
@requires(*ORGANISERS)
def registration_action(registration_id, action):
    db.session.get(Registration, registration_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "cancel":
            registrations.cancel(registration_id=registration_id, by_staff=True)
            flash(_("The registration is cancelled, and the attendee is mailed."), "success")
        elif action == "promote":
            registrations.promote_now(registration_id=registration_id)
            flash(_("The attendee has a place now and is mailed."), "success")
        elif action == "resend":
            registrations.resend_confirmation(registration_id=registration_id)
            flash(_("The confirmation is sent again."), "success")
        else:
            abort(404)
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for(".registration", registration_id=registration_id), code=303)


@blueprint.get("/audit")
@requires(*ORGANISERS)
def audit_log():
    typed = audit.read_filters(request.args)
    paging = {} if typed.errors else dict(before=id_arg(request.args, "before"), after=id_arg(request.args, "after"))
    page = audit.audit_page(typed.filters, size=AUDIT_PAGE_SIZE, **paging)
    all_events = db.session.scalars(db.select(Event).order_by(Event.starts_at.desc())).all()
    return render_template(
        "organiser/audit_log.html",
        page=page,
        typed=typed,
        filters=typed.filters,
        subject_types=audit.SUBJECT_TYPES,
        events=all_events,
    )
