"""iCalendar files for events."""

from datetime import UTC
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent

from conference.database import utcnow
from conference.links import public_url

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_time(naive_utc):
    """A stored (naive UTC) time as an aware Europe/Stockholm time."""
    return naive_utc.replace(tzinfo=UTC).astimezone(STOCKHOLM)


def event_calendar(event):
    """The event as a one-event calendar (text/calendar bytes)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ting//Ting//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.slug}@ting")
    entry.add("dtstamp", utcnow().replace(tzinfo=UTC))
    entry.add("dtstart", local_time(event.starts_at))
    entry.add("dtend", local_time(event.ends_at))
    entry.add("summary", event.title)
    entry.add("location", ", ".join(part for part in (event.venue, event.address) if part))
    entry.add("url", public_url("events.show", slug=event.slug))
    calendar.add_component(entry)
    calendar.add_component(stockholm_timezone())
    return calendar.to_ical()


@cache
def stockholm_timezone():
    """The VTIMEZONE of Europe/Stockholm; slow to build, so built once."""
    return Timezone.from_tzid("Europe/Stockholm")


def utc_from_local(naive_local):
    """A Europe/Stockholm wall-clock time (as typed in a form) as the naive UTC Ting stores."""
    return naive_local.replace(tzinfo=STOCKHOLM).astimezone(UTC).replace(tzinfo=None)


def local_wall_time(naive_utc):
    """A stored time as the Europe/Stockholm wall-clock time a form shows."""
    return local_time(naive_utc).replace(tzinfo=None)
