"""The mails a registration causes. They are queued in the registration's transaction and
rendered by the delivery worker, in the attendee's language, from what they record."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from conference.events.calendar import event_calendar
from conference.links import public_url
from conference.mailings.models import MessageKind
from conference.mailings.outbox import Mail, enqueue_later, insert_and_enqueue_later, renders
from conference.programme.services import agenda
from conference.registration.models import RegistrationStatus
from conference.registration.ticket import qr_png


def queue_confirmation(registration, *, waitlist_position=None):
    _queue(MessageKind.CONFIRMATION, registration, waitlist_position=waitlist_position)


def insert_with_confirmation(insert, values, *, email, status, waitlist_position=None):
    """Add a registration with `insert` (see `insert_and_enqueue_later`) and queue its
    confirmation; what `insert` returned of the new registration, or None when it added none."""
    return insert_and_enqueue_later(
        insert,
        values,
        kind=MessageKind.CONFIRMATION,
        recipient=email,
        context=_context(status, waitlist_position=waitlist_position),
    )


def queue_manage_link(registration):
    _queue(MessageKind.MANAGE_LINK, registration)


def queue_promotion(registration):
    _queue(MessageKind.PROMOTION, registration)


def queue_cancellation(registration):
    _queue(MessageKind.CANCELLATION, registration)


def queue_session_promotion(choice):
    _queue(MessageKind.SESSION_PROMOTION, choice.registration, session_title=choice.session.title)


def _queue(kind, registration, **context):
    enqueue_later(
        kind=kind,
        recipient=registration.email,
        registration_id=registration.id,
        context=_context(registration.status, **context),
    )


def _context(status, **context):
    # The status as it was: the mail tells what happened then, even if more happens before it goes.
    return {**context, "status": status.value}


SUBJECTS = {
    MessageKind.CONFIRMATION: lambda event, context: (
        _("You are on the waiting list for %(event)s", event=event.title)
        if context["status"] == RegistrationStatus.WAITLISTED
        else _("Your registration for %(event)s", event=event.title)
    ),
    MessageKind.MANAGE_LINK: lambda event, context: _("Your personal link for %(event)s", event=event.title),
    MessageKind.PROMOTION: lambda event, context: _("You have a place at %(event)s", event=event.title),
    MessageKind.CANCELLATION: lambda event, context: _(
        "Your registration for %(event)s is cancelled", event=event.title
    ),
    MessageKind.SESSION_PROMOTION: lambda event, context: _(
        "You have a place in the session %(session)s", session=context["session_title"]
    ),
}


# The mails that give a place carry the ticket: the QR code of the check-in code.
TICKET_KINDS = {MessageKind.CONFIRMATION, MessageKind.PROMOTION}


@renders(*SUBJECTS)
def render_registration_mail(message):
    registration = message.registration
    event = registration.event
    context = message.context | {
        "registration": registration,
        "event": event,
        "manage_url": public_url("registration.manage", token=registration.token),
        "event_url": public_url("events.show", slug=event.slug),
        "agenda": agenda(registration),
    }
    template = f"mail/registration/{message.kind.value}"
    with force_locale(registration.language):
        attachments = []
        if context["status"] == RegistrationStatus.CONFIRMED and message.kind != MessageKind.CANCELLATION:
            attachments.append((f"{event.slug}.ics", "text/calendar", event_calendar(event)))
        if context["status"] == RegistrationStatus.CONFIRMED and message.kind in TICKET_KINDS:
            attachments.append((f"{event.slug}-qr.png", "image/png", qr_png(registration.checkin_code)))
        return Mail(
            subject=SUBJECTS[message.kind](event, context),
            text_body=render_template(f"{template}.txt", **context),
            html_body=render_template(f"{template}.html", **context),
            attachments=attachments,
        )
