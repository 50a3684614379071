"""The attendee's privacy rights through their personal link, and an organiser's erasure
of one person's data on request."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.extensions import db
from conference.privacy import services
from conference.registration.models import Registration
from conference.registration.services import find_by_token
from conference.site.forms import ConfirmForm

blueprint = Blueprint("privacy", __name__)


@blueprint.get("/manage/<token>/my-data.json")
def my_data(token):
    registration = find_by_token(token) or abort(404)
    body = json.dumps(services.personal_data(registration), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{registration.event.slug}-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/manage/<token>/withdraw-consents")
def withdraw_consents(token):
    registration = find_by_token(token) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.withdraw_consents(registration_id=registration.id)
    flash(_("Your consents are withdrawn: you are on no participant list and get no mailings."), "success")
    return redirect(url_for("registration.manage", token=token), code=303)


@blueprint.route("/manage/<token>/delete", methods=["GET", "POST"])
def delete(token):
    registration = find_by_token(token) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        slug = registration.event.slug
        services.delete_registration(registration_id=registration.id)
        flash(_("Your registration is deleted, and so is the personal data we held about you."), "success")
        return redirect(url_for("events.show", slug=slug), code=303)
    return render_template("privacy/delete.html", registration=registration, event=registration.event, form=form)


@blueprint.post("/staff/registrations/<int:registration_id>/erase")
@requires(Role.ORGANISER)
def erase(registration_id):
    registration = db.session.get(Registration, registration_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.erase_on_request(registration_id=registration_id, by_user=current_user):
        flash(_("The person's data is erased. The registration stays, nameless, in the statistics."), "success")
    else:
        flash(_("This registration's data was already erased."), "info")
    return redirect(url_for("organiser.registrations_list", event_id=registration.event_id), code=303)
