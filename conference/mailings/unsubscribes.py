"""Unsubscribes from mailings. An address is kept only as a keyed hash (HMAC with SECRET_KEY):
a purge of personal data leaves no address behind, yet the address stays unsubscribed."""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy.exc import IntegrityError

from conference.database import transaction
from conference.extensions import db
from conference.links import public_url
from conference.mailings.models import Unsubscribe


def address_hash(email):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def unsubscribe_token(email):
    """A signed token for the unsubscribe link: it names the hash, never the address."""
    return _signer().sign(address_hash(email)).decode()


def unsubscribe_url_prefix():
    """The unsubscribe link without its token, built once for a whole mailing."""
    return public_url("unsubscribe.page", token="-").removesuffix("-")


def hash_of_token(token):
    """The address hash a token was signed for, or None for a token this site did not sign."""
    try:
        value = _signer().unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    return value if len(value) == 64 else None


def unsubscribe(*, address_hash, source):
    """Record the unsubscribe at once; doing it twice (a double click, a race) is no error."""
    try:
        with transaction() as session:
            if session.get(Unsubscribe, address_hash) is None:
                session.add(Unsubscribe(address_hash=address_hash, source=source))
    except IntegrityError:
        pass  # another request recorded the same address in the meantime


def is_unsubscribed(address_hash):
    return db.session.get(Unsubscribe, address_hash) is not None


def unsubscribed_among(hashes):
    """The hashes in `hashes` that are unsubscribed."""
    found = set()
    hashes = list(hashes)
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        found.update(db.session.scalars(db.select(Unsubscribe.address_hash).where(Unsubscribe.address_hash.in_(chunk))))
    return found


def _signer():
    return Signer(current_app.config["SECRET_KEY"], salt="ting-unsubscribe")
