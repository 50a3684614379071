"""The invitation mails. Queued in the transaction that invites or reminds, rendered by the
delivery worker in the invitee's language, each with the invitee's personal links."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from conference.extensions import db
from conference.invitations.models import Invitation
from conference.links import public_url
from conference.mailings.models import MessageKind
from conference.mailings.outbox import Mail, enqueue_later, renders


def queue_invitation(invitation):
    _queue(MessageKind.EVENT_INVITATION, invitation)


def queue_reminder(invitation):
    _queue(MessageKind.INVITATION_REMINDER, invitation)


def _queue(kind, invitation):
    enqueue_later(kind=kind, recipient=invitation.email, context={"invitation_id": invitation.id})


@renders(MessageKind.EVENT_INVITATION, MessageKind.INVITATION_REMINDER)
def render_invitation_mail(message):
    invitation = db.session.get(Invitation, message.context["invitation_id"])
    event = invitation.event
    context = {
        "invitation": invitation,
        "event": event,
        "reminder": message.kind == MessageKind.INVITATION_REMINDER,
        "open_url": public_url("invitations.open_invitation", token=invitation.token),
        "decline_url": public_url("invitations.decline", token=invitation.token),
    }
    with force_locale(invitation.language):
        subject = (
            _("Reminder: you are invited to %(event)s", event=event.title)
            if context["reminder"]
            else _("You are invited to %(event)s", event=event.title)
        )
        return Mail(
            subject=subject,
            text_body=render_template("mail/invitations/invitation.txt", **context),
            html_body=render_template("mail/invitations/invitation.html", **context),
        )
