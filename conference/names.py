"""What the interface calls the states and kinds that the code keeps as enums."""

from flask_babel import lazy_gettext as _l

from conference.events.models import EventStatus
from conference.programme.models import SessionFormat
from conference.registration.models import RegistrationStatus

SESSION_FORMAT_NAMES = {
    SessionFormat.KEYNOTE: _l("Keynote"),
    SessionFormat.SEMINAR: _l("Seminar"),
    SessionFormat.WORKSHOP: _l("Workshop"),
    SessionFormat.PANEL: _l("Panel"),
    SessionFormat.OTHER: _l("Programme item"),
}

EVENT_STATUS_NAMES = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.ARCHIVED: _l("Archived"),
}

REGISTRATION_STATUS_NAMES = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}


def session_format_name(session_format):
    return SESSION_FORMAT_NAMES[SessionFormat(session_format)]


TEMPLATE_GLOBALS = {
    "format_name": session_format_name,
    "status_names": EVENT_STATUS_NAMES,
    "registration_status_names": REGISTRATION_STATUS_NAMES,
    "session_formats": SESSION_FORMAT_NAMES,
}
