"""What the interface calls the states and kinds that the code keeps as enums."""

from flask_babel import lazy_gettext as _l

from conference.events.models import EventStatus, ForumOrigin, Level
from conference.invitations.models import InvitationState
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


INVITATION_STATE_NAMES = {
    InvitationState.INVITED: _l("Invited"),
    InvitationState.OPENED: _l("Opened"),
    InvitationState.REGISTERED: _l("Registered"),
    InvitationState.DECLINED: _l("Declined"),
}

LEVEL_NAMES = {
    Level.LOCAL: _l("Local level"),
    Level.SUB_REGIONAL: _l("Sub-regional level"),
    Level.REGIONAL: _l("Regional level"),
    Level.LOCAL_REGIONAL: _l("Local and regional level together"),
    Level.ALL_LEVELS: _l("All levels meet"),
}

FORUM_ORIGIN_NAMES = {
    ForumOrigin.EXISTING: _l("Existing forum"),
    ForumOrigin.NEW: _l("New forum"),
}


def session_format_name(session_format):
    return SESSION_FORMAT_NAMES[SessionFormat(session_format)]


TEMPLATE_GLOBALS = {
    "format_name": session_format_name,
    "status_names": EVENT_STATUS_NAMES,
    "registration_status_names": REGISTRATION_STATUS_NAMES,
    "session_formats": SESSION_FORMAT_NAMES,
    "invitation_state_names": INVITATION_STATE_NAMES,
    "level_names": LEVEL_NAMES,
    "forum_origin_names": FORUM_ORIGIN_NAMES,
}
