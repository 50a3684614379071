from flask import Blueprint, abort, render_template

from conference.events.services import published_event, upcoming_events
from conference.registration.services import has_room, places_left

blueprint = Blueprint("events", __name__)


@blueprint.get("/")
def index():
    return render_template("events/index.html", events=upcoming_events())


@blueprint.get("/events/<slug>")
def show(slug):
    event = published_event(slug) or abort(404)
    return render_template(
        "events/show.html",
        event=event,
        window=event.registration_window(),
        places_left=places_left(event),
        has_room=has_room(event),
    )
