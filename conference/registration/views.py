import secrets

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from conference.cache import cached, with_csrf, without_csrf
from conference.database import end_read_transaction
from conference.errors import DomainError
from conference.events.calendar import event_calendar
from conference.events.models import registration_window
from conference.events.services import (
    note_event_version,
    noted_event_version,
    published_event,
    published_event_version,
)
from conference.extensions import limiter
from conference.invitations.services import invitation_for_form
from conference.programme.choices import choice_slots
from conference.programme.feeds import sessions_calendar
from conference.programme.models import ChoiceStatus
from conference.programme.places import Holes, fill_places
from conference.programme.services import agenda, places_by_session
from conference.registration import services
from conference.registration.forms import (
    RegistrationDetailsForm,
    RegistrationForm,
    registration_form,
    with_session_choices,
)
from conference.registration.models import RegistrationStatus
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("registration", __name__)
SUBMISSION_KEY_HOLE = "\x00submission-key\x00"
# How old (seconds) what this process noted of an event may be for its blank form: a change
# made by another process shows on the form within it. The form is a snapshot anyway, older
# by the time it is sent; the registration itself checks the event as it is.
FORM_MAX_AGE = 1.0


def _registration_rate_limit():
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@blueprint.get("/events/<slug>/register")
def register(slug):
    """The form is shown, and taken in, from the event's versions alone: the event itself is
    loaded only to render a page afresh."""
    return _blank_form(slug, published_event_version(slug, max_age=FORM_MAX_AGE) or abort(404))


@blueprint.post("/events/<slug>/register")
@limiter.limit(_registration_rate_limit)
def submit_registration(slug):
    """Taken in with the form built for the event as this process last noted it, which the
    registration checks under the event's lock; the event is read afresh only when that
    fails, or the form does not pass."""
    noted = noted_event_version(slug)
    if noted is not None:
        answer = _take_registration(slug, noted, last_try=False)
        if answer is not None:
            return answer
    return _take_registration(slug, published_event_version(slug) or abort(404), last_try=True)


def _take_registration(slug, version, *, last_try):
    """The answer to the form, built for `version` of the event; None, unless `last_try`,
    when it did not pass: it may have been built for a version that is out of date."""
    form = registration_form(version.id, version.programme_version)()
    if form.validate_on_submit():
        try:
            outcome = services.register(
                event_id=version.id,
                details=form.details(),
                consents=form.consents(),
                session_ids=form.session_ids(),
                submission_key=form.submission_key.data or None,
                invitation_token=form.invitation.data or None,
                shown=services.EventShown(slug, version.programme_version),
            )
        except DomainError as error:
            if not last_try and isinstance(error, services.EventChanged):
                return None
            show_error(form, error)
        else:
            note_event_version(slug, outcome.event)
            if not outcome.created and not outcome.double_submit:
                return render_template("registration/already_registered.html", event=_event(slug)), 200
            session["registration_token"] = outcome.token
            return redirect(url_for(".registered", slug=slug), code=303)
    elif not last_try:
        return None
    event = _event(slug)
    # The slots the form has fields for: the programme may have changed since its class was made.
    form.slots = [slot for slot in choice_slots(event.id) if f"slot_{slot.id}" in form]
    return render_template(
        "registration/form.html",
        event=event,
        form=form,
        window=event.registration_window(),
        has_room=services.has_room(event),
        places=places_by_session(event.id, [session for slot in form.slots for session in slot.sessions]),
    ), 422 if form.errors else 200


def _blank_form(slug, version):
    """The empty form is the same for everyone but for two tokens: render it once per
    version of the event and language, then fill in this visitor's tokens."""
    if session.get("_flashes") or request.query_string:  # this visitor's own messages or address
        event = _event(slug)
        invitation = invitation_for_form(event, request.args.get("invitation"))
        page = _render_blank_form(event, invitation=invitation)
    else:
        page = _cached_blank_form(slug, version)
    return with_csrf(page).replace(SUBMISSION_KEY_HOLE, secrets.token_urlsafe(16))


