"""Which invitation, if any, lets an address register for an event. The registration
service asks this in its own transaction, so an invitation-only event is closed to others
whichever way the form arrives."""

from conference.extensions import db
from conference.invitations.models import Invitation


def matching_invitation(event_id, email, token=None):
    """The invitation to this event for `email`, else the one the personal link `token` names
    if it has not been used for a registration yet; None when there is neither."""
    by_email = db.session.scalars(
        db.select(Invitation).where(Invitation.event_id == event_id, Invitation.email == email)
    ).one_or_none()
    if by_email is not None or not token or len(token) > 64:
        return by_email
    return db.session.scalars(
        db.select(Invitation).where(
            Invitation.event_id == event_id, Invitation.token == token, Invitation.registration_id.is_(None)
        )
    ).one_or_none()


def mark_registered(invitation, registration, now):
    invitation.registration = registration
    invitation.registered_at = now
    if invitation.opened_at is None:
        invitation.opened_at = now
