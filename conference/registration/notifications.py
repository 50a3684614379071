"""The mails a registration causes, queued in the outbox in the attendee's language."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from conference.events.calendar import event_calendar
from conference.links import public_url
from conference.mailings.models import MessageKind
from conference.mailings.outbox import enqueue
from conference.programme.services import agenda
from conference.registration.models import RegistrationStatus


def queue_confirmation(registration, *, waitlist_position=None):
    with force_locale(registration.language):
        if registration.status == RegistrationStatus.WAITLISTED:
            subject = _("You are on the waiting list for %(event)s", event=registration.event.title)
        else:
            subject = _("Your registration for %(event)s", event=registration.event.title)
        _queue(MessageKind.CONFIRMATION, "confirmation", subject, registration, waitlist_position=waitlist_position)


def queue_manage_link(registration):
    with force_locale(registration.language):
        subject = _("Your personal link for %(event)s", event=registration.event.title)
        _queue(MessageKind.MANAGE_LINK, "manage_link", subject, registration)


def queue_promotion(registration):
    with force_locale(registration.language):
        subject = _("You have a place at %(event)s", event=registration.event.title)
        _queue(MessageKind.PROMOTION, "promotion", subject, registration)


def queue_cancellation(registration):
    with force_locale(registration.language):
        subject = _("Your registration for %(event)s is cancelled", event=registration.event.title)
        _queue(MessageKind.CANCELLATION, "cancellation", subject, registration)


def queue_session_promotion(choice):
    registration = choice.registration
    with force_locale(registration.language):
        subject = _("You have a place in the session %(session)s", session=choice.session.title)
        _queue(MessageKind.SESSION_PROMOTION, "session_promotion", subject, registration, choice=choice)


def _queue(kind, template, subject, registration, **context):
    event = registration.event
    context |= {
        "registration": registration,
        "event": event,
        "manage_url": public_url("registration.manage", token=registration.token),
        "event_url": public_url("events.show", slug=event.slug),
        "agenda": agenda(registration),
    }
    attachments = []
    if registration.status == RegistrationStatus.CONFIRMED:
        attachments.append((f"{event.slug}.ics", "text/calendar", event_calendar(event)))
    enqueue(
        kind=kind,
        recipient=registration.email,
        subject=subject,
        text_body=render_template(f"mail/registration/{template}.txt", **context),
        html_body=render_template(f"mail/registration/{template}.html", **context),
        attachments=attachments,
        registration=registration,
    )