def _cached_blank_form(slug, version):
    # What the page says of the window and of free places is what its key says.
    window = registration_window(version)
    structure = (
        "registration-form",
        version.id,
        version.updated_at,
        version.programme_version,
        str(get_locale()),
        window,
    )
    if version.capacity is None and not version.programme_version:
        # No places to count, at the event or in sessions: registrations change nothing here.
        return cached(structure, lambda: _render_blank_form(_event_afresh(slug), window=window, room=True))

    def filled():
        end_read_transaction()
        room = services.has_room(version)
        # Rendered with holes for the sessions' free places, which a choice (bumping
        # registrations_version) only fills again.
        page = cached(
            (*structure, room), lambda: _render_blank_form(_event(slug), window=window, room=room, places=Holes())
        )
        return fill_places(page, version.id)

    return cached((*structure, version.registrations_version), filled)


def _event(slug):
    return published_event(slug) or abort(404)  # unpublished since its versions were read


def _event_afresh(slug):
    """The event for a page cached under versions just read: not from an older snapshot."""
    end_read_transaction()
    return _event(slug)


def _render_blank_form(event, *, window=None, room=None, invitation=None, places=None):
    slots = choice_slots(event.id)
    form = with_session_choices(RegistrationForm, slots)()
    form.language.data = str(get_locale())
    if invitation is not None:
        form.fill_from_invitation(invitation)
    form.submission_key.data = SUBMISSION_KEY_HOLE
    page = render_template(
        "registration/form.html",
        event=event,
        form=form,
        window=window or event.registration_window(),
        has_room=services.has_room(event) if room is None else room,
        places=places
        if places is not None
        else places_by_session(event.id, [s for slot in slots for s in slot.sessions]),
    )
    return without_csrf(page)


@blueprint.get("/events/<slug>/registered")
def registered(slug):
    event = published_event(slug) or abort(404)
    registration = services.find_by_token(session.get("registration_token"))
    if registration is None or registration.event_id != event.id:
        return redirect(url_for("events.show", slug=event.slug))
    return render_template(
        "registration/registered.html",
        event=event,
        registration=registration,
        position=services.waitlist_position(registration),
        agenda=agenda(registration),
    )


@blueprint.route("/manage/<token>", methods=["GET", "POST"])
def manage(token):
    registration = services.find_by_token(token) or abort(404)
    slots = choice_slots(registration.event_id)
    form = with_session_choices(RegistrationDetailsForm, slots)()
    if not form.is_submitted():
        form.fill_from(registration)
    elif form.validate():
        try:
            services.update_details(
                registration_id=registration.id,
                details=form.details(),
                consents=form.consents(),
                session_ids=form.session_ids(),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".manage", token=token), code=303)
    return render_template(
        "registration/manage.html",
        registration=registration,
        event=registration.event,
        form=form,
        position=services.waitlist_position(registration),
        cancelled=registration.status == RegistrationStatus.CANCELLED,
        agenda=agenda(registration),
        places=places_by_session(registration.event_id, [session for slot in slots for session in slot.sessions]),
    ), 422 if form.errors else 200


@blueprint.route("/manage/<token>/cancel", methods=["GET", "POST"])
def cancel(token):
    registration = services.find_by_token(token) or abort(404)
    if registration.status == RegistrationStatus.CANCELLED:
        return redirect(url_for(".manage", token=token))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.cancel(registration_id=registration.id)
        except DomainError:  # the same form sent twice at once: the first cancelled it
            return redirect(url_for(".manage", token=token), code=303)
        flash(_("Your registration is cancelled. We have sent you a confirmation by e-mail."), "success")
        return redirect(url_for(".manage", token=token), code=303)
    return render_template("registration/cancel.html", registration=registration, event=registration.event, form=form)


@blueprint.post("/manage/<token>/new-link")
@limiter.limit("5 per hour")
def new_link(token):
    registration = services.find_by_token(token) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    services.renew_manage_link(registration_id=registration.id)
    flash(_("A new personal link is on its way to your e-mail. The old link no longer works."), "success")
    return redirect(url_for("events.show", slug=registration.event.slug), code=303)


@blueprint.get("/manage/<token>/calendar.ics")
def calendar(token):
    """The attendee's own programme; the event as one entry while it has no programme."""
    registration = services.find_by_token(token) or abort(404)
    event = registration.event
    sessions = [item.session for item in agenda(registration) if item.status in (None, ChoiceStatus.CONFIRMED)]
    data = sessions_calendar(event, sessions, name=event.title) if sessions else event_calendar(event)
    return Response(
        data, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'}
    )
