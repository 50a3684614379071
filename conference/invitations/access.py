"""Which invitation, if any, lets an address register for an event. The registration
service asks this in its own transaction, so an invitation-only event is closed to others
whichever way the form arrives. Plain statements on the transaction's connection: every
registration asks, and most events invite nobody."""

from sqlalchemy import bindparam, func, select, update

from conference.invitations.models import Invitation

_BY_EMAIL = select(Invitation.id).where(
    Invitation.event_id == bindparam("event_id"), Invitation.email == bindparam("email")
)
_BY_UNUSED_TOKEN = select(Invitation.id).where(
    Invitation.event_id == bindparam("event_id"),
    Invitation.token == bindparam("token"),
    Invitation.registration_id.is_(None),
)
_MARK_REGISTERED = (
    update(Invitation.__table__)
    .where(Invitation.id == bindparam("invitation_id"))
    .values(
        registration_id=bindparam("registration_id"),
        registered_at=bindparam("now"),
        opened_at=func.coalesce(Invitation.opened_at, bindparam("now")),
    )
)


def matching_invitation(connection, event_id, email, token=None):
    """The id of the invitation to this event for `email`, else of the one the personal link
    `token` names if it has not been used for a registration yet; None when there is neither."""
    by_email = connection.execute(_BY_EMAIL, {"event_id": event_id, "email": email}).scalar()
    if by_email is not None or not token or len(token) > 64:
        return by_email
    return connection.execute(_BY_UNUSED_TOKEN, {"event_id": event_id, "token": token}).scalar()


def mark_registered(connection, invitation_id, registration_id, now):
    connection.execute(
        _MARK_REGISTERED, {"invitation_id": invitation_id, "registration_id": registration_id, "now": now}
    )
