"""Mailings in the back office (compose, audience, preview, test, send, progress, archive),
and the public one-click unsubscribe page that every mailing links to."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit.services import record
from conference.database import transaction, utcnow
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import csrf, db
from conference.links import id_arg
from conference.mailings import services
from conference.mailings.audience import audience
from conference.mailings.composing import PLACEHOLDERS
from conference.mailings.forms import MAILING_KIND_NAMES, MailingForm, SendForm
from conference.mailings.models import Mailing, MailingStatus, MessageKind, OutboxMessage, OutboxStatus
from conference.mailings.unsubscribes import hash_of_token, is_unsubscribed, unsubscribe
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("mailings", __name__, url_prefix="/staff")
public = Blueprint("unsubscribe", __name__)
ORGANISERS = (Role.ORGANISER,)
RECIPIENTS_PAGE_SIZE = 100
PREVIEW_CHOICES = 200


@blueprint.get("/mailings")
@requires(*ORGANISERS)
def archive():
    return render_template("mailings/index.html", event=None, mailings=_mailings(), kinds=MAILING_KIND_NAMES)


@blueprint.get("/events/<int:event_id>/mailings")
@requires(*ORGANISERS)
def index(event_id):
    event = db.session.get(Event, event_id) or abort(404)
    return render_template(
        "mailings/index.html", event=event, mailings=_mailings(Mailing.event_id == event_id), kinds=MAILING_KIND_NAMES
    )


@blueprint.route("/events/<int:event_id>/mailings/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new(event_id):
    event = db.session.get(Event, event_id) or abort(404)
    return _compose(event, None)


@blueprint.route("/mailings/<int:mailing_id>/edit", methods=["GET", "POST"])
@requires(*ORGANISERS)
def edit(mailing_id):
    mailing = db.session.get(Mailing, mailing_id) or abort(404)
    if mailing.status == MailingStatus.QUEUED:
        flash(_("This mailing has been sent: it can no longer be changed."), "error")
        return redirect(url_for(".show", mailing_id=mailing_id), code=303)
    return _compose(mailing.event, mailing)


def _compose(event, mailing):
    form = MailingForm().set_choices(event.id)
    if request.method == "GET" and mailing is not None:
        form.fill_from(mailing)
    elif form.validate_on_submit():
        try:
            mailing_id = services.save_mailing(
                event_id=event.id,
                mailing_id=mailing.id if mailing else None,
                fields=form.fields_for_save(),
                user=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The mailing is saved. Check the recipients and the preview, then send it."), "success")
            return redirect(url_for(".show", mailing_id=mailing_id), code=303)
    return render_template(
        "mailings/form.html", form=form, event=event, mailing=mailing, placeholders=PLACEHOLDERS
    ), 422 if form.errors else 200


@blueprint.get("/mailings/<int:mailing_id>")
@requires(*ORGANISERS)
def show(mailing_id):
    mailing = db.session.get(Mailing, mailing_id) or abort(404)
    return _show(mailing, SendForm())


def _show(mailing, send_form):
    context = {
        "mailing": mailing,
        "event": mailing.event,
        "kinds": MAILING_KIND_NAMES,
        "actions": ConfirmForm(),
        "send_form": send_form,
        # Its time has come: the delivery worker queues it any moment, and the page follows.
        "due": mailing.status == MailingStatus.SCHEDULED and mailing.scheduled_at <= utcnow(),
    }
    if mailing.status == MailingStatus.QUEUED:
        status = request.args.get("status", "")
        status = status if status in set(OutboxStatus) else ""
        page = min(max(id_arg(request.args, "page") or 1, 1), 100000)
        query = db.select(OutboxMessage).where(
            OutboxMessage.mailing_id == mailing.id, OutboxMessage.kind == MessageKind.MAILING
        )
        if status:
            query = query.where(OutboxMessage.status == status)
        recipients = db.session.scalars(
            query.order_by(OutboxMessage.id)
            .limit(RECIPIENTS_PAGE_SIZE)
            .offset((page - 1) * RECIPIENTS_PAGE_SIZE)
            .options(joinedload(OutboxMessage.registration))
        ).all()
        with transaction():
            record("mailing.recipients_viewed", subject=mailing, status=status, page=page, rows=len(recipients))
        context |= {
            "progress": services.progress(mailing.id),
            "recipients": recipients,
            "status": status,
            "page": page,
            "page_size": RECIPIENTS_PAGE_SIZE,
        }
    else:
        context["audience"] = audience(mailing.event_id, mailing.kind, mailing.audience)
    context["tests"] = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.mailing_id == mailing.id, OutboxMessage.kind == MessageKind.MAILING_TEST)
        .order_by(OutboxMessage.id.desc())
        .limit(5)
    ).all()
    return render_template("mailings/show.html", **context), 422 if send_form.errors else 200


@blueprint.get("/mailings/<int:mailing_id>/preview")
@requires(*ORGANISERS)
def preview(mailing_id):
    mailing = db.session.get(Mailing, mailing_id) or abort(404)
    recipient = services.preview_recipient(mailing, id_arg(request.args, "registration"))
    rendered = None
    if recipient is not None:
        subject, text, html, language = services.Renderer(mailing).render(recipient)
        rendered = {"subject": subject, "text": text, "html": html, "language": language}
        with transaction():
            record("mailing.previewed", subject=mailing, as_registration=recipient.id)
    choices = audience(mailing.event_id, mailing.kind, mailing.audience).recipients[:PREVIEW_CHOICES]
    return render_template(
        "mailings/preview.html",
        mailing=mailing,
        event=mailing.event,
        recipient=recipient,
        rendered=rendered,
        choices=choices,
        actions=ConfirmForm(),
    )


@blueprint.post("/mailings/<int:mailing_id>/test")
@requires(*ORGANISERS)
def send_test(mailing_id):
    db.session.get(Mailing, mailing_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.send_test(
            mailing_id=mailing_id, user=current_user, registration_id=id_arg(request.form, "registration")
        )
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("A test is sent to %(email)s.", email=current_user.email), "success")
    return redirect(url_for(".show", mailing_id=mailing_id), code=303)


@blueprint.post("/mailings/<int:mailing_id>/send")
@requires(*ORGANISERS)
def send(mailing_id):
    mailing = db.session.get(Mailing, mailing_id) or abort(404)
    form = SendForm()
    later = request.form.get("when") == "later"
    if form.validate_on_submit():
        if later and not form.send_at.data:
            form.send_at.errors.append(_("Give the time to send at."))
        else:
            try:
                services.send(mailing_id=mailing_id, user=current_user, at=form.send_at_utc() if later else None)
            except DomainError as error:
                show_error(form, error)
            else:
                flash(_("The mailing is scheduled.") if later else _("The mailing is being sent."), "success")
                return redirect(url_for(".show", mailing_id=mailing_id), code=303)
    elif not form.errors:
        abort(400)
    return _show(mailing, form)


@blueprint.post("/mailings/<int:mailing_id>/unschedule")
@requires(*ORGANISERS)
def unschedule(mailing_id):
    db.session.get(Mailing, mailing_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.unschedule(mailing_id=mailing_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The mailing is a draft again; it will not be sent."), "success")
    return redirect(url_for(".show", mailing_id=mailing_id), code=303)


@blueprint.post("/mailings/<int:mailing_id>/retry")
@requires(*ORGANISERS)
def retry(mailing_id):
    db.session.get(Mailing, mailing_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.retry_failed(mailing_id=mailing_id)
    flash(
        ngettext("%(num)d failed message is queued again.", "%(num)d failed messages are queued again.", count),
        "success",
    )
    return redirect(url_for(".show", mailing_id=mailing_id), code=303)


@public.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients post the one-click unsubscribe without a form of ours
def page(token):
    hashed = hash_of_token(token) or abort(404)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        unsubscribe(address_hash=hashed, source="one_click" if one_click else "page")
        if one_click:
            return "", 204
        return redirect(url_for(".page", token=token), code=303)
    return render_template("mailings/unsubscribe.html", done=is_unsubscribed(hashed))


def _mailings(*conditions):
    return db.session.scalars(
        db.select(Mailing)
        .where(*conditions)
        .order_by(Mailing.created_at.desc(), Mailing.id.desc())
        .options(joinedload(Mailing.event), joinedload(Mailing.sent_by), joinedload(Mailing.created_by))
    ).all()
