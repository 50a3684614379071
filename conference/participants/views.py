"""Participant lists for sector representatives and organisers, their downloads, the
personal API tokens on the account page, and the public participant list."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.errors import DomainError
from conference.events.models import Event, EventStatus
from conference.events.services import published_event
from conference.extensions import db
from conference.links import id_arg
from conference.participants import exports, tokens
from conference.participants.forms import TokenForm
from conference.participants.services import (
    Audience,
    ListFilters,
    ListRequest,
    Scope,
    count_rows,
    list_request,
    participant_rows,
    record_download,
)
from conference.programme.models import Session, Slot, Track
from conference.reference.models import Municipality, Sector
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("participants", __name__)
LIST_READERS = (Role.ORGANISER, Role.SECTOR_REPRESENTATIVE)
PAGE_SIZE = 100
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
SEPARATORS = {"semicolon": ";", "comma": ","}


@blueprint.get("/staff/participants")
@requires(*LIST_READERS)
def events():
    """The events whose lists the signed-in person may read."""
    shown = db.select(Event).order_by(Event.starts_at.desc())
    if not current_user.has_role(Role.ORGANISER):
        shown = shown.where(Event.status != EventStatus.DRAFT)
    return render_template("participants/events.html", events=db.session.scalars(shown).all())


@blueprint.get("/staff/events/<int:event_id>/participants")
@requires(*LIST_READERS)
def show(event_id):
    chosen, organiser = _chosen(event_id)
    filters = ListFilters.from_args(request.args, organiser=organiser)
    page = min(max(id_arg(request.args, "page") or 1, 1), 100000)
    query = participant_rows(event_id, chosen.scope, filters)
    total = count_rows(query)
    shown = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    context = exports.ListContext(chosen, shown)
    people = [context.record(row) for row in db.session.execute(shown)]
    record_download(chosen, user=current_user, kind="listed", filters=filters, rows=len(people))
    return render_template(
        "participants/list.html",
        event=chosen.event,
        chosen=chosen,
        organiser=organiser,
        fields=context.fields,
        people=people,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        filters=filters,
        sector_id=id_arg(request.args, "sector"),
        sectors=_sectors_for_choice(organiser),
        municipalities=db.session.scalars(db.select(Municipality).order_by(Municipality.name)).all(),
        sessions=db.session.scalars(
            db.select(Session).join(Slot).where(Session.event_id == event_id).order_by(Slot.starts_at, Session.id)
        ).all(),
        tracks=db.session.scalars(db.select(Track).where(Track.event_id == event_id).order_by(Track.sort_order)).all(),
    )


@blueprint.get("/staff/events/<int:event_id>/participants/download")
@requires(*LIST_READERS)
def download(event_id):
    kind = request.args.get("format", "")
    if kind not in FORMATS:
        abort(404)
    chosen, organiser = _chosen(event_id)
    filters = ListFilters.from_args(request.args, organiser=organiser)
    separator = SEPARATORS.get(request.args.get("separator"), ";")
    try:
        content, filename = exports.export(chosen, filters, kind=kind, user=current_user, separator=separator)
    except DomainError as error:
        flash(str(error.message), "error")
        filters_kept = {key: value for key, value in request.args.items() if key not in ("format", "separator")}
        return redirect(url_for(".show", event_id=event_id, **filters_kept), code=303)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if kind == "csv":
        content = stream_with_context(content)
    return Response(content, mimetype=FORMATS[kind], headers=headers)


@blueprint.post("/staff/account/tokens")
@requires(Role.SECTOR_REPRESENTATIVE)
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            row, token = tokens.create_token(user=current_user, name=form.name.data)
        except DomainError as error:
            show_error(form, error)
        else:
            # The token is shown on this one page and never again: only its hash is kept.
            return render_template("participants/new_token.html", token=token, row=row)
    for message in [*form.form_errors, *form.name.errors] or [_("The form had expired. Please try again.")]:
        flash(f"{form.name.label.text}: {message}" if message in form.name.errors else str(message), "error")
    return redirect(url_for("accounts.account"), code=303)


@blueprint.post("/staff/account/tokens/revoke")
@requires(Role.SECTOR_REPRESENTATIVE)
def revoke_token():
    form = ConfirmForm()
    token_id = id_arg(request.form, "token_id")
    if not form.validate_on_submit() or token_id is None:
        abort(400)
    if not tokens.revoke_token(user=current_user, token_id=token_id):
        abort(404)
    flash(_("The token is revoked: programs that use it are refused from now on."), "success")
    return redirect(url_for("accounts.account"), code=303)


@blueprint.get("/events/<slug>/participants")
def public_list(slug):
    event = published_event(slug)
    if event is None or not event.public_list_enabled:
        abort(404)
    chosen = ListRequest(event, Scope(Audience.PUBLIC))
    query = participant_rows(event.id, chosen.scope)
    context = exports.ListContext(chosen, query)
    people = [context.record(row) for row in db.session.execute(query)]
    return render_template("participants/public.html", event=event, people=people)


def _chosen(event_id):
    """(the list request, whether it is an organiser's); a malformed sector is a 404."""
    raw_sector = request.args.get("sector", "")
    sector_id = id_arg(request.args, "sector")
    if raw_sector and sector_id is None:
        abort(404)
    return list_request(current_user, event_id, sector_id), current_user.has_role(Role.ORGANISER)


def _sectors_for_choice(organiser):
    if organiser:
        return db.session.scalars(db.select(Sector).order_by(Sector.sort_order)).all()
    return current_user.sectors
