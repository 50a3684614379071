"""Which invitation, if any, lets an address register for an event. The registration
service asks this in its own transaction, so an invitation-only event is closed to others
whichever way the form arrives. Plain statements on the transaction's connection: every
registration asks, and most events invite nobody."""

from sqlalchemy import bindparam, func, select, update

from conference.invitations.models import Invitation


def invited_address(event_id, email):
    """The id of the invitation to the event for the address, as a subquery. The registration
    service reads it in a statement that begins after it took the event's lock (never in the
    statement that takes it: on PostgreSQL that one would miss an invitation added while it
    waited)."""
    return select(Invitation.id).where(Invitation.event_id == event_id, Invitation.email == email).scalar_subquery()


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


def unused_invitation(connection, event_id, token):
    """The id of the invitation to this event that the personal link `token` names, if it
    has not been used for a registration yet (an invitee may register with another address)."""
    if not token or len(token) > 64:
        return None
    return connection.execute(_BY_UNUSED_TOKEN, {"event_id": event_id, "token": token}).scalar()


def mark_registered(connection, invitation_id, registration_id, now):
    connection.execute(
        _MARK_REGISTERED, {"invitation_id": invitation_id, "registration_id": registration_id, "now": now}
    )
