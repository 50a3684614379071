"""Who gets a mailing: the registrations chosen by the same filters as the registrations
list, then the rules of the kind: a follow-up only to those who consented, and no mailing
ever to an unsubscribed address."""

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from conference.extensions import db
from conference.mailings.models import MailingKind
from conference.mailings.unsubscribes import address_hash, unsubscribed_among
from conference.organiser.registrations import Filters, filter_conditions
from conference.registration.models import Registration, RegistrationStatus

AUDIENCE_FIELDS = ("status", "sector", "municipality", "session", "track", "checked_in")
RECIPIENT_COLUMNS = (
    Registration.id,
    Registration.email,
    Registration.first_name,
    Registration.last_name,
    Registration.organisation,
    Registration.language,
    Registration.token,
)


@dataclass
class Audience:
    recipients: list  # rows of RECIPIENT_COLUMNS, one per address
    without_consent: int = 0
    unsubscribed: int = 0


def audience(event_id, kind, filters):
    """The recipients of a mailing of `kind` to the registrations matching `filters`."""
    conditions = filter_conditions(event_id, Filters.from_args(MultiDict(filters)))
    if not filters.get("status"):
        conditions.append(Registration.status != RegistrationStatus.CANCELLED)
    rows = db.session.execute(
        db.select(*RECIPIENT_COLUMNS, Registration.consent_mailings_at).where(*conditions).order_by(Registration.id)
    ).all()
    result = Audience(recipients=[])
    if kind == MailingKind.FOLLOW_UP:
        consenting = [row for row in rows if row.consent_mailings_at is not None]
        result.without_consent = len(rows) - len(consenting)
        rows = consenting
    hashes = {row.id: address_hash(row.email) for row in rows}
    unsubscribed = unsubscribed_among(set(hashes.values()))
    seen = set()
    for row in rows:
        if hashes[row.id] in unsubscribed:
            result.unsubscribed += 1
        elif hashes[row.id] not in seen:
            seen.add(hashes[row.id])
            result.recipients.append(row)
    return result
