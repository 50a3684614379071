from flask_babel import lazy_gettext as _l

from conference.programme.models import SessionFormat

SESSION_FORMAT_NAMES = {
    SessionFormat.KEYNOTE: _l("Keynote"),
    SessionFormat.SEMINAR: _l("Seminar"),
    SessionFormat.WORKSHOP: _l("Workshop"),
    SessionFormat.PANEL: _l("Panel"),
    SessionFormat.OTHER: _l("Programme item"),
}


def session_format_name(session_format):
    return SESSION_FORMAT_NAMES[SessionFormat(session_format)]
