"""The programme as files other programs read: iCalendar and JSON."""

from datetime import UTC

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from conference.database import utcnow
from conference.events.calendar import local_time, stockholm_timezone
from conference.links import public_url


def sessions_calendar(event, sessions, *, name):
    """A calendar with one entry per session, in Europe/Stockholm time."""
    calendar = _calendar(name)
    for session in sessions:
        entry = CalendarEvent()
        entry.add("uid", f"session-{session.id}@ting")
        entry.add("dtstamp", utcnow().replace(tzinfo=UTC))
        entry.add("dtstart", local_time(session.slot.starts_at))
        entry.add("dtend", local_time(session.slot.ends_at))
        entry.add("summary", session.title)
        entry.add("location", ", ".join(part for part in (session.room and session.room.name, event.venue) if part))
        entry.add("description", session.description)
        entry.add("url", public_url("programme.session", slug=event.slug, session_id=session.id))
        calendar.add_component(entry)
    calendar.add_component(stockholm_timezone())
    return calendar.to_ical()


def programme_json(event, slots, places):
    """The whole programme as plain data; times are ISO 8601 with the Stockholm offset."""
    tracks = {track.id: track for slot in slots for session in slot.sessions for track in session.tracks}
    rooms = {session.room.id: session.room for slot in slots for session in slot.sessions if session.room}
    return {
        "event": {
            "slug": event.slug,
            "title": event.title,
            "starts_at": local_time(event.starts_at).isoformat(),
            "ends_at": local_time(event.ends_at).isoformat(),
            "venue": event.venue,
            "address": event.address,
            "url": public_url("events.show", slug=event.slug),
        },
        "tracks": [
            {"id": track.id, "name": track.name, "colour": track.colour}
            for track in sorted(tracks.values(), key=lambda t: t.sort_order)
        ],
        "rooms": [
            {"id": room.id, "name": room.name, "capacity": room.capacity, "accessibility": room.accessibility_notes}
            for room in sorted(rooms.values(), key=lambda r: r.name)
        ],
        "slots": [
            {
                "id": slot.id,
                "label": slot.label,
                "starts_at": local_time(slot.starts_at).isoformat(),
                "ends_at": local_time(slot.ends_at).isoformat(),
                "sessions": [_session_json(event, session, places[session.id]) for session in slot.sessions],
            }
            for slot in slots
        ],
    }


def _session_json(event, session, places):
    places_left, waiting = places
    return {
        "id": session.id,
        "title": session.title,
        "description": session.description,
        "format": session.format.value,
        "room_id": session.room_id,
        "track_ids": [track.id for track in session.tracks],
        "capacity": session.effective_capacity,
        "places_left": places_left,
        "waiting": waiting,
        "language": session.language,
        "interpretation": session.interpretation,
        "sign_language": session.sign_language,
        "hearing_loop": session.hearing_loop,
        "speakers": [
            {"name": speaker.name, "organisation": speaker.organisation, "role": speaker.role.value}
            for speaker in session.speakers
        ],
        "material_url": session.material_url or None,
        "recording_url": session.recording_url or None,
        "url": public_url("programme.session", slug=event.slug, session_id=session.id),
    }


def _calendar(name):
    calendar = Calendar()
    calendar.add("prodid", "-//Ting//Ting//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    return calendar
