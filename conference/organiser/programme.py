"""The programme editor of the back office."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.organiser.forms import RoomForm, SessionForm, SlotForm, TrackForm
from conference.organiser.views import blueprint
from conference.programme import editing
from conference.programme.models import Room, Session, Slot, Track
from conference.programme.services import places_by_session, programme
from conference.site.forms import ConfirmForm, show_error


@blueprint.get("/events/<int:event_id>/programme")
@requires(Role.ORGANISER)
def programme_page(event_id):
    return _page(db.session.get(Event, event_id) or abort(404))


@blueprint.post("/events/<int:event_id>/programme/<part>")
@requires(Role.ORGANISER)
def programme_add(event_id, part):
    event = db.session.get(Event, event_id) or abort(404)
    forms = {"tracks": TrackForm(prefix="track"), "rooms": RoomForm(prefix="room"), "slots": SlotForm(prefix="slot")}
    form = forms.get(part) or abort(404)
    add = {"tracks": editing.add_track, "rooms": editing.add_room, "slots": editing.add_slot}[part]
    if form.validate_on_submit():
        try:
            add(event_id=event_id, **form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Added."), "success")
            return redirect(url_for(".programme_page", event_id=event_id), code=303)
    return _page(event, **{part: form}), 422


@blueprint.route("/events/<int:event_id>/programme/sessions/new", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def new_session(event_id):
    return _session_form(db.session.get(Event, event_id) or abort(404), None)


@blueprint.route("/events/<int:event_id>/programme/sessions/<int:session_id>", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def edit_session(event_id, session_id):
    event = db.session.get(Event, event_id) or abort(404)
    item = db.session.get(Session, session_id)
    if item is None or item.event_id != event_id:
        abort(404)
    return _session_form(event, item)


@blueprint.post("/events/<int:event_id>/programme/sessions/<int:session_id>/delete")
@requires(Role.ORGANISER)
def delete_session(event_id, session_id):
    db.session.get(Event, event_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        editing.delete_session(event_id=event_id, session_id=session_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The session is removed."), "success")
    return redirect(url_for(".programme_page", event_id=event_id), code=303)


@blueprint.route("/events/<int:event_id>/programme/tracks/<int:track_id>", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def edit_track(event_id, track_id):
    return _part_form(
        _part(Track, event_id, track_id),
        TrackForm(),
        lambda values: editing.change_track(event_id=event_id, track_id=track_id, **values),
    )


@blueprint.route("/events/<int:event_id>/programme/tracks/<int:track_id>/remove", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def remove_track(event_id, track_id):
    return _part_removal(
        _part(Track, event_id, track_id),
        lambda: editing.remove_track(event_id=event_id, track_id=track_id),
        _("The knowledge area is removed."),
    )


@blueprint.route("/events/<int:event_id>/programme/rooms/<int:room_id>", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def edit_room(event_id, room_id):
    return _part_form(
        _part(Room, event_id, room_id),
        RoomForm(),
        lambda values: editing.change_room(event_id=event_id, room_id=room_id, **values),
    )


@blueprint.route("/events/<int:event_id>/programme/rooms/<int:room_id>/remove", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def remove_room(event_id, room_id):
    return _part_removal(
        _part(Room, event_id, room_id),
        lambda: editing.remove_room(event_id=event_id, room_id=room_id),
        _("The room is removed."),
    )


@blueprint.route("/events/<int:event_id>/programme/slots/<int:slot_id>", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def edit_slot(event_id, slot_id):
    return _part_form(
        _part(Slot, event_id, slot_id),
        SlotForm(),
        lambda values: editing.change_slot(event_id=event_id, slot_id=slot_id, **values),
    )


@blueprint.route("/events/<int:event_id>/programme/slots/<int:slot_id>/remove", methods=["GET", "POST"])
@requires(Role.ORGANISER)
def remove_slot(event_id, slot_id):
    return _part_removal(
        _part(Slot, event_id, slot_id),
        lambda: editing.remove_slot(event_id=event_id, slot_id=slot_id),
        _("The slot is removed."),
    )


def _part(model, event_id, row_id):
    """A knowledge area, room or slot of this event; another event's is not found here."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event_id:
        abort(404)
    return row


def _part_form(item, form, change):
    if request.method == "GET":
        form.fill_from(item)
    elif form.validate_on_submit():
        try:
            change(form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The change is saved."), "success")
            return redirect(url_for(".programme_page", event_id=item.event_id), code=303)
    return render_template(
        "organiser/programme_part.html", event=item.event, item=item, kind=type(item).__name__.lower(), form=form
    ), 422 if form.errors else 200


def _part_removal(item, remove, done):
    """A page that asks first; the removal itself is a POST with its CSRF token."""
    event_id = item.event_id  # the row is gone once the removal commits
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            remove()
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(done, "success")
        return redirect(url_for(".programme_page", event_id=event_id), code=303)
    return render_template(
        "organiser/programme_remove.html",
        event=item.event,
        item=item,
        kind=type(item).__name__.lower(),
        sessions=editing.sessions_using(item),
        refusal=editing.removal_refused(item),
        form=ConfirmForm(),
    )


def _session_form(event, item):
    form = SessionForm(event=event)
    if request.method == "GET" and item is not None:
        form.fill_from(item)
    elif form.validate_on_submit():
        speakers, moderators = form.people()
        try:
            editing.save_session(
                event_id=event.id,
                session_id=item.id if item else None,
                fields=form.fields_for_save(),
                track_ids=form.track_ids.data,
                speakers=speakers,
                moderators=moderators,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for(".programme_page", event_id=event.id), code=303)
    if not event.slots:
        flash(_("Add a slot first: every session runs in one."), "error")
        return redirect(url_for(".programme_page", event_id=event.id), code=303)
    return render_template(
        "organiser/session_form.html", event=event, form=form, session=item, actions=ConfirmForm()
    ), 422 if form.errors else 200


def _page(event, **forms):
    slots = programme(event.id)
    return render_template(
        "organiser/programme.html",
        event=event,
        slots=slots,
        places=places_by_session(event.id, [session for slot in slots for session in slot.sessions]),
        tracks=forms.get("tracks") or TrackForm(prefix="track", formdata=None),
        rooms=forms.get("rooms") or RoomForm(prefix="room", formdata=None),
        slot_form=forms.get("slots") or SlotForm(prefix="slot", formdata=None),
    )
