"""Personal API tokens of sector representatives. The token is shown once; only its SHA-256
is stored, so a copy of the database gives no one access."""

import hashlib
import secrets

from flask_babel import lazy_gettext as _l

from conference.database import lock, transaction, utcnow
from conference.errors import DomainError
from conference.extensions import db
from conference.participants.models import ApiToken

MAX_ACTIVE_TOKENS = 20


class TokenError(DomainError):
    """A token request the rules refuse."""


def create_token(*, user, name, now=None):
    """(the new ApiToken row, the token itself: shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name, like the program that will use it."), field="name")
    token = secrets.token_urlsafe(32)
    with transaction() as session:
        if len(active_tokens(user.id)) >= MAX_ACTIVE_TOKENS:
            raise TokenError(_l("You have as many tokens as allowed. Revoke one you no longer use."))
        row = ApiToken(user_id=user.id, name=name[:100], token_hash=_digest(token), created_at=now or utcnow())
        session.add(row)
    return row, token


def revoke_token(*, user, token_id, now=None):
    """Revoke one of `user`'s own tokens; False when there is no such active token of theirs."""
    with transaction():
        owned = db.session.scalar(
            db.select(ApiToken.id).where(
                ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
            )
        )
        if owned is None:
            return False
        lock(ApiToken, owned).revoked_at = now or utcnow()
    return True


def active_tokens(user_id):
    return db.session.scalars(
        db.select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def user_for_token(token, now=None):
    """The active user an unrevoked token belongs to, or None; notes when it was last used."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalars(
        db.select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if row is None or not row.user.active:
        return None
    with transaction():
        lock(ApiToken, row.id).last_used_at = now or utcnow()
    return row.user


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()
