"""What the interface calls the states and kinds that the code keeps as enums."""

from flask_babel import lazy_gettext as _l

from conference.events.models import EventStatus, ForumOrigin, Level
from conference.invitations.models import InvitationState
from conference.mailings.models import MessageKind, OutboxStatus
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

# An outgoing message's state, and what kind of message it is (for one with no subject yet:
# the subject is written when it is delivered).
OUTBOX_STATUS_NAMES = {
    OutboxStatus.QUEUED: _l("Queued"),
    OutboxStatus.SENDING: _l("Sending"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
}

MESSAGE_KIND_NAMES = {
    MessageKind.CONFIRMATION: _l("Confirmation"),
    MessageKind.MANAGE_LINK: _l("Personal link"),
    MessageKind.PROMOTION: _l("A place from the waiting list"),
    MessageKind.CANCELLATION: _l("Cancellation"),
    MessageKind.SESSION_PROMOTION: _l("A session place from the waiting list"),
    MessageKind.PASSWORD_RESET: _l("Password reset"),
    MessageKind.INVITATION: _l("Invitation to a staff account"),
    MessageKind.EVENT_INVITATION: _l("Invitation"),
    MessageKind.INVITATION_REMINDER: _l("Invitation reminder"),
    MessageKind.MAILING: _l("Mailing"),
    MessageKind.MAILING_TEST: _l("Test of a mailing"),
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
    "outbox_status_names": OUTBOX_STATUS_NAMES,
    "message_kind_names": MESSAGE_KIND_NAMES,
    "level_names": LEVEL_NAMES,
    "forum_origin_names": FORUM_ORIGIN_NAMES,
}
