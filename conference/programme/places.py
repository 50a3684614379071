"""Free places on cached pages. A page that shows the free places of many sessions is
rendered once per version of the programme with a hole where each session's places go;
each choice then costs filling the holes from one query (the seat counts the sessions
keep), not rendering the page again."""

import re

from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import aliased

from conference.extensions import db
from conference.programme.models import Room, Session

_HOLE = re.compile("\x00places-(html|text):([0-9]+)\x00")
# How each kind of hole is written: a badge on the programme, words in a form's label.
_TEMPLATES = {"html": "programme/_places.html", "text": "programme/_places_text.html"}


def free_places(event_id):
    """Per session id of the event: (free places, None when unlimited; how many wait)."""
    room = aliased(Room)
    rows = db.session.execute(
        db.select(Session.id, Session.capacity, room.capacity, Session.confirmed_count, Session.waitlisted_count)
        .outerjoin(room, room.id == Session.room_id)
        .where(Session.event_id == event_id)
    )
    places = {}
    for session_id, own_capacity, room_capacity, confirmed, waiting in rows:
        capacity = own_capacity if own_capacity is not None else room_capacity
        places[session_id] = (None if capacity is None else max(capacity - confirmed, 0), waiting)
    return places


class _Hole:
    def __init__(self, session_id):
        self.html = Markup(f"\x00places-html:{session_id}\x00")
        self.text = Markup(f"\x00places-text:{session_id}\x00")


class Holes:
    """Stands in for {session id: places} in a template rendered for the cache."""

    def __getitem__(self, session_id):
        return _Hole(session_id)


def fill_places(page, event_id):
    """`page` with its holes filled with the sessions' free places as they are now."""
    places = free_places(event_id)
    environment = current_app.jinja_env
    written = {}

    def fill(match):
        kind, session_id = match.group(1), int(match.group(2))
        value = places.get(session_id, (None, 0))
        if (kind, value) not in written:
            written[kind, value] = environment.get_template(_TEMPLATES[kind]).render(places=value)
        return written[kind, value]

    return _HOLE.sub(fill, page)
