import gzip

from flask import Blueprint, Response, abort, jsonify, render_template, request, session, url_for
from flask_babel import get_locale
from markupsafe import Markup

from conference.cache import cached
from conference.events.services import event_track_ids, published_event, published_event_version
from conference.links import id_arg
from conference.programme.feeds import programme_json, sessions_calendar
from conference.programme.places import Holes, fill_places
from conference.programme.services import event_session, places_by_session, programme

blueprint = Blueprint("programme", __name__)


@blueprint.get("/events/<slug>/programme")
def show(slug):
    # Each view reads only the versions the cached page is keyed by; the event itself is
    # loaded when the page is rendered.
    version = published_event_version(slug) or abort(404)
    track_id = id_arg(request.args, "track")
    if track_id is not None and track_id not in event_track_ids(version.id):
        track_id = None  # unknown filters share the unfiltered page, so they cannot flood the cache
    if session.get("_flashes"):
        return _render_page(slug, track_id)  # this visitor's own messages
    # Other parameters (utm_source, fbclid from a shared link) share the page without them.
    # The page is rendered once per version of the programme, with holes for the free places;
    # a choice (which bumps registrations_version) only fills them again.
    locale, structure = str(get_locale()), (version.id, version.updated_at, version.programme_version)
    key = ("programme", *structure, version.registrations_version, locale, track_id)

    def filled():
        page = cached(("programme-holes", *structure, locale, track_id), lambda: _render_page(slug, track_id, Holes()))
        return _encoded(fill_places(page, version.id))

    body, compressed = cached(key, filled)
    # The grid of a large programme is 100 KB or more; gzip sends a twentieth of it.
    if request.accept_encodings.quality("gzip") > 0:
        response = Response(compressed, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(body, mimetype="text/html")
    response.vary.add("Accept-Encoding")
    return response


def _render_page(slug, track_id, places=None):
    event = published_event(slug) or abort(404)
    return render_template(
        "programme/show.html",
        event=event,
        grid=Markup(_render_grid(event, track_id, places)),
        return_path=url_for(".show", slug=slug, track=track_id),
    )


def _encoded(page):
    body = page.encode()
    return body, gzip.compress(body, compresslevel=6)


def _render_grid(event, track_id, places=None):
    slots = programme(event.id)
    return render_template(
        "programme/_grid.html",
        event=event,
        slots=slots,
        tracks=event.tracks,
        track_id=track_id,
        places=places
        if places is not None
        else places_by_session(event.id, [s for slot in slots for s in slot.sessions]),
    )


@blueprint.get("/events/<slug>/sessions/<int:session_id>", endpoint="session")
def session_page(slug, session_id):
    event = published_event(slug) or abort(404)
    item = event_session(event.id, session_id) or abort(404)
    return render_template(
        "programme/session.html", event=event, session=item, places=places_by_session(event.id, [item])[item.id]
    )


@blueprint.get("/events/<slug>/sessions/<int:session_id>/calendar.ics")
def session_calendar(slug, session_id):
    event = published_event(slug) or abort(404)
    item = event_session(event.id, session_id) or abort(404)
    return _ics(sessions_calendar(event, [item], name=item.title), f"session-{item.id}.ics")


@blueprint.get("/events/<slug>/programme.ics")
def programme_calendar(slug):
    event = published_event(slug) or abort(404)
    sessions = [session for slot in programme(event.id) for session in slot.sessions]
    return _ics(sessions_calendar(event, sessions, name=event.title), f"{event.slug}.ics", inline=True)


@blueprint.get("/events/<slug>/programme.json")
def programme_feed(slug):
    event = published_event(slug) or abort(404)
    slots = programme(event.id)
    places = places_by_session(event.id, [session for slot in slots for session in slot.sessions])
    response = jsonify(programme_json(event, slots, places))
    # Other sites show the programme: let their pages read the feed.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _ics(data, filename, inline=False):
    disposition = "inline" if inline else "attachment"
    return Response(
        data, mimetype="text/calendar", headers={"Content-Disposition": f'{disposition}; filename="{filename}"'}
    )
