from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit.services import record
from conference.database import transaction
from conference.errors import DomainError
from conference.events.models import Event, EventStatus
from conference.extensions import db
from conference.invitations import services
from conference.invitations.forms import EarlierAttendeesForm, InviteeListForm
from conference.invitations.models import InvitationState
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("invitations", __name__)
ORGANISERS = (Role.ORGANISER,)


@blueprint.route("/staff/events/<int:event_id>/invitations", methods=["GET", "POST"])
@requires(*ORGANISERS)
def staff_list(event_id):
    event = db.session.get(Event, event_id) or abort(404)
    form = InviteeListForm()
    problems = []
    if form.validate_on_submit():
        try:
            invitees = services.parse_invitee_list(form.text())
            outcome = services.invite(event_id=event.id, invitees=invitees)
        except services.InviteeListError as error:
            problems = error.problems
            form.form_errors.append(error.message)
        except DomainError as error:
            show_error(form, error)
        else:
            _flash_outcome(outcome)
            return redirect(url_for(".staff_list", event_id=event.id), code=303)
    return _page(event, form, problems=problems), 422 if form.errors else 200


@blueprint.post("/staff/events/<int:event_id>/invitations/earlier-attendees")
@requires(*ORGANISERS)
def invite_earlier(event_id):
    event = db.session.get(Event, event_id) or abort(404)
    attendees = services.earlier_attendees(event)
    form = EarlierAttendeesForm(attendees=attendees)
    if form.validate_on_submit():
        try:
            outcome = services.invite_earlier_attendees(event_id=event.id, registration_ids=form.registration_ids.data)
        except DomainError as error:
            show_error(form, error)
        else:
            _flash_outcome(outcome)
            return redirect(url_for(".staff_list", event_id=event.id), code=303)
    return _page(event, InviteeListForm(formdata=None), earlier=form), 422


@blueprint.post("/staff/events/<int:event_id>/invitations/remind")
@requires(*ORGANISERS)
def remind(event_id):
    event = db.session.get(Event, event_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.send_reminders(event_id=event.id)
    if count:
        flash(
            ngettext(
                "A reminder is on its way to %(num)d invitee.", "Reminders are on their way to %(num)d invitees.", count
            ),
            "success",
        )
    else:
        flash(_("Nobody to remind: everyone has answered, or was reminded within the last hour."), "info")
    return redirect(url_for(".staff_list", event_id=event.id), code=303)


@blueprint.get("/invitations/<token>")
def open_invitation(token):
    invitation = services.find_by_token(token) or abort(404)
    services.mark_opened(invitation_id=invitation.id)
    event = invitation.event
    if event.status != EventStatus.PUBLISHED:
        return render_template("invitations/unavailable.html", event=event), 200
    return redirect(url_for("registration.register", slug=event.slug, invitation=token), code=303)


@blueprint.route("/invitations/<token>/decline", methods=["GET", "POST"])
def decline(token):
    invitation = services.find_by_token(token) or abort(404)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.decline(invitation_id=invitation.id)
        except DomainError as refused:
            error = refused.message
        else:
            return redirect(url_for(".decline", token=token), code=303)
    return render_template(
        "invitations/decline.html",
        invitation=invitation,
        event=invitation.event,
        form=form,
        error=error,
        register_url=url_for(".open_invitation", token=token),
    ), 422 if error else 200


def _page(event, form, *, problems=(), earlier=None):
    invitations = services.invitations_of(event.id)
    attendees = services.earlier_attendees(event)
    with transaction():
        record("invitations.listed", event_id=event.id, rows=len(invitations))
    counts = {state: 0 for state in InvitationState}
    for invitation in invitations:
        counts[invitation.state] += 1
    return render_template(
        "invitations/staff_list.html",
        event=event,
        form=form,
        problems=problems,
        invitations=invitations,
        counts=counts,
        earlier=earlier or EarlierAttendeesForm(formdata=None, attendees=attendees),
        actions=ConfirmForm(),
    )


def _flash_outcome(outcome):
    flash(
        ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.", len(outcome.invited)),
        "success",
    )
    if outcome.already_invited:
        flash(
            ngettext(
                "%(num)d address was already invited and got no new mail.",
                "%(num)d addresses were already invited and got no new mail.",
                len(outcome.already_invited),
            ),
            "info",
        )
