"""Imports every model, so that one import makes the whole schema known."""

from conference.accounts.models import User
from conference.audit.models import AuditEntry
from conference.events.models import Event, Forum
from conference.invitations.models import Invitation
from conference.mailings.models import Mailing, OutboxMessage, Unsubscribe
from conference.participants.models import ApiToken
from conference.programme.models import Room, Session, SessionChoice, Slot, Speaker, Track
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Event",
    "Forum",
    "Invitation",
    "Mailing",
    "Municipality",
    "OutboxMessage",
    "Registration",
    "Room",
    "Sector",
    "Session",
    "SessionChoice",
    "Slot",
    "Speaker",
    "Track",
    "Unsubscribe",
    "User",
]
